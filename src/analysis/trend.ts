// `cost trend` (issue 18): cost per event, events and p95 per time bucket and group, and whether
// each bucket's cost per event drifted out of its baseline's 99% band. The band is a prediction
// interval from the preceding buckets within the baseline window: their mean cost per event and
// the spread between them, both weighted by each bucket's events, widened by Student's t for the
// few buckets it rests on: m ± t(0.995, k − 1) · s · √(1 + 1/k). Fewer than 3 preceding buckets
// with events: drift unknown.
import type { Db } from "../db/db.js";
import { UsageError } from "../errors.js";
import { reliabilityVariance, tQuantile995, weightedMean } from "./statistics.js";
import { assertAttributeKeysPresent, groupId, keyName, keyParams, pricingSummary, totals, weightSummary, type GroupKey, type Pricing, type Totals, type WeightSummary } from "./breakdown.js";

export type Drift = "up" | "down" | "none" | "unknown";

export interface TrendOptions {
  /** Bucket width, ns. */
  everyNs: bigint;
  /** How far back the baseline reaches, ns; default 7 days. */
  baselineNs?: bigint;
  by?: GroupKey[];
}

export interface TrendRow {
  bucket_start: string;
  bucket_ns: bigint;
  keys: Record<string, string>;
  /** The group's events in the bucket (weighted). */
  events: number;
  /** The group's cost ÷ all events in the bucket; null when the bucket has no events. */
  cost_per_event_usd: number | null;
  p95_ms: number | null;
  baseline_cost_per_event_usd: number | null;
  band_low_usd: number | null;
  band_high_usd: number | null;
  /** Buckets with events the baseline rests on. */
  baseline_buckets: number;
  drift: Drift;
}

export interface TrendGroup {
  keys: Record<string, string>;
  rows: TrendRow[];
}

export interface TrendResult {
  every_ns: bigint;
  baseline_ns: bigint;
  by: GroupKey[];
  groups: TrendGroup[];
  /** Buckets from the first event's to the last event's. */
  buckets: number;
  totals: Totals;
  weights: WeightSummary;
  pricing: Pricing;
}

export const MAX_BUCKETS = 10_000;
export const MIN_BASELINE_BUCKETS = 3;
const DAY_NS = 86_400_000_000_000n;

/** A duration in the largest unit that divides it: 3600000000000 → "1h". */
export function durationText(ns: bigint): string {
  for (const [unit, size] of [["d", DAY_NS], ["h", 3_600_000_000_000n], ["m", 60_000_000_000n], ["s", 1_000_000_000n], ["ms", 1_000_000n], ["us", 1000n]] as const) {
    if (ns % size === 0n) return `${ns / size}${unit}`;
  }
  return `${ns}ns`;
}

export async function trend(db: Db, options: TrendOptions): Promise<TrendResult> {
  const by = options.by ?? [];
  const { every, baseline } = trendWidths(options);
  const [span] = await db.query("trend.span");
  const plan = planBuckets(every, { firstNs: BigInt(span!.first_ns as bigint), lastNs: BigInt(span!.last_ns as bigint), resolutionNs: BigInt(span!.resolution_ns as bigint) });
  await assertAttributeKeysPresent(db, by);
  const params = { every_ns: every, ...keyParams(by.length ? by : []) };
  const rows = await db.query("trend.buckets", params);
  const p95 = by.length
    ? await db.query("trend.span_p95", params)
    : await db.query("trend.event_p95", { every_ns: every });
  const p95By = new Map(p95.map((r) => [p95Key(BigInt(r.bucket_ns as bigint), by.length ? groupId(keysOf(r, by)) : ""), r.p95_ms === null ? null : Number(r.p95_ms)]));
  const cells: TrendCell[] = rows.map((r) => ({
    bucketNs: BigInt(r.bucket_ns as bigint), keys: keysOf(r, by), events: Number(r.events), costUsd: Number(r.cost_usd), bucketEvents: Number(r.bucket_events),
  }));
  const groups = trendGroups(cells, (bucket, id) => p95By.get(p95Key(bucket, by.length ? id : "")) ?? null, plan, baseline);
  return { every_ns: every, baseline_ns: baseline, by, groups, buckets: plan.buckets, totals: await totals(db), weights: await weightSummary(db), pricing: await pricingSummary(db) };
}

