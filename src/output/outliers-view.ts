// Presenter for `cost outliers`: the attribute values over-represented among the costliest (or
// slowest) events, with a one-line reading of the first significant one.
import type { OutlierRow, OutliersResult } from "../analysis/outliers.js";
import type { Column, TableResult } from "./result.js";
import { formatCount, formatMs, formatShare, formatUsd } from "./units.js";
import { headline, pricingJson, pricingNotes, rawLabel, weightNotes, weightsJson } from "./cost-views.js";

/** Rows the table shows; CSV and JSON carry them all. */
const TABLE_ROWS = 15;

export function outliersView(result: OutliersResult, meta: { label: string }): TableResult {
  const isCost = result.metric === "cost";
  const meanKind = isCost ? "usd" : "ms";
  const amount = (v: number | null) => (isCost ? formatUsd(v) : formatMs(v));
  const columns: Column[] = [
    { key: "key", kind: "text", maxWidth: 24 },
    { key: "value", kind: "text", maxWidth: 20 },
    { key: "selected_events", title: "selected", kind: "int", machineOnly: true },
    { key: "baseline_events", title: "baseline", kind: "int", machineOnly: true },
    { key: "selected_share", title: `of top ${formatShare(result.top, 0)}`, kind: "share", bar: true },
    { key: "baseline_share", title: "of rest", kind: "share" },
    { key: "lift", kind: "number", machineOnly: true },
    { key: "lift_shown", title: "lift", kind: "text", humanOnly: true, align: "right" },
    { key: "mean_with", title: isCost ? "$/event with" : "ms with", kind: meanKind },
    { key: "mean_without", title: "without", kind: meanKind },
    { key: "p_value", kind: "number", machineOnly: true },
    { key: "q_value", kind: "number", machineOnly: true },
    { key: "q_shown", title: "q", kind: "text", humanOnly: true, align: "right" },
  ];
  const shown = (r: OutlierRow) => ({ ...r, lift_shown: r.lift === null ? "∞" : `${r.lift.toFixed(2)}×`, q_shown: r.q_value === null ? "–" : pValueText(r.q_value) });
  const what = `${result.stage ? `${result.stage} ` : ""}${isCost ? "cost" : "latency"}`;
  const costliest = isCost ? `costliest ${formatShare(result.top, 0)}` : `slowest ${formatShare(result.top, 0)}`;
  const heading = [
    `Outliers by ${what}: the ${costliest} of events against the rest — ${meta.label}${rawLabel(result.weights)}`,
    headline(result.totals),
    `${formatCount(result.selected.events)} selected events (above ${amount(result.threshold)}), ${amount(result.selected.mean)} on average; the rest ${amount(result.baseline.mean)}.`,
  ];
  const first = result.rows.find((r) => r.significant && (r.lift === null || r.lift > 1));
  const W = result.selected.events + result.baseline.events;
  heading.push(first
    ? `${first.key}=${first.value}: ${formatShare((first.selected_events + first.baseline_events) / W, 0)} of events, ${formatShare(first.selected_share, 0)} of the ${costliest}; they ${isCost ? "cost" : "take"} ${amount(first.mean_with)} vs ${amount(first.mean_without)}.`
    : `No attribute value is significantly over-represented among the ${costliest} (q < ${result.alpha}).`);
  const notes: string[] = [];
  const humanNotes: string[] = [];
  if (result.rows.length > TABLE_ROWS) humanNotes.push(`the table shows the first ${TABLE_ROWS} of ${result.rows.length} values; CSV and JSON carry them all.`);
  notes.push(`test: two-proportion z-test (normal approximation, continuity-corrected), each side's n the effective sample size (Σw)²/Σw² (${formatCount(Math.round(result.selected.effective_n))} selected, ${formatCount(Math.round(result.baseline.effective_n))} baseline); q = Benjamini–Hochberg over the values tested; significant at q < ${result.alpha}. Values with fewer than 5 expected events in a cell are not tested (q –).`);
  if (result.events_without_stage) notes.push(`${formatCount(result.events_without_stage)} event(s) without stage ${result.stage}: left out.`);
  if (result.skipped_keys.length) notes.push(`skipped: ${result.skipped_keys.map((k) => `${k.key} (${k.reason})`).join("; ")}.`);
  notes.push(`not candidates: the attributes the cost model prices from, sampling rates and statements (${result.model_input_keys.length} keys; JSON model_input_keys).`);
  notes.push(...pricingNotes(result.pricing), ...weightNotes(result.weights));
  const allRows = result.rows.map(shown);
  return {
    heading,
    columns,
    rows: allRows,
    humanRows: allRows.slice(0, TABLE_ROWS),
    humanNotes,
    notes,
    json: {
      metric: result.metric, stage: result.stage, top: result.top, alpha: result.alpha, max_values: result.max_values,
      threshold: result.threshold, selected: result.selected, baseline: result.baseline, events_without_stage: result.events_without_stage,
      rows: result.rows.map(({ significant: _s, ...r }) => r),
      skipped_keys: result.skipped_keys, model_input_keys: result.model_input_keys,
      events: result.totals.events, weights: weightsJson(result.weights), ...pricingJson(result.pricing),
    },
  };
}

/** A p- or q-value for people: three decimals, or two significant digits in e-notation below 0.001. */
export function pValueText(p: number): string {
  return p === 0 ? "0" : p >= 0.001 ? p.toFixed(3) : p.toExponential(1);
}
