// Presenters for cost results: breakdown and warehouse queries, and the footnotes and JSON blocks
// every analysis shares: sampling weights, how spans were priced, values ignored as out of range.
import type { BreakdownResult, Pricing, QueryRow, Totals, ValueKind, WeightSummary } from "../analysis/breakdown.js";
import { keyName } from "../analysis/breakdown.js";
import type { Column, TableResult } from "./result.js";
import { formatCount, formatMs, formatShare, formatUsd } from "./units.js";

export function headline(totals: Totals): string {
  const range = totals.start ? `, ${totals.start} → ${totals.end}` : "";
  return `${formatCount(totals.events)} events, ${formatCount(totals.spans)} spans${range}`;
}

/**
 * Footnotes on sampling weights, for every output that shows weighted figures: raw figures under
 * --unweighted, stored traces against estimated events, spans of unknown weight and traces whose
 * spans disagree. Empty for unsampled data.
 */
export function weightNotes(w: WeightSummary): string[] {
  const notes: string[] = [];
  if (!w.weighted) notes.push("unweighted (--unweighted): raw figures, every stored trace and span counted once; sampling weights ignored.");
  else if (w.estimated_events !== w.stored_traces || w.estimated_spans !== w.stored_spans) {
    notes.push(`sampled data: ${formatCount(w.stored_traces)} stored traces stand for ~${formatCount(w.estimated_events)} events; every figure is weighted by sampling (--unweighted for raw figures).`);
  }
  if (w.unknown_weight_spans) {
    notes.push(`${formatCount(w.unknown_weight_spans)} span(s) marked sampled without a usable rate${w.weighted ? `, counted with weight ${formatCount(w.assumed_weight)} (--assume-weight W to set it)` : ""}.`);
  }
  if (w.disagreeing_traces) {
    notes.push(`${formatCount(w.disagreeing_traces)} trace(s) whose spans carry different sampling rates (their own, or a sampling rule that matched some spans and not the root): each span keeps its own weight; the event counts with its root's.`);
  }
  return notes;
}

// The range each kind of value must fall in (queries/model.sql, adtrace_usd … adtrace_probability)
// and what the model does instead with a value outside it.
const VALUE_RANGES: Record<ValueKind, { range: string; instead: string }> = {
  usd: { range: "$0 to $1e9", instead: "priced from another cost attribute or from usage instead" },
  bytes: { range: "0 to 2^60 bytes, 1 EiB", instead: "the next bytes attribute prices the query, else it is unpriced" },
  credits: { range: "0 to 1e6 credits", instead: "priced by warehouse size × query time instead" },
  rpu_seconds: { range: "0 to 1e9 RPU-seconds", instead: "priced by base RPUs × query time instead" },
  vcpus: { range: "0.001 to 1e6 vCPUs", instead: "priced with the price book's vcpus instead" },
  one_in_n: { range: "a 1-in-N rate from 1 to 2^62", instead: "the span takes its trace's weight, else counts as of unknown weight" },
  probability: { range: "a probability from 2^-62 to 1", instead: "the span takes its trace's weight, else counts as of unknown weight" },
};

/**
 * Footnotes on pricing, for every analysis: how the spans were priced (explicit cost attributes,
 * the price book, not at all) — "every span priced" only when it is true — and each attribute
 * whose values were out of range and ignored.
 */
export function pricingNotes(p: Pricing): string[] {
  const { billed, explicit, price_book, unpriced } = p.cost_sources;
  const book = price_book ? `${formatCount(price_book)} from the price book` : "none from the price book (its prices change nothing here)";
  // Billing records (issue 23) are named only when a session has some joined.
  const how = `${billed ? `${formatCount(billed)} from billing records, ` : ""}${formatCount(explicit)} from cost attributes, ${book}`;
  const notes = [unpriced
    ? `${formatCount(unpriced)} unpriced span(s): no cost attribute and nothing to price them by (counted as $0); priced: ${how}. See README "Cost model".`
    : `every span priced: ${how}.`];
  for (const b of p.bad_values) {
    const kind = VALUE_RANGES[b.kind];
    notes.push(`${formatCount(b.spans)} span(s): bad value in ${b.attribute} (expected ${kind.range}): ignored; ${kind.instead}.`);
  }
  return notes;
}

/** The `cost_sources` and `bad_values` blocks of JSON outputs. */
export function pricingJson(p: Pricing) {
  return {
    cost_sources: { ...p.cost_sources },
    bad_values: p.bad_values.map(({ attribute, kind, spans }) => ({ attribute, kind, spans })),
  };
}

/** The `weights` block of JSON outputs. */
export function weightsJson(w: WeightSummary) {
  return {
    weighted: w.weighted,
    stored_traces: w.stored_traces,
    estimated_events: w.estimated_events,
    stored_spans: w.stored_spans,
    estimated_spans: w.estimated_spans,
    unknown_weight_spans: w.unknown_weight_spans,
    assumed_weight: w.assumed_weight,
    disagreeing_traces: w.disagreeing_traces,
  };
}

