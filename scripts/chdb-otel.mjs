// The OpenTelemetry Collector ClickHouse exporter's `otel_traces` table, filled from canonical spans
// (issue 17): the chDB tests and `npm run bench` build it from the same spans the DuckDB path reads,
// so both engines answer the same question over the same data. DuckDB writes the spans to Parquet
// (CANONICAL_TO_PARQUET, with $path bound); chDB creates the table (the exporter's DDL, MergeTree
// ordered by service, span name and time) and inserts the file.

/** The exporter's schema (opentelemetry-collector-contrib, exporter/clickhouseexporter), without its TTL and skip indexes. */
export const OTEL_TRACES_DDL = `CREATE TABLE IF NOT EXISTS otel_traces (
  Timestamp DateTime64(9) CODEC(Delta, ZSTD(1)),
  TraceId String CODEC(ZSTD(1)),
  SpanId String CODEC(ZSTD(1)),
  ParentSpanId String CODEC(ZSTD(1)),
  TraceState String CODEC(ZSTD(1)),
  SpanName LowCardinality(String) CODEC(ZSTD(1)),
  SpanKind LowCardinality(String) CODEC(ZSTD(1)),
  ServiceName LowCardinality(String) CODEC(ZSTD(1)),
  ResourceAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  ScopeName String CODEC(ZSTD(1)),
  ScopeVersion String CODEC(ZSTD(1)),
  SpanAttributes Map(LowCardinality(String), String) CODEC(ZSTD(1)),
  Duration UInt64 CODEC(ZSTD(1)),
  StatusCode LowCardinality(String) CODEC(ZSTD(1)),
  StatusMessage String CODEC(ZSTD(1)),
  Events Nested (Timestamp DateTime64(9), Name LowCardinality(String), Attributes Map(LowCardinality(String), String)) CODEC(ZSTD(1)),
  Links Nested (TraceId String, SpanId String, TraceState String, Attributes Map(LowCardinality(String), String)) CODEC(ZSTD(1))
) ENGINE = MergeTree
PARTITION BY toDate(Timestamp)
ORDER BY (ServiceName, SpanName, toDateTime(Timestamp))`;

/** DuckDB: the canonical spans table as Parquet at $path, maps as key and value lists. */
export const CANONICAL_TO_PARQUET = `COPY (
  SELECT trace_id, span_id, COALESCE(parent_span_id, '') AS parent_span_id, COALESCE(trace_state, '') AS trace_state,
         name, COALESCE(kind, '') AS kind, service, COALESCE(status, '') AS status, start_ns, duration_ns,
         map_keys(attributes) AS attr_keys, map_values(attributes) AS attr_values,
         map_keys(resource_attributes) AS res_keys, map_values(resource_attributes) AS res_values
  FROM spans
) TO $path (FORMAT parquet)`;

/** chDB: insert that Parquet file (bound as {path:String}) into otel_traces. */
export const PARQUET_TO_OTEL_TRACES = `INSERT INTO otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind, ServiceName, ResourceAttributes, SpanAttributes, Duration, StatusCode)
SELECT fromUnixTimestamp64Nano(start_ns), trace_id, span_id, parent_span_id, trace_state, name, kind, service,
       mapFromArrays(res_keys, arrayMap(x -> coalesce(x, ''), res_values)), mapFromArrays(attr_keys, arrayMap(x -> coalesce(x, ''), attr_values)),
       toUInt64(duration_ns), status
FROM file({path:String}, Parquet)`;

/**
 * chDB: insert that Parquet file {copies:UInt32} times, copy k with the first two hex digits of each
 * trace id replaced by k's (printf('%02x', k), as the bench's DuckDB copies are made), so 10M spans
 * are built from 1M inside the engine rather than read from a 10M-span file.
 */
export const PARQUET_COPIES_TO_OTEL_TRACES = `INSERT INTO otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, TraceState, SpanName, SpanKind, ServiceName, ResourceAttributes, SpanAttributes, Duration, StatusCode)
SELECT fromUnixTimestamp64Nano(start_ns), concat(lower(hex(toUInt8(c.number))), substring(trace_id, 3)), span_id, parent_span_id, trace_state, name, kind, service,
       mapFromArrays(res_keys, arrayMap(x -> coalesce(x, ''), res_values)), mapFromArrays(attr_keys, arrayMap(x -> coalesce(x, ''), attr_values)),
       toUInt64(duration_ns), status
FROM file({path:String}, Parquet) AS f CROSS JOIN numbers({copies:UInt32}) AS c`;

/** Create otel_traces in `dir` and insert `copies` copies of the Parquet file's spans with fresh trace ids (copies < 256); returns the rows now in it. */
export async function fillOtelTracesCopies(dir, parquetPath, copies) {
  if (!(copies >= 1 && copies < 256)) throw new Error(`copies must be 1 to 255, got ${copies}`);
  const { Session } = await import("chdb");
  const session = new Session(dir);
  try {
    session.query(OTEL_TRACES_DDL);
    await session.queryBindAsync(PARQUET_COPIES_TO_OTEL_TRACES, { path: parquetPath, copies });
    return Number(session.query("SELECT count() FROM otel_traces", "CSV").trim());
  } finally {
    session.close();
  }
}

/** Create otel_traces in the chDB data directory `dir` and insert the Parquet file of canonical spans; returns the rows now in it. */
export async function fillOtelTraces(dir, parquetPath) {
  const { Session } = await import("chdb");
  const session = new Session(dir);
  try {
    session.query(OTEL_TRACES_DDL);
    await session.queryBindAsync(PARQUET_TO_OTEL_TRACES, { path: parquetPath });
    return Number(session.query("SELECT count() FROM otel_traces", "CSV").trim());
  } finally {
    session.close();
  }
}

// `node scripts/chdb-otel.mjs SPANS… DIR`: a chDB data directory DIR holding otel_traces with the
// spans of the given files (any format adtrace reads), to try the ClickHouse source without a server.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { join, resolve } = await import("node:path");
  const { mkdtempSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const args = process.argv.slice(2);
  if (args.length < 2) {
    console.error("usage: node scripts/chdb-otel.mjs SPANS… DIR");
    process.exit(2);
  }
  const root = new URL("..", import.meta.url).pathname;
  const { Db } = await import(join(root, "dist/db/db.js"));
  const { loadInputs } = await import(join(root, "dist/ingest/load.js"));
  const work = mkdtempSync(join(tmpdir(), "adtrace-chdb-otel-"));
  const parquet = join(work, "spans.parquet");
  const db = await Db.open();
  try {
    await loadInputs(db, { inputs: args.slice(0, -1) });
    await db.exec(CANONICAL_TO_PARQUET, { path: parquet });
  } finally {
    db.close();
  }
  const rows = await fillOtelTraces(resolve(args.at(-1)), parquet);
  rmSync(work, { recursive: true, force: true });
  console.error(`${args.at(-1)}: otel_traces holds ${rows} spans`);
}
