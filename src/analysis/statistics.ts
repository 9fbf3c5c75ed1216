// The statistics the analyses share: weighted means and their variance, quantiles (interpolated
// when every weight is equal, as DuckDB's quantile_cont; else the smallest value whose
// cumulative weight reaches q, as the breakdown's weighted quantiles), and the pieces of a
// bootstrap (resampling events by counts, a percentile interval). simple-statistics serves the
// unweighted summaries it has (median); it has no weighted quantile, and no weighted mean with an
// effective sample size, so those are ours. Every function is pure; loops run in index order, so
// a figure is the same bit for bit from run to run.
import { median as ssMedian } from "simple-statistics";

/** Σ x·w / Σ w; 0 when the weights sum to 0. */
export function weightedMean(x: ArrayLike<number>, w: ArrayLike<number>): number {
  let s = 0;
  let sw = 0;
  for (let i = 0; i < x.length; i++) {
    s += x[i]! * w[i]!;
    sw += w[i]!;
  }
  return sw ? s / sw : 0;
}

/**
 * The variance of the weighted mean, with the effective sample size n = (Σw)²/Σw² (Kish): the
 * weighted sample variance, corrected by n/(n − 1), over n. 0 when n ≤ 1.
 */
export function weightedMeanVariance(x: ArrayLike<number>, w: ArrayLike<number>): number {
  const mean = weightedMean(x, w);
  let sw = 0;
  let sw2 = 0;
  let ss = 0;
  for (let i = 0; i < x.length; i++) {
    sw += w[i]!;
    sw2 += w[i]! ** 2;
    ss += w[i]! * (x[i]! - mean) ** 2;
  }
  return momentsMeanVariance({ sw, sw2, ss });
}

/** The sums a weighted mean's variance is computed from: Σw, Σw², Σw·(x − mean)² (savings and diff sum them in SQL). */
export interface WeightedMoments {
  sw: number;
  sw2: number;
  ss: number;
}

/** weightedMeanVariance from its sums; 0 when Σw is 0 or the effective n ≤ 1. */
export function momentsMeanVariance({ sw, sw2, ss }: WeightedMoments): number {
  if (!sw) return 0;
  const nEff = (sw * sw) / sw2;
  if (!(nEff > 1)) return 0;
  return ((ss / sw) * (nEff / (nEff - 1))) / nEff;
}

/** The weighted mean (Σw·x ÷ Σw) with a normal-approximation 95% interval, from its sums; all 0 when Σw is 0. */
export function momentsMeanInterval(s: WeightedMoments & { swx: number }): { mean: number; low: number; high: number } {
  if (s.sw === 0) return { mean: 0, low: 0, high: 0 };
  const mean = s.swx / s.sw;
  const half = 1.96 * Math.sqrt(momentsMeanVariance(s));
  return { mean, low: mean - half, high: mean + half };
}

/**
 * The unbiased variance of x with reliability weights w: Σw(x − m)² ÷ (Σw − Σw²/Σw), m the
 * weighted mean (trend's baseline band, where w is each bucket's event count).
 */
export function reliabilityVariance(x: ArrayLike<number>, w: ArrayLike<number>): number {
  const mean = weightedMean(x, w);
  let sw = 0;
  let sw2 = 0;
  let ss = 0;
  for (let i = 0; i < x.length; i++) {
    sw += w[i]!;
    sw2 += w[i]! * w[i]!;
    ss += w[i]! * (x[i]! - mean) ** 2;
  }
  return ss / (sw - sw2 / sw);
}

// Student's t at 0.995 (two-sided 99%) for 1–30 degrees of freedom; past 30, the Cornish–Fisher
// expansion around z = 2.5758293 (error < 1e-4 there). simple-statistics has no t quantile.
const T995 = [63.657, 9.925, 5.841, 4.604, 4.032, 3.707, 3.499, 3.355, 3.25, 3.169, 3.106, 3.055, 3.012, 2.977, 2.947, 2.921, 2.898, 2.878, 2.861, 2.845, 2.831, 2.819, 2.807, 2.797, 2.787, 2.779, 2.771, 2.763, 2.756, 2.75];

/** Student's t quantile at 0.995 for `df` degrees of freedom. */
export function tQuantile995(df: number): number {
  if (df <= T995.length) return T995[df - 1]!;
  const z = 2.5758293035489;
  const g1 = (z ** 3 + z) / 4;
  const g2 = (5 * z ** 5 + 16 * z ** 3 + 3 * z) / 96;
  const g3 = (3 * z ** 7 + 19 * z ** 5 + 17 * z ** 3 - 15 * z) / 384;
  return z + g1 / df + g2 / df ** 2 + g3 / df ** 3;
}

/** The weighted mean with a normal-approximation 95% interval (weightedMeanVariance). */
export function meanInterval(x: ArrayLike<number>, w: ArrayLike<number>): { mean: number; low: number; high: number } {
  const mean = weightedMean(x, w);
  const half = 1.96 * Math.sqrt(weightedMeanVariance(x, w));
  return { mean, low: mean - half, high: mean + half };
}

/** The median of plain numbers (the mean of the middle two for an even count); 0 for none. */
export function median(values: readonly number[]): number {
  return values.length ? ssMedian([...values]) : 0;
}

