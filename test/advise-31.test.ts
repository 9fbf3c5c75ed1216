// src/analysis/advise.ts, its pure parts (helper adv31): the errors of cost per event from the
// moments A, B and R, the bill, the ladder and its recommendation, the smoothed quantile, the
// copies and Binomial draws from scripted uniform draws, the Box–Muller table, and the resampled
// p95 where its outcome is certain. Every expected figure is worked by hand in a comment.
import { describe, expect, it } from "vitest";
import { advise, adviseFrom, binomial, copiesDrawer, gaussian, smoothedQuantile, tooFewEvents, tracedCopies, type AdviseOptions, type AdviseSums } from "../src/analysis/advise.js";
import type { Pricing, WeightSummary } from "../src/analysis/breakdown.js";
import { InputError } from "../src/errors.js";
import { defaultConfig } from "../src/model/config.js";
import { withModelDb } from "./helpers/analysis.js";
import { spanId, traceId, type TestSpan } from "./helpers/otlp.js";

const Z95 = 1.959963984540054;

/** Uniform draws from a script, then `rest` for ever. */
function scripted(draws: number[], rest = 0.5): () => number {
  let i = 0;
  return () => (i < draws.length ? draws[i++]! : rest);
}

function options(over: Partial<AdviseOptions> & { perDay?: number; bytesPerSpan?: number } = {}): AdviseOptions {
  const config = defaultConfig();
  config.events_per_day = over.perDay ?? 10_000;
  config.tracing = { usd_per_gb: 0.1, usd_per_million_spans: 1.7, ...(over.bytesPerSpan === undefined ? {} : { bytes_per_span: over.bytesPerSpan }) };
  return { rates: [1, 0.5, 0.2, 0.1], targetError: 0.4, by: { kind: "stage" }, window: "1d", config, ...over };
}

// The whole: 100 stored events weighing 200 (w = 2), R = 0.01 $/event, A = B = 2; 500 spans of 1,000 B.
// N_W·Σw = 10,000 × 200 = 2e6, so Var(rate) = (2/rate − 2) ÷ 2e6:
//   rate 1: 0; 0.5: 2/2e6 = 1e-6 (√ = 0.001); 0.2: 8/2e6 = 4e-6 (0.002); 0.1: 18/2e6 = 9e-6 (0.003)
// and the error 1.96·√Var ÷ 0.01 is 0, 0.1·Z95, 0.2·Z95, 0.3·Z95.
function sums(groups: AdviseSums["moments"] = [], over: Partial<AdviseSums> = {}): AdviseSums {
  return {
    moments: [{ g1: null, r: 0.01, a: 2, b: 2, n: 100, sw: 200 }, ...groups],
    latencies: [],
    volume: { spans: 500, bytes_per_span: 1000 },
    weights: { marker: "weights" } as unknown as WeightSummary,
    pricing: { marker: "pricing" } as unknown as Pricing,
    ...over,
  };
}

