// Zipkin v2 JSON: an array of spans, or an array of traces (arrays of spans) as
// /api/v2/traces returns. Times are microseconds; the service is localEndpoint.serviceName.
// A span without a timestamp cannot be placed in time: it is skipped and counted.
// The tag `otel.status_code` becomes the canonical status (an `error` tag means ERROR) and
// `w3c.tracestate` the trace_state.
//
// Zipkin's B3 "shared span" model gives an RPC's client and server halves one span id; the
// server half carries `"shared": true`. The canonical table needs unique ids, so within one
// array the server half gets a derived id (the first 16 hex digits of sha256 of
// "trace:id:shared"), becomes a child of the client half, and the spans of the server's own
// service that named the shared id as parent are re-parented onto it. Nothing is dropped.
import { createHash } from "node:crypto";
import { isObject, WrongShape, type RecordContext } from "../adapter.js";
import { normalizeId, normalizeKind, normalizeStatus, SPAN_ID_LENGTHS, spanTimes, toBigInt, TRACE_ID_LENGTHS, warn, warnTimes, attributeText } from "../span.js";
import type { InputFormat } from "./format.js";

export function isZipkinSpan(value: unknown): boolean {
  return isObject(value) && typeof value.traceId === "string" && typeof value.id === "string";
}

export function isZipkinRecord(record: unknown): boolean {
  if (!Array.isArray(record) || record.length === 0) return false;
  const first = Array.isArray(record[0]) ? record[0][0] : record[0];
  return isZipkinSpan(first);
}

export function readZipkinRecord(record: unknown, ctx: RecordContext): void {
  if (isZipkinSpan(record)) return readZipkinSpan(record, ctx);
  if (!Array.isArray(record)) throw new WrongShape("expected Zipkin v2 JSON: an array of spans or of traces");
  // Records are numbered by their place in the top-level array: a trace, or a loose span.
  const loose: unknown[] = [];
  const looseIndex: number[] = [];
  record.forEach((item, i) => {
    if (Array.isArray(item)) readSpans(item, () => ctx.element(i));
    else {
      loose.push(item);
      looseIndex.push(i);
    }
  });
  if (loose.length) readSpans(loose, (j) => ctx.element(looseIndex[j]!));
}

function readSpans(spans: unknown[], contextOf: (index: number) => RecordContext): void {
  splitSharedSpans(spans, contextOf(0)).forEach((span, j) => readZipkinSpan(span, contextOf(j)));
}

/** Give the server half of each shared client/server pair its own id (see the module comment). */
function splitSharedSpans(spans: unknown[], ctx: RecordContext): unknown[] {
  const key = (s: Record<string, unknown>, id: unknown) => `${String(s.traceId).toLowerCase()}:${String(id).toLowerCase()}`;
  const unshared = new Set<string>();
  for (const s of spans) if (isObject(s) && s.shared !== true) unshared.add(key(s, s.id));
  const renamed = new Map<string, { id: string; service: string }>();
  const out = spans.map((s) => {
    if (!isObject(s) || s.shared !== true || !unshared.has(key(s, s.id))) return s;
    const id = createHash("sha256").update(`${key(s, s.id)}:shared`).digest("hex").slice(0, 16);
    renamed.set(key(s, s.id), { id, service: serviceOf(s) });
    warn(ctx.stats, "Zipkin shared server spans were given derived ids (client and server halves both kept)");
    return { ...s, id, parentId: s.id };
  });
  if (renamed.size === 0) return out;
  return out.map((s) => {
    if (!isObject(s) || s.parentId === undefined) return s;
    const server = renamed.get(key(s, s.parentId));
    if (server && server.id !== s.id && serviceOf(s) === server.service) return { ...s, parentId: server.id };
    return s;
  });
}

function serviceOf(span: Record<string, unknown>): string {
  const local = span.localEndpoint;
  return isObject(local) && typeof local.serviceName === "string" ? local.serviceName : "";
}

export function readZipkinSpan(span: unknown, ctx: RecordContext): void {
  if (!isObject(span)) return ctx.skip("span is not an object");
  const traceId = normalizeId(span.traceId, TRACE_ID_LENGTHS);
  const spanId = normalizeId(span.id, SPAN_ID_LENGTHS);
  if (!traceId) return ctx.skip("span without a valid traceId");
  if (!spanId) return ctx.skip("span without a valid id");
  const timestamp = toBigInt(span.timestamp);
  if (timestamp === undefined) return ctx.skip(`span ${spanId} has no timestamp`);
  const times = spanTimes(timestamp, 1000n, undefined, toBigInt(span.duration) ?? 0n);
  if (!times.ok) return ctx.skip(`span ${spanId}: ${times.reason}`);
  warnTimes(ctx.stats, times, "Zipkin timestamps", "µs");
  const attributes: Record<string, string> = {};
  if (isObject(span.tags)) for (const [k, v] of Object.entries(span.tags)) attributes[k] = attributeText(v);
  let status = normalizeStatus(attributes["otel.status_code"]);
  if (status === "UNSET" && "error" in attributes) status = "ERROR";
  const traceState = attributes["w3c.tracestate"] ?? null;
  delete attributes["otel.status_code"];
  delete attributes["w3c.tracestate"];
  const local = isObject(span.localEndpoint) ? span.localEndpoint : {};
  const service = typeof local.serviceName === "string" ? local.serviceName : "";
  ctx.emit({
    traceId,
    spanId,
    parentSpanId: span.parentId ? normalizeId(span.parentId, SPAN_ID_LENGTHS) ?? null : null,
    name: String(span.name ?? ""),
    service,
    kind: normalizeKind(span.kind),
    status,
    startNs: times.startNs,
    durationNs: times.durationNs,
    attributes,
    resourceAttributes: service ? { "service.name": service } : {},
    traceState,
  });
}

export const zipkin = {
  name: "zipkin",
  words: "Zipkin v2 JSON",
  sniff: {
    kind: "json",
    record: isZipkinRecord,
    document: (text, first) => first === "[" && /"traceId"\s*:/.test(text) && /"id"\s*:/.test(text),
  },
  read: {
    kind: "json",
    adapter: readZipkinRecord,
    // A root array of spans or of traces: no key holds them.
    splitKeys: [],
    element: (_key, value, ctx) => readZipkinRecord(value, ctx),
    recordWords: "a Zipkin",
    shapes: 'Zipkin v2 ([{"traceId",…}])',
  },
} satisfies InputFormat;
