// A stand-in for an instrumented service: the OpenTelemetry JS SDK with its OTLP/HTTP exporter,
// configured only by the standard environment (OTEL_EXPORTER_OTLP_ENDPOINT, OTEL_SERVICE_NAME,
// OTEL_RESOURCE_ATTRIBUTES). This exporter sends JSON; @opentelemetry/exporter-trace-otlp-proto
// sends protobuf. Sends EVENTS ad requests of 4 spans.
//   OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4318 OTEL_SERVICE_NAME=adserver node examples/collect/send-spans.mjs [EVENTS]
import { context, SpanKind, trace } from "@opentelemetry/api";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import { BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { detectResources, envDetector } from "@opentelemetry/resources";

const events = Number(process.argv[2] ?? 50);
const provider = new NodeTracerProvider({ resource: detectResources({ detectors: [envDetector] }), spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter())] });
const tracer = provider.getTracer("send-spans");
for (let i = 0; i < events; i++) {
  const root = tracer.startSpan("adserver.request.handle", { kind: SpanKind.SERVER, attributes: { "ad.exchange": i % 2 ? "openx" : "magnite" } });
  const ctx = trace.setSpan(context.active(), root);
  for (const [name, cost] of [["auction.rtb.run", 0.00006], ["tracker.events.write", 0.00002], ["aggregator.warehouse.query", 0.0004]]) {
    const child = tracer.startSpan(name, { kind: SpanKind.CLIENT, attributes: { "cost.usd": cost } }, ctx);
    child.end();
  }
  root.end();
}
await provider.shutdown(); // flushes: every span is sent before the process ends
