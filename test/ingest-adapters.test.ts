// The JSON adapters one record at a time (OTLP, Jaeger, Zipkin), parsed the way the loader parses
// them (parseJson, which keeps 64-bit integers exact), and the flat-table mapping's time columns.
// Every expected value is written out from the input shown next to it.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { parseJson } from "../src/ingest/json-reader.js";
import { parseLines } from "../src/ingest/json-lines.js";
import { recordContext } from "../src/ingest/adapter.js";
import { readOtlpRecord } from "../src/ingest/formats/otlp.js";
import { readJaegerRecord } from "../src/ingest/formats/jaeger.js";
import { readZipkinRecord } from "../src/ingest/formats/zipkin.js";
import { newStats, type SpanRecord } from "../src/ingest/span.js";
import { Db } from "../src/db/db.js";
import { loadInputs } from "../src/ingest/load.js";
import { jsonLinesFromHead } from "../src/ingest/sniff.js";
import { findInvalidUtf8Line } from "../src/ingest/text.js";
import { adtraceRuns } from "./helpers/runs.js";
import { adtraceIn } from "./helpers/in-process.js";

type Adapter = typeof readOtlpRecord;

/** Parse `text` as the loader does and run one adapter over it. */
function read(adapter: Adapter, text: string) {
  const stats = newStats();
  const spans: SpanRecord[] = [];
  adapter(parseJson(text, "t.json"), recordContext("t.json", stats, false, (s) => spans.push(s)));
  return { spans, stats, warnings: [...stats.warnings.keys()] };
}

const otlp = (spans: string, resource = '{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]}') =>
  `{"resourceSpans":[{"resource":${resource},"scopeSpans":[{"scope":{},"spans":[${spans}]}]}]}`;
const T = "5b8efff798038103d269b633813fc60c";
const S = "eee19b7ec3c1b174";
const span = (extra: string) => `{"traceId":"${T}","spanId":"${S}","name":"n","startTimeUnixNano":"1714564800000000000","endTimeUnixNano":"1714564800000001000"${extra}}`;

