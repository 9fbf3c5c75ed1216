// `cost outliers` (issue 18): why some events cost more (or take longer). The top P of events by
// a metric (weighted by sampling) are compared with the rest on every attribute key=value their
// spans carry, rolled up to the event. Per value: its share of the selected and of the baseline
// events, a two-proportion z-test (normal approximation, Yates-corrected) with each side's n replaced by Kish's
// effective sample size (Σw)²/Σw², so sampled data is neither over- nor under-confident; then
// Benjamini–Hochberg over the values tested. Significant values rank first, by lift.
import type { Db } from "../db/db.js";
import type { Config } from "../model/config.js";
import { closest } from "../model/suggest.js";
import { STATEMENT_ATTRIBUTES } from "../model/defaults.js";
import { UsageError } from "../errors.js";
import { allAttributeKeys, pricingSummary, roundCount, totals, weightSummary, type Pricing, type Totals, type WeightSummary } from "./breakdown.js";

export type OutlierMetric = "cost" | "latency";

export interface OutliersOptions {
  metric?: OutlierMetric;
  /** Only this stage's cost, or its time within the event. */
  stage?: string;
  /** The share of events selected, in (0, 0.5]; default 0.1. */
  top?: number;
  /** Only these attribute keys. */
  keys?: string[];
  /** Values per key before the rest fold into (other); default 50. */
  maxValues?: number;
  /** The false discovery rate a q-value must be under to count as significant; default 0.05. */
  alpha?: number;
}

export interface OutlierRow {
  key: string;
  value: string;
  selected_events: number;
  baseline_events: number;
  selected_share: number;
  baseline_share: number;
  /** selected_share ÷ baseline_share; null when no baseline event carries it. */
  lift: number | null;
  mean_with: number | null;
  mean_without: number | null;
  /** Null when too few events for the normal approximation (not tested). */
  p_value: number | null;
  q_value: number | null;
  significant: boolean;
}

export interface SkippedKey {
  key: string;
  reason: string;
}

export interface OutliersResult {
  metric: OutlierMetric;
  stage: string | null;
  top: number;
  alpha: number;
  max_values: number;
  /** The metric at the selection's edge (the weighted 1 − top quantile): selected events lie above it. */
  threshold: number | null;
  selected: { events: number; effective_n: number; mean: number | null };
  baseline: { events: number; effective_n: number; mean: number | null };
  /** Events without the stage (with --stage): left out. */
  events_without_stage: number;
  rows: OutlierRow[];
  skipped_keys: SkippedKey[];
  /** Keys never candidates: what the cost model prices from, sampling rates and statements. */
  model_input_keys: string[];
  totals: Totals;
  weights: WeightSummary;
  pricing: Pricing;
}

const DEFAULT_TOP = 0.1;
const DEFAULT_MAX_VALUES = 50;
const DEFAULT_ALPHA = 0.05;
/** Expected events (effective) per cell the normal approximation needs. */
const MIN_EXPECTED = 5;
/** A key is an id when more than this share of the events that carry it have a value no other event has. */
const ID_SHARE = 0.5;

/**
 * Attributes the model prices from (cost, bytes, credits, RPU-seconds, vCPUs), sampling rates and
 * statements: they are the metric's inputs, not what drives it (French events use 3× the vCPUs
 * *because* they cost 3×), and statements may hold user values.
 */
export function modelInputKeys(config: Config): string[] {
  return [...new Set([
    ...config.cost_attributes, ...config.bytes_attributes, "cost.compute_usd", "cost.query_usd",
    "snowflake.credits_used", "db.credits_used", "redshift.rpu_seconds", "db.rpu_seconds", "compute.vcpus", "host.cpu.count",
    "sampleRate", "SampleRate", "_sample_rate", "sampler.type", "sampler.param", ...STATEMENT_ATTRIBUTES,
  ])].sort();
}

/** The options with their defaults. */
export function outlierSettings(options: OutliersOptions) {
  return {
    metric: options.metric ?? "cost",
    stage: options.stage ?? null,
    top: options.top ?? DEFAULT_TOP,
    maxValues: options.maxValues ?? DEFAULT_MAX_VALUES,
    alpha: options.alpha ?? DEFAULT_ALPHA,
  };
}

