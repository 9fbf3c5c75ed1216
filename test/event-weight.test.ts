// Which sampling weight an event takes, and where a weighted percentile turns over (issue 25).
// README, "Sampling": each span keeps its own weight; an event (its trace) counts with its root
// span's weight, else the largest of its spans'. Weighted percentiles are the smallest value whose
// cumulative weight reaches q of the total (cost.sql: weighted_e2e, weighted_percentiles, queries),
// so a cumulative weight exactly at q·total already reaches it. Worked by hand below.
import { describe, expect, it } from "vitest";
import { withModelDb } from "./helpers/analysis.js";
import { spanId, traceId, type TestSpan } from "./helpers/otlp.js";
import { breakdown, parseGroupKeys, totals, warehouseQueries, weightSummary } from "../src/analysis/breakdown.js";
import { savings } from "../src/analysis/savings.js";
import { defaultConfig } from "../src/model/config.js";
import { relative } from "./helpers/hand.js";

describe("the weight an event takes", () => {
  // Trace 1: root kept 1 in 2, its child 1 in 8 (rates of their own). The event counts 2 (the
  //   root's), not 8 (the largest).
  // Trace 2: no root (both spans' parent is missing), kept 1 in 3 and 1 in 5: the largest, 5.
  // Trace 3: no sampling: 1.
  // Events: 2 + 5 + 1 = 8. Weighted cost: 0.1·2 + 0.2·8 + 0.3·3 + 0.4·5 + 0.5·1 = 5.2 → $0.65/event.
  const spans: TestSpan[] = [
    { trace: traceId(1), id: spanId(1), name: "adserver.request.handle", startMs: 0, durationMs: 10, attrs: { sampleRate: 2, "cost.usd": "0.1" } },
    { trace: traceId(1), id: spanId(2), parent: spanId(1), name: "auction.rtb.run", startMs: 1, durationMs: 5, attrs: { sampleRate: 8, "cost.usd": "0.2" } },
    { trace: traceId(2), id: spanId(3), parent: spanId(99), name: "adserver.request.handle", startMs: 0, durationMs: 10, attrs: { sampleRate: 3, "cost.usd": "0.3" } },
    { trace: traceId(2), id: spanId(4), parent: spanId(98), name: "auction.rtb.run", startMs: 1, durationMs: 5, attrs: { sampleRate: 5, "cost.usd": "0.4" } },
    { trace: traceId(3), id: spanId(5), name: "adserver.request.handle", startMs: 0, durationMs: 10, attrs: { "cost.usd": "0.5" } },
  ];

  it("is its root span's weight, else the largest of its spans'; each span keeps its own", async () => {
    await withModelDb(spans, async (db) => {
      const w = (await db.all("SELECT span_id, weight FROM costed_spans ORDER BY span_id")).map((r) => Number(r.weight));
      expect(w).toEqual([2, 8, 3, 5, 1]);
      const events = (await db.all("SELECT trace_id, w FROM event_weights ORDER BY trace_id")).map((r) => Number(r.w));
      expect(events).toEqual([2, 5, 1]);
      const summary = await weightSummary(db);
      expect([summary.estimated_events, summary.estimated_spans, summary.disagreeing_traces]).toEqual([8, 19, 2]);
      const t = await totals(db);
      expect(t.events).toBe(8);
      expect(relative(t.cost_per_event_usd, 5.2 / 8)).toBeLessThan(1e-9);
      // A group's events: the traces it occurs in, each by the largest weight of the group's spans
      // there: auction 8 (trace 1) + 5 (trace 2) = 13; request 2 + 3 + 1 = 6.
      const r = await breakdown(db, { by: parseGroupKeys("stage") });
      const g = Object.fromEntries(r.groups.map((x) => [x.keys.stage, x]));
      expect([g.auction!.events, g.request!.events]).toEqual([13, 6]);
      // Per event over ALL 8 events: auction (1.6 + 2.0) / 8 = 0.45; request (0.2 + 0.9 + 0.5) / 8 = 0.2.
      expect(relative(g.auction!.cost_per_event_usd, 0.45)).toBeLessThan(1e-9);
      expect(relative(g.request!.cost_per_event_usd, 0.2)).toBeLessThan(1e-9);
      // savings weighs events the same way: the baseline cost per event is the same $0.65.
      const s = await savings(db, { scenarios: [{ name: "s", levers: [{ kind: "tune", stage: "auction", value: 0.5, hitCostUsd: 0 }] }], config: defaultConfig() });
      expect(s.events).toBe(8);
      expect(relative(s.cost_per_event_usd, 0.65)).toBeLessThan(1e-9);
    });
  });
});

