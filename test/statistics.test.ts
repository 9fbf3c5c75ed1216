// src/analysis/statistics.ts (the one statistics module, issue 15) against independent computations: simple-statistics over the same
// numbers with each value repeated as often as its (integer) weight, and hand-worked cases.
import { describe, expect, it } from "vitest";
import * as ss from "simple-statistics";
import {
  countQuantile, drawCounts, meanInterval, median, momentsMeanInterval, momentsMeanVariance, percentileInterval, reliabilityVariance,
  resampledMean, resampledQuantile, tQuantile995, typeSevenQuantile, weightedCountQuantile, weightedMean, weightedMeanVariance, weightedQuantile,
} from "../src/analysis/statistics.js";
import { mulberry32 } from "../src/db/random.js";

const x = [3.5, 0.25, 8, 1, 13, 2.75, 5, 0.5];
const w = [2, 1, 3, 1, 1, 4, 2, 1];
/** Each value as often as its weight. */
const repeated = x.flatMap((v, i) => Array.from({ length: w[i]! }, () => v));

describe("statistics", () => {
  it("a weighted mean is the mean of the values repeated by weight; 0 with no weight", () => {
    expect(weightedMean(x, w)).toBeCloseTo(ss.mean(repeated), 12);
    expect(weightedMean([1, 2], [0, 0])).toBe(0);
  });

  it("the variance of the mean with equal weights is the sample variance over n", () => {
    const ones = x.map(() => 1);
    expect(weightedMeanVariance(x, ones)).toBeCloseTo(ss.sampleVariance(x) / x.length, 12);
    // Kish: n_eff = (Σw)²/Σw² = 15²/37; variance = Σw(x−m)²/Σw · n/(n−1) / n.
    const m = ss.mean(repeated);
    const nEff = 225 / 37;
    const byHand = ((x.reduce((s, v, i) => s + w[i]! * (v - m) ** 2, 0) / 15) * (nEff / (nEff - 1))) / nEff;
    expect(weightedMeanVariance(x, w)).toBeCloseTo(byHand, 12);
    expect(weightedMeanVariance([4], [1])).toBe(0);
    const interval = meanInterval(x, w);
    expect(interval.high - interval.mean).toBeCloseTo(1.96 * Math.sqrt(byHand), 12);
    expect(interval.mean - interval.low).toBeCloseTo(1.96 * Math.sqrt(byHand), 12);
  });

  it("the same variance and interval from the sums savings and diff read from SQL (Σw, Σw², Σw·x, Σw(x−m)²)", () => {
    const m = ss.mean(repeated);
    const sums = { sw: 15, sw2: 37, swx: ss.sum(repeated), ss: x.reduce((s, v, i) => s + w[i]! * (v - m) ** 2, 0) };
    const nEff = 225 / 37;
    const byHand = ((sums.ss / 15) * (nEff / (nEff - 1))) / nEff;
    expect(momentsMeanVariance(sums)).toBeCloseTo(byHand, 12);
    const interval = momentsMeanInterval(sums);
    expect(interval.mean).toBeCloseTo(m, 12);
    expect(interval.high - interval.mean).toBeCloseTo(1.96 * Math.sqrt(byHand), 12);
    expect(momentsMeanVariance({ sw: 0, sw2: 0, ss: 0 })).toBe(0);
    expect(momentsMeanInterval({ sw: 0, sw2: 0, swx: 0, ss: 0 })).toEqual({ mean: 0, low: 0, high: 0 });
    // One event: no spread to measure.
    expect(momentsMeanVariance({ sw: 3, sw2: 9, ss: 0 })).toBe(0);
  });

  it("reliability-weighted variance: the sample variance with weights 1, Σw(x−m)²/(Σw − Σw²/Σw) by hand otherwise", () => {
    expect(reliabilityVariance(x, x.map(() => 1))).toBeCloseTo(ss.sampleVariance(x), 12);
    const m = ss.mean(repeated);
    expect(reliabilityVariance(x, w)).toBeCloseTo(x.reduce((s, v, i) => s + w[i]! * (v - m) ** 2, 0) / (15 - 37 / 15), 12);
  });

  it("Student's t at 0.995 from the table, and past it the expansion", () => {
    expect(tQuantile995(1)).toBe(63.657);
    expect(tQuantile995(10)).toBe(3.169);
    // Tables: t(0.995, 60) = 2.660, t(0.995, 120) = 2.617; the normal's 2.5758 as df grows.
    expect(tQuantile995(60)).toBeCloseTo(2.66, 3);
    expect(tQuantile995(120)).toBeCloseTo(2.617, 3);
    expect(tQuantile995(1e9)).toBeCloseTo(2.5758293, 6);
  });

  it("median agrees with a hand count, 0 for nothing", () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([5, 1, 3, 10])).toBe(4);
    expect(median([])).toBe(0);
  });

  it("quantiles: type 7 with equal weights, the cumulative-weight rule otherwise", () => {
    const sorted = [...x].sort((a, b) => a - b);
    // R type 7 for q = 0.95, n = 8: position 6.65 between the 7th and 8th values (8 and 13).
    expect(typeSevenQuantile(sorted, 0.95)).toBeCloseTo(8 + 0.65 * 5, 12);
    expect(weightedQuantile(x.map((value) => ({ value, weight: 2 })), 0.95)).toBeCloseTo(8 + 0.65 * 5, 12);
    // Unequal weights: the smallest value whose cumulative weight reaches q·Σw, which over the
    // repeated values is the inverse CDF; simple-statistics' quantileSorted is that when q·n is not whole.
    const sortedRepeated = [...repeated].sort((a, b) => a - b);
    for (const q of [0.1, 0.5, 0.77, 0.95]) {
      expect(weightedQuantile(x.map((value, i) => ({ value, weight: w[i]! })), q)).toBe(ss.quantileSorted(sortedRepeated, q));
    }
    // Where the cumulative weight meets q·Σw exactly (2 of 4 at q = 0.5), that value is the quantile.
    expect(weightedQuantile([{ value: 3, weight: 2 }, { value: 1, weight: 1 }, { value: 2, weight: 1 }], 0.5)).toBe(2);
    // Over a multiset given as counts: the same as over the values repeated.
    const values = [...new Set(sortedRepeated)];
    const counts = values.map((v) => sortedRepeated.filter((r) => r === v).length);
    expect(countQuantile(values, counts, 0.95)).toBeCloseTo(typeSevenQuantile(sortedRepeated, 0.95), 12);
    expect(countQuantile(values, counts, 0.3)).toBeCloseTo(typeSevenQuantile(sortedRepeated, 0.3), 12);
    expect(weightedCountQuantile(values, counts, values.map(() => 1), 0.77)).toBe(ss.quantileSorted(sortedRepeated, 0.77));
  });

  it("a resample's quantile counts each value as often as its event was drawn", () => {
    const sorted = [1, 2, 3, 4, 5, 6];
    const event = [0, 1, 1, 2, 3, 3];
    const weight = [1, 1, 1, 1, 1, 1];
    const counts = Int32Array.from([2, 0, 1, 1]); // event 0 twice, event 1 never
    const drawn = [1, 1, 4, 5, 6];
    expect(resampledQuantile(sorted, event, weight, counts, 0.5, true)).toBe(typeSevenQuantile(drawn, 0.5));
    expect(resampledQuantile(sorted, event, weight, counts, 0.95, true)).toBeCloseTo(typeSevenQuantile(drawn, 0.95), 12);
    expect(resampledQuantile(sorted, event, weight, Int32Array.from([0, 0, 0, 0]), 0.5, true)).toBeNaN();
  });

  it("the bootstrap: draws sum to n, and the percentile interval of a mean's resamples is near the normal one", () => {
    const random = mulberry32(7);
    const counts = new Int32Array(50);
    drawCounts(counts, random);
    expect(counts.reduce((s, c) => s + c, 0)).toBe(50);
    const n = 4000;
    const xs = Float64Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) / 10);
    const ws = Float64Array.from({ length: n }, (_, i) => 1 + (i % 3));
    const replicates = Float64Array.from({ length: 1000 }, () => resampledMean(xs, ws, random)).sort();
    const { low, high } = percentileInterval(replicates);
    const normal = meanInterval(xs, ws);
    expect(low).toBeLessThan(normal.mean);
    expect(high).toBeGreaterThan(normal.mean);
    // Both are 95% intervals of the same mean: their widths agree within a tenth.
    expect((high - low) / (normal.high - normal.low)).toBeGreaterThan(0.9);
    expect((high - low) / (normal.high - normal.low)).toBeLessThan(1.1);
    expect(percentileInterval(Float64Array.from({ length: 1001 }, (_, i) => i))).toEqual({ low: 25, high: 975 });
  });
});

