// `cost flags`: which stages make per-event cost warehouse-heavy, why, and the lever that fits.
//
// Rules (thresholds from the config's `flags:`):
//  heavy        the stage carries ≥ min_cost_share of cost and more than min_warehouse_share of
//               that is warehouse query cost ("most of it", so exactly a half is not);
//  concentrated a warehouse stage with ≥ 5% of cost where one query fingerprint carries
//               ≥ top_query_share of the stage's cost (one query to fix);
//  bytes        a warehouse stage scanning ≥ bytes_ratio × the median warehouse stage's bytes per
//               event (and ≥ 5% of cost).
// Lever, from the costliest query's shape, else the stage: aggregates (SUM/COUNT/AVG…, GROUP BY)
// → preaggregate; writes (INSERT/MERGE/COPY/UPDATE) → tune (batch them); plain reads → cache only
// when the data shows the same statement repeating often enough for the assumed hit rate (the
// share of calls that repeat an earlier identical statement is what an unbounded cache could
// hit), else tune (the literals change per call: index or batch the lookup); with no query text,
// aggregation → preaggregate, tracking/profiling/inventory → cache, else tune. Savings use the
// stated default assumptions (LEVER_ASSUMPTIONS). A flagged stage on the critical path in fewer
// than half its events (cost critical-path's default) is marked off the path: a lever there saves
// money, not latency.
import type { Db, Row } from "../db/db.js";
import type { Config } from "../model/config.js";
import { pricingSummary, roundCount, weightSummary, type Pricing, type WeightSummary } from "./breakdown.js";
import { DEFAULT_CRITICAL_SHARE, onPathShareByStage } from "./path-cost.js";
import { median } from "./statistics.js";

export type Lever = "cache" | "preaggregate" | "tune";

/** Conservative defaults for estimates and `savings --suggest`. */
export const LEVER_ASSUMPTIONS = {
  cache: { hit_rate: 0.25, hit_cost_usd: 0 },
  preaggregate: { reduction: 0.3 },
  tune: { reduction: 0.1 },
} as const;

/** The assumptions in words, for outputs that show an estimate. */
export function assumptionsText(): string {
  const a = LEVER_ASSUMPTIONS;
  return `cache ${a.cache.hit_rate * 100}% hits, pre-aggregation −${a.preaggregate.reduction * 100}% of query cost, tuning −${a.tune.reduction * 100}% of cost`;
}

export interface StageProfile {
  stage: string;
  cost_share: number;
  cost_per_event_usd: number;
  query_per_event_usd: number;
  warehouse_cost_share: number;
  warehouse: string | null;
  top_query: string | null;
  top_query_cost_share: number | null;
  bytes_per_event: number;
  warehouse_calls_per_event: number;
  /** Stored calls of the top query fingerprint, and how many distinct raw statements they ran. */
  top_query_calls: number;
  top_query_statements: number;
}

export interface Flag {
  stage: string;
  cost_share: number;
  cost_per_event_usd: number;
  warehouse_cost_share: number;
  warehouse: string | null;
  top_query: string | null;
  top_query_cost_share: number | null;
  reason: string;
  lever: Lever;
  est_savings_per_event_usd: number;
  /** The weighted share of the stage's events in which it is on the critical path (issue 19). */
  on_critical_path_share: number | null;
  /** On the path in fewer than DEFAULT_CRITICAL_SHARE of its events: making it faster will not change p95. */
  off_critical_path: boolean;
}

export interface FlagsResult {
  flags: Flag[];
  profiles: StageProfile[];
  events: number;
  cost_per_event_usd: number;
  /** The volume the estimates assume (pre-aggregation refresh cost per event, savings per day). */
  events_per_day: number;
  thresholds: Config["flags"];
  weights: WeightSummary;
  pricing: Pricing;
  /**
   * Over a ClickHouse source: the events the critical-path walk ran on and the events in range
   * (the on-path shares are an estimate when fewer); absent or null when every event was walked.
   */
  on_path_sample?: { events: number; of_events: number } | null;
}

export async function stageProfiles(db: Db): Promise<StageProfile[]> {
  return (await db.query("flags.stage_profile")).map(toProfile);
}

/** A row of flags.stage_profile (or clickhouse.flags) as a profile. */
export function toProfile(r: Row): StageProfile {
  const n = (k: string) => Number(r[k] ?? 0);
  return {
    stage: String(r.stage),
    cost_share: n("cost_share"),
    cost_per_event_usd: n("cost_per_event_usd"),
    query_per_event_usd: n("query_per_event_usd"),
    warehouse_cost_share: n("warehouse_cost_share"),
    warehouse: (r.warehouse as string | null) ?? null,
    top_query: (r.top_query as string | null) ?? null,
    top_query_cost_share: r.top_query_cost_share === null ? null : n("top_query_cost_share"),
    bytes_per_event: n("bytes_per_event"),
    warehouse_calls_per_event: n("warehouse_calls_per_event"),
    top_query_calls: n("top_query_calls"),
    top_query_statements: n("top_query_statements"),
  };
}

