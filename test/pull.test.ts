// adtrace pull against a real PostgreSQL server (test/helpers/postgres.ts: the run's throw-away
// server, a database of this file's own). The fixture's spans are loaded with adtrace's own file loader, inserted into tables
// shaped the way warehouses hold spans (timestamptz starts, durations in ms or end times, JSONB
// or plain attribute columns, other column names), pulled back, and compared column by column
// with the file's canonical rows. Then: incremental pulls, --full, --since/--until, the error
// cases (never showing the password), injection in --table, and a pull killed halfway.
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { createHmac } from "node:crypto";
import { createServer, type Server, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Db } from "../src/db/db.js";
import { loadInputs } from "../src/ingest/load.js";
import { isoFromNs, parseLookback, parsePullUrl, parseTableName, parseTimeBound, pgTimeMicros, pullSpans } from "../src/ingest/pull.js";
import { FIXTURE, startHeld } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";
import { postgresDatabase, type PgServer } from "./helpers/postgres.js";
import { UsageError } from "../src/errors.js";

interface CanonicalRow {
  trace_id: string;
  span_id: string;
  parent_span_id: string | null;
  name: string;
  service: string;
  kind: string;
  status: string;
  start_ns: string;
  duration_ns: string;
  attributes: Record<string, string>;
  resource_attributes: Record<string, string>;
  trace_state: string | null;
}

const CANONICAL_SQL = `
  SELECT trace_id, span_id, parent_span_id, name, service, kind, status,
         CAST(start_ns AS VARCHAR) AS start_ns, CAST(duration_ns AS VARCHAR) AS duration_ns,
         CAST(to_json(attributes) AS VARCHAR) AS attributes, CAST(to_json(resource_attributes) AS VARCHAR) AS resource_attributes,
         trace_state
  FROM spans ORDER BY trace_id, span_id`;