/** --stage names a stage of the data (else a UsageError with the closest), --keys no input of the model; the keys never candidates. */
export async function checkOutlierOptions(config: Config, options: OutliersOptions, stages: () => Promise<string[]>): Promise<string[]> {
  const stage = options.stage ?? null;
  if (stage !== null) {
    const known = await stages();
    if (!known.includes(stage)) {
      const hint = closest(stage, known);
      throw new UsageError(`--stage: no stage '${stage}' in this data${hint ? ` (did you mean '${hint}'?)` : ""}; stages: ${known.join(", ")}`);
    }
  }
  const skip = modelInputKeys(config);
  for (const key of options.keys ?? []) {
    if (skip.includes(key)) throw new UsageError(`--keys: '${key}' is an input of the cost model (or a statement), not a candidate driver`);
  }
  return skip;
}

/** The selected (or baseline) events' sums: Σw, Σw² (for Kish's n), Σw·metric and the largest metric. */
export interface OutlierGroupSums {
  selected: boolean;
  w: number;
  w2: number;
  wm: number;
  max_metric: number;
}

/** Per attribute key: the events carrying it, its distinct values, the values only one event carries. */
export interface OutlierKeyStats {
  key: string;
  events: number;
  n_values: number;
  unique_value_events: number;
}

/** Per kept key and value (the rest of a key's values folded into (other)): the selected and baseline weights and Σw·metric of its events. */
export interface OutlierValueSums {
  key: string;
  value: string;
  selected_w: number;
  baseline_w: number;
  wm: number;
}

/** What an engine answers for `cost outliers`, the same from DuckDB (outliers.sql) and ClickHouse (clickhouse_outliers.sql). */
export interface OutlierSums {
  groups: OutlierGroupSums[];
  keyStats: OutlierKeyStats[];
  /** The values of the kept keys (not ids). */
  values(kept: string[]): Promise<OutlierValueSums[]>;
  /** Every attribute key of the data, for the hint when --keys names one no event carries. */
  attributeKeys(): Promise<string[]>;
  totals: Totals;
  weights: WeightSummary;
  pricing: Pricing;
}

export async function outliers(db: Db, config: Config, options: OutliersOptions = {}): Promise<OutliersResult> {
  const { metric, stage, top } = outlierSettings(options);
  const skip = await checkOutlierOptions(config, options, async () => (await db.query("outliers.stages")).map((r) => String(r.stage)));
  await db.run("outliers.events", { metric, stage, top });
  const groups = (await db.query("outliers.groups")).map((g) => ({
    selected: Boolean(g.selected), w: Number(g.w ?? 0), w2: Number(g.w2 ?? 0), wm: Number(g.wm ?? 0), max_metric: Number(g.max_metric),
  }));
  const allEvents = await totals(db);
  await db.run("outliers.attributes", { skip, keys: options.keys ?? [] });
  const keyStats = (await db.query("outliers.keys")).map((k) => ({ key: String(k.key), events: Number(k.events), n_values: Number(k.n_values), unique_value_events: Number(k.unique_value_events) }));
  return outliersFrom(config, options, {
    groups, keyStats,
    values: async (kept) => (await db.query("outliers.values", { kept, max_values: outlierSettings(options).maxValues })).map((v) => ({
      key: String(v.key), value: String(v.value), selected_w: Number(v.selected_w), baseline_w: Number(v.baseline_w), wm: Number(v.wm),
    })),
    attributeKeys: () => allAttributeKeys(db),
    totals: allEvents, weights: await weightSummary(db), pricing: await pricingSummary(db),
  });
}

