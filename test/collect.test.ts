// adtrace collect (issue 22), the built CLI as a child process on a loopback port:
// - the real OpenTelemetry SDK sends spans with attributes, events and links through its
//   OTLP/HTTP JSON exporter and, separately, its protobuf exporter (gzip): `inspect` then shows
//   exactly the spans made, and the stored ids, parents and attributes are the SDK's own;
// - the protocol: 404, 405, 415, 400 with a Status, 413, 401, partial_success, replies in the
//   request's encoding (decoded by the OpenTelemetry JS project's own response decoder), 503 with
//   Retry-After while the queue is full, SIGTERM commits what was accepted and exits 0, an
//   acknowledged span survives SIGKILL, a non-loopback address needs a token.
import { mkdtempSync, readFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { OTLPTraceExporter as JsonExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as ProtoExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { ROOT } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";
import { post, startCollector } from "./helpers/collector.js";
import { makeSpans } from "./helpers/sdk-spans.js";
import { Db } from "../src/db/db.js";

const dir = mkdtempSync(join(tmpdir(), "adtrace-collect-"));
const JSON_TYPE = { "Content-Type": "application/json" };
const PROTO_TYPE = { "Content-Type": "application/x-protobuf" };

/** Stored spans as the test compares them: id → parent, trace, name, attributes (text map). */
async function stored(db: string) {
  const handle = await Db.open({ path: db, readOnly: true });
  try {
    const rows = await handle.all(`SELECT trace_id, span_id, parent_span_id, name, service,
      CAST(to_json(attributes) AS VARCHAR) AS attributes FROM spans ORDER BY span_id`);
    return new Map(rows.map((r) => [String(r.span_id), {
      trace_id: r.trace_id, parent_span_id: r.parent_span_id, name: r.name, service: r.service,
      attributes: JSON.parse(String(r.attributes)) as Record<string, string>,
    }]));
  } finally {
    handle.close();
  }
}

/** The stored spans, by `inspect` in-process (the collector has stopped: its process is the claim, not this read's). */
async function inspect(db: string) {
  const r = await adtraceIn(["inspect", "--db", db, "--format", "json"]);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { spans: number; traces: number; roots: number; orphans: number };
}

/** One OTLP JSON request of `ids` spans (span ids given as numbers), trace `trace`. */
function jsonRequest(trace: number, ids: number[], extra: object[] = []): string {
  const spans = ids.map((id) => ({
    traceId: trace.toString(16).padStart(32, "0"), spanId: id.toString(16).padStart(16, "0"), name: "bid", kind: 2,
    startTimeUnixNano: "1714564800000000000", endTimeUnixNano: "1714564800001000000", attributes: [{ key: "n", value: { intValue: String(id) } }],
  }));
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: "service.name", value: { stringValue: "bidder" } }] }, scopeSpans: [{ spans: [...spans, ...extra] }] }] });
}

describe("adtrace collect with the real OpenTelemetry SDK", () => {
  for (const kind of ["http-json", "http-protobuf-gzip"] as const) {
    it(`stores exactly the spans the SDK sent (${kind}), with their parents and attributes`, async () => {
      const db = join(dir, `${kind}.duckdb`);
      const collector = await startCollector(["--db", db, "--flush-every", "200ms"]);
      const exporter = kind === "http-json"
        ? new JsonExporter({ url: collector.url })
        : new ProtoExporter({ url: collector.url, compression: "gzip" as never });
      const provider = new NodeTracerProvider({
        resource: resourceFromAttributes({ "service.name": "bidder" }),
        spanProcessors: [new BatchSpanProcessor(exporter, { maxExportBatchSize: 30, scheduledDelayMillis: 50 })],
      });
      const made = makeSpans(provider.getTracer("adtrace-test"), 20, 5);
      await provider.forceFlush();
      await provider.shutdown();
      const run = await collector.stop("SIGTERM");
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toContain(`${made.length},${made.length},0,0,0,0`); // requests…: received, added, duplicates, rejected, throttled
      const summary = await inspect(db);
      expect(summary.spans).toBe(made.length);
      expect(summary.traces).toBe(20);
      expect(summary.roots).toBe(20);
      expect(summary.orphans).toBe(0);
      const rows = await stored(db);
      expect(rows.size).toBe(made.length);
      for (const span of made) {
        const row = rows.get(span.spanId)!;
        expect(row, span.spanId).toBeDefined();
        expect(row.trace_id).toBe(span.traceId);
        expect(row.parent_span_id).toBe(span.parentSpanId);
        expect(row.name).toBe(span.name);
        expect(row.service).toBe("bidder");
        expect(row.attributes).toEqual(span.attributes);
      }
    });
  }
});