/** Linear interpolation between order statistics of sorted values (R type 7, DuckDB's quantile_cont). */
export function typeSevenQuantile(sorted: ArrayLike<number>, q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (pos - lo) * (sorted[hi]! - sorted[lo]!);
}

/**
 * Quantile of weighted values. With equal weights it is linear interpolation between order
 * statistics (DuckDB's quantile_cont, R type 7); otherwise the smallest value whose cumulative
 * weight reaches q of the total.
 */
export function weightedQuantile(values: { value: number; weight: number }[], q: number): number {
  const sorted = [...values].sort((a, b) => a.value - b.value);
  if (sorted.every((v) => v.weight === sorted[0]!.weight)) {
    return typeSevenQuantile(sorted.map((v) => v.value), q);
  }
  const total = sorted.reduce((s, v) => s + v.weight, 0);
  let cumulative = 0;
  for (const v of sorted) {
    cumulative += v.weight;
    if (cumulative >= q * total) return v.value;
  }
  return sorted[sorted.length - 1]!.value;
}

/**
 * quantile_cont over a multiset: value i (sorted ascending) occurs counts[i] times. Counts may be
 * fractional (a population's expected counts); ranks are then read on the cumulative counts.
 */
export function countQuantile(values: ArrayLike<number>, counts: ArrayLike<number>, q: number): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += counts[i]!;
  const pos = q * Math.max(0, total - 1);
  const lo = Math.floor(pos);
  const frac = pos - lo;
  let cumulative = 0;
  for (let i = 0; i < values.length; i++) {
    if (!(counts[i]! > 0)) continue;
    cumulative += counts[i]!;
    if (cumulative > lo) {
      if (frac === 0 || cumulative > lo + 1) return values[i]!;
      // The next rank is the next value present.
      for (let j = i + 1; j < values.length; j++) if (counts[j]! > 0) return values[i]! + frac * (values[j]! - values[i]!);
      return values[i]!;
    }
  }
  return values[values.length - 1]!;
}

/** The smallest value whose cumulative weight (count × weight) reaches q of the total (cost.weighted_e2e). */
export function weightedCountQuantile(values: ArrayLike<number>, counts: ArrayLike<number>, weights: ArrayLike<number>, q: number): number {
  let total = 0;
  for (let i = 0; i < values.length; i++) total += counts[i]! * weights[i]!;
  let cumulative = 0;
  for (let i = 0; i < values.length; i++) {
    cumulative += counts[i]! * weights[i]!;
    if (counts[i]! > 0 && cumulative >= q * total) return values[i]!;
  }
  return values[values.length - 1]!;
}

// ------------------------------------------------------------------ bootstrap

/** One bootstrap draw of n items with replacement, as counts: counts[i] = how often item i was drawn. */
export function drawCounts(counts: Int32Array, random: () => number): void {
  counts.fill(0);
  for (let i = 0; i < counts.length; i++) counts[Math.floor(random() * counts.length)]!++;
}

/** The weighted mean of one bootstrap resample of (x, w), drawn with replacement. */
export function resampledMean(x: ArrayLike<number>, w: ArrayLike<number>, random: () => number): number {
  let s = 0;
  let sw = 0;
  const n = x.length;
  for (let i = 0; i < n; i++) {
    const j = Math.floor(random() * n);
    s += x[j]! * w[j]!;
    sw += w[j]!;
  }
  return sw ? s / sw : 0;
}

/** The 95% percentile interval of bootstrap replicates sorted ascending: the 2.5% and 97.5% order statistics. */
export function percentileInterval(sorted: ArrayLike<number>): { low: number; high: number } {
  return { low: sorted[Math.floor(0.025 * (sorted.length - 1))]!, high: sorted[Math.ceil(0.975 * (sorted.length - 1))]! };
}

/**
 * The q-quantile of sorted values each drawn counts[event[i]] times, weighted by weight[i]:
 * linear interpolation between order statistics (quantile_cont) when `interpolate` (equal
 * weights), else the smallest value whose cumulative weight reaches q of the total. NaN when
 * nothing was drawn. (A span counts as often as its event is drawn: diff's p95 bootstrap.)
 */
export function resampledQuantile(
  sorted: ArrayLike<number>, event: ArrayLike<number>, weight: ArrayLike<number>, counts: ArrayLike<number>, q: number, interpolate: boolean,
): number {
  let total = 0;
  for (let i = 0; i < sorted.length; i++) total += counts[event[i]!]! * (interpolate ? 1 : weight[i]!);
  if (total === 0) return NaN;
  if (interpolate) {
    const pos = q * (total - 1);
    const lo = Math.floor(pos);
    let seen = 0;
    let low = NaN;
    for (let i = 0; i < sorted.length; i++) {
      seen += counts[event[i]!]!;
      if (Number.isNaN(low) && seen > lo) low = sorted[i]!;
      if (seen > lo + 1 || (seen > lo && pos === lo)) return low + (pos - lo) * (sorted[i]! - low);
    }
    return low;
  }
  let cumulative = 0;
  for (let i = 0; i < sorted.length; i++) {
    cumulative += counts[event[i]!]! * weight[i]!;
    if (cumulative >= q * total) return sorted[i]!;
  }
  return sorted[sorted.length - 1]!;
}