describe("adviseFrom: cost per event, the ladder, the bill", () => {
  it("works the error from A, B and R at each rate, and the events per window", () => {
    const r = adviseFrom("x", options(), sums());
    const err = r.rows.map((row) => row.cost_per_event_rel_err95);
    expect(err[0]).toBe(0);
    expect(err[1]).toBeCloseTo(0.1 * Z95, 12);
    expect(err[2]).toBeCloseTo(0.2 * Z95, 12);
    expect(err[3]).toBeCloseTo(0.3 * Z95, 12);
    // Events per window: 10,000 × rate × 100 ÷ 200 = 5,000 × rate.
    expect(r.rows.map((row) => row.events_per_window)).toEqual([5000, 2500, 1000, 500]);
    expect(r.rows.map((row) => row.rate)).toEqual([1, 0.5, 0.2, 0.1]);
    expect(r.events_per_window_now).toBe(5000);
    expect(r.stored_events).toBe(100);
    expect(r.estimated_events).toBe(200);
    expect(r.cost_per_event_usd).toBe(0.01);
    expect(r.events_per_day).toBe(10_000);
    expect(r.window).toBe("1d");
    expect(r.target_error).toBe(0.4);
    expect(r.by).toBe("stage");
    expect(r.groups).toEqual([]);
    // No latencies: no p95, no error on it, no worst group.
    expect(r.e2e_p95_ms).toBeNull();
    expect(r.latency_events).toBe(0);
    expect(r.rows.every((row) => row.p95_rel_err95 === null && row.worst_group === null && row.worst_group_rel_err95 === null)).toBe(true);
    expect(r.weights).toEqual({ marker: "weights" });
    expect(r.pricing).toEqual({ marker: "pricing" });
    expect(r.resamples).toBe(1000);
  });

  it("recommends the last rate before the first miss and bills spans and bytes", () => {
    // Target 0.4: 0, 0.196, 0.392 meet; 0.588 misses → 0.2.
    const r = adviseFrom("x", options(), sums());
    expect(r.rows.map((row) => row.meets_target)).toEqual([true, true, true, false]);
    expect(r.recommended_rate).toBe(0.2);
    // Spans a day at rate 1: 10,000 × 500 ÷ 200 = 25,000; bytes 2.5e7 = 0.025 GB × $0.1 = 0.0025,
    // spans 0.025 M × $1.7 = 0.0425: $0.045 a day; at 0.2 a fifth, $0.009; saved 0.036.
    expect(r.tracing_usd_per_day_now).toBeCloseTo(0.045, 14);
    expect(r.rows.map((row) => row.tracing_usd_per_day)).toEqual([0.045, 0.0225, 0.009, 0.0045].map((v) => expect.closeTo(v, 14)));
    expect(r.savings_usd_per_day).toBeCloseTo(0.036, 14);
    expect(r.spans_per_event).toBe(5); // 500 spans ÷ 100 events
    expect(r.bytes_per_span).toBe(1000);
    expect(r.bytes_per_span_source).toBe("measured");
    expect(r.usd_per_gb).toBe(0.1);
    expect(r.usd_per_million_spans).toBe(1.7);
  });

  it("bills the configured bytes per span over the measured ones", () => {
    // 25,000 spans × 4,000 B = 1e8 B = 0.1 GB × $0.1 = 0.01, + 0.0425 = $0.0525.
    const r = adviseFrom("x", options({ bytesPerSpan: 4000 }), sums());
    expect(r.bytes_per_span).toBe(4000);
    expect(r.bytes_per_span_source).toBe("config");
    expect(r.tracing_usd_per_day_now).toBeCloseTo(0.0525, 14);
  });

  it("recommends the lowest rate when all meet, and none when the first misses", () => {
    const all = adviseFrom("x", options({ targetError: 1 }), sums());
    expect(all.recommended_rate).toBe(0.1);
    expect(all.savings_usd_per_day).toBeCloseTo(0.045 - 0.0045, 14);
    const none = adviseFrom("x", options({ rates: [0.5, 0.2], targetError: 0.1 }), sums());
    expect(none.rows.map((row) => row.meets_target)).toEqual([false, false]);
    expect(none.recommended_rate).toBeNull();
    expect(none.savings_usd_per_day).toBeNull();
    // A rate that passes again below a miss is not advice: [1 meets, 0.5 misses, 0.2 meets].
    const gap = adviseFrom("x", options({ rates: [1, 0.5, 0.2], targetError: 0.3 }), sums([], { moments: [{ g1: null, r: 0.01, a: 2, b: 2, n: 100, sw: 200 }] }));
    expect(gap.rows.map((row) => row.meets_target)).toEqual([true, true, false]);
  });

  it("meets a target equal to the error, and misses just below it", () => {
    const first = adviseFrom("x", options(), sums());
    const e = first.rows[2]!.cost_per_event_rel_err95!;
    expect(adviseFrom("x", options({ targetError: e }), sums()).rows[2]!.meets_target).toBe(true);
    expect(adviseFrom("x", options({ targetError: e * (1 - 1e-9) }), sums()).rows[2]!.meets_target).toBe(false);
  });

  it("needs 30 events a window: 120 a day × 0.5 × 100 ÷ 200 = 30 meets, × 0.25 = 15 does not", () => {
    const r = adviseFrom("x", options({ perDay: 120, rates: [0.5, 0.25], targetError: 1 }), sums([], { moments: [{ g1: null, r: 0.01, a: 0, b: 0, n: 100, sw: 200 }] }));
    expect(r.rows.map((row) => row.events_per_window)).toEqual([30, 15]);
    expect(r.rows.map((row) => row.cost_per_event_rel_err95)).toEqual([0, 0]);
    expect(r.rows.map((row) => row.meets_target)).toEqual([true, false]);
    expect(r.recommended_rate).toBe(0.5);
  });

  it("works an hour's window as 1/24 of the day's events: the error √24 times larger", () => {
    const r = adviseFrom("x", options({ window: "1h" }), sums());
    // 5,000 ÷ 24 = 208.3333…, rounded to 9 significant digits.
    expect(r.events_per_window_now).toBe(208.333333);
    expect(r.rows[1]!.events_per_window).toBe(104.166667);
    expect(r.rows[1]!.cost_per_event_rel_err95).toBeCloseTo(0.1 * Math.sqrt(24) * Z95, 12);
    expect(r.window).toBe("1h");
    // The bill is per day whatever the window.
    expect(r.tracing_usd_per_day_now).toBeCloseTo(0.045, 14);
  });

  it("clamps a negative variance to 0 and gives no error for a group that costs nothing", () => {
    // Group "neg": A = 1 < B = 3 at rate 1: (1 − 3) < 0 → 0. At 0.5: (2 − 3) < 0 → 0 too; at 0.2: (5 − 3)/2e6 = 1e-6 → 0.001 ÷ 0.02 · Z95.
    const r = adviseFrom("x", options({ rates: [1, 0.5, 0.2], targetError: 1 }), sums([
      { g1: "neg", r: 0.02, a: 1, b: 3, n: 50, sw: 100 },
      { g1: null, r: 0, a: 0, b: 0, n: 50, sw: 100 },
    ]));
    expect(r.groups.map((g) => g.group)).toEqual(["neg", ""]);
    expect(r.groups[0]!.cost_per_event_usd).toBe(0.02);
    expect(r.groups[0]!.rel_err95[0]).toBe(0);
    expect(r.groups[0]!.rel_err95[1]).toBe(0);
    expect(r.groups[0]!.rel_err95[2]).toBeCloseTo(0.05 * Z95, 12);
    expect(r.groups[1]!.rel_err95).toEqual([null, null, null]);
    // At rates 1 and 0.5 no group has an error: none is worst.
    expect(r.rows.map((row) => row.worst_group)).toEqual([null, null, "neg"]);
    expect(r.rows[2]!.worst_group_rel_err95).toBeCloseTo(0.05 * Z95, 12);
  });

  it("names the group with the largest error as worst (the first of equals), and a miss there fails the rate", () => {
    // At 0.5, √Var = 0.001: "a" (R 0.004) 0.25·Z95 = 0.49, "b" (R 0.005) 0.2·Z95 = 0.392, "c" as "a".
    const g = (name: string, r: number) => ({ g1: name, r, a: 2, b: 2, n: 30, sw: 60 });
    const r = adviseFrom("x", options({ rates: [1, 0.5] }), sums([g("b", 0.005), g("a", 0.004), g("c", 0.004)]));
    expect(r.rows[1]!.worst_group).toBe("a");
    expect(r.rows[1]!.worst_group_rel_err95).toBeCloseTo(0.25 * Z95, 12);
    // The whole's 0.196 meets 0.4, the worst group's 0.49 does not.
    expect(r.rows.map((row) => row.meets_target)).toEqual([true, false]);
    expect(r.recommended_rate).toBe(1);
    expect(r.savings_usd_per_day).toBe(0);
    // Only "b" below "a": "b" is worst alone.
    const one = adviseFrom("x", options({ rates: [0.5], targetError: 1 }), sums([g("b", 0.005)]));
    expect(one.rows[0]!.worst_group).toBe("b");
    expect(one.rows[0]!.worst_group_rel_err95).toBeCloseTo(0.2 * Z95, 12);
    expect(one.rows[0]!.meets_target).toBe(true);
  });

  it("refuses fewer than 30 stored events, and takes 30", () => {
    expect(() => tooFewEvents("f.json", 29)).toThrow(InputError);
    expect(() => tooFewEvents("f.json", 29)).toThrow("f.json: holds 29 event(s); with fewer than 30 the data's own variance is a guess and the advice would be noise");
    expect(() => tooFewEvents("f.json", 30)).not.toThrow();
    expect(() => adviseFrom("f.json", options(), sums([], { moments: [{ g1: null, r: 0.01, a: 2, b: 2, n: 29, sw: 58 }] }))).toThrow(InputError);
  });
});

