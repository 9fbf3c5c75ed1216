// Real exports written by other projects (fixtures/external/, see its README): exact span, trace,
// root and orphan counts, time ranges, parents, kinds and durations, worked out by reading the
// JSON (times converted to ISO by hand; the Zipkin shared-span ids by the rule in zipkin.ts).
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Db } from "../src/db/db.js";
import { loadInputs } from "../src/ingest/load.js";
import { adtrace } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";

const SAMPLES = new URL("../fixtures/external/", import.meta.url).pathname;

async function spansOf(file: string) {
  const db = await Db.open();
  try {
    const load = await loadInputs(db, { inputs: [file.startsWith("/") ? file : SAMPLES + file] });
    const rows = await db.all(`SELECT trace_id, span_id, parent_span_id, name, service, kind, status, CAST(start_ns AS VARCHAR) AS start_ns,
        duration_ns, attributes, resource_attributes FROM spans ORDER BY start_ns, span_id`);
    return { load, rows };
  } finally {
    db.close();
  }
}

async function inspect(file: string) {
  const r = await adtraceIn(["inspect", file.startsWith("/") ? file : SAMPLES + file, "--format", "json"]);
  expect(r.code, r.stderr).toBe(0);
  const { spans, traces, roots, orphans, services, names, duplicates, skipped, start, end } = JSON.parse(r.stdout);
  return { spans, traces, roots, orphans, services, names, duplicates, skipped, start, end };
}

/** span id → parent id (null for a root). */
const parents = (rows: Record<string, unknown>[]) => Object.fromEntries(rows.map((r) => [r.span_id, r.parent_span_id]));
const durationsUs = (rows: Record<string, unknown>[]) => Object.fromEntries(rows.map((r) => [r.span_id, Number(r.duration_ns) / 1000]));

