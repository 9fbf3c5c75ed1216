// `adtrace diff BASELINE CURRENT`: per-group change in cost per event, share and p95, whether
// each change is beyond noise, and gates that fail a CI job.
//
// Each side is span data (files, or a .duckdb database) or an adtrace report (a report
// directory or report.json). Significance needs per-event values, so it is computed only when
// both sides are span data; with a report on either side it is "unknown".
//  - cost: a bootstrap 95% interval of the difference in mean per-event cost (2000 resamples of
//    events, fixed seed) when both sides have ≤ 5000 events, else Welch's normal approximation;
//  - p95: a bootstrap 95% interval of the difference in p95 (end-to-end for the total row, span
//    durations per group), resampling whole events (2000 resamples, fixed seed), when both sides
//    have ≤ 5000 events; else "unknown".
// Under --significant-only a gate ignores a change whose own test says "no" (cost gates read
// `significant`, the p95 gate reads `p95_significant`); "unknown" still counts.
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { Db } from "../db/db.js";
import { grouped, withAnalysis, type AnalysisOptions } from "./analysis.js";
import { attributeKeysOf, breakdown, groupId, keyName, keyParams, pricingSummary, totals, weightSummary, type BreakdownResult, type GroupKey, type Pricing, type Totals, type WeightSummary } from "./breakdown.js";
import { InputError, UsageError } from "../errors.js";
import { readHead } from "../ingest/files.js";
import { mulberry32 } from "../db/random.js";
import { drawCounts, momentsMeanVariance, percentileInterval, resampledMean, resampledQuantile } from "./statistics.js";

export interface DiffOptions {
  by: GroupKey[];
  gates: Gates;
  significantOnly?: boolean;
}

export interface Gates {
  /** Relative increase of the total cost per event, e.g. 0.05. */
  maxCostIncrease?: number;
  /** Relative increase of any group's cost per event. */
  maxStageIncrease?: number;
  /** Relative increase of p95 (end-to-end for the total, span p95 per group). */
  maxP95Increase?: number;
}

export type Significance = "yes" | "no" | "unknown";

export interface DiffRow {
  keys: Record<string, string>;
  /** "unchanged" when the group is on both sides at the same cost per event. */
  status: "changed" | "unchanged" | "new" | "vanished" | "total";
  cost_per_event_before_usd: number | null;
  cost_per_event_after_usd: number | null;
  change_usd: number;
  change_pct: number | null;
  share_before: number | null;
  share_after: number | null;
  p95_ms_before: number | null;
  p95_ms_after: number | null;
  significant: Significance;
  ci95_low_usd: number | null;
  ci95_high_usd: number | null;
  /** Whether the p95 change is beyond noise (bootstrap over events). */
  p95_significant: Significance;
}

export interface Breach {
  gate: string;
  row: string;
  detail: string;
}

export interface DiffResult {
  by: GroupKey[];
  /** The gates the diff was run with. */
  gates: Gates;
  rows: DiffRow[];
  breaches: Breach[];
  baseline: SideSummary;
  current: SideSummary;
  /** How cost significance was judged, or why it is unknown. */
  method: string;
  /** How p95 significance was judged, or why it is unknown. */
  p95_method: string;
}

interface SideSummary {
  label: string;
  kind: "spans" | "report";
  events: number;
  /** Sampling weights of the side (null for a report written before reports carried them). */
  weights: WeightSummary | null;
  /** How the side's spans were priced (null for a report written before reports carried it). */
  pricing: Pricing | null;
}

/** Durations of one group on one side, sorted by value, with each one's event and weight. */
interface GroupDurations {
  event: Int32Array;
  valueMs: Float64Array;
  weight: Float64Array;
}

/** One side of a diff, read from span data (spanSide) or a report. */
export interface Side extends SideSummary {
  groups: Map<string, { keys: Record<string, string>; cost: number; share: number; p95: number | null }>;
  total: { cost: number; p95: number | null };
  /** Per event: weight and cost per group id (span data of at most 5,000 events: the bootstrap's input). */
  perEvent?: { w: number; costs: Map<string, number> }[];
  /** Per group id (and TOTAL): Σw, Σw², Σw·x, Σw·(x − mean)² over all events, from SQL (span data only): Welch's input. */
  moments?: Map<string, Moments>;
  /** Per group id (and TOTAL: end-to-end per event): durations for the p95 test (span data only). */
  durations?: { events: number; groups: Map<string, GroupDurations>; interpolate: boolean };
}

