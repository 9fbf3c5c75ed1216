// Canonical spans → the export formats adtrace reads (OTLP JSON, Jaeger JSON, Zipkin v2 JSON),
// written so that each reads back to the same canonical rows. Used by `adtrace generate` and
// scripts/make-fixture.mjs.
import type { SpanRecord } from "../ingest/span.js";

const KIND: Record<string, number> = { UNSPECIFIED: 0, INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 };
const STATUS: Record<string, number> = { UNSET: 0, OK: 1, ERROR: 2 };

/** One OTLP ExportTraceServiceRequest for a set of spans (grouped by service). */
export function otlpRequest(spans: SpanRecord[]): unknown {
  const services = [...new Set(spans.map((s) => s.service))];
  return {
    resourceSpans: services.map((service) => ({
      resource: { attributes: [{ key: "service.name", value: { stringValue: service } }] },
      scopeSpans: [{
        scope: { name: "adtrace", version: "1" },
        spans: spans.filter((s) => s.service === service).map((s) => ({
          traceId: s.traceId,
          spanId: s.spanId,
          ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
          ...(s.traceState ? { traceState: s.traceState } : {}),
          name: s.name,
          kind: KIND[s.kind] ?? 0,
          startTimeUnixNano: s.startNs.toString(),
          endTimeUnixNano: (s.startNs + s.durationNs).toString(),
          attributes: Object.entries(s.attributes).map(([key, value]) => ({ key, value: { stringValue: value } })),
          status: s.status === "UNSET" ? {} : { code: STATUS[s.status] },
        })),
      }],
    })),
  };
}

/** One Jaeger trace (as in `{"data":[…]}`); times must be whole microseconds. */
export function jaegerTrace(spans: SpanRecord[]): unknown {
  const services = [...new Set(spans.map((s) => s.service))];
  return {
    traceID: spans[0]?.traceId,
    spans: spans.map((s) => ({
      traceID: s.traceId,
      spanID: s.spanId,
      operationName: s.name,
      references: s.parentSpanId ? [{ refType: "CHILD_OF", traceID: s.traceId, spanID: s.parentSpanId }] : [],
      startTime: Number(s.startNs / 1000n),
      duration: Number(s.durationNs / 1000n),
      tags: [
        ...Object.entries(s.attributes).map(([key, value]) => ({ key, type: "string", value })),
        { key: "span.kind", type: "string", value: s.kind.toLowerCase() },
        ...(s.status === "UNSET" ? [] : [{ key: "otel.status_code", type: "string", value: s.status }]),
        ...(s.traceState ? [{ key: "w3c.tracestate", type: "string", value: s.traceState }] : []),
      ],
      processID: `p${services.indexOf(s.service) + 1}`,
    })),
    processes: Object.fromEntries(services.map((service, i) => [`p${i + 1}`, { serviceName: service, tags: [] }])),
  };
}

/** Zipkin v2 spans; times must be whole microseconds. */
export function zipkinSpans(spans: SpanRecord[]): unknown[] {
  return spans.map((s) => ({
    traceId: s.traceId,
    ...(s.parentSpanId ? { parentId: s.parentSpanId } : {}),
    id: s.spanId,
    kind: s.kind,
    name: s.name,
    timestamp: Number(s.startNs / 1000n),
    duration: Number(s.durationNs / 1000n),
    localEndpoint: { serviceName: s.service },
    tags: {
      ...s.attributes,
      ...(s.status === "UNSET" ? {} : { "otel.status_code": s.status }),
      ...(s.traceState ? { "w3c.tracestate": s.traceState } : {}),
    },
  }));
}