/** The result from an engine's sums: ids told apart, the z-tests, Benjamini–Hochberg and the order (outliers() and the ClickHouse path share it). */
export async function outliersFrom(config: Config, options: OutliersOptions, sums: OutlierSums): Promise<OutliersResult> {
  const { metric, stage, top, maxValues, alpha } = outlierSettings(options);
  const skip = modelInputKeys(config);
  const side = (selected: boolean) => {
    const g = sums.groups.find((r) => r.selected === selected);
    const w = g?.w ?? 0;
    const w2 = g?.w2 ?? 0;
    return { w, w2, wm: g?.wm ?? 0, n: w2 > 0 ? (w * w) / w2 : 0, max: g ? g.max_metric : null };
  };
  const sel = side(true);
  const base = side(false);
  const allEvents = sums.totals;
  const present = new Set(sums.keyStats.map((k) => k.key));
  for (const key of options.keys ?? []) {
    if (!present.has(key)) {
      const known = await sums.attributeKeys();
      const hint = closest(key, known);
      throw new UsageError(`--keys: no attribute '${key}' on these events${hint ? ` (did you mean '${hint}'?)` : ""}`);
    }
  }
  const skipped: SkippedKey[] = [];
  const kept: string[] = [];
  for (const k of sums.keyStats) {
    const events = k.events;
    const unique = k.unique_value_events;
    if (k.n_values > 1 && unique > ID_SHARE * events) {
      skipped.push({ key: k.key, reason: `unique per event, like an id: ${Math.round((100 * unique) / events)}% of the events that carry it have a value no other event has` });
    } else kept.push(k.key);
  }
  const values = kept.length ? await sums.values(kept) : [];
  const W = sel.w + base.w;
  const WM = sel.wm + base.wm;
  const rows: OutlierRow[] = values.map((v) => {
    const sw = v.selected_w;
    const bw = v.baseline_w;
    const wm = v.wm;
    const p1 = sel.w > 0 ? sw / sel.w : 0;
    const p2 = base.w > 0 ? bw / base.w : 0;
    return {
      key: v.key, value: v.value,
      selected_events: roundCount(sw), baseline_events: roundCount(bw),
      selected_share: p1, baseline_share: p2,
      lift: p2 > 0 ? p1 / p2 : null,
      mean_with: sw + bw > 0 ? wm / (sw + bw) : null,
      mean_without: W - sw - bw > 0 ? (WM - wm) / (W - sw - bw) : null,
      p_value: twoProportionP(p1, sel.n, p2, base.n),
      q_value: null, significant: false,
    };
  });
  benjaminiHochberg(rows);
  for (const r of rows) r.significant = r.q_value !== null && r.q_value < alpha;
  rows.sort(compareRows);
  return {
    metric, stage, top, alpha, max_values: maxValues,
    threshold: base.max,
    selected: { events: roundCount(sel.w), effective_n: sel.n, mean: sel.w > 0 ? sel.wm / sel.w : null },
    baseline: { events: roundCount(base.w), effective_n: base.n, mean: base.w > 0 ? base.wm / base.w : null },
    events_without_stage: stage === null ? 0 : roundCount(Math.max(0, allEvents.events - W)),
    rows, skipped_keys: skipped, model_input_keys: skip,
    totals: allEvents, weights: sums.weights, pricing: sums.pricing,
  };
}

/** Every span and resource attribute key in the data, for suggestions. */
export { allAttributeKeys };

/**
 * Two-sided p-value of the two-proportion z-test, pooled, with effective sample sizes n1 and n2;
 * null when a cell's expected count (n·p̂ or n·(1 − p̂), either side) is under 5, where the normal
 * approximation does not hold (such a value is not tested and takes no part in the adjustment).
 */
export function twoProportionP(p1: number, n1: number, p2: number, n2: number): number | null {
  if (!(n1 > 0 && n2 > 0)) return null;
  const p = (p1 * n1 + p2 * n2) / (n1 + n2);
  if (Math.min(n1, n2) * Math.min(p, 1 - p) < MIN_EXPECTED) return null;
  const se = Math.sqrt(p * (1 - p) * (1 / n1 + 1 / n2));
  // Yates' continuity correction: counts are whole events, and without it the normal tail
  // overstates how rare a small cell's excess is.
  const z = Math.max(0, Math.abs(p1 - p2) - 0.5 * (1 / n1 + 1 / n2)) / se;
  return Math.min(1, erfc(z / Math.SQRT2));
}

/**
 * erfc(x), Numerical Recipes' Chebyshev fit (fractional error < 1.2e-7 everywhere): a tail
 * probability keeps its digits far out (simple-statistics' normal CDF is a two-decimal table and
 * 1 − erf loses them), so tiny p-values stay ordered.
 */
export function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return x >= 0 ? r : 2 - r;
}

/** Benjamini–Hochberg q-values over the rows with a p-value (m = their number). */
export function benjaminiHochberg(rows: { p_value: number | null; q_value: number | null }[]): void {
  const tested = rows.filter((r) => r.p_value !== null).sort((a, b) => a.p_value! - b.p_value!);
  const m = tested.length;
  let running = 1;
  for (let i = m - 1; i >= 0; i--) {
    running = Math.min(running, (tested[i]!.p_value! * m) / (i + 1));
    tested[i]!.q_value = running;
  }
}

/** Significant rows first, by lift (no baseline event: first), then the rest by q; ties by key and value. */
function compareRows(a: OutlierRow, b: OutlierRow): number {
  if (a.significant !== b.significant) return a.significant ? -1 : 1;
  if (a.significant) {
    const la = a.lift ?? Infinity;
    const lb = b.lift ?? Infinity;
    if (la !== lb) return lb - la > 0 ? 1 : -1;
  }
  const qa = a.q_value ?? Infinity;
  const qb = b.q_value ?? Infinity;
  if (qa !== qb) return qa < qb ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
}

