// Spans made by the real OpenTelemetry JS SDK, for the OTLP protobuf and collector tests: a
// tracer whose spans carry attributes of every OTLP value type, events, links, kinds and statuses,
// and the ground truth of what was made (ids, parents, attributes) straight from the SDK's spans.
import { context, SpanKind, SpanStatusCode, trace, type Span, type Tracer } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";

export interface MadeSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  attributes: Record<string, string>;
}

/** Attribute values as adtrace stores them (text; arrays as JSON). */
function asText(value: unknown): string {
  return typeof value === "string" ? value : JSON.stringify(value);
}

/**
 * Make `traces` traces of `perTrace` spans each (a root and a chain of children) with `tracer`.
 * Every span has a string, int, double, bool and array attribute, an event, and (after the
 * first) a link to the span before it. Returns what was made.
 */
export function makeSpans(tracer: Tracer, traces: number, perTrace: number): MadeSpan[] {
  const made: MadeSpan[] = [];
  let previous: Span | undefined;
  for (let t = 0; t < traces; t++) {
    let parent: Span | undefined;
    for (let i = 0; i < perTrace; i++) {
      const attributes = {
        "ad.slot": `slot-${t}-${i}`, "bid.count": i + 1, "cost.usd": 0.25 * (i + 1), "ad.won": i % 2 === 0, "ad.sizes": ["300x250", `${i}x${i}`], "bid.prices": [0.5, 1.25 + i],
      };
      const ctx = parent ? trace.setSpan(context.active(), parent) : context.active();
      const span = tracer.startSpan(`stage.${i}`, {
        kind: i === 0 ? SpanKind.SERVER : SpanKind.CLIENT,
        attributes,
        links: previous ? [{ context: previous.spanContext(), attributes: { "link.why": "batch" } }] : [],
        startTime: [1_714_564_800 + t, i * 1000],
      }, ctx);
      span.addEvent("bid.received", { "bid.price": 1.5 }, [1_714_564_800 + t, i * 1000 + 500]);
      if (i === perTrace - 1) span.setStatus({ code: SpanStatusCode.ERROR, message: "no fill" });
      span.end([1_714_564_800 + t, i * 1000 + 900_000]);
      const sc = span.spanContext();
      made.push({
        traceId: sc.traceId, spanId: sc.spanId, parentSpanId: parent ? parent.spanContext().spanId : null, name: `stage.${i}`,
        attributes: Object.fromEntries(Object.entries(attributes).map(([k, v]) => [k, asText(v)])),
      });
      previous = span;
      parent = span;
    }
  }
  return made;
}

/** The SDK's finished spans in the order they ended. */
export type Finished = ReadableSpan[];