const sortedObject = (json: unknown) =>
  Object.fromEntries(Object.entries(JSON.parse(String(json)) as Record<string, string>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

async function canonicalRows(db: Db, where = ""): Promise<CanonicalRow[]> {
  const rows = await db.all(where ? CANONICAL_SQL.replace("FROM spans", `FROM spans WHERE ${where}`) : CANONICAL_SQL);
  return rows.map((r) => ({ ...r, attributes: sortedObject(r.attributes), resource_attributes: sortedObject(r.resource_attributes) }) as CanonicalRow);
}

async function dbRows(path: string, where = ""): Promise<CanonicalRow[]> {
  const db = await Db.open({ path, readOnly: true });
  try {
    return await canonicalRows(db, where);
  } finally {
    db.close();
  }
}

/** Everything a database file holds that a pull could change, for before/after comparisons. */
async function snapshot(path: string): Promise<unknown> {
  const db = await Db.open({ path, readOnly: true });
  try {
    const tables = (await db.all("SELECT table_name FROM information_schema.tables ORDER BY table_name")).map((r) => String(r.table_name));
    const content: Record<string, unknown> = { tables };
    for (const table of tables) {
      content[table] = await db.all(`SELECT count(*) AS n, CAST(sum(hash(t)) AS VARCHAR) AS h FROM "${table}" AS t`);
    }
    content.rows = await canonicalRows(db);
    content.loads = await db.all("SELECT source, format, spans_read, spans_added FROM loads ORDER BY ALL");
    return content;
  } finally {
    db.close();
  }
}

let server: PgServer;
let fileRows: CanonicalRow[];
const tmp = mkdtempSync(join(tmpdir(), "adtrace-pull-"));
let dbCounter = 0;
const freshDb = () => join(tmp, `pull-${++dbCounter}.duckdb`);

// The fixture's canonical rows as JSON for the server; times as text written by DuckDB, not by the code under test.
async function fixtureForServer(): Promise<string> {
  const db = await Db.open();
  try {
    await loadInputs(db, { inputs: [`${FIXTURE}/otlp.jsonl`] });
    fileRows = await canonicalRows(db);
    const rows = await db.all(`
      SELECT trace_id, span_id, parent_span_id, name, service, kind, status, CAST(duration_ns AS VARCHAR) AS duration_ns,
             CAST(to_json(attributes) AS VARCHAR) AS attributes, CAST(to_json(resource_attributes) AS VARCHAR) AS resource_attributes, trace_state,
             strftime(make_timestamp(start_ns // 1000), '%Y-%m-%d %H:%M:%S.%f') || '+00' AS start_text,
             strftime(make_timestamp((start_ns + duration_ns) // 1000), '%Y-%m-%d %H:%M:%S.%f') || '+00' AS end_text,
             CAST(start_ns AS VARCHAR) AS start_ns_text, CAST(start_ns + duration_ns AS VARCHAR) AS end_ns_text
      FROM spans ORDER BY trace_id, span_id`);
    return JSON.stringify(rows);
  } finally {
    db.close();
  }
}

const RECORDSET = `jsonb_to_recordset($1::jsonb) AS r(trace_id text, span_id text, parent_span_id text, name text, service text,
  kind text, status text, duration_ns text, attributes text, resource_attributes text, trace_state text,
  start_text text, end_text text, start_ns_text text, end_ns_text text)`;

// A warehouse's span table: other column names, timestamptz start, duration in ms (numeric), JSONB attributes.
const AD_SPANS_DDL = (table: string) => `CREATE TABLE ${table} (
  trace text, spanid text, parent_id text, operation_name text, service_name text, span_kind text, status_code text,
  start_time timestamptz, duration_ms numeric, span_attributes jsonb, resource jsonb, tracestate text)`;
const AD_SPANS_INSERT = (table: string) => `INSERT INTO ${table}
  SELECT trace_id, span_id, parent_span_id, name, service, kind, status, start_text::timestamptz, duration_ns::numeric / 1000000,
         attributes::jsonb, resource_attributes::jsonb, trace_state FROM ${RECORDSET}`;

let serverData: string;

beforeAll(async () => {
  server = await postgresDatabase();
  const data = await fixtureForServer();
  serverData = data;
  await server.query("CREATE SCHEMA analytics");
  for (const table of ["analytics.ad_spans", "analytics.growing_spans"]) {
    await server.query(AD_SPANS_DDL(table));
    await server.query(AD_SPANS_INSERT(table), [data]);
  }
  // Another shape: end time instead of a duration, numeric kind/status, JSON (not JSONB), a service column --map must name.
  await server.query(`CREATE TABLE public.spans_by_end (trace_id text, span_id text, parent_span_id text, name text, svc text,
    kind smallint, status smallint, start_time timestamptz, end_time timestamptz, attributes json, resource_attributes json, trace_state text)`);
  await server.query(`INSERT INTO public.spans_by_end
    SELECT trace_id, span_id, parent_span_id, name, service,
           array_position(ARRAY['UNSPECIFIED','INTERNAL','SERVER','CLIENT','PRODUCER','CONSUMER'], kind) - 1,
           array_position(ARRAY['UNSET','OK','ERROR'], status) - 1,
           start_text::timestamptz, end_text::timestamptz, attributes::json, resource_attributes::json, trace_state FROM ${RECORDSET}`, [data]);
  // And epoch nanoseconds in int8 columns, with a plain column that must become an attribute.
  await server.query(`CREATE TABLE public.spans_epoch (trace_id text, span_id text, parent_span_id text, name text, service text, kind text,
    status text, start_time_unix_nano int8, end_time_unix_nano int8, attributes jsonb, resource_attributes jsonb, trace_state text, region text)`);
  await server.query(`INSERT INTO public.spans_epoch
    SELECT trace_id, span_id, parent_span_id, name, service, kind, status, start_ns_text::int8, end_ns_text::int8,
           attributes::jsonb, resource_attributes::jsonb, trace_state, 'eu-west-1' FROM ${RECORDSET}`, [data]);
  // Text start times (ISO 8601, which the server cannot compare as times) and an interval duration.
  await server.query("CREATE TABLE public.spans_text (trace_id text, span_id text, parent_span_id text, name text, service text, kind text, status text, start_time text, duration interval, attributes jsonb, resource_attributes jsonb)");
  await server.query(`INSERT INTO public.spans_text
    SELECT trace_id, span_id, parent_span_id, name, service, kind, status, replace(replace(start_text, ' ', 'T'), '+00', 'Z'),
           end_text::timestamptz - start_text::timestamptz, attributes::jsonb, resource_attributes::jsonb FROM ${RECORDSET}`, [data]);
  await server.query("CREATE TABLE public.metrics (metric text, value float8, recorded_at timestamptz)");
  await server.query(`CREATE TABLE public.cased ("Trace_Id" text, trace_id text, span_id text, start_time timestamptz)`);
}, 180_000);

afterAll(async () => {
  await server?.stop();
});

const env = () => ({ PGPASSWORD: server.password, PGPASSFILE: "/nonexistent" });

/** No output of a run may contain the password, whatever happened. */
function expectNoPassword(r: { stdout: string; stderr: string }, ...passwords: string[]) {
  for (const pw of [server.password, ...passwords]) {
    expect(r.stdout).not.toContain(pw);
    expect(r.stderr).not.toContain(pw);
    expect(r.stderr).not.toContain(encodeURIComponent(pw));
  }
}

async function pullJson(args: string[], options: { env?: NodeJS.ProcessEnv } = {}) {
  const r = await adtraceIn(["pull", ...args, "--format", "json"], { env: options.env ?? env() });
  expectNoPassword(r);
  expect(r.stderr).not.toMatch(/error/);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
}

/** A copy of the closed database file `from` (DuckDB files copy whole once closed). */
function copyDb(from: string): string {
  expect(existsSync(`${from}.wal`)).toBe(false);
  const to = freshDb();
  copyFileSync(from, to);
  return to;
}

let adSpansPulled: string | undefined;
/** A database holding one pull of analytics.ad_spans (pulled once, then copied): what the signal tests interrupt a second pull into. */
async function adSpansPull(): Promise<string> {
  if (!adSpansPulled) {
    adSpansPulled = freshDb();
    expect((await pullJson([server.url({ password: null }), "--table", "analytics.ad_spans", "--db", adSpansPulled])).spans_added).toBe(369);
  }
  return copyDb(adSpansPulled);
}

describe("adtrace pull from a warehouse-shaped table", () => {
  it("pulls every span, and the canonical rows equal the file's (all columns but source)", async () => {
    const db = freshDb();
    // The password in the URL this time: it must not reach the output or the source column. (A
    // machine clock far from UTC is a child process's: "SIGINT after the pull committed" below.)
    const r = await adtraceIn(["pull", server.url(), "--table", "analytics.ad_spans", "--db", db, "--format", "json"], { env: { PGPASSFILE: "/nonexistent", PGPASSWORD: undefined } });
    expectNoPassword(r);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect([out.rows_fetched, out.spans_added, out.duplicates, out.skipped, out.total_spans]).toEqual([369, 369, 0, 0, 369]);
    expect(out.source).toBe(`postgres://adtrace@127.0.0.1:${server.port}/${server.database}#analytics.ad_spans`);
    expect(out.start_column).toBe("start_time");
    expect(await dbRows(db)).toEqual(fileRows);
    const d = await Db.open({ path: db, readOnly: true });
    try {
      const sources = await d.all("SELECT DISTINCT source FROM spans UNION ALL SELECT source || ' ' || format FROM loads UNION ALL SELECT source || ' ' || table_name FROM pull_state");
      expect(sources.map((s) => s.source)).toEqual([out.source, `${out.source} postgres`, `postgres://adtrace@127.0.0.1:${server.port}/${server.database} analytics.ad_spans`]);
      expect(JSON.stringify(await d.all("SELECT * FROM spans"))).not.toContain(server.password);
    } finally {
      d.close();
    }
  });

  it("--count: the rows are counted first, so progress knows its total (issue 21)", async () => {
    const db = freshDb();
    const seen: { spans: number; rowsTotal?: number }[] = [];
    const result = await pullSpans({ url: server.url(), table: "spans_by_end", db, map: { service: "svc" }, count: true, onProgress: (p) => seen.push(p) });
    // The fixture's 369 spans (fixtures/auction/README.md), counted before the first is read.
    expect(seen[0]).toMatchObject({ spans: 0, rowsTotal: 369 });
    expect(seen.filter((p) => p.rowsTotal !== undefined).every((p) => p.rowsTotal === 369)).toBe(true);
    expect(result.load.spansAdded).toBe(369);
    // Without --count no total is sent: the count costs a query on the server.
    const plain: { rowsTotal?: number }[] = [];
    await pullSpans({ url: server.url(), table: "spans_by_end", db: freshDb(), map: { service: "svc" }, onProgress: (p) => plain.push(p) });
    expect(plain.some((p) => p.rowsTotal !== undefined)).toBe(false);
  });

  it("maps an end-time table with numeric kind/status, JSON attributes and --map service=svc", async () => {
    const db = freshDb();
    const result = await pullSpans({ url: server.url(), table: "spans_by_end", db, map: { service: "svc" } });
    expect(result.table).toBe("public.spans_by_end");
    expect(result.load.spansAdded).toBe(369);
    expect(await dbRows(db)).toEqual(fileRows);
  });

  it("maps epoch-ns int8 columns, and a plain column becomes an attribute", async () => {
    const db = freshDb();
    const result = await pullSpans({ url: server.url(), table: "public.spans_epoch", db });
    expect(result.load.spansAdded).toBe(369);
    const expected = fileRows.map((row) => ({ ...row, attributes: sortedObject(JSON.stringify({ ...row.attributes, region: "eu-west-1" })) }));
    expect(await dbRows(db)).toEqual(expected);
  });

  it("--since/--until ask the server for a window (timestamptz and epoch-ns start columns)", async () => {
    const since = "2024-05-01T12:00:20Z";
    const until = "2024-05-01T12:00:40.5Z";
    const sinceNs = BigInt(Date.parse(since)) * 1_000_000n;
    const untilNs = BigInt(Date.parse(until)) * 1_000_000n;
    const expected = fileRows.filter((r) => BigInt(r.start_ns) >= sinceNs && BigInt(r.start_ns) < untilNs);
    expect(expected.length).toBeGreaterThan(50);
    expect(expected.length).toBeLessThan(369 - 50);
    for (const table of ["analytics.ad_spans", "public.spans_epoch"]) {
      const db = freshDb();
      const result = await pullSpans({ url: server.url(), table, db, since, until });
      expect(result.rowsFetched).toBe(expected.length);
      expect((await dbRows(db)).map((r) => r.span_id + r.trace_id)).toEqual(expected.map((r) => r.span_id + r.trace_id));
    }
  });

  it("pulls incrementally (--lookback 0): the second pull asks only for rows from the high-water mark; --full re-reads everything", async () => {
    const db = freshDb();
    const first = await pullJson([server.url({ password: null }), "--table", "analytics.growing_spans", "--db", db, "--lookback", "0"]);
    expect(first.spans_added).toBe(369);
    expect(first.incremental).toBe(false);

    // The high-water mark, computed by the server (EXTRACT(EPOCH) is exact numeric from PostgreSQL 14 on).
    const maxNs = async () => String((await server.query("SELECT ((EXTRACT(EPOCH FROM max(start_time)) * 1000000)::int8 * 1000)::text AS ns FROM analytics.growing_spans")).rows[0].ns);
    const watermark = async () => {
      const d = await Db.open({ path: db, readOnly: true });
      try {
        return String(await d.scalar("SELECT CAST(max_start_ns AS VARCHAR) FROM pull_state WHERE table_name = 'analytics.growing_spans'"));
      } finally {
        d.close();
      }
    };
    expect(await watermark()).toBe(await maxNs());
    const atMark = Number((await server.query("SELECT count(*) AS n FROM analytics.growing_spans WHERE start_time = (SELECT max(start_time) FROM analytics.growing_spans)")).rows[0].n);

    // Ten more events, an hour later, with new trace ids.
    const inserted = await server.query(`INSERT INTO analytics.growing_spans
      SELECT replace(trace, 'ad0000', 'be0000'), spanid, parent_id, operation_name, service_name, span_kind, status_code,
             start_time + interval '1 hour', duration_ms, span_attributes, resource, tracestate
      FROM analytics.growing_spans WHERE trace <= '000000000000000000000000ad000010'`);
    expect(inserted.rowCount).toBeGreaterThan(90);

    const second = await pullJson([server.url({ password: null }), "--table", "analytics.growing_spans", "--db", db, "--lookback", "0"]);
    expect(second.incremental).toBe(true);
    expect(second.rows_fetched).toBe(inserted.rowCount! + atMark);
    expect(second.spans_added).toBe(inserted.rowCount);
    expect(second.duplicates).toBe(atMark);
    expect([second.overlap_rows, second.late_rows]).toEqual([atMark, 0]);
    expect(second.total_spans).toBe(369 + inserted.rowCount!);
    expect(await watermark()).toBe(await maxNs());
    const newRows = await dbRows(db, "trace_id LIKE '%be0000%'");
    expect(newRows.length).toBe(inserted.rowCount);
    // Shifted by exactly one hour from the rows they copy.
    const byKey = new Map(fileRows.map((r) => [r.trace_id.replace("ad0000", "be0000") + r.span_id, r]));
    for (const row of newRows) expect(BigInt(row.start_ns) - BigInt(byKey.get(row.trace_id + row.span_id)!.start_ns)).toBe(3_600_000_000_000n);

    const third = await pullJson([server.url({ password: null }), "--table", "analytics.growing_spans", "--db", db, "--lookback", "0"]);
    expect([third.spans_added, third.rows_fetched]).toEqual([0, atMarkAfter(newRows)]);

    const full = await pullJson([server.url({ password: null }), "--table", "analytics.growing_spans", "--db", db, "--full"]);
    expect(full.incremental).toBe(false);
    expect([full.rows_fetched, full.spans_added, full.duplicates]).toEqual([369 + inserted.rowCount!, 0, 369 + inserted.rowCount!]);
    expect(await watermark()).toBe(await maxNs());
  });

  it("a text start column and an interval duration: no server-side filter, so each pull reads the whole table", async () => {
    const db = freshDb();
    const first = await pullSpans({ url: server.url(), table: "spans_text", db });
    expect(await dbRows(db)).toEqual(fileRows);
    expect(first.notes.join(" ")).toMatch(/start column 'start_time' is text: the server cannot filter on it/);
    const second = await pullSpans({ url: server.url(), table: "spans_text", db });
    expect([second.rowsFetched, second.load.spansAdded, second.load.duplicates, second.incremental]).toEqual([369, 0, 369, false]);
    await expect(pullSpans({ url: server.url(), table: "spans_text", db, since: "2024-05-01" })).rejects.toThrow(/--since\/--until need a timestamp or numeric start column/);
  });

  it("a table with its own 'source' column: it stays an attribute, every row counts as read (not skipped)", async () => {
    await server.query("CREATE TABLE public.spans_sourced AS SELECT *, 'mobile-app'::text AS source FROM public.spans_epoch");
    const db = freshDb();
    const first = await pullJson([server.url({ password: null }), "--table", "spans_sourced", "--db", db, "--strict"]);
    expect([first.rows_fetched, first.spans_added, first.duplicates, first.skipped]).toEqual([369, 369, 0, 0]);
    const expected = fileRows.map((row) => ({ ...row, attributes: sortedObject(JSON.stringify({ ...row.attributes, region: "eu-west-1", source: "mobile-app" })) }));
    expect(await dbRows(db)).toEqual(expected);
    const again = await pullJson([server.url({ password: null }), "--table", "spans_sourced", "--db", db, "--full"]);
    expect([again.rows_fetched, again.spans_added, again.duplicates, again.skipped]).toEqual([369, 0, 369, 0]);
    const d = await Db.open({ path: db, readOnly: true });
    try {
      expect(await d.all("SELECT DISTINCT source FROM spans")).toEqual([{ source: first.source }]);
      expect(await d.all("SELECT sum(spans_read) AS read, sum(skipped) AS skipped FROM loads")).toEqual([{ read: 369 * 2, skipped: 0 }]);
    } finally {
      d.close();
    }
  });

  it("a start_ns column holding ms: read as ms, and the server-side window asked in ms too", async () => {
    await server.query(`CREATE TABLE public.spans_ms_named_ns AS SELECT trace_id, span_id, parent_span_id, name, service, kind, status,
      start_time_unix_nano / 1000000 AS start_ns, end_time_unix_nano / 1000000 AS end_ns FROM public.spans_epoch`);
    const since = "2024-05-01T12:00:20Z";
    const sinceMs = BigInt(Date.parse(since));
    const expected = fileRows.filter((r) => BigInt(r.start_ns) / 1_000_000n >= sinceMs);
    expect(expected.length).toBeGreaterThan(50);
    const db = freshDb();
    const result = await pullSpans({ url: server.url(), table: "spans_ms_named_ns", db, since });
    expect(result.rowsFetched).toBe(expected.length);
    expect(result.load.warnings.map((w) => w.message).join("\n")).toMatch(/column 'start_ns' holds values like \d+, which are epoch ms rather than ns: read as ms/);
    const rows = await dbRows(db);
    // Each start is the file's, cut to whole ms (the table holds ms).
    const byKey = new Map(expected.map((r) => [r.trace_id + r.span_id, r]));
    expect(rows.map((r) => r.start_ns)).toEqual(rows.map((r) => String((BigInt(byKey.get(r.trace_id + r.span_id)!.start_ns) / 1_000_000n) * 1_000_000n)));
  });

  it("redshift:// is the same protocol (port 5439 unless given) and is recorded as such", async () => {
    const db = freshDb();
    const out = await pullJson([server.url({ password: null, scheme: "redshift" }), "--table", "analytics.ad_spans", "--db", db]);
    expect(out.format).toBe("redshift");
    expect(out.source).toBe(`redshift://adtrace@127.0.0.1:${server.port}/${server.database}#analytics.ad_spans`);
    expect(parsePullUrl("redshift://me:pw@cluster.example.com/dev?sslmode=require").url).toBe("redshift://me@cluster.example.com:5439/dev");
  });

  it("takes the password from ~/.pgpass (PGPASSFILE)", async () => {
    const passfile = join(tmp, "pgpass");
    writeFileSync(passfile, `127.0.0.1:${server.port}:${server.database}:adtrace:${server.password}\n`);
    chmodSync(passfile, 0o600);
    const out = await pullJson([server.url({ password: null }), "--table", "analytics.ad_spans", "--db", freshDb()], { env: { PGPASSFILE: passfile, PGPASSWORD: undefined } });
    expect(out.spans_added).toBe(369);
  });
});

describe("pull --redact (issue 20)", () => {
  it("stores a keyed hash in place of personal data, keeps every span, and is exit 2 without a key", async () => {
    await server.query("CREATE TABLE public.pii_spans AS SELECT * FROM analytics.ad_spans");
    await server.query(`UPDATE public.pii_spans SET span_attributes = span_attributes || '{"user.email": "jane.doe@example.com"}'::jsonb
      WHERE spanid IN (SELECT spanid FROM public.pii_spans ORDER BY spanid LIMIT 5)`);
    const key = "pull-redaction-key";
    const noKey = await adtraceIn(["pull", server.url({ password: null }), "--table", "public.pii_spans", "--db", freshDb(), "--redact"], { env: { ...env(), ADTRACE_REDACT_KEY: "" } });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/--redact needs a key in ADTRACE_REDACT_KEY/);
    const db = freshDb();
    const r = await adtraceIn(["pull", server.url({ password: null }), "--table", "public.pii_spans", "--db", db, "--redact", "--format", "json"], { env: { ...env(), ADTRACE_REDACT_KEY: key } });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).spans_added).toBe(369);
    const d = await Db.open({ path: db, readOnly: true });
    try {
      const stored = JSON.stringify(await d.all("SELECT * FROM spans"));
      expect(stored).not.toContain("jane.doe@example.com");
      const token = `email:${createHmac("sha256", key).update("jane.doe@example.com").digest("hex").slice(0, 16)}`;
      expect(Number(await d.scalar("SELECT count(*) FROM spans WHERE attributes['user.email'] = $t", { t: token }))).toBe(5);
      expect(Number(await d.scalar("SELECT count(*) FROM redactions WHERE mode = 'auto'"))).toBe(1);
    } finally {
      d.close();
    }
  }, 120_000);
});

