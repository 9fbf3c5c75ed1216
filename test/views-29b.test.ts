// The text people read in four more views (issue 25, helper views29b): sampling advise, cost
// reconcile, cost outliers and pull. As in views-29.test.ts, each view gets a result built by hand
// from a documented example (README.md's outputs, with README's figures put in) or from small
// inputs, and its rendered lines are compared with README's text or with text worked out here.
// Pure: no DuckDB, no child process.
import { Chalk } from "chalk";
import { describe, expect, it } from "vitest";
import { unsampled } from "./helpers/views.js";
import type { AdviseResult, AdviseRow } from "../src/analysis/advise.js";
import type { Pricing } from "../src/analysis/breakdown.js";
import { adviseView, rateLabel } from "../src/output/advise-view.js";
import { formatters } from "../src/output/format.js";
import { billingLoadSummary, reconcileView, type BillingStoredView, type ReconcileView } from "../src/output/reconcile-view.js";
import { pricingJson, pricingNotes } from "../src/output/cost-views.js";
import type { OutlierRow, OutliersResult } from "../src/analysis/outliers.js";
import type { Totals } from "../src/analysis/breakdown.js";
import { outliersView, pValueText } from "../src/output/outliers-view.js";
import type { PullResult } from "../src/ingest/pull.js";
import type { LoadResult } from "../src/ingest/load.js";
import { pullSummary } from "../src/output/pull-view.js";

const plain = { colors: new Chalk({ level: 0 }) };


