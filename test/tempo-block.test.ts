// Grafana Tempo vParquet4 blocks (issue 22). The test blocks are built here, not copied from
// Tempo (AGPL): DuckDB COPY … (FORMAT parquet) from a nested SELECT with the columns and nesting
// of Tempo's published vParquet4 schema (Trace → rs[] → Resource, ss[] → Scope, Spans[]; Attrs
// lists with typed value arrays; the static dedicated columns; DedicatedAttributes.String01…10
// named by meta.json's dedicatedColumns). A tree of two blocks loads into the spans worked out
// by hand below, with every dedicated column back as its attribute, so cost.* prices the spans.
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { beforeAll, expect, it } from "vitest";
import { adtraceIn } from "./helpers/in-process.js";
import { Db } from "../src/db/db.js";

const dir = mkdtempSync(join(tmpdir(), "adtrace-tempo-"));
const tenant = join(dir, "single-tenant");

// Attribute structs as Tempo writes them: one typed value list filled, IsArray for arrays.
const attr = (key: string, v: { s?: string[]; i?: number[]; d?: number[]; b?: boolean[]; isArray?: boolean; unsupported?: string }) =>
  `{'Key': '${key}', 'IsArray': ${v.isArray ? "true" : "false"}, 'Value': [${(v.s ?? []).map((x) => `'${x}'`).join(", ")}]::VARCHAR[], ` +
  `'ValueInt': [${(v.i ?? []).join(", ")}]::BIGINT[], 'ValueDouble': [${(v.d ?? []).join(", ")}]::DOUBLE[], ` +
  `'ValueBool': [${(v.b ?? []).join(", ")}]::BOOLEAN[], 'ValueUnsupported': ${v.unsupported ? `'${v.unsupported}'` : "NULL"}::VARCHAR}`;
const attrs = (list: string[]) => (list.length ? `[${list.join(", ")}]` : `[]::STRUCT(Key VARCHAR, IsArray BOOLEAN, Value VARCHAR[], ValueInt BIGINT[], ValueDouble DOUBLE[], ValueBool BOOLEAN[], ValueUnsupported VARCHAR)[]`);
const dedicated = (values: (string | null)[]) =>
  `{${Array.from({ length: 10 }, (_, i) => `'String${String(i + 1).padStart(2, "0")}': ${values[i] ? `'${values[i]}'` : "NULL"}::VARCHAR`).join(", ")}}`;

interface SpanSpec {
  id: string; parent: string; name: string; kind: number; status: number; start: string; duration: number; attrs: string[];
  http?: [string, string, number]; dedicated: (string | null)[];
}
const span = (s: SpanSpec) => `{'SpanID': from_hex('${s.id}'), 'ParentSpanID': from_hex('${s.parent}'), 'ParentID': 0, 'NestedSetLeft': 0, 'NestedSetRight': 0,
  'Name': '${s.name}', 'Kind': ${s.kind}, 'TraceState': '', 'StartTimeUnixNano': ${s.start}::UBIGINT, 'DurationNano': ${s.duration}::UBIGINT,
  'StatusCode': ${s.status}, 'StatusMessage': '', 'Attrs': ${attrs(s.attrs)}, 'DroppedAttributesCount': 0,
  'Events': [{'TimeSinceStartNano': 5::UBIGINT, 'Name': 'bid.received', 'Attrs': ${attrs([])}, 'DroppedAttributesCount': 0}], 'DroppedEventsCount': 0,
  'Links': [{'TraceID': from_hex('00'), 'SpanID': from_hex('00'), 'TraceState': '', 'Attrs': ${attrs([])}, 'DroppedAttributesCount': 0}], 'DroppedLinksCount': 0,
  'HttpMethod': ${s.http ? `'${s.http[0]}'` : "NULL"}::VARCHAR, 'HttpUrl': ${s.http ? `'${s.http[1]}'` : "NULL"}::VARCHAR, 'HttpStatusCode': ${s.http ? s.http[2] : "NULL"}::BIGINT,
  'DedicatedAttributes': ${dedicated(s.dedicated)}}`;

/** One Trace row: one resource (service, a pod, a dedicated resource attribute) with one scope of `spans`. */
const trace = (traceId: string, service: string, resourceDedicated: string, spans: SpanSpec[]) => `SELECT from_hex('${traceId}') AS TraceID, '${traceId}' AS TraceIDText,
  1714564801000000000::UBIGINT AS StartTimeUnixNano, 1714564802000000000::UBIGINT AS EndTimeUnixNano, 1000000000::UBIGINT AS DurationNano,
  '${service}' AS RootServiceName, '${spans[0]!.name}' AS RootSpanName,
  MAP {'${service}': {'SpanCount': ${spans.length}::UINTEGER, 'ErrorCount': 0::UINTEGER}} AS ServiceStats,
  [{'Resource': {'Attrs': ${attrs([attr("host.name", { s: ["h1"] })])}, 'DroppedAttributesCount': 0, 'ServiceName': '${service}',
     'Cluster': NULL::VARCHAR, 'Namespace': NULL::VARCHAR, 'Pod': 'pod-7', 'Container': NULL::VARCHAR, 'K8sClusterName': NULL::VARCHAR,
     'K8sNamespaceName': NULL::VARCHAR, 'K8sPodName': NULL::VARCHAR, 'K8sContainerName': NULL::VARCHAR, 'DedicatedAttributes': ${dedicated([resourceDedicated])}},
    'ss': [{'Scope': {'Name': 'adtrace', 'Version': '1', 'Attrs': ${attrs([])}, 'DroppedAttributesCount': 0}, 'Spans': [${spans.map(span).join(", ")}]}]}] AS rs`;