describe("adtrace collect: the OTLP/HTTP protocol", () => {
  it("refuses what is not an OTLP traces request, in the request's encoding, and replies partial_success", async () => {
    const db = join(dir, "protocol.duckdb");
    const collector = await startCollector(["--db", db, "--flush-every", "100ms", "--max-body", "4KiB"]);
    const base = collector.url.replace("/v1/traces", "");
    try {
      expect((await post(`${base}/v1/metrics`, "{}", JSON_TYPE)).status).toBe(404);
      const get = await fetch(collector.url);
      expect(get.status).toBe(405);
      expect(get.headers.get("allow")).toBe("POST");
      expect((await post(collector.url, "{}", { "Content-Type": "text/plain" })).status).toBe(415);
      const badJson = await post(collector.url, "{not json", JSON_TYPE);
      expect(badJson.status).toBe(400);
      expect(JSON.parse(badJson.body.toString())).toMatchObject({ code: 3, message: expect.stringContaining("not valid JSON") });
      // A malformed protobuf body: 400, the Status in protobuf (code 3 in field 1, the message in field 2).
      const badProto = await post(collector.url, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0x0f, 0x01]), PROTO_TYPE);
      expect(badProto.status).toBe(400);
      expect(badProto.headers.get("content-type")).toBe("application/x-protobuf");
      expect(badProto.body[0]).toBe(0x08);
      expect(badProto.body[1]).toBe(3);
      expect((await post(collector.url, "x".repeat(5000), JSON_TYPE)).status).toBe(413);
      // Within --max-body on the wire, past it once unpacked: 413 too.
      expect((await post(collector.url, gzipSync(Buffer.from(jsonRequest(1, [1]).padEnd(6000, " "))), { ...JSON_TYPE, "Content-Encoding": "gzip" })).status).toBe(413);
      // One good span and one without a span id: 200, one rejected, one stored.
      const partial = await post(collector.url, jsonRequest(1, [1], [{ traceId: "01".padStart(32, "0"), name: "broken", startTimeUnixNano: "1" }]), JSON_TYPE);
      expect(partial.status).toBe(200);
      expect(JSON.parse(partial.body.toString()).partialSuccess).toMatchObject({ rejectedSpans: "1", errorMessage: expect.stringContaining("spanId") });
      // A protobuf request gets a protobuf reply, read by the OpenTelemetry JS project's own decoder.
      const good = await post(collector.url, gzipSync(protoRequest()), { ...PROTO_TYPE, "Content-Encoding": "gzip" });
      expect(good.status).toBe(200);
      expect(good.headers.get("content-type")).toBe("application/x-protobuf");
      expect(ProtobufTraceSerializer.deserializeResponse(good.body).partialSuccess ?? {}).toEqual({});
    } finally {
      const run = await collector.stop("SIGINT");
      expect(run.code, run.stderr).toBe(0);
    }
    expect((await inspect(db)).spans).toBe(2);
  });

  it("answers 503 with Retry-After while the queue is full, and SIGTERM commits what was accepted", async () => {
    const db = join(dir, "queue.duckdb");
    const collector = await startCollector(["--db", db, "--flush-every", "60s", "--flush-spans", "1000", "--max-queue-spans", "5"]);
    // Accepted requests wait for a commit that only the stop brings; once 5 spans wait, 503.
    const sent: { ids: number[]; reply: Promise<Awaited<ReturnType<typeof post>>> }[] = [];
    const send = (ids: number[]) => {
      const reply = post(collector.url, jsonRequest(7, ids), JSON_TYPE);
      sent.push({ ids, reply });
      return reply;
    };
    void send([1, 2, 3, 4, 5, 6]);
    let refused: Awaited<ReturnType<typeof post>> | undefined;
    for (let id = 10; !refused && id < 30; id++) {
      const reply = await Promise.race([send([id]), new Promise<undefined>((r) => setTimeout(() => r(undefined), 200))]);
      if (reply?.status === 503) refused = reply;
    }
    expect(refused?.headers.get("retry-after")).toBe("1");
    const run = await collector.stop("SIGTERM");
    expect(run.code, run.stderr).toBe(0);
    const replies = await Promise.all(sent.map(async (s) => ({ ids: s.ids, status: (await s.reply).status })));
    expect(replies.every((r) => r.status === 200 || r.status === 503)).toBe(true);
    const accepted = replies.filter((r) => r.status === 200).flatMap((r) => r.ids).sort((a, b) => a - b);
    expect(accepted.length).toBeGreaterThan(0);
    const rows = await stored(db);
    expect([...rows.keys()].map((id) => parseInt(id, 16)).sort((a, b) => a - b)).toEqual(accepted);
  });

  it("an acknowledged span is stored even when the receiver is killed with SIGKILL right after", async () => {
    const db = join(dir, "kill.duckdb");
    const collector = await startCollector(["--db", db, "--flush-every", "50ms"]);
    const reply = await post(collector.url, jsonRequest(9, [1, 2, 3]), JSON_TYPE);
    expect(reply.status).toBe(200);
    const run = await collector.stop("SIGKILL");
    expect(run.signal).toBe("SIGKILL");
    expect((await inspect(db)).spans).toBe(3);
  });

  it("needs the bearer token it was given, and a token or --insecure-no-auth off loopback", async () => {
    const db = join(dir, "token.duckdb");
    const collector = await startCollector(["--db", db, "--flush-every", "50ms", "--token", "s3cret"]);
    try {
      expect((await post(collector.url, jsonRequest(3, [1]), JSON_TYPE)).status).toBe(401);
      expect((await post(collector.url, jsonRequest(3, [1]), { ...JSON_TYPE, Authorization: "Bearer wrong" })).status).toBe(401);
      expect((await post(collector.url, jsonRequest(3, [1]), { ...JSON_TYPE, Authorization: "Bearer s3cret" })).status).toBe(200);
    } finally {
      expect((await collector.stop()).code).toBe(0);
    }
    const open = await adtraceIn(["collect", "--listen", "0.0.0.0:0", "--db", join(dir, "open.duckdb")]);
    expect(open.code).toBe(2);
    expect(open.stderr).toMatch(/not a loopback address: give --token/);
  });
});

