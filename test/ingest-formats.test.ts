// The bundled fixture's 40 ad events in all five formats read to the same canonical rows, whose
// counts, durations, statuses and costs are the ones worked out by hand in
// fixtures/auction/README.md; and the ways of giving inputs: gzip, a directory, stdin, a --db
// re-load, duplicates.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { beforeAll, describe, expect, it } from "vitest";
import { adtrace, FIXTURE } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";
import { withStdin } from "./helpers/with-stdin.js";
import { Db, type Row } from "../src/db/db.js";

const FORMATS = { "otlp.jsonl": "otlp", "jaeger.json": "jaeger", "zipkin.json": "zipkin", "spans.parquet": "parquet", "spans.csv": "csv" } as const;
const FILES = Object.keys(FORMATS) as (keyof typeof FORMATS)[];
const dir = mkdtempSync(join(tmpdir(), "adtrace-formats-"));

// fixtures/auction/README.md, "Hand-checked totals".
const HAND = {
  spans: 369, traces: 40, roots: 40, orphans: 0, services: 7, names: 9, duplicates: 0, conflicts: 0, skipped: 0,
  start: "2024-05-01T12:00:01.500000Z", end: "2024-05-01T12:01:00.049200Z",
  cost_sources: { billed: 0, explicit: 280, price_book: 89, unpriced: 0 }, bad_values: [],
};
// name → [spans, Σ duration µs, Σ cost.usd (null: priced by the book from its usage)]
const PER_NAME: Record<string, [number, number, string | null]> = {
  "adserver.request.handle": [40, 1_989_100, "0.000400"],
  "profile.user.lookup": [40, 132_000, "0.001200"],
  "inventory.ann.search": [40, 335_800, "0.002800"],
  "auction.rtb.run": [40, 536_000, "0.002400"],
  "delivery.creative.render": [40, 176_400, "0.001600"],
  "tracker.events.write": [40, 256_600, "0.000800"],
  "tracker.warehouse.insert": [45, 112_500, null],
  "aggregator.rollup.compute": [40, 612_300, "0.000800"],
  "aggregator.warehouse.query": [44, 286_000, null],
};

/**
 * In-process; with `input`, the bytes are standard input: of a child process when `child` is set
 * (what only a real process shows: its own stdin, closed at the end), else of this process for
 * the run (process.stdin replaced by a stream of the bytes, then put back).
 */
async function inspect(args: string[], input?: string | Buffer, child = false) {
  const argv = ["inspect", ...args, "--format", "json"];
  const r = input === undefined ? await adtraceIn(argv) : child ? adtrace(argv, { input }) : await withStdin(input, () => adtraceIn(argv));
  expect(r.code, r.stderr).toBe(0);
  // The flat fixtures' start column is epoch µs without a unit in its name: read as µs, and said so.
  const unitNote = /^note: warning: .*: column '(Timestamp|timestamp)' names no unit and holds values like 17\d{14}: read as epoch µs /;
  // Every analysis says how the spans were priced (fixtures/auction/README.md: 280 from cost.usd, 89 from the book).
  const priced = "note: every span priced: 280 from cost attributes, 89 from the price book.";
  expect(r.stderr.split("\n").filter((l) => l && !unitNote.test(l) && l !== priced)).toEqual([]);
  return JSON.parse(r.stdout);
}

/** The canonical rows of an input, through `adtrace export` to Parquet, read back by DuckDB. */
async function exportedRows(input: string): Promise<Row[]> {
  const out = join(dir, `${input.replace(/\W/g, "_")}.parquet`);
  const r = await adtraceIn(["export", input, "--out", out, "-q"]);
  expect(r.code, r.stderr).toBe(0);
  const db = await Db.open();
  try {
    const columns = (await db.all("SELECT column_name FROM (DESCRIBE SELECT * FROM read_parquet($out))", { out })).map((c) => c.column_name);
    expect(columns).toEqual(["trace_id", "span_id", "parent_span_id", "name", "service", "kind", "status", "start_ns", "duration_ns",
      "attributes", "resource_attributes", "trace_state", "source"]);
    return await db.all("SELECT * EXCLUDE (source) FROM read_parquet($out) ORDER BY trace_id, span_id", { out });
  } finally {
    db.close();
  }
}

