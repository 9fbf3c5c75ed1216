// Billing records (issue 23): `load --billing` reads Snowflake and BigQuery exports whatever the
// case of their column names, skips and counts what it cannot use, keeps the latest record per
// query id, and prices units with the price book. Figures are the hand-worked ones of
// fixtures/billing/README.md.
import { describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { adtrace } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";
import { Db } from "../src/db/db.js";

const DIR = "fixtures/billing";
const tmp = () => mkdtempSync(join(tmpdir(), "adtrace-billing-"));

async function rows(path: string, sql: string) {
  const db = await Db.open({ path, readOnly: true });
  try {
    return await db.all(sql);
  } finally {
    db.close();
  }
}

describe("load --billing", () => {
  it("stores both kinds, latest record per query id, priced by the book, skipping and counting bad records", async () => {
    const db = join(tmp(), "b.duckdb");
    const r = await adtraceIn(["load", "--billing", `${DIR}/snowflake.csv`, `${DIR}/bigquery.jsonl`, "--db", db, "--format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.files).toEqual([
      { source: `${DIR}/snowflake.csv`, kind: "snowflake", records: 6 },
      { source: `${DIR}/bigquery.jsonl`, kind: "bigquery", records: 5 },
    ]);
    expect(out).toMatchObject({ records_read: 11, records_kept: 8, duplicates: 1, conflicting: 1, replaced: 0 });
    expect(out.skipped).toEqual([
      { reason: "negative amount", records: 1 },
      { reason: "script parent job (its child jobs carry the bill)", records: 1 },
    ]);
    // README: Snowflake (0.014 + 0.001 + 1 + 0.5) credits × $3; BigQuery 2^39 B + 0 + 2^30 B at $6.25/TiB, 2 slot-hours × $0.06.
    const [bq, sf] = out.warehouses;
    expect(sf).toMatchObject({ warehouse: "snowflake", records: 4, tagged: 1, unpriced: 0 });
    expect(sf.billed_usd).toBeCloseTo(4.545, 10);
    expect(bq).toMatchObject({ warehouse: "bigquery", records: 4, tagged: 1, unpriced: 0 });
    expect(bq.billed_usd).toBeCloseTo(3.125 + 6.25 / 1024 + 0.12, 10);
    expect(r.stderr).toMatch(/different amounts: the latest record wins \(first: fixtures\/billing\/snowflake\.csv:record 6\) \(1\)/);
    expect(r.stderr).toMatch(/skipped: negative amount \(first: fixtures\/billing\/snowflake\.csv:record 3\)/);

    const stored = await rows(db, "SELECT query_id, units, unit, trace_id, span_id, start_ns FROM billed_queries ORDER BY query_id");
    const q1 = stored.find((s) => s.query_id === "01b2c3d4-0000-0001")!;
    expect(Number(q1.units)).toBeCloseTo(0.014, 15); // the later row: 0.012 + 0.002 acceleration
    expect(String(q1.start_ns)).toBe(String(1767225600150000000n));
    expect(stored.find((s) => s.query_id === "01b2c3d4-0000-0002")).toMatchObject({ trace_id: "4bf92f3577b34da6a3ce929d0e0e4736", span_id: "a100000000000003" });
    expect(stored.find((s) => s.query_id === "job_b3")).toMatchObject({ trace_id: "0af7651916cd43dd8448eb211c80319c", span_id: "b100000000000003", unit: "bytes" });
    expect(stored.find((s) => s.query_id === "job_b9")).toMatchObject({ unit: "slot_ms", units: 7200000 });
    expect(stored.find((s) => s.query_id === "01b2c3d4-0000-0009")).toMatchObject({ trace_id: null, span_id: null });

    // Loading again replaces (latest wins across loads) and adds nothing.
    const again = JSON.parse((await adtraceIn(["load", "--billing", `${DIR}/snowflake.csv`, "--db", db, "--format", "json"])).stdout);
    expect(again).toMatchObject({ records_kept: 4, replaced: 4 });
    expect(again.warehouses.map((w: { records: number }) => w.records)).toEqual([4, 4]);
  });

  it("reads column names in any case, and Parquet as well as CSV", async () => {
    const dir = tmp();
    const lines = readFileSync(`${DIR}/snowflake.csv`, "utf8").split("\n");
    writeFileSync(join(dir, "lower.csv"), [lines[0]!.toLowerCase(), ...lines.slice(1)].join("\n"));
    const scratch = await Db.open();
    try {
      await scratch.exec(`COPY (SELECT * FROM read_csv('${DIR}/snowflake.csv', all_varchar = true)) TO '${join(dir, "sf.parquet")}' (FORMAT parquet)`);
    } finally {
      scratch.close();
    }
    for (const file of ["lower.csv", "sf.parquet"]) {
      const r = await adtraceIn(["load", "--billing", join(dir, file), "--db", join(dir, `${file}.duckdb`), "--format", "json"]);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.files[0].kind, file).toBe("snowflake");
      expect(out.warehouses[0].billed_usd, file).toBeCloseTo(4.545, 10);
    }
  });

  it("refuses a file of neither kind, naming the columns expected, and leaves the database as it was", async () => {
    const dir = tmp();
    const db = join(dir, "b.duckdb");
    expect((await adtraceIn(["load", "--billing", `${DIR}/bigquery.jsonl`, "--db", db])).code).toBe(0);
    const before = readFileSync(db);
    writeFileSync(join(dir, "costs.csv"), "day,service,usd\n2026-01-01,snowflake,12.5\n");
    const r = await adtraceIn(["load", "--billing", `${DIR}/snowflake.csv`, join(dir, "costs.csv"), "--db", db]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/costs\.csv: not a billing export: expected Snowflake QUERY_ATTRIBUTION_HISTORY columns \(QUERY_ID, CREDITS_ATTRIBUTED_COMPUTE\) or BigQuery INFORMATION_SCHEMA\.JOBS columns \(job_id, total_bytes_billed or total_slot_ms\)/);
    expect(r.stderr).toMatch(/found day, service, usd/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(db).equals(before)).toBe(true);
  });

  it("skips and counts non-finite amounts and records without an id", async () => {
    const dir = tmp();
    writeFileSync(join(dir, "jobs.csv"), "JOB_ID,TOTAL_BYTES_BILLED\nj1,1099511627776\nj2,inf\nj3,NaN\n,5\nj5,1e400\nj6,\n");
    const r = await adtraceIn(["load", "--billing", join(dir, "jobs.csv"), "--db", join(dir, "b.duckdb"), "--format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.skipped).toEqual([
      { reason: "amount not a finite number", records: 3 },
      { reason: "no billed amount", records: 1 },
      { reason: "no query or job id", records: 1 },
    ]);
    expect(out.warehouses).toEqual([{ warehouse: "bigquery", records: 1, billed_usd: 6.25, tagged: 0, unpriced: 0 }]);
  });

  it("refuses --billing-file on load and pull, which store records with --billing", async () => {
    // In-process: the refusal is the options layer's (test/command-options.test.ts); this checks both commands use it.
    for (const args of [["load", `${DIR}/traces.csv`], ["pull", "postgres://nobody@127.0.0.1:1/x", "--table", "t"]]) {
      const r = await adtraceIn([...args, "--billing-file", `${DIR}/snowflake.csv`, "--db", join(tmp(), "x.duckdb")]);
      expect(r.code, args[0]).toBe(2);
      expect(r.stderr, args[0]).toMatch(/--billing-file is for analyses of span files; to store billing records: adtrace load --billing FILE/);
    }
  });
});
