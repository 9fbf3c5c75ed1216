// adtrace cost's options layer (breakdown, queries, critical-path, flags, outliers, trend,
// reconcile): commander's raw values in, the analysis's typed options out (the model told which
// attribute keys a grouping reads), or a UsageError naming the flag (src/commands/options.ts).
// Pure: no DuckDB, no files (test/cost-options.test.ts). As diff-options.ts for adtrace diff.
import { UsageError } from "../errors.js";
import { keyName, parseGroupKeys, type BreakdownOptions, type GroupKey } from "../analysis/breakdown.js";
import { grouped, type AnalysisOptions, type Grouped } from "../analysis/analysis.js";
import type { CriticalPathOptions } from "../analysis/path-cost.js";
import type { OutliersOptions } from "../analysis/outliers.js";
import type { TrendOptions } from "../analysis/trend.js";
import { spanSource, type GlobalOptions } from "./shared.js";
import { ifGiven, parseChoice, parseDurationNs, parseEventsPerDay, parsePositiveInt, parseShareFlag } from "./options.js";

/** The span source with the model told which attribute keys the grouping `by` reads (grouped()). */
function groupedSource(inputs: string[], globals: GlobalOptions, by: GroupKey[]): Grouped<AnalysisOptions> {
  return grouped(spanSource(inputs, globals), by);
}

/** The flags of `adtrace cost breakdown` as commander hands them over. */
export interface BreakdownFlags {
  by: string;
  top?: string;
  minShare?: string;
}

export function breakdownOptions(inputs: string[], flags: BreakdownFlags, globals: GlobalOptions): { analysis: Grouped<AnalysisOptions>; breakdown: BreakdownOptions } {
  const by = parseGroupKeys(flags.by);
  const top = ifGiven("--top", flags.top, parsePositiveInt);
  const minShare = ifGiven("--min-share", flags.minShare, (flag, text) => parseShareFlag(flag, text, "0.05 or 5%"));
  return { analysis: groupedSource(inputs, globals, by), breakdown: { by, top, minShare } };
}

export interface QueriesFlags {
  top?: string;
}

export function queriesOptions(inputs: string[], flags: QueriesFlags, globals: GlobalOptions): { analysis: AnalysisOptions; queries: { top?: number } } {
  const top = ifGiven("--top", flags.top, parsePositiveInt);
  return { analysis: spanSource(inputs, globals), queries: { top } };
}

export interface CriticalPathFlags {
  by: string;
  costlyShare: string;
  criticalShare: string;
}

export function criticalPathOptions(inputs: string[], flags: CriticalPathFlags, globals: GlobalOptions): { analysis: Grouped<AnalysisOptions>; criticalPath: CriticalPathOptions } {
  const by = parseGroupKeys(flags.by);
  const costlyShare = parseShareFlag("--costly-share", flags.costlyShare);
  const criticalShare = parseShareFlag("--critical-share", flags.criticalShare);
  return { analysis: groupedSource(inputs, globals, by), criticalPath: { by, costlyShare, criticalShare } };
}

export interface FlagsFlags {
  failOnFlag?: boolean;
  eventsPerDay?: string;
}

export function flagsOptions(inputs: string[], flags: FlagsFlags, globals: GlobalOptions): { analysis: AnalysisOptions; failOnFlag: boolean } {
  const eventsPerDay = ifGiven("--events-per-day", flags.eventsPerDay, parseEventsPerDay);
  return { analysis: { ...spanSource(inputs, globals), eventsPerDay }, failOnFlag: Boolean(flags.failOnFlag) };
}

export interface OutliersFlags {
  metric: string;
  stage?: string;
  top: string;
  keys?: string;
  maxValues: string;
}

/** `--top 10%` or `0.1` for outliers: a share of events in (0, 0.5]. */
function parseOutlierTop(flag: string, text: string): number {
  const match = /^\s*([0-9]*\.?[0-9]+)\s*(%)?\s*$/.exec(text);
  const value = match ? Number(match[1]) / (match[2] ? 100 : 1) : NaN;
  if (!(value > 0 && value <= 0.5)) throw new UsageError(`${flag} expects a share of events in (0, 50%], such as 10% or 0.1, got '${text}'`);
  return value;
}

export function outliersOptions(inputs: string[], flags: OutliersFlags, globals: GlobalOptions): { analysis: AnalysisOptions; outliers: OutliersOptions } {
  const metric = parseChoice("--metric", flags.metric, ["cost", "latency"] as const);
  const top = parseOutlierTop("--top", flags.top);
  const maxValues = parsePositiveInt("--max-values", flags.maxValues);
  const keys = flags.keys === undefined ? undefined : flags.keys.split(",").map((k) => k.trim()).filter(Boolean);
  if (keys && keys.length === 0) throw new UsageError("--keys needs at least one attribute key");
  if (flags.stage === "") throw new UsageError("--stage needs a stage name");
  return { analysis: spanSource(inputs, globals), outliers: { metric, stage: flags.stage, top, keys, maxValues } };
}

export interface TrendFlags {
  every: string;
  by?: string;
  baseline: string;
  failOnDrift?: boolean;
}

/** The columns a trend row has beside its group's keys: an attribute key named like one would hide it. */
const TREND_COLUMNS = ["bucket_start", "drift", "baseline_cost_per_event_usd", "band_low_usd", "band_high_usd", "baseline_buckets"];

export function trendOptions(inputs: string[], flags: TrendFlags, globals: GlobalOptions): { analysis: Grouped<AnalysisOptions>; trend: TrendOptions & { by: GroupKey[] }; failOnDrift: boolean } {
  const everyNs = parseDurationNs("--every", flags.every);
  const baselineNs = parseDurationNs("--baseline", flags.baseline);
  const by = flags.by === undefined ? [] : parseGroupKeys(flags.by);
  for (const key of by) {
    if (TREND_COLUMNS.includes(keyName(key))) throw new UsageError(`--by: attribute key '${keyName(key)}' would collide with the output column '${keyName(key)}'`);
  }
  return { analysis: groupedSource(inputs, globals, by), trend: { everyNs, baselineNs, by }, failOnDrift: Boolean(flags.failOnDrift) };
}

export interface ReconcileFlags {
  failUnderJoinRate?: string;
}

export function reconcileOptions(inputs: string[], flags: ReconcileFlags, globals: GlobalOptions): { analysis: AnalysisOptions; minJoinRate: number | undefined } {
  const minJoinRate = ifGiven("--fail-under-join-rate", flags.failUnderJoinRate, parseShareFlag);
  return { analysis: spanSource(inputs, globals), minJoinRate };
}
