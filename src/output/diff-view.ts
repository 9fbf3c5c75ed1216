// Presenter for adtrace diff: before → after per group, with ▲/▼ markers for people.
import type { DiffResult, DiffRow, Significance } from "../analysis/diff.js";
import { keyName } from "../analysis/breakdown.js";
import type { Column, TableResult } from "./result.js";
import { formatMs, formatShare, formatUsd } from "./units.js";
import { mdText } from "./formats/md.js";
import { pricingJson, pricingNotes, weightNotes } from "./cost-views.js";

export function diffView(result: DiffResult): TableResult {
  const keyColumns: Column[] = result.by.map((k) => ({ key: keyName(k), kind: "text", maxWidth: 28 }));
  const columns: Column[] = [
    ...keyColumns,
    { key: "status", kind: "text", machineOnly: true },
    { key: "cost_per_event_before_usd", title: "$/ev before", kind: "usd" },
    { key: "cost_per_event_after_usd", title: "after", kind: "usd" },
    { key: "change_abs", title: "Δ $/event", kind: "text", humanOnly: true, align: "right", optional: true },
    { key: "change", title: "change", kind: "text", humanOnly: true, align: "right" },
    { key: "change_usd", kind: "usd", machineOnly: true },
    { key: "change_pct", kind: "share", machineOnly: true },
    { key: "share_before", kind: "share", machineOnly: true },
    { key: "share_after", kind: "share", machineOnly: true },
    { key: "share", title: "share", kind: "text", humanOnly: true, align: "right" },
    { key: "p95_ms_before", kind: "ms", machineOnly: true },
    { key: "p95_ms_after", kind: "ms", machineOnly: true },
    { key: "p95", title: "p95", kind: "text", humanOnly: true, align: "right" },
    { key: "significant_shown", title: "significant", kind: "text", humanOnly: true },
    { key: "significant", kind: "text", machineOnly: true },
    { key: "ci95_low_usd", kind: "usd", machineOnly: true },
    { key: "ci95_high_usd", kind: "usd", machineOnly: true },
    { key: "p95_significant_shown", title: "p95 sig.", kind: "text", optional: true, humanOnly: true },
    { key: "p95_significant", kind: "text", machineOnly: true },
  ];
  const rows = result.rows.map((r) => {
    const marker = r.change_usd > 0 ? "▲" : r.change_usd < 0 ? "▼" : "·";
    const change =
      r.status === "new" ? `▲ new` : r.status === "vanished" ? `▼ gone` : `${marker} ${r.change_pct === null ? formatUsd(r.change_usd) : `${r.change_pct >= 0 ? "+" : ""}${formatShare(r.change_pct)}`}`;
    return {
      ...r.keys,
      ...machineRow(r),
      significant_shown: r.significant,
      p95_significant_shown: r.p95_significant,
      change_abs: r.change_usd === 0 ? formatUsd(0) : `${r.change_usd > 0 ? "+" : "-"}${formatUsd(Math.abs(r.change_usd))}`,
      change,
      share: `${formatShare(r.share_before)} → ${formatShare(r.share_after)}`,
      p95: `${formatMs(r.p95_ms_before)} → ${formatMs(r.p95_ms_after)}`,
    };
  });
  const total = rows.pop();
  const notes = [`cost significance: ${result.method}.`, `p95 significance: ${result.p95_method}.`];
  for (const [side, summary] of [["baseline", result.baseline], ["current", result.current]] as const) {
    if (summary.pricing) notes.push(...pricingNotes(summary.pricing).map((n) => `${side}: ${n}`));
    if (summary.weights) notes.push(...weightNotes(summary.weights).map((n) => `${side}: ${n}`));
  }
  if (result.breaches.length) notes.push(`${result.breaches.length} gate(s) breached: ${result.breaches.map((b) => `${b.row} (${b.gate})`).join(", ")}.`);
  return {
    mdLead: [`## adtrace diff: cost per event by ${mdText(result.by.map(keyName).join(", "))}`, "", `**${mdText(diffVerdict(result))}**`],
    heading: [
      `Cost per event: ${result.baseline.label} (${result.baseline.kind}, ${result.baseline.events} events) → ${result.current.label} (${result.current.kind}, ${result.current.events} events)`,
    ],
    columns,
    rows,
    total,
    csvTotal: true,
    notes,
    json: {
      rows: result.rows.map(({ keys, ...rest }) => ({ ...keys, ...machineRow(rest) })),
      breaches: result.breaches,
      baseline: sideJson(result.baseline),
      current: sideJson(result.current),
      method: result.method,
      p95_method: result.p95_method,
    },
  };
}

/** Yes/no/unknown as machine formats type it (JSON version 1): true, false, null. */
const typed = (s: Significance): boolean | null => (s === "yes" ? true : s === "no" ? false : null);

/** A row's fields as CSV, JSON and Arrow carry them: significance as booleans or null. */
function machineRow<R extends Pick<DiffRow, "significant" | "p95_significant">>(row: R): Omit<R, "significant" | "p95_significant"> & { significant: boolean | null; p95_significant: boolean | null } {
  return { ...(row as R & object), significant: typed(row.significant), p95_significant: typed(row.p95_significant) };
}

/** A side of the diff in JSON: its pricing as every analysis gives it (cost_sources, bad_values). */
function sideJson(side: DiffResult["baseline"]) {
  const { pricing, ...rest } = side;
  return { ...rest, ...(pricing ? pricingJson(pricing) : { cost_sources: null, bad_values: null }) };
}

/**
 * One line for the top of a CI summary: the total's change, whether it is beyond noise, and the
 * gates, e.g. "cost per event +15.1% (significant): 1 gate breached".
 */
export function diffVerdict(result: DiffResult): string {
  const total = result.rows.find((r) => r.status === "total");
  let change = "cost per event unchanged";
  if (total && total.change_usd !== 0) {
    change = total.change_pct === null
      ? `cost per event ${formatUsd(total.cost_per_event_before_usd ?? 0)} → ${formatUsd(total.cost_per_event_after_usd ?? 0)}`
      : `cost per event ${total.change_pct > 0 ? "+" : "-"}${(Math.abs(total.change_pct) * 100).toFixed(1)}%`;
  }
  const significance = !total || total.significant === "unknown"
    ? `significance unknown: ${result.method.replace(/^unknown: /, "")}`
    : total.significant === "yes" ? "significant" : "within noise";
  const n = result.breaches.length;
  const gatesSet = Object.values(result.gates).some((g) => g !== undefined);
  const gates = n ? `${n} gate${n === 1 ? "" : "s"} breached` : gatesSet ? "no gate breached" : "no gate set";
  return `${change} (${significance}): ${gates}`;
}