describe("real exports (fixtures/external)", () => {
  it("opentelemetry-proto example: upper-case ids, times as JSON numbers, a parent outside the file", async () => {
    expect(await inspect("otlp-proto-example-trace.json")).toEqual({
      spans: 1, traces: 1, roots: 0, orphans: 1, services: 1, names: 1, duplicates: 0, skipped: 0,
      start: "2018-12-13T14:51:00.000000Z", end: "2018-12-13T14:51:01.000000Z",
    });
    const { rows } = await spansOf("otlp-proto-example-trace.json");
    expect(rows).toEqual([{
      trace_id: "5b8efff798038103d269b633813fc60c", span_id: "eee19b7ec3c1b174", parent_span_id: "eee19b7ec3c1b173",
      name: "I'm a server span", service: "my.service", kind: "SERVER", status: "UNSET",
      start_ns: "1544712660000000000", duration_ns: 1_000_000_000,
      attributes: { "my.span.attr": "some value" }, resource_attributes: { "service.name": "my.service" },
    }]);
  });

  it("Jaeger's OTLP example: five root spans of one trace over three resources, 100 µs each", async () => {
    expect(await inspect("otlp-jaeger-example_trace.json")).toEqual({
      spans: 5, traces: 1, roots: 5, orphans: 0, services: 3, names: 4, duplicates: 0, skipped: 0,
      start: "2017-01-26T16:46:31.639875Z", end: "2017-01-26T16:46:31.639975Z",
    });
    const { rows } = await spansOf("otlp-jaeger-example_trace.json");
    expect(rows.map((r) => [r.span_id, r.service, r.name, r.kind, r.parent_span_id, r.start_ns, r.duration_ns])).toEqual([
      ["0000000000000003", "example-service-1", "example-operation-1", "UNSPECIFIED", null, "1485449191639875000", 100_000],
      ["0000000000000004", "example-service-2", "example-operation-2", "UNSPECIFIED", null, "1485449191639875000", 100_000],
      ["0000000000000005", "example-service-3", "example-operation-1", "UNSPECIFIED", null, "1485449191639875000", 100_000],
      ["0000000000000006", "example-service-1", "example-operation-3", "SERVER", null, "1485449191639875000", 100_000],
      ["0000000000000007", "example-service-1", "example-operation-4", "CLIENT", null, "1485449191639875000", 100_000],
    ]);
    expect(new Set(rows.map((r) => r.trace_id))).toEqual(new Set(["00000000000000000000000000000011"]));
    expect(rows.every((r) => r.status === "UNSET")).toBe(true);
  });

  it("Jaeger UI JSON: the span listed twice is one span and one duplicate; parent from CHILD_OF, outside the file", async () => {
    expect(await inspect("jaeger-otlp2jaeger-out.json")).toEqual({
      spans: 1, traces: 1, roots: 0, orphans: 1, services: 1, names: 1, duplicates: 1, skipped: 0,
      start: "2024-01-31T05:28:29.209712Z", end: "2024-01-31T05:28:29.209835Z",
    });
    const { rows, load } = await spansOf("jaeger-otlp2jaeger-out.json");
    expect([load.spansRead, load.duplicates, load.conflicts]).toEqual([2, 1, 0]);
    expect(rows).toEqual([{
      trace_id: "83a9efd15c1c98a977e0711cc93ee28b", span_id: "e127af99e3b3e074", parent_span_id: "909541b92cf05311",
      name: "okey-dokey-0", service: "telemetrygen", kind: "SERVER", status: "UNSET",
      start_ns: "1706678909209712000", duration_ns: 123_000,
      attributes: { "otel.scope.name": "telemetrygen", "net.peer.ip": "1.2.3.4", "peer.service": "telemetrygen-client" },
      resource_attributes: { "service.name": "telemetrygen" },
    }]);
  });

  it("Jaeger's anonymizer: a bare array of spans over several lines, each with its own process; the same on one line", async () => {
    const expected = {
      spans: 2, traces: 1, roots: 0, orphans: 1, services: 2, names: 2, duplicates: 0, skipped: 0,
      // 1605223981761425 µs; the end is the first span's: 1605223981761425 + 267037 = 1605223982028462.
      start: "2020-11-12T23:33:01.761425Z", end: "2020-11-12T23:33:02.028462Z",
    };
    const rows = [
      {
        trace_id: "2be38093ead7a083", span_id: "7606ddfe69932d34", parent_span_id: "492770a15935810f",
        name: "a071653098f9250d", service: "16af988c443cff37", kind: "SERVER", status: "UNSET",
        start_ns: "1605223981761425000", duration_ns: 267_037_000,
        attributes: {}, resource_attributes: { "service.name": "16af988c443cff37" },
      },
      {
        trace_id: "2be38093ead7a083", span_id: "7bd66f09ba90ea3d", parent_span_id: "7606ddfe69932d34",
        name: "471418097747d04a", service: "3c220036602f839e", kind: "CLIENT", status: "ERROR",
        start_ns: "1605223981965074000", duration_ns: 32_782_000,
        attributes: { error: "true" }, resource_attributes: { "service.name": "3c220036602f839e" },
      },
    ];
    const file = "jaeger-anonymizer-trace_success.json";
    expect(await inspect(file)).toEqual(expected);
    expect((await spansOf(file)).rows).toEqual(rows);
    // The same spans with the line breaks taken out: one line, one document.
    const oneLine = join(mkdtempSync(join(tmpdir(), "adtrace-samples-")), "one-line.json");
    writeFileSync(oneLine, readFileSync(SAMPLES + file, "utf8").replace(/\n/g, ""));
    expect(await inspect(oneLine)).toEqual(expected);
    expect((await spansOf(oneLine)).rows).toEqual(rows);
  });

  it("Jaeger /api/v3: OTLP in {\"result\": …}, hex ids; its one span has no start time, so it is skipped and named, not loaded at 1970", async () => {
    const file = "jaeger-apiv3-GetTrace.json";
    // A record was skipped, so the file is not 'no spans found': it loads nothing and says why;
    // an analysis has nothing to analyse; --strict makes the skip fatal.
    const r = await adtraceIn(["inspect", SAMPLES + file, "--format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ spans: 0, skipped: 1, formats: [{ format: "otlp", files: 1, spans_read: 0, skipped: 1 }] });
    expect(r.stderr).toContain(`skipped: ${SAMPLES}${file}:record 1: span 0000000000000002 has no startTimeUnixNano\n`);
    expect((await adtraceIn(["cost", "breakdown", SAMPLES + file])).stderr).toMatch(/holds no spans: nothing to analyse/);
    const strict = await adtraceIn(["inspect", SAMPLES + file, "--strict"]);
    expect([strict.code, strict.stderr]).toEqual([2, `adtrace: error: ${SAMPLES}${file}:record 1: span 0000000000000002 has no startTimeUnixNano (--strict)\n`]);
    // Given the times it lacks, the span is read: hex ids, kind 2 (SERVER), status code 2 (ERROR).
    const timed = join(mkdtempSync(join(tmpdir(), "adtrace-samples-")), "apiv3-timed.json");
    writeFileSync(timed, readFileSync(SAMPLES + file, "utf8").replace('"kind": 2,', '"kind": 2, "startTimeUnixNano": "1700000000000000000", "endTimeUnixNano": "1700000000250000000",'));
    expect((await spansOf(timed)).rows).toEqual([{
      trace_id: "00000000000000000000000000000001", span_id: "0000000000000002", parent_span_id: null, name: "foobar", service: "",
      kind: "SERVER", status: "ERROR", start_ns: "1700000000000000000", duration_ns: 250_000_000, attributes: {}, resource_attributes: {},
    }]);
  });

  it("Zipkin simple-db: five spans of a 64-bit trace, one root and four database calls under it", async () => {
    expect(await inspect("zipkin-simple-db-p6.json")).toEqual({
      spans: 5, traces: 1, roots: 1, orphans: 0, services: 1, names: 3, duplicates: 0, skipped: 0,
      start: "2018-11-06T06:25:37.291342Z", end: "2018-11-06T06:25:37.543358Z",
    });
    const { rows } = await spansOf("zipkin-simple-db-p6.json");
    const root = "19f84f102048e047";
    expect(parents(rows)).toEqual({ [root]: null, "8b1e63c0f49a81f7": root, e4efd924fec0624c: root, "5d532ef6fed52445": root, "544e854ede87b217": root });
    expect(durationsUs(rows)).toEqual({ [root]: 252_016, "8b1e63c0f49a81f7": 6051, e4efd924fec0624c: 2414, "5d532ef6fed52445": 2033, "544e854ede87b217": 1118 });
    expect(rows.map((r) => r.kind)).toEqual(["SERVER", "CLIENT", "CLIENT", "CLIENT", "CLIENT"]);
    expect(rows.every((r) => r.trace_id === root && r.service === "bootifulmeters")).toBe(true);
    expect(rows.find((r) => r.span_id === "5d532ef6fed52445")!.attributes).toEqual({ "sql.query": "insert into revinfo (rev, revtstmp) values (null, 1541485537483)" });
    expect(rows[0]!.attributes).toMatchObject({ "http.method": "POST", "http.path": "/book" });
  });

  it("Zipkin yelp: 16 spans, three shared client/server pairs split, one root, no orphans", async () => {
    expect(await inspect("zipkin-yelp.json")).toEqual({
      spans: 16, traces: 1, roots: 1, orphans: 0, services: 6, names: 12, duplicates: 0, skipped: 0,
      start: "2019-10-24T05:52:55.237354Z", end: "2019-10-24T05:52:55.369202Z",
    });
    const { rows, load } = await spansOf("zipkin-yelp.json");
    expect([load.spansRead, load.duplicates]).toEqual([16, 0]);
    // The server half of a shared id gets the first 16 hex digits of sha256("trace:id:shared")
    // and becomes the client half's child; the spans of the server's own service that named the
    // shared id as parent move under it (those of other services stay under the client half).
    const apiProxy = "719c7e1f72e4a7b2"; // sha256("a03ee8fff1dcd9b9:668ed78ad94b35a1:shared")
    const mobileApi = "54d073bccaeed2b5"; // sha256("a03ee8fff1dcd9b9:f5f268651b2a2b34:shared")
    const spectre = "c07567f0b6c8deb0"; // sha256("a03ee8fff1dcd9b9:7a778764a0d0b594:shared")
    expect(parents(rows)).toEqual({
      "2e8cfb154b59a41f": null,
      "668ed78ad94b35a1": "2e8cfb154b59a41f", [apiProxy]: "668ed78ad94b35a1",
      "241cea1aa4cb2884": "668ed78ad94b35a1", e7d1a2d5a788ac81: "668ed78ad94b35a1",
      b593cd7513dc736e: "241cea1aa4cb2884", "2b68987704862c4f": "241cea1aa4cb2884", "0facde7c9130fd93": "241cea1aa4cb2884", "50b57281525a99d8": "241cea1aa4cb2884",
      f5f268651b2a2b34: "2e8cfb154b59a41f", [mobileApi]: "f5f268651b2a2b34",
      "15fc03927f0f68df": mobileApi, "7a778764a0d0b594": mobileApi, "6a65182ea4f684c3": mobileApi, cb4d73f31cd90cae: mobileApi,
      [spectre]: "7a778764a0d0b594",
    });
    expect(durationsUs(rows)).toEqual({
      "2e8cfb154b59a41f": 131_848, "668ed78ad94b35a1": 125_000, [apiProxy]: 88_935, "241cea1aa4cb2884": 3884, e7d1a2d5a788ac81: 993,
      b593cd7513dc736e: 445, "2b68987704862c4f": 1068, "0facde7c9130fd93": 233, "50b57281525a99d8": 374,
      f5f268651b2a2b34: 56_000, [mobileApi]: 41_740, "15fc03927f0f68df": 14_000, "7a778764a0d0b594": 3000, "6a65182ea4f684c3": 1026,
      cb4d73f31cd90cae: 1066, [spectre]: 1490,
    });
    const byId = Object.fromEntries(rows.map((r) => [r.span_id, r]));
    expect([byId[apiProxy]!.service, byId[apiProxy]!.kind, byId["668ed78ad94b35a1"]!.service, byId["668ed78ad94b35a1"]!.kind]).toEqual(["yelp_main/api_proxy", "SERVER", "unknown", "CLIENT"]);
    expect([byId[mobileApi]!.service, byId[spectre]!.service]).toEqual(["mobile_api", "spectre"]);
    expect(byId["241cea1aa4cb2884"]!.kind).toBe("UNSPECIFIED"); // no kind: a local span
    expect(rows.every((r) => r.trace_id === "a03ee8fff1dcd9b9" && r.status === "UNSET")).toBe(true);
  });
});