function p95Key(bucket: bigint, id: string): string {
  return `${bucket}|${id}`;
}

/** --every and --baseline (default 7 days), refused when no bucket could have a baseline of MIN_BASELINE_BUCKETS buckets. */
export function trendWidths(options: TrendOptions): { every: bigint; baseline: bigint } {
  const every = options.everyNs;
  const baseline = options.baselineNs ?? 7n * DAY_NS;
  if (baseline < every) throw new UsageError(`--baseline ${durationText(baseline)} is shorter than one bucket (--every ${durationText(every)}): no bucket could have a baseline`);
  // The band needs MIN_BASELINE_BUCKETS preceding buckets; a shorter --baseline would leave every
  // drift unknown, and --fail-on-drift a gate that can never fire.
  if (baseline < BigInt(MIN_BASELINE_BUCKETS) * every) {
    throw new UsageError(`--baseline ${durationText(baseline)} holds at most ${baseline / every} bucket(s) of --every ${durationText(every)}; a drift needs ${MIN_BASELINE_BUCKETS} (--baseline ${durationText(BigInt(MIN_BASELINE_BUCKETS) * every)} or more)`);
  }
  return { every, baseline };
}

/** The first and last event start and the data's time resolution (trend.span). */
export interface EventSpan {
  firstNs: bigint;
  lastNs: bigint;
  resolutionNs: bigint;
}

/** The buckets from the first event's to the last event's; an --every finer than the data or making more than MAX_BUCKETS is refused. */
export function planBuckets(every: bigint, span: EventSpan): { every: bigint; firstBucket: bigint; buckets: number } {
  const { firstNs: first, lastNs: last, resolutionNs: resolution } = span;
  if (every < resolution) {
    throw new UsageError(`--every ${durationText(every)} is finer than the data's time resolution: every event starts on a whole ${durationText(resolution).replace(/^1/, "")}`);
  }
  const firstBucket = floorDiv(first, every) * every;
  const buckets = Number((floorDiv(last, every) * every - firstBucket) / every) + 1;
  if (buckets > MAX_BUCKETS) {
    // The narrowest width whose buckets span the data in MAX_BUCKETS − 1 steps: ⌈span ÷ (MAX_BUCKETS − 1)⌉
    // (from any start, a span of k whole widths touches at most k + 1 buckets).
    const fits = (last - first + BigInt(MAX_BUCKETS - 2)) / BigInt(MAX_BUCKETS - 1);
    throw new UsageError(`--every ${durationText(every)} makes ${buckets.toLocaleString("en-US")} buckets over the data's ${spanText(last - first)}; at most ${MAX_BUCKETS.toLocaleString("en-US")} (an --every of ${durationText(roundUpNice(fits))} or more)`);
  }
  return { every, firstBucket, buckets };
}

/** One group's figures in one bucket (trend.buckets, clickhouse_trend.buckets). */
export interface TrendCell {
  bucketNs: bigint;
  keys: Record<string, string>;
  /** The group's events (weighted), its weighted cost, and all the bucket's events. */
  events: number;
  costUsd: number;
  bucketEvents: number;
}

/**
 * The groups' series over every planned bucket from their cells, sorted by group, each bucket
 * with its p95 (p95(bucket, groupId)), baseline band and drift.
 */
