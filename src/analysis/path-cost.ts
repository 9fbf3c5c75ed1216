// `cost critical-path`: per group (stage by default), how often and how much of its time lies on
// the events' critical paths (model/critical-path.ts), next to its share of cost, and the quadrant
// that puts the two together. Every event's path is walked once per model (model/span-path.ts: at
// load for a stored model, on first need in a session) into per-span and per-event columns; the
// aggregates are SQL (queries/critical_path.sql), weighted by the event weight as every analysis is.
//
// Definitions, per group g, over the events with a critical path (a trace without a parentless
// span has none: counted as rootless and left out), each event counted with its weight:
//   events          the events in which g occurs;
//   on_path_share   of those, the share where some span of g is on the path;
//   critical_pNN_ms percentiles of g's critical time per event (0 where it is off the path);
//   share_of_e2e    g's critical time ÷ all events' path time (= end-to-end time): groups add to 1;
//   cost_share      g's cost ÷ total cost (as in cost breakdown);
//   quadrant        costly when cost_share ≥ costlyShare, critical when on_path_share ≥ criticalShare.
import type { Db } from "../db/db.js";
import { ensurePathsWalked } from "../model/span-path.js";
import { assertAttributeKeysPresent, attributeKeysOf, keyName, keyParams, roundCount, weightSummary, type GroupKey, type WeightSummary } from "./breakdown.js";
import { assertAttributesKept } from "../model/install.js";

export type Quadrant = "costly+critical" | "costly+off-path" | "cheap+critical" | "cheap+off-path";

export const DEFAULT_COSTLY_SHARE = 0.1;
export const DEFAULT_CRITICAL_SHARE = 0.5;

export interface CriticalPathOptions {
  by?: GroupKey[];
  /** A group is costly at or above this share of cost (default 0.1). */
  costlyShare?: number;
  /** A group is critical when on the path in at least this share of its events (default 0.5). */
  criticalShare?: number;
  /** Traces per batch read into JavaScript when the session walks its paths (default 20,000). */
  batchTraces?: number;
}

export interface CriticalPathGroup {
  keys: Record<string, string>;
  events: number;
  on_path_share: number;
  critical_p50_ms: number | null;
  critical_p95_ms: number | null;
  share_of_e2e: number;
  cost_share: number;
  quadrant: Quadrant;
}

export interface CriticalPathTotals {
  /** Events with a critical path (weighted). */
  events: number;
  e2e_p50_ms: number | null;
  e2e_p95_ms: number | null;
  /** Stored traces without a parentless span: no path, left out. */
  rootless_events: number;
  orphan_spans: number;
  extra_root_spans: number;
  cyclic_spans: number;
}

export interface CriticalPathResult {
  by: GroupKey[];
  groups: CriticalPathGroup[];
  totals: CriticalPathTotals;
  thresholds: { costly_share: number; critical_share: number };
  weights: WeightSummary;
  /** Over a ClickHouse source: the events walked (a sample of whole events) and those in the range. */
  path_sample?: { events: number; of_events: number } | null;
}

export function quadrantOf(costShare: number, onPathShare: number, costlyShare: number, criticalShare: number): Quadrant {
  return `${costShare >= costlyShare ? "costly" : "cheap"}+${onPathShare >= criticalShare ? "critical" : "off-path"}` as Quadrant;
}

export async function costCriticalPath(db: Db, options: CriticalPathOptions = {}): Promise<CriticalPathResult> {
  const by = options.by ?? [{ kind: "stage" }];
  const costlyShare = options.costlyShare ?? DEFAULT_COSTLY_SHARE;
  const criticalShare = options.criticalShare ?? DEFAULT_CRITICAL_SHARE;
  await assertAttributesKept(db, attributeKeysOf(by));
  await assertAttributeKeysPresent(db, by);
  const params = keyParams(by);
  await ensurePathsWalked(db, options.batchTraces);
  const rows = await db.query("critical_path.groups", params);
  const groups = rows.map((r): CriticalPathGroup => {
    const keys: Record<string, string> = {};
    by.forEach((key, i) => (keys[keyName(key)] = String(r[`g${i + 1}`] ?? "")));
    const onPath = Number(r.on_path_share ?? 0);
    const costShare = Number(r.cost_share ?? 0);
    return {
      keys,
      events: roundCount(Number(r.events)),
      on_path_share: onPath,
      critical_p50_ms: r.critical_p50_ms === null ? null : Number(r.critical_p50_ms),
      critical_p95_ms: r.critical_p95_ms === null ? null : Number(r.critical_p95_ms),
      share_of_e2e: Number(r.share_of_e2e ?? 0),
      cost_share: costShare,
      quadrant: quadrantOf(costShare, onPath, costlyShare, criticalShare),
    };
  });
  const [t] = await db.query("critical_path.totals");
  const q = (t!.q as number[] | null) ?? [null, null];
  const ms = (v: unknown) => (v === null || v === undefined ? null : Number(v) / 1e6);
  const totals: CriticalPathTotals = {
    events: roundCount(Number(t!.events ?? 0)),
    e2e_p50_ms: t!.weighted ? ms(t!.wp50_ns) : ms(q[0]),
    e2e_p95_ms: t!.weighted ? ms(t!.wp95_ns) : ms(q[1]),
    rootless_events: Number(t!.rootless_events),
    orphan_spans: Number(t!.orphan_spans),
    extra_root_spans: Number(t!.extra_root_spans),
    cyclic_spans: Number(t!.cyclic_spans),
  };
  return { by, groups, totals, thresholds: { costly_share: costlyShare, critical_share: criticalShare }, weights: await weightSummary(db) };
}

/**
 * Per stage, the weighted share of its events (with a path) in which it is on the critical path:
 * cost critical-path's on_path_share by stage, read in one pass from the walk's per-stage carriers.
 */
export async function onPathShareByStage(db: Db, options: Pick<CriticalPathOptions, "batchTraces"> = {}): Promise<Map<string, number>> {
  await ensurePathsWalked(db, options.batchTraces);
  const rows = await db.query("critical_path.on_path_by_stage");
  return new Map(rows.map((r) => [String(r.stage), Number(r.events) > 0 ? Number(r.on_path_events) / Number(r.events) : 0]));
}