describe("the weighted percentile's boundary", () => {
  // Two events of one root span each: 10 ms kept 1 in 19, 20 ms unsampled (weight 1). Total
  // weight 20; 0.95 × 20 = 19, which the 10 ms event's cumulative weight (19) reaches exactly, so
  // the weighted p95 is 10 ms; p99 needs 19.8 → 20 ms; p50 needs 10 → 10 ms. (Unweighted, linear
  // interpolation would give p50 15 ms and p95 19.5 ms.)
  // Each root has one BigQuery query child of 2 ms and 4 ms, with the same weights: weighted p50
  // and p95 2 ms.
  const event = (n: number, ms: number, rate?: number): TestSpan[] => {
    const attrs = rate ? { sampleRate: rate } : {};
    return [
      { trace: traceId(n), id: spanId(10 * n), name: "adserver.request.handle", startMs: 0, durationMs: ms, attrs },
      { trace: traceId(n), id: spanId(10 * n + 1), parent: spanId(10 * n), name: "aggregator.query", startMs: 1, durationMs: 2 * n,
        attrs: { ...attrs, "db.system": "bigquery", "db.statement": "SELECT 1", "db.bytes_billed": 1 } },
    ];
  };
  const spans = [...event(1, 10, 19), ...event(2, 20)];

  it("a cumulative weight exactly at q of the total reaches q: end-to-end, per group and per query", async () => {
    await withModelDb(spans, async (db) => {
      const t = await totals(db);
      expect(t.events).toBe(20);
      expect([t.e2e_p50_ms, t.e2e_p95_ms, t.e2e_p99_ms]).toEqual([10, 10, 20]);
      const r = await breakdown(db, { by: parseGroupKeys("stage") });
      const request = r.groups.find((g) => g.keys.stage === "request")!;
      expect([request.p50_ms, request.p95_ms, request.p99_ms]).toEqual([10, 10, 20]);
      // Self time: 10 − 2 = 8 ms (weight 19) and 20 − 4 = 16 ms (weight 1).
      expect([request.self_p50_ms, request.self_p95_ms]).toEqual([8, 8]);
      const [q] = (await warehouseQueries(db)).queries;
      expect([q!.calls, q!.p50_ms, q!.p95_ms]).toEqual([20, 2, 2]);
    });
  });
});

describe("savings on sampled events", () => {
  it("events all kept 1 in 4 save per event what their unweighted copies save, warehouse query costs included", async () => {
    // Each event: a request root ($0.01) and a Snowflake insert whose cost.usd ($0.02 + i × $0.001)
    // is query cost. Equal weights change no per-event figure, nor the interval's.
    const spans = (rate?: number): TestSpan[] => Array.from({ length: 12 }, (_, i): TestSpan[] => {
      const attrs: Record<string, number> = rate ? { sampleRate: rate } : {};
      return [
        { trace: traceId(i + 1), id: spanId(2 * i + 1), name: "tracker.events.write", startMs: 0, durationMs: 10, attrs: { ...attrs, "cost.usd": "0.01" } },
        { trace: traceId(i + 1), id: spanId(2 * i + 2), parent: spanId(2 * i + 1), name: "tracker.warehouse.insert", startMs: 1, durationMs: 2,
          attrs: { ...attrs, "db.system": "snowflake", "db.statement": "INSERT INTO t VALUES (1)", "cost.usd": String(0.02 + i * 0.001) } },
      ];
    }).flat();
    const run = (rate?: number) => withModelDb(spans(rate), (db) =>
      savings(db, { scenarios: [{ name: "s", levers: [{ kind: "cache", stage: "tracking", value: 0.5, hitCostUsd: 0 }] }], config: { ...defaultConfig(), events_per_day: 1e6 } }));
    const [plain, sampled] = [await run(), await run(4)];
    expect([plain.events, sampled.events]).toEqual([12, 48]);
    // Before: 0.01 + mean(0.02 … 0.031) = 0.0355 per event; a 50% cache on tracking saves half.
    expect(relative(plain.cost_per_event_usd, 0.0355)).toBeLessThan(1e-9);
    expect(relative(sampled.cost_per_event_usd, 0.0355)).toBeLessThan(1e-9);
    plain.rows.forEach((p, i) => {
      const w = sampled.rows[i]!;
      for (const key of ["cost_per_event_before_usd", "savings_per_event_usd", "ci95_low_per_day_usd", "ci95_high_per_day_usd"] as const) {
        expect(relative(w[key], p[key]), `${p.lever} ${key}`).toBeLessThan(1e-9);
      }
    });
  });
});
