// OTLP JSON (the OpenTelemetry protocol's JSON encoding): a `{"resourceSpans":[…]}` request,
// and the same resource spans inside the wrappers trace stores return them in: Jaeger's /api/v3
// `{"result":{"resourceSpans":…}}`, Grafana Tempo's trace-by-id `{"batches":[…]}` (its name for
// resourceSpans) and its v2 `{"trace":{"resourceSpans":[…]},"status":…}`. lowerCamelCase or
// snake_case keys, the legacy `instrumentationLibrarySpans`, ids in any hex case (or base64, as
// protobuf's JSON mapping and Tempo write them), 64-bit numbers as strings or numbers, and enums
// as integers or names. All of it is read as format `otlp`: the spans are OTLP whatever wraps them.
import { asArray, field, isObject, jsonKind, listField, WrongShape, type RecordContext } from "../adapter.js";
import {
  attributeText, normalizeId, normalizeKind, normalizeStatus, SPAN_ID_LENGTHS, spanTimes, toBigInt, TRACE_ID_LENGTHS, warn, warnTimes,
} from "../span.js";
import { clip, InputError } from "../../errors.js";
import type { InputFormat } from "./format.js";

const MAX_DEPTH = 32;

/**
 * What a record holds under resourceSpans (directly, as Tempo's `batches`, or inside Jaeger's
 * `result` or Tempo's `trace` wrapper), or undefined when the record is not OTLP. The value is
 * whatever is there: readers check its shape. `key` names it for messages.
 */
export function otlpResourceSpans(record: unknown): { value: unknown; key: string } | undefined {
  if (!isObject(record)) return undefined;
  const direct = resourceSpansIn(record);
  if (direct) return direct;
  for (const wrapper of ["result", "trace"]) {
    const inner = record[wrapper];
    const found = isObject(inner) ? resourceSpansIn(inner) : undefined;
    if (found) return { value: found.value, key: `${wrapper}.${found.key}` };
  }
  return undefined;
}

function resourceSpansIn(obj: Record<string, unknown>): { value: unknown; key: string } | undefined {
  const value = field(obj, "resourceSpans", "resource_spans");
  if (value !== undefined) return { value, key: "resourceSpans" };
  // Tempo's `batches` is a list of resource spans; only taken when its first entry looks like one,
  // so another tool's `batches` is not mistaken for spans.
  const batches = obj.batches;
  if (Array.isArray(batches) && (batches.length === 0 || looksLikeResourceSpans(batches[0]))) return { value: batches, key: "batches" };
  return undefined;
}

function looksLikeResourceSpans(value: unknown): boolean {
  return isObject(value) && ["scopeSpans", "scope_spans", "instrumentationLibrarySpans", "instrumentation_library_spans", "resource"].some((k) => k in value);
}

export function readOtlpRecord(record: unknown, ctx: RecordContext): void {
  const found = otlpResourceSpans(record);
  if (!found) throw new WrongShape('expected an OTLP object with "resourceSpans"');
  if (!Array.isArray(found.value)) throw new WrongShape(`expected "${found.key}" to be an array of resource spans, got ${jsonKind(found.value)}`);
  found.value.forEach((rs, i) => readResourceSpans(rs, ctx.element(i)));
  // Tempo's v2 API says when it returned only part of a trace (limits, failed blocks).
  if (isObject(record) && isObject(record.trace) && (record.status === "PARTIAL" || record.status === 1)) {
    warn(ctx.stats, "Tempo returned partial traces (status PARTIAL): some of their spans are missing");
  }
}

/** One element of resourceSpans (what the large-document reader hands over one at a time). */
export function readResourceSpans(rs: unknown, ctx: RecordContext): void {
  if (!isObject(rs)) {
    ctx.skip(`resourceSpans entry is ${jsonKind(rs)}, expected an object`);
    return;
  }
  const resource = field(rs, "resource");
  const resourceAttributes = isObject(resource) ? attributesOf(field(resource, "attributes"), ctx) : {};
  const service = resourceAttributes["service.name"] ?? "";
  const scopeSpans = listField(rs, ctx, "resourceSpans entry", "scopeSpans", "scope_spans");
  const legacy = listField(rs, ctx, "resourceSpans entry", "instrumentationLibrarySpans", "instrumentation_library_spans");
  if (!scopeSpans || !legacy) return;
  const scopes = [...scopeSpans.map((scope, i) => ({ scope, at: `scopeSpans[${i}]` })), ...legacy.map((scope, i) => ({ scope, at: `instrumentationLibrarySpans[${i}]` }))];
  for (const { scope, at } of scopes) {
    if (!isObject(scope)) {
      ctx.skip(`scopeSpans entry is ${jsonKind(scope)}, expected an object`);
      continue;
    }
    const spans = listField(scope, ctx, "scopeSpans entry", "spans");
    (spans ?? []).forEach((span, i) => readSpan(span, service, resourceAttributes, ctx, `${at}.spans[${i}]`));
  }
}

/** Which span of its record a message means, when it has no id to go by: its place, and its name if it has one. */
function spanPlace(span: Record<string, unknown>, at: string): string {
  const name = field(span, "name");
  return typeof name === "string" && name !== "" ? `${at}, name '${clip(name)}'` : at;
}

