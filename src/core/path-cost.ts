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
import type { Db, SqlValue } from "./db.js";
import { criticalPath } from "./critical-path.js";
import { attributeKeysOf, keyName, keyParams, roundCount, weightSummary, type GroupKey, type WeightSummary } from "./breakdown.js";
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
  const params = keyParams(by);
  try {
    await db.run("critical_path.prepare", { ...params, batch_traces: options.batchTraces ?? 20_000 });
    await db.run("critical_path.create_results");
    const batches = Number((await db.query("critical_path.batches"))[0]!.n);
    for (let batch = 0; batch < batches; batch++) await walkBatch(db, batch);
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

interface BatchSpan { id: string; parent: string | null; start: number; end: number; group: string; keys: [SqlValue, SqlValue, SqlValue] }

/** Walk every trace of one batch and write its per-event and per-group results back. */
async function walkBatch(db: Db, batch: number): Promise<void> {
  const rows = await db.query("critical_path.batch", { batch });
  const out = { trace_ids: [] as string[], g1s: [] as SqlValue[], g2s: [] as SqlValue[], g3s: [] as SqlValue[], critical_ns: [] as number[], on_path: [] as number[] };
  const ev = { trace_ids: [] as string[], path_ns: [] as number[], orphans: [] as number[], extra_roots: [] as number[], cyclic: [] as number[] };
  for (let i = 0; i < rows.length; ) {
    const traceId = String(rows[i]!.trace_id);
    const spans: BatchSpan[] = [];
    for (; i < rows.length && rows[i]!.trace_id === traceId; i++) {
      const r = rows[i]!;
      const keys: [SqlValue, SqlValue, SqlValue] = [r.g1 as SqlValue, r.g2 as SqlValue, r.g3 as SqlValue];
      spans.push({ id: String(r.span_id), parent: (r.parent_span_id as string | null) ?? null, start: Number(r.start_ns), end: Number(r.end_ns), group: JSON.stringify(keys), keys });
    }
    const path = criticalPath(spans);
    ev.trace_ids.push(traceId);
    ev.path_ns.push(path.root ? path.durationNs : -1);
    ev.orphans.push(path.orphanSpans);
    ev.extra_roots.push(path.extraRootSpans);
    ev.cyclic.push(path.cyclicSpans);
    if (!path.root) continue;
    const groups = new Map<string, { keys: [SqlValue, SqlValue, SqlValue]; ns: number; on: number }>();
    // Every group that occurs in the event, on the path or not (its 0s count in the percentiles).
    for (const node of path.forest.nodes) {
      const s = node.span;
      let g = groups.get(s.group);
      if (!g) groups.set(s.group, (g = { keys: s.keys, ns: 0, on: 0 }));
      g.ns += path.criticalNs[node.index]!;
      if (path.onPath[node.index]) g.on = 1;
    }
    for (const g of groups.values()) {
      out.trace_ids.push(traceId);
      out.g1s.push(g.keys[0]);
      out.g2s.push(g.keys[1]);
      out.g3s.push(g.keys[2]);
      out.critical_ns.push(g.ns);
      out.on_path.push(g.on);
    }
  }
  if (ev.trace_ids.length) await db.run("critical_path.insert_events", ev);
  if (out.trace_ids.length) await db.run("critical_path.insert_groups", out);
}
