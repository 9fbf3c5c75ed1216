// Presenter for `cost trend`: one row per bucket and group in CSV and JSON; for people, one row
// per group with a sparkline of its cost per event and how its last bucket stands.
import type { TrendResult, TrendRow } from "../analysis/trend.js";
import { durationText } from "../analysis/trend.js";
import { keyName } from "../analysis/breakdown.js";
import type { Column, Row, TableResult } from "./result.js";
import { formatCount, formatUsd, sparkline } from "./units.js";
import { headline, pricingJson, pricingNotes, rawLabel, weightNotes, weightsJson } from "./cost-views.js";

/** Buckets a sparkline shows (the last ones). */
const SPARK_WIDTH = 36;
export function trendView(result: TrendResult, meta: { label: string }): TableResult {
  const keyNames = result.by.map(keyName);
  const keyColumns: Column[] = keyNames.map((key) => ({ key, kind: "text", maxWidth: 20 }));
  const columns: Column[] = [
    { key: "bucket_start", kind: "text", machineOnly: true },
    { key: "series", title: "", kind: "text", humanOnly: true },
    ...keyColumns,
    { key: "events", kind: "int", machineOnly: true },
    { key: "cost_per_event_usd", kind: "usd", machineOnly: true },
    { key: "p95_ms", kind: "ms", machineOnly: true },
    { key: "baseline_cost_per_event_usd", kind: "usd", machineOnly: true },
    { key: "drift", kind: "text", machineOnly: true },
    { key: "spark", title: "$/event by bucket", kind: "text", humanOnly: true },
    { key: "last_cost", title: "last $/event", kind: "usd", humanOnly: true },
    { key: "last_baseline", title: "baseline", kind: "usd", humanOnly: true, optional: 1 },
    { key: "last_band", title: "99% band", kind: "text", humanOnly: true, align: "right", optional: true },
    { key: "last_drift", title: "drift", kind: "text", humanOnly: true },
    { key: "drifted", title: "drifted", kind: "text", humanOnly: true, align: "right" },
  ].filter((c) => c.key !== "series" || keyNames.length === 0) as Column[];
  const machineRow = (r: TrendRow): Row => ({
    bucket_start: r.bucket_start, ...r.keys, events: r.events, cost_per_event_usd: r.cost_per_event_usd, p95_ms: r.p95_ms,
    baseline_cost_per_event_usd: r.baseline_cost_per_event_usd, drift: r.drift,
  });
  const rows = result.groups.flatMap((g) => g.rows.map((r) => ({ g, r })))
    .sort((a, b) => (a.r.bucket_ns < b.r.bucket_ns ? -1 : a.r.bucket_ns > b.r.bucket_ns ? 1 : result.groups.indexOf(a.g) - result.groups.indexOf(b.g)))
    .map(({ r }) => machineRow(r));
  const humanRows = result.groups.map((g) => {
    const last = g.rows[g.rows.length - 1]!;
    const tested = g.rows.filter((r) => r.drift !== "unknown");
    const drifted = tested.filter((r) => r.drift === "up" || r.drift === "down").length;
    return {
      series: "all events", ...g.keys,
      spark: sparkline(g.rows.slice(-SPARK_WIDTH).map((r) => r.cost_per_event_usd)),
      last_cost: last.cost_per_event_usd, last_baseline: last.baseline_cost_per_event_usd,
      last_band: last.band_low_usd === null ? "–" : `${formatUsd(last.band_low_usd)}–${formatUsd(last.band_high_usd)}`,
      last_drift: last.drift, drifted: `${drifted} of ${tested.length}`,
    };
  });
  const lastStart = result.groups[0]?.rows[result.groups[0].rows.length - 1]?.bucket_start ?? "";
  const driftedLast = result.groups.filter((g) => ["up", "down"].includes(g.rows[g.rows.length - 1]!.drift));
  const every = durationText(result.every_ns);
  return {
    heading: [
      `Cost per event every ${every}${keyNames.length ? ` by ${keyNames.join(", ")}` : ""} — ${meta.label}${rawLabel(result.weights)}`,
      `${headline(result.totals)}; ${formatCount(result.buckets)} bucket(s).`,
      driftedLast.length
        ? `Last bucket (${lastStart}) drifted: ${driftedLast.map((g) => `${Object.values(g.keys).join("/") || "all events"} ${g.rows[g.rows.length - 1]!.drift}`).join(", ")}.`
        : `Last bucket (${lastStart}): no drift.`,
    ],
    columns,
    rows,
    humanRows,
    humanNotes: result.buckets > SPARK_WIDTH ? [`the sparklines show the last ${SPARK_WIDTH} of ${result.buckets} buckets.`] : [],
    notes: [
      `a bucket drifts when its cost per event lies outside the 99% band of the preceding buckets within --baseline ${durationText(result.baseline_ns)} (their mean ± t·s·√(1 + 1/k), weighted by each bucket's events); fewer than 3 such buckets: unknown. Each event counts in the bucket its first span starts in; cost per event = the group's cost ÷ all the bucket's events.`,
      ...pricingNotes(result.pricing), ...weightNotes(result.weights),
    ],
    json: {
      every, baseline: durationText(result.baseline_ns), buckets: result.buckets,
      rows: result.groups.flatMap((g) => g.rows).sort((a, b) => (a.bucket_ns < b.bucket_ns ? -1 : a.bucket_ns > b.bucket_ns ? 1 : 0))
        .map((r) => ({ ...machineRow(r), band_low_usd: r.band_low_usd, band_high_usd: r.band_high_usd, baseline_buckets: r.baseline_buckets })),
      last_bucket: { bucket_start: lastStart, drifted: driftedLast.map((g) => ({ ...g.keys, drift: g.rows[g.rows.length - 1]!.drift })) },
      events: result.totals.events, weights: weightsJson(result.weights), ...pricingJson(result.pricing),
    },
  };
}