describe("statistics: the edges (issue 25, StrykerJS survivors of src/analysis/statistics.ts)", () => {
  it("type 7 at q = 0 and q = 1 is the smallest and the largest value", () => {
    expect(typeSevenQuantile([2, 5, 9], 0)).toBe(2);
    expect(typeSevenQuantile([2, 5, 9], 1)).toBe(9);
    expect(typeSevenQuantile([4], 0.95)).toBe(4);
  });

  it("Student's t: the table up to 30 degrees of freedom, the expansion from 31", () => {
    expect(tQuantile995(30)).toBe(2.75);
    // Tables: t(0.995, 31) = 2.744.
    expect(tQuantile995(31)).toBeCloseTo(2.744, 3);
  });

  it("Student's t past 30 degrees of freedom: within 2.5e-5 of the quantile found by integrating t's density", () => {
    // Independent of the expansion: the density (1 + t²/ν)^(−(ν+1)/2), normalised numerically
    // (Simpson over [0, 60], the tail beyond under 1e-40), and bisection for the point where
    // ∫₀ˣ = 0.495 of the whole. The three-term expansion is short of the truth by its fourth
    // term, ≈ 12.1 / ν⁴ (1.3e-5 at ν = 31); a sign slip in a term moves it by 5e-5 or more there
    // (seed 27, statistics.ts:88, g3's 17·z³ → −17·z³).
    const simpson = (f: (t: number) => number, a: number, b: number, n: number) => {
      const h = (b - a) / n;
      let sum = f(a) + f(b);
      for (let i = 1; i < n; i++) sum += f(a + i * h) * (i % 2 ? 4 : 2);
      return (sum * h) / 3;
    };
    for (const df of [31, 34, 40, 60, 120]) {
      const density = (t: number) => (1 + (t * t) / df) ** (-(df + 1) / 2);
      const half = simpson(density, 0, 60, 60_000);
      let [low, high] = [2.5, 3];
      for (let i = 0; i < 60; i++) {
        const mid = (low + high) / 2;
        if (simpson(density, 0, mid, 6_000) / half < 0.99) low = mid;
        else high = mid;
      }
      expect(Math.abs(tQuantile995(df) - low), `df ${df}: ${tQuantile995(df)} against ${low}`).toBeLessThan(2.5e-5);
    }
  });

  it("a quantile over counts skips values drawn 0 times, and reads fractional counts as ranks", () => {
    // Counts 1, 0, 2, 1 are the multiset 1, 3, 3, 4: type 7 at 0.5 is position 1.5 → 3; at 0.9,
    // position 2.7 → 3 + 0.7 × (4 − 3); at 1, 4.
    expect(countQuantile([1, 2, 3, 4], [1, 0, 2, 1], 0.5)).toBe(3);
    expect(countQuantile([1, 2, 3, 4], [1, 0, 2, 1], 0.9)).toBeCloseTo(3.7, 12);
    expect(countQuantile([1, 2, 3, 4], [1, 0, 2, 1], 1)).toBe(4);
    expect(countQuantile([1, 2, 3, 4], [1, 0, 2, 1], 0)).toBe(1);
    // Fractional counts 0.5, 0, 1.5, 2 (total 4): value 1 holds ranks [0, 0.5), 3 holds [0.5, 2),
    // 4 holds [2, 4). At 0.5, position 1.5 lies between rank 1 (3) and rank 2 (4): 3.5.
    expect(countQuantile([1, 2, 3, 4], [0.5, 0, 1.5, 2], 0.5)).toBe(3.5);
    // A value drawn 0 times at the end: between the two present, 1 + 0.5 × (2 − 1).
    expect(countQuantile([1, 2, 3], [1, 1, 0], 0.5)).toBe(1.5);
    // Counts 1, 1, 0, 1 are the multiset 1, 2, 4: at 0.75, position 1.5 → 2 + 0.5 × (4 − 2), past the 3 drawn 0 times.
    expect(countQuantile([1, 2, 3, 4], [1, 1, 0, 1], 0.75)).toBe(3);
  });

  it("a weighted quantile over counts never returns a value drawn 0 times", () => {
    // At q = 0 the first value whose cumulative weight reaches 0 would be the undrawn 1.
    expect(weightedCountQuantile([1, 2, 3], [0, 1, 1], [5, 1, 1], 0)).toBe(2);
    // Weights 2 and 6 at counts 1 and 1: half the total (4) is reached at the second value.
    expect(weightedCountQuantile([1, 2], [1, 1], [2, 6], 0.5)).toBe(2);
    expect(weightedCountQuantile([1, 2], [1, 1], [4, 4], 0.5)).toBe(1);
  });

  it("a resample's weighted quantile: the smallest value whose drawn weight reaches q of the total", () => {
    const sorted = [1, 2, 3, 4, 5, 6];
    const event = [0, 1, 1, 2, 3, 3];
    const weight = [1, 2, 1, 3, 1, 2];
    const counts = Int32Array.from([2, 0, 1, 1]);
    // Drawn weight (count × weight): 1 → 2, 4 → 3, 5 → 1, 6 → 2; total 8.
    expect(resampledQuantile(sorted, event, weight, counts, 0.25, false)).toBe(1); // 2 reaches 2 exactly
    expect(resampledQuantile(sorted, event, weight, counts, 0.5, false)).toBe(4); // 5 ≥ 4
    expect(resampledQuantile(sorted, event, weight, counts, 0.95, false)).toBe(6); // 8 ≥ 7.6
    expect(resampledQuantile(sorted, event, weight, Int32Array.from([0, 0, 0, 0]), 0.5, false)).toBeNaN();
    // Interpolated, where the lower rank's value is the last one drawn of its event.
    expect(resampledQuantile([1, 2, 3], [0, 1, 2], [1, 1, 1], Int32Array.from([1, 1, 1]), 0.5, true)).toBe(2);
    expect(resampledQuantile([1, 2, 3], [0, 1, 2], [1, 1, 1], Int32Array.from([1, 1, 1]), 0.75, true)).toBe(2.5);
    expect(resampledQuantile([1, 2, 3], [0, 1, 2], [1, 1, 1], Int32Array.from([1, 1, 1]), 1, true)).toBe(3);
  });

  it("a bootstrap draw starts from zero counts; a resample of zero weights has mean 0", () => {
    const random = mulberry32(11);
    const counts = new Int32Array(20);
    drawCounts(counts, random);
    drawCounts(counts, random);
    expect(counts.reduce((s, c) => s + c, 0)).toBe(20);
    expect(resampledMean([1, 2, 3], [0, 0, 0], random)).toBe(0);
    // The draws, tallied from the same seeded stream by hand: item ⌊u·n⌋ for each of n numbers u.
    const tally = (seed: number, n: number) => {
      const u = mulberry32(seed);
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[Math.floor(u() * n)]!++;
      return out;
    };
    const drawn = new Int32Array(20);
    drawCounts(drawn, mulberry32(12));
    expect([...drawn]).toEqual([...tally(12, 20)]);
    // A resample's mean: n draws, each item ⌊u·n⌋, weighted.
    const xs = [1, 10, 100, 1000];
    const ws = [1, 2, 3, 4];
    const u = mulberry32(13);
    let s = 0;
    let sw = 0;
    for (let i = 0; i < 4; i++) {
      const j = Math.floor(u() * 4);
      s += xs[j]! * ws[j]!;
      sw += ws[j]!;
    }
    expect(resampledMean(xs, ws, mulberry32(13))).toBe(s / sw);
  });

  it("median leaves its input in its order", () => {
    const values = [5, 1, 3];
    expect(median(values)).toBe(3);
    expect(values).toEqual([5, 1, 3]);
  });

  it("the 95% percentile interval of diff's 2,000 resamples is the 50th and the 1,951st (0-based 49 and 1,950)", () => {
    // ⌊0.025 × 1999⌋ = 49, ⌈0.975 × 1999⌉ = ⌈1949.025⌉ = 1950.
    expect(percentileInterval(Float64Array.from({ length: 2000 }, (_, i) => i))).toEqual({ low: 49, high: 1950 });
  });

  it("the interval from the sums is symmetric about the mean, on both sides", () => {
    // Σw 4, Σw² 4 (n = 4), Σw·x 8, Σw(x − m)² 12: variance (12/4 · 4/3) / 4 = 1, half-width 1.96.
    expect(momentsMeanInterval({ sw: 4, sw2: 4, swx: 8, ss: 12 })).toEqual({ mean: 2, low: 2 - 1.96, high: 2 + 1.96 });
  });
});