describe("advise-view", () => {
  // README.md, "Sampling advice": 20,000 generated events (seed 7) at 5M events a day, an hour's
  // window. The rows are README's CSV (--target-error 0.5%) with the table's ±2% verdicts.
  const row = (rate: number, perWindow: number, cost: number, p95: number | null, worst: string | null, worstErr: number | null, usd: number, meets: boolean): AdviseRow => ({
    rate, events_per_window: perWindow, cost_per_event_rel_err95: cost, p95_rel_err95: p95, worst_group: worst,
    worst_group_rel_err95: worstErr, tracing_usd_per_day: usd, meets_target: meets,
  });
  const COST_METHOD = "the ratio Σw·c ÷ Σw's linearised variance under Poisson thinning at rate r, composed with the weights: 1.96·√((A/r − B) ÷ (N_window·Σw)) ÷ R";
  const P95_METHOD = "1,000 resamples (a fixed seed per rate) of 20,000 events, each traced Binomial(M, r/w) times, on the durations smoothed between neighbours; the 95th percentile of |p95 − p95 now| ÷ p95 now";
  const PRICING: Pricing = { cost_sources: { billed: 0, explicit: 0, price_book: 182648, unpriced: 0 }, bad_values: [] };
  const readme = (): AdviseResult => ({
    rows: [
      row(1, 208333.333, 0, 0, null, null, 78.720286375, true),
      row(0.5, 104166.667, 0.00187144051348, 0.00281410335366, "tracking", 0.00295073215009, 39.3601431875, true),
      row(0.1, 20833.3333, 0.00561432154045, 0.00846043207932, "tracking", 0.00885219645027, 7.8720286375, true),
      row(0.01, 2083.33333, 0.0186205980021, 0.0303084366121, "tracking", 0.0293594141961, 0.78720286375, false),
      row(0.001, 208.333333, 0.0591505478073, 0.0948544184172, "tracking", 0.0932636767523, 0.078720286375, false),
    ],
    groups: [{ group: "tracking", cost_per_event_usd: 0.0002, rel_err95: [0, 0.00295073215009, 0.00885219645027, 0.0293594141961, 0.0932636767523] }],
    by: "stage", target_error: 0.02, window: "1h", events_per_day: 5e6, events_per_window_now: 5e6 / 24,
    recommended_rate: 0.1, tracing_usd_per_day_now: 78.720286375, savings_usd_per_day: 78.720286375 - 7.8720286375,
    stored_events: 20000, estimated_events: 20000, cost_per_event_usd: 0.000435, e2e_p95_ms: 68.5,
    spans_per_event: 182648 / 20000, bytes_per_span: 240.3, bytes_per_span_source: "measured", usd_per_gb: 0.1, usd_per_million_spans: 1.7,
    latency_events: 20000, resamples: 1000, method: { cost: COST_METHOD, p95: P95_METHOD },
    weights: unsampled(20000, 182648), pricing: PRICING,
  });

  it("writes README's sampling advice for an hour at 5M events a day, line for line", () => {
    expect(formatters.table(adviseView(readme(), { label: "spans.jsonl" }), { ...plain, width: 100 })).toBe([
      "Sampling advice — spans.jsonl",
      "20,000 events stored (~20,000 counted with their weights), $0.000435 per event, end-to-end p95 68.5",
      "  ms. At 5,000,000 events/day, an hour holds 208,333 events as traced now; each rate keeps that",
      "  share of them.",
      "Worst error down the ladder (100% → 0.1%): ▁▁▁▃█",
      "Recommended: 10% — the lowest rate that keeps every error within ±2.00%; tracing $7.87/day instead",
      "  of $78.72/day at 100%, $70.85/day ($25.9k/year) less.",
      "",
      "rate  events/hour  $/event ±95%  p95 ±95%  worst stage    ±95%  tracing $/day  ±2.00%?",
      "────────────────────────────────────────────────────────────────────────────────────────────────",
      "100%      208,333        ±0.00%    ±0.00%                    –         $78.72  yes",
      " 50%      104,167        ±0.19%    ±0.28%  tracking     ±0.30%         $39.36  yes",
      " 10%       20,833        ±0.56%    ±0.85%  tracking     ±0.89%          $7.87  yes ◀ recommended",
      "  1%        2,083        ±1.86%    ±3.03%  tracking     ±2.94%         $0.787  no",
      "0.1%          208        ±5.92%    ±9.49%  tracking     ±9.33%        $0.0787  no",
      "",
      "Errors are 95% relative errors over an hour of traffic. Cost per event: the ratio Σw·c ÷ Σw's",
      "  linearised variance under Poisson thinning at rate r, composed with the weights: 1.96·√((A/r − B)",
      "  ÷ (N_window·Σw)) ÷ R. p95: 1,000 resamples (a fixed seed per rate) of 20,000 events, each traced",
      "  Binomial(M, r/w) times, on the durations smoothed between neighbours; the 95th percentile of |p95",
      "  − p95 now| ÷ p95 now. A rate is \"yes\" when cost per event, every stage's cost per event and p95",
      "  all stay within ±2.00%, and an hour holds at least 30 events at that rate.",
      "Tracing bill: 9.13 spans per event × 240 B per span (measured: fields, attribute keys and values) ×",
      "  $0.1/GB + $1.7 per million spans (config tracing.*).",
      "every span priced: 0 from cost attributes, 182,648 from the price book.",
    ].join("\n") + "\n");
  });

  it("writes README's CSV columns and the JSON keys README lists", () => {
    const view = adviseView(readme(), { label: "spans.jsonl" });
    const csv = formatters.csv(view, plain).split("\r\n");
    expect(csv[0]).toBe("rate,events_per_window,cost_per_event_rel_err95,p95_rel_err95,worst_group,worst_group_rel_err95,tracing_usd_per_day,meets_target");
    expect(csv[2]).toBe("0.5,104166.667,0.00187144051348,0.00281410335366,tracking,0.00295073215009,39.3601431875,true");
    const json = view.json as Record<string, unknown>;
    expect(json.recommended_rate).toBe(0.1);
    expect(json.savings_usd_per_day).toBeCloseTo(70.8482577375, 9);
    expect(json.groups).toEqual([{ stage: "tracking", cost_per_event_usd: 0.0002, rel_err95: [0, 0.00295073215009, 0.00885219645027, 0.0293594141961, 0.0932636767523] }]);
    expect(Object.keys(json)).toEqual([
      "rows", "recommended_rate", "target_error", "window", "events_per_day", "events_per_window_now", "tracing_usd_per_day_now",
      "savings_usd_per_day", "stored_events", "estimated_events", "cost_per_event_usd", "e2e_p95_ms", "by", "groups", "spans_per_event",
      "bytes_per_span", "bytes_per_span_source", "usd_per_gb", "usd_per_million_spans", "latency_events", "resamples", "method", "weights",
      "cost_sources", "bad_values",
    ]);
    expect(json).toMatchObject({
      target_error: 0.02, window: "1h", events_per_day: 5e6, events_per_window_now: 5e6 / 24, tracing_usd_per_day_now: 78.720286375,
      stored_events: 20000, estimated_events: 20000, cost_per_event_usd: 0.000435, e2e_p95_ms: 68.5, by: "stage",
      spans_per_event: 182648 / 20000, bytes_per_span: 240.3, bytes_per_span_source: "measured", usd_per_gb: 0.1, usd_per_million_spans: 1.7,
      latency_events: 20000, resamples: 1000, method: { cost: COST_METHOD, p95: P95_METHOD },
      cost_sources: { billed: 0, explicit: 0, price_book: 182648, unpriced: 0 }, bad_values: [],
    });
    expect(json.rows).toEqual(readme().rows);
  });

  // Small results worked by hand: a day's window, a target of 15% (one decimal from 10% up), no
  // rate that meets it, a rate with nothing to measure (every error null), the bytes per span from
  // the config, unweighted figures.
  const small = (over: Partial<AdviseResult>): AdviseResult => ({
    ...readme(),
    rows: [
      row(0.5, 1000.4, null as unknown as number, null, null, null, 2, false),
      { ...row(0.25, 500.2, 0.1, 0.0999, "profiling", 0.05, 1, false) },
    ],
    groups: [], by: "service", target_error: 0.15, window: "1d", events_per_day: 2001, events_per_window_now: 1000.4,
    recommended_rate: null, tracing_usd_per_day_now: 4, savings_usd_per_day: null, stored_events: 40, estimated_events: 40,
    spans_per_event: 7.1234567, bytes_per_span: 300.6, bytes_per_span_source: "config", usd_per_gb: 0.25, usd_per_million_spans: 0,
    weights: { ...unsampled(40, 300), weighted: false }, pricing: { cost_sources: { billed: 0, explicit: 300, price_book: 10, unpriced: 0 }, bad_values: [] },
    method: { cost: "C", p95: "P" },
    ...over,
  });

  it("a day's window, ±15.0%, no rate that meets it, a rate with nothing to measure, bytes from the config", () => {
    const view = adviseView(small({}), { label: "x.jsonl" });
    expect(view.heading!).toEqual([
      "Sampling advice — x.jsonl (unweighted: raw figures)",
      "40 events stored (~40 counted with their weights), $0.000435 per event, end-to-end p95 68.5 ms. At 2,001 events/day, a day holds 1,000 events as traced now; each rate keeps that share of them.",
      // 50% has no error at all (a blank); 25%'s worst is its cost's 10%, the top of the scale.
      "Worst error down the ladder (50% → 25%):  █",
      "No rate meets ±15.0%: even the highest rate given (50%) cannot measure cost per event, each service and p95 that closely over a day of this traffic. Widen --window, relax --target-error, or trace more.",
    ]);
    expect(view.notes).toEqual([
      "Errors are 95% relative errors over a day of traffic. Cost per event: C. p95: P. A rate is \"yes\" when cost per event, every service's cost per event and p95 all stay within ±15.00%, and a day holds at least 30 events at that rate.",
      "Tracing bill: 7.12 spans per event × 301 B per span (tracing.bytes_per_span) × $0.25/GB + $0 per million spans (config tracing.*).",
      "every span priced: 300 from cost attributes, 10 from the price book.",
      "unweighted (--unweighted): raw figures, every stored trace and span counted once; sampling weights ignored.",
    ]);
    expect(view.columns.map((c) => c.title ?? c.key)).toEqual([
      "rate", "rate", "events_per_window", "events/day", "$/event ±95%", "cost_per_event_rel_err95", "p95 ±95%", "p95_rel_err95",
      "worst service", "±95%", "worst_group_rel_err95", "tracing $/day", "meets_target", "±15.0%?",
    ]);
    expect(view.rows.map((r) => [r.rate_label, r.events_shown, r.cost_label, r.p95_label, r.worst_label, r.verdict])).toEqual([
      ["50%", 1000, "–", "–", "–", "no"],
      // 10% exactly takes one decimal, 9.99% two.
      ["25%", 500, "±10.0%", "±9.99%", "±5.00%", "no"],
    ]);
  });

  it("the worst error is the largest of the three, whichever it is; a row with none draws a blank", () => {
    const rows = [
      row(1, 100, 0, 0, null, null, 2, true),
      row(0.5, 50, 0.01, 0.04, "a", 0.02, 1, true),
      row(0.25, 25, 0.02, 0.01, "a", 0.08, 0.5, false),
      row(0.125, 12, null as unknown as number, null, null, null, 0.25, false),
    ];
    // Worst: 0, 0.04, 0.08, none; from zero to 0.08 in eighths: ▁, floor(0.04 / 0.08 × 8) = 4 → ▅, 7 → █, blank.
    expect(adviseView(small({ rows, recommended_rate: 0.5 }), { label: "x" }).heading![2]).toBe("Worst error down the ladder (100% → 12.5%): ▁▅█ ");
  });

  it("when 100% itself misses, says that tracing every event kept now cannot measure it", () => {
    const rows = [row(1, 100, 0.3, 0.2, "a", 0.1, 2, false)];
    expect(adviseView(small({ rows }), { label: "x" }).heading![3]).toBe(
      "No rate meets ±15.0%: even tracing every event kept now (100%) cannot measure cost per event, each service and p95 that closely over a day of this traffic. Widen --window, relax --target-error, or trace more.");
  });

  it("a recommendation that saves nothing says no saving; the recommended row alone is marked", () => {
    const rows = [row(1, 100, 0, 0, null, null, 2, true), row(0.5, 50, 0.01, 0.04, "a", 0.02, 1, true), row(0.25, 25, 0.5, 0.5, "a", 0.5, 0.5, false)];
    for (const savings of [null, 0]) {
      const view = adviseView(small({ rows, recommended_rate: 0.5, savings_usd_per_day: savings, window: "1h" }), { label: "x" });
      expect(view.heading![3]).toBe("Recommended: 50% — the lowest rate that keeps every error within ±15.0%; tracing $1.00/day instead of $4.00/day at 100%.");
      expect(view.rows.map((r) => r.verdict)).toEqual(["yes", "yes ◀ recommended", "no"]);
      expect(view.columns.find((c) => c.key === "events_shown")!.title).toBe("events/hour");
    }
  });

  it("a target of exactly 10% takes one decimal; no rate over an hour says an hour", () => {
    const rows = [row(1, 100, 0.3, 0.2, "a", 0.1, 2, false)];
    const view = adviseView(small({ rows, target_error: 0.1, window: "1h" }), { label: "x" });
    expect(view.heading![3]).toBe(
      "No rate meets ±10.0%: even tracing every event kept now (100%) cannot measure cost per event, each service and p95 that closely over an hour of this traffic. Widen --window, relax --target-error, or trace more.");
    expect(view.columns.at(-1)!.title).toBe("±10.0%?");
    // The notes always give the target to two decimals.
    expect(view.notes![0]).toContain("all stay within ±10.00%, and an hour holds");
  });

  it("rateLabel: a rate as a percentage to six significant figures", () => {
    expect([1, 0.5, 0.001, 0.125, 1 / 3].map(rateLabel)).toEqual(["100%", "50%", "0.1%", "12.5%", "33.3333%"]);
  });
});

