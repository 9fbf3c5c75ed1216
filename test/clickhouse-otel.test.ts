// The Collector's ClickHouse table, otel_traces, as files (issue 22): Parquet with its column
// types (DateTime64(9) → TIMESTAMP_NS, Duration UInt64 ns, Map columns, the nested Events.* and
// Links.* arrays), written by DuckDB COPY from a SELECT, and CSV as `FORMAT CSVWithNames` writes
// it (maps as {'key':'value'} with backslash escapes, timestamps as text), and Parquet with the
// strings as bytes (BLOB), as ClickHouse writes them unless told otherwise. All load with no
// --map and no unit warning into the rows worked out by hand below.
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { beforeAll, describe, expect, it } from "vitest";
import { adtraceIn } from "./helpers/in-process.js";
import { Db } from "../src/db/db.js";

const dir = mkdtempSync(join(tmpdir(), "adtrace-ch-otel-"));
const TRACE = "5b8efff798038103d269b633813fc60c";

// Hand-worked: 2024-05-01T12:00:01.500000001Z is 1714564801 s + 0.500000001 s.
const START_NS = 1714564801n * 1_000_000_000n + 500_000_001n;
const EXPECTED = [
  {
    trace_id: TRACE, span_id: "eee19b7ec3c1b174", parent_span_id: null, name: "adserver.request.handle", service: "adserver",
    kind: "SERVER", status: "UNSET", start_ns: String(START_NS), duration_ns: "49200000", trace_state: null,
    attributes: { "ad.exchange": "openx", "cost.usd": "0.00001", note: `it's "fine" ü`, "otel.scope.name": "adtrace" },
    resource_attributes: { "service.name": "adserver", "host.name": "h1" },
  },
  {
    trace_id: TRACE, span_id: "eee19b7ec3c1b173", parent_span_id: "eee19b7ec3c1b174", name: "aggregator.warehouse.query", service: "aggregator",
    kind: "CLIENT", status: "ERROR", start_ns: String(START_NS + 1_000_000n), duration_ns: "7", trace_state: "ot=th:8",
    attributes: { "db.system": "snowflake", "otel.scope.name": "adtrace", "otel.scope.version": "1.2", "otel.status_description": "timeout" },
    resource_attributes: { "service.name": "aggregator" },
  },
];