const T1 = "0af7651916cd43dd8448eb211c80319c";
const T2 = "4bf92f3577b34da6a3ce929d0e0e4736";

async function writeBlock(name: string, sql: string, dedicatedColumns: object[]) {
  const block = join(tenant, name);
  mkdirSync(block, { recursive: true });
  const db = await Db.open();
  try {
    await db.exec(`COPY (${sql}) TO '${join(block, "data.parquet")}' (FORMAT parquet)`);
  } finally {
    db.close();
  }
  writeFileSync(join(block, "meta.json"), JSON.stringify({ format: "vParquet4", blockID: name, tenantID: "single-tenant", totalObjects: 1, dedicatedColumns }));
  // The rest of a block's files: not spans, and not taken for any.
  writeFileSync(join(block, "bloom-0"), Buffer.from([0, 1, 2, 3, 250, 251, 9, 0, 0, 17]));
}

beforeAll(async () => {
  const columns = [{ scope: "resource", name: "deployment.environment", type: "string" }, { scope: "span", name: "ad.exchange", type: "string" }, { name: "cost.usd" }];
  await writeBlock("b1", trace(T1, "adserver", "prod", [
    { id: "b7ad6b7169203331", parent: "", name: "adserver.request.handle", kind: 2, status: 0, start: "1714564801500000000", duration: 49_200_000,
      attrs: [attr("bid.count", { i: [3] }), attr("ad.won", { b: [true] }), attr("score", { d: [0.25] })], http: ["GET", "/bid", 200], dedicated: ["openx", "0.00001"] },
    { id: "00f067aa0ba902b7", parent: "b7ad6b7169203331", name: "aggregator.warehouse.query", kind: 3, status: 2, start: "1714564801510000000", duration: 7,
      attrs: [attr("sizes", { s: ["300x250", "728x90"], isArray: true }), attr("ids", { i: [1, 2], isArray: true }), attr("odd", { unsupported: '{"kvlistValue":{}}' })], dedicated: [null, "0.0004"] },
  ]), columns);
  await writeBlock("b2", trace(T2, "tracker", "staging", [
    { id: "53995c3f42cd8ad8", parent: "", name: "tracker.events.write", kind: 1, status: 1, start: "1714564802000000000", duration: 1000, attrs: [], dedicated: ["magnite", null] },
  ]), columns);
});

it("a tree of vParquet4 blocks loads into its spans, dedicated columns back as attributes", async () => {
  const db = join(dir, "tempo.duckdb");
  const r = await adtraceIn(["load", tenant, "--db", db, "--format", "json"]);
  expect(r.code, r.stderr).toBe(0);
  expect(JSON.parse(r.stdout).files.map((f: { format: string; spans_read: number }) => [f.format, f.spans_read])).toEqual([["tempo-vParquet4", 2], ["tempo-vParquet4", 1]]);
  const handle = await Db.open({ path: db, readOnly: true });
  let rows;
  try {
    rows = (await handle.all(`SELECT trace_id, span_id, parent_span_id, name, service, kind, status, CAST(start_ns AS VARCHAR) AS start_ns,
        CAST(duration_ns AS VARCHAR) AS duration_ns, CAST(to_json(attributes) AS VARCHAR) AS a, CAST(to_json(resource_attributes) AS VARCHAR) AS r
      FROM spans ORDER BY start_ns`)).map(({ a, r: res, ...row }) => ({ ...row, attributes: JSON.parse(String(a)), resource_attributes: JSON.parse(String(res)) }));
  } finally {
    handle.close();
  }
  const resource = (service: string, env: string) => ({ "host.name": "h1", "service.name": service, pod: "pod-7", "deployment.environment": env });
  expect(rows).toEqual([
    {
      trace_id: T1, span_id: "b7ad6b7169203331", parent_span_id: null, name: "adserver.request.handle", service: "adserver", kind: "SERVER", status: "UNSET",
      start_ns: "1714564801500000000", duration_ns: "49200000",
      attributes: { "bid.count": "3", "ad.won": "true", score: "0.25", "http.method": "GET", "http.url": "/bid", "http.status_code": "200", "ad.exchange": "openx", "cost.usd": "0.00001" },
      resource_attributes: resource("adserver", "prod"),
    },
    {
      trace_id: T1, span_id: "00f067aa0ba902b7", parent_span_id: "b7ad6b7169203331", name: "aggregator.warehouse.query", service: "adserver", kind: "CLIENT", status: "ERROR",
      start_ns: "1714564801510000000", duration_ns: "7",
      attributes: { sizes: '["300x250","728x90"]', ids: '["1","2"]', odd: '{"kvlistValue":{}}', "cost.usd": "0.0004" },
      resource_attributes: resource("adserver", "prod"),
    },
    {
      trace_id: T2, span_id: "53995c3f42cd8ad8", parent_span_id: null, name: "tracker.events.write", service: "tracker", kind: "INTERNAL", status: "OK",
      start_ns: "1714564802000000000", duration_ns: "1000",
      attributes: { "ad.exchange": "magnite" },
      resource_attributes: resource("tracker", "staging"),
    },
  ]);
  // cost.* from a dedicated column prices its spans like any attribute.
  const inspect = await adtraceIn(["inspect", "--db", db, "--format", "json"]);
  expect(inspect.code, inspect.stderr).toBe(0);
  expect(JSON.parse(inspect.stdout)).toMatchObject({ spans: 3, traces: 2, roots: 2, orphans: 0 });
  expect(inspect.stderr).toMatch(/2 from cost attributes/);
});