describe("reconcile-view", () => {
  // README.md, "Match the bill": the session on fixtures/billing (its README works every figure).
  const loaded = (): BillingStoredView => ({
    db: "bill.duckdb",
    files: [{ source: "fixtures/billing/snowflake.csv", kind: "snowflake", records: 6 }, { source: "fixtures/billing/bigquery.jsonl", kind: "bigquery", records: 5 }],
    records_read: 11, records_kept: 8, duplicates: 1, conflicting: 1, replaced: 0,
    skipped: [{ reason: "negative amount", records: 1 }, { reason: "script parent job (its child jobs carry the bill)", records: 1 }],
    stored: [
      { warehouse: "bigquery", records: 4, billed_usd: 3.25, tagged: 1, unpriced: 0 },
      { warehouse: "snowflake", records: 4, billed_usd: 4.54, tagged: 1, unpriced: 0 },
    ],
  });

  it("writes README's load --billing summary, line for line", () => {
    expect(formatters.table(billingLoadSummary(loaded()), { ...plain, width: 100 })).toBe([
      "Stored 8 billing record(s) from 11 read into bill.duckdb.",
      "",
      "warehouse  records  with trace context  unpriced  billed",
      "────────────────────────────────────────────────────────",
      "bigquery         4                   1         0   $3.25",
      "snowflake        4                   1         0   $4.54",
      "",
      "1 earlier record(s) of a query id given again: the latest record wins.",
      "2 record(s) skipped (see the warnings).",
    ].join("\n") + "\n");
  });

  it("load --billing: records that replaced stored ones, no duplicates or skips, and the JSON", () => {
    const view = billingLoadSummary({ ...loaded(), source: "postgres://h/db", replaced: 3, duplicates: 0, skipped: [{ reason: "r", records: 0 }] });
    expect(view.heading).toEqual(["Stored 8 billing record(s) from 11 read into bill.duckdb (3 replaced a stored record of the same query id)."]);
    expect(view.notes).toEqual([]);
    expect(view.json).toEqual({
      db: "bill.duckdb", source: "postgres://h/db", files: loaded().files, records_read: 11, records_kept: 8, duplicates: 0, conflicting: 1, replaced: 3,
      skipped: [{ reason: "r", records: 0 }], warehouses: loaded().stored,
    });
    expect(Object.keys(billingLoadSummary(loaded()).json!)).not.toContain("source");
  });

  const PRICING: Pricing = { cost_sources: { billed: 4, explicit: 2, price_book: 1, unpriced: 0 }, bad_values: [] };
  const pricing = (p: Pricing = PRICING) => ({ notes: pricingNotes(p), json: pricingJson(p) });
  const reconciled = (): ReconcileView => ({
    rows: [
      { warehouse: "bigquery", stage: "aggregation", fingerprint: "SELECT campaign, sum(cost) FROM agg WHERE day = ? GROUP BY campaign", spans: 2, joined_spans: 2,
        estimated_usd: 1.56255960464, billed_usd: 3.125, billed_over_estimated: 1.99992370896, join_rate: 1 },
      { warehouse: "bigquery", stage: "aggregation", fingerprint: "SELECT count(*) FROM events WHERE day = ?", spans: 1, joined_spans: 0,
        estimated_usd: 0.006103515625, billed_usd: 0, billed_over_estimated: null, join_rate: 0 },
      { warehouse: "bigquery", stage: "(untraced)", fingerprint: "", spans: 0, joined_spans: 0, estimated_usd: 0, billed_usd: 0.126103515625, billed_over_estimated: null, join_rate: null },
      { warehouse: "snowflake", stage: "tracking", fingerprint: "INSERT INTO events (event_id, kind) VALUES (…)", spans: 2, joined_spans: 2,
        estimated_usd: 0.0315, billed_usd: 0.045, billed_over_estimated: 1.42857142857, join_rate: 1 },
      { warehouse: "snowflake", stage: "(untraced)", fingerprint: "", spans: 0, joined_spans: 0, estimated_usd: 0, billed_usd: 1.5, billed_over_estimated: null, join_rate: null },
    ],
    totals: {
      spans: 5, joined_spans: 4, join_rate: 0.8, spans_by_id: 2, spans_by_tag: 2, spans_by_time: 0, bills: 8, joined_bills: 4,
      joined_billed_usd: 3.125 + 0.045, untraced_bills: 3, untraced_billed_usd: 0.126103515625 + 1.5, out_of_range_bills: 1, unpriced_bills: 0,
    },
  });

  it("writes README's cost reconcile of the billing fixture, line for line, and its CSV", () => {
    const view = reconcileView(reconciled(), pricing());
    expect(formatters.table(view, { ...plain, width: 100 })).toBe([
      "Estimated vs billed — join rate 80.0%: 4 of 5 warehouse span(s) joined a bill (2 by query id, 2 by",
      "  tag or labels).",
      "Billed $4.80 in the spans' time range: $3.17 to traced spans, $1.63 untraced (33.9% of the bill).",
      "",
      "warehouse  stage        fingerprint         spans  joined  estimated   billed  billed/est  join rate",
      "────────────────────────────────────────────────────────────────────────────────────────────────────",
      "bigquery   aggregation  SELECT campaign, …      2       2      $1.56    $3.12           2     100.0%",
      "bigquery   aggregation  SELECT count(*) F…      1       0   $0.00610       $0           –       0.0%",
      "bigquery   (untraced)                           0       0         $0   $0.126           –          –",
      "snowflake  tracking     INSERT INTO event…      2       2    $0.0315  $0.0450        1.43     100.0%",
      "snowflake  (untraced)                           0       0         $0    $1.50           –          –",
      "",
      "1 warehouse span(s) have no billing record (spans − joined_spans): their query id, tag or labels",
      "  reach no bill.",
      "1 billing record(s) no span explains lie outside the spans' time range: left out of (untraced).",
      "estimated_usd: the price book's query cost of every span in the row; billed_over_estimated: on the",
      "  joined spans alone. Stored spans, unweighted: a bill is one query (README \"Match the bill\").",
      "every span priced: 4 from billing records, 2 from cost attributes, 1 from the price book.",
    ].join("\n") + "\n");
    expect(formatters.csv(view, plain).split("\r\n").slice(0, 6)).toEqual([
      "warehouse,stage,fingerprint,spans,joined_spans,estimated_usd,billed_usd,billed_over_estimated,join_rate",
      "bigquery,aggregation,\"SELECT campaign, sum(cost) FROM agg WHERE day = ? GROUP BY campaign\",2,2,1.56255960464,3.125,1.99992370896,1",
      "bigquery,aggregation,SELECT count(*) FROM events WHERE day = ?,1,0,0.006103515625,0,,0",
      "bigquery,(untraced),,0,0,0,0.126103515625,,",
      "snowflake,tracking,\"INSERT INTO events (event_id, kind) VALUES (…)\",2,2,0.0315,0.045,1.42857142857,1",
      "snowflake,(untraced),,0,0,0,1.5,,",
    ]);
    // README: JSON adds totals and cost_sources.
    expect(view.json).toEqual({ rows: reconciled().rows, totals: reconciled().totals, cost_sources: PRICING.cost_sources, bad_values: [] });
  });

  it("no bills at all: join rate n/a, no share of an empty bill, the note that says how to load them", () => {
    const t = { ...reconciled().totals, joined_spans: 0, join_rate: null, spans_by_id: 0, spans_by_tag: 0, bills: 0, joined_bills: 0,
      joined_billed_usd: 0, untraced_billed_usd: 0, out_of_range_bills: 0 };
    const view = reconcileView({ rows: [], totals: t }, { notes: [], json: {} });
    expect(view.heading).toEqual([
      "Estimated vs billed — join rate n/a: 0 of 5 warehouse span(s) joined a bill (0 by query id, 0 by tag or labels).",
      "Billed $0 in the spans' time range: $0 to traced spans, $0 untraced.",
    ]);
    expect(view.notes).toEqual([
      "5 warehouse span(s) have no billing record (spans − joined_spans): their query id, tag or labels reach no bill.",
      "no billing records: load them with adtrace load --billing FILE --db DB, or give --billing-file FILE with span files.",
      "estimated_usd: the price book's query cost of every span in the row; billed_over_estimated: on the joined spans alone. Stored spans, unweighted: a bill is one query (README \"Match the bill\").",
    ]);
  });

  it("--match-by-time: the spans joined by time are named as weaker; unpriced bills get their note; every span joined, no unjoined note", () => {
    const t = { ...reconciled().totals, joined_spans: 5, join_rate: 1, spans_by_time: 1, out_of_range_bills: 0, unpriced_bills: 2,
      joined_billed_usd: 1, untraced_billed_usd: 3 };
    const view = reconcileView({ rows: [], totals: t }, pricing());
    expect(view.heading).toEqual([
      "Estimated vs billed — join rate 100.0%: 5 of 5 warehouse span(s) joined a bill (2 by query id, 2 by tag or labels, 1 by time, weaker).",
      // 3 of 4 dollars untraced.
      "Billed $4.00 in the spans' time range: $1.00 to traced spans, $3.00 untraced (75.0% of the bill).",
    ]);
    expect(view.notes!.slice(0, 1)).toEqual([
      "2 billing record(s) have no rate in the price book (credit_usd, tib_usd, slot_hour_usd): joined to nothing.",
    ]);
    expect(view.notes).toHaveLength(3);
  });
});