export function flagStages(profiles: StageProfile[], thresholds: Config["flags"], refreshPerEventUsd = 0): Flag[] {
  const warehouseStages = profiles.filter((p) => p.warehouse !== null && p.bytes_per_event > 0);
  const medianBytes = median(warehouseStages.map((p) => p.bytes_per_event));
  const flags: Flag[] = [];
  for (const p of profiles) {
    const reasons: string[] = [];
    const pct = (x: number) => `${(x * 100).toFixed(0)}%`;
    if (p.cost_share >= thresholds.min_cost_share && p.warehouse_cost_share > thresholds.min_warehouse_share) {
      reasons.push(`${pct(p.cost_share)} of per-event cost, ${pct(p.warehouse_cost_share)} of it warehouse queries (${p.warehouse})`);
    }
    if (p.warehouse && p.cost_share >= 0.05 && (p.top_query_cost_share ?? 0) >= thresholds.top_query_share) {
      reasons.push(`one query carries ${pct(p.top_query_cost_share!)} of the stage's cost`);
    }
    // Two scanning stages or more (each > 0 bytes), so the median is > 0.
    if (p.warehouse && p.cost_share >= 0.05 && warehouseStages.length >= 2 && p.bytes_per_event >= thresholds.bytes_ratio * medianBytes) {
      reasons.push(`scans ${(p.bytes_per_event / medianBytes).toFixed(0)}× the median warehouse stage's bytes per event`);
    }
    if (reasons.length === 0) continue;
    const { lever, why } = chooseLever(p);
    flags.push({
      stage: p.stage,
      cost_share: p.cost_share,
      cost_per_event_usd: p.cost_per_event_usd,
      warehouse_cost_share: p.warehouse_cost_share,
      warehouse: p.warehouse,
      top_query: p.top_query,
      top_query_cost_share: p.top_query_cost_share,
      reason: `${reasons.join("; ")}; ${why}`,
      lever,
      est_savings_per_event_usd: estimateSaving(p, lever, refreshPerEventUsd),
      on_critical_path_share: null,
      off_critical_path: false,
    });
  }
  return flags;
}

const AGGREGATE = /\b(sum|count|avg|min|max|approx_count_distinct|percentile_cont)\s*\(|\bgroup\s+by\b/i;
const WRITE = /^\s*(insert|merge|copy|update|upsert|delete)\b/i;
const READ = /^\s*(select|with)\b/i;

export function chooseLever(p: Pick<StageProfile, "stage" | "top_query" | "top_query_calls" | "top_query_statements">): { lever: Lever; why: string } {
  const q = p.top_query ?? "";
  if (AGGREGATE.test(q)) return { lever: "preaggregate", why: "its top query aggregates raw rows on every event: pre-aggregate into a rollup and read that" };
  if (WRITE.test(q)) return { lever: "tune", why: "its top query writes row by row on every event: batch the writes (tune)" };
  if (READ.test(q) && p.top_query_calls > 0 && p.top_query_statements > 0) {
    const calls = `${p.top_query_calls} calls ran ${p.top_query_statements} distinct statement${p.top_query_statements === 1 ? "" : "s"}`;
    const repeatShare = repeatedShare(p);
    const pct = `${(repeatShare * 100).toFixed(0)}%`;
    if (repeatShare >= LEVER_ASSUMPTIONS.cache.hit_rate) {
      return { lever: "cache", why: `its top query repeats the same statements (${calls}, so ${pct} of calls repeat an earlier one): cache its result` };
    }
    return {
      lever: "tune",
      why: `its top query is a lookup whose literals change from call to call (${calls}, so ${pct} of calls repeat an earlier one: a cache would rarely hit): tune it (index or cluster on the lookup key, or batch the lookups)`,
    };
  }
  if (/aggregat|rollup|report/i.test(p.stage)) return { lever: "preaggregate", why: "aggregation recomputed per event: pre-aggregate" };
  if (/track|profil|inventory/i.test(p.stage)) return { lever: "cache", why: "no query text to check, but such lookups usually repeat across events: cache them" };
  return { lever: "tune", why: "no query shape to go by: tune the queries" };
}

/** The share of calls that repeat an earlier identical statement: what an unbounded cache could hit (calls > 0). */
function repeatedShare(p: Pick<StageProfile, "top_query_calls" | "top_query_statements">): number {
  return 1 - p.top_query_statements / p.top_query_calls;
}

export function estimateSaving(p: Pick<StageProfile, "cost_per_event_usd" | "query_per_event_usd">, lever: Lever, refreshPerEventUsd = 0): number {
  switch (lever) {
    case "cache":
      return LEVER_ASSUMPTIONS.cache.hit_rate * (p.cost_per_event_usd - LEVER_ASSUMPTIONS.cache.hit_cost_usd);
    case "preaggregate":
      return LEVER_ASSUMPTIONS.preaggregate.reduction * p.query_per_event_usd - refreshPerEventUsd;
    case "tune":
      return LEVER_ASSUMPTIONS.tune.reduction * p.cost_per_event_usd;
  }
}

export async function costFlags(db: Db, config: Config): Promise<FlagsResult> {
  const profiles = await stageProfiles(db);
  const [t] = await db.query("cost.totals");
  const flags = await flagsOnPath(profiles, config, () => onPathShareByStage(db));
  return {
    flags,
    profiles,
    events: roundCount(Number(t!.events)),
    cost_per_event_usd: Number(t!.cost_per_event_usd),
    events_per_day: config.events_per_day,
    thresholds: config.flags,
    weights: await weightSummary(db),
    pricing: await pricingSummary(db),
  };
}

/**
 * The stages flagged under the config's thresholds, each with its on-path share, which
 * `onPathShares` gives (the walk, path-cost.ts) and is asked only when a stage is flagged.
 */
export async function flagsOnPath(profiles: StageProfile[], config: Config, onPathShares: () => Promise<Map<string, number>>): Promise<Flag[]> {
  const refreshPerEvent = (config.preaggregate.refresh_cost_usd * config.preaggregate.refreshes_per_day) / config.events_per_day;
  const flags = flagStages(profiles, config.flags, refreshPerEvent);
  if (flags.length) {
    const onPath = await onPathShares();
    for (const f of flags) {
      f.on_critical_path_share = onPath.get(f.stage) ?? 0;
      f.off_critical_path = f.on_critical_path_share < DEFAULT_CRITICAL_SHARE;
    }
  }
  return flags;
}