describe("rows that land late: inserted after a pull, with a start before its high-water mark", () => {
  const url = () => server.url({ password: null });
  /** What pull_state holds for a table, as text (ns). */
  async function marks(db: string, table: string) {
    const d = await Db.open({ path: db, readOnly: true });
    try {
      const [row] = await d.all("SELECT CAST(max_start_ns AS VARCHAR) AS max_start_ns, mark_column, CAST(mark_ns AS VARCHAR) AS mark_ns FROM pull_state WHERE table_name = $t", { t: table });
      return row as { max_start_ns: string; mark_column: string | null; mark_ns: string | null };
    } finally {
      d.close();
    }
  }
  /** An instant as epoch ns, computed by the server (EXTRACT(EPOCH) is exact numeric from PostgreSQL 14 on). */
  const serverNs = async (sql: string) => String((await server.query(`SELECT ((EXTRACT(EPOCH FROM (${sql})) * 1000000)::int8 * 1000)::text AS ns`)).rows[0].ns);
  const count = async (sql: string, params: unknown[] = []) => Number((await server.query(`SELECT count(*) AS n FROM ${sql}`, params)).rows[0].n);
  const serverKeys = async (table: string) => (await server.query(`SELECT trace || spanid AS k FROM ${table} ORDER BY 1`)).rows.map((r) => String(r.k));
  const dbKeys = async (db: string) => (await dbRows(db)).map((r) => r.trace_id + r.span_id).sort();
  /** Copies of the fixture's events FIRST..LAST under new trace ids (ad0000 → TAG0000), SHIFT from their start; returns the rows inserted. */
  const insertCopies = async (table: string, tag: string, first: number, last: number, shift: string, extra = "") => {
    const range = (n: number) => `000000000000000000000000ad${String(n).padStart(6, "0")}`;
    const r = await server.query(`INSERT INTO ${table}
      SELECT replace(trace, 'ad0000', '${tag}0000'), spanid, parent_id, operation_name, service_name, span_kind, status_code,
             start_time + interval '${shift}', duration_ms, span_attributes, resource, tracestate${extra}
      FROM analytics.ad_spans WHERE trace BETWEEN $1 AND $2`, [range(first), range(last)]);
    expect(r.rowCount).toBeGreaterThan(5 * (last - first + 1));
    return r.rowCount!;
  };

  it("the lookback (1h by default) re-reads the hour before the mark: every late row arrives, and the mark never moves back", async () => {
    const table = "analytics.late_spans";
    await server.query(AD_SPANS_DDL(table));
    await server.query(AD_SPANS_INSERT(table), [serverData]);
    const db = freshDb();
    const first = await pullJson([url(), "--table", table, "--db", db]);
    expect([first.spans_added, first.incremental, first.watermark_column, first.watermark_kind, first.lookback_ms]).toEqual([369, false, "start_time", "start", 3_600_000]);
    // The same first pull for the 15-minute and the no-lookback databases (a first pull reads the
    // whole table whatever its lookback, and pull_state keeps no lookback): copies of it.
    const [quarter, zero] = [copyDb(db), copyDb(db)];
    const mark = String((await server.query(`SELECT max(start_time)::text AS m FROM ${table}`)).rows[0].m);
    const markNs = await serverNs(`SELECT max(start_time) FROM ${table}`);
    expect((await marks(db, table)).max_start_ns).toBe(markNs);

    // Out of start-time order: events that started 10 and 40 minutes before the mark land after the
    // pull, and a few that start after it.
    const tenMinutesLate = await insertCopies(table, "1a", 1, 10, "-10 minutes");
    const fortyMinutesLate = await insertCopies(table, "2a", 11, 20, "-40 minutes");
    const onTime = await insertCopies(table, "3a", 21, 25, "1 hour");
    const late = tenMinutesLate + fortyMinutesLate;
    expect(await count(`${table} WHERE start_time <= $1`, [mark])).toBe(369 + late);

    const second = await pullJson([url(), "--table", table, "--db", db]);
    expect(second.incremental).toBe(true);
    expect(second.rows_fetched).toBe(await count(`${table} WHERE start_time >= $1::timestamptz - interval '1 hour'`, [mark]));
    expect(second.overlap_rows).toBe(await count(`${table} WHERE start_time >= $1::timestamptz - interval '1 hour' AND start_time <= $1`, [mark]));
    expect([second.late_rows, second.spans_added, second.duplicates]).toEqual([late, late + onTime, 369]);
    expect(await dbKeys(db)).toEqual(await serverKeys(table));

    // 15 minutes back: the rows 10 minutes behind the mark arrive, those 40 minutes behind do not.
    const short = await pullJson([url(), "--table", table, "--db", quarter, "--lookback", "15m"]);
    expect([short.late_rows, short.spans_added]).toEqual([tenMinutesLate, tenMinutesLate + onTime]);
    expect(short.from).toBe(isoFromNs(BigInt(markNs) - 15n * 60n * 1_000_000_000n));
    const tagged = (tags: string[]) => (k: string) => tags.includes(k.slice(24, 26));
    expect((await dbKeys(quarter)).filter(tagged(["2a"]))).toEqual([]);
    // Without a lookback (what every pull did before): the late rows are never pulled.
    const none = await pullJson([url(), "--table", table, "--db", zero, "--lookback", "0"]);
    expect([none.late_rows, none.spans_added]).toEqual([0, onTime]);
    expect(await dbKeys(zero)).toEqual((await serverKeys(table)).filter((k) => !tagged(["1a", "2a"])(k)));

    // The mark only moves forward: to the newest start pulled, and not back for a window of older rows.
    const newest = await serverNs(`SELECT max(start_time) FROM ${table}`);
    expect((await marks(db, table)).max_start_ns).toBe(newest);
    const old = await pullJson([url(), "--table", table, "--db", db, "--full", "--until", "2024-05-01T12:00:10Z"]);
    expect(old.rows_fetched).toBeGreaterThan(0);
    expect((await marks(db, table)).max_start_ns).toBe(newest);
    const again = await pullJson([url(), "--table", table, "--db", db]);
    expect([again.spans_added, again.late_rows]).toEqual([0, 0]);
    expect((await marks(db, table)).max_start_ns).toBe(newest);
  });

  it("a pull of older rows with --since/--until, incremental or --full, lowers neither the stored mark nor the one it reports", async () => {
    const table = "analytics.window_spans";
    await server.query(AD_SPANS_DDL(table));
    await server.query(AD_SPANS_INSERT(table), [serverData]);
    const db = freshDb();
    const markNs = await serverNs(`SELECT max(start_time) FROM ${table}`);
    const mark = isoFromNs(BigInt(markNs));
    expect((await pullJson([url(), "--table", table, "--db", db])).high_water_mark).toBe(mark);
    // 12:00:10 to 12:00:20, a minute below the mark: within the 1h lookback, so --since wins and the
    // window is read (not incremental) with --full or without.
    const [since, until] = ["2024-05-01T12:00:10Z", "2024-05-01T12:00:20Z"];
    const inWindow = await count(`${table} WHERE start_time >= $1 AND start_time < $2`, [since, until]);
    expect(inWindow).toBeGreaterThan(20);
    for (const full of [[], ["--full"]]) {
      const window = await pullJson([url(), "--table", table, "--db", db, "--since", since, "--until", until, ...full]);
      expect([window.incremental, window.rows_fetched, window.high_water_mark_before, window.high_water_mark], full.join()).toEqual([false, inWindow, mark, mark]);
      expect((await marks(db, table)).max_start_ns).toBe(markNs);
    }
    // --until alone on an incremental pull (no lookback): from the mark until before it, nothing.
    const none = await pullJson([url(), "--table", table, "--db", db, "--until", until, "--lookback", "0"]);
    expect([none.incremental, none.rows_fetched, none.high_water_mark]).toEqual([true, 0, mark]);
    // The next pull still starts at the mark: only the rows at it are read again.
    const next = await pullJson([url(), "--table", table, "--db", db, "--lookback", "0"]);
    expect([next.incremental, next.rows_fetched, next.spans_added, next.high_water_mark]).toEqual([true, atMarkAfter(fileRows), 0, mark]);
    expect((await marks(db, table)).max_start_ns).toBe(markNs);
  });

  it("an ingestion-time column (_loaded_at, found by name) holds the mark: rows days older than the lookback still arrive", async () => {
    const table = "analytics.landed_spans";
    await server.query(`CREATE TABLE ${table} (LIKE analytics.ad_spans)`);
    await server.query(`ALTER TABLE ${table} ADD COLUMN _loaded_at timestamptz`);
    await server.query(`INSERT INTO ${table} SELECT *, timestamptz '2024-05-01 13:00:00+00' + row_number() OVER (ORDER BY trace, spanid) * interval '1 ms' FROM analytics.ad_spans`);
    const [db, byStart] = [freshDb(), freshDb()];
    const first = await pullJson([url(), "--table", table, "--db", db]);
    expect([first.spans_added, first.watermark_column, first.watermark_kind]).toEqual([369, "_loaded_at", "ingestion"]);
    await pullJson([url(), "--table", table, "--db", byStart, "--watermark-column", "start_time"]);
    const loadedMark = await serverNs(`SELECT max(_loaded_at) FROM ${table}`);
    expect(await marks(db, table)).toEqual({ max_start_ns: await serverNs(`SELECT max(start_time) FROM ${table}`), mark_column: "_loaded_at", mark_ns: loadedMark });

    // Spans that started three days ago land two hours after the last load; one row records no load time.
    const old = await insertCopies(table, "4a", 1, 20, "-3 days", ", timestamptz '2024-05-01 15:00:00+00'");
    await insertCopies(table, "5a", 21, 21, "-2 days", ", NULL");
    const noTime = await count(`${table} WHERE _loaded_at IS NULL`);

    const second = await pullJson([url(), "--table", table, "--db", db]);
    expect(second.incremental).toBe(true);
    expect(second.rows_fetched).toBe(await count(`${table} WHERE _loaded_at >= timestamptz '2024-05-01 13:00:00.369+00' - interval '1 hour' OR _loaded_at IS NULL`));
    expect([second.overlap_rows, second.late_rows, second.spans_added]).toEqual([369, 0, old + noTime]);
    expect(await dbKeys(db)).toEqual(await serverKeys(table));
    // A mark on the start time, with the same 1h lookback, never sees them.
    const startOnly = await pullJson([url(), "--table", table, "--db", byStart, "--watermark-column", "start_time"]);
    expect([startOnly.watermark_kind, startOnly.spans_added]).toEqual(["start", 0]);

    // The mark moves to the newest load time, and not back for a re-read of older rows.
    const newest = await serverNs(`SELECT max(_loaded_at) FROM ${table}`);
    expect((await marks(db, table)).mark_ns).toBe(newest);
    const window = await pullJson([url(), "--table", table, "--db", db, "--full", "--since", "2024-05-01", "--until", "2024-05-02"]);
    expect(window.rows_fetched).toBe(369);
    expect((await marks(db, table)).mark_ns).toBe(newest);
    const third = await pullJson([url(), "--table", table, "--db", db]);
    // Rows with no load time are read on every pull (and skipped once stored).
    expect([third.rows_fetched, third.spans_added]).toEqual([old + noTime, 0]);
  });

  it("a database an older adtrace wrote (pull_state without the mark columns) keeps its mark and gains them", async () => {
    const db = freshDb();
    const markNs = await serverNs("SELECT max(start_time) FROM analytics.ad_spans");
    const d = await Db.open({ path: db });
    try {
      await d.exec(`CREATE TABLE pull_state (source VARCHAR NOT NULL, table_name VARCHAR NOT NULL, max_start_ns BIGINT NOT NULL,
        pulled_at TIMESTAMP NOT NULL, PRIMARY KEY (source, table_name))`);
      await d.exec("INSERT INTO pull_state VALUES ($s, 'analytics.ad_spans', $m, now()::TIMESTAMP)", { s: `postgres://adtrace@127.0.0.1:${server.port}/${server.database}`, m: BigInt(markNs) });
    } finally {
      d.close();
    }
    const out = await pullJson([url(), "--table", "analytics.ad_spans", "--db", db, "--lookback", "0"]);
    expect([out.incremental, out.high_water_mark_before, out.rows_fetched]).toEqual([true, isoFromNs(BigInt(markNs)), atMarkAfter(fileRows)]);
    expect(await marks(db, "analytics.ad_spans")).toEqual({ max_start_ns: markNs, mark_column: null, mark_ns: null });
  });

  it("--watermark-column names a timestamp column; a column that is missing or holds no timestamps is refused before reading", async () => {
    const table = "analytics.arrived_spans";
    await server.query(`CREATE TABLE ${table} (LIKE analytics.ad_spans)`);
    await server.query(`ALTER TABLE ${table} ADD COLUMN arrived timestamp, ADD COLUMN ingested_at int8`);
    await server.query(`INSERT INTO ${table} SELECT *, timestamp '2024-05-01 13:00:00', 1 FROM analytics.ad_spans`);
    const db = freshDb();
    const first = await pullSpans({ url: server.url(), table, db });
    // ingested_at holds numbers, not times: passed over with a note.
    expect(first.watermarkKind).toBe("start");
    expect(first.notes.join(" ")).toMatch(/column 'ingested_at' is bigint, not a timestamp: the high-water mark stays on the start time/);
    const named = freshDb();
    expect((await pullSpans({ url: server.url(), table, db: named, watermarkColumn: "arrived" })).watermarkColumn).toBe("arrived");
    await insertCopies(table, "6a", 1, 5, "-1 day", ", timestamp '2024-05-01 14:00:00', 2");
    const second = await pullSpans({ url: server.url(), table, db: named, watermarkColumn: "arrived" });
    expect([second.incremental, second.load.spansAdded]).toEqual([true, await count(`${table} WHERE substr(trace, 25, 2) = '6a'`)]);
    for (const [column, pattern] of [["nope", /--watermark-column nope: no column 'nope'/], ["duration_ms", /'duration_ms' is numeric; the watermark needs a timestamp column/]] as const) {
      const r = await adtraceIn(["pull", url(), "--table", table, "--db", freshDb(), "--watermark-column", column], { env: env() });
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(pattern);
    }
  });
});