describe("OTLP JSON", () => {
  it("ids in upper-case hex and in base64 come out as lowercase hex", async () => {
    const upper = read(readOtlpRecord, otlp(`{"traceId":"${T.toUpperCase()}","spanId":"${S.toUpperCase()}","parentSpanId":"EEE19B7EC3C1B173","name":"n","startTimeUnixNano":"1"}`));
    expect(upper.spans[0]).toMatchObject({ traceId: T, spanId: S, parentSpanId: "eee19b7ec3c1b173" });
    // base64 of the same bytes, as protobuf's generic JSON mapping writes `bytes`.
    const b64 = (h: string) => Buffer.from(h, "hex").toString("base64");
    expect(b64(T)).toBe("W47/95gDgQPSabYzgT/GDA==");
    const based = read(readOtlpRecord, otlp(`{"traceId":"${b64(T)}","spanId":"${b64(S)}","parentSpanId":"${b64("eee19b7ec3c1b173")}","name":"n","startTimeUnixNano":"1"}`));
    expect(based.spans[0]).toMatchObject({ traceId: T, spanId: S, parentSpanId: "eee19b7ec3c1b173" });
  });

  it("64-bit times and intValues given as JSON numbers above 2^53 stay exact", async () => {
    // 1714564800123456789 and 9007199254740993 (2^53 + 1) are not representable as doubles.
    const { spans } = read(readOtlpRecord, otlp(
      `{"traceId":"${T}","spanId":"${S}","name":"n","startTimeUnixNano":1714564800123456789,"endTimeUnixNano":1714564800123457790,` +
      `"attributes":[{"key":"big","value":{"intValue":9007199254740993}},{"key":"neg","value":{"intValue":"-12345678901234567890"}},{"key":"small","value":{"intValue":42}}]}`,
    ));
    expect(spans[0]!.startNs).toBe(1714564800123456789n);
    expect(spans[0]!.durationNs).toBe(1001n);
    expect(spans[0]!.attributes).toEqual({ big: "9007199254740993", neg: "-12345678901234567890", small: "42" });
  });

  it("in JSON Lines too (parsed again exactly when a big number shows up), every span, skip and warning counted once", async () => {
    // Line 1 is ordinary; line 2 has a span without an id (skipped), one whose end precedes its
    // start (warned), then one with a start past 2^53 given as a number: the first, unquoted parse
    // of line 2 gets as far as that span, so its skip and warning must not be counted twice.
    const ok = `{"traceId":"${T}","spanId":"${S}","name":"a","startTimeUnixNano":"1714564800000000000","endTimeUnixNano":"1714564800000000100"}`;
    const noId = `{"traceId":"${T}","name":"b","startTimeUnixNano":"1"}`;
    const backwards = `{"traceId":"${T}","spanId":"eee19b7ec3c1b173","name":"c","startTimeUnixNano":"1714564800000000100","endTimeUnixNano":"1714564800000000000"}`;
    const big = `{"traceId":"${T}","spanId":"eee19b7ec3c1b174","name":"d","startTimeUnixNano":1714564800123456789,"endTimeUnixNano":1714564800123457790,` +
      `"attributes":[{"key":"big","value":{"intValue":9007199254740993}}]}`;
    const text = `${otlp(ok)}\n${otlp(`${noId},${backwards},${big}`)}\n`;
    const spans: SpanRecord[] = [];
    const stats = newStats();
    expect(parseLines(Buffer.from(text), 1, { format: "otlp", source: "x.jsonl", strict: false, maxRecordBytes: 1 << 20 }, stats, (s) => spans.push(s))).toBe(2);
    expect(spans.map((s) => s.name)).toEqual(["a", "c", "d"]);
    expect(spans[2]!.startNs).toBe(1714564800123456789n);
    expect(spans[2]!.durationNs).toBe(1001n);
    expect(spans[2]!.attributes).toEqual({ big: "9007199254740993" });
    expect(stats.skipped).toBe(1);
    expect(stats.skippedExamples).toEqual([expect.stringMatching(/^x\.jsonl:2: /)]);
    expect([...stats.warnings.values()]).toEqual([1]);
  });

  it("kind and status as integers, enum names or numeric strings", async () => {
    const kinds = [["1", "INTERNAL"], ["2", "SERVER"], ["3", "CLIENT"], ["4", "PRODUCER"], ["5", "CONSUMER"], ['"SPAN_KIND_CLIENT"', "CLIENT"],
      ['"SPAN_KIND_SERVER"', "SERVER"], ['"CONSUMER"', "CONSUMER"], ['"3"', "CLIENT"], ["0", "UNSPECIFIED"], ["9", "UNSPECIFIED"]];
    for (const [raw, want] of kinds) expect(read(readOtlpRecord, otlp(span(`,"kind":${raw}`))).spans[0]!.kind, raw).toBe(want);
    expect(read(readOtlpRecord, otlp(span(""))).spans[0]!.kind).toBe("UNSPECIFIED");
    const statuses = [['{"code":2}', "ERROR"], ['{"code":1}', "OK"], ['{"code":0}', "UNSET"], ['{"code":"STATUS_CODE_ERROR"}', "ERROR"],
      ['{"code":"STATUS_CODE_OK","message":"fine"}', "OK"], ['{"code":"2"}', "ERROR"], ["{}", "UNSET"]];
    for (const [raw, want] of statuses) expect(read(readOtlpRecord, otlp(span(`,"status":${raw}`))).spans[0]!.status, raw).toBe(want);
  });

  it("reads the legacy instrumentationLibrarySpans beside scopeSpans", async () => {
    const doc = `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"old"}}]},
      "instrumentationLibrarySpans":[{"instrumentationLibrary":{"name":"lib"},"spans":[${span("")}]}],
      "scopeSpans":[{"scope":{},"spans":[${span("").replace(S, "eee19b7ec3c1b175")}]}]}]}`;
    const { spans } = read(readOtlpRecord, doc);
    expect(spans.map((s) => [s.spanId, s.service]).sort()).toEqual([[S, "old"], ["eee19b7ec3c1b175", "old"]]);
  });

  it("reads snake_case keys throughout", async () => {
    const doc = `{"resource_spans":[{"resource":{"attributes":[{"key":"service.name","value":{"string_value":"snake"}}]},
      "scope_spans":[{"spans":[{"trace_id":"${T}","span_id":"${S}","parent_span_id":"eee19b7ec3c1b173","name":"n","kind":"SPAN_KIND_CLIENT",
      "start_time_unix_nano":"1714564800000000000","end_time_unix_nano":"1714564800000002000","trace_state":"ot=th:8",
      "attributes":[{"key":"i","value":{"int_value":"7"}},{"key":"a","value":{"array_value":{"values":[{"string_value":"x"}]}}},
      {"key":"k","value":{"kvlist_value":{"values":[{"key":"b","value":{"bool_value":true}}]}}}],"status":{"code":"STATUS_CODE_ERROR"}}]}]}]}`;
    expect(read(readOtlpRecord, doc).spans[0]).toEqual({
      traceId: T, spanId: S, parentSpanId: "eee19b7ec3c1b173", name: "n", service: "snake", kind: "CLIENT", status: "ERROR",
      startNs: 1714564800000000000n, durationNs: 2000n, attributes: { i: "7", a: '["x"]', k: '{"b":true}' },
      resourceAttributes: { "service.name": "snake" }, traceState: "ot=th:8",
    });
  });

  it("every AnyValue type: scalars as text, arrays and kvlists as JSON text", async () => {
    const attrs = [
      '{"key":"s","value":{"stringValue":"text"}}',
      '{"key":"t","value":{"boolValue":true}}',
      '{"key":"f","value":{"boolValue":false}}',
      '{"key":"i","value":{"intValue":"-3"}}',
      '{"key":"d","value":{"doubleValue":0.25}}',
      '{"key":"nan","value":{"doubleValue":"NaN"}}',
      '{"key":"inf","value":{"doubleValue":"-Infinity"}}',
      '{"key":"bytes","value":{"bytesValue":"AQID"}}',
      '{"key":"arr","value":{"arrayValue":{"values":[{"stringValue":"a"},{"intValue":"1"},{"boolValue":true},{"doubleValue":1.5}]}}}',
      '{"key":"empty","value":{"arrayValue":{}}}',
      '{"key":"kv","value":{"kvlistValue":{"values":[{"key":"x","value":{"stringValue":"y"}},{"key":"nested","value":{"arrayValue":{"values":[{"intValue":"2"}]}}}]}}}',
    ];
    const { spans } = read(readOtlpRecord, otlp(span(`,"attributes":[${attrs.join(",")}]`)));
    expect(spans[0]!.attributes).toEqual({
      s: "text", t: "true", f: "false", i: "-3", d: "0.25", nan: "NaN", inf: "-Infinity", bytes: "AQID",
      // intValues stay decimal text inside JSON too, so 64-bit values are never rounded.
      arr: '["a","1",true,1.5]', empty: "[]", kv: '{"x":"y","nested":["2"]}',
    });
  });

  it("the Jaeger /api/v3 wrapper, resource attributes, and service.name as the service", async () => {
    const inner = otlp(span(""), '{"attributes":[{"key":"service.name","value":{"stringValue":"api"}},{"key":"host.name","value":{"stringValue":"h1"}}]}');
    const { spans } = read(readOtlpRecord, `{"result":${inner}}`);
    expect(spans[0]).toMatchObject({ service: "api", resourceAttributes: { "service.name": "api", "host.name": "h1" }, parentSpanId: null });
  });

  it("roots: an empty or all-zero parent is no parent, without a warning", async () => {
    for (const parent of ['"parentSpanId":""', '"parentSpanId":"0000000000000000"']) {
      const r = read(readOtlpRecord, otlp(span(`,${parent}`)));
      expect(r.spans[0]!.parentSpanId).toBeNull();
      expect(r.warnings).toEqual([]);
    }
    const bad = read(readOtlpRecord, otlp(span(',"parentSpanId":"xyz"')));
    expect(bad.spans[0]!.parentSpanId).toBeNull();
    expect(bad.warnings.join()).toMatch(/parent span ids/);
  });

  it("spans without ids or a start are skipped and counted; a missing end is duration 0 with a warning", async () => {
    const r = read(readOtlpRecord, otlp([
      `{"spanId":"${S}","name":"no trace","startTimeUnixNano":"1"}`,
      `{"traceId":"${T}","spanId":"00000000000000000","name":"bad span id","startTimeUnixNano":"1"}`,
      `{"traceId":"${T}","spanId":"${S}","name":"no start"}`,
      `{"traceId":"${T}","spanId":"${S}","name":"no end","startTimeUnixNano":"1714564800000000000"}`,
    ].join(",")));
    expect(r.spans.map((s) => [s.name, s.durationNs])).toEqual([["no end", 0n]]);
    expect(r.stats.skipped).toBe(3);
    expect(r.stats.skippedExamples[0]).toMatch(/^t\.json: span without a valid traceId/);
    expect(r.warnings.join()).toMatch(/without an end time/);
  });

  it("through the loader: 64-bit values reach the spans table exactly", async () => {
    const dir = mkdtempSync(join(tmpdir(), "adtrace-adapters-"));
    const path = join(dir, "big.json");
    writeFileSync(path, otlp(`{"traceId":"${T}","spanId":"${S}","name":"n","startTimeUnixNano":1714564800123456789,"endTimeUnixNano":1714564800123456790,` +
      `"attributes":[{"key":"big","value":{"intValue":9007199254740993}}]}`));
    const db = await Db.open();
    try {
      await loadInputs(db, { inputs: [path] });
      const rows = await db.all("SELECT CAST(start_ns AS VARCHAR) AS start, duration_ns, attributes['big'] AS big FROM spans");
      expect(rows).toEqual([{ start: "1714564800123456789", duration_ns: 1, big: "9007199254740993" }]);
    } finally {
      db.close();
    }
  });
});