describe("adviseFrom: the end-to-end p95", () => {
  const ms = (values: number[], w = 1) => values.map((v) => ({ w, e2e_ns: v * 1e6 }));
  const oneTo20 = Array.from({ length: 20 }, (_, i) => i + 1);

  it("reads the p95 now as type 7 on equal weights and as the weighted count quantile otherwise", () => {
    // 1…20 ms: position 0.95 × 19 = 18.05 → 19 + 0.05 × (20 − 19) = 19.05.
    expect(adviseFrom("x", options(), sums([], { latencies: ms(oneTo20) })).e2e_p95_ms).toBeCloseTo(19.05, 12);
    // Weight 2 on 20 ms: total 21, 0.95 × 21 = 19.95; 1…19 add to 19 < 19.95, 20 reaches 21 → 20.
    const weighted = [...ms(oneTo20.slice(0, 19)), { w: 2, e2e_ns: 20e6 }];
    expect(adviseFrom("x", options(), sums([], { latencies: weighted })).e2e_p95_ms).toBe(20);
  });

  it("gives no p95 error at rate 1 on unsampled data, and some on data sampled at 50%", () => {
    const now = adviseFrom("x", options({ rates: [1], targetError: 1 }), sums([], { latencies: ms(oneTo20) }));
    expect(now.rows[0]!.p95_rel_err95).toBe(0);
    expect(now.latency_events).toBe(20);
    const sampled = adviseFrom("x", options({ rates: [1], targetError: 1, resamples: 50 }), sums([], { latencies: ms(oneTo20, 2) }));
    expect(sampled.rows[0]!.p95_rel_err95).toBeGreaterThan(0);
    expect(sampled.resamples).toBe(50);
    // One event of weight 1 among weight-2 ones is not a window traced whole at rate 1.
    const mixed = adviseFrom("x", options({ rates: [1], targetError: 1, resamples: 50 }), sums([], { latencies: [{ w: 1, e2e_ns: 1e6 }, ...ms(oneTo20.slice(1), 2)] }));
    expect(mixed.rows[0]!.p95_rel_err95).toBeGreaterThan(0);
    // A relative error: durations 1,000…20,000 ms, p95 near 19,000, cannot be off by as much as itself.
    const wide = adviseFrom("x", options({ rates: [1], targetError: 1, resamples: 50 }), sums([], { latencies: ms(oneTo20.map((v) => v * 1000), 2) }));
    expect(wide.rows[0]!.p95_rel_err95).toBeGreaterThan(0);
    expect(wide.rows[0]!.p95_rel_err95).toBeLessThan(1);
    // And how far: 20 cells of equal mass, the p95 now at the top of 19,000's cell [18,500, 19,500]:
    // 19,500. Each event stands for 10,000 ÷ 40 × 2 = 500 window events, traced with p 0.5:
    // 250 ± √125 = ±11 copies (4.5%), so the top cell's share (1/20) moves by about 4.5% and the
    // p95 by about 0.045 × 500 = 22 ms, 0.12%; its 95th percentile stays well under 1% (195 ms).
    // (Against the largest value, 20,000, instead of 19,500 it would be 2.5%.)
    expect(wide.e2e_p95_ms).toBeCloseTo(19_050, 9); // the count quantile: 19,000 + 0.05 × 1,000
    expect(wide.rows[0]!.p95_rel_err95).toBeLessThan(0.01);
  });

  it("gives no p95 error when every duration is 0 (nothing to be relative to)", () => {
    const r = adviseFrom("x", options({ rates: [0.5], targetError: 1, resamples: 10 }), sums([], { latencies: ms([0, 0, 0]) }));
    expect(r.e2e_p95_ms).toBe(0);
    expect(r.rows[0]!.p95_rel_err95).toBeNull();
  });

  it("counts an empty resample as wrong as can be (1), a traced one event as exact (0)", () => {
    // One stored event, 1 a day: the window holds 1 event, traced with probability r. Its smoothed
    // p95 is its own duration whenever it is traced (error 0), else the error is 1.
    // At r = 0.01, P(untraced) = 0.99: far more than 5% of the 1,000 resamples are 1 → 1.
    // At r = 0.999, P(untraced) = 0.001: about 1 in 1,000, far fewer than the 50 that would move the 95th percentile → 0.
    const one = sums([], { latencies: ms([7]) });
    const r = adviseFrom("x", options({ perDay: 1, rates: [0.999, 0.01], targetError: 1 }), one);
    expect(r.rows.map((row) => row.p95_rel_err95)).toEqual([0, 1]);
    expect(r.e2e_p95_ms).toBe(7);
    // One event of weight 2, 10 a day: it stands for M = 10 ÷ 2 × 2 = 10 window events, each traced
    // with p = 0.3/2 = 0.15; untraced with 0.85^10 = 0.197, far above 5% of the resamples → 1.
    // (Had M been 10 × 2 × 2 = 40: 0.85^40 = 0.0015 → 0.)
    const heavy = adviseFrom("x", options({ perDay: 10, rates: [0.3], targetError: 1 }), sums([], { latencies: ms([7], 2) }));
    expect(heavy.rows[0]!.p95_rel_err95).toBe(1);
    // 40 a day: M = 40 ÷ 2 × 2 = 40, untraced with 0.85^40 = 0.0015, about 1.5 of 1,000 → 0.
    // (Had M been 40 ÷ 2 ÷ 2 = 10: 0.197 → 1.)
    const heavier = adviseFrom("x", options({ perDay: 40, rates: [0.3], targetError: 1 }), sums([], { latencies: ms([7], 2) }));
    expect(heavier.rows[0]!.p95_rel_err95).toBe(0);
    // The p95's error of 1 meets a target of 1, not one of 0.99 (the cost error is 0 throughout: A = B = 0).
    const flat = { moments: [{ g1: null, r: 0.01, a: 0, b: 0, n: 100, sw: 100 }], latencies: ms([7]) };
    // 30 events a window needs 30 a day at rate 1 (perDay × 1 × 100 ÷ 100): take 6,000 so both rates pass it.
    const miss = adviseFrom("x", options({ perDay: 6000, rates: [1, 0.5], targetError: 0.99 }), sums([], flat));
    expect(miss.rows[0]!.p95_rel_err95).toBe(0);
    expect(miss.rows.map((row) => row.meets_target)).toEqual([true, true]);
  });

  it("states the method with the resamples and the events", () => {
    const r = adviseFrom("x", options({ rates: [1], resamples: 1500 }), sums([], { latencies: ms(Array.from({ length: 1234 }, (_, i) => i + 1)) }));
    expect(r.method.p95).toBe("1,500 resamples (a fixed seed per rate) of 1,234 events, each traced Binomial(M, r/w) times, on the durations smoothed between neighbours; the 95th percentile of |p95 − p95 now| ÷ p95 now");
    expect(r.method.cost).toBe("the ratio Σw·c ÷ Σw's linearised variance under Poisson thinning at rate r, composed with the weights: 1.96·√((A/r − B) ÷ (N_window·Σw)) ÷ R");
  });
});

