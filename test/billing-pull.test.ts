// pull --billing (issue 23) against a real PostgreSQL server: a copy of a Snowflake
// QUERY_ATTRIBUTION_HISTORY export (upper-case quoted column names, as COPY INTO writes them,
// timestamptz times) and of BigQuery JOBS (labels as jsonb) store the same billing records as
// load --billing stores from the fixture's files.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { adtrace } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";
import { postgresDatabase, type PgServer } from "./helpers/postgres.js";
import { Db } from "../src/db/db.js";

let server: PgServer;
const DIR = "fixtures/billing";

beforeAll(async () => {
  server = await postgresDatabase();
  await server.query("CREATE SCHEMA finops");
  await server.query(`CREATE TABLE finops.query_attribution ("QUERY_ID" text, "QUERY_TAG" text, "WAREHOUSE_NAME" text, "START_TIME" timestamptz,
    "END_TIME" timestamptz, "CREDITS_ATTRIBUTED_COMPUTE" numeric, "CREDITS_USED_QUERY_ACCELERATION" numeric, "USER_NAME" text)`);
  const [, ...lines] = readFileSync(`${DIR}/snowflake.csv`, "utf8").trim().split("\n");
  for (const line of lines) {
    // The fixture's cells, parsed as CSV (a tag holds quoted commas).
    const cells = [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)].map((m) => m[1]!.replace(/^"|"$/g, "").replace(/""/g, '"')).slice(0, 7);
    await server.query("INSERT INTO finops.query_attribution VALUES ($1, $2, $3, $4, $5, $6, $7, 'etl')", cells.map((c) => (c === "" ? null : c)));
  }
  await server.query(`CREATE TABLE public.jobs (job_id text, creation_time timestamptz, end_time timestamptz, labels jsonb, query text,
    total_bytes_billed bigint, total_slot_ms bigint, cache_hit boolean, reservation_id text, statement_type text)`);
  for (const line of readFileSync(`${DIR}/bigquery.jsonl`, "utf8").trim().split("\n")) {
    const j = JSON.parse(line);
    await server.query("INSERT INTO public.jobs VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)", [
      j.job_id, j.creation_time.replace(" UTC", "+00"), j.end_time.replace(" UTC", "+00"), JSON.stringify(j.labels), j.query,
      j.total_bytes_billed, j.total_slot_ms, j.cache_hit, j.reservation_id, j.statement_type,
    ]);
  }
  await server.query("CREATE TABLE public.costs (day date, usd float8)");
}, 180_000);

afterAll(async () => {
  await server?.stop();
});

async function bills(path: string) {
  const db = await Db.open({ path, readOnly: true });
  try {
    return await db.all("SELECT warehouse, query_id, trace_id, span_id, start_ns, end_ns, units, unit, usd, warehouse_name FROM billed_queries ORDER BY warehouse, query_id");
  } finally {
    db.close();
  }
}

describe("pull --billing", () => {
  it("stores what load --billing stores from the same records", async () => {
    const dir = mkdtempSync(join(tmpdir(), "adtrace-bpull-"));
    const env = { PGPASSWORD: server.password };
    const pulled = join(dir, "pulled.duckdb");
    for (const table of ["finops.query_attribution", "jobs"]) {
      const r = adtrace(["pull", server.url({ password: null }), "--table", table, "--billing", "--db", pulled, "--format", "json"], { env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).not.toContain(server.password);
    }
    const loaded = join(dir, "loaded.duckdb");
    expect(adtrace(["load", "--billing", `${DIR}/snowflake.csv`, `${DIR}/bigquery.jsonl`, "--db", loaded, "-q"]).code).toBe(0);
    const [a, b] = [await bills(pulled), await bills(loaded)];
    expect(a.length).toBe(8);
    expect(a).toEqual(b);
  });

  it("refuses a table of neither kind (exit 2, naming the columns expected) and span-pull flags, writing nothing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "adtrace-bpull-"));
    const db = join(dir, "x.duckdb");
    const env = { PGPASSWORD: server.password };
    const r = adtrace(["pull", server.url({ password: null }), "--table", "costs", "--billing", "--db", db], { env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/#public\.costs: not a billing export: expected Snowflake QUERY_ATTRIBUTION_HISTORY columns \(QUERY_ID, CREDITS_ATTRIBUTED_COMPUTE\)/);
    const since = await adtraceIn(["pull", server.url({ password: null }), "--table", "jobs", "--billing", "--since", "1d", "--db", db], { env });
    expect(since.code).toBe(2);
    expect(since.stderr).toMatch(/--since do not apply/);
    expect(existsSync(db)).toBe(false);
  });
});