describe("Jaeger JSON", () => {
  const jspan = (extra: string, id = S) =>
    `{"traceID":"${T}","spanID":"${id}","operationName":"op","startTime":1714564800000123,"duration":250,"processID":"p1"${extra}}`;
  const trace = (spans: string, processes = '{"p1":{"serviceName":"svc","tags":[{"key":"hostname","type":"string","value":"h1"}]}}') =>
    `{"traceID":"${T}","spans":[${spans}],"processes":${processes}}`;

  it('{"data":[…]}, a bare trace and an array of traces read the same; µs times', async () => {
    const t = trace(jspan(""));
    for (const doc of [`{"data":[${t}],"total":0}`, t, `[${t}]`]) {
      expect(read(readJaegerRecord, doc).spans).toEqual([{
        traceId: T, spanId: S, parentSpanId: null, name: "op", service: "svc", kind: "UNSPECIFIED", status: "UNSET",
        startNs: 1714564800000123000n, durationNs: 250000n, attributes: {}, resourceAttributes: { "service.name": "svc", hostname: "h1" }, traceState: null,
      }]);
    }
  });

  it("typed tags, with span.kind, otel.status_code and w3c.tracestate taken out", async () => {
    const tags = `,"tags":[{"key":"b","type":"bool","value":true},{"key":"i","type":"int64","value":9007199254740993},
      {"key":"f","type":"float64","value":0.25},{"key":"bin","type":"binary","value":"AQID"},{"key":"s","type":"string","value":"x"},
      {"key":"span.kind","type":"string","value":"client"},{"key":"otel.status_code","type":"string","value":"ERROR"},
      {"key":"w3c.tracestate","type":"string","value":"ot=th:c"}]`;
    expect(read(readJaegerRecord, trace(jspan(tags))).spans[0]).toMatchObject({
      kind: "CLIENT", status: "ERROR", traceState: "ot=th:c", attributes: { b: "true", i: "9007199254740993", f: "0.25", bin: "AQID", s: "x" },
    });
    // The older `error=true` tag also means ERROR (and stays an attribute).
    expect(read(readJaegerRecord, trace(jspan(',"tags":[{"key":"error","type":"bool","value":true}]'))).spans[0]).toMatchObject({ status: "ERROR", attributes: { error: "true" } });
  });

  it("parent: the first CHILD_OF, else FOLLOWS_FROM, else the legacy parentSpanID; ids in any case", async () => {
    const ref = (type: string, id: string) => `{"refType":"${type}","traceID":"${T}","spanID":"${id}"}`;
    const cases: [string, string | null][] = [
      [`,"references":[${ref("FOLLOWS_FROM", "000000000000000f")},${ref("CHILD_OF", "000000000000000C")}]`, "000000000000000c"],
      [`,"references":[${ref("FOLLOWS_FROM", "000000000000000f")}]`, "000000000000000f"],
      [',"references":[],"parentSpanID":"00000000000000AA"', "00000000000000aa"],
      [',"references":[]', null],
    ];
    for (const [extra, parent] of cases) expect(read(readJaegerRecord, trace(jspan(extra))).spans[0]!.parentSpanId, extra).toBe(parent);
    expect(read(readJaegerRecord, trace(jspan("", S.toUpperCase()))).spans[0]!.spanId).toBe(S);
  });

  it("service from an embedded process when there is no processes map", async () => {
    const t = `{"traceID":"${T}","spans":[${jspan(',"process":{"serviceName":"inline","tags":[]}').replace(',"processID":"p1"', "")}]}`;
    expect(read(readJaegerRecord, t).spans[0]).toMatchObject({ service: "inline", resourceAttributes: { "service.name": "inline" } });
  });

  it("a span without startTime is skipped and counted", async () => {
    const r = read(readJaegerRecord, trace(jspan("").replace('"startTime":1714564800000123,', "")));
    expect([r.spans.length, r.stats.skipped]).toEqual([0, 1]);
  });
});