describe("outliers-view", () => {
  // README.md, "adtrace cost outliers": 20,000 generated events with French events planted to
  // cost 3×, the costliest 10% (2,000 events) against the other 18,000. README's figures; the
  // counts are the shares of 2,000 and 18,000 (fr-FR: 1,836 + 684 = 2,520 events, 13% of 20,000).
  const TOTALS = { events: 20000, spans: 182605, start: "2024-06-01T00:00:00Z", end: "2024-06-01T23:59:55Z" } as Totals;
  const orow = (key: string, value: string, sel: number, base: number, lift: number | null, w: number | null, wo: number | null, q: number | null, significant: boolean): OutlierRow => ({
    key, value, selected_events: Math.round(sel * 2000), baseline_events: Math.round(base * 18000), selected_share: sel, baseline_share: base,
    lift, mean_with: w, mean_without: wo, p_value: q, q_value: q, significant,
  });
  const SHOWN = [
    orow("user_locale", "fr-FR", 0.918, 0.038, 23.9, 0.00132, 0.000434, 0, true),
    orow("db.operation", "INSERT", 0.076, 0.047, 1.64, 0.000762, 0.000535, 8.4e-8, true),
    orow("user_locale", "de-DE", 0.015, 0.137, 0.11, 0.00044, 0.000561, 2.1e-54, true),
    orow("user_locale", "es-ES", 0.013, 0.138, 0.09, 0.00043, 0.000563, 1.0e-56, true),
    orow("user_locale", "ja-JP", 0.013, 0.14, 0.09, 0.000435, 0.000562, 1.1e-57, true),
    orow("user_locale", "en-US", 0.012, 0.138, 0.09, 0.000436, 0.000562, 2.4e-57, true),
    orow("user_locale", "en-GB", 0.011, 0.133, 0.09, 0.000431, 0.000562, 8.0e-55, true),
    orow("user_locale", "hi-IN", 0.01, 0.136, 0.07, 0.000436, 0.000562, 9.2e-58, true),
    orow("user_locale", "pt-BR", 0.009, 0.139, 0.07, 0.000434, 0.000562, 1.4e-59, true),
    orow("ad.bid_price_usd", "2.41", 0.001, 0.003, 0.15, 0.000453, 0.000546, 0.422, false),
    orow("ad.campaign_id", "c-8", 0.058, 0.049, 1.19, 0.000572, 0.000545, 0.677, false),
    orow("ad.campaign_id", "c-14", 0.043, 0.052, 0.82, 0.000523, 0.000547, 0.693, false),
    orow("ad.bid_price_usd", "3.91", 0.005, 0.003, 1.8, 0.000642, 0.000546, 0.879, false),
    orow("ad.campaign_id", "c-2", 0.057, 0.049, 1.16, 0.000553, 0.000546, 0.879, false),
    orow("ad.exchange", "adx", 0.264, 0.249, 1.06, 0.000556, 0.000543, 0.879, false),
  ];
  // README's 158 values: the other 143 are not shown in the table.
  const REST = Array.from({ length: 143 }, (_, i) => orow("ad.bid_price_usd", `9.${i}`, 0.001, 0.001, 1, 0.0005, 0.0005, 0.9, false));
  const readme = (): OutliersResult => ({
    metric: "cost", stage: null, top: 0.1, alpha: 0.05, max_values: 50, threshold: 0.000995,
    selected: { events: 2000, effective_n: 2000, mean: 0.00152 }, baseline: { events: 18000, effective_n: 18000, mean: 0.000437 },
    events_without_stage: 0, rows: [...SHOWN, ...REST], skipped_keys: [], model_input_keys: Array.from({ length: 23 }, (_, i) => `k${i}`),
    totals: TOTALS, weights: unsampled(20000, 182605), pricing: { cost_sources: { billed: 0, explicit: 0, price_book: 182605, unpriced: 0 }, bad_values: [] },
  });

  it("writes README's cost outliers of the planted French events, line for line", () => {
    expect(formatters.table(outliersView(readme(), { label: "fr.duckdb" }), { ...plain, width: 100 })).toBe([
      "Outliers by cost: the costliest 10% of events against the rest — fr.duckdb",
      "20,000 events, 182,605 spans, 2024-06-01T00:00:00Z → 2024-06-01T23:59:55Z",
      "2,000 selected events (above $0.000995), $0.00152 on average; the rest $0.000437.",
      "user_locale=fr-FR: 13% of events, 92% of the costliest 10%; they cost $0.00132 vs $0.000434.",
      "",
      "key               value       of top 10%  of rest    lift  $/event with    without        q",
      "───────────────────────────────────────────────────────────────────────────────────────────",
      "user_locale       fr-FR    91.8% ██████▍     3.8%  23.90×      $0.00132  $0.000434        0",
      "db.operation      INSERT    7.6% ▌           4.7%   1.64×     $0.000762  $0.000535   8.4e-8",
      "user_locale       de-DE     1.5% ▏          13.7%   0.11×     $0.000440  $0.000561  2.1e-54",
      "user_locale       es-ES     1.3% ▏          13.8%   0.09×     $0.000430  $0.000563  1.0e-56",
      "user_locale       ja-JP     1.3% ▏          14.0%   0.09×     $0.000435  $0.000562  1.1e-57",
      "user_locale       en-US     1.2% ▏          13.8%   0.09×     $0.000436  $0.000562  2.4e-57",
      "user_locale       en-GB     1.1% ▏          13.3%   0.09×     $0.000431  $0.000562  8.0e-55",
      "user_locale       hi-IN     1.0% ▏          13.6%   0.07×     $0.000436  $0.000562  9.2e-58",
      "user_locale       pt-BR     0.9% ▏          13.9%   0.07×     $0.000434  $0.000562  1.4e-59",
      "ad.bid_price_usd  2.41      0.1%             0.3%   0.15×     $0.000453  $0.000546    0.422",
      "ad.campaign_id    c-8       5.8% ▍           4.9%   1.19×     $0.000572  $0.000545    0.677",
      "ad.campaign_id    c-14      4.3% ▎           5.2%   0.82×     $0.000523  $0.000547    0.693",
      "ad.bid_price_usd  3.91      0.5%             0.3%   1.80×     $0.000642  $0.000546    0.879",
      "ad.campaign_id    c-2       5.7% ▍           4.9%   1.16×     $0.000553  $0.000546    0.879",
      "ad.exchange       adx      26.4% █▉         24.9%   1.06×     $0.000556  $0.000543    0.879",
      "",
      "the table shows the first 15 of 158 values; CSV and JSON carry them all.",
      "test: two-proportion z-test (normal approximation, continuity-corrected), each side's n the",
      "  effective sample size (Σw)²/Σw² (2,000 selected, 18,000 baseline); q = Benjamini–Hochberg over the",
      "  values tested; significant at q < 0.05. Values with fewer than 5 expected events in a cell are not",
      "  tested (q –).",
      "not candidates: the attributes the cost model prices from, sampling rates and statements (23 keys;",
      "  JSON model_input_keys).",
      "every span priced: 0 from cost attributes, 182,605 from the price book.",
    ].join("\n") + "\n");
  });

  it("CSV carries every value with README's columns; JSON README's keys, without the significance flag", () => {
    const view = outliersView(readme(), { label: "fr.duckdb" });
    const csv = formatters.csv(view, plain).split("\r\n");
    expect(csv[0]).toBe("key,value,selected_events,baseline_events,selected_share,baseline_share,lift,mean_with,mean_without,p_value,q_value");
    expect(csv[1]).toBe("user_locale,fr-FR,1836,684,0.918,0.038,23.9,0.00132,0.000434,0,0");
    expect(csv.filter((l) => l !== "")).toHaveLength(1 + 158);
    const json = view.json as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(["metric", "stage", "top", "alpha", "max_values", "threshold", "selected", "baseline", "events_without_stage",
      "rows", "skipped_keys", "model_input_keys", "events", "weights", "cost_sources", "bad_values"]);
    expect(json).toMatchObject({ metric: "cost", stage: null, top: 0.1, alpha: 0.05, max_values: 50, threshold: 0.000995, events_without_stage: 0,
      selected: { events: 2000, effective_n: 2000, mean: 0.00152 }, baseline: { events: 18000, effective_n: 18000, mean: 0.000437 },
      skipped_keys: [], events: 20000, cost_sources: { billed: 0, explicit: 0, price_book: 182605, unpriced: 0 }, bad_values: [] });
    expect((json.model_input_keys as string[]).length).toBe(23);
    const { significant: _s, ...first } = SHOWN[0]!;
    expect((json.rows as unknown[])[0]).toEqual(first);
    expect((json.rows as unknown[]).length).toBe(158);
  });

  // By latency, at one stage, top 5%: hand-made rows. The first significant row is under-represented
  // (lift 0.5) and is passed over for the next, which no baseline event carries (lift ∞).
  const latency = (over: Partial<OutliersResult> = {}): OutliersResult => ({
    ...readme(), metric: "latency", stage: "aggregation", top: 0.05, alpha: 0.01, threshold: 12.5,
    selected: { events: 10, effective_n: 9.6, mean: 20 }, baseline: { events: 190, effective_n: 180.4, mean: 9.25 },
    events_without_stage: 7, skipped_keys: [{ key: "event.id", reason: "unique per event" }, { key: "trace.tag", reason: "r2" }],
    rows: [
      { ...orow("a", "x", 0.1, 0.2, 0.5, 10, 11, 0.001, true), selected_events: 1, baseline_events: 38 },
      { ...orow("b", "y", 0.3, 0, null, 30.5, 9.1, 0.0009999, true), selected_events: 3, baseline_events: 0 },
      { ...orow("c", "z", 0.2, 0.1, 2, 14, 9, null, false), selected_events: 2, baseline_events: 19 },
    ],
    ...over,
  });

  it("by latency at a stage: ms, the slowest share, the first over-represented value (∞ lift), the left-out events and skipped keys", () => {
    const view = outliersView(latency(), { label: "l" });
    expect(view.heading).toEqual([
      "Outliers by aggregation latency: the slowest 5% of events against the rest — l",
      "20,000 events, 182,605 spans, 2024-06-01T00:00:00Z → 2024-06-01T23:59:55Z",
      "10 selected events (above 12.5 ms), 20.0 ms on average; the rest 9.25 ms.",
      // b=y: 3 of the 200 events (2%), 30% of the slowest 5%.
      "b=y: 2% of events, 30% of the slowest 5%; they take 30.5 ms vs 9.10 ms.",
    ]);
    expect(view.columns.map((c) => c.title ?? c.key)).toEqual([
      "key", "value", "selected", "baseline", "of top 5%", "of rest", "lift", "lift", "ms with", "without", "p_value", "q_value", "q",
    ]);
    expect(view.columns.find((c) => c.key === "mean_with")!.kind).toBe("ms");
    expect(view.columns.find((c) => c.key === "mean_without")!.kind).toBe("ms");
    expect(view.rows.map((r) => [r.lift_shown, r.q_shown])).toEqual([["0.50×", "0.001"], ["∞", "1.0e-3"], ["2.00×", "–"]]);
    expect(view.humanNotes).toEqual([]);
    expect(view.notes).toEqual([
      "test: two-proportion z-test (normal approximation, continuity-corrected), each side's n the effective sample size (Σw)²/Σw² (10 selected, 180 baseline); q = Benjamini–Hochberg over the values tested; significant at q < 0.01. Values with fewer than 5 expected events in a cell are not tested (q –).",
      "7 event(s) without stage aggregation: left out.",
      "skipped: event.id (unique per event); trace.tag (r2).",
      "not candidates: the attributes the cost model prices from, sampling rates and statements (23 keys; JSON model_input_keys).",
      "every span priced: 0 from cost attributes, 182,605 from the price book.",
    ]);
  });

  it("no value significantly over-represented: says so with the alpha; a significant lift of exactly 1 is not over-represented", () => {
    const rows = [{ ...orow("a", "x", 0.1, 0.1, 1, 10, 10, 0.001, true) }, { ...orow("c", "z", 0.2, 0.1, 2, 14, 9, 0.5, false) }];
    expect(outliersView(latency({ rows }), { label: "l" }).heading![3]).toBe("No attribute value is significantly over-represented among the slowest 5% (q < 0.01).");
    expect(outliersView({ ...readme(), rows: [] }, { label: "l" }).heading![3]).toBe("No attribute value is significantly over-represented among the costliest 10% (q < 0.05).");
  });

  it("the table's first 15 rows: a note only past 15", () => {
    const view15 = outliersView({ ...readme(), rows: SHOWN }, { label: "l" });
    expect(view15.humanNotes).toEqual([]);
    expect(view15.humanRows).toHaveLength(15);
    const view16 = outliersView({ ...readme(), rows: [...SHOWN, REST[0]!] }, { label: "l" });
    expect(view16.humanNotes).toEqual(["the table shows the first 15 of 16 values; CSV and JSON carry them all."]);
    expect(view16.humanRows).toHaveLength(15);
    expect(view16.rows).toHaveLength(16);
  });

  it("pValueText: 0, three decimals from 0.001, two significant digits below", () => {
    expect([0, 1, 0.001, 0.0123456, 0.000999, 8.4e-8].map(pValueText)).toEqual(["0", "1.000", "0.001", "0.012", "1.0e-3", "8.4e-8"]);
  });
});

