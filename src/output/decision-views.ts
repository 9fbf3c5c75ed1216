// Presenters for the decision commands: cost flags and savings.
import { assumptionsText, type FlagsResult } from "../analysis/flags.js";
import type { SavingsResult, Scenario } from "../analysis/savings.js";
import type { Column, TableResult } from "./result.js";
import { formatCount, formatMs, formatShare, formatUsd } from "./units.js";
import { pricingJson, pricingNotes, rawLabel, weightNotes, weightsJson } from "./cost-views.js";

export function flagsView(result: FlagsResult, meta: { label: string }): TableResult {
  const columns: Column[] = [
    { key: "stage", kind: "text" },
    { key: "cost_share", title: "share", kind: "share", bar: true },
    { key: "cost_per_event_usd", title: "$/event", kind: "usd" },
    { key: "warehouse_cost_share", title: "warehouse", kind: "share" },
    { key: "warehouse", title: "system", kind: "text" },
    { key: "top_query", kind: "text", machineOnly: true },
    { key: "top_query_cost_share", title: "top query", kind: "share" },
    { key: "reason", kind: "text", machineOnly: true },
    { key: "lever", kind: "text" },
    { key: "est_savings_per_event_usd", title: "est. saving/event", kind: "usd" },
  ];
  const t = result.thresholds;
  const notes = result.flags.map((f) => `${f.stage}: ${f.reason}.${f.top_query ? ` Top query: ${f.top_query.length > 120 ? f.top_query.slice(0, 119) + "…" : f.top_query}` : ""}`);
  for (const f of result.flags.filter((f) => f.off_critical_path)) {
    const doing = f.lever === "cache" ? "caching it" : f.lever === "preaggregate" ? "pre-aggregating it saves cost but" : "tuning it saves cost but";
    notes.push(`${f.stage} is off the critical path (on it in ${formatShare(f.on_critical_path_share ?? 0)} of its events): ${doing} will not change p95 (adtrace cost critical-path).`);
  }
  const totalSaving = result.flags.reduce((s, f) => s + f.est_savings_per_event_usd, 0);
  if (result.flags.length) {
    notes.push(`Estimated with ${assumptionsText()}: together ${formatUsd(totalSaving)}/event ≈ ${formatUsd(totalSaving * result.events_per_day)}/day at ${formatCount(result.events_per_day)} events/day. Model yours with adtrace savings.`);
  }
  const sampled = onPathSampleNote(result.on_path_sample);
  if (sampled) notes.push(sampled);
  notes.push(...pricingNotes(result.pricing));
  notes.push(...weightNotes(result.weights));
  notes.push(`Flagged: ≥${formatShare(t.min_cost_share, 0)} of cost with >${formatShare(t.min_warehouse_share, 0)} of it warehouse queries; or one query ≥${formatShare(t.top_query_share, 0)} of a warehouse stage; or ≥${t.bytes_ratio}× the median warehouse stage's bytes/event.`);
  return {
    heading: [
      result.flags.length
        ? `${result.flags.length} warehouse-heavy stage(s) of ${result.profiles.length} — ${meta.label}${rawLabel(result.weights)}`
        : `No warehouse-heavy stage among ${result.profiles.length} — ${meta.label}${rawLabel(result.weights)}`,
      `${formatCount(result.events)} events, ${formatUsd(result.cost_per_event_usd)} per event.`,
    ],
    columns,
    rows: result.flags.map((f) => ({ ...f })),
    notes,
    json: {
      flags: result.flags, thresholds: result.thresholds, events: result.events, cost_per_event_usd: result.cost_per_event_usd,
      events_per_day: result.events_per_day, weights: weightsJson(result.weights), ...pricingJson(result.pricing),
      ...(onPathSampled(result.on_path_sample) ? { on_path_sample: result.on_path_sample } : {}),
    },
  };
}

/** Whether the on-path shares came from fewer events than there are (JSON and notes say so only then, so a sample of every event reads as the local path). */
export function onPathSampled(sample: FlagsResult["on_path_sample"]): sample is { events: number; of_events: number } {
  return !!sample && sample.events < sample.of_events;
}

/** When the on-path shares (or `what`) came from a sample of the events (a ClickHouse source with more events than the sample), a note saying so. */
export function onPathSampleNote(sample: FlagsResult["on_path_sample"], what = "On-path shares are"): string | undefined {
  if (!onPathSampled(sample)) return undefined;
  return `${what} estimated from ${formatCount(sample.events)} of ${formatCount(sample.of_events)} events (a deterministic sample keyed on the trace id, walked locally: the critical-path walk does not run in ClickHouse).`;
}