describe("smoothedQuantile", () => {
  const v = [10, 20, 30];
  it("spreads each value's mass over the cell between its neighbours' midpoints", () => {
    // Mass 1 each, q 0.5: target 1.5, in 20's cell [15, 25] half way → 20.
    expect(smoothedQuantile(v, [1, 1, 1], 0.5)).toBe(20);
    // q 0.95: target 2.85, 0.85 into 30's cell [25, 30] → 25 + 0.85 × 5 = 29.25.
    expect(smoothedQuantile(v, [1, 1, 1], 0.95)).toBeCloseTo(29.25, 12);
    // q 0: the bottom of the first cell, 10 (its low end is the value itself).
    expect(smoothedQuantile(v, [1, 1, 1], 0)).toBe(10);
    // q 0.1 of [1, 3, 0]: target 0.4 → 10 + 0.4 × (15 − 10) = 12.
    expect(smoothedQuantile(v, [1, 3, 0], 0.1)).toBeCloseTo(12, 12);
    // q 0.5 of [1, 3, 0]: target 2 → 20's cell, (2 − 1)/3 of [15, 25] → 18.333….
    expect(smoothedQuantile(v, [1, 3, 0], 0.5)).toBeCloseTo(15 + 10 / 3, 12);
  });
  it("skips cells without mass and stops at the last", () => {
    // [0, 2, 2], q 0.1: target 0.4; 10's cell is empty; 20's [15, 25]: 15 + 0.2 × 10 = 17.
    expect(smoothedQuantile(v, [0, 2, 2], 0.1)).toBeCloseTo(17, 12);
    // q 1 of [1, 1, 0]: target 2, reached at the top of 20's cell: 25.
    expect(smoothedQuantile(v, [1, 1, 0], 1)).toBe(25);
    // Past the top (q 2, target 6): the last cell's top, 30, and never beyond.
    expect(smoothedQuantile(v, [1, 1, 1], 2)).toBe(30);
    // Below the bottom (q −1): the first cell's bottom, 10, never below.
    expect(smoothedQuantile(v, [1, 1, 1], -1)).toBe(10);
    // No mass at all: the last value.
    expect(smoothedQuantile(v, [0, 0, 0], 0.5)).toBe(30);
  });
});