describe("adtrace pull errors: one line, exit 2, never the password", () => {
  const fails = async (args: string[], pattern: RegExp, options: { env?: NodeJS.ProcessEnv; passwords?: string[] } = {}) => {
    const r = await adtraceIn(["pull", ...args, "--db", join(tmp, "errors.duckdb")], { env: options.env ?? env() });
    expectNoPassword(r, ...(options.passwords ?? []));
    expect(r.stdout).toBe("");
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/^adtrace: error: /);
    expect(r.stderr).toMatch(pattern);
    return r;
  };

  it("wrong password, also under --debug", async () => {
    const wrong = "Wrong-Pass-Secret-987";
    await fails([server.url({ password: wrong }), "--table", "analytics.ad_spans"], /authentication failed for user 'adtrace'/, { passwords: [wrong] });
    const r = await adtraceIn(["pull", server.url({ password: wrong }), "--table", "analytics.ad_spans", "--debug"], { env: { PGPASSWORD: server.password } });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("at ");
    expectNoPassword(r, wrong);
  });

  it("wrong password in-process: the error, its stack and its cause chain hold no password", async () => {
    const wrong = "Other-Wrong-Secret-123";
    const error = await pullSpans({ url: server.url({ password: wrong }), table: "analytics.ad_spans", db: freshDb() }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    for (let e: unknown = error; e; e = (e as Error).cause) {
      const text = `${(e as Error).message} ${(e as Error).stack} ${JSON.stringify(e)}`;
      expect(text).not.toContain(wrong);
      expect(text).not.toContain(server.password);
    }
  });

  it("no password at all", async () => {
    await fails([server.url({ password: null }), "--table", "analytics.ad_spans"], /asks for a password and none was given/, { env: { PGPASSFILE: "/nonexistent", PGPASSWORD: undefined } });
  });

  it("connection refused", async () => {
    const closed = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });
    await fails([`postgres://adtrace@127.0.0.1:${closed}/postgres`, "--table", "spans"], new RegExp(`connection refused by 127\\.0\\.0\\.1:${closed}`));
  });

  it("a server that never answers: connect timeout", async () => {
    const sockets: Socket[] = [];
    const silent: Server = createServer((socket) => sockets.push(socket));
    const port = await new Promise<number>((resolve) => silent.listen(0, "127.0.0.1", () => resolve((silent.address() as { port: number }).port)));
    try {
      // In-process: the silent server answers nothing either way, from this process's event loop.
      const r = await adtraceIn(["pull", `postgres://adtrace@127.0.0.1:${port}/postgres`, "--table", "spans", "--timeout", "1", "--db", join(tmp, "t.duckdb")], { env: env() });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/timed out connecting to 127\.0\.0\.1:\d+ after 1s/);
    } finally {
      for (const s of sockets) s.destroy();
      silent.close();
    }
  });

  it("a statement slower than --timeout", async () => {
    await server.query("CREATE VIEW analytics.slow_spans AS SELECT s.* FROM analytics.ad_spans s CROSS JOIN pg_sleep(5) AS z");
    await fails([server.url({ password: null }), "--table", "analytics.slow_spans", "--timeout", "1"], /timed out: the server cancelled a statement after 1s/);
  });

  it("unknown table: lists the tables it can see", async () => {
    const r = await fails([server.url({ password: null }), "--table", "analytics.nope"], /no table or view 'analytics\.nope'/);
    expect(r.stderr).toMatch(/tables it can see: .*analytics\.ad_spans.*public\.spans_by_end/);
  });

  it("a table without span columns", async () => {
    await fails([server.url({ password: null }), "--table", "metrics"], /#public\.metrics: cannot find a column for trace_id, span_id, start \(columns: metric, value, recorded_at\)/);
  });

  it("columns whose names differ only in case", async () => {
    await fails([server.url({ password: null }), "--table", "cased"], /columns 'Trace_Id' and 'trace_id' differ only in case/);
  });

  it("an sslrootcert file that does not exist: exit 2, one line, no password (however short)", async () => {
    const r = await fails([`postgres://adtrace:pw@127.0.0.1:${server.port}/postgres?sslmode=verify-full&sslrootcert=/nonexistent/ca.pem`, "--table", "t"],
      /^adtrace: error: postgres:\/\/adtrace@127\.0\.0\.1:\d+\/postgres: cannot read \/nonexistent\/ca\.pem, which the URL names/, { passwords: [":pw@"] });
    expect(r.stderr).not.toMatch(/internal error|ENOENT: no such file or directory, open/);
  });

  it("--map naming a column the table lacks", async () => {
    await fails([server.url({ password: null }), "--table", "spans_by_end", "--map", "service=nope"], /--map service=nope: no column 'nope'/);
  });

  it("SQL in --table is refused, and the table is still there", async () => {
    for (const table of ["ad_spans; DROP TABLE analytics.ad_spans", 'analytics.ad_spans"; DROP TABLE analytics.ad_spans; --', "analytics.ad_spans --", "a.b.c"]) {
      await fails([server.url({ password: null }), "--table", table], /is not a table name/);
    }
    const n = await server.query("SELECT count(*) AS n FROM analytics.ad_spans");
    expect(Number(n.rows[0].n)).toBe(369);
  });

  it("--since, --until or --lookback beyond the times a span can have: refused before connecting", async () => {
    // A port nobody listens on: an error about it would mean the bound reached the network.
    const closed = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });
    for (const [flag, value] of [["--since", "99999999d"], ["--until", "9999999w"], ["--since", "2263-01-01"], ["--until", "1600-01-01T00:00:00Z"], ["--lookback", "99999999d"]]) {
      const r = await adtraceIn(["pull", `postgres://adtrace@127.0.0.1:${closed}/postgres`, "--table", "spans", flag!, value!, "--db", join(tmp, "range.duckdb")], { env: env() });
      expect(r.code, `${flag} ${value}`).toBe(2);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(new RegExp(`^adtrace: error: ${flag} '${value}' is out of range: .*1677-09-21 to 2262-04-11`));
    }
  });

  it("bad --since", async () => {
    await fails([server.url({ password: null }), "--table", "analytics.ad_spans", "--since", "yesterday"], /--since expects a time ago/);
  });
});