describe("Zipkin v2 JSON", () => {
  const zspan = (id: string, extra = "") =>
    `{"traceId":"${T.toUpperCase()}","id":"${id}","name":"get","timestamp":1714564800000123,"duration":40,"localEndpoint":{"serviceName":"web"}${extra}}`;

  it("an array of spans and an array of traces; ids lowercased; µs times; tags", async () => {
    const one = `[${zspan("000000000000000A", ',"kind":"CLIENT","parentId":"000000000000000B","tags":{"http.method":"GET"}')}]`;
    for (const doc of [one, `[${one}]`]) {
      expect(read(readZipkinRecord, doc).spans).toEqual([{
        traceId: T, spanId: "000000000000000a", parentSpanId: "000000000000000b", name: "get", service: "web", kind: "CLIENT", status: "UNSET",
        startNs: 1714564800000123000n, durationNs: 40000n, attributes: { "http.method": "GET" }, resourceAttributes: { "service.name": "web" }, traceState: null,
      }]);
    }
  });

  it("status from otel.status_code or an error tag; 64-bit trace ids kept at 16 digits", async () => {
    const r = read(readZipkinRecord, `[${zspan("0000000000000001", ',"tags":{"otel.status_code":"ERROR"}')},${zspan("0000000000000002", ',"tags":{"error":""}')},` +
      `{"traceId":"19F84F102048E047","id":"0000000000000003","timestamp":1714564800000000,"kind":"SERVER"}]`);
    expect(r.spans.map((s) => [s.spanId, s.status, s.traceId, s.kind])).toEqual([
      ["0000000000000001", "ERROR", T, "UNSPECIFIED"], ["0000000000000002", "ERROR", T, "UNSPECIFIED"], ["0000000000000003", "UNSET", "19f84f102048e047", "SERVER"],
    ]);
    expect(r.spans[0]!.attributes).toEqual({});
    expect(r.spans[2]!.service).toBe("");
  });

  it("a span without a timestamp is skipped and counted, not a crash", async () => {
    const r = read(readZipkinRecord, `[${zspan("0000000000000001")},${zspan("0000000000000002").replace('"timestamp":1714564800000123,', "")}]`);
    expect([r.spans.length, r.stats.skipped]).toEqual([1, 1]);
    expect(r.stats.skippedExamples[0]).toMatch(/0000000000000002 has no timestamp/);
  });
});

