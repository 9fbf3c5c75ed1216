// Building small OTLP JSON documents in tests, so each case states its spans in full.
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";

export interface TestSpan {
  trace: string;
  id: string;
  parent?: string;
  name: string;
  service?: string;
  /** ms after the epoch base. */
  startMs: number;
  durationMs: number;
  attrs?: Record<string, string | number | undefined>;
  status?: "OK" | "ERROR";
  traceState?: string;
}

const BASE_NS = 1_700_000_000_000_000_000n;

export const hex = (n: number, width: number) => n.toString(16).padStart(width, "0");
export const traceId = (n: number) => hex(n, 32);
export const spanId = (n: number) => hex(n, 16);

export function otlpDocument(spans: TestSpan[]): string {
  const byService = new Map<string, TestSpan[]>();
  for (const span of spans) {
    const service = span.service ?? "svc";
    byService.set(service, [...(byService.get(service) ?? []), span]);
  }
  return JSON.stringify({
    resourceSpans: [...byService].map(([service, list]) => ({
      resource: { attributes: [{ key: "service.name", value: { stringValue: service } }] },
      scopeSpans: [{
        scope: {},
        spans: list.map((s) => ({
          traceId: s.trace,
          spanId: s.id,
          ...(s.parent ? { parentSpanId: s.parent } : {}),
          name: s.name,
          kind: 2,
          startTimeUnixNano: String(BASE_NS + BigInt(Math.round(s.startMs * 1e6))),
          endTimeUnixNano: String(BASE_NS + BigInt(Math.round((s.startMs + s.durationMs) * 1e6))),
          attributes: Object.entries(s.attrs ?? {}).flatMap(([key, value]) => value === undefined ? [] : [{
            key,
            value: typeof value === "number" ? (Number.isInteger(value) ? { intValue: String(value) } : { doubleValue: value }) : { stringValue: value },
          }]),
          ...(s.status ? { status: { code: s.status === "OK" ? 1 : 2 } } : {}),
          ...(s.traceState ? { traceState: s.traceState } : {}),
        })),
      }],
    })),
  });
}

export function writeTemp(name: string, content: string): string {
  const dir = mkdtempSync(join(tmpdir(), "adtrace-test-"));
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}
