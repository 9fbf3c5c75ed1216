// Spans with planted personal data of every kind (and realistic near-misses that are none), as
// canonical records the format writers turn into OTLP, Jaeger and Zipkin files. PLANTED lists
// every raw value with the kind it must be found as: no output may ever contain one of them.
import type { SpanRecord } from "../../src/ingest/span.js";

export const PLANTED: { value: string; kind: string; location: "attribute" | "resource" | "statement"; key: string }[] = [
  { value: "jane.doe@example.com", kind: "email", location: "attribute", key: "user.email" },
  { value: "ops.lead@example.net", kind: "email", location: "resource", key: "host.owner" },
  { value: "203.0.113.77", kind: "ipv4", location: "attribute", key: "client.address" },
  { value: "10.12.0.5", kind: "ip_internal", location: "attribute", key: "net.host.ip" },
  { value: "2001:db8:85a3::8a2e:370:7334", kind: "ipv6", location: "attribute", key: "client.ipv6" },
  { value: "+44 20 7946 0958", kind: "phone", location: "attribute", key: "customer.phone" },
  { value: "4111 1111 1111 1111", kind: "card", location: "attribute", key: "payment.card" },
  // A card number under a phone key is a card, not a phone (precedence).
  { value: "4012-8888-8888-1881", kind: "card", location: "attribute", key: "contact.phone" },
  { value: "6D92078A-8246-4BA4-AE5B-76104861E7DC", kind: "device_id", location: "attribute", key: "device.advertising_id" },
  { value: "38400000-8cf0-11bd-b23e-10b96e40000d", kind: "device_id", location: "attribute", key: "gaid" },
  { value: "48.85661", kind: "geo", location: "attribute", key: "geo.lat" },
  { value: "40.71277,-74.00597", kind: "geo", location: "attribute", key: "request.location" },
  { value: "u-83f0c2a9", kind: "user_id", location: "attribute", key: "enduser.id" },
  // An email under a user key is an email: the key's kind applies to nothing left (precedence).
  { value: "kim.lee@example.com", kind: "email", location: "attribute", key: "user_id" },
  { value: "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0dG9rZW4", kind: "secret", location: "attribute", key: "http.request.header.authorization" },
  { value: "S3cr3tPassw0rd", kind: "secret", location: "attribute", key: "db.connection_string" },
  // In a statement.
  { value: "max.mustermann@example.org", kind: "email", location: "statement", key: "db.statement" },
  { value: "5555555555554444", kind: "card", location: "statement", key: "db.statement" },
  { value: "+1 415 555 2671", kind: "phone", location: "statement", key: "db.statement" },
  { value: "198.51.100.23", kind: "ipv4", location: "statement", key: "db.statement" },
  { value: "ak_live_51HxYzQ2eZvKYlo2C", kind: "secret", location: "statement", key: "db.statement" },
];

/** Values that look a little like personal data and are not: none may be reported. */
export const NEAR_MISSES: Record<string, string> = {
  "ad.campaign_id": "cmp-2024-000123",
  "ad.campaign_number": "1234567890123",
  // Card-shaped, but its Luhn checksum fails.
  "ad.order_ref": "4111 1111 1111 1112",
  "parent.span": "a1b2c3d4e5f60718",
  "peer.span_id": "0000000000000101",
  "event.ts_ns": "1714564801500000000",
  "event.time": "2024-05-01T12:30:45.123Z",
  "event.date": "2024-05-01",
  "event.clock": "12:30:45",
  "ad.bid_price_usd": "0.000123",
  "ad.price": "1,299.00",
  "ad.floor": "12.50",
  "sdk.version": "1.27.0",
  "app.version": "v2.3.1-beta",
  "service.build.version": "10.4.12.1",
  "request.id": "f47ac10b-58cc-4372-a567-0e02b2c3d479",
  "http.route": "/v1/bid/:slot/:size",
  "device.type": "mobile",
  "user_locale": "de-DE",
  "cost.usd": "0.000010000",
  "ad.creative.sha": "3f9a81c2d4e5f60718293a4b5c6d7e8f",
};

const BASE_NS = 1_714_564_801_000_000_000n;

function span(n: number, name: string, service: string, attributes: Record<string, string>, resourceAttributes: Record<string, string> = {}): SpanRecord {
  return {
    traceId: `000000000000000000000000ad0000${String(n).padStart(2, "0")}`,
    spanId: `00000000000001${String(n).padStart(2, "0")}`,
    parentSpanId: null,
    name, service, kind: "SERVER", status: "UNSET",
    startNs: BASE_NS + BigInt(n) * 1_000_000_000n,
    durationNs: 5_000_000n,
    attributes: { ...NEAR_MISSES, ...attributes },
    resourceAttributes: { "service.name": service, ...resourceAttributes },
    traceState: null,
  };
}

export function plantedSpans(): SpanRecord[] {
  return [
    span(1, "profile.user.lookup", "profile-svc", {
      "user.email": "jane.doe@example.com",
      "client.address": "203.0.113.77",
      "net.host.ip": "10.12.0.5",
      "client.ipv6": "2001:db8:85a3::8a2e:370:7334",
      "customer.phone": "+44 20 7946 0958",
      "enduser.id": "u-83f0c2a9",
      user_id: "kim.lee@example.com",
    }, { "host.owner": "ops.lead@example.net" }),
    span(2, "delivery.creative.render", "delivery", {
      "payment.card": "4111 1111 1111 1111",
      "contact.phone": "4012-8888-8888-1881",
      "device.advertising_id": "6D92078A-8246-4BA4-AE5B-76104861E7DC",
      gaid: "38400000-8cf0-11bd-b23e-10b96e40000d",
      "geo.lat": "48.85661",
      "request.location": "40.71277,-74.00597",
      "http.request.header.authorization": "Bearer eyJhbGciOiJIUzI1NiJ9.c2VjcmV0dG9rZW4",
      "db.connection_string": "Server=db;User=svc;password=S3cr3tPassw0rd;",
    }),
    span(3, "tracking.events.insert", "tracking", {
      "db.system": "snowflake",
      "db.statement": "SELECT * FROM users WHERE email = 'max.mustermann@example.org' AND card = '5555555555554444' OR phone = '+1 415 555 2671' OR ip = '198.51.100.23' OR api_key = 'ak_live_51HxYzQ2eZvKYlo2C'",
      "cost.query_usd": "0.002",
    }),
    span(4, "auction.rtb.run", "auction", {}),
  ];
}

/** OTLP JSON for the spans, with their resource attributes (the generator's writer keeps only service.name). */
export function plantedOtlp(spans: SpanRecord[]): string {
  const kv = (m: Record<string, string>) => Object.entries(m).map(([key, value]) => ({ key, value: { stringValue: value } }));
  return JSON.stringify({
    resourceSpans: spans.map((s) => ({
      resource: { attributes: kv(s.resourceAttributes) },
      scopeSpans: [{
        scope: {},
        spans: [{
          traceId: s.traceId, spanId: s.spanId, name: s.name, kind: 2,
          startTimeUnixNano: s.startNs.toString(), endTimeUnixNano: (s.startNs + s.durationNs).toString(),
          attributes: kv(s.attributes),
        }],
      }],
    })),
  });
}
