// `adtrace savings`: what a lever would save, projected to the user's daily volume.
//
// Per stage s with per-event compute cost Cc and warehouse query cost Cq (C = Cc + Cq):
//   cache  h[:c]  C → (1−h)·C + h·c        (a hit costs c, default 0, and takes cache.hit_latency_ms)
//   preagg r      C → C − r·Cq + R/E        (R = refresh_cost_usd × refreshes_per_day, E = events/day)
//   tune   r      C → (1−r)·C
// Levers on one stage compose in the order given. Every map is affine in (Cc, Cq), so each
// event's saving is exact for that event; the 95% interval on the daily saving is the normal
// approximation over per-event savings (mean ± 1.96·sd/√n, weighted), scaled to events/day.
// End-to-end latency: a cache lever hits round(h·n) of the n events that have the stage (ranked
// by a well-mixed hash of the trace id, so reproducible); in a hit event the stage's top spans
// take the hit latency and their descendants do not run, and the event is re-timed (the model is
// in retime.ts): work that followed them within their parent moves up, work beside them
// does not. Preaggregate and tune are taken as latency-neutral.
import { readFileSync } from "node:fs";
import { jsKey, parseYamlFile, yamlApi, yamlToJson } from "../model/yaml.js";
import type { Db } from "../db/db.js";
import { InputError, UsageError } from "../errors.js";
import type { Config } from "../model/config.js";
import { closest } from "../model/suggest.js";
import { EventTimeline, unshortenedDurationNs, type TimedSpan } from "./retime.js";
import type { SpanKey } from "../model/critical-path.js";
import { readShare } from "../numbers.js";
import { assumptionsText, costFlags, LEVER_ASSUMPTIONS, type Flag, type Lever } from "./flags.js";
import { pricingSummary, roundCount, weightSummary, type Pricing, type WeightSummary } from "./breakdown.js";
import { meanInterval as weightedMeanInterval, momentsMeanInterval, weightedQuantile } from "./statistics.js";

export type LeverKind = "cache" | "preagg" | "tune";

export interface LeverSpec {
  kind: LeverKind;
  stage: string;
  /** Hit rate (cache) or reduction (preagg, tune), 0..1. */
  value: number;
  /** Cost of one cache hit, USD. */
  hitCostUsd: number;
  /** Where a lever from a scenario file was written (`file:line`), for error messages. */
  origin?: string;
}

export interface Scenario {
  name: string;
  levers: LeverSpec[];
  /** Assumptions a person should read next to the numbers. */
  assumptions?: string[];
}

export interface SavingsOptions {
  scenarios: Scenario[];
  /** Its events_per_day is the volume savings project to (withAnalysis sets --events-per-day there). */
  config: Config;
  /** Events the latency model re-times (--latency-sample; default 20,000): a deterministic sample, weighted by sampling weight, when there are more. */
  latencyEvents?: number;
}

export interface SavingsRow {
  scenario: string;
  /** cache | preaggregate | tune, or total for a scenario's total row. */
  lever: Lever | "total";
  /** For people: the lever with its value ("cache 60% hits"). */
  lever_label: string;
  stage: string;
  cost_per_event_before_usd: number;
  cost_per_event_after_usd: number;
  savings_per_event_usd: number;
  savings_pct_of_total: number;
  savings_per_day_usd: number;
  savings_per_year_usd: number;
  ci95_low_per_day_usd: number;
  ci95_high_per_day_usd: number;
  e2e_p95_ms_before: number | null;
  e2e_p95_ms_after: number | null;
  /** Hit rate (cache) or reduction (preaggregate, tune), 0..1; null on a total row. */
  lever_value: number | null;
  /** USD per cache hit; null on other rows. */
  hit_cost_usd: number | null;
}

export interface SavingsResult {
  rows: SavingsRow[];
  scenarios: Scenario[];
  events: number;
  events_per_day: number;
  cost_per_event_usd: number;
  latency_events: number;
  /** True when the events outnumber --latency-sample: latency_events of them, a sample weighted by sampling weight, were re-timed. */
  latency_sampled: boolean;
  interval_method: string;
  weights: WeightSummary;
  pricing: Pricing;
}

