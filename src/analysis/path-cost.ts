// `cost critical-path`: per group (stage by default), how often and how much of its time lies on
// the events' critical paths (critical-path.ts), next to its share of cost, and the quadrant that
// puts the two together. The spans are read from DuckDB in batches of whole traces, in trace-id
// order (queries/critical_path.sql), each batch walked and its per-event results written back, so
// JavaScript never holds more than one batch; the aggregates are SQL, weighted by the event
// weight as every analysis is.
//
// Definitions, per group g, over the events with a critical path (a trace without a parentless
// span has none: counted as rootless and left out), each event counted with its weight:
//   events          the events in which g occurs;
//   on_path_share   of those, the share where some span of g is on the path;
//   critical_pNN_ms percentiles of g's critical time per event (0 where it is off the path);
//   share_of_e2e    g's critical time ÷ all events' path time (= end-to-end time): groups add to 1;
//   cost_share      g's cost ÷ total cost (as in cost breakdown);
//   quadrant        costly when cost_share ≥ costlyShare, critical when on_path_share ≥ criticalShare.
import type { DuckDBAppender } from "@duckdb/node-api";
import type { Db } from "../db/db.js";
import { criticalPath, type PathSpan } from "./critical-path.js";
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
  /** Traces per batch read into JavaScript (default 20,000). */
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
  try {
    await db.run("critical_path.prepare_traces");
    await db.run("critical_path.prepare_groups", params);
    await db.run("critical_path.prepare_spans", { ...params, batch_traces: options.batchTraces ?? 20_000 });
    await db.run("critical_path.create_results");
    const batches = Number((await db.query("critical_path.batches"))[0]!.n);
    const groupsOut = await db.appender("_cp_groups", "temp");
    const eventsOut = await db.appender("_cp_events", "temp");
    try {
      for (let batch = 0; batch < batches; batch++) await walkBatch(db, batch, groupsOut, eventsOut);
      groupsOut.flushSync();
      eventsOut.flushSync();
    } finally {
      groupsOut.closeSync();
      eventsOut.closeSync();
    }
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
  } finally {
    await db.run("critical_path.drop");
  }
}

interface BatchSpan extends PathSpan {
  id: number;
  gid: number;
}

/**
 * Walk every event of one batch and append its per-event and per-group results. Spans arrive as
 * numbers (queries/critical_path.sql, prepare_spans): a span's number follows its id's order, so
 * the walk's tie-break on ids holds; a parent not in the event is −1 (an orphan's top).
 */
async function walkBatch(db: Db, batch: number, groupsOut: DuckDBAppender, eventsOut: DuckDBAppender): Promise<void> {
  const c = await db.columns("critical_path.batch", { batch });
  const ord = c.ord as number[];
  const idx = c.idx as number[];
  const parentIdx = c.parent_idx as (number | null)[];
  const isRoot = c.is_root as boolean[];
  const start = c.start_ns as number[];
  const end = c.end_ns as number[];
  const gid = c.gid as number[];
  const n = ord.length;
  for (let i = 0; i < n; ) {
    const event = ord[i]!;
    const spans: BatchSpan[] = [];
    for (; i < n && ord[i] === event; i++) {
      spans.push({ id: idx[i]!, parent: isRoot[i] ? null : parentIdx[i] ?? -1, start: start[i]!, end: end[i]!, gid: gid[i]! });
    }
    const path = criticalPath(spans);
    eventsOut.appendInteger(event);
    if (path.root) eventsOut.appendDouble(path.durationNs);
    else eventsOut.appendNull();
    eventsOut.appendInteger(path.orphanSpans);
    eventsOut.appendInteger(path.extraRootSpans);
    eventsOut.appendInteger(path.cyclicSpans);
    eventsOut.endRow();
    if (!path.root) continue;
    // Every group that occurs in the event, on the path or not (its 0s count in the percentiles).
    const groups = new Map<number, { ns: number; on: boolean }>();
    for (const node of path.forest.nodes) {
      let g = groups.get(node.span.gid);
      if (!g) groups.set(node.span.gid, (g = { ns: 0, on: false }));
      g.ns += path.criticalNs[node.index]!;
      if (path.onPath[node.index]) g.on = true;
    }
    for (const [id, g] of groups) {
      groupsOut.appendInteger(event);
      groupsOut.appendInteger(id);
      groupsOut.appendDouble(g.ns);
      groupsOut.appendBoolean(g.on);
      groupsOut.endRow();
    }
  }
}