describe("the same traces in all five formats", () => {
  const rows: Record<string, Row[]> = {};
  beforeAll(async () => {
    for (const f of FILES) rows[f] = await exportedRows(`${FIXTURE}/${f}`);
  });

  it("inspect gives the hand-checked counts and identical output, but for the formats list", async () => {
    const outs = await Promise.all(FILES.map(async (f) => {
      const { formats, warnings, ...rest } = await inspect([`${FIXTURE}/${f}`]);
      expect(warnings.length, f).toBe(f === "spans.csv" ? 1 : 0);
      expect(formats, f).toEqual([{ format: FORMATS[f], files: 1, spans_read: 369, duplicates: 0, skipped: 0 }]);
      expect(rest, f).toMatchObject(HAND);
      return rest;
    }));
    for (const out of outs.slice(1)) expect(out).toEqual(outs[0]);
  });

  it("export gives identical rows in every canonical column but source", async () => {
    expect(rows["otlp.jsonl"]).toHaveLength(369);
    for (const f of FILES.slice(1)) expect(rows[f], f).toEqual(rows["otlp.jsonl"]);
  });

  it("the rows match the definition: spans, durations and costs per name, kinds, statuses, parents", async () => {
    const db = await Db.open();
    try {
      const out = join(dir, `${`${FIXTURE}/otlp.jsonl`.replace(/\W/g, "_")}.parquet`);
      const perName = await db.all(`SELECT name, count(*) AS spans, sum(duration_ns) // 1000 AS duration_us,
          CAST(sum(CAST(attributes['cost.usd'] AS DECIMAL(18, 6))) AS VARCHAR) AS cost
        FROM read_parquet($out) GROUP BY name`, { out });
      expect(Object.fromEntries(perName.map((r) => [r.name, [r.spans, r.duration_us, r.cost]]))).toEqual(PER_NAME);
      const [totals] = await db.all(`SELECT CAST(sum(CAST(attributes['cost.usd'] AS DECIMAL(18, 6))) AS VARCHAR) AS cost,
          count(*) FILTER (WHERE status = 'ERROR') AS errors, count(*) FILTER (WHERE kind = 'CLIENT') AS client,
          count(*) FILTER (WHERE kind = 'SERVER') AS server, count(DISTINCT attributes['db.statement']) AS statements,
          list(DISTINCT name ORDER BY name) FILTER (WHERE status = 'ERROR') AS error_names,
          count(*) FILTER (WHERE attributes['snowflake.credits_used'] = '0.0001' AND attributes['db.bytes_scanned'] = '50000000') AS snowflake_usage,
          count(*) FILTER (WHERE attributes['db.bytes_billed'] = '67108864') AS bigquery_usage,
          count(*) FILTER (WHERE attributes['cost.usd'] IS NULL) AS without_cost
        FROM read_parquet($out)`, { out });
      expect(totals).toEqual({
        cost: "0.010000", errors: 2, client: 89, server: 280, statements: 4 + 4, error_names: ["auction.rtb.run"],
        snowflake_usage: 45, bigquery_usage: 44, without_cost: 89,
      });
      // Every warehouse span hangs off its stage span; every stage span off the root.
      const parents = await db.all(`SELECT c.name AS child, p.name AS parent, count(*) AS n
        FROM read_parquet($out) c JOIN read_parquet($out) p ON p.trace_id = c.trace_id AND p.span_id = c.parent_span_id
        GROUP BY ALL ORDER BY child`, { out });
      expect(parents.map((r) => [r.child, r.parent, r.n])).toEqual([
        ["aggregator.rollup.compute", "adserver.request.handle", 40],
        ["aggregator.warehouse.query", "aggregator.rollup.compute", 44],
        ["auction.rtb.run", "adserver.request.handle", 40],
        ["delivery.creative.render", "adserver.request.handle", 40],
        ["inventory.ann.search", "adserver.request.handle", 40],
        ["profile.user.lookup", "adserver.request.handle", 40],
        ["tracker.events.write", "adserver.request.handle", 40],
        ["tracker.warehouse.insert", "tracker.events.write", 45],
      ]);
    } finally {
      db.close();
    }
  });

  it("CSV's own column becomes an attribute (user_locale), the same as the other formats carry it", async () => {
    expect(readFileSync(`${FIXTURE}/spans.csv`, "utf8").split("\n")[0]).toContain(",user_locale,");
    expect(readFileSync(`${FIXTURE}/spans.csv`, "utf8")).not.toContain('""user_locale""');
    expect(rows["spans.csv"]!.every((r) => typeof (r.attributes as Record<string, string>).user_locale === "string")).toBe(true);
  });

  it("NDJSON (a flat object per line, attribute keys varying by row) reads to the same rows", async () => {
    // Built from zipkin.json: the names a JSON export of a span table might use.
    type Zipkin = { traceId: string; id: string; parentId?: string; name: string; kind: string; timestamp: number; duration: number; localEndpoint: { serviceName: string }; tags: Record<string, string> };
    const spans = JSON.parse(readFileSync(`${FIXTURE}/zipkin.json`, "utf8")) as Zipkin[];
    const lines = spans.map(({ traceId, id, parentId, name, kind, timestamp, duration, localEndpoint, tags }) => {
      const { "otel.status_code": status, ...attributes } = tags;
      return JSON.stringify({ traceId, id, parentId, name, service: localEndpoint.serviceName, kind, status: status ?? "UNSET",
        timestamp, duration_us: duration, tags: attributes, resource: { "service.name": localEndpoint.serviceName } });
    });
    const path = join(dir, "spans.ndjson");
    writeFileSync(path, lines.join("\n") + "\n");
    writeFileSync(path + ".gz", gzipSync(lines.join("\n") + "\n"));
    for (const p of [path, path + ".gz"]) {
      const { formats, ...rest } = await inspect([p]);
      expect(rest, p).toMatchObject(HAND);
      expect(formats[0].format).toBe("ndjson");
      expect(await exportedRows(p), p).toEqual(rows["otlp.jsonl"]);
    }
  });

  // One test per file type (seven runs each), so none waits on the others' runs.
  for (const ext of ["parquet", "csv", "csv.gz"]) {
    it(`export reads back losslessly through the flat adapter, as ${ext}: rows, source, load counts`, async () => {
      const out = join(dir, `round-trip.${ext}`);
      expect((await adtraceIn(["export", `${FIXTURE}/otlp.jsonl`, "--out", out, "-q"])).code).toBe(0);
      if (ext === "csv.gz") expect([...readFileSync(out).subarray(0, 2)], "gzip magic").toEqual([0x1f, 0x8b]);
      expect(await exportedRows(out), ext).toEqual(rows["otlp.jsonl"]);
      // Loaded into a database: every row read, none skipped; again: every row a duplicate.
      const db = join(dir, `round-trip-${ext}.duckdb`);
      const load = async (...extra: string[]) => {
        const r = await adtraceIn(["load", out, "--db", db, "--format", "json", ...extra]);
        expect(r.code, r.stderr).toBe(0);
        return JSON.parse(r.stdout);
      };
      const counts = { spans_read: 369, skipped: 0, cyclic: 0 };
      expect(await load("--strict"), ext).toMatchObject({ ...counts, spans_added: 369, duplicates: 0, files: [{ source: out, spans_read: 369, spans_added: 369, skipped: 0 }] });
      expect(await load(), ext).toMatchObject({ ...counts, spans_added: 0, duplicates: 369, files: [{ source: out, spans_read: 369, duplicates: 369 }] });
      expect((await adtraceIn(["load", out, "--db", db, "--format", "table"])).stdout).toMatch(/Nothing new: all 369 spans were already in/);
      expect(await inspect(["--db", db]), ext).toMatchObject({ spans: 369, skipped: 0, duplicates: 369 * 2 });
      // Canonical Parquet is read in place (no load, so no formats); CSV goes through the loader.
      expect(await inspect([out]), ext).toMatchObject({ ...HAND, formats: ext === "parquet" ? [] : [{ format: "csv", files: 1, spans_read: 369, duplicates: 0, skipped: 0 }] });
      // A canonical table keeps the source it was exported with: the round trip loses nothing.
      const read = await Db.open({ path: db, readOnly: true });
      try {
        expect(await read.all("SELECT DISTINCT source FROM spans")).toEqual([{ source: `${FIXTURE}/otlp.jsonl` }]);
      } finally {
        read.close();
      }
    });
  }

  it("a table's own 'source' column (not a canonical export) is an attribute; the span's source is the file", async () => {
    const path = join(dir, "own-source.csv");
    writeFileSync(path, [
      "trace_id,span_id,name,start_time,duration_ms,source",
      "0123456789abcdef0123456789abcdef,00000000000000a1,a,2024-05-01T12:00:00Z,250,mobile-app",
      "0123456789abcdef0123456789abcdef,00000000000000a2,b,2024-05-01T12:00:00Z,250,",
    ].join("\n") + "\n");
    const db = join(dir, "own-source.duckdb");
    const first = await adtraceIn(["load", path, "--db", db, "--format", "json", "--strict"]);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ spans_read: 2, spans_added: 2, duplicates: 0, skipped: 0 });
    expect(JSON.parse((await adtraceIn(["load", path, "--db", db, "--format", "json"])).stdout)).toMatchObject({ spans_read: 2, spans_added: 0, duplicates: 2, skipped: 0 });
    const read = await Db.open({ path: db, readOnly: true });
    try {
      expect(await read.all("SELECT span_id, source, attributes['source'] AS attr FROM spans ORDER BY span_id")).toEqual([
        { span_id: "00000000000000a1", source: path, attr: "mobile-app" },
        { span_id: "00000000000000a2", source: path, attr: null },
      ]);
    } finally {
      read.close();
    }
  });
});

