// Presenters for the critical path: `cost critical-path` (per group, with quadrants) and
// `adtrace trace` (one event's waterfall, its bars fitted to the terminal's width).
import { keyName } from "../analysis/breakdown.js";
import type { CriticalPathResult } from "../analysis/path-cost.js";
import type { TraceResult } from "../analysis/trace.js";
import type { Column, TableResult } from "./result.js";
import { humanCell } from "./columns.js";
import { displayWidth } from "./text.js";
import { formatCount, formatMs, formatShare, formatUsd } from "./units.js";
import { rawLabel, weightNotes, weightsJson } from "./cost-views.js";
import { onPathSampled, onPathSampleNote } from "./decision-views.js";

function excludedNotes(t: { orphan_spans: number; extra_root_spans: number; cyclic_spans: number }, rootless = 0): string[] {
  const notes: string[] = [];
  if (rootless) notes.push(`${formatCount(rootless)} event(s) without a root span (every span has a parent): no critical path, left out.`);
  if (t.orphan_spans) notes.push(`${formatCount(t.orphan_spans)} span(s) in orphan sub-trees (their parent is not in the trace): excluded from the path.`);
  if (t.extra_root_spans) notes.push(`${formatCount(t.extra_root_spans)} span(s) under a second root of their trace: excluded from the path (it starts at the earliest root).`);
  if (t.cyclic_spans) notes.push(`${formatCount(t.cyclic_spans)} span(s) on or below a parent cycle: excluded from the path, never walked.`);
  return notes;
}

export function criticalPathView(result: CriticalPathResult, meta: { label: string }): TableResult {
  const { totals, thresholds } = result;
  const columns: Column[] = [
    ...result.by.map((key): Column => ({ key: keyName(key), kind: "text", maxWidth: 28 })),
    { key: "events", kind: "int" },
    { key: "on_path_share", title: "on path", kind: "share", bar: true },
    { key: "critical_p50_ms", title: "crit p50", kind: "ms" },
    { key: "critical_p95_ms", title: "crit p95", kind: "ms" },
    { key: "share_of_e2e", title: "of e2e", kind: "share", bar: true },
    { key: "cost_share", title: "of cost", kind: "share", bar: true },
    { key: "quadrant", kind: "text" },
  ];
  const rows = result.groups.map((g) => ({ ...g.keys, ...g }));
  const total = {
    [keyName(result.by[0]!)]: "total",
    events: totals.events,
    critical_p50_ms: totals.e2e_p50_ms,
    critical_p95_ms: totals.e2e_p95_ms,
    share_of_e2e: totals.events > 0 ? 1 : 0,
    cost_share: result.groups.some((g) => g.cost_share > 0) ? 1 : 0,
    quadrant: "",
  };
  const notes = [
    `quadrant: costly at ≥ ${formatShare(thresholds.costly_share)} of cost (--costly-share), critical when on the path in ≥ ${formatShare(thresholds.critical_share)} of the group's events (--critical-share).`,
    `total crit p50/p95 is the path's length, the root span's duration (${formatMs(totals.e2e_p95_ms)} at p95).`,
    ...excludedNotes(totals, totals.rootless_events),
    ...weightNotes(result.weights),
    ...[onPathSampleNote(result.path_sample, "Every figure is")].filter((n): n is string => n !== undefined),
  ];
  return {
    heading: [
      `Critical path by ${result.by.map(keyName).join(", ")} — ${meta.label}${rawLabel(result.weights)}`,
      `${formatCount(totals.events)} events; crit p50/p95: the group's time on the path per event; of e2e: its share of all path time.`,
    ],
    columns,
    rows,
    total,
    notes,
    json: {
      groups: result.groups.map(({ keys, ...rest }) => ({ ...keys, ...rest })),
      total: { ...totals },
      thresholds: { ...thresholds },
      weights: weightsJson(result.weights),
      ...(onPathSampled(result.path_sample) ? { path_sample: result.path_sample } : {}),
    },
  };
}

const MARK = "●";
const MIN_BAR = 24;

/**
 * The waterfall: a row per span, indented by depth, with a bar on the event's timeline (█ on the
 * critical path, ░ off it) as wide as the terminal leaves after the other columns.
 */