const LEVER_NAME: Record<LeverKind, Lever> = { cache: "cache", preagg: "preaggregate", tune: "tune" };

/** `STAGE=VALUE` (and for cache an optional `:HIT_COST_USD`). */
export function parseLever(kind: LeverKind, text: string, flag = `--${kind}`): LeverSpec {
  const eq = text.lastIndexOf("=");
  if (eq <= 0) throw new UsageError(`${flag} expects STAGE=${kind === "cache" ? "HIT_RATE[:HIT_COST_USD]" : "REDUCTION"}, got '${text}'`);
  const stage = text.slice(0, eq).trim();
  const parts = text.slice(eq + 1).split(":");
  if (parts.length > 2) throw new UsageError(`${flag} ${text}: expected STAGE=${kind === "cache" ? "HIT_RATE[:HIT_COST_USD]" : "REDUCTION"}, with at most one ':'`);
  const [rawValue, rawCost] = parts;
  const value = readShare(rawValue ?? "") ?? NaN;
  const what = kind === "cache" ? "hit rate" : "reduction";
  if (!(value >= 0 && value <= 1)) throw new UsageError(`${flag} ${text}: ${what} must be between 0 and 1 (or 0%..100%), got '${rawValue}'`);
  let hitCostUsd = 0;
  if (rawCost !== undefined) {
    if (kind !== "cache") throw new UsageError(`${flag} ${text}: only --cache takes a :HIT_COST_USD`);
    hitCostUsd = /^\s*[0-9.eE+-]+\s*$/.test(rawCost) ? Number(rawCost) : NaN;
    if (!Number.isFinite(hitCostUsd) || hitCostUsd < 0) throw new UsageError(`${flag} ${text}: hit cost must be a non-negative number of USD, got '${rawCost}'`);
  }
  return { kind, stage, value, hitCostUsd };
}

/**
 * A scenario file:
 *   scenarios:
 *     cache-tracking: [ { cache: "tracking=0.6" } ]
 *     both: [ { cache: "tracking=0.6:0.000001" }, { preagg: "aggregation=0.7" }, { tune: "auction=0.1" } ]
 */