describe("a pull stopped halfway", () => {
  // 25,000 rows: three batches of 10,000. Each run is held (ADTRACE_TEST_HOLD=pull-fetched) with the
  // first batch appended and the server's cursor open, then killed or signalled there.
  const bigTable = async () => {
    await server.query(`CREATE TABLE IF NOT EXISTS analytics.big_spans AS
      SELECT lpad(to_hex(g), 32, '0') AS trace_id, lpad(to_hex(g), 16, '0') AS span_id, 'bid.request.handle' AS name,
             'adserver' AS service, timestamptz '2024-05-02 00:00:00+00' + g * interval '1 ms' AS start_time, 1.5 AS duration_ms
      FROM generate_series(1, 25000) AS g`);
  };

  it("SIGKILL leaves the DuckDB file as it was", async () => {
    await bigTable();
    const db = await adSpansPull();
    const before = await snapshot(db);
    const held = await startHeld(["pull", server.url({ password: null }), "--table", "analytics.big_spans", "--db", db], "pull-fetched", { env: env() });
    expect(held.child.exitCode).toBeNull();
    held.child.kill("SIGKILL");
    const r = await held.done;
    expect([r.code, r.signal]).toEqual([null, "SIGKILL"]);
    expect(await snapshot(db)).toEqual(before);
  });

  for (const [signal, code, word] of [["SIGINT", 130, "interrupted"], ["SIGTERM", 143, "terminated"]] as const) {
    it(`${signal} mid-pull: exit ${code}, the database as it was, a new database file and temporary files removed`, async () => {
      await bigTable();
      const spill = mkdtempSync(join(tmp, `pull-${signal}-`));
      const db = await adSpansPull();
      const before = await snapshot(db);
      const held = await startHeld(["pull", server.url({ password: null }), "--table", "analytics.big_spans", "--db", db], "pull-fetched", { env: { ...env(), TMPDIR: spill } });
      held.child.kill(signal);
      const r = await held.done;
      expect([r.code, r.stdout]).toEqual([code, ""]);
      expect(r.stderr).toMatch(new RegExp(`\\nadtrace: ${word}\\n$`));
      expect(await snapshot(db)).toEqual(before);

      const fresh = freshDb();
      const intoNew = await startHeld(["pull", server.url({ password: null }), "--table", "analytics.big_spans", "--db", fresh], "pull-fetched", { env: { ...env(), TMPDIR: spill } });
      expect(existsSync(fresh)).toBe(true);
      intoNew.child.kill(signal);
      expect((await intoNew.done).code).toBe(code);
      expect(existsSync(fresh)).toBe(false);
      expect(existsSync(`${fresh}.wal`)).toBe(false);
      expect(readdirSync(spill)).toEqual([]);
    });
  }
});