export interface Moments {
  sw: number;
  sw2: number;
  swx: number;
  ss: number;
}

/** The id of the whole event's row among a side's per-group values. */
export const TOTAL = "__total__";
/** Sides of at most this many events read their events for the bootstrap; larger ones only their moments. */
export const BOOTSTRAP_MAX_EVENTS = 5000;
const RESAMPLES = 2000;

export async function diff(baseline: string, current: string, analysis: Omit<AnalysisOptions, "inputs" | "db">, options: DiffOptions): Promise<DiffResult> {
  return diffSides(await readSide(baseline, analysis, options.by), await readSide(current, analysis, options.by), options);
}

/** The diff of two sides already read (each grouped by options.by). */
export function diffSides(before: Side, after: Side, options: DiffOptions): DiffResult {
  const testable = before.moments && after.moments;
  const bootstrap = testable && before.perEvent !== undefined && after.perEvent !== undefined;
  const ids = new Set([...before.groups.keys(), ...after.groups.keys()]);
  const p95 = bootstrap ? p95Tests(before, after, [...ids, TOTAL]) : new Map<string, Significance>();
  const rows: DiffRow[] = [];
  for (const id of ids) {
    const b = before.groups.get(id);
    const a = after.groups.get(id);
    const keys = (a ?? b)!.keys;
    rows.push(makeRow(keys, b ? "changed" : "new", b, a, testable ? test(before, after, id, Boolean(bootstrap)) : undefined, p95.get(id)));
    if (!a) rows[rows.length - 1]!.status = "vanished";
  }
  rows.sort((x, y) => Math.abs(y.change_usd) - Math.abs(x.change_usd) || groupId(x.keys).localeCompare(groupId(y.keys)));
  const firstKey = keyName(options.by[0]!);
  const totalRow = makeRow({ [firstKey]: "total" }, "total",
    { cost: before.total.cost, share: 1, p95: before.total.p95 }, { cost: after.total.cost, share: 1, p95: after.total.p95 },
    testable ? test(before, after, TOTAL, Boolean(bootstrap)) : undefined, p95.get(TOTAL));
  rows.push(totalRow);
  return {
    by: options.by,
    gates: options.gates,
    rows,
    breaches: gate(rows, options.gates, Boolean(options.significantOnly)),
    baseline: { label: before.label, kind: before.kind, events: before.events, weights: before.weights, pricing: before.pricing },
    current: { label: after.label, kind: after.kind, events: after.events, weights: after.weights, pricing: after.pricing },
    method: !testable
      ? "unknown: a report on either side has no per-event values"
      : bootstrap
        ? "bootstrap 95% interval of the change in mean cost per event (2000 resamples, fixed seed)"
        : "Welch normal approximation, 95% interval of the change in mean cost per event",
    p95_method: !testable
      ? "unknown: a report on either side has no per-event values"
      : bootstrap
        ? `bootstrap 95% interval of the change in p95, resampling events (${RESAMPLES} resamples, fixed seed)`
        : "unknown: more than 5000 events on a side",
  };
}

function makeRow(
  keys: Record<string, string>, status: DiffRow["status"],
  b: { cost: number; share: number; p95: number | null } | undefined,
  a: { cost: number; share: number; p95: number | null } | undefined,
  t: { significant: Significance; low: number; high: number } | undefined,
  p95Significant: Significance | undefined,
): DiffRow {
  const before = b?.cost ?? 0;
  // Differences in the last digits (a rounded report against span data) are no change.
  const after = Math.abs((a?.cost ?? 0) - before) <= 1e-9 * Math.max(Math.abs(before), Math.abs(a?.cost ?? 0)) ? before : a?.cost ?? 0;
  return {
    keys,
    status: status === "changed" && after === before ? "unchanged" : status,
    cost_per_event_before_usd: b ? b.cost : null,
    cost_per_event_after_usd: a ? after : null,
    change_usd: after - before,
    change_pct: b && b.cost > 0 ? (after - before) / before : null,
    share_before: b ? b.share : null,
    share_after: a ? a.share : null,
    p95_ms_before: b?.p95 ?? null,
    p95_ms_after: a?.p95 ?? null,
    significant: t?.significant ?? "unknown",
    ci95_low_usd: t ? t.low : null,
    ci95_high_usd: t ? t.high : null,
    p95_significant: p95Significant ?? "unknown",
  };
}