export function savingsView(result: SavingsResult): TableResult {
  // Width: one scenario is named in the heading, so its column shows only in CSV/JSON; the
  // yearly figure is daily × 365 and each scenario's yearly total is in the heading.
  const columns: Column[] = [
    { key: "scenario", kind: "text", maxWidth: 16, machineOnly: result.scenarios.length === 1 },
    { key: "lever", kind: "text", machineOnly: true },
    { key: "lever_label", title: "lever", kind: "text", maxWidth: 26, humanOnly: true },
    { key: "stage", kind: "text" },
    { key: "cost_per_event_before_usd", title: "$/ev before", kind: "usd" },
    { key: "cost_per_event_after_usd", title: "after", kind: "usd" },
    { key: "savings_per_event_usd", title: "saving/event", kind: "usd", machineOnly: true },
    { key: "savings_pct_of_total", title: "of total", kind: "share" },
    { key: "savings_per_day_usd", title: "saving/day", kind: "usd" },
    { key: "interval", title: "95% CI/day", kind: "text", humanOnly: true, align: "right" },
    { key: "savings_per_year_usd", title: "saving/year", kind: "usd", optional: true },
    { key: "ci95_low_per_day_usd", kind: "usd", machineOnly: true },
    { key: "ci95_high_per_day_usd", kind: "usd", machineOnly: true },
    { key: "e2e_p95_ms_before", kind: "ms", machineOnly: true },
    { key: "e2e_p95_ms_after", kind: "ms", machineOnly: true },
    { key: "p95", title: "e2e p95", kind: "text", humanOnly: true, align: "right", optional: true },
    { key: "lever_value", kind: "share", machineOnly: true },
    { key: "hit_cost_usd", kind: "usd", machineOnly: true },
  ];
  const rows = result.rows.map((r) => ({
    ...r,
    interval: `${formatUsd(r.ci95_low_per_day_usd)} … ${formatUsd(r.ci95_high_per_day_usd)}`,
    p95: r.e2e_p95_ms_before === r.e2e_p95_ms_after ? formatMs(r.e2e_p95_ms_before) : `${formatMs(r.e2e_p95_ms_before)} → ${formatMs(r.e2e_p95_ms_after)}`,
  }));
  const heading = [`Savings at ${formatCount(result.events_per_day)} events/day (${formatCount(result.events)} events measured, ${formatUsd(result.cost_per_event_usd)} per event now)${rawLabel(result.weights)}`];
  for (const scenario of result.scenarios) {
    const total = result.rows.find((r) => r.scenario === scenario.name && r.lever === "total");
    if (total) {
      heading.push(`${scenario.name}: ${formatUsd(total.cost_per_event_before_usd)} → ${formatUsd(total.cost_per_event_after_usd)} per event, ${formatShare(total.savings_pct_of_total)} less: ${formatUsd(total.savings_per_day_usd)}/day, ${formatUsd(total.savings_per_year_usd)}/year (95%: ${formatUsd(total.ci95_low_per_day_usd)} … ${formatUsd(total.ci95_high_per_day_usd)}/day).`);
    }
  }
  const notes = [
    ...result.scenarios.flatMap((s) => s.assumptions ?? []),
    ...pricingNotes(result.pricing),
    ...weightNotes(result.weights),
    `Interval: ${result.interval_method}. Latency: end-to-end p95 over ${formatCount(result.latency_events)} events${result.latency_sampled ? ` (a deterministic sample weighted by sampling weight, keyed on the trace id; --latency-sample N re-times more)` : ""}, each re-timed with its cache hits: work that waited on a hit span moves up, work beside it does not (savings --help).`,
    "Model: cache C→(1−h)C+h·c_hit; preagg C→C−r·C_query+refresh/event; tune C→(1−r)C; levers on a stage compose in order.",
  ];
  return {
    heading,
    columns,
    rows,
    notes,
    json: { rows: result.rows, events: result.events, events_per_day: result.events_per_day, cost_per_event_usd: result.cost_per_event_usd, interval_method: result.interval_method, latency_events: result.latency_events, latency_sampled: result.latency_sampled, scenarios: result.scenarios.map(scenarioJson), weights: weightsJson(result.weights), ...pricingJson(result.pricing) },
  };
}

/** A savings scenario in JSON: its levers' keys in snake_case (hit_cost_usd), as every JSON key is. */
export function scenarioJson(scenario: Scenario) {
  return {
    name: scenario.name,
    levers: scenario.levers.map((l) => ({ kind: l.kind, stage: l.stage, value: l.value, hit_cost_usd: l.hitCostUsd, ...(l.origin ? { origin: l.origin } : {}) })),
    ...(scenario.assumptions ? { assumptions: scenario.assumptions } : {}),
  };
}