describe("tracedCopies and copiesDrawer", () => {
  it("draws a normal count when m·p and m·(1 − p) are both at least 30", () => {
    // m 100, p 0.5: mean 50, sd √25 = 5; a normal draw of 1 → 55, of −20 → −50 → 0.
    expect(tracedCopies(100, 0.5, () => 0.5, () => 1)).toBe(55);
    expect(tracedCopies(100, 0.5, () => 0.5, () => -20)).toBe(0);
    // m 60, p 0.5: 30 and 30, normal: draw 0 → 30 (a Binomial from uniform 0 would be 0).
    expect(tracedCopies(60, 0.5, () => 0, () => 0)).toBe(30);
    // m 100, p 0.7: 70 and 30, normal → 70; p 0.71: 29 below 30, Binomial: 100 − B(100, 0.29) at uniform 0 = 100 − 0.
    expect(tracedCopies(100, 0.7, () => 0, () => 0)).toBeCloseTo(70, 12);
    expect(tracedCopies(100, 0.71, () => 0, () => 0)).toBe(100);
    // m 59.9, p 0.5: 29.95 below 30: Binomial(59, 0.5) at 0 → 0, then the fraction 0.9:
    // a = 0.9 × 0.5 + 0.5 = 0.95, kept with probability 0.45/0.95; the draw 0 keeps it → 0.95.
    expect(tracedCopies(59.9, 0.5, () => 0, () => 0)).toBeCloseTo(0.95, 12);
  });
  it("adds the fraction of a weight as a two-point mass: 0 or f·p + 1 − p", () => {
    // (A normal is passed: by default tracedCopies fills a Box–Muller table from the draws first.)
    // m 1.25, p 0.5: Binomial(1, 0.5) then the fraction 0.25: a = 0.125 + 0.5 = 0.625, keep = 0.125/0.625 = 0.2.
    expect(tracedCopies(1.25, 0.5, scripted([0.3, 0.1]), () => 0)).toBeCloseTo(1.625, 12); // 0.3 < 0.5 → 1; 0.1 < 0.2 → + 0.625
    expect(tracedCopies(1.25, 0.5, scripted([0.7, 0.5]), () => 0)).toBe(0); // 0.7 ≥ 0.5 → 0; 0.5 ≥ 0.2 → nothing
    expect(tracedCopies(1.25, 0.5, scripted([0.7, 0.2]), () => 0)).toBe(0); // 0.2 is not below 0.2
    expect(tracedCopies(1.25, 0.5, scripted([0.7, 0.19]), () => 0)).toBeCloseTo(0.625, 12);
    // p 1: every copy traced, the fraction too: 1.25.
    expect(tracedCopies(1.25, 1, scripted([0.9, 0.9]), () => 0)).toBe(1.25);
    // Whole m: only the Binomial, counting: 0.1 and 0.4 below 0.5, 0.6 not → 2.
    expect(tracedCopies(3, 0.5, scripted([0.1, 0.6, 0.4]), () => 0)).toBe(2);
    expect(copiesDrawer(3, 0.5)(scripted([0.1, 0.6, 0.4]), () => 0)).toBe(2);
  });
});