/** A row's name as gates report it ("aggregation", "total", "svc / name"). */
export function rowName(r: DiffRow): string {
  return Object.values(r.keys).join(" / ");
}

/**
 * Only the rows whose cost per event rose (new groups included) or that breached a gate, with
 * the total row when any is left; no rows at all when nothing rose and no gate was breached.
 */
export function onlyIncreases(result: DiffResult): DiffResult {
  const breached = new Set(result.breaches.map((b) => b.row));
  const rose = (r: DiffRow) => r.change_usd > 0 || breached.has(rowName(r));
  const groups = result.rows.filter((r) => r.status !== "total" && rose(r));
  const total = result.rows.filter((r) => r.status === "total");
  return { ...result, rows: groups.length || total.some(rose) ? [...groups, ...total] : [] };
}

function gate(rows: DiffRow[], gates: Gates, significantOnly: boolean): Breach[] {
  const breaches: Breach[] = [];
  const counts = (r: DiffRow) => !significantOnly || r.significant !== "no";
  const name = rowName;
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
  for (const r of rows) {
    const isTotal = r.status === "total";
    const limit = isTotal ? gates.maxCostIncrease : gates.maxStageIncrease;
    const gateName = isTotal ? "--max-cost-increase" : "--max-stage-increase";
    if (limit !== undefined && counts(r)) {
      if (r.change_pct !== null && r.change_pct > limit) {
        breaches.push({ gate: gateName, row: name(r), detail: `cost per event ${pct(r.change_pct)} up (limit ${pct(limit)}), significant: ${r.significant}` });
      } else if (r.status === "new" && (r.share_after ?? 0) >= 0.01) {
        breaches.push({ gate: gateName, row: name(r), detail: `new, ${pct(r.share_after!)} of cost` });
      }
    }
    if (gates.maxP95Increase !== undefined && r.p95_ms_before && r.p95_ms_after !== null && (!significantOnly || r.p95_significant !== "no")) {
      const change = (r.p95_ms_after - r.p95_ms_before) / r.p95_ms_before;
      if (change > gates.maxP95Increase) {
        breaches.push({ gate: "--max-p95-increase", row: name(r), detail: `p95 ${r.p95_ms_before.toFixed(2)} → ${r.p95_ms_after.toFixed(2)} ms, ${pct(change)} up (limit ${pct(gates.maxP95Increase)}), significant: ${r.p95_significant}` });
      }
    }
  }
  return breaches;
}

// ------------------------------------------------------------------ sides

export async function readSide(spec: string, analysis: Omit<AnalysisOptions, "inputs" | "db">, by: GroupKey[]): Promise<Side> {
  const report = await reportPath(spec);
  if (report) return reportSide(report, spec, by);
  const isDb = await isDuckDbFile(spec);
  const side = grouped({ ...analysis, inputs: isDb ? [] : [spec], db: isDb ? spec : undefined }, by);
  return withAnalysis(side, async (a) => spanSide(a.db, spec, a.by));
}

export async function reportPath(spec: string): Promise<string | undefined> {
  if (existsSync(spec) && statSync(spec).isDirectory()) {
    const candidate = join(spec, "report.json");
    return existsSync(candidate) ? candidate : undefined;
  }
  if (!existsSync(spec) || !statSync(spec).isFile()) return undefined;
  const head = (await readHead(spec, 4096)).toString("utf8");
  return /"adtrace_version"\s*:/.test(head) ? spec : undefined;
}

export async function isDuckDbFile(spec: string): Promise<boolean> {
  if (!existsSync(spec) || !statSync(spec).isFile()) return false;
  const head = await readHead(spec, 16);
  return head.subarray(8, 12).toString("latin1") === "DUCK";
}