describe("flat tables: times", () => {
  it("a timestamp without a zone is UTC whatever the machine's time zone; offsets are applied", async () => {
    const dir = mkdtempSync(join(tmpdir(), "adtrace-tz-"));
    const csv = join(dir, "naive.csv");
    writeFileSync(csv, [
      "trace_id,span_id,name,start_time,end_time",
      `${T},0000000000000001,naive,2024-05-01 12:00:00.5,2024-05-01 12:00:00.75`,
      `${T},0000000000000002,offset,2024-05-01T14:00:01+02:00,2024-05-01T12:00:02Z`,
    ].join("\n") + "\n");
    for (const tz of ["UTC", "America/New_York", "Asia/Tokyo"]) {
      // The machine's zone is the process's TZ, read as it starts: one child process per zone, both runs in it (test/helpers/runs.mjs).
      const [r, i] = adtraceRuns([
        { args: ["cost", "breakdown", csv, "--by", "name", "--format", "json"] },
        { args: ["inspect", csv, "--format", "json"] },
      ], { env: { TZ: tz } });
      expect(r!.code, r!.stderr).toBe(0);
      const out = JSON.parse(r!.stdout);
      expect(Object.fromEntries(out.groups.map((g: { name: string; p50_ms: number }) => [g.name, g.p50_ms])), tz).toEqual({ naive: 250, offset: 1000 });
      expect(i!.code, i!.stderr).toBe(0);
      const inspect = JSON.parse(i!.stdout);
      expect([inspect.start, inspect.end], tz).toEqual(["2024-05-01T12:00:00.500000Z", "2024-05-01T12:00:02.000000Z"]);
    }
  });
});