/** Binomial(n, p)'s pmf(k) = C(n, k) p^k (1 − p)^(n − k), the coefficient worked as a product. */
function binomialPmf(n: number, p: number, k: number): number {
  let c = 1;
  for (let i = 0; i < k; i++) c = (c * (n - i)) / (i + 1);
  return c * p ** k * (1 - p) ** (n - k);
}

describe("binomial", () => {
  it("is 0 for no trials or p 0, n for p 1", () => {
    expect(binomial(0, 0.5, () => 0)).toBe(0);
    expect(binomial(-1, 0.5, () => 0)).toBe(0);
    expect(binomial(5, 0, () => 0)).toBe(0);
    expect(binomial(5, -0.1, () => 0)).toBe(0);
    expect(binomial(5, 1, () => 0.99)).toBe(5);
    expect(binomial(5, 1.5, () => 0.99)).toBe(5);
  });
  it("counts draws below p, and draws p above 0.5 as n minus its complement", () => {
    expect(binomial(1, 0.3, () => 0.29)).toBe(1);
    expect(binomial(1, 0.3, () => 0.3)).toBe(0);
    // p 0.75 → 3 − B(3, 0.25): 0.1 and 0.2 below 0.25 → 2 → 1.
    expect(binomial(3, 0.75, scripted([0.1, 0.3, 0.2]))).toBe(1);
    // p 0.5 is counted itself: 0.5 is not below 0.5 → 0 (as 3 − B(3, 0.5) it would be 3).
    expect(binomial(3, 0.5, () => 0.5)).toBe(0);
    // n 32 still counts: every draw 0.05 < 0.1 → 32 (the inversion would give 1).
    expect(binomial(32, 0.1, () => 0.05)).toBe(32);
  });
  it("inverts the cumulative probabilities from n 33 on", () => {
    // Binomial(40, 0.1): pmf(k) = C(40, k) 0.1^k 0.9^(40 − k).
    const n = 40;
    const p = 0.1;
    const pmf = (k: number) => binomialPmf(n, p, k);
    let cdf = 0;
    for (let k = 0; k <= 8; k++) {
      // A draw halfway into cell k lands on k.
      expect(binomial(n, p, () => cdf + pmf(k) / 2)).toBe(k);
      cdf += pmf(k);
    }
    // 0.9^40 = 0.01478: a draw of 0.0147 is in cell 0, of 0.0148 in cell 1; n 33 at 0.05: 0.9^33 = 0.0309, + 33·0.1·0.9^32 = 0.1129 → 1.
    expect(binomial(40, 0.1, () => 0.0147)).toBe(0);
    expect(binomial(40, 0.1, () => 0.0148)).toBe(1);
    expect(binomial(33, 0.1, () => 0.05)).toBe(1);
  });
  it("refuses a mean past the inversion's reach, where (1 − p)^n underflows", () => {
    // 0.5^2000 = 2^−2000 < 2^−1074: 0.
    expect(() => binomial(2000, 0.5, () => 0.5)).toThrow("binomial(2000, 0.5): a mean of 1000 is past the inversion's reach (below 30)");
  });
  it("puts a draw above the computed mass at the top of the distribution, not at n", () => {
    // Binomial(10^7, 10^−6): mean 10; the mass walked sums to 1 − about 10^−9, so a draw of
    // 1 − 2^−53 is past it; it lands in the far tail, well below n, and quickly.
    const k = binomial(10_000_000, 1e-6, () => 1 - 2 ** -53);
    expect(k).toBeGreaterThan(25);
    expect(k).toBeLessThan(200);
    // Binomial(40, 0.4) at a draw just under 1: the walk reaches k = n = 40 past the mass: the
    // top cell with mass is 40 (0.4^40 = 1.2e-16 > 0).
    expect(binomial(40, 0.4, () => 1 - 2 ** -53)).toBeGreaterThan(25);
  });
});