beforeAll(async () => {
  const db = await Db.open();
  try {
    await db.exec(`COPY (
      SELECT * FROM (VALUES
        (TIMESTAMP_NS '2024-05-01 12:00:01.500000001', '${TRACE}', 'eee19b7ec3c1b174', '', '', 'adserver.request.handle', 'Server', 'adserver',
         MAP {'service.name': 'adserver', 'host.name': 'h1'}, 'adtrace', '', MAP {'ad.exchange': 'openx', 'cost.usd': '0.00001', 'note': 'it''s "fine" ü'},
         CAST(49200000 AS UBIGINT), 'Unset', '',
         [TIMESTAMP_NS '2024-05-01 12:00:01.5'], ['bid.received'], [MAP {'bid.price': '1.5'}],
         ['${TRACE}'], ['eee19b7ec3c1b173'], [''], [MAP {'link.why': 'batch'}]),
        (TIMESTAMP_NS '2024-05-01 12:00:01.501000001', '${TRACE}', 'eee19b7ec3c1b173', 'eee19b7ec3c1b174', 'ot=th:8', 'aggregator.warehouse.query', 'SPAN_KIND_CLIENT', 'aggregator',
         MAP {'service.name': 'aggregator'}, 'adtrace', '1.2', MAP {'db.system': 'snowflake'},
         CAST(7 AS UBIGINT), 'Error', 'timeout',
         [], [], [], [], [], [], [])
      ) AS t("Timestamp", "TraceId", "SpanId", "ParentSpanId", "TraceState", "SpanName", "SpanKind", "ServiceName",
             "ResourceAttributes", "ScopeName", "ScopeVersion", "SpanAttributes", "Duration", "StatusCode", "StatusMessage",
             "Events.Timestamp", "Events.Name", "Events.Attributes", "Links.TraceId", "Links.SpanId", "Links.TraceState", "Links.Attributes")
    ) TO '${join(dir, "otel_traces.parquet")}' (FORMAT parquet)`);
    // As ClickHouse writes it without output_format_parquet_string_as_string: strings as bytes.
    const bytes = (c: string) => `encode("${c}") AS "${c}"`;
    const mapBytes = (c: string) => `map_from_entries(list_transform(map_entries("${c}"), e -> {'key': encode(e.key), 'value': encode(e.value)})) AS "${c}"`;
    await db.exec(`COPY (SELECT * REPLACE (${["TraceId", "SpanId", "ParentSpanId", "TraceState", "SpanName", "SpanKind", "ServiceName", "ScopeName", "ScopeVersion", "StatusCode", "StatusMessage"].map(bytes).join(", ")},
        ${mapBytes("SpanAttributes")}, ${mapBytes("ResourceAttributes")})
      FROM read_parquet('${join(dir, "otel_traces.parquet")}')) TO '${join(dir, "otel_traces_bytes.parquet")}' (FORMAT parquet)`);
  } finally {
    db.close();
  }
  // As ClickHouse's CSVWithNames writes the same rows (maps and arrays in its quoted text form).
  writeFileSync(join(dir, "otel_traces.csv"), [
    `"Timestamp","TraceId","SpanId","ParentSpanId","TraceState","SpanName","SpanKind","ServiceName","ResourceAttributes","ScopeName","ScopeVersion","SpanAttributes","Duration","StatusCode","StatusMessage","Events.Timestamp","Events.Name","Events.Attributes","Links.TraceId","Links.SpanId","Links.TraceState","Links.Attributes"`,
    `"2024-05-01 12:00:01.500000001","${TRACE}","eee19b7ec3c1b174","","","adserver.request.handle","Server","adserver","{'service.name':'adserver','host.name':'h1'}","adtrace","","{'ad.exchange':'openx','cost.usd':'0.00001','note':'it\\'s ""fine"" ü'}",49200000,"Unset","","['2024-05-01 12:00:01.500000000']","['bid.received']","[{'bid.price':'1.5'}]","['${TRACE}']","['eee19b7ec3c1b173']","['']","[{'link.why':'batch'}]"`,
    `"2024-05-01 12:00:01.501000001","${TRACE}","eee19b7ec3c1b173","eee19b7ec3c1b174","ot=th:8","aggregator.warehouse.query","SPAN_KIND_CLIENT","aggregator","{'service.name':'aggregator'}","adtrace","1.2","{'db.system':'snowflake'}",7,"Error","timeout","[]","[]","[]","[]","[]","[]","[]"`,
    "",
  ].join("\n"));
});

async function loaded(file: string) {
  const db = join(dir, `${file}.duckdb`);
  const r = await adtraceIn(["load", join(dir, file), "--db", db, "--format", "json"]);
  expect(r.code, r.stderr).toBe(0);
  // Mapped by the schema: no unit guessed, nothing to warn about.
  expect(r.stderr).not.toMatch(/warning/);
  const handle = await Db.open({ path: db, readOnly: true });
  try {
    const rows = await handle.all(`SELECT trace_id, span_id, parent_span_id, name, service, kind, status, CAST(start_ns AS VARCHAR) AS start_ns, CAST(duration_ns AS VARCHAR) AS duration_ns, trace_state,
        CAST(to_json(attributes) AS VARCHAR) AS attributes, CAST(to_json(resource_attributes) AS VARCHAR) AS resource_attributes
      FROM spans ORDER BY start_ns`);
    return rows.map((row) => ({ ...row, attributes: JSON.parse(String(row.attributes)), resource_attributes: JSON.parse(String(row.resource_attributes)) }));
  } finally {
    handle.close();
  }
}

describe("otel_traces files (the Collector's ClickHouse schema)", () => {
  for (const file of ["otel_traces.parquet", "otel_traces_bytes.parquet", "otel_traces.csv"]) {
    it(`${file} maps with no --map: ids, parents, kinds, statuses, ns times, attributes, no events or links`, async () => {
      expect(await loaded(file)).toEqual(EXPECTED);
    });
  }
});