function reportSide(path: string, label: string, by: GroupKey[]): Side {
  let data: { breakdown?: { groups?: Record<string, unknown>[]; total?: Record<string, unknown>; weights?: unknown; cost_sources?: unknown; bad_values?: unknown }; events?: number };
  try {
    data = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new InputError(path, `not a readable report.json (${(error as Error).message})`);
  }
  if (!data.breakdown?.groups || !data.breakdown.total) throw new InputError(path, "report.json has no breakdown");
  if (by.length !== 1 || by[0]!.kind !== "stage") throw new UsageError(`${label} is a report, which holds the breakdown by stage only; diff it with --by stage`);
  const groups: Side["groups"] = new Map();
  for (const g of data.breakdown.groups) {
    const keys = { stage: String(g.stage) };
    groups.set(groupId(keys), { keys, cost: Number(g.cost_per_event_usd), share: Number(g.cost_share), p95: g.p95_ms === null ? null : Number(g.p95_ms) });
  }
  const t = data.breakdown.total;
  return {
    label, kind: "report", events: Number(data.events ?? t.events ?? 0), groups, weights: (data.breakdown.weights as WeightSummary | undefined) ?? null,
    pricing: data.breakdown.cost_sources ? { cost_sources: data.breakdown.cost_sources as Pricing["cost_sources"], bad_values: (data.breakdown.bad_values as Pricing["bad_values"] | undefined) ?? [] } : null,
    total: { cost: Number(t.cost_per_event_usd), p95: t.e2e_p95_ms === null || t.e2e_p95_ms === undefined ? null : Number(t.e2e_p95_ms) },
  };
}

/**
 * What diff reads of a side's breakdown: per group its cost per event, share and span p95, and
 * the totals, weights and pricing. Unweighted spans grouped without attributes read them from
 * diff.side_groups (the same sums and quantile as cost.breakdown, without the figures diff does
 * not show); weighted spans (weighted percentiles) or attribute groups (whose keys breakdown
 * checks) from breakdown itself.
 */
async function sideBreakdown(db: Db, by: GroupKey[]): Promise<SideBreakdown> {
  const weights = await weightSummary(db);
  if (attributeKeysOf(by).length || weights.min_weight !== weights.max_weight) return sideBreakdownOf(await breakdown(db, { by }));
  const groups = (await db.query("diff.side_groups", keyParams(by))).map((r) => {
    const keys: Record<string, string> = {};
    by.forEach((k, i) => (keys[keyName(k)] = String(r[`g${i + 1}`] ?? "")));
    return { keys, cost: Number(r.cost_per_event_usd ?? 0), share: Number(r.cost_share ?? 0), p95: r.p95_ms === null || r.p95_ms === undefined ? null : Number(r.p95_ms) };
  });
  return { groups, totals: await totals(db), weights, pricing: await pricingSummary(db) };
}

/** A side from span data in an analysis session whose model keeps the attributes `by` reads. */
export async function spanSide(db: Db, label: string, by: GroupKey[]): Promise<Side> {
  const result = await sideBreakdown(db, by);
  // Welch's interval reads each group's moments over all events, summed in SQL; only a side
  // small enough for the bootstrap reads its events.
  // By stage (the default), a stored model keeps the moments (computed at load by the same
  // queries); a session reads each stage's cost per event (model.event_weights).
  let moments: Map<string, Moments>;
  const byStage = by.length === 1 && by[0]!.kind === "stage";
  try {
    if (byStage && (await db.query("diff.has_stored_moments"))[0]!.stored) await db.run("diff.stored_stage_moments");
    else {
      if (byStage) await db.run("diff.stage_costs");
      else await db.run("diff.group_costs", keyParams(by));
      await db.run("diff.group_moments");
    }
    moments = momentsFromRows(await db.query("diff.moments"), by);
  } finally {
    await db.run("diff.drop");
  }
  const small = result.weights.stored_traces <= BOOTSTRAP_MAX_EVENTS;
  const perEvent = small ? perEventFromRows(await db.query("cost.event_group_costs", keyParams(by)), by) : undefined;
  const durations = small
    ? durationsFromRows(await db.query("diff.event_durations"), await db.query("diff.group_span_durations", keyParams(by)), by, result.weights)
    : undefined;
  return spansSide(label, result, { moments, perEvent, durations });
}