describe("adtrace collect over HTTPS", () => {
  it("serves --tls-cert/--tls-key: a client trusting the certificate stores its spans", async () => {
    const db = join(dir, "tls.duckdb");
    const tls = join(ROOT, "fixtures/tls");
    const collector = await startCollector(["--db", db, "--flush-every", "50ms", "--tls-cert", join(tls, "cert.pem"), "--tls-key", join(tls, "key.pem")]);
    expect(collector.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/v1\/traces$/);
    const body = jsonRequest(5, [1, 2]);
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest(collector.url, { method: "POST", ca: readFileSync(join(tls, "cert.pem")), headers: { ...JSON_TYPE, "Content-Length": Buffer.byteLength(body) } }, (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      });
      req.on("error", reject);
      req.end(body);
    });
    expect(status).toBe(200);
    expect((await collector.stop()).code).toBe(0);
    expect((await inspect(db)).spans).toBe(2);
  });
});

/** A small protobuf request made by the OpenTelemetry JS serialiser from one SDK span. */
function protoRequest(): Uint8Array {
  const provider = new NodeTracerProvider({ resource: resourceFromAttributes({ "service.name": "bidder" }) });
  const span = provider.getTracer("t").startSpan("one", { startTime: [1_714_564_800, 0] });
  span.end([1_714_564_801, 0]);
  return ProtobufTraceSerializer.serializeRequest([span as never])!;
}
