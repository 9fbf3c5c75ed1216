#!/usr/bin/env node
// Writes fixtures/auction/: 40 ad events (one trace each) in OTLP JSON Lines, Jaeger JSON,
// Zipkin v2 JSON, Parquet and CSV — the same spans in every format. Deterministic: run it again
// and the files come out byte-for-byte the same. The hand-checked totals are in
// fixtures/auction/README.md. Usage: node scripts/make-fixture.mjs [out-dir]
import { mkdirSync, writeFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";

const OUT = process.argv[2] ?? "fixtures/auction";
const EVENTS = 40;
const BASE_US = 1714564800n * 1_000_000n; // 2024-05-01T12:00:00Z
const LOCALES = ["en-US", "de-DE", "fr-FR", "ja-JP"];
const DEVICES = ["mobile", "desktop", "tablet"];
const EXCHANGES = ["adx", "openx", "magnite"];

const hex = (n, width) => n.toString(16).padStart(width, "0");

/** All spans of event t (1-based), as plain canonical records. */
function event(t) {
  const traceId = hex(0xad000000 + t, 32);
  let next = 1;
  const id = () => hex(t * 256 + next++, 16);
  const start = BASE_US + BigInt(t) * 1_500_000n;
  const common = { "user_locale": LOCALES[t % 4], "ad.campaign_id": `c-${(t % 4) + 1}` };
  const spans = [];
  const add = (s) => {
    spans.push({ traceId, kind: "SERVER", status: "UNSET", ...s, attributes: { ...common, ...s.attributes } });
    return spans[spans.length - 1];
  };
  const root = add({
    spanId: id(), parent: null, name: "adserver.request.handle", service: "adserver", startUs: start, durationUs: 0n,
    attributes: {
      "cost.usd": "0.00001", "ad.advertiser_id": `adv-${(t % 3) + 1}`, "device.type": DEVICES[t % 3],
      "ad.exchange": EXCHANGES[t % 3], "ad.bid_price_usd": (0.5 + (t % 7) * 0.25).toFixed(2), "ad.relevance_score": ((t * 37) % 100 / 100).toFixed(2),
    },
  });
  // Profiling and inventory lookup run side by side; the rest one after another.
  const j = (k) => BigInt(((t * k) % 9) * 100); // deterministic jitter, µs
  let cursor = start + 200n;
  const stage = (name, service, durationUs, cost, attributes = {}) =>
    add({ spanId: id(), parent: root.spanId, name, service, startUs: cursor, durationUs, attributes: { "cost.usd": cost, ...attributes } });
  const profiling = stage("profile.user.lookup", "profile-svc", 3000n + j(3), "0.00003");
  cursor += 1000n;
  const inventory = stage("inventory.ann.search", "inventory", 8000n + j(5), "0.00007");
  cursor = inventory.startUs + inventory.durationUs + 100n;
  const auction = stage("auction.rtb.run", "auction", 12000n + j(7) + (t === 13 ? 40000n : 0n), "0.00006");
  if (t === 7 || t === 23) auction.status = "ERROR";
  cursor += auction.durationUs + 100n;
  const delivery = stage("delivery.creative.render", "delivery", 4000n + j(2), "0.00004");
  cursor += delivery.durationUs + 100n;
  const tracking = stage("tracker.events.write", "tracker", 6000n + j(4), "0.00002");
  const trackingQueries = t % 8 === 0 ? 2 : 1;
  for (let q = 0; q < trackingQueries; q++) {
    add({
      spanId: id(), parent: tracking.spanId, name: "tracker.warehouse.insert", service: "tracker", kind: "CLIENT",
      startUs: tracking.startUs + 200n + BigInt(q) * 2800n, durationUs: 2500n,
      attributes: {
        // Priced from the book: 0.0001 credits × $3.00 = $0.0003 of query cost.
        "db.system": "snowflake", "snowflake.warehouse.size": "XSMALL", "snowflake.credits_used": "0.0001", "db.operation": "SELECT", "db.bytes_scanned": "50000000",
        // The frequency-cap check: the same lookup for every event of a campaign (a cache hits).
        "db.statement": `SELECT impressions_left FROM campaign_caps WHERE campaign_id = 'c-${(t % 4) + 1}' AND day = '2024-05-01'`,
      },
    });
  }
  cursor += tracking.durationUs + 100n;
  const aggregation = stage("aggregator.rollup.compute", "aggregator", 15000n + j(6), "0.00002");
  const aggregationQueries = t % 10 === 0 ? 2 : 1;
  for (let q = 0; q < aggregationQueries; q++) {
    add({
      spanId: id(), parent: aggregation.spanId, name: "aggregator.warehouse.query", service: "aggregator", kind: "CLIENT",
      startUs: aggregation.startUs + 300n + BigInt(q) * 7000n, durationUs: 6500n,
      attributes: {
        // Priced from the book: 64 MiB = 1/16384 TiB × $6.25 = $0.0003814697265625 of query cost.
        "db.system": "bigquery", "db.operation": "SELECT", "db.bytes_billed": "67108864",
        "db.statement": `SELECT campaign_id, count(*), sum(spend_usd) FROM ad_events WHERE campaign_id = 'c-${(t % 4) + 1}' AND ts >= '2024-05-01' GROUP BY campaign_id`,
      },
    });
  }
  cursor += aggregation.durationUs + 200n;
  root.durationUs = cursor - start;
  return spans;
}

const events = Array.from({ length: EVENTS }, (_, i) => event(i + 1));
const all = events.flat();

// ---- The JSON formats, through the same writers `adtrace generate` uses (needs the build: npm install).
const { otlpRequest, jaegerTrace, zipkinSpans } = await import(new URL("../dist/generate/writers.js", import.meta.url).href);
const records = (spans) => spans.map((s) => ({
  traceId: s.traceId, spanId: s.spanId, parentSpanId: s.parent, name: s.name, service: s.service, kind: s.kind, status: s.status,
  startNs: s.startUs * 1000n, durationNs: s.durationUs * 1000n, attributes: s.attributes, resourceAttributes: { "service.name": s.service }, traceState: null,
}));
const otlpLines = events.map((spans) => JSON.stringify(otlpRequest(records(spans))));
const jaeger = { data: events.map((spans) => jaegerTrace(records(spans))) };
const zipkin = zipkinSpans(records(all));

mkdirSync(OUT, { recursive: true });
writeFileSync(join(OUT, "otlp.jsonl"), otlpLines.join("\n") + "\n");
writeFileSync(join(OUT, "jaeger.json"), JSON.stringify(jaeger, null, 1) + "\n");
writeFileSync(join(OUT, "zipkin.json"), JSON.stringify(zipkin, null, 1) + "\n");

// ---- Flat tables, named the way a warehouse export might name them
const instance = await DuckDBInstance.create(":memory:");
const db = await instance.connect();
await db.run(`CREATE TABLE flat (traceId VARCHAR, span_id VARCHAR, parent_id VARCHAR, span_name VARCHAR, service_name VARCHAR,
  kind VARCHAR, status_code VARCHAR, start_us BIGINT, duration_ms DOUBLE, attributes VARCHAR, resource_attributes VARCHAR)`);
const appender = await db.createAppender("flat");
for (const s of all) {
  appender.appendVarchar(s.traceId); appender.appendVarchar(s.spanId);
  if (s.parent) appender.appendVarchar(s.parent); else appender.appendNull();
  appender.appendVarchar(s.name); appender.appendVarchar(s.service); appender.appendVarchar(s.kind); appender.appendVarchar(s.status);
  appender.appendBigInt(s.startUs); appender.appendDouble(Number(s.durationUs) / 1000);
  appender.appendVarchar(JSON.stringify(s.attributes)); appender.appendVarchar(JSON.stringify({ "service.name": s.service }));
  appender.endRow();
}
appender.closeSync();
for (const f of ["spans.parquet", "spans.csv"]) rmSync(join(OUT, f), { force: true });
// Parquet: snake_case names, a real timestamp column, a duration in ms and attributes as a MAP.
await db.run(`COPY (SELECT traceId, span_id, parent_id, span_name, service_name, kind, status_code,
    make_timestamp(start_us) AS start_time, duration_ms,
    CAST(CAST(attributes AS JSON) AS MAP(VARCHAR, VARCHAR)) AS attributes, resource_attributes
  FROM flat ORDER BY traceId, start_us, span_id) TO $path (FORMAT parquet)`, { path: join(OUT, "spans.parquet") });
// CSV: PascalCase names as the ClickHouse OpenTelemetry exporter writes them, kind and status in
// title case, start and end as epoch µs (no duration column), attributes as JSON text, and
// user_locale as a column of its own (a column that maps to nothing becomes an attribute).
await db.run(`COPY (SELECT traceId AS TraceId, span_id AS SpanId, parent_id AS ParentSpanId, span_name AS SpanName,
    service_name AS ServiceName, concat(kind[1], lower(kind[2:])) AS SpanKind, concat(status_code[1], lower(status_code[2:])) AS StatusCode,
    start_us AS Timestamp, start_us + CAST(round(duration_ms * 1000) AS BIGINT) AS EndTime,
    json_extract_string(attributes, '$.user_locale') AS user_locale,
    CAST(json_merge_patch(attributes, '{"user_locale": null}') AS VARCHAR) AS SpanAttributes, resource_attributes AS ResourceAttributes
  FROM flat ORDER BY traceId, start_us, span_id) TO $path (FORMAT csv, HEADER true)`, { path: join(OUT, "spans.csv") });
db.closeSync();
instance.closeSync();
console.error(`wrote ${all.length} spans in ${EVENTS} events to ${OUT}/`);