/** What a side reads of a breakdown: per group its cost per event, share and span p95; the totals, weights and pricing. */
export interface SideBreakdown {
  groups: { keys: Record<string, string>; cost: number; share: number; p95: number | null }[];
  totals: Pick<Totals, "events" | "cost_per_event_usd" | "e2e_p95_ms">;
  weights: WeightSummary;
  pricing: Pricing;
}

/** A whole breakdown (either engine's) as what a side reads of it. */
export function sideBreakdownOf(result: BreakdownResult): SideBreakdown {
  return { ...result, groups: result.groups.map((g) => ({ keys: g.keys, cost: g.cost_per_event_usd, share: g.cost_share, p95: g.p95_ms })) };
}

/** A side of span data from its breakdown and what the significance tests read (whichever engine computed them). */
export function spansSide(label: string, result: SideBreakdown, tests: Pick<Side, "moments" | "perEvent" | "durations">): Side {
  const groups: Side["groups"] = new Map();
  for (const g of result.groups) groups.set(groupId(g.keys), g);
  return {
    label, kind: "spans", events: result.totals.events, groups, ...tests, weights: result.weights, pricing: result.pricing,
    total: { cost: result.totals.cost_per_event_usd, p95: result.totals.e2e_p95_ms },
  };
}

/** A row's group id from its g1…g3 columns. */
function rowGroupId(r: Record<string, unknown>, by: GroupKey[]): string {
  const keys: Record<string, string> = {};
  by.forEach((k, i) => (keys[keyName(k)] = String(r[`g${i + 1}`])));
  return groupId(keys);
}

/** Per group id (and TOTAL) the moments of diff.moments' rows (g1…g3, is_total, sw, sw2, swx, ss). */
export function momentsFromRows(rows: Record<string, unknown>[], by: GroupKey[]): Map<string, Moments> {
  const moments = new Map<string, Moments>();
  for (const r of rows) moments.set(r.is_total ? TOTAL : rowGroupId(r, by), { sw: Number(r.sw), sw2: Number(r.sw2), swx: Number(r.swx), ss: Number(r.ss) });
  return moments;
}

/** Per event, its weight and cost per group id (and TOTAL), from cost.event_group_costs' rows (trace_id, w, g1…g3, cost_usd) in trace order. */
export function perEventFromRows(rows: Record<string, unknown>[], by: GroupKey[]): NonNullable<Side["perEvent"]> {
  const perEvent: NonNullable<Side["perEvent"]> = [];
  let currentTrace: unknown;
  for (const r of rows) {
    if (r.trace_id !== currentTrace) {
      currentTrace = r.trace_id;
      perEvent.push({ w: Number(r.w), costs: new Map() });
    }
    const event = perEvent[perEvent.length - 1]!;
    const cost = Number(r.cost_usd);
    event.costs.set(rowGroupId(r, by), cost);
    event.costs.set(TOTAL, (event.costs.get(TOTAL) ?? 0) + cost);
  }
  return perEvent;
}

/**
 * Durations per group (and end-to-end per event, as TOTAL), sorted, for the p95 bootstrap: from
 * diff.event_durations' rows (trace_id, w, e2e_ns, in trace order) and diff.group_span_durations'
 * (trace_id, duration_ns, weight, g1…g3, in trace, duration, weight order).
 */
export function durationsFromRows(e2eRows: Record<string, unknown>[], spanRows: Record<string, unknown>[], by: GroupKey[], weights: WeightSummary): Side["durations"] {
  const eventIndex = new Map<unknown, number>();
  const collect = (rows: { id: string; trace: unknown; valueMs: number; weight: number }[]) => {
    const byGroup = new Map<string, { event: number; valueMs: number; weight: number }[]>();
    for (const r of rows) {
      let event = eventIndex.get(r.trace);
      if (event === undefined) eventIndex.set(r.trace, (event = eventIndex.size));
      const list = byGroup.get(r.id) ?? [];
      list.push({ event, valueMs: r.valueMs, weight: r.weight });
      byGroup.set(r.id, list);
    }
    return byGroup;
  };
  const e2e = e2eRows.map((r) => ({ id: TOTAL, trace: r.trace_id, valueMs: Number(r.e2e_ns) / 1e6, weight: Number(r.w) }));
  const spans = spanRows.map((r) => ({ id: rowGroupId(r, by), trace: r.trace_id, valueMs: Number(r.duration_ns) / 1e6, weight: Number(r.weight) }));
  const groups = new Map<string, GroupDurations>();
  for (const [id, list] of collect([...e2e, ...spans])) {
    list.sort((a, b) => a.valueMs - b.valueMs);
    groups.set(id, {
      event: Int32Array.from(list, (x) => x.event),
      valueMs: Float64Array.from(list, (x) => x.valueMs),
      weight: Float64Array.from(list, (x) => x.weight),
    });
  }
  // As in the breakdown: equal weights → interpolated quantiles, else weighted ones.
  return { events: eventIndex.size, groups, interpolate: weights.min_weight === weights.max_weight };
}

