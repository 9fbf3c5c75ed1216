// Jaeger JSON as the query service returns it: `{"data":[trace…]}` (UI download,
// /api/traces/{id}), a bare trace `{"traceID","spans","processes"}`, or an array of traces; and
// as Jaeger's anonymizer writes it: an array of spans, each with its own `process`.
// Times are microseconds. The parent is the first CHILD_OF reference (else FOLLOWS_FROM, else
// the legacy parentSpanID); the service comes from `processes[processID]` or an embedded
// `process`. The tags `span.kind`, `otel.status_code` and `w3c.tracestate` become the canonical
// kind, status and trace_state instead of attributes.
import { asArray, field, isObject, jsonKind, listField, WrongShape, type RecordContext } from "../adapter.js";
import { normalizeId, normalizeKind, normalizeStatus, SPAN_ID_LENGTHS, spanTimes, toBigInt, TRACE_ID_LENGTHS, attributeText, warnTimes } from "../span.js";
import type { InputFormat } from "./format.js";

export function isJaegerTrace(value: unknown): boolean {
  return isObject(value) && Array.isArray(value.spans) && ("traceID" in value || "processes" in value);
}

/** One span as Jaeger writes it (`traceID`, `spanID`, `operationName`), not a Zipkin or OTLP span. */
export function isJaegerSpan(value: unknown): boolean {
  return isObject(value) && typeof value.traceID === "string" && typeof value.spanID === "string" && ("operationName" in value || "startTime" in value);
}

export function isJaegerRecord(record: unknown): boolean {
  if (isObject(record) && Array.isArray(record.data)) return record.data.length === 0 || isJaegerTrace(record.data[0]);
  if (Array.isArray(record)) return record.length > 0 && (isJaegerTrace(record[0]) || isJaegerSpan(record[0]));
  return isJaegerTrace(record);
}

export function readJaegerRecord(record: unknown, ctx: RecordContext): void {
  if (isObject(record) && Array.isArray(record.data)) {
    record.data.forEach((trace, i) => readJaegerTrace(trace, ctx.element(i)));
  } else if (Array.isArray(record)) {
    record.forEach((item, i) => readJaegerArrayItem(item, ctx.element(i)));
  } else if (isJaegerTrace(record)) {
    readJaegerTrace(record, ctx);
  } else {
    throw new WrongShape('expected Jaeger JSON: {"data":[trace…]}, a trace with "spans", or an array of traces or of spans');
  }
}

/** An element of a top-level array: a trace, or a span carrying its own process (the anonymizer's output). */
export function readJaegerArrayItem(item: unknown, ctx: RecordContext): void {
  if (isObject(item) && !("spans" in item) && ("spanID" in item || "spanId" in item)) return readJaegerSpan(item, NO_PROCESSES, ctx);
  readJaegerTrace(item, ctx);
}

const NO_PROCESSES = new Map<string, Process>();

interface Process {
  service: string;
  attributes: Record<string, string>;
}

export function readJaegerTrace(trace: unknown, ctx: RecordContext): void {
  if (!isObject(trace)) return ctx.skip(`trace is ${jsonKind(trace)}, expected an object`);
  if (!("spans" in trace)) return ctx.skip('neither a Jaeger trace (no "spans") nor a span (no "spanID")');
  const spans = listField(trace, ctx, "trace", "spans");
  if (!spans) return;
  const processes = new Map<string, Process>();
  const rawProcesses = trace.processes;
  if (isObject(rawProcesses)) {
    for (const [id, process] of Object.entries(rawProcesses)) processes.set(id, toProcess(process));
  }
  for (const span of spans) readJaegerSpan(span, processes, ctx);
}

function toProcess(process: unknown): Process {
  if (!isObject(process)) return { service: "", attributes: {} };
  const service = String(field(process, "serviceName", "service_name") ?? "");
  const attributes: Record<string, string> = { "service.name": service };
  Object.assign(attributes, tagsOf(process.tags));
  return { service, attributes };
}

function tagsOf(tags: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of asArray(tags)) {
    if (isObject(tag) && typeof tag.key === "string") out[tag.key] = attributeText(tag.value);
  }
  return out;
}

function readJaegerSpan(span: unknown, processes: Map<string, Process>, ctx: RecordContext): void {
  if (!isObject(span)) return ctx.skip("span is not an object");
  const traceId = normalizeId(field(span, "traceID", "traceId"), TRACE_ID_LENGTHS);
  const spanId = normalizeId(field(span, "spanID", "spanId"), SPAN_ID_LENGTHS);
  if (!traceId) return ctx.skip("span without a valid traceID");
  if (!spanId) return ctx.skip("span without a valid spanID");
  const references = asArray(span.references).filter(isObject);
  const parentRef = references.find((r) => r.refType === "CHILD_OF") ?? references.find((r) => r.refType === "FOLLOWS_FROM");
  const rawParent = parentRef ? field(parentRef, "spanID", "spanId") : field(span, "parentSpanID", "parentSpanId");
  const parentSpanId = rawParent ? normalizeId(rawParent, SPAN_ID_LENGTHS) ?? null : null;
  const startUs = toBigInt(field(span, "startTime", "start_time"));
  if (startUs === undefined) return ctx.skip(`span ${spanId} has no startTime`);
  const times = spanTimes(startUs, 1000n, undefined, toBigInt(span.duration) ?? 0n);
  if (!times.ok) return ctx.skip(`span ${spanId}: ${times.reason}`);
  warnTimes(ctx.stats, times, "Jaeger startTime values", "µs");
  const process = isObject(span.process) ? toProcess(span.process) : processes.get(String(span.processID ?? "")) ?? { service: "", attributes: {} };
  const attributes = tagsOf(span.tags);
  const kind = normalizeKind(attributes["span.kind"]);
  let status = normalizeStatus(attributes["otel.status_code"]);
  if (status === "UNSET" && attributes.error === "true") status = "ERROR";
  const traceState = attributes["w3c.tracestate"] ?? null;
  delete attributes["span.kind"];
  delete attributes["otel.status_code"];
  delete attributes["w3c.tracestate"];
  ctx.emit({
    traceId,
    spanId,
    parentSpanId,
    name: String(field(span, "operationName", "operation_name") ?? ""),
    service: process.service,
    kind,
    status,
    startNs: times.startNs,
    durationNs: times.durationNs,
    attributes,
    resourceAttributes: process.attributes,
    traceState,
  });
}

export const jaeger = {
  name: "jaeger",
  words: "Jaeger JSON",
  sniff: {
    kind: "json",
    record: isJaegerRecord,
    document: (text, first) =>
      (/"traceID"\s*:/.test(text) && /"spans"\s*:|"spanID"\s*:/.test(text)) || (first === "{" && /"data"\s*:\s*\[\s*(\]|\{)/.test(text)),
  },
  read: {
    kind: "json",
    adapter: readJaegerRecord,
    splitKeys: ["data"],
    // Under "data" a trace; in a root array a trace, or a span carrying its process.
    element: (key, value, ctx) => (key === "data" ? readJaegerTrace(value, ctx) : readJaegerArrayItem(value, ctx)),
    recordWords: "a Jaeger",
    shapes: 'Jaeger ({"data":[…]}, or an array of spans)',
  },
} satisfies InputFormat;