describe("gaussian", () => {
  it("fills its table by Box–Muller from 1 − u and reads it at random indices", () => {
    // Pairs (0.75, 0.25): radius √(−2 ln(1 − 0.75)) = √(4 ln 2) = 1.66511; angle 2π × 0.25 = π/2:
    // even entries 1.665 × cos(π/2) ≈ 0, odd entries 1.665 × sin(π/2) = 1.665.
    // Pairs (0.75, 1/12): the same radius, angle π/6: even entries 1.665 × √3/2 = √(3 ln 2), odd ones 1.665 × 1/2 = √(ln 2).
    const table = Array.from({ length: 65_536 }, (_, i) => (i % 2 ? 1 / 12 : 0.75));
    const normal = gaussian(scripted([...table, 1 / 65_536, 0, 65_535 / 65_536]));
    expect(normal()).toBeCloseTo(Math.sqrt(Math.LN2), 12); // index 1
    expect(normal()).toBeCloseTo(Math.sqrt(3 * Math.LN2), 12); // index 0
    expect(normal()).toBeCloseTo(Math.sqrt(Math.LN2), 12); // index 65,535, the last, odd
  });
});

describe("the draws each drawer takes", () => {
  const counting = (value = 0.5) => {
    const random = () => (random.calls++, value);
    random.calls = 0;
    return random;
  };
  it("takes the normal branch only when m·p and m·(1 − p) both reach 30", () => {
    // m 100, p 0.29: m·p = 29 < 30: Binomial(100, 0.29) at uniform 0 → 0 (the normal draw 0 would give 29).
    expect(tracedCopies(100, 0.29, () => 0, () => 0)).toBe(0);
  });
  it("draws no uniform for a whole m, nor for a fraction at p 1, nor for no trials or p 0", () => {
    // A whole m draws the Binomial alone: two calls on one stream read 3 draws each.
    // [0.1, 0.6, 0.4] → 2; then [0.1, 0.9, 0.9] → 1.
    const draw = copiesDrawer(3, 0.5);
    const random = scripted([0.1, 0.6, 0.4, 0.1, 0.9, 0.9, 0.9]);
    expect([draw(random, () => 0), draw(random, () => 0)]).toEqual([2, 1]);
    for (const [m, p] of [[1.25, 1], [5, 0], [0, 0.5]] as const) {
      const r = counting();
      copiesDrawer(m, p)(r, () => 0);
      expect(r.calls).toBe(0);
    }
    for (const [n, p] of [[5, 0], [0, 0.5], [-1, 0.5], [5, -0.1]] as const) {
      const r = counting();
      expect(binomial(n, p, r)).toBe(0);
      expect(r.calls).toBe(0);
    }
  });
  it("inverts the same way draw after draw (the probabilities kept from earlier draws)", () => {
    const n = 40;
    const p = 0.1;
    const pmf = (k: number) => binomialPmf(n, p, k);
    const cdf = (k: number) => Array.from({ length: k }, (_, j) => pmf(j)).reduce((a, b) => a + b, 0);
    const draw = copiesDrawer(n, p); // m·p = 4 < 30: the inversion
    for (const k of [3, 1, 5, 5, 2, 7, 0, 6]) expect(draw(() => cdf(k) + pmf(k) / 2, () => 0)).toBe(k);
    // A draw exactly on the first probability is in cell 0.
    expect(binomial(n, p, () => Math.pow(1 - p, n))).toBe(0);
  });
});

