// OTLP protobuf files (issue 22): spans made by the real OpenTelemetry SDK, serialised by the
// OpenTelemetry JS project's own protobuf and JSON serialisers (otlp-transformer, which shares no
// code with adtrace's decoder), load to exactly the rows their OTLP JSON gives and to the ids,
// parents and attributes the SDK made; as one message (.binpb, gzip), as the Collector file
// exporter's length-prefixed messages, under any name, inline and through the parse workers.
// Broken files are one-line errors with exit 2.
import { mkdtempSync, writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { beforeAll, describe, expect, it } from "vitest";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { adtrace } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";
import { makeSpans, type MadeSpan } from "./helpers/sdk-spans.js";
import { Db, type Row } from "../src/db/db.js";
import { sniffOtlpProtobuf } from "../src/ingest/formats/otlp-proto.js";

const dir = mkdtempSync(join(tmpdir(), "adtrace-otlp-proto-"));
const TRACES = 12;
const PER_TRACE = 5;
let made: MadeSpan[];
let finished: ReadableSpan[];

/** The Collector file exporter's framing: each message preceded by its length, 4 bytes big-endian. */
function framed(messages: Uint8Array[]): Buffer {
  return Buffer.concat(messages.flatMap((m) => {
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32BE(m.length);
    return [prefix, Buffer.from(m)];
  }));
}

beforeAll(async () => {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": "bidder", "deployment.environment": "test" }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  made = makeSpans(provider.getTracer("adtrace-test"), TRACES, PER_TRACE);
  await provider.forceFlush();
  finished = exporter.getFinishedSpans();
  const batches = [finished.slice(0, 20), finished.slice(20, 41), finished.slice(41)];
  const proto = batches.map((b) => ProtobufTraceSerializer.serializeRequest(b)!);
  const json = batches.map((b) => Buffer.from(JsonTraceSerializer.serializeRequest(b)!).toString("utf8"));
  writeFileSync(join(dir, "spans.jsonl"), json.map((j) => j.replace(/\n/g, "") + "\n").join(""));
  writeFileSync(join(dir, "all.binpb"), ProtobufTraceSerializer.serializeRequest(finished)!);
  writeFileSync(join(dir, "all.pb.gz"), gzipSync(ProtobufTraceSerializer.serializeRequest(finished)!));
  // No telling extension: found from the content.
  writeFileSync(join(dir, "collector-output"), framed(proto));
  const whole = framed(proto);
  writeFileSync(join(dir, "truncated-output"), whole.subarray(0, whole.length - 7));
  await provider.shutdown();
});

async function rows(input: string, env?: NodeJS.ProcessEnv): Promise<Row[]> {
  const out = join(dir, `${input.replace(/\W/g, "_")}-${env ? "w" : "i"}.parquet`);
  const r = env ? adtrace(["export", join(dir, input), "--out", out, "-q"], { env }) : await adtraceIn(["export", join(dir, input), "--out", out, "-q"]);
  expect(r.code, r.stderr).toBe(0);
  const db = await Db.open();
  try {
    // Maps as JSON text with sorted keys, comparable as plain values.
    return await db.all(`SELECT * EXCLUDE (source) REPLACE (CAST(to_json(map_from_entries(list_sort(map_entries(attributes)))) AS VARCHAR) AS attributes,
        CAST(to_json(map_from_entries(list_sort(map_entries(resource_attributes)))) AS VARCHAR) AS resource_attributes)
      FROM read_parquet($out) ORDER BY trace_id, span_id`, { out });
  } finally {
    db.close();
  }
}

describe("OTLP protobuf files", () => {
  it("hold the spans the SDK made: ids, parents, names and attributes", async () => {
    const got = await rows("all.binpb");
    expect(got.length).toBe(TRACES * PER_TRACE);
    const byId = new Map(got.map((r) => [String(r.span_id), r]));
    for (const span of made) {
      const row = byId.get(span.spanId)!;
      expect(row, span.spanId).toBeDefined();
      expect(row.trace_id).toBe(span.traceId);
      expect(row.parent_span_id).toBe(span.parentSpanId);
      expect(row.name).toBe(span.name);
      expect(row.service).toBe("bidder");
      expect(JSON.parse(String(row.attributes))).toEqual(span.attributes);
      expect(Number(row.duration_ns)).toBe(900_000);
    }
    expect(got.filter((r) => r.status === "ERROR").length).toBe(TRACES);
    expect(got.filter((r) => r.kind === "SERVER").length).toBe(TRACES);
  });

  it("load to the same rows as the same spans in OTLP JSON Lines, framed or not, gzipped or not", async () => {
    const json = await rows("spans.jsonl");
    expect(json.length).toBe(TRACES * PER_TRACE);
    expect(await rows("all.binpb")).toEqual(json);
    expect(await rows("all.pb.gz")).toEqual(json);
    expect(await rows("collector-output")).toEqual(json);
  });

  it("read the same through the parse workers (the built CLI)", async () => {
    expect(await rows("collector-output", { ADTRACE_WORKERS: "2" })).toEqual(await rows("spans.jsonl"));
  });

  it("are recognised by content, not by name, and say which format they were read as", async () => {
    const r = await adtraceIn(["load", join(dir, "collector-output"), "--db", join(dir, "sniff.duckdb"), "--format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).files[0].format).toBe("otlp-proto");
  });

  it("a truncated file is one line naming the file and the message, exit 2", () => {
    const r = adtrace(["inspect", join(dir, "truncated-output")]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/truncated-output:byte \d+: .*message 3.*truncated/);
  });
});

describe("broken OTLP protobuf", () => {
  /** Two requests' bytes back to back (two resource_spans entries), the second entry's first tag made invalid. */
  function corrupt(): Buffer {
    const one = Buffer.from(ProtobufTraceSerializer.serializeRequest(finished.slice(0, 5))!);
    const two = Buffer.from(ProtobufTraceSerializer.serializeRequest(finished.slice(5, 10))!);
    let at = 1; // past the tag of two's only field; then its length varint
    while (two[at]! & 0x80) at++;
    two[at + 1] = 0xff; // wire type 7: no such thing
    return Buffer.concat([one, two]);
  }

  it("is named as such (exit 2), and --input-format otlp-proto loads the good entries and counts the bad", async () => {
    writeFileSync(join(dir, "broken.binpb"), corrupt());
    const refused = await adtraceIn(["load", join(dir, "broken.binpb"), "--db", join(dir, "broken.duckdb")]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/broken\.binpb: starts like OTLP protobuf but is not well formed/);
    const read = await adtraceIn(["load", join(dir, "broken.binpb"), "--db", join(dir, "broken.duckdb"), "--input-format", "otlp-proto", "--format", "json"]);
    expect(read.code, read.stderr).toBe(0);
    expect(JSON.parse(read.stdout).files[0]).toMatchObject({ spans_read: 5, skipped: 1 });
    expect(read.stderr).toMatch(/broken\.binpb:record 2: not an OTLP ResourceSpans message/);
  });

  it("zstd-compressed Collector output is named, not called binary data", async () => {
    writeFileSync(join(dir, "zstd-output"), Buffer.from([0, 0, 0, 9, 0x28, 0xb5, 0x2f, 0xfd, 1, 2, 3, 4, 5]));
    const r = await adtraceIn(["load", join(dir, "zstd-output"), "--db", join(dir, "zstd.duckdb")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/zstd frames .* compression: zstd/);
  });
});

describe("sniffing OTLP protobuf", () => {
  it("takes real messages, framed and not, and nothing that is text or random bytes", () => {
    const bytes = ProtobufTraceSerializer.serializeRequest(finished.slice(0, 3))!;
    expect(sniffOtlpProtobuf(bytes, true)).toBe("plain");
    expect(sniffOtlpProtobuf(framed([bytes, bytes]), true)).toBe("length-prefixed");
    // Cut short in the middle: still OTLP as far as it goes (a head of a larger file).
    expect(sniffOtlpProtobuf(bytes.subarray(0, 120), false)).toBe("plain");
    expect(sniffOtlpProtobuf(Buffer.from('\n{"resourceSpans":[]}\n'), true)).toBeUndefined();
    expect(sniffOtlpProtobuf(Buffer.from("\ntrace_id,span_id\n1,2\n"), true)).toBeUndefined();
    let seed = 7;
    const random = Buffer.alloc(4096, 0).map(() => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) >> 16);
    random[0] = 0x0a;
    expect(sniffOtlpProtobuf(random, false)).toBeUndefined();
    random[0] = 0;
    expect(sniffOtlpProtobuf(random, false)).toBeUndefined();
  });
});
