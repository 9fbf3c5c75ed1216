// Property-based tests: for arbitrary input every JSON adapter either yields spans or raises
// the project's own errors (never another exception, never more spans than the input holds,
// never a time that does not fit the 64-bit columns), and the config parser either parses or
// raises InputError.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { InputError, UsageError } from "../src/errors.js";
import { WrongShape, type RecordContext } from "../src/ingest/adapter.js";
import { readOtlpRecord } from "../src/ingest/formats/otlp.js";
import { readJaegerRecord } from "../src/ingest/formats/jaeger.js";
import { readZipkinRecord } from "../src/ingest/formats/zipkin.js";
import { newStats, type SpanRecord } from "../src/ingest/span.js";
import { parseConfig } from "../src/model/config.js";
import { parseJson } from "../src/ingest/json-reader.js";
import { sniff } from "../src/ingest/sniff.js";

// Every property runs on a fixed seed, so a failure replays exactly (fast-check prints the seed and
// path on failure); FC_SEED=N explores other inputs.
const SEED = Number(process.env.FC_SEED ?? 20240501);

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** What every emitted span must satisfy, whatever the input: ids in shape, times that fit the BIGINT columns. */
function expectSane(spans: SpanRecord[]) {
  for (const s of spans) {
    expect(s.traceId).toMatch(/^[0-9a-f]{16}([0-9a-f]{16})?$/);
    expect(s.spanId).toMatch(/^[0-9a-f]{16}$/);
    expect(s.durationNs >= 0n).toBe(true);
    for (const ns of [s.startNs, s.durationNs, s.startNs + s.durationNs]) expect(ns >= INT64_MIN && ns <= INT64_MAX, String(ns)).toBe(true);
  }
}

function run(adapter: (r: unknown, c: RecordContext) => void, record: unknown): SpanRecord[] {
  const spans: SpanRecord[] = [];
  const ctx: RecordContext = { where: "fuzz", stats: newStats(), emit: (s) => spans.push(s), skip: () => undefined, element: () => ctx };
  try {
    adapter(record, ctx);
  } catch (error) {
    if (!(error instanceof WrongShape) && !(error instanceof InputError)) throw error;
  }
  return spans;
}

/** How many objects in a value could be spans at most: every object counts. */
function objectCount(value: unknown): number {
  if (Array.isArray(value)) return value.reduce((n: number, v) => n + objectCount(v), 0);
  if (value && typeof value === "object") return 1 + Object.values(value).reduce((n: number, v) => n + objectCount(v), 0);
  return 0;
}

const hexId = (n: number) => fc.stringMatching(new RegExp(`^[0-9a-fA-F]{${n}}$`));
const anyish = fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.boolean(), fc.double(), hexId(16), hexId(32));
// Times of every magnitude: relative, s, ms, µs, ns epochs, and past 64 bits in any unit.
const times = fc.oneof(fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map(String), fc.bigInt({ min: 0n, max: 10n ** 20n }).map(Number), fc.integer({ min: 0, max: 10 ** 9 }));
const otlpSpan = fc.record({
  traceId: fc.oneof(hexId(32), anyish), spanId: fc.oneof(hexId(16), anyish), parentSpanId: fc.option(anyish),
  name: anyish, kind: anyish, startTimeUnixNano: fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 63n }).map(String), times, anyish),
  endTimeUnixNano: fc.oneof(fc.bigInt({ min: 0n, max: 2n ** 63n }).map(String), times, anyish),
  attributes: fc.array(fc.record({ key: anyish, value: fc.oneof(fc.record({ stringValue: anyish }), fc.record({ intValue: anyish }), fc.record({ kvlistValue: fc.anything() }), fc.anything()) })),
  status: fc.oneof(fc.record({ code: anyish }), anyish),
}, { requiredKeys: [] });
const otlpDoc = fc.record({
  resourceSpans: fc.array(fc.record({
    resource: fc.oneof(fc.record({ attributes: fc.anything() }), anyish),
    scopeSpans: fc.oneof(fc.array(fc.record({ spans: fc.oneof(fc.array(otlpSpan), anyish) })), anyish),
  }, { requiredKeys: [] })),
});

describe("fuzzing the JSON adapters", () => {
  it("OTLP: spans or a project error, never more spans than objects", () => {
    fc.assert(fc.property(fc.oneof(otlpDoc, fc.anything()), (doc) => {
      const spans = run(readOtlpRecord, doc);
      expect(spans.length).toBeLessThanOrEqual(objectCount(doc));
      expectSane(spans);
    }), { numRuns: 300, seed: SEED + 1 });
  });

  it("Jaeger: spans or a project error", () => {
    const jaegerSpan = fc.record({ traceID: fc.oneof(hexId(32), anyish), spanID: fc.oneof(hexId(16), anyish), operationName: anyish,
      startTime: fc.oneof(fc.integer({ min: 0 }), times, anyish), duration: fc.oneof(times, anyish), references: fc.anything(), tags: fc.anything(), processID: anyish }, { requiredKeys: [] });
    const doc = fc.record({ data: fc.array(fc.record({ traceID: anyish, spans: fc.array(jaegerSpan), processes: fc.anything() }, { requiredKeys: [] })) });
    fc.assert(fc.property(fc.oneof(doc, fc.anything()), (record) => {
      const spans = run(readJaegerRecord, record);
      expect(spans.length).toBeLessThanOrEqual(objectCount(record));
      expectSane(spans);
    }), { numRuns: 300, seed: SEED + 2 });
  });

  it("Zipkin: spans or a project error", () => {
    const zipkinSpan = fc.record({ traceId: fc.oneof(hexId(16), anyish), id: fc.oneof(hexId(16), anyish), parentId: anyish, name: anyish,
      timestamp: fc.oneof(fc.integer({ min: 0 }), times, anyish), duration: fc.oneof(times, anyish), shared: fc.boolean(), localEndpoint: fc.anything(), tags: fc.anything() }, { requiredKeys: [] });
    fc.assert(fc.property(fc.oneof(fc.array(zipkinSpan), fc.array(fc.array(zipkinSpan)), fc.anything()), (record) => {
      const spans = run(readZipkinRecord, record);
      expect(spans.length).toBeLessThanOrEqual(objectCount(record));
      expectSane(spans);
    }), { numRuns: 300, seed: SEED + 3 });
  });

  it("raw text: JSON parse, sniff and adapters never throw anything else", () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.json()), (text) => {
      sniff(Buffer.from(text));
      let record: unknown;
      try {
        record = parseJson(text, "fuzz");
      } catch (error) {
        expect(error).toBeInstanceOf(InputError);
        return;
      }
      for (const adapter of [readOtlpRecord, readJaegerRecord, readZipkinRecord]) run(adapter, record);
    }), { numRuns: 500, seed: SEED + 4 });
  });
});

describe("fuzzing the config parser", () => {
  it("parses or raises InputError naming the file and line", () => {
    const keys = fc.constantFrom("events_per_day", "cost_attributes", "stages", "prices", "warehouses", "flags", "cache", "preaggregate", "sampling", "bogus");
    const yamlish = fc.oneof(
      fc.string(),
      fc.dictionary(keys, fc.jsonValue()).map((o) => JSON.stringify(o)),
    );
    fc.assert(fc.property(yamlish, (text) => {
      try {
        parseConfig(text, "fuzz.yaml");
      } catch (error) {
        if (!(error instanceof InputError) && !(error instanceof UsageError)) throw error;
        expect((error as Error).message).toMatch(/^fuzz\.yaml(:\d+)?: /);
      }
    }), { numRuns: 500, seed: SEED + 5 });
  });
});