export function loadScenarioFile(path: string): Scenario[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (error) {
    throw new InputError(path, `cannot read scenario file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const parsed = parseYamlFile(text, path);
  const { doc, lineCounter } = parsed;
  if (doc.errors.length) throw new InputError(path, `invalid YAML (${doc.errors[0]!.message.split("\n")[0]})`);
  // The node at a path of the data's keys: a mapping's key matched as the data names it (jsKey: a
  // scenario called 1, true or null is "1", "true", "" there), through an alias to what it names.
  const { isAlias, isMap, isSeq } = yamlApi();
  const at = (...keys: (string | number)[]) => {
    let node: unknown = doc.contents;
    let keyNode: unknown;
    for (const key of keys) {
      if (isAlias(node)) node = node.resolve(doc);
      const pair = isMap(node) ? node.items.find((p) => jsKey(p.key, doc) === String(key)) : undefined;
      keyNode = pair?.key;
      node = pair ? pair.value : isSeq(node) ? node.items[Number(key)] : undefined;
    }
    // A key written without a value (`? s`) has no value node: the key's line.
    const range = ((node ?? keyNode) as { range?: [number, number, number] } | null | undefined)?.range;
    return range ? `${path}:${lineCounter.linePos(range[0]).line}` : path;
  };
  const data = yamlToJson(parsed, path);
  const scenarios = (data as { scenarios?: unknown })?.scenarios;
  if (!scenarios || typeof scenarios !== "object" || Array.isArray(scenarios)) {
    throw new InputError(path, "expected a 'scenarios:' mapping of name → list of levers ({cache: STAGE=H}, {preagg: STAGE=R}, {tune: STAGE=R})");
  }
  return Object.entries(scenarios as Record<string, unknown>).map(([name, levers]) => {
    if (!Array.isArray(levers) || levers.length === 0) throw new InputError(at("scenarios", name), `scenario '${name}': expected a non-empty list of levers`);
    return {
      name,
      levers: levers.map((item, i) => {
        const entries = item && typeof item === "object" ? Object.entries(item as Record<string, unknown>) : [];
        const [kind, spec] = entries[0] ?? [];
        const origin = at("scenarios", name, i);
        if (entries.length !== 1 || !["cache", "preagg", "tune"].includes(String(kind)) || typeof spec !== "string") {
          throw new InputError(origin, `scenario '${name}' lever ${i + 1}: expected one of {cache: "STAGE=H[:COST]"}, {preagg: "STAGE=R"}, {tune: "STAGE=R"}`);
        }
        try {
          return { ...parseLever(kind as LeverKind, spec, `${kind}:`), origin };
        } catch (error) {
          throw new InputError(origin, `scenario '${name}': ${(error as Error).message}`);
        }
      }),
    };
  });
}

export type Optimize = "cost" | "latency";

/**
 * One scenario from `cost flags`, with the conservative default assumptions. Optimising latency,
 * the levers on stages on the critical path (cost flags' on_critical_path_share ≥ 50%) come
 * first, those off it after (they save money, not p95), each group in cost flags' order.
 */
export async function suggestedScenario(db: Db, config: Config, optimize: Optimize = "cost"): Promise<Scenario> {
  return scenarioFromFlags((await costFlags(db, config)).flags, optimize);
}

/** suggestedScenario's scenario from flags already found (a ClickHouse source finds them pushed down). */
export function scenarioFromFlags(flagged: Flag[], optimize: Optimize = "cost"): Scenario {
  const flags = optimize === "latency" ? [...flagged.filter((f) => !f.off_critical_path), ...flagged.filter((f) => f.off_critical_path)] : flagged;
  const levers: LeverSpec[] = flags.map((f) =>
    f.lever === "cache"
      ? { kind: "cache", stage: f.stage, value: LEVER_ASSUMPTIONS.cache.hit_rate, hitCostUsd: LEVER_ASSUMPTIONS.cache.hit_cost_usd }
      : f.lever === "preaggregate"
        ? { kind: "preagg", stage: f.stage, value: LEVER_ASSUMPTIONS.preaggregate.reduction, hitCostUsd: 0 }
        : { kind: "tune", stage: f.stage, value: LEVER_ASSUMPTIONS.tune.reduction, hitCostUsd: 0 },
  );
  const assumptions = [`suggested from cost flags with conservative assumptions: ${assumptionsText()}`];
  if (optimize === "latency") {
    const on = flags.filter((f) => !f.off_critical_path).map((f) => f.stage);
    const off = flags.filter((f) => f.off_critical_path).map((f) => f.stage);
    assumptions.push(`optimising latency: levers on critical-path stages first (${on.join(", ") || "none"}); off the path, saving cost but not p95: ${off.join(", ") || "none"}`);
  }
  return { name: optimize === "latency" ? "suggested (latency)" : "suggested", levers, assumptions };
}

/** Affine state of one stage: compute' = a·Cc + k(+hit cost where present), query' = b·Cq. */
interface StageMap {
  a: number;
  b: number;
  /** Added per event where the stage occurs (cache hit costs). */
  kPresent: number;
  /** Added to every event (rollup refresh). */
  kAll: number;
}

const identity = (): StageMap => ({ a: 1, b: 1, kPresent: 0, kAll: 0 });

function applyLever(m: StageMap, lever: LeverSpec, refreshPerEventUsd: number): StageMap {
  const v = lever.value;
  switch (lever.kind) {
    case "cache":
      return { a: (1 - v) * m.a, b: (1 - v) * m.b, kPresent: (1 - v) * m.kPresent + v * lever.hitCostUsd, kAll: (1 - v) * m.kAll };
    case "preagg":
      return { a: m.a, b: (1 - v) * m.b, kPresent: m.kPresent, kAll: m.kAll + refreshPerEventUsd };
    case "tune":
      return { a: (1 - v) * m.a, b: (1 - v) * m.b, kPresent: (1 - v) * m.kPresent, kAll: (1 - v) * m.kAll };
  }
}

/** One term of a functional as a row (savings.insert_term; clickhouse.savings_moments' $terms). */
export interface TermRow {
  fn: number;
  step: number;
  stage: string;
  a1: number;
  b1: number;
  kp1: number;
  ka1: number;
  a2: number;
  b2: number;
  kp2: number;
  ka2: number;
}

/** A functional's sums over events: Σw, Σw², Σw·x, Σw·(x − mean)². */
export interface MomentSums {
  sw: number;
  sw2: number;
  swx: number;
  ss: number;
}

/** What savings reads from where the spans are: a DuckDB session (savings()) or a ClickHouse source (clickhouse-savings.ts). Called in this order. */
export interface SavingsSource {
  stages(): Promise<string[]>;
  /** The sums of each functional that has terms, by fn. */
  moments(terms: TermRow[]): Promise<Map<number, MomentSums>>;
  /** Stored events (traces). */
  eventCount(): Promise<number>;
  totals(): Promise<{ events: number; cost_per_event_usd: number }>;
  latency(limit: number): Promise<LatencyModel>;
  weights(): Promise<WeightSummary>;
  pricing(): Promise<Pricing>;
}

/** The local source: the session's DuckDB. */
export function localSavingsSource(db: Db): SavingsSource {
  return {
    stages: async () => (await db.query("savings.stages")).map((r) => String(r.stage)),
    async moments(terms) {
      await db.run("savings.create_terms");
      for (const t of terms) await db.run("savings.insert_term", { ...t });
      return new Map((await db.query("savings.moments")).map((r) => [Number(r.fn), { sw: Number(r.sw), sw2: Number(r.sw2), swx: Number(r.swx), ss: Number(r.ss) }]));
    },
    eventCount: async () => Number((await db.query("savings.event_count"))[0]!.events),
    async totals() {
      // Events and the cost per event: exact sums the model keeps (cost.totals).
      const [t] = await db.query("cost.totals");
      return { events: Number(t!.events), cost_per_event_usd: Number(t!.cost_per_event_usd) };
    },
    latency: (limit) => latencyModel(db, limit),
    weights: () => weightSummary(db),
    pricing: () => pricingSummary(db),
  };
}

export async function savings(db: Db, options: SavingsOptions): Promise<SavingsResult> {
  return savingsFrom(localSavingsSource(db), options);
}

/** savings() over any source. */
export async function savingsFrom(source: SavingsSource, options: SavingsOptions): Promise<SavingsResult> {
  const stages = await source.stages();
  for (const scenario of options.scenarios) {
    for (const lever of scenario.levers) {
      if (!stages.includes(lever.stage)) {
        const hint = closest(lever.stage, stages);
        const what = `no stage '${lever.stage}' in this data${hint ? ` (did you mean '${hint}'?)` : ""}; stages: ${stages.join(", ")}`;
        // A lever from a scenario file names the file, line and scenario; one from the command line its option.
        if (lever.origin) throw new InputError(lever.origin, `scenario '${scenario.name}': ${lever.kind}: ${what}`);
        throw new UsageError(`--${lever.kind} ${lever.stage}: ${what}`);
      }
    }
  }
  const perDay = options.config.events_per_day;
  const refreshPerEventUsd = (options.config.preaggregate.refresh_cost_usd * options.config.preaggregate.refreshes_per_day) / perDay;

  // Every figure is a weighted mean over events of a functional that is affine in each stage's
  // (compute, query) cost: declared here, averaged in SQL (savings.moments).
  const functionals = new Functionals();
  const plans = options.scenarios.map((scenario) => {
    const maps = new Map<string, StageMap>();
    const steps = scenario.levers.map((lever) => {
      const before = maps.get(lever.stage) ?? identity();
      const after = applyLever(before, lever, refreshPerEventUsd);
      maps.set(lever.stage, after);
      return {
        lever, before, after,
        beforeFn: functionals.add([{ stage: lever.stage, m1: before, m2: ZERO }]),
        afterFn: functionals.add([{ stage: lever.stage, m1: after, m2: ZERO }]),
        savingFn: functionals.add([{ stage: lever.stage, m1: before, m2: after }]),
      };
    });
    // Each event's savings of all the scenario's levers, added in lever order.
    const cumulativeFn = functionals.add(steps.map((s) => ({ stage: s.lever.stage, m1: s.before, m2: s.after })));
    return { scenario, steps, cumulativeFn };
  });
  const moments = await functionals.moments(source);
  const totals = await source.totals();
  const totalWeight = totals.events;
  const totalPerEvent = totals.cost_per_event_usd;
  const latency = await source.latency(options.latencyEvents ?? DEFAULT_LATENCY_SAMPLE);
  const hitLatencyNs = options.config.cache.hit_latency_ms * 1e6;
  const rows: SavingsRow[] = [];

  for (const { scenario, steps, cumulativeFn } of plans) {
    const hitSets: LatencyHits[] = [];
    const p95Before = latency.p95([]);
    let p95Current = p95Before;
    steps.forEach(({ lever, beforeFn, afterFn, savingFn }, step) => {
      const interval = moments[savingFn]!.interval;
      if (lever.kind === "cache") hitSets.push({ stage: lever.stage, hitRate: lever.value, salt: step + 1 });
      const p95After = lever.kind === "cache" ? latency.p95(hitSets, hitLatencyNs) : p95Current;
      rows.push(row(scenario.name, lever, lever.stage, moments[beforeFn]!.mean, moments[afterFn]!.mean, interval, totalPerEvent, perDay, p95Current, p95After));
      p95Current = p95After;
    });
    const cumulative = moments[cumulativeFn]!;
    const totalAfter = totalPerEvent - cumulative.mean;
    rows.push(row(scenario.name, undefined, "", totalPerEvent, totalAfter, cumulative.interval, totalPerEvent, perDay, p95Before, p95Current));
  }
  return {
    rows,
    scenarios: options.scenarios,
    events: roundCount(totalWeight),
    events_per_day: perDay,
    cost_per_event_usd: totalPerEvent,
    latency_events: latency.events,
    latency_sampled: latency.sampled,
    interval_method: "normal approximation over per-event savings (mean ± 1.96·sd/√n), scaled to events per day",
    weights: await source.weights(),
    pricing: await source.pricing(),
  };
}

/** Events the latency model re-times by default (--latency-sample). */
export const DEFAULT_LATENCY_SAMPLE = 20_000;

const ZERO: StageMap = { a: 0, b: 0, kPresent: 0, kAll: 0 };

/**
 * One term of a functional: cost(m1) − cost(m2) of its stage, per event, where an event's cost of
 * the stage under a map m is m.a·compute + m.b·query + m.kPresent + m.kAll when the stage occurs
 * in it and m.kAll when it does not (the SQL computes it: savings.insert_term and
 * clickhouse.savings_moments' $terms).
 */
interface Term {
  stage: string;
  m1: StageMap;
  m2: StageMap;
}

interface Moments {
  sw: number;
  mean: number;
  interval: { mean: number; low: number; high: number };
}

/** Functionals over events, each a sum of terms in order; their weighted means and intervals come from SQL. */
class Functionals {
  private readonly terms: Term[][] = [];

  add(terms: Term[]): number {
    this.terms.push(terms);
    return this.terms.length - 1;
  }

  async moments(source: SavingsSource): Promise<Moments[]> {
    const rows: TermRow[] = this.terms.flatMap((terms, fn) => terms.map((t, step) => ({
      fn, step, stage: t.stage,
      a1: t.m1.a, b1: t.m1.b, kp1: t.m1.kPresent, ka1: t.m1.kAll,
      a2: t.m2.a, b2: t.m2.b, kp2: t.m2.kPresent, ka2: t.m2.kAll,
    })));
    const found = await source.moments(rows);
    // A functional with no terms (a scenario without levers cannot occur; kept total) is 0 in every event.
    const events = found.size ? undefined : await source.eventCount();
    return this.terms.map((_, fn) => {
      const sums = found.get(fn);
      if (!sums) return { sw: events ?? 0, mean: 0, interval: { mean: 0, low: 0, high: 0 } };
      return { sw: sums.sw, mean: sums.sw ? sums.swx / sums.sw : 0, interval: intervalFromSums(sums) };
    });
  }
}

/** meanInterval's figures from the sums savings.moments returns (statistics.ts, the same arithmetic in the same order). */
export const intervalFromSums = momentsMeanInterval;

/** "cache 60% hits", "cache 60%, $0.000001/hit", "preaggregate −30%". */
function leverLabel(lever: LeverSpec): string {
  const pct = `${+(lever.value * 100).toFixed(2)}%`;
  const value = lever.kind === "cache" ? (lever.hitCostUsd ? `${pct}, $${lever.hitCostUsd}/hit` : `${pct} hits`) : `−${pct}`;
  return `${LEVER_NAME[lever.kind]} ${value}`;
}

function row(
  scenario: string, lever: LeverSpec | undefined, stage: string, before: number, after: number,
  interval: { mean: number; low: number; high: number }, totalPerEvent: number, perDay: number,
  p95Before: number | null, p95After: number | null,
): SavingsRow {
  const saving = before - after;
  return {
    scenario,
    lever: lever ? LEVER_NAME[lever.kind] : "total",
    lever_label: lever ? leverLabel(lever) : "total",
    stage,
    cost_per_event_before_usd: before,
    cost_per_event_after_usd: after,
    savings_per_event_usd: saving,
    savings_pct_of_total: totalPerEvent > 0 ? saving / totalPerEvent : 0,
    savings_per_day_usd: saving * perDay,
    savings_per_year_usd: saving * perDay * 365,
    ci95_low_per_day_usd: interval.low * perDay,
    ci95_high_per_day_usd: interval.high * perDay,
    e2e_p95_ms_before: p95Before,
    e2e_p95_ms_after: p95After,
    lever_value: lever ? lever.value : null,
    hit_cost_usd: lever?.kind === "cache" ? lever.hitCostUsd : null,
  };
}

/** Weighted mean with a normal-approximation 95% interval (effective n = (Σw)²/Σw²), per event (statistics.ts). */
export function meanInterval(values: number[], events: { weight: number }[]): { mean: number; low: number; high: number } {
  return weightedMeanInterval(values, events.map((e) => e.weight));
}

interface LatencyEvent {
  id: string;
  weight: number;
  /** Its spans' rows in the sample's columns: [from, to). */
  from: number;
  to: number;
  /** End-to-end duration with nothing shortened, ns (EventTimeline's durationNs). */
  durationNs: number;
  /** Built when first needed: by a cache lever's hits (a lever-free or hit-free event needs neither). */
  timeline?: EventTimeline;
  /** stage → its top spans (whose parent is of another stage) and their durations, ns. */
  tops?: Map<string, { id: SpanKey; durationNs: number }[]>;
}

/** A cache lever's hits for the latency model: which events hit, and what a hit shortens. */
interface LatencyHits {
  stage: string;
  hitRate: number;
  salt: number;
}

export type LatencyModel = Awaited<ReturnType<typeof latencyModel>>;

/** Per-event timelines and end-to-end p95 with cache hits re-timed in (see retime.ts). */
export async function latencyModel(db: Db, limit: number) {
  const stored = Number((await db.query("savings.event_count"))[0]!.events);
  // The sample's spans come as numbers (savings.latency_spans: a span id's number follows the
  // ids' order within its event, a repeated id keeps one number), read as columns: turning every
  // span's ids into JavaScript strings cost more than the query. The trace ids come once per event.
  await db.run("savings.latency_events", { limit });
  let ev: Record<string, unknown[]>;
  let c: Record<string, unknown[]>;
  let stageNames: string[];
  try {
    ev = await db.columns("savings.latency_event_rows");
    await db.run("savings.latency_sample_spans");
    c = await db.columns("savings.latency_spans");
    stageNames = (await db.columns("savings.latency_stages")).stage as string[];
  } finally {
    await db.run("savings.latency_drop");
  }
  const traceIds = ev.trace_id as string[];
  const eventWeights = ev.event_weight as number[];
  const eids = c.eid as number[];
  const spanIds = c.idx as number[];
  const parents = c.parent_idx as (number | null)[];
  const stageOf = c.sid as number[];
  const starts = c.start_ns as number[];
  const durations = c.duration_ns as number[];
  type Span = TimedSpan & { id: number; parent: number | null; stage: string };
  const spansOf = (e: LatencyEvent): Span[] => {
    const spans: Span[] = [];
    for (let i = e.from; i < e.to; i++) {
      const start = starts[i]!;
      spans.push({ id: spanIds[i]!, parent: parents[i] ?? null, start, end: start + durations[i]!, stage: stageNames[stageOf[i]!]! });
    }
    return spans;
  };
  const timelineOf = (e: LatencyEvent): EventTimeline => (e.timeline ??= new EventTimeline(spansOf(e)));
  const topsOf = (e: LatencyEvent) => {
    if (e.tops) return e.tops;
    const spans = spansOf(e);
    const byId = new Map(spans.map((s) => [s.id, s]));
    const tops = new Map<string, { id: SpanKey; durationNs: number }[]>();
    for (const span of spans) {
      const parent = span.parent !== null && span.parent !== span.id ? byId.get(span.parent) : undefined;
      if (parent && parent.stage === span.stage) continue;
      const list = tops.get(span.stage) ?? [];
      list.push({ id: span.id, durationNs: span.end - span.start });
      tops.set(span.stage, list);
    }
    return (e.tops = tops);
  };
  const events: LatencyEvent[] = [];
  for (let i = 0; i < eids.length; ) {
    const eid = eids[i]!;
    const from = i;
    // Ids are numbered 0.. in each event (−2 when NULL): the largest number + 1 below the span
    // count means an id given twice, which unshortenedDurationNs does not cover.
    let maxId = -1;
    for (; i < eids.length && eids[i] === eid; i++) maxId = Math.max(maxId, spanIds[i]!);
    const event: LatencyEvent = { id: traceIds[eid]!, weight: eventWeights[eid]!, from, to: i, durationNs: 0 };
    const plain = maxId + 1 === i - from ? unshortenedDurationNs(starts, durations, from, i) : undefined;
    event.durationNs = plain ?? timelineOf(event).durationNs;
    events.push(event);
  }
  return {
    events: events.length,
    sampled: stored > limit,
    /** p95 of e2e latency in ms, every event re-timed with the cache hits of the given levers. */
    p95(levers: LatencyHits[], hitLatencyNs = 0): number | null {
      if (events.length === 0) return null;
      const hitSets = levers.map((lever) => {
        const candidates = events.filter((e) => topsOf(e).has(lever.stage)).map((e) => e.id);
        return { stage: lever.stage, hits: new Set(chooseHits(candidates, lever.hitRate, lever.salt)) };
      });
      const values = events.map((e) => {
        const shortened = new Map<SpanKey, number>();
        for (const { stage, hits } of hitSets) {
          if (!hits.has(e.id)) continue;
          for (const top of topsOf(e).get(stage) ?? []) shortened.set(top.id, hitLatencyNs);
        }
        const durationNs = shortened.size ? timelineOf(e).retime(shortened) : e.durationNs;
        return { value: durationNs / 1e6, weight: e.weight };
      });
      return weightedQuantile(values, 0.95);
    },
  };
}

/**
 * The events a cache lever hits: rank the candidates by a well-mixed hash of id and salt and
 * take round(h·n) of them, so the count follows the hit rate exactly and the choice is
 * reproducible whatever the ids look like (sequential ids included).
 */
export function chooseHits(ids: readonly string[], hitRate: number, salt: number): string[] {
  const k = Math.round(hitRate * ids.length);
  return ids
    .map((id) => ({ id, rank: mixHash(id, salt) }))
    .sort((a, b) => a.rank - b.rank || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .slice(0, k)
    .map((x) => x.id);
}

/**
 * A stable, well-mixed number in [0, 1) from an id and a salt: two 32-bit multiply-xorshift
 * lanes over the characters with a final avalanche on each (cyrb53), 53 bits. Neighbouring ids
 * land far apart, unlike a bare FNV-1a whose high bits barely move with the last character.
 */
function mixHash(id: string, salt: number): number {
  let h1 = 0xdeadbeef ^ salt;
  let h2 = 0x41c6ce57 ^ salt;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  return (4294967296 * (2097151 & h2) + (h1 >>> 0)) / 2 ** 53;
}