describe("advise: the sums from DuckDB", () => {
  // 30 one-span events (stage request), trace i lasting i ms, costing $1 (odd i) or $3 (even i), weight 1.
  const spans = (count: number): TestSpan[] => Array.from({ length: count }, (_, k) => ({
    trace: traceId(k + 1), id: spanId(k + 1), name: "adserver.request.handle", startMs: 0, durationMs: k + 1, attrs: { "cost.usd": (k + 1) % 2 ? 1 : 3 },
  }));
  const configOf = () => ({ ...defaultConfig(), events_per_day: 3000 });

  it("reads the moments, the latencies and the span volume, and works the advice from them", async () => {
    const r = await withModelDb(spans(30), (db) => advise(db, "x", { ...options(), rates: [1, 0.5], targetError: 1, config: configOf() }));
    // R = (15 × 1 + 15 × 3) ÷ 30 = 2; A = B = 30 × (±1)² = 30; N_W·Σw = 3,000 × 30 = 90,000.
    // Rate 0.5: (30/0.5 − 30) ÷ 90,000 = 1/3,000 → Z95 · √(1/3,000) ÷ 2.
    expect(r.cost_per_event_usd).toBeCloseTo(2, 12);
    expect(r.stored_events).toBe(30);
    expect(r.estimated_events).toBe(30);
    expect(r.rows[0]!.cost_per_event_rel_err95).toBe(0);
    expect(r.rows[1]!.cost_per_event_rel_err95).toBeCloseTo((Z95 * Math.sqrt(1 / 3000)) / 2, 9);
    // The one group, request, is the whole.
    expect(r.groups.map((g) => g.group)).toEqual(["request"]);
    expect(r.groups[0]!.rel_err95[1]).toBeCloseTo((Z95 * Math.sqrt(1 / 3000)) / 2, 9);
    // 1…30 ms: 0.95 × 29 = 27.55 → 28 + 0.55 = 28.55.
    expect(r.e2e_p95_ms).toBeCloseTo(28.55, 9);
    expect(r.latency_events).toBe(30);
    expect(r.spans_per_event).toBe(1);
    expect(r.bytes_per_span).toBeGreaterThan(100);
    expect(r.bytes_per_span_source).toBe("measured");
    expect(r.events_per_window_now).toBe(3000);
  });

  it("checks the cost of each value of an attribute, kept by the model and present on the spans", async () => {
    const tiered = spans(30).map((sp, k) => ({ ...sp, attrs: { ...sp.attrs, tier: k % 2 ? "silver" : "gold" } }));
    const tier = { kind: "attr", key: "tier" } as const;
    const r = await withModelDb(tiered, (db) => advise(db, "x", { ...options(), by: tier, rates: [1, 0.5], targetError: 1, config: configOf() }), configOf(), { attributeKeys: ["tier"] });
    // gold = the $1 events: R = 15 ÷ 30 = 0.5, every event off by 0.5 (in: 1 − 0.5, out: 0 − 0.5): A = B = 30 × 0.25 = 7.5;
    // at 0.5: (15 − 7.5) ÷ 90,000 = 1/12,000. silver = the $3 ones: R = 1.5, A = B = 30 × 2.25 = 67.5: 67.5 ÷ 90,000.
    expect(r.by).toBe("tier");
    expect(r.groups.map((g) => [g.group, g.cost_per_event_usd])).toEqual([["gold", expect.closeTo(0.5, 12)], ["silver", expect.closeTo(1.5, 12)]]);
    expect(r.groups[0]!.rel_err95[1]).toBeCloseTo((Z95 * Math.sqrt(1 / 12_000)) / 0.5, 9);
    expect(r.groups[1]!.rel_err95[1]).toBeCloseTo((Z95 * Math.sqrt(67.5 / 90_000)) / 1.5, 9);
    // An attribute the model did not keep, and one no span carries, are refused.
    await expect(withModelDb(tiered, (db) => advise(db, "x", { ...options(), by: tier, config: configOf() }), configOf())).rejects.toThrow("installed without attribute(s) tier");
    await expect(withModelDb(tiered, (db) => advise(db, "x", { ...options(), by: { kind: "attr", key: "tire" }, config: configOf() }), configOf(), { attributeKeys: ["tire"] }))
      .rejects.toThrow("--by: no attribute 'tire' on these spans (did you mean 'attr:tier'?)");
  });

  it("resamples only latencyEvents events, and refuses 29 events before anything else", async () => {
    const r = await withModelDb(spans(30), (db) => advise(db, "x", { ...options(), rates: [1], targetError: 1, latencyEvents: 10, config: configOf() }));
    expect(r.latency_events).toBe(10);
    await expect(withModelDb(spans(29), (db) => advise(db, "few.json", { ...options(), config: configOf() }))).rejects.toThrow("few.json: holds 29 event(s)");
  });
});