// ------------------------------------------------------------------ significance

function values(side: Side, id: string): { x: Float64Array; w: Float64Array } {
  const events = side.perEvent!;
  const x = new Float64Array(events.length);
  const w = new Float64Array(events.length);
  events.forEach((e, i) => {
    x[i] = e.costs.get(id) ?? 0;
    w[i] = e.w;
  });
  return { x, w };
}

function test(before: Side, after: Side, id: string, bootstrap: boolean): { significant: Significance; low: number; high: number } {
  let low: number;
  let high: number;
  if (bootstrap) {
    const b = values(before, id);
    const a = values(after, id);
    const random = mulberry32(0xad7ace5);
    const diffs = new Float64Array(2000);
    for (let r = 0; r < diffs.length; r++) diffs[r] = resampledMean(a.x, a.w, random) - resampledMean(b.x, b.w, random);
    diffs.sort();
    ({ low, high } = percentileInterval(diffs));
  } else {
    const b = groupMoments(before, id);
    const a = groupMoments(after, id);
    const observed = (a.sw ? a.swx / a.sw : 0) - (b.sw ? b.swx / b.sw : 0);
    const se = Math.sqrt(momentsMeanVariance(a) + momentsMeanVariance(b));
    low = observed - 1.96 * se;
    high = observed + 1.96 * se;
  }
  const significant: Significance = low > 0 || high < 0 ? "yes" : "no";
  return { significant, low, high };
}

/** A group's moments on a side; a group the side lacks costs 0 in each of its events. */
function groupMoments(side: Side, id: string): Moments {
  const found = side.moments!.get(id);
  if (found) return found;
  const any = side.moments!.get(TOTAL);
  return { sw: any?.sw ?? 0, sw2: any?.sw2 ?? 0, swx: 0, ss: 0 };
}

// ------------------------------------------------------------------ p95 significance

/**
 * Bootstrap the change in p95 for every group id at once: each resample draws each side's events
 * with replacement (a span counts as often as its event is drawn) and takes the p95 of each
 * group's durations; significant when the 95% interval of after − before excludes 0.
 */
function p95Tests(before: Side, after: Side, ids: string[]): Map<string, Significance> {
  const b = before.durations;
  const a = after.durations;
  const out = new Map<string, Significance>();
  if (!b || !a) return out;
  const testable = ids.filter((id) => b.groups.has(id) && a.groups.has(id));
  const random = mulberry32(0x95e1ec7);
  const countsB = new Int32Array(b.events);
  const countsA = new Int32Array(a.events);
  const diffs = testable.map(() => [] as number[]);
  for (let r = 0; r < RESAMPLES; r++) {
    drawCounts(countsB, random);
    drawCounts(countsA, random);
    testable.forEach((id, i) => {
      const d = groupQuantile(a.groups.get(id)!, countsA, a.interpolate) - groupQuantile(b.groups.get(id)!, countsB, b.interpolate);
      if (Number.isFinite(d)) diffs[i]!.push(d);
    });
  }
  testable.forEach((id, i) => {
    const sorted = diffs[i]!.sort((x, y) => x - y);
    if (sorted.length < RESAMPLES / 2) return out.set(id, "unknown");
    const { low, high } = percentileInterval(sorted);
    out.set(id, low > 0 || high < 0 ? "yes" : "no");
  });
  return out;
}

/** The p95 of a group's durations in one resample (statistics.ts resampledQuantile). */
function groupQuantile(g: GroupDurations, counts: Int32Array, interpolate: boolean): number {
  return resampledQuantile(g.valueMs, g.event, g.weight, counts, 0.95, interpolate);
}