describe("ways of giving inputs", () => {
  it("gzip, whatever the name", async () => {
    for (const f of ["otlp.jsonl", "jaeger.json", "zipkin.json", "spans.csv"]) {
      const gz = join(dir, `${f}.gz`);
      writeFileSync(gz, gzipSync(readFileSync(`${FIXTURE}/${f}`)));
      expect(await inspect([gz]), f).toMatchObject(HAND);
    }
    const misnamed = join(dir, "spans.txt");
    writeFileSync(misnamed, gzipSync(readFileSync(`${FIXTURE}/otlp.jsonl`)));
    expect(await inspect([misnamed])).toMatchObject(HAND);
  });

  it("a directory holding every format (and a file that is not spans): each span once, the rest duplicates", async () => {
    const all = join(dir, "all");
    mkdirSync(join(all, "nested"), { recursive: true });
    for (const f of FILES) copyFileSync(`${FIXTURE}/${f}`, join(all, f === "spans.csv" ? `nested/${f}` : f));
    writeFileSync(join(all, "NOTES.txt"), "not spans\n");
    const out = await inspect([all]);
    expect(out).toMatchObject({ ...HAND, duplicates: 369 * 4 });
    expect(out.formats.map((f: { format: string }) => f.format).sort()).toEqual(Object.values(FORMATS).sort());
  });

  it("- reads standard input, in each format, gzipped too", async () => {
    for (const f of FILES) expect(await inspect(["-"], readFileSync(`${FIXTURE}/${f}`)), f).toMatchObject(HAND);
    expect(await inspect(["-"], gzipSync(readFileSync(`${FIXTURE}/otlp.jsonl`)))).toMatchObject(HAND);
    // And a real process's standard input, gzipped (sniffed from its bytes, no name to go by).
    expect(await inspect(["-"], gzipSync(readFileSync(`${FIXTURE}/zipkin.json`)), true)).toMatchObject(HAND);
  });

  it("globs: *, ** and {a,b}", async () => {
    const json = await inspect([`${FIXTURE}/*.json`]);
    expect(json).toMatchObject({ ...HAND, duplicates: 369 });
    expect(json.formats.map((f: { format: string }) => f.format)).toEqual(["jaeger", "zipkin"]);
    expect(await inspect(["fixtures/**/spans.{csv,parquet}"])).toMatchObject({ ...HAND, duplicates: 369 });
  });

  it("re-loading into a --db adds nothing, from the same file or the same spans in another format", async () => {
    const db = join(dir, "reload.duckdb");
    const first = await adtraceIn(["load", `${FIXTURE}/otlp.jsonl`, "--db", db, "--format", "json"]);
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout)).toMatchObject({ spans_read: 369, spans_added: 369, duplicates: 0 });
    const again = await adtraceIn(["load", `${FIXTURE}/otlp.jsonl`, ...FILES.slice(1).map((f) => `${FIXTURE}/${f}`), "--db", db, "--format", "json"]);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ spans_read: 369 * 5, spans_added: 0, duplicates: 369 * 5, conflicts: 0 });
    const said = await adtraceIn(["load", `${FIXTURE}/zipkin.json`, "--db", db, "--format", "table"]);
    expect(said.stdout).toMatch(/Nothing new: all 369 spans were already in/);
    expect(await inspect(["--db", db])).toMatchObject({ spans: 369, traces: 40, roots: 40, orphans: 0 });
  });

  it("duplicate spans within a file and across files are loaded once and counted", async () => {
    const lines = readFileSync(`${FIXTURE}/otlp.jsonl`, "utf8").trim().split("\n");
    const twice = join(dir, "twice.jsonl");
    writeFileSync(twice, [...lines, ...lines].join("\n") + "\n");
    expect(await inspect([twice])).toMatchObject({ ...HAND, duplicates: 369 });
    // The first event (9 spans: one query each, t = 1) again in a second file.
    const first = join(dir, "first-event.jsonl");
    writeFileSync(first, lines[0] + "\n");
    expect(await inspect([`${FIXTURE}/jaeger.json`, first])).toMatchObject({ ...HAND, duplicates: 9 });
  });
});
