// Presenter for `adtrace sampling advise`: one row per candidate rate, the recommended one
// marked, a sparkline of the worst error down the ladder, and the method in the notes.
import type { AdviseResult } from "../analysis/advise.js";
import type { Column, TableResult } from "./result.js";
import { formatBytes, formatCount, formatMs, formatShare, formatUsd, sparkline } from "./units.js";
import { pricingJson, pricingNotes, rawLabel, weightNotes, weightsJson } from "./cost-views.js";

/** 1 → "100%", 0.001 → "0.1%". */
export function rateLabel(rate: number): string {
  return `${Number((rate * 100).toPrecision(6))}%`;
}

/** ±1.23% (two decimals below 10%), "–" when there is nothing to measure. */
function errorLabel(error: number | null): string {
  if (error === null) return "–";
  return `±${formatShare(error, error < 0.1 ? 2 : 1)}`;
}

export function adviseView(result: AdviseResult, meta: { label: string }): TableResult {
  const columns: Column[] = [
    { key: "rate_label", title: "rate", kind: "text", humanOnly: true, align: "right" },
    { key: "rate", kind: "number", machineOnly: true },
    { key: "events_per_window", kind: "number", machineOnly: true },
    { key: "events_shown", title: `events/${result.window === "1h" ? "hour" : "day"}`, kind: "int", humanOnly: true },
    { key: "cost_label", title: "$/event ±95%", kind: "text", humanOnly: true, align: "right" },
    { key: "cost_per_event_rel_err95", kind: "number", machineOnly: true },
    { key: "p95_label", title: "p95 ±95%", kind: "text", humanOnly: true, align: "right" },
    { key: "p95_rel_err95", kind: "number", machineOnly: true },
    { key: "worst_group", title: `worst ${result.by}`, kind: "text", maxWidth: 20 },
    { key: "worst_label", title: "±95%", kind: "text", humanOnly: true, align: "right" },
    { key: "worst_group_rel_err95", kind: "number", machineOnly: true },
    { key: "tracing_usd_per_day", title: "tracing $/day", kind: "usd" },
    { key: "meets_target", kind: "text", machineOnly: true },
    { key: "verdict", title: `±${formatShare(result.target_error, result.target_error < 0.1 ? 2 : 1)}?`, kind: "text", humanOnly: true },
  ];
  const rows = result.rows.map((r) => ({
    ...r,
    rate_label: rateLabel(r.rate),
    events_shown: Math.round(r.events_per_window),
    cost_label: errorLabel(r.cost_per_event_rel_err95),
    p95_label: errorLabel(r.p95_rel_err95),
    worst_label: errorLabel(r.worst_group_rel_err95),
    verdict: (r.meets_target ? "yes" : "no") + (r.rate === result.recommended_rate ? " ◀ recommended" : ""),
  }));
  const windowWord = result.window === "1h" ? "an hour" : "a day";
  const heading = [
    `Sampling advice — ${meta.label}${rawLabel(result.weights)}`,
    `${formatCount(result.stored_events)} events stored (~${formatCount(result.estimated_events)} counted with their weights), ${formatUsd(result.cost_per_event_usd)} per event, end-to-end p95 ${formatMs(result.e2e_p95_ms)}. At ${formatCount(result.events_per_day)} events/day, ${windowWord} holds ${formatCount(Math.round(result.events_per_window_now))} events as traced now; each rate keeps that share of them.`,
    `Worst error down the ladder (${rateLabel(result.rows[0]!.rate)} → ${rateLabel(result.rows[result.rows.length - 1]!.rate)}): ${sparkline(result.rows.map((r) => worstError(r)), { fromZero: true })}`,
    recommendation(result),
  ];
  const notes = [
    `Errors are 95% relative errors over ${windowWord} of traffic. Cost per event: ${result.method.cost}. p95: ${result.method.p95}. A rate is "yes" when cost per event, every ${result.by}'s cost per event and p95 all stay within ±${formatShare(result.target_error, 2)}, and ${windowWord} holds at least 30 events at that rate.`,
    `Tracing bill: ${formatCount(Number(result.spans_per_event.toPrecision(6)))} spans per event × ${formatBytes(Math.round(result.bytes_per_span))} per span (${result.bytes_per_span_source === "config" ? "tracing.bytes_per_span" : "measured: fields, attribute keys and values"}) × $${result.usd_per_gb}/GB + $${result.usd_per_million_spans} per million spans (config tracing.*).`,
    ...pricingNotes(result.pricing),
    ...weightNotes(result.weights),
  ];
  return {
    heading,
    columns,
    rows,
    notes,
    json: {
      rows: result.rows,
      recommended_rate: result.recommended_rate,
      target_error: result.target_error,
      window: result.window,
      events_per_day: result.events_per_day,
      events_per_window_now: result.events_per_window_now,
      tracing_usd_per_day_now: result.tracing_usd_per_day_now,
      savings_usd_per_day: result.savings_usd_per_day,
      stored_events: result.stored_events,
      estimated_events: result.estimated_events,
      cost_per_event_usd: result.cost_per_event_usd,
      e2e_p95_ms: result.e2e_p95_ms,
      by: result.by,
      groups: result.groups.map((g) => ({ [result.by]: g.group, cost_per_event_usd: g.cost_per_event_usd, rel_err95: g.rel_err95 })),
      spans_per_event: result.spans_per_event,
      bytes_per_span: result.bytes_per_span,
      bytes_per_span_source: result.bytes_per_span_source,
      usd_per_gb: result.usd_per_gb,
      usd_per_million_spans: result.usd_per_million_spans,
      latency_events: result.latency_events,
      resamples: result.resamples,
      method: result.method,
      weights: weightsJson(result.weights),
      ...pricingJson(result.pricing),
    },
  };
}

function worstError(r: AdviseResult["rows"][number]): number | null {
  const errors = [r.cost_per_event_rel_err95, r.p95_rel_err95, r.worst_group_rel_err95].filter((e): e is number => e !== null);
  return errors.length ? Math.max(...errors) : null;
}

function recommendation(result: AdviseResult): string {
  const target = `±${formatShare(result.target_error, result.target_error < 0.1 ? 2 : 1)}`;
  const top = result.rows[0]!;
  if (result.recommended_rate === null) {
    const what = top.rate === 1 ? "even tracing every event kept now (100%)" : `even the highest rate given (${rateLabel(top.rate)})`;
    return `No rate meets ${target}: ${what} cannot measure cost per event, each ${result.by} and p95 that closely over ${result.window === "1h" ? "an hour" : "a day"} of this traffic. Widen --window, relax --target-error, or trace more.`;
  }
  const rec = result.rows.find((r) => r.rate === result.recommended_rate)!;
  const saving = result.savings_usd_per_day ?? 0;
  return `Recommended: ${rateLabel(rec.rate)} — the lowest rate that keeps every error within ${target}; tracing ${formatUsd(rec.tracing_usd_per_day)}/day instead of ${formatUsd(result.tracing_usd_per_day_now)}/day at 100%${saving > 0 ? `, ${formatUsd(saving)}/day (${formatUsd(saving * 365)}/year) less` : ""}.`;
}
