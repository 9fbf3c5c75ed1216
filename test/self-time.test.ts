// Self time on small hand-built traces (issue 25): a span's duration minus the union of its direct
// children's intervals, clipped to the span (README, "cost breakdown"). Each case's self times,
// percentiles and compute costs are worked out by hand in the comments; the compute the price book
// derives is self time × vCPUs × $0.0425 per vCPU-hour, never the span's whole duration. Sums
// are exact to 1e-18 USD a span, so costs agree to 1e-9 relative.
import { describe, expect, it } from "vitest";
import { withModelDb } from "./helpers/analysis.js";
import { spanId, traceId, type TestSpan } from "./helpers/otlp.js";
import { breakdown, parseGroupKeys, totals } from "../src/analysis/breakdown.js";
import type { Db } from "../src/db/db.js";
import { relative } from "./helpers/hand.js";

/** $ per vCPU-millisecond at the built-in $0.0425 per vCPU-hour. */
const VCPU_MS_USD = 0.0425 / 3_600_000;

async function selfMs(db: Db): Promise<Record<string, number>> {
  const rows = await db.all("SELECT name, self_ns FROM costed_spans");
  // One row per span: a price-book join that matched twice would show here as a duplicate name.
  expect(new Set(rows.map((r) => r.name)).size).toBe(rows.length);
  return Object.fromEntries(rows.map((r) => [String(r.name), Number(r.self_ns) / 1e6]));
}

describe("self time of hand-built traces", () => {
  it("a child that starts before its parent counts only from the parent's start", async () => {
    // parent 10–50 ms; child 0–20 ms, clipped to the parent: 10–20 = 10 ms. Parent self 40 − 10 = 30.
    const t = traceId(1);
    const spans: TestSpan[] = [
      { trace: t, id: spanId(1), name: "parent", startMs: 10, durationMs: 40 },
      { trace: t, id: spanId(2), parent: spanId(1), name: "early", startMs: 0, durationMs: 20 },
    ];
    await withModelDb(spans, async (db) => {
      expect(await selfMs(db)).toEqual({ parent: 30, early: 20 });
    });
  });

  it("children entirely inside an earlier sibling add nothing; one that outlasts it adds only its tail", async () => {
    // parent 0–100; c1 10–60; c2 20–30 and c3 40–50 lie inside c1 (c3 starts after c2 ended, so
    // only an end seen over ALL earlier siblings hides it); c4 55–70 reaches past c1 by 10 ms.
    // Union 10–70 = 60 ms: parent self 100 − 60 = 40.
    const t = traceId(2);
    const spans: TestSpan[] = [
      { trace: t, id: spanId(1), name: "parent", startMs: 0, durationMs: 100 },
      { trace: t, id: spanId(2), parent: spanId(1), name: "c1", startMs: 10, durationMs: 50 },
      { trace: t, id: spanId(3), parent: spanId(1), name: "c2", startMs: 20, durationMs: 10 },
      { trace: t, id: spanId(4), parent: spanId(1), name: "c3", startMs: 40, durationMs: 10 },
      { trace: t, id: spanId(5), parent: spanId(1), name: "c4", startMs: 55, durationMs: 15 },
    ];
    await withModelDb(spans, async (db) => {
      expect(await selfMs(db)).toEqual({ parent: 40, c1: 50, c2: 10, c3: 10, c4: 15 });
    });
  });

  it("span ids repeat across traces (they are unique only within one): each span's children are its own trace's", async () => {
    // Trace 1: parent-a 0–100 with a child 10–60 (self 50). Trace 2 reuses both ids: parent-b
    // 0–100 with no child (self 100), and span 2 is a root of its own there (self 30).
    const spans: TestSpan[] = [
      { trace: traceId(11), id: spanId(1), name: "parent-a", startMs: 0, durationMs: 100 },
      { trace: traceId(11), id: spanId(2), parent: spanId(1), name: "child-a", startMs: 10, durationMs: 50 },
      { trace: traceId(12), id: spanId(1), name: "parent-b", startMs: 0, durationMs: 100 },
      { trace: traceId(12), id: spanId(2), name: "root-b", startMs: 0, durationMs: 30 },
    ];
    await withModelDb(spans, async (db) => {
      expect(await selfMs(db)).toEqual({ "parent-a": 50, "child-a": 50, "parent-b": 100, "root-b": 30 });
    });
  });

  it("overlapping children count their union once", async () => {
    // parent 0–100; a 10–40, b 30–70, c 65–80 overlap in a chain: union 10–80 = 70. Self 30.
    // Two children with the same interval (d, e: 85–95) count once: 10 more. Self 100 − 80 = 20.
    const t = traceId(3);
    const spans: TestSpan[] = [
      { trace: t, id: spanId(1), name: "parent", startMs: 0, durationMs: 100 },
      { trace: t, id: spanId(2), parent: spanId(1), name: "a", startMs: 10, durationMs: 30 },
      { trace: t, id: spanId(3), parent: spanId(1), name: "b", startMs: 30, durationMs: 40 },
      { trace: t, id: spanId(4), parent: spanId(1), name: "c", startMs: 65, durationMs: 15 },
      { trace: t, id: spanId(5), parent: spanId(1), name: "d", startMs: 85, durationMs: 10 },
      { trace: t, id: spanId(6), parent: spanId(1), name: "e", startMs: 85, durationMs: 10 },
    ];
    await withModelDb(spans, async (db) => {
      expect((await selfMs(db)).parent).toBe(20);
    });
  });

  it("compute is priced from self time, not duration", async () => {
    // parent 0–100 ms on 2 vCPUs with a child 20–90 ms: self 30 ms → 30 × 2 × $0.0425/h
    // = $0.000001770833…; from its duration it would be 100 × 2 × … = $0.0000059027….
    // The child (no children, 1 vCPU): self = duration = 70 ms → 70 × $0.0425/h.
    const t = traceId(4);
    const spans: TestSpan[] = [
      { trace: t, id: spanId(1), name: "parent", startMs: 0, durationMs: 100, attrs: { "compute.vcpus": 2 } },
      { trace: t, id: spanId(2), parent: spanId(1), name: "child", startMs: 20, durationMs: 70 },
    ];
    await withModelDb(spans, async (db) => {
      const rows = Object.fromEntries((await db.all("SELECT name, compute_usd, query_usd, cost_source FROM costed_spans")).map((r) => [r.name, r]));
      expect(relative(Number(rows.parent!.compute_usd), 30 * 2 * VCPU_MS_USD)).toBeLessThan(1e-9);
      expect(relative(Number(rows.child!.compute_usd), 70 * VCPU_MS_USD)).toBeLessThan(1e-9);
      expect([Number(rows.parent!.query_usd), rows.parent!.cost_source]).toEqual([0, "derived"]);
    });
  });
});