function readSpan(span: unknown, service: string, resourceAttributes: Record<string, string>, ctx: RecordContext, at: string): void {
  if (!isObject(span)) return ctx.skip(`span is not an object (${at})`);
  const traceId = normalizeId(field(span, "traceId", "trace_id"), TRACE_ID_LENGTHS);
  const spanId = normalizeId(field(span, "spanId", "span_id"), SPAN_ID_LENGTHS);
  if (!traceId) return ctx.skip(`span without a valid traceId (${describe(field(span, "traceId", "trace_id"))}; ${spanPlace(span, at)})`);
  if (!spanId) return ctx.skip(`span without a valid spanId (${describe(field(span, "spanId", "span_id"))}; ${spanPlace(span, at)})`);
  const rawParent = field(span, "parentSpanId", "parent_span_id");
  const parentSpanId = rawParent === undefined || rawParent === "" ? null : normalizeId(rawParent, SPAN_ID_LENGTHS) ?? null;
  // An all-zero parent is how some exporters write "no parent": a root, nothing to warn about.
  if (rawParent && parentSpanId === null && !/^0+$/.test(String(rawParent))) warn(ctx.stats, "parent span ids that are not 16 hex digits were dropped (span kept as a root)");
  const start = toBigInt(field(span, "startTimeUnixNano", "start_time_unix_nano"));
  const end = toBigInt(field(span, "endTimeUnixNano", "end_time_unix_nano"));
  if (start === undefined) return ctx.skip(`span ${spanId} has no startTimeUnixNano`);
  if (end === undefined) warn(ctx.stats, "spans without an end time were given duration 0");
  const times = spanTimes(start, 1n, end);
  if (!times.ok) return ctx.skip(`span ${spanId}: ${times.reason}`);
  warnTimes(ctx.stats, times, "OTLP times", "ns");
  const status = field(span, "status");
  const traceState = field(span, "traceState", "trace_state");
  ctx.emit({
    traceId,
    spanId,
    parentSpanId,
    name: String(field(span, "name") ?? ""),
    service,
    kind: normalizeKind(field(span, "kind")),
    status: normalizeStatus(isObject(status) ? field(status, "code") : undefined),
    startNs: times.startNs,
    durationNs: times.durationNs,
    attributes: attributesOf(field(span, "attributes"), ctx),
    resourceAttributes,
    traceState: typeof traceState === "string" && traceState !== "" ? traceState : null,
  });
}

/** OTLP KeyValue list → text map. Arrays and kvlists are stored as JSON text. */
export function attributesOf(list: unknown, ctx: RecordContext): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of asArray(list)) {
    if (!isObject(kv) || typeof kv.key !== "string") continue;
    const value = anyValue(kv.value, 0, ctx);
    out[kv.key] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return out;
}

type Plain = string | number | boolean | null | Plain[] | { [key: string]: Plain };

function anyValue(value: unknown, depth: number, ctx: RecordContext): Plain {
  if (!isObject(value)) return null;
  if (depth > MAX_DEPTH) {
    warn(ctx.stats, `attribute values nested deeper than ${MAX_DEPTH} levels were cut`);
    return "…";
  }
  const s = field(value, "stringValue", "string_value");
  if (s !== undefined) return String(s);
  const b = field(value, "boolValue", "bool_value");
  if (b !== undefined) return b === true || b === "true";
  const i = field(value, "intValue", "int_value");
  if (i !== undefined) return typeof i === "number" ? attributeText(i) : String(i);
  const d = field(value, "doubleValue", "double_value");
  // Protobuf JSON writes NaN and the infinities as strings; keep those as text ("null" otherwise).
  if (d !== undefined) return typeof d === "number" ? d : Number.isFinite(Number(d)) ? Number(d) : String(d);
  const bytes = field(value, "bytesValue", "bytes_value");
  if (bytes !== undefined) return String(bytes);
  const arr = field(value, "arrayValue", "array_value");
  if (isObject(arr)) return asArray(arr.values).map((v) => anyValue(v, depth + 1, ctx));
  const kv = field(value, "kvlistValue", "kvlist_value");
  if (isObject(kv)) {
    const obj: { [key: string]: Plain } = {};
    for (const entry of asArray(kv.values)) {
      if (isObject(entry) && typeof entry.key === "string") obj[entry.key] = anyValue(entry.value, depth + 1, ctx);
    }
    return obj;
  }
  return null;
}

function describe(value: unknown): string {
  if (value === undefined) return "missing";
  return clip(JSON.stringify(value) ?? String(value));
}

/** The keys whose array holds resource spans (Tempo calls them batches): a large document is read one entry at a time. */
const RESOURCE_SPANS_KEYS = ["resourceSpans", "resource_spans", "batches"];

export const otlp = {
  name: "otlp",
  words: "OTLP JSON (also Tempo's)",
  sniff: {
    kind: "json",
    record: (value) => otlpResourceSpans(value) !== undefined,
    // Tempo's batches are OTLP when their entries hold scope spans.
    document: (text) =>
      /"(resourceSpans|resource_spans)"\s*:/.test(text) ||
      (/"batches"\s*:/.test(text) && /"(scopeSpans|scope_spans|instrumentationLibrarySpans|instrumentation_library_spans)"\s*:/.test(text)),
  },
  read: {
    kind: "json",
    adapter: readOtlpRecord,
    splitKeys: RESOURCE_SPANS_KEYS,
    element(key, value, ctx) {
      if (key !== undefined && RESOURCE_SPANS_KEYS.includes(key)) return readResourceSpans(value, ctx);
      throw new InputError(ctx.where, "unexpected otlp document layout");
    },
    recordWords: "an OTLP",
    shapes: 'OTLP ({"resourceSpans":[…]}, Tempo\'s {"batches":[…]})',
  },
} satisfies InputFormat;