describe("a signal during a pull reports what happened", () => {
  for (const [signal, code] of [["SIGINT", 130], ["SIGTERM", 143]] as const) {
    it(`${signal} after the pull committed: exit 0 with the summary, the spans stored; just before: exit ${code}, nothing stored`, async () => {
      const db = freshDb();
      // A machine clock far from UTC (the process's TZ, which DuckDB and Node read when they start) must not shift the instants.
      const after = await startHeld(["pull", server.url({ password: null }), "--table", "analytics.ad_spans", "--db", db, "--format", "json"], "after-commit", { env: { ...env(), TZ: "America/New_York" } });
      after.child.kill(signal);
      const done = await after.done;
      expect(done.code, done.stderr).toBe(0);
      expect(JSON.parse(done.stdout).spans_added).toBe(369);
      expect(done.stderr).toMatch(/after the data was committed: finishing/);
      expect(await dbRows(db)).toEqual(fileRows);

      const fresh = freshDb();
      const before = await startHeld(["pull", server.url({ password: null }), "--table", "analytics.ad_spans", "--db", fresh], "before-commit", { env: env() });
      before.child.kill(signal);
      const stopped = await before.done;
      expect([stopped.code, stopped.stdout]).toEqual([code, ""]);
      expect(existsSync(fresh)).toBe(false);
    });
  }
});