export function traceView(result: TraceResult, meta: { label: string; width?: number }): TableResult {
  // Fitted to a terminal (a table): meta.width. Otherwise (Markdown) every column, bars of 40.
  const width = Math.max(60, meta.width ?? 100);
  const rows = result.spans.map((s) => ({
    ...s,
    mark: s.critical ? MARK : "",
    span: `${"  ".repeat(Math.min(s.depth ?? 0, 12))}${s.depth === null ? "↻ " : ""}${s.name}`,
  }));
  const columns: Column[] = [
    { key: "mark", title: "cp", kind: "text", humanOnly: true },
    { key: "span_id", kind: "text", machineOnly: true },
    { key: "parent_span_id", kind: "text", machineOnly: true },
    { key: "depth", kind: "int", machineOnly: true },
    { key: "span", kind: "text", humanOnly: true, maxWidth: 40 },
    { key: "timeline", kind: "text", humanOnly: true, fixed: true },
    { key: "name", kind: "text", machineOnly: true },
    { key: "service", kind: "text", maxWidth: 20 },
    { key: "stage", kind: "text", maxWidth: 16 },
    { key: "start_offset_ms", title: "start", kind: "ms", machineOnly: true },
    { key: "duration_ms", title: "dur", kind: "ms" },
    { key: "self_ms", title: "self", kind: "ms" },
    { key: "cost_usd", title: "cost", kind: "usd" },
    { key: "critical", kind: "text", machineOnly: true },
    { key: "critical_ms", title: "crit", kind: "ms" },
  ];
  // The bars take what the other columns leave (each as wide as its widest cell or title); on a
  // narrow terminal service, then stage, give way before the bars shrink below MIN_BAR.
  const widthOf = (c: Column) => Math.max(displayWidth(c.title ?? c.key), ...rows.map((r) => displayWidth(humanCell(c, (r as Record<string, unknown>)[c.key], false))));
  let others = columns.filter((c) => !c.machineOnly && c.key !== "timeline");
  const room = () => width - others.reduce((sum, c) => sum + widthOf(c), 0) - 2 * others.length;
  if (meta.width !== undefined) for (const key of ["service", "stage"]) if (room() < MIN_BAR) others = others.filter((c) => c.key !== key);
  const barWidth = meta.width !== undefined ? Math.max(10, room()) : 40;
  // What gave way stays in CSV and JSON.
  const shown = columns.map((c) => (c.machineOnly || c.key === "timeline" || others.includes(c) ? c : { ...c, machineOnly: true as const }));
  const span = result.e2e_ms > 0 ? result.e2e_ms : 1;
  const withBars = rows.map((r) => {
    const from = Math.min(barWidth - 1, Math.floor((r.start_offset_ms / span) * barWidth));
    const length = Math.max(1, Math.min(barWidth - from, Math.round((r.duration_ms / span) * barWidth)));
    return { ...r, timeline: " ".repeat(from) + (r.critical ? "█" : "░").repeat(length) };
  });
  const notes = [
    `${MARK} on the critical path (█); crit: the path's time in the span itself, not in a child (above self where an off-path child overlaps it). Bars span ${formatMs(result.e2e_ms)}.`,
    ...excludedNotes(result),
  ];
  const path = result.path_ms === null ? "no root span: no critical path" : `critical path ${formatMs(result.path_ms)}`;
  return {
    heading: [
      `Trace ${result.trace_id}${result.pick ? ` (${result.pick})` : ""} — ${meta.label}`,
      `${formatCount(result.spans.length)} spans, ${formatMs(result.e2e_ms)} end to end, ${path}, ${formatUsd(result.cost_usd)}.`,
    ],
    columns: shown,
    rows: withBars,
    notes,
    ...(meta.width !== undefined ? { width } : {}),
    json: {
      trace_id: result.trace_id,
      pick: result.pick,
      path_ms: result.path_ms,
      e2e_ms: result.e2e_ms,
      cost_usd: result.cost_usd,
      orphan_spans: result.orphan_spans,
      extra_root_spans: result.extra_root_spans,
      cyclic_spans: result.cyclic_spans,
      spans: result.spans.map((s) => ({
        span_id: s.span_id, parent_span_id: s.parent_span_id, depth: s.depth, name: s.name, service: s.service, stage: s.stage,
        start_offset_ms: s.start_offset_ms, duration_ms: s.duration_ms, self_ms: s.self_ms, cost_usd: s.cost_usd, critical: s.critical, critical_ms: s.critical_ms,
      })),
    },
  };
}