export function trendGroups(
  cells: TrendCell[], p95: (bucketNs: bigint, groupId: string) => number | null,
  plan: { every: bigint; firstBucket: bigint; buckets: number }, baseline: bigint,
): TrendGroup[] {
  const { every, firstBucket, buckets } = plan;
  // All events per bucket (the denominator of every group's cost per event), and each group's cells.
  const bucketEvents = new Map<bigint, number>();
  const byGroup = new Map<string, { keys: Record<string, string>; byBucket: Map<bigint, { events: number; cost: number }> }>();
  for (const c of cells) {
    bucketEvents.set(c.bucketNs, c.bucketEvents);
    const id = groupId(c.keys);
    if (!byGroup.has(id)) byGroup.set(id, { keys: c.keys, byBucket: new Map() });
    byGroup.get(id)!.byBucket.set(c.bucketNs, { events: c.events, cost: c.costUsd });
  }
  return [...byGroup.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([id, cell]) => {
      const series: TrendRow[] = [];
      for (let i = 0; i < buckets; i++) {
        const bucket = firstBucket + BigInt(i) * every;
        const n = bucketEvents.get(bucket) ?? 0;
        const c = cell.byBucket.get(bucket);
        series.push({
          bucket_start: isoTime(bucket), bucket_ns: bucket, keys: cell.keys,
          events: c?.events ?? 0,
          cost_per_event_usd: n > 0 ? (c?.cost ?? 0) / n : null,
          p95_ms: p95(bucket, id),
          baseline_cost_per_event_usd: null, band_low_usd: null, band_high_usd: null, baseline_buckets: 0, drift: "unknown",
        });
      }
      for (let i = 0; i < series.length; i++) {
        const row = series[i]!;
        const window = series.filter((p, j) => j < i && p.bucket_ns >= row.bucket_ns - baseline && p.cost_per_event_usd !== null);
        const points = window.map((p) => ({ x: p.cost_per_event_usd!, n: bucketEvents.get(p.bucket_ns)! }));
        const band = predictionBand(points);
        row.baseline_buckets = points.length;
        row.baseline_cost_per_event_usd = band?.mean ?? null;
        if (band && band.low !== null && row.cost_per_event_usd !== null) {
          row.band_low_usd = band.low;
          row.band_high_usd = band.high;
          row.drift = row.cost_per_event_usd > band.high! ? "up" : row.cost_per_event_usd < band.low ? "down" : "none";
        }
      }
      return { keys: cell.keys, rows: series };
    });
}

export { tQuantile995 };

/**
 * The weighted mean of the points and, from 3 points on, the 99% prediction band for one more:
 * mean ± t(0.995, k − 1) · s · √(1 + 1/k), s² the unbiased variance with reliability weights n
 * (Σn(x − m)² ÷ (Σn − Σn²/Σn)). The low end is kept at 0 or above: no cost is negative.
 */
export function predictionBand(points: { x: number; n: number }[]): { mean: number; low: number | null; high: number | null } | null {
  const k = points.length;
  const sn = points.reduce((s, p) => s + p.n, 0);
  if (k === 0 || !(sn > 0)) return null;
  const x = points.map((p) => p.x);
  const n = points.map((p) => p.n);
  const mean = weightedMean(x, n);
  if (k < MIN_BASELINE_BUCKETS) return { mean, low: null, high: null };
  const variance = reliabilityVariance(x, n);
  const half = tQuantile995(k - 1) * Math.sqrt(variance) * Math.sqrt(1 + 1 / k);
  return { mean, low: Math.max(0, mean - half), high: mean + half };
}

export function keysOf(row: Record<string, unknown>, by: GroupKey[]): Record<string, string> {
  const keys: Record<string, string> = {};
  by.forEach((key, i) => (keys[keyName(key)] = String(row[`g${i + 1}`] ?? "")));
  return keys;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && (a < 0n) !== (b < 0n) ? q - 1n : q;
}

/**
 * The smallest of 1, 2, 5, 10, 15, 30 × a unit (ms, s, m, h, d) at or above `ns`. planBuckets asks
 * for at most ⌈(2^64 − 1) / (MAX_BUCKETS − 1)⌉ ns, 21.4 days (event starts are int64 ns), so 30
 * days covers every call; past it, `ns` itself.
 */
function roundUpNice(ns: bigint): bigint {
  for (const unit of [1_000_000n, 1_000_000_000n, 60_000_000_000n, 3_600_000_000_000n, DAY_NS]) {
    for (const k of [1n, 2n, 5n, 10n, 15n, 30n]) if (k * unit >= ns) return k * unit;
  }
  return ns;
}

/** A stretch of time for a message: hours with one decimal from an hour on, else seconds. */
function spanText(ns: bigint): string {
  return ns >= 3_600_000_000_000n ? `${(Number(ns) / 3.6e12).toFixed(1)} hours` : `${(Number(ns) / 1e9).toFixed(1)} s`;
}

function isoTime(ns: bigint): string {
  return new Date(Number(floorDiv(ns, 1_000_000n))).toISOString().replace(/\.000Z$/, "Z");
}