describe("pull's parsers", () => {
  it("--since/--until: times ago and ISO-8601 (UTC unless it says otherwise)", async () => {
    const now = new Date("2024-05-10T12:00:00Z");
    const ns = (iso: string) => BigInt(Date.parse(iso)) * 1_000_000n;
    expect(parseTimeBound("24h", "--since", now)).toBe(ns("2024-05-09T12:00:00Z"));
    expect(parseTimeBound("7d", "--since", now)).toBe(ns("2024-05-03T12:00:00Z"));
    expect(parseTimeBound("30m", "--since", now)).toBe(ns("2024-05-10T11:30:00Z"));
    expect(parseTimeBound("2w", "--since", now)).toBe(ns("2024-04-26T12:00:00Z"));
    expect(parseTimeBound("2024-05-01", "--since", now)).toBe(ns("2024-05-01T00:00:00Z"));
    expect(parseTimeBound("2024-05-01T10:00:00", "--since", now)).toBe(ns("2024-05-01T10:00:00Z"));
    expect(parseTimeBound("2024-05-01T10:00:00+02:00", "--since", now)).toBe(ns("2024-05-01T08:00:00Z"));
    expect(parseTimeBound(undefined, "--since", now)).toBeUndefined();
    for (const bad of ["yesterday", "24", "2024-13-01", "7 days"]) expect(() => parseTimeBound(bad, "--since", now)).toThrow(/--since expects/);
  });

  it("--lookback: 0 or a length of time; --since/--until within the 64-bit span range", async () => {
    const now = new Date("2024-05-10T12:00:00Z");
    expect(parseLookback(undefined)).toBe(3_600_000_000_000n);
    expect(parseLookback("0")).toBe(0n);
    expect(parseLookback("15m")).toBe(900_000_000_000n);
    expect(parseLookback("2h")).toBe(7_200_000_000_000n);
    expect(parseLookback("1.5d")).toBe(129_600_000_000_000n);
    expect(parseLookback("90s")).toBe(90_000_000_000n);
    for (const bad of ["-1h", "1 hour", "h", "", "1e3m"]) expect(() => parseLookback(bad)).toThrow(/--lookback expects 0 or a length/);
    // 2^63 ns is 106,751.99 days.
    expect(parseLookback("106751d")).toBe(106_751n * 86_400_000_000_000n);
    expect(() => parseLookback("106752d")).toThrow(/out of range/);
    // 2024-05-10 is day 19,853 of the epoch (2024-05-01 is day 19,844, worked below).
    expect(parseTimeBound("19853d", "--since", now)).toBe(BigInt(Date.parse("1970-01-01T12:00:00Z")) * 1_000_000n);
    expect(() => parseTimeBound("99999999d", "--since", now)).toThrow(/--since '99999999d' is out of range/);
    expect(parseTimeBound("2262-04-11", "--until", now)).toBe(BigInt(Date.parse("2262-04-11T00:00:00Z")) * 1_000_000n);
    expect(() => parseTimeBound("2262-04-12", "--until", now)).toThrow(/--until '2262-04-12' is out of range/);
  });

  it("Postgres timestamp text to epoch µs (worked by hand)", async () => {
    // 2024-05-01T12:00:01Z = 1714564801 s (19844 days × 86400 + 12 h + 1 s).
    expect(19844 * 86400 + 12 * 3600 + 1).toBe(1714564801);
    expect(pgTimeMicros("2024-05-01 12:00:01.5492+00")).toBe(1714564801_549200n);
    expect(pgTimeMicros("2024-05-01 14:00:01.5492+02")).toBe(1714564801_549200n);
    expect(pgTimeMicros("2024-05-01 06:30:01.000001-05:30")).toBe(1714564801_000001n);
    expect(pgTimeMicros("2024-05-01 12:00:01")).toBe(1714564801_000000n);
    expect(pgTimeMicros("2024-05-01")).toBe((1714564801n - 12n * 3600n - 1n) * 1_000_000n);
    expect(pgTimeMicros("infinity")).toBeNull();
    expect(isoFromNs(1714564801_549200_123n)).toBe("2024-05-01T12:00:01.549200Z");
  });

  it("URLs: the source never holds the password; postgresql:// is postgres://", async () => {
    const t = parsePullUrl("postgresql://ana:s3cr%40t-pass@db.internal/telemetry?sslmode=require", {});
    expect(t.url).toBe("postgres://ana@db.internal:5432/telemetry");
    expect(t.format).toBe("postgres");
    expect(t.secrets).toContain("s3cr@t-pass");
    // Short passwords are secrets too.
    expect(parsePullUrl("postgres://a:pw@h/db", {}).secrets).toContain("pw");
    expect(parsePullUrl("postgres://a@h/db", { PGPASSWORD: "x1" }).secrets).toContain("x1");
    // node-postgres checks the certificate for require too; say so instead of its multi-line warning.
    expect(new URL(t.connectionString).searchParams.get("sslmode")).toBe("verify-full");
    expect(new URL(parsePullUrl("postgres://a@b/c?sslmode=no-verify", {}).connectionString).searchParams.get("sslmode")).toBe("no-verify");
    expect(() => parsePullUrl("mysql://a@b/c", {})).toThrow(/postgres:\/\/, postgresql:\/\/ or redshift:\/\//);
    expect(() => parsePullUrl("postgres://a:pa ss@[bad/c", {})).toThrow(/cannot parse/);
    const unparsable = (() => {
      try {
        parsePullUrl("postgres://a:Very-Secret-1@[bad/c", {});
      } catch (error) {
        return error as Error;
      }
    })();
    expect(unparsable).toBeInstanceOf(UsageError);
    expect(unparsable!.message).toMatch(/^cannot parse the postgres:\/\/ URL/);
    expect(`${unparsable!.message} ${unparsable!.stack}`).not.toContain("Very-Secret-1");
  });

  it("table names", async () => {
    expect(parseTableName("spans")).toEqual({ name: "spans" });
    expect(parseTableName("analytics.Ad_Spans$1")).toEqual({ schema: "analytics", name: "Ad_Spans$1" });
    for (const bad of ["1spans", "a.b.c", "spans;", "\"spans\"", "a .b", ""]) expect(() => parseTableName(bad)).toThrow(/is not a table name/);
  });
});

/** Rows at the high-water mark are asked for again (and skipped as stored): count them among the rows just pulled. */
function atMarkAfter(rows: CanonicalRow[]): number {
  const max = rows.reduce((m, r) => (BigInt(r.start_ns) > m ? BigInt(r.start_ns) : m), 0n);
  return rows.filter((r) => BigInt(r.start_ns) === max).length;
}