describe("JSON Lines or one document", () => {
  it("is told from the first line, or left open when the first line runs past the head", async () => {
    expect(jsonLinesFromHead('{"a":1}\n{"a":2}\n', true)).toBe(true);
    expect(jsonLinesFromHead('\ufeff{"a":1}\r\n[1]', true)).toBe(true);
    expect(jsonLinesFromHead('{"a":1}\n', true)).toBe(false);
    expect(jsonLinesFromHead('[\n {"traceId": "x"},\n {"traceId": "y"}\n]\n', true)).toBe(false); // pretty-printed
    expect(jsonLinesFromHead('{\n "data": [\n', false)).toBe(false);
    expect(jsonLinesFromHead('{"resourceSpans":[{"resource":', false)).toBeUndefined(); // a long first line
    // A whole first line and then only white space as far as the head goes: JSON Lines, which is
    // right whatever follows (more lines, or more white space, read at constant memory).
    expect(jsonLinesFromHead('{"a":1}\n', false)).toBe(true);
    expect(jsonLinesFromHead('{"a":1}\n\n   \n', false)).toBe(true);
    expect(jsonLinesFromHead('{"a":1}     ', false)).toBe(true);
  });

  const dir = mkdtempSync(join(tmpdir(), "adtrace-lines-"));
  const lines = readFileSync("fixtures/auction/otlp.jsonl", "utf8").trim().split("\n").map((l) => JSON.parse(l) as { resourceSpans: unknown[] });
  /** One OTLP request holding all 40 fixture events `copies` times over, each copy under new trace ids. */
  const bigRequest = (first: number, copies: number) => JSON.stringify({
    resourceSpans: Array.from({ length: copies }, (_, c) => lines.flatMap((l) => l.resourceSpans).map((rs) =>
      JSON.parse(JSON.stringify(rs).replace(/"traceId":"0{24}ad/g, `"traceId":"${(first + c).toString(16).padStart(24, "0")}ad`)))).flat(),
  });

  it("JSON Lines whose records are longer than the sniffed head (1 MiB), plain and gzipped", async () => {
    const text = [bigRequest(1, 8), bigRequest(9, 8), bigRequest(17, 8)].join("\n") + "\n";
    expect(text.indexOf("\n")).toBeGreaterThan(1 << 20);
    const path = join(dir, "big-lines.jsonl");
    writeFileSync(path, text);
    writeFileSync(path + ".gz", gzipSync(text));
    for (const p of [path, path + ".gz"]) {
      const r = await adtraceIn(["inspect", p, "--format", "json"]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ spans: 3 * 8 * 369, traces: 3 * 8 * 40, roots: 3 * 8 * 40, orphans: 0, skipped: 0 });
    }
  });

  it("one document on one long line is still one document", async () => {
    const path = join(dir, "one-line.json");
    writeFileSync(path, bigRequest(1, 8) + "\n");
    const r = await adtraceIn(["inspect", path, "--format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ spans: 8 * 369, traces: 8 * 40, skipped: 0 });
  });

  it("--input-format reads pretty-printed documents and JSON Lines alike", async () => {
    for (const [format, file] of [["otlp", "otlp.jsonl"], ["jaeger", "jaeger.json"], ["zipkin", "zipkin.json"]]) {
      const r = await adtraceIn(["inspect", "--input-format", format!, `fixtures/auction/${file}`, "--format", "json"]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout), format).toMatchObject({ spans: 369, traces: 40, skipped: 0 });
    }
  });
});

describe("the line of the first invalid UTF-8, streamed", () => {
  async function* chunks(bytes: Buffer, size: number) {
    for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
  }
  // Line 3 ends in a 3-byte character cut after 2 bytes; line 2 has a 4-byte lead followed by "A";
  // "ab\n" then a lone lead byte at the very end is line 2.
  const good = Buffer.from("a\nbé\n日本\n🚀x\n".repeat(3));
  const cutChar = Buffer.concat([Buffer.from("line1\nline2 é\nline3 "), Buffer.from([0xe6, 0x97]), Buffer.from("\nline4\n")]);
  const badLead = Buffer.concat([Buffer.from("l1\nl2 "), Buffer.from([0xf0, 0x9f, 0x41]), Buffer.from("\nl3\n")]);
  const endsMidChar = Buffer.from([0x61, 0x62, 0x0a, 0xe6]);

  it("is the same whatever the chunking, a bad sequence split across chunks included", async () => {
    for (const size of [1, 2, 3, 5, 7, 64]) {
      expect(await findInvalidUtf8Line(chunks(good, size)), `${size}`).toBeUndefined();
      expect(await findInvalidUtf8Line(chunks(cutChar, size)), `${size}`).toBe(3);
      expect(await findInvalidUtf8Line(chunks(badLead, size)), `${size}`).toBe(2);
      expect(await findInvalidUtf8Line(chunks(endsMidChar, size)), `${size}`).toBe(2);
    }
  });
});