describe("pull-view", () => {
  // README.md, "adtrace pull": the fixture's 369 spans pulled from PostgreSQL, the mark on the
  // start column, the default lookback of 1h.
  const load = (over: Partial<LoadResult> = {}): LoadResult => ({
    files: [], spansRead: 369, spansAdded: 369, duplicates: 0, conflicts: 0, skipped: 0, skippedExamples: [], warnings: [], ignoredFiles: [], ...over,
  });
  const SOURCE = "postgres://analyst@db.internal:5432/telemetry#traces.ad_spans";
  const pulled = (over: Partial<PullResult> = {}): PullResult => ({
    db: "pipeline.duckdb", source: SOURCE, table: "traces.ad_spans", format: "postgres", startColumn: "start_time",
    watermarkColumn: "start_time", watermarkKind: "start", lookbackMs: 3_600_000, rowsFetched: 369, incremental: false,
    highWaterAfter: "2024-05-01T12:01:00.040700Z", overlapRows: 0, lateRows: 0, notes: [], load: load(), totalSpans: 369, ...over,
  });

  // README showed the note as one line of 111 characters; at 100 columns (the width at which the
  // source is cut at 60 characters, as README shows it) the note wraps, and README now says so.
  it("writes README's first pull, line for line", () => {
    expect(formatters.table(pullSummary(pulled()), { ...plain, width: 100 })).toBe([
      "Pulled 369 new spans from traces.ad_spans into pipeline.duckdb (now 369).",
      "",
      "source                                                    format    rows  added  duplicates  skipped",
      "────────────────────────────────────────────────────────────────────────────────────────────────────",
      "postgres://analyst@db.internal:5432/telemetry#traces.ad…  postgres   369    369           0        0",
      "",
      "high-water mark 2024-05-01T12:01:00.040700Z (start column 'start_time'); the next pull reads from 1h",
      "  before it.",
    ].join("\n") + "\n");
  });

  it("nothing new: one row was, two rows were; an empty pull is a pull of 0", () => {
    expect(pullSummary(pulled({ rowsFetched: 1, load: load({ spansAdded: 0, duplicates: 1 }) })).heading).toEqual([
      "Nothing new: the 1 row read from traces.ad_spans was already in pipeline.duckdb."]);
    expect(pullSummary(pulled({ rowsFetched: 2, load: load({ spansAdded: 0, duplicates: 2 }) })).heading).toEqual([
      "Nothing new: the 2 rows read from traces.ad_spans were already in pipeline.duckdb."]);
    expect(pullSummary(pulled({ rowsFetched: 0, totalSpans: 1234, load: load({ spansAdded: 0 }) })).heading).toEqual([
      "Pulled 0 new spans from traces.ad_spans into pipeline.duckdb (now 1,234)."]);
  });

  it("an incremental pull on the start column: the window asked for, the overlap and what landed late", () => {
    const view = pullSummary(pulled({
      incremental: true, highWaterBefore: "2024-05-01T12:00:00Z", from: "2024-05-01T11:45:00.000Z", until: "2024-05-02T00:00:00.000Z",
      lookbackMs: 900_000, overlapRows: 12, lateRows: 1, notes: ["a core note."],
      load: load({ spansAdded: 5, duplicates: 11, conflicts: 2, skipped: 1 }),
    }));
    expect(view.notes).toEqual([
      "incremental: asked for rows from 15m before the last pull's high-water mark (2024-05-01T12:00:00Z) on: start ≥ 2024-05-01T11:45:00.000Z and start < 2024-05-02T00:00:00.000Z; --full re-pulls everything.",
      "the overlap re-read 12 rows at or before that mark: 1 of them new (landed late), the rest already stored.",
      "high-water mark 2024-05-01T12:01:00.040700Z (start column 'start_time'); the next pull reads from 15m before it.",
      "11 rows already stored (same trace_id and span_id) skipped, 2 of them with different content.",
      "1 row skipped (the first named in the \"skipped:\" lines).",
      "a core note.",
    ]);
  });

  it("an incremental pull on an ingestion-time column, with and without a window; --lookback 0", () => {
    const base = { incremental: true, watermarkKind: "ingestion" as const, watermarkColumn: "inserted_at", highWaterBefore: "2024-05-01T12:00:00Z",
      lookbackMs: 0, overlapRows: 1, lateRows: 0, load: load({ duplicates: 1 }) };
    expect(pullSummary(pulled(base)).notes).toEqual([
      "incremental: asked for rows that landed from 0 before the last pull's high-water mark (2024-05-01T12:00:00Z, ingestion column 'inserted_at') on, and rows with no 'inserted_at'; --full re-pulls everything.",
      "the overlap re-read 1 row at or before that mark: 0 of them new (landed late), the rest already stored (--lookback 0: rows that land later with an older mark are not seen).",
      "high-water mark 2024-05-01T12:01:00.040700Z (ingestion column 'inserted_at'); the next pull reads from it.",
      "1 row already stored (same trace_id and span_id) skipped.",
    ]);
    expect(pullSummary(pulled({ ...base, until: "2024-06-01T00:00:00.000Z" })).notes![0]).toBe(
      "incremental: asked for rows that landed from 0 before the last pull's high-water mark (2024-05-01T12:00:00Z, ingestion column 'inserted_at') on, and rows with no 'inserted_at', with start < 2024-06-01T00:00:00.000Z; --full re-pulls everything.");
  });

  it("a first pull with --since or --until says what it asked for; with neither and no mark, no note", () => {
    expect(pullSummary(pulled({ from: "2024-05-01T00:00:00.000Z", highWaterAfter: undefined })).notes).toEqual(["asked for rows with start ≥ 2024-05-01T00:00:00.000Z."]);
    expect(pullSummary(pulled({ until: "2024-05-02T00:00:00.000Z", highWaterAfter: undefined })).notes).toEqual(["asked for rows with start < 2024-05-02T00:00:00.000Z."]);
    expect(pullSummary(pulled({ highWaterAfter: undefined })).notes).toEqual([]);
  });

  it("the lookback as --lookback writes it: weeks, days, hours, minutes, seconds, else ms", () => {
    const next = (lookbackMs: number) => pullSummary(pulled({ lookbackMs })).notes![0]!.replace(/.*reads from /, "");
    expect([604_800_000, 2 * 86_400_000, 3_600_000, 5_400_000, 90_000, 1500].map(next)).toEqual([
      "1w before it.", "2d before it.", "1h before it.", "90m before it.", "90s before it.", "1500 ms before it.",
    ]);
  });

  it("CSV: README's table columns and the machine-only ones; JSON: every field, nulls where absent", () => {
    const view = pullSummary(pulled());
    expect(formatters.csv(view, plain).split("\r\n").slice(0, 2)).toEqual([
      "source,format,rows_fetched,spans_added,duplicates,skipped,from,until,high_water_mark,watermark_column,overlap_rows,late_rows",
      `${SOURCE},postgres,369,369,0,0,,,2024-05-01T12:01:00.040700Z,start_time,0,0`,
    ]);
    expect(view.json).toEqual({
      db: "pipeline.duckdb", source: SOURCE, table: "traces.ad_spans", format: "postgres", start_column: "start_time",
      rows_fetched: 369, spans_added: 369, duplicates: 0, conflicts: 0, skipped: 0, incremental: false, from: null, until: null,
      landed_from: null, watermark_column: "start_time", watermark_kind: "start", lookback_ms: 3_600_000, overlap_rows: 0, late_rows: 0,
      high_water_mark_before: null, high_water_mark: "2024-05-01T12:01:00.040700Z", total_spans: 369, notes: [], warnings: [],
    });
    const later = pullSummary(pulled({ from: "f", until: "u", landedFrom: "l", highWaterBefore: "b", highWaterAfter: undefined, load: load({ warnings: [{ message: "w", count: 2 }] }) }));
    expect(later.json).toMatchObject({ from: "f", until: "u", landed_from: "l", high_water_mark_before: "b", high_water_mark: null, warnings: [{ message: "w", count: 2 }] });
    expect(later.rows[0]).toMatchObject({ from: "f", until: "u", high_water_mark: null });
    expect(view.rows[0]).toMatchObject({ from: null, until: null });
  });
});