/** " (unweighted: raw figures)" after a heading, under --unweighted. */
export function rawLabel(w: WeightSummary | undefined): string {
  return w && !w.weighted ? " (unweighted: raw figures)" : "";
}

export function breakdownView(result: BreakdownResult, meta: { config: string; label: string }): TableResult {
  const { totals } = result;
  const keyColumns: Column[] = result.by.map((key) => ({ key: keyName(key), kind: "text", maxWidth: 28 }));
  const byAttribute = result.by.some((key) => key.kind === "attr");
  const columns: Column[] = [
    ...keyColumns,
    { key: "spans", kind: "int" },
    { key: "events", kind: "int" },
    { key: "cost_per_event_usd", title: "$/event", kind: "usd" },
    // Per event of the group itself: what people look for when grouping by an attribute (a
    // locale's, a campaign's events), where $/event (÷ all events) reads low for a small group.
    { key: "cost_per_group_event_usd", title: "$/own event", kind: "usd", machineOnly: !byAttribute },
    { key: "cost_share", title: "share", kind: "share", bar: true },
    { key: "compute_per_event_usd", title: "compute", kind: "usd", machineOnly: true },
    // Grouped by an attribute, a narrow table keeps $/own event and gives up the query split.
    { key: "query_per_event_usd", title: "query", kind: "usd", optional: byAttribute ? 1 : undefined },
    { key: "p50_ms", title: "p50", kind: "ms", machineOnly: true },
    { key: "p95_ms", title: "p95", kind: "ms" },
    { key: "p99_ms", title: "p99", kind: "ms", machineOnly: true },
    { key: "self_p50_ms", title: "self p50", kind: "ms", machineOnly: true },
    { key: "self_p95_ms", title: "self p95", kind: "ms", optional: true },
    { key: "warehouse", title: "warehouse", kind: "text" },
  ];
  const rows = result.groups.map((g) => ({ ...g.keys, ...g, warehouse: g.warehouse }));
  const firstKey = keyName(result.by[0]!);
  const total = {
    [firstKey]: "total",
    spans: totals.spans,
    events: totals.events,
    cost_per_event_usd: totals.cost_per_event_usd,
    cost_per_group_event_usd: totals.cost_per_event_usd,
    cost_share: totals.total_cost_usd > 0 ? 1 : 0,
    compute_per_event_usd: totals.compute_per_event_usd,
    query_per_event_usd: totals.query_per_event_usd,
    p95_ms: totals.e2e_p95_ms,
    warehouse: "",
  };
  const notes: string[] = [];
  if (result.omitted) notes.push(`${result.omitted.groups} more group(s) not shown: ${formatUsd(result.omitted.cost_per_event_usd)}/event, ${formatShare(result.omitted.cost_share)} of cost.`);
  notes.push(...pricingNotes(result.pricing));
  notes.push(...weightNotes(result.weights));
  notes.push(`total p95 is end-to-end event latency (${formatMs(totals.e2e_p95_ms)}); config: ${meta.config}.`);
  return {
    heading: [
      `Cost per event by ${result.by.map(keyName).join(", ")} — ${meta.label}${rawLabel(result.weights)}`,
      `${headline(totals)}`,
      `${formatUsd(totals.cost_per_event_usd)} per event: ${formatUsd(totals.query_per_event_usd)} warehouse queries + ${formatUsd(totals.compute_per_event_usd)} compute.`,
    ],
    columns,
    rows,
    total,
    notes,
    json: {
      groups: result.groups.map((g) => {
        const { keys, total_cost_usd: _t, unpriced_spans: _u, ...rest } = g;
        return { ...keys, ...rest };
      }),
      total: { ...totals },
      events: totals.events,
      unpriced_spans: totals.unpriced_spans,
      omitted: result.omitted,
      weights: weightsJson(result.weights),
      ...pricingJson(result.pricing),
    },
  };
}

export function queriesView(result: { queries: QueryRow[]; totals: Totals; pricing: Pricing }): TableResult {
  const columns: Column[] = [
    { key: "stage", kind: "text" },
    { key: "warehouse", kind: "text" },
    { key: "calls", kind: "int" },
    { key: "events", kind: "int" },
    { key: "cost_per_event_usd", title: "$/event", kind: "usd" },
    { key: "cost_share", title: "share", kind: "share", bar: true },
    { key: "total_cost_usd", title: "total", kind: "usd" },
    { key: "bytes_scanned_per_call", title: "bytes/call", kind: "bytes" },
    { key: "p50_ms", title: "p50", kind: "ms", machineOnly: true },
    { key: "p95_ms", title: "p95", kind: "ms" },
    { key: "query", kind: "text", maxWidth: 48 },
  ];
  return {
    heading: [`Warehouse queries by fingerprint — ${headline(result.totals)}`],
    columns,
    rows: result.queries.map((q) => ({ ...q })),
    notes: [...(result.queries.length ? [] : ["no warehouse spans (db.system in the warehouse list) in this input."]), ...pricingNotes(result.pricing)],
    json: { queries: result.queries, events: result.totals.events, ...pricingJson(result.pricing) },
  };
}
