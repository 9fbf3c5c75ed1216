// The input format registry (issue 15, src/ingest/formats/index.ts): the README's table of what
// `adtrace load` reads lists the registry's formats, in its order; every entry sniffs its own
// fixture as itself (the bundled auction files, spans the OpenTelemetry SDK serialised to
// protobuf, hand-written NDJSON); and the messages for input of no format list every format.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { FIXTURE } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";
import { makeSpans } from "./helpers/sdk-spans.js";
import { INPUT_FORMAT_LIST } from "../src/ingest/formats/index.js";
import { INPUT_FORMATS, type InputFormatName } from "../src/ingest/formats/names.js";
import { sniff } from "../src/ingest/sniff.js";

const dir = mkdtempSync(join(tmpdir(), "adtrace-registry-"));

/** OTLP protobuf as the OpenTelemetry JS SDK's own serialiser writes it (shares no code with adtrace). */
async function sdkProtobuf(): Promise<Buffer> {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ "service.name": "bidder" }),
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  makeSpans(provider.getTracer("adtrace-test"), 2, 3);
  await provider.forceFlush();
  const bytes = Buffer.from(ProtobufTraceSerializer.serializeRequest(exporter.getFinishedSpans())!);
  await provider.shutdown();
  return bytes;
}

/** A fixture of every format (typed by the names: a format without one does not compile). */
const FIXTURES: Record<InputFormatName, () => Buffer | Promise<Buffer>> = {
  otlp: () => readFileSync(join(FIXTURE, "otlp.jsonl")),
  "otlp-proto": sdkProtobuf,
  jaeger: () => readFileSync(join(FIXTURE, "jaeger.json")),
  zipkin: () => readFileSync(join(FIXTURE, "zipkin.json")),
  parquet: () => readFileSync(join(FIXTURE, "spans.parquet")),
  csv: () => readFileSync(join(FIXTURE, "spans.csv")),
  ndjson: () =>
    Buffer.from(
      '{"trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331","name":"bid","service":"bidder","start_ns":1714564801500000000,"duration_ns":2000000}\n' +
        '{"trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"00f067aa0ba902b7","parent_span_id":"b7ad6b7169203331","name":"score","start_ns":1714564801500100000,"duration_ns":500000}\n',
    ),
};

/** The formats named in the first column of the README's table under `adtrace load`, in order. */
function readmeFormats(): string[] {
  const lines = readFileSync("README.md", "utf8").split("\n");
  const header = lines.findIndex((l) => l.startsWith("| format (`--input-format`) |"));
  expect(header, "the README's table of input formats").toBeGreaterThan(0);
  const names: string[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith("|")) break;
    const cell = line.split("|")[1]!;
    for (const [, name] of cell.matchAll(/`([^`]+)`/g)) names.push(name!);
  }
  return names;
}

describe("input format registry", () => {
  it("holds every --input-format name once, in the names' order", () => {
    expect(INPUT_FORMAT_LIST.map((f) => f.name)).toEqual([...INPUT_FORMATS]);
  });

  it("is the README's list of input formats", () => {
    expect(readmeFormats()).toEqual(INPUT_FORMAT_LIST.map((f) => f.name));
  });

  it.each(INPUT_FORMAT_LIST.map((f) => [f.name]))("%s sniffs its own fixture as itself", async (name) => {
    const bytes = await FIXTURES[name as InputFormatName]();
    expect(bytes.length).toBeGreaterThan(0);
    expect(sniff(bytes.subarray(0, 1 << 20), bytes.length <= 1 << 20)?.format).toBe(name);
  });

  it("an input of no format is told what is read: every format's words (and every JSON format's shapes for JSON)", async () => {
    const text = join(dir, "notes.txt");
    writeFileSync(text, "hello world\n");
    const unknown = await adtraceIn(["inspect", text]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr.split("\n")).toHaveLength(2);
    for (const format of INPUT_FORMAT_LIST) expect(unknown.stderr).toContain(format.words);
    const json = join(dir, "shape.json");
    writeFileSync(json, '{"hello": [1, 2, 3]}');
    const shape = await adtraceIn(["inspect", json]);
    expect(shape.code).toBe(2);
    for (const format of INPUT_FORMAT_LIST) if (format.read.kind === "json") expect(shape.stderr).toContain(format.read.shapes);
  });
});
