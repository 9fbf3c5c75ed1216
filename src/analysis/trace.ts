// `adtrace trace`: one event's spans as a waterfall, each with its self time, cost and the part
// of its time on the event's critical path (critical-path.ts). The trace is named by id, or
// chosen with --pick: the costliest event, the slowest, or the median (by end-to-end time,
// weighted). An unknown id is bad input, answered with the ids nearest to it by prefix.
import type { Db } from "../db/db.js";
import { InputError } from "../errors.js";
import { criticalPath } from "../model/critical-path.js";

export const PICKS = ["costliest", "slowest", "median"] as const;
export type Pick = (typeof PICKS)[number];

export interface TraceOptions {
  traceId?: string;
  pick?: Pick;
}

export interface TraceSpanRow {
  span_id: string;
  parent_span_id: string | null;
  /** Below the top of its sub-tree (the root, an extra root, an orphan's top); null on or below a parent cycle. */
  depth: number | null;
  name: string;
  service: string;
  stage: string;
  start_offset_ms: number;
  duration_ms: number;
  self_ms: number;
  cost_usd: number;
  critical: boolean;
  critical_ms: number;
}

export interface TraceResult {
  trace_id: string;
  /** How the trace was chosen, when no id was given. */
  pick: Pick | null;
  spans: TraceSpanRow[];
  /** The root's duration: the critical path's length (null without a root). */
  path_ms: number | null;
  /** From the first start to the last end of any span. */
  e2e_ms: number;
  cost_usd: number;
  orphan_spans: number;
  extra_root_spans: number;
  cyclic_spans: number;
}

/** How many characters two strings share at their start. */
/** The shortest trace id prefix that names a trace on its own (git asks for 4 of a hash, too). */
const MIN_PREFIX = 4;

function commonPrefix(a: string, b: string): number {
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i;
}

async function resolveTraceId(db: Db, options: TraceOptions, label: string): Promise<string> {
  if (options.traceId === undefined) {
    const [row] = await db.query("critical_path.pick_trace", { pick: options.pick ?? "costliest" });
    return String(row!.trace_id);
  }
  return findTrace(options.traceId, {
    exists: async (id) => Number((await db.query("critical_path.trace_exists", { trace_id: id }))[0]!.n) > 0,
    nearest: async (id) => (await db.query("critical_path.nearest_traces", { trace_id: id })).map((r) => String(r.trace_id)),
  }, label);
}

/** Where a trace id is looked up: a DuckDB session, or a ClickHouse table (clickhouse-events.ts). */
export interface TraceLookup {
  exists(id: string): Promise<boolean>;
  /** The three ids before and the three after `id` in sorted order. */
  nearest(id: string): Promise<string[]>;
}

/**
 * The trace `traceId` names: itself (as given, else lowercased), else the one trace a prefix of
 * MIN_PREFIX or more characters starts; else bad input naming the nearest ids.
 */
export async function findTrace(traceId: string, lookup: TraceLookup, label: string): Promise<string> {
  const options = { traceId };
  for (const id of new Set([options.traceId, options.traceId.toLowerCase()])) {
    if (await lookup.exists(id)) return id;
  }
  const wanted = options.traceId.toLowerCase();
  const after = await lookup.nearest(wanted);
  // A unique prefix of at least MIN_PREFIX characters names its trace, as a short commit hash does:
  // ids that start with it sort right after it, so the three ids fetched after it tell 1 from many.
  // Sorted here, whatever order the lookup answered in (ClickHouse's UNION ALL promises none).
  const matches = after.filter((id) => id.startsWith(wanted)).sort();
  if (wanted.length >= MIN_PREFIX && matches.length === 1) return matches[0]!;
  if (wanted.length >= MIN_PREFIX && matches.length > 1) {
    throw new InputError(label, `trace prefix '${options.traceId}' is ambiguous: ${matches.join(", ")}${matches.length === 3 ? ", …" : ""}`);
  }
  const near = after
    .sort((a, b) => commonPrefix(b, wanted) - commonPrefix(a, wanted) || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, 3);
  const hint = near.length ? `; nearest by prefix: ${near.join(", ")}` : "";
  throw new InputError(label, `no trace '${options.traceId}'${hint} (adtrace trace --pick costliest|slowest|median chooses one)`);
}

export async function traceWaterfall(db: Db, options: TraceOptions, label: string): Promise<TraceResult> {
  const traceId = await resolveTraceId(db, options, label);
  const rows = await db.query("critical_path.trace_spans", { trace_id: traceId });
  const spans = rows.map((r) => {
    const start = Number(r.start_ns);
    return {
      id: String(r.span_id), parent: (r.parent_span_id as string | null) ?? null, start, end: start + Number(r.duration_ns),
      name: String(r.name ?? ""), service: String(r.service ?? ""), stage: String(r.stage ?? ""), selfNs: Number(r.self_ns), costUsd: Number(r.cost_usd),
    };
  });
  const path = criticalPath(spans);
  const { forest } = path;
  // Rows in walk order: the root's tree depth-first (children by start), then extra roots,
  // orphan sub-trees, and spans on or below cycles by start.
  const ordered: typeof forest.nodes = [];
  const seen = new Uint8Array(forest.nodes.length);
  const tops = [...(path.root ? [path.root] : []), ...forest.roots.filter((r) => r !== path.root), ...forest.orphanRoots, ...forest.selfParented, ...forest.stranded];
  for (const top of tops) {
    const stack = [top];
    while (stack.length) {
      const node = stack.pop()!;
      if (seen[node.index]) continue;
      seen[node.index] = 1;
      ordered.push(node);
      for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
    }
  }
  const first = Math.min(...spans.map((s) => s.start));
  const last = Math.max(...spans.map((s) => s.end));
  return {
    trace_id: traceId,
    pick: options.traceId === undefined ? options.pick ?? "costliest" : null,
    spans: ordered.map((node) => {
      const s = node.span;
      const depth = path.depth[node.index]!;
      return {
        span_id: s.id, parent_span_id: s.parent, depth: depth < 0 ? null : depth, name: s.name, service: s.service, stage: s.stage,
        start_offset_ms: (s.start - first) / 1e6, duration_ms: (s.end - s.start) / 1e6, self_ms: s.selfNs / 1e6, cost_usd: s.costUsd,
        critical: path.onPath[node.index] === 1, critical_ms: path.criticalNs[node.index]! / 1e6,
      };
    }),
    path_ms: path.root ? path.durationNs / 1e6 : null,
    e2e_ms: (last - first) / 1e6,
    cost_usd: spans.reduce((sum, s) => sum + s.costUsd, 0),
    orphan_spans: path.orphanSpans,
    extra_root_spans: path.extraRootSpans,
    cyclic_spans: path.cyclicSpans,
  };
}
