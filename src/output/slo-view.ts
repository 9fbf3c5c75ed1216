// Presenter for `slo check` (and the report's SLO section): one row per SLO.
import type { SloResult, SloRow } from "../analysis/slo.js";
import type { Column, TableResult } from "./result.js";
import { formatMs, formatShare, formatUsd } from "./units.js";

const shareText = (v: number) => formatShare(v, 2);
/** A target, objective or actual in the SLO's own unit. */
function unitText(row: SloRow, value: number | null, what: "target" | "share"): string {
  if (value === null) return "–";
  if (row.indicator === "cost") return formatUsd(value);
  if (what === "target") return row.indicator === "latency" ? `≤ ${formatMs(value)}` : `≤ ${shareText(value)}`;
  return shareText(value);
}

export function sloView(result: SloResult): TableResult {
  const columns: Column[] = [
    // The name is the SLO's identity (the help's own "auction-latency" was cut to "auction-late…"):
    // never cut below its 24 characters to fit; the indicator column gives way instead.
    { key: "name", kind: "text", maxWidth: 24, fixed: true },
    { key: "stage", kind: "text" },
    // The target's unit already tells latency (≤ ms), cost ($) and errors (≤ %) apart.
    { key: "indicator", kind: "text", optional: true },
    { key: "target", kind: "number", machineOnly: true },
    { key: "objective", kind: "number", machineOnly: true },
    { key: "actual", kind: "number", machineOnly: true },
    { key: "target_shown", title: "target", kind: "text", humanOnly: true },
    { key: "objective_shown", title: "objective", kind: "text", humanOnly: true, align: "right" },
    { key: "actual_shown", title: "actual", kind: "text", humanOnly: true, align: "right" },
    { key: "error_budget_used", title: "budget used", kind: "share" },
    { key: "burn_rate", title: "burn rate", kind: "number" },
    { key: "status", kind: "text" },
  ];
  const rows = result.rows.map((r) => ({
    ...r,
    target_shown: unitText(r, r.target, "target"),
    objective_shown: unitText(r, r.objective, "share"),
    actual_shown: unitText(r, r.actual, "share"),
    burn_rate: r.burn_rate === null ? null : Number(r.burn_rate.toPrecision(12)),
  }));
  const breached = result.rows.filter((r) => r.status === "breached");
  return {
    heading: [
      `SLOs — ${breached.length ? `${breached.length} breached: ${breached.map((r) => r.name).join(", ")}` : "none breached"}`,
      `burn rate over ${result.window_from ? `the last window, from ${result.window_from}` : "the whole data (--window for the last part of it)"}.`,
    ],
    columns,
    rows,
    notes: [
      "objective and actual: the share of good events (latency, errors) or cost per event (cost); budget used = the bad share ÷ the allowed bad share, or cost ÷ ceiling, over the whole data; burn rate = the same over the window (1 = spending exactly as fast as allowed); breached when budget used > 100%.",
    ],
    json: { window_from: result.window_from, slos: result.rows },
  };
}