describe("breakdown's latency and compute columns on a hand-worked set of events", () => {
  // Five events, each a request root with one auction child (no cost attributes: the price book
  // prices every span's compute from its self time at 1 vCPU).
  //   event  root        child (auction)   child clipped to root  root self   end-to-end
  //   1      0–100       10–40   (30)      30                     70          0–100 = 100
  //   2      0–50        −5–20   (25)      0–20 = 20              30          −5–50 = 55
  //   3      0–80        20–90   (70)      20–80 = 60             20          0–90  = 90
  //   4      0–40        5–15    (10)      10                     30          0–40  = 40
  //   5      0–200       50–150  (100)     100                    100         0–200 = 200
  // quantile_cont interpolates linearly: of 5 sorted values v0…v4, p50 is v2, p95 is
  // v3 + 0.8·(v4 − v3) (position 0.95 × 4 = 3.8), p99 is v3 + 0.96·(v4 − v3).
  //   request durations 40, 50, 80, 100, 200: p50 80, p95 180, p99 196
  //   request self      20, 30, 30, 70, 100:  self p50 30, self p95 70 + 0.8 × 30 = 94
  //   auction durations 10, 25, 30, 70, 100 (self the same): p50 30, p95 94, p99 70 + 0.96 × 30 = 98.8
  //   end-to-end        40, 55, 90, 100, 200: p50 90, p95 180, p99 196
  // Compute per event (all 5 events): request self 250 ms / 5 = 50 ms; auction 235 ms / 5 = 47 ms.
  const shapes: [number, number, number][] = [[100, 10, 30], [50, -5, 25], [80, 20, 70], [40, 5, 10], [200, 50, 100]];
  const spans: TestSpan[] = shapes.flatMap(([root, childStart, childMs], i) => [
    { trace: traceId(10 + i), id: spanId(100 + 2 * i), name: "adserver.request.handle", service: "adserver", startMs: 0, durationMs: root },
    { trace: traceId(10 + i), id: spanId(101 + 2 * i), parent: spanId(100 + 2 * i), name: "auction.rtb.run", service: "auction", startMs: childStart, durationMs: childMs },
  ]);

  it("p50/p95/p99, self p50/p95 and compute per event match the hand-worked values", async () => {
    await withModelDb(spans, async (db) => {
      const result = await breakdown(db, { by: parseGroupKeys("stage") });
      const g = Object.fromEntries(result.groups.map((x) => [x.keys.stage, x]));
      expect(Object.keys(g).sort()).toEqual(["auction", "request"]);
      const request = g.request!;
      expect([request.spans, request.events]).toEqual([5, 5]);
      expect(request.p50_ms).toBeCloseTo(80, 9);
      expect(request.p95_ms).toBeCloseTo(180, 9);
      expect(request.p99_ms).toBeCloseTo(196, 9);
      expect(request.self_p50_ms).toBeCloseTo(30, 9);
      expect(request.self_p95_ms).toBeCloseTo(94, 9);
      expect(relative(request.compute_per_event_usd, 50 * VCPU_MS_USD)).toBeLessThan(1e-9);
      expect(request.query_per_event_usd).toBe(0);
      const auction = g.auction!;
      expect(auction.p50_ms).toBeCloseTo(30, 9);
      expect(auction.p95_ms).toBeCloseTo(94, 9);
      expect(auction.p99_ms).toBeCloseTo(98.8, 9);
      expect(auction.self_p50_ms).toBeCloseTo(30, 9);
      expect(auction.self_p95_ms).toBeCloseTo(94, 9);
      expect(relative(auction.compute_per_event_usd, 47 * VCPU_MS_USD)).toBeLessThan(1e-9);
      const t = await totals(db);
      expect(t.events).toBe(5);
      expect(t.e2e_p50_ms).toBeCloseTo(90, 9);
      expect(t.e2e_p95_ms).toBeCloseTo(180, 9);
      expect(t.e2e_p99_ms).toBeCloseTo(196, 9);
      expect(relative(t.compute_per_event_usd, 97 * VCPU_MS_USD)).toBeLessThan(1e-9);
      expect(relative(t.cost_per_event_usd, 97 * VCPU_MS_USD)).toBeLessThan(1e-9);
    });
  });
});
