// The text people read in four views (issue 25, helper views29): headings, column titles, notes
// and Markdown that the JSON-reading tests never checked, so StrykerJS's mutants of them survived.
// Each view is given a result built by hand from a documented example (README.md's outputs of the
// fixture, whose figures are worked in fixtures/auction/README.md) or from small inputs, and its
// rendered lines are compared with the README's text or with text worked out here. Pure: no
// DuckDB, no child process.
import { Chalk } from "chalk";
import { describe, expect, it } from "vitest";
import { unsampled } from "./helpers/views.js";
import type { DiffResult, DiffRow, Significance } from "../src/analysis/diff.js";
import type { Pricing, WeightSummary } from "../src/analysis/breakdown.js";
import { diffVerdict, diffView } from "../src/output/diff-view.js";
import { formatters } from "../src/output/format.js";
import type { Flag, FlagsResult } from "../src/analysis/flags.js";
import type { SavingsResult, SavingsRow } from "../src/analysis/savings.js";
import { DEFAULT_FLAGS } from "../src/model/defaults.js";
import type { BreakdownGroup, BreakdownResult, QueryRow, Totals } from "../src/analysis/breakdown.js";
import type { CriticalPathResult, CriticalPathGroup } from "../src/analysis/path-cost.js";
import type { TraceResult, TraceSpanRow } from "../src/analysis/trace.js";
import { criticalPathView, traceView } from "../src/output/path-views.js";
import { breakdownView, headline, pricingJson, pricingNotes, queriesView, rawLabel, weightNotes, weightsJson } from "../src/output/cost-views.js";
import { flagsView, onPathSampled, onPathSampleNote, savingsView, scenarioJson } from "../src/output/decision-views.js";

const plain = { colors: new Chalk({ level: 0 }) };

/** The fixture's pricing as README.md prints it: 280 spans from cost attributes, 89 from the price book. */
const FIXTURE_PRICING: Pricing = { cost_sources: { billed: 0, explicit: 280, price_book: 89, unpriced: 0 }, bad_values: [] };


describe("diff-view", () => {
  type Figures = [before: number | null, after: number | null, shareBefore: number | null, shareAfter: number | null, p95Before: number | null, p95After: number | null];
  const diffRow = (stage: string, status: DiffRow["status"], [before, after, sb, sa, pb, pa]: Figures, significant: Significance = "unknown", p95: Significance = "unknown"): DiffRow => {
    const change = (after ?? 0) - (before ?? 0);
    return {
      keys: { stage }, status, cost_per_event_before_usd: before, cost_per_event_after_usd: after, change_usd: change,
      change_pct: before ? change / before : null, share_before: sb, share_after: sa, p95_ms_before: pb, p95_ms_after: pa,
      significant, ci95_low_usd: null, ci95_high_usd: null, p95_significant: p95,
    };
  };

  // README.md, "adtrace diff" in CI: the fixture against itself with aggregator.rollup.compute's
  // spans at $0.00012 instead of $0.00002, i.e. aggregation +$0.000100 per event (40 events, each
  // with one such span): $0.000440 → $0.000540 (+22.7%), the total $0.00101 → $0.00111 (+9.9%).
  // Both sides are reports, so every significance is unknown. The figures are README's.
  const UNKNOWN = "unknown: a report on either side has no per-event values";
  const reportDiff = (): DiffResult => ({
    by: [{ kind: "stage" }],
    gates: { maxCostIncrease: 0.05, maxStageIncrease: 0.1, maxP95Increase: undefined },
    rows: [
      diffRow("aggregation", "changed", [0.00044, 0.00054, 0.437, 0.487, 15.6, 15.6]),
      diffRow("auction", "unchanged", [0.00006, 0.00006, 0.06, 0.054, 12.8, 12.8]),
      diffRow("delivery", "unchanged", [0.00004, 0.00004, 0.04, 0.036, 4.8, 4.8]),
      diffRow("inventory_lookup", "unchanged", [0.00007, 0.00007, 0.069, 0.063, 8.8, 8.8]),
      diffRow("profiling", "unchanged", [0.00003, 0.00003, 0.03, 0.027, 3.6, 3.6]),
      diffRow("request", "unchanged", [0.00001, 0.00001, 0.01, 0.009, 49.2, 49.2]),
      diffRow("tracking", "unchanged", [0.000358, 0.000358, 0.355, 0.323, 6.78, 6.78]),
      diffRow("total", "total", [0.00101, 0.00111, 1, 1, 49.2, 49.2]),
    ],
    breaches: [
      { gate: "--max-stage-increase", row: "aggregation", detail: "cost per event 22.7% up (limit 10.0%), significant: unknown" },
      { gate: "--max-cost-increase", row: "total", detail: "cost per event 9.9% up (limit 5.0%), significant: unknown" },
    ],
    baseline: { label: "baseline-report/", kind: "report", events: 40, weights: unsampled(40, 369), pricing: FIXTURE_PRICING },
    current: { label: "report/", kind: "report", events: 40, weights: unsampled(40, 369), pricing: FIXTURE_PRICING },
    method: UNKNOWN,
    p95_method: UNKNOWN,
  } as DiffResult);

  it("writes README's Markdown for a pull request's report against the baseline report, line for line", () => {
    expect(formatters.md(diffView(reportDiff()), plain)).toBe([
      "## adtrace diff: cost per event by stage",
      "",
      "**cost per event +9.9% (significance unknown: a report on either side has no per-event values): 2 gates breached**",
      "",
      "Cost per event: baseline-report/ (report, 40 events) → report/ (report, 40 events)  ",
      "",
      "| stage | $/ev before | after | Δ $/event | change | share | p95 | significant | p95 sig. |",
      "|:---|---:|---:|---:|---:|---:|---:|:---|:---|",
      "| aggregation | $0.000440 | $0.000540 | +$0.000100 | ▲ +22.7% | 43.7% → 48.7% | 15.6 ms → 15.6 ms | unknown | unknown |",
      "| auction | $0.0000600 | $0.0000600 | $0 | · +0.0% | 6.0% → 5.4% | 12.8 ms → 12.8 ms | unknown | unknown |",
      "| delivery | $0.0000400 | $0.0000400 | $0 | · +0.0% | 4.0% → 3.6% | 4.80 ms → 4.80 ms | unknown | unknown |",
      "| inventory_lookup | $0.0000700 | $0.0000700 | $0 | · +0.0% | 6.9% → 6.3% | 8.80 ms → 8.80 ms | unknown | unknown |",
      "| profiling | $0.0000300 | $0.0000300 | $0 | · +0.0% | 3.0% → 2.7% | 3.60 ms → 3.60 ms | unknown | unknown |",
      "| request | $0.0000100 | $0.0000100 | $0 | · +0.0% | 1.0% → 0.9% | 49.2 ms → 49.2 ms | unknown | unknown |",
      "| tracking | $0.000358 | $0.000358 | $0 | · +0.0% | 35.5% → 32.3% | 6.78 ms → 6.78 ms | unknown | unknown |",
      "| **total** | **$0.00101** | **$0.00111** | **+$0.000100** | **▲ +9.9%** | **100.0% → 100.0%** | **49.2 ms → 49.2 ms** | **unknown** | **unknown** |",
      "",
      "<sub>cost significance: unknown: a report on either side has no per-event values.</sub>  ",
      "<sub>p95 significance: unknown: a report on either side has no per-event values.</sub>  ",
      "<sub>baseline: every span priced: 280 from cost attributes, 89 from the price book.</sub>  ",
      "<sub>current: every span priced: 280 from cost attributes, 89 from the price book.</sub>  ",
      "<sub>2 gate(s) breached: aggregation (--max-stage-increase), total (--max-cost-increase).</sub>  ",
      "",
    ].join("\n"));
  });

  it("gives CSV README's row columns, in README's order, and the total as the last row", () => {
    const lines = (formatters.csv(diffView(reportDiff()), plain) as string).trimEnd().split(/\r?\n/);
    // README.md, "A `diff` row: the `--by` keys, `status`, … `p95_significant`".
    expect(lines[0]).toBe("stage,status,cost_per_event_before_usd,cost_per_event_after_usd,change_usd,change_pct,share_before,share_after,p95_ms_before,p95_ms_after,significant,ci95_low_usd,ci95_high_usd,p95_significant");
    expect(lines).toHaveLength(1 + 8);
    expect(lines[8]!.startsWith("total,total,0.00101,0.00111,")).toBe(true);
  });

  it("types significance in JSON as true, false or null, and gives each side its pricing blocks (null for a side without)", () => {
    const result = reportDiff();
    result.rows[0]!.significant = "yes";
    result.rows[0]!.p95_significant = "no";
    result.current = { ...result.current, pricing: null, weights: null };
    const json = diffView(result).json as Record<string, unknown> & { rows: Record<string, unknown>[] };
    expect(Object.keys(json)).toEqual(["rows", "breaches", "baseline", "current", "method", "p95_method"]);
    expect(json.rows.map((r) => [r.stage, r.significant, r.p95_significant])).toEqual([
      ["aggregation", true, false], ["auction", null, null], ["delivery", null, null], ["inventory_lookup", null, null],
      ["profiling", null, null], ["request", null, null], ["tracking", null, null], ["total", null, null],
    ]);
    expect(Object.keys(json.rows[0]!)).toEqual(["stage", "status", "cost_per_event_before_usd", "cost_per_event_after_usd", "change_usd", "change_pct", "share_before", "share_after", "p95_ms_before", "p95_ms_after", "significant", "ci95_low_usd", "ci95_high_usd", "p95_significant"]);
    expect(json.baseline).toEqual({
      label: "baseline-report/", kind: "report", events: 40, weights: unsampled(40, 369),
      cost_sources: { billed: 0, explicit: 280, price_book: 89, unpriced: 0 }, bad_values: [],
    });
    expect(json.current).toEqual({ label: "report/", kind: "report", events: 40, weights: null, cost_sources: null, bad_values: null });
    expect([json.method, json.p95_method]).toEqual([UNKNOWN, UNKNOWN]);
    expect(json.breaches).toEqual(result.breaches);
  });

  it("writes README's table of the ClickHouse diff: the optional Δ $/event and p95 sig. give way to fit 100 columns", () => {
    // README.md, "adtrace diff chdb:… --format table": two halves of one ClickHouse table, the
    // figures README's. Cost significance from the bootstrap; p95's all "no" here (not shown there).
    const METHOD_COST = "bootstrap 95% interval of the change in mean cost per event (2000 resamples, fixed seed)";
    const METHOD_P95 = "bootstrap 95% interval of the change in p95, resampling events (2000 resamples, fixed seed)";
    const r = (stage: string, figures: Figures, significant: Significance, pct: number) => ({ ...diffRow(stage, "changed", figures, significant, "no"), change_pct: pct });
    const result = {
      by: [{ kind: "stage" }],
      gates: { maxCostIncrease: 0.05 },
      rows: [
        r("aggregation", [0.00024, 0.000311, 0.548, 0.609, 19.6, 19.6], "yes", 0.295),
        r("tracking", [0.000196, 0.000198, 0.448, 0.388, 8.82, 8.66], "no", 0.01),
        r("inventory_lookup", [0.000000871, 0.000000854, 0.002, 0.002, 18.5, 17.9], "no", -0.02),
        r("delivery", [0.0000000968, 0.0000000996, 0, 0, 6.4, 6.9], "yes", 0.029),
        r("auction", [0.00000069, 0.000000693, 0.002, 0.001, 33.1, 32.6], "no", 0.004),
        r("profiling", [0.0000000765, 0.0000000773, 0, 0, 5.62, 5.97], "no", 0.011),
        { ...diffRow("request", "unchanged", [0.0000000177, 0.0000000177, 0, 0, 67.6, 68.6], "no", "no"), change_pct: 0 },
        { ...diffRow("total", "total", [0.000439, 0.000511, 1, 1, 67.6, 68.6], "yes", "no"), change_pct: 0.166 },
      ],
      breaches: [{ gate: "--max-cost-increase", row: "total", detail: "" }],
      baseline: { label: "chdb:./ch-data default.otel_traces (until 2024-06-01T12:00:00Z)", kind: "spans", events: 1000, weights: unsampled(1000, 9138), pricing: { cost_sources: { billed: 0, explicit: 0, price_book: 9138, unpriced: 0 }, bad_values: [] } },
      current: { label: "chdb:./ch-data default.otel_traces (since 2024-06-01T12:00:00Z)", kind: "spans", events: 1000, weights: unsampled(1000, 9127), pricing: { cost_sources: { billed: 0, explicit: 0, price_book: 9127, unpriced: 0 }, bad_values: [] } },
      method: METHOD_COST,
      p95_method: METHOD_P95,
    } as DiffResult;
    expect(formatters.table(diffView(result), { ...plain, width: 100 })).toBe([
      "Cost per event: chdb:./ch-data default.otel_traces (until 2024-06-01T12:00:00Z) (spans, 1000 events)",
      "  → chdb:./ch-data default.otel_traces (since 2024-06-01T12:00:00Z) (spans, 1000 events)",
      "",
      "stage          $/ev before          after    change            share                p95  significant",
      "────────────────────────────────────────────────────────────────────────────────────────────────────",
      "aggregation      $0.000240      $0.000311  ▲ +29.5%    54.8% → 60.9%  19.6 ms → 19.6 ms  yes",
      "tracking         $0.000196      $0.000198   ▲ +1.0%    44.8% → 38.8%  8.82 ms → 8.66 ms  no",
      "inventory_…   $0.000000871   $0.000000854   ▼ -2.0%      0.2% → 0.2%  18.5 ms → 17.9 ms  no",
      "delivery     $0.0000000968  $0.0000000996   ▲ +2.9%      0.0% → 0.0%  6.40 ms → 6.90 ms  yes",
      "auction       $0.000000690   $0.000000693   ▲ +0.4%      0.2% → 0.1%  33.1 ms → 32.6 ms  no",
      "profiling    $0.0000000765  $0.0000000773   ▲ +1.1%      0.0% → 0.0%  5.62 ms → 5.97 ms  no",
      "request      $0.0000000177  $0.0000000177   · +0.0%      0.0% → 0.0%  67.6 ms → 68.6 ms  no",
      "────────────────────────────────────────────────────────────────────────────────────────────────────",
      "total            $0.000439      $0.000511  ▲ +16.6%  100.0% → 100.0%  67.6 ms → 68.6 ms  yes",
      "",
      "cost significance: bootstrap 95% interval of the change in mean cost per event (2000 resamples,",
      "  fixed seed).",
      "p95 significance: bootstrap 95% interval of the change in p95, resampling events (2000 resamples,",
      "  fixed seed).",
      "baseline: every span priced: 0 from cost attributes, 9,138 from the price book.",
      "current: every span priced: 0 from cost attributes, 9,127 from the price book.",
      "1 gate(s) breached: total (--max-cost-increase).",
      "",
    ].join("\n"));
  });
  describe("the verdict line", () => {
    const withTotal = (total: DiffRow | undefined, over: Partial<DiffResult> = {}): DiffResult => ({ ...reportDiff(), rows: total ? [total] : [], breaches: [], gates: {}, ...over });
    it("a fall in percent, and significance yes or no", () => {
      // $0.00080 → $0.00070: −$0.00010, −12.5%.
      expect(diffVerdict(withTotal(diffRow("total", "total", [0.0008, 0.0007, 1, 1, null, null], "yes")))).toBe("cost per event -12.5% (significant): no gate set");
      expect(diffVerdict(withTotal(diffRow("total", "total", [0.0008, 0.0009, 1, 1, null, null], "no")))).toBe("cost per event +12.5% (within noise): no gate set");
    });
    it("dollars when there is no percentage (nothing before), and unchanged at the same cost", () => {
      expect(diffVerdict(withTotal(diffRow("total", "total", [null, 0.001, null, 1, null, null], "no")))).toBe("cost per event $0 → $0.00100 (within noise): no gate set");
      expect(diffVerdict(withTotal(diffRow("total", "total", [0.001, 0.001, 1, 1, null, null], "no")))).toBe("cost per event unchanged (within noise): no gate set");
    });
    it("no total row: unknown, with the method's reason less only a leading 'unknown: '", () => {
      expect(diffVerdict(withTotal(undefined, { method: "unknown: no events" }))).toBe("cost per event unchanged (significance unknown: no events): no gate set");
      expect(diffVerdict(withTotal(undefined, { method: "both sides empty (unknown: no events)" }))).toBe("cost per event unchanged (significance unknown: both sides empty (unknown: no events)): no gate set");
    });
  });

  it("shows a change with no percentage in dollars, marked by its sign", () => {
    // Nothing before ($0): the change is the dollars, up; a fall from $0 cannot happen, but a
    // negative change with no percentage reads ▼ and the dollars.
    const rows = [
      { ...diffRow("tracking", "changed", [0, 0.001, 0, 1, null, null], "no", "no"), change_pct: null },
      { ...diffRow("auction", "changed", [0, 0, 0, 0, null, null], "no", "no"), change_usd: -0.0005, change_pct: null },
      diffRow("total", "total", [0.001, 0.001, 1, 1, null, null], "no", "no"),
    ];
    const view = diffView({ ...reportDiff(), rows, breaches: [] });
    expect(view.rows.map((r) => r.change)).toEqual(["▲ $0.00100", "▼ -$0.000500"]);
    expect(view.total!.change).toBe("· +0.0%");
  });

  it("writes a new group, a vanished one and a fall as people read them, in Markdown", () => {
    // By hand: render new at $0.000500; bidding gone from $0.000200; tracking $0.000400 → $0.000300,
    // −$0.000100, −25.0%; the total $0.000600 → $0.000800, +$0.000200, +33.3%.
    const rows = [
      diffRow("render", "new", [null, 0.0005, null, 0.625, null, 2], "yes", "unknown"),
      diffRow("bidding", "vanished", [0.0002, null, 0.333, null, 1, null], "yes", "unknown"),
      diffRow("tracking", "changed", [0.0004, 0.0003, 0.667, 0.375, 3, 3], "no", "no"),
      diffRow("total", "total", [0.0006, 0.0008, 1, 1, 3, 3], "yes", "no"),
    ];
    const md = formatters.md(diffView({ ...reportDiff(), rows, breaches: [] }), plain).split("\n").filter((l) => l.startsWith("| "));
    expect(md.slice(1)).toEqual([
      "| render | – | $0.000500 | +$0.000500 | ▲ new | – → 62.5% | – → 2.00 ms | yes | unknown |",
      "| bidding | $0.000200 | – | -$0.000200 | ▼ gone | 33.3% → – | 1.00 ms → – | yes | unknown |",
      "| tracking | $0.000400 | $0.000300 | -$0.000100 | ▼ -25.0% | 66.7% → 37.5% | 3.00 ms → 3.00 ms | no | no |",
      "| **total** | **$0.000600** | **$0.000800** | **+$0.000200** | **▲ +33.3%** | **100.0% → 100.0%** | **3.00 ms → 3.00 ms** | **yes** | **no** |",
    ]);
  });

  it("the verdict's gates: none set (keys present, undefined), set and none breached, one breached", () => {
    const total = diffRow("total", "total", [0.0008, 0.0009, 1, 1, null, null], "no");
    const verdict = (gates: DiffResult["gates"], breaches: DiffResult["breaches"]) => diffVerdict({ ...reportDiff(), rows: [total], gates, breaches });
    expect(verdict({ maxCostIncrease: undefined, maxStageIncrease: undefined, maxP95Increase: undefined }, [])).toBe("cost per event +12.5% (within noise): no gate set");
    expect(verdict({ maxCostIncrease: undefined, maxStageIncrease: 0.2 }, [])).toBe("cost per event +12.5% (within noise): no gate breached");
    expect(verdict({ maxCostIncrease: 0.05 }, [{ gate: "--max-cost-increase", row: "total", detail: "" }])).toBe("cost per event +12.5% (within noise): 1 gate breached");
  });

  it("names every --by key in the Markdown title and gives each its own column", () => {
    const row = { ...diffRow("total", "total", [0.001, 0.001, 1, 1, null, null], "no", "no"), keys: { service: "total", user_locale: "" } };
    const view = diffView({ ...reportDiff(), by: [{ kind: "service" }, { kind: "attr", key: "user_locale" }], rows: [row], breaches: [] });
    expect(view.mdLead![0]).toBe("## adtrace diff: cost per event by service, user_locale");
    expect(view.columns.slice(0, 2)).toEqual([{ key: "service", kind: "text", maxWidth: 28 }, { key: "user_locale", kind: "text", maxWidth: 28 }]);
  });

  it("notes each side's sampling weights after its pricing, named by side", () => {
    const sampled: WeightSummary = { ...unsampled(10, 90), estimated_events: 40, estimated_spans: 360, min_weight: 4, max_weight: 4 };
    const result = { ...reportDiff(), breaches: [], baseline: { ...reportDiff().baseline, weights: sampled, pricing: null } };
    expect(diffView(result).notes).toEqual([
      `cost significance: ${UNKNOWN}.`,
      `p95 significance: ${UNKNOWN}.`,
      "baseline: sampled data: 10 stored traces stand for ~40 events; every figure is weighted by sampling (--unweighted for raw figures).",
      "current: every span priced: 280 from cost attributes, 89 from the price book.",
    ]);
  });
});

describe("decision-views", () => {
  // README.md, "cost flags fixtures/auction/otlp.jsonl": its two flagged stages with README's
  // figures (7 stages, 40 events, $0.00101 per event, 2,000,000,000 events a day); the reasons are
  // flags.ts's text as README prints it. The savings note: $0.000126 + $0.0000894 = $0.0002154 per
  // event, × 2e9 = $430,800 a day ("$431k").
  const AGGREGATION_REASON = "44% of per-event cost, 95% of it warehouse queries (bigquery); one query carries 95% of the stage's cost; its top query aggregates raw rows on every event: pre-aggregate into a rollup and read that";
  const TRACKING_REASON = "35% of per-event cost, 94% of it warehouse queries (snowflake); one query carries 94% of the stage's cost; its top query repeats the same statements (45 calls ran 4 distinct statements, so 91% of calls repeat an earlier one): cache its result";
  const flag = (over: Partial<Flag>): Flag => ({
    stage: "aggregation", cost_share: 0.437, cost_per_event_usd: 0.00044, warehouse_cost_share: 0.954, warehouse: "bigquery",
    top_query: "SELECT campaign_id, count(*), sum(spend_usd) FROM ad_events WHERE campaign_id = ? AND ts >= ? GROUP BY campaign_id",
    top_query_cost_share: 0.955, reason: AGGREGATION_REASON, lever: "preaggregate", est_savings_per_event_usd: 0.000126,
    on_critical_path_share: 1, off_critical_path: false, ...over,
  });
  const fixtureFlags = (): FlagsResult => ({
    flags: [
      flag({}),
      flag({
        stage: "tracking", cost_share: 0.355, cost_per_event_usd: 0.000358, warehouse_cost_share: 0.944, warehouse: "snowflake",
        top_query: "SELECT impressions_left FROM campaign_caps WHERE campaign_id = ? AND day = ?", top_query_cost_share: 0.944,
        reason: TRACKING_REASON, lever: "cache", est_savings_per_event_usd: 0.0000894,
      }),
    ],
    profiles: new Array(7).fill(null) as FlagsResult["profiles"],
    events: 40, cost_per_event_usd: 0.00101, events_per_day: 2_000_000_000, thresholds: { ...DEFAULT_FLAGS },
    weights: unsampled(40, 369), pricing: FIXTURE_PRICING,
  });

  it("writes README's cost flags table for the fixture, line for line", () => {
    expect(formatters.table(flagsView(fixtureFlags(), { label: "fixtures/auction/otlp.jsonl" }), { ...plain, width: 100 })).toBe([
      "2 warehouse-heavy stage(s) of 7 — fixtures/auction/otlp.jsonl",
      "40 events, $0.00101 per event.",
      "",
      "stage        share    $/event  warehouse  system     top query  lever         est. saving/event",
      "───────────────────────────────────────────────────────────────────────────────────────────────",
      "aggregation  43.7%  $0.000440      95.4%  bigquery       95.5%  preaggregate          $0.000126",
      "tracking     35.5%  $0.000358      94.4%  snowflake      94.4%  cache                $0.0000894",
      "",
      "aggregation: 44% of per-event cost, 95% of it warehouse queries (bigquery); one query carries 95% of",
      "  the stage's cost; its top query aggregates raw rows on every event: pre-aggregate into a rollup",
      "  and read that. Top query: SELECT campaign_id, count(*), sum(spend_usd) FROM ad_events WHERE",
      "  campaign_id = ? AND ts >= ? GROUP BY campaign_id",
      "tracking: 35% of per-event cost, 94% of it warehouse queries (snowflake); one query carries 94% of",
      "  the stage's cost; its top query repeats the same statements (45 calls ran 4 distinct statements,",
      "  so 91% of calls repeat an earlier one): cache its result. Top query: SELECT impressions_left FROM",
      "  campaign_caps WHERE campaign_id = ? AND day = ?",
      "Estimated with cache 25% hits, pre-aggregation −30% of query cost, tuning −10% of cost: together",
      "  $0.000215/event ≈ $431k/day at 2,000,000,000 events/day. Model yours with adtrace savings.",
      "every span priced: 280 from cost attributes, 89 from the price book.",
      "Flagged: ≥25% of cost with >50% of it warehouse queries; or one query ≥60% of a warehouse stage; or",
      "  ≥10× the median warehouse stage's bytes/event.",
      "",
    ].join("\n"));
  });

  it("on a wide terminal draws the share column's bar: 7 cells of eighths (43.7% → 24 eighths, 35.5% → 20)", () => {
    const lines = formatters.table(flagsView(fixtureFlags(), { label: "x" }), { ...plain, width: 200 }).split("\n");
    expect(lines.find((l) => l.startsWith("aggregation"))).toContain(" 43.7% ███     ");
    expect(lines.find((l) => l.startsWith("tracking"))).toContain(" 35.5% ██▌     ");
  });

  it("gives CSV every flag field, the machine-only ones (top_query, reason) included", () => {
    const [header] = (formatters.csv(flagsView(fixtureFlags(), { label: "x" }), plain) as string).split(/\r?\n/);
    expect(header).toBe("stage,cost_share,cost_per_event_usd,warehouse_cost_share,warehouse,top_query,top_query_cost_share,reason,lever,est_savings_per_event_usd");
  });

  it("no flag: its own heading, no savings note, and the raw-figures label under --unweighted", () => {
    const result = { ...fixtureFlags(), flags: [], weights: { ...unsampled(40, 369), weighted: false } };
    const view = flagsView(result, { label: "in.jsonl" });
    expect(view.heading).toEqual(["No warehouse-heavy stage among 7 — in.jsonl (unweighted: raw figures)", "40 events, $0.00101 per event."]);
    expect(view.notes).toEqual([
      "every span priced: 280 from cost attributes, 89 from the price book.",
      "unweighted (--unweighted): raw figures, every stored trace and span counted once; sampling weights ignored.",
      "Flagged: ≥25% of cost with >50% of it warehouse queries; or one query ≥60% of a warehouse stage; or ≥10× the median warehouse stage's bytes/event.",
    ]);
  });

  it("cuts a top query longer than 120 characters to 119 and an ellipsis; one of 120 stays whole; none, no 'Top query'", () => {
    const q120 = "SELECT " + "x".repeat(113);
    const q121 = q120 + "y";
    const notesOf = (top_query: string | null) => flagsView({ ...fixtureFlags(), flags: [flag({ top_query, reason: "r" })] }, { label: "x" }).notes![0];
    expect(notesOf(q120)).toBe(`aggregation: r. Top query: ${q120}`);
    expect(notesOf(q121)).toBe(`aggregation: r. Top query: ${q120.slice(0, 119)}…`);
    expect(notesOf(null)).toBe("aggregation: r.");
  });

  it("notes each flagged stage off the critical path with what its lever would and would not do", () => {
    const off = { off_critical_path: true, on_critical_path_share: 0.25, reason: "r", top_query: null };
    const result = {
      ...fixtureFlags(),
      flags: [
        flag({ ...off, stage: "tracking", lever: "cache" }),
        flag({ ...off, stage: "aggregation", lever: "preaggregate", on_critical_path_share: null }),
        flag({ ...off, stage: "auction", lever: "tune" }),
        flag({ stage: "delivery", reason: "r", top_query: null }),
      ],
    };
    expect(flagsView(result, { label: "x" }).notes!.slice(4, 7)).toEqual([
      "tracking is off the critical path (on it in 25.0% of its events): caching it will not change p95 (adtrace cost critical-path).",
      "aggregation is off the critical path (on it in 0.0% of its events): pre-aggregating it saves cost but will not change p95 (adtrace cost critical-path).",
      "auction is off the critical path (on it in 25.0% of its events): tuning it saves cost but will not change p95 (adtrace cost critical-path).",
    ]);
  });

  it("says the on-path shares are estimated only when the walk saw fewer events than there are", () => {
    expect(onPathSampled({ events: 10, of_events: 11 })).toBe(true);
    expect(onPathSampled({ events: 11, of_events: 11 })).toBe(false);
    expect(onPathSampled(null)).toBe(false);
    expect(onPathSampleNote({ events: 11, of_events: 11 })).toBeUndefined();
    expect(onPathSampleNote({ events: 5000, of_events: 1_200_000 })).toBe("On-path shares are estimated from 5,000 of 1,200,000 events (a deterministic sample keyed on the trace id, walked locally: the critical-path walk does not run in ClickHouse).");
    const sampled = flagsView({ ...fixtureFlags(), on_path_sample: { events: 5000, of_events: 1_200_000 } }, { label: "x" });
    expect(sampled.notes).toContain(onPathSampleNote({ events: 5000, of_events: 1_200_000 }));
    expect((sampled.json as Record<string, unknown>).on_path_sample).toEqual({ events: 5000, of_events: 1_200_000 });
    const whole = flagsView({ ...fixtureFlags(), on_path_sample: { events: 40, of_events: 40 } }, { label: "x" });
    expect(Object.keys(whole.json as object)).toEqual(["flags", "thresholds", "events", "cost_per_event_usd", "events_per_day", "weights", "cost_sources", "bad_values"]);
    expect(whole.notes!.some((n) => n.startsWith("On-path"))).toBe(false);
  });

  // README.md, "savings fixtures/auction/otlp.jsonl --suggest": the two suggested levers and their
  // total with README's figures. Per year is per day × 365: $431k × 365 = $157M.
  const savingsRow = (over: Partial<SavingsRow>): SavingsRow => ({
    scenario: "suggested", lever: "total", lever_label: "total", stage: "", cost_per_event_before_usd: 0.00101, cost_per_event_after_usd: 0.000792,
    savings_per_event_usd: 0.000218, savings_pct_of_total: 0.214, savings_per_day_usd: 431_000, savings_per_year_usd: 431_000 * 365,
    ci95_low_per_day_usd: 402_000, ci95_high_per_day_usd: 459_000, e2e_p95_ms_before: 49.2, e2e_p95_ms_after: 49.2, lever_value: null, hit_cost_usd: null, ...over,
  });
  const ASSUMPTIONS = "suggested from cost flags with conservative assumptions: cache 25% hits, pre-aggregation −30% of query cost, tuning −10% of cost";
  const suggested = (): SavingsResult => ({
    rows: [
      savingsRow({ lever: "preaggregate", lever_label: "preaggregate −30%", stage: "aggregation", cost_per_event_before_usd: 0.00044, cost_per_event_after_usd: 0.000314, savings_pct_of_total: 0.125, savings_per_day_usd: 252_000, ci95_low_per_day_usd: 230_000, ci95_high_per_day_usd: 273_000, lever_value: 0.3 }),
      savingsRow({ lever: "cache", lever_label: "cache 25% hits", stage: "tracking", cost_per_event_before_usd: 0.000358, cost_per_event_after_usd: 0.000268, savings_pct_of_total: 0.089, savings_per_day_usd: 179_000, ci95_low_per_day_usd: 163_000, ci95_high_per_day_usd: 194_000, lever_value: 0.25, hit_cost_usd: 0 }),
      savingsRow({}),
    ],
    scenarios: [{ name: "suggested", levers: [{ kind: "preagg", stage: "aggregation", value: 0.3, hitCostUsd: 0 }, { kind: "cache", stage: "tracking", value: 0.25, hitCostUsd: 0 }], assumptions: [ASSUMPTIONS] }],
    events: 40, events_per_day: 2_000_000_000, cost_per_event_usd: 0.00101, latency_events: 40, latency_sampled: false,
    interval_method: "normal approximation over per-event savings (mean ± 1.96·sd/√n), scaled to events per day",
    weights: unsampled(40, 369), pricing: FIXTURE_PRICING,
  });

  it("writes README's savings --suggest table for the fixture, line for line", () => {
    // README puts the total row last without a rule: it is a row of the scenario, not a table total.
    expect(formatters.table(savingsView(suggested()), { ...plain, width: 100 })).toBe([
      "Savings at 2,000,000,000 events/day (40 events measured, $0.00101 per event now)",
      "suggested: $0.00101 → $0.000792 per event, 21.4% less: $431k/day, $157M/year (95%: $402k …",
      "  $459k/day).",
      "",
      "lever              stage        $/ev before      after  of total  saving/day     95% CI/day  e2e p95",
      "────────────────────────────────────────────────────────────────────────────────────────────────────",
      "preaggregate −30%  aggregation    $0.000440  $0.000314     12.5%       $252k  $230k … $273k  49.2 ms",
      "cache 25% hits     tracking       $0.000358  $0.000268      8.9%       $179k  $163k … $194k  49.2 ms",
      "total                              $0.00101  $0.000792     21.4%       $431k  $402k … $459k  49.2 ms",
      "",
      "suggested from cost flags with conservative assumptions: cache 25% hits, pre-aggregation −30% of",
      "  query cost, tuning −10% of cost",
      "every span priced: 280 from cost attributes, 89 from the price book.",
      "Interval: normal approximation over per-event savings (mean ± 1.96·sd/√n), scaled to events per day.",
      "  Latency: end-to-end p95 over 40 events, each re-timed with its cache hits: work that waited on a",
      "  hit span moves up, work beside it does not (savings --help).",
      "Model: cache C→(1−h)C+h·c_hit; preagg C→C−r·C_query+refresh/event; tune C→(1−r)C; levers on a stage",
      "  compose in order.",
      "",
    ].join("\n"));
  });

  it("with two scenarios shows the scenario column and a heading line each; CSV keeps every machine column", () => {
    const one = suggested();
    const result: SavingsResult = {
      ...one,
      rows: [...one.rows, savingsRow({ scenario: "other", e2e_p95_ms_after: 40 })],
      scenarios: [...one.scenarios, { name: "other", levers: [] }, { name: "no-rows", levers: [] }],
      latency_events: 20_000, latency_sampled: true,
    };
    const view = savingsView(result);
    expect(view.columns.filter((c) => !c.machineOnly).map((c) => c.title ?? c.key)).toEqual(["scenario", "lever", "stage", "$/ev before", "after", "of total", "saving/day", "95% CI/day", "saving/year", "e2e p95"]);
    expect(view.heading!.slice(1)).toEqual([
      "suggested: $0.00101 → $0.000792 per event, 21.4% less: $431k/day, $157M/year (95%: $402k … $459k/day).",
      "other: $0.00101 → $0.000792 per event, 21.4% less: $431k/day, $157M/year (95%: $402k … $459k/day).",
    ]);
    expect(view.rows.at(-1)!.p95).toBe("49.2 ms → 40.0 ms");
    expect(view.notes![2]).toBe("Interval: normal approximation over per-event savings (mean ± 1.96·sd/√n), scaled to events per day. Latency: end-to-end p95 over 20,000 events (a deterministic sample weighted by sampling weight, keyed on the trace id; --latency-sample N re-times more), each re-timed with its cache hits: work that waited on a hit span moves up, work beside it does not (savings --help).");
    const [header] = (formatters.csv(view, plain) as string).split(/\r?\n/);
    expect(header).toBe("scenario,lever,stage,cost_per_event_before_usd,cost_per_event_after_usd,savings_per_event_usd,savings_pct_of_total,savings_per_day_usd,savings_per_year_usd,ci95_low_per_day_usd,ci95_high_per_day_usd,e2e_p95_ms_before,e2e_p95_ms_after,lever_value,hit_cost_usd");
  });

  it("gives JSON every result field, and each scenario's levers in snake_case with origin and assumptions only when given", () => {
    const result = suggested();
    result.scenarios[0]!.levers[0]!.origin = "scenarios.yaml:3";
    const json = savingsView(result).json as Record<string, unknown>;
    expect(Object.keys(json)).toEqual(["rows", "events", "events_per_day", "cost_per_event_usd", "interval_method", "latency_events", "latency_sampled", "scenarios", "weights", "cost_sources", "bad_values"]);
    expect([json.events, json.events_per_day, json.cost_per_event_usd, json.latency_events, json.latency_sampled]).toEqual([40, 2_000_000_000, 0.00101, 40, false]);
    expect(json.interval_method).toBe(result.interval_method);
    expect(json.rows).toBe(result.rows);
    expect(json.scenarios).toEqual([{
      name: "suggested",
      levers: [
        { kind: "preagg", stage: "aggregation", value: 0.3, hit_cost_usd: 0, origin: "scenarios.yaml:3" },
        { kind: "cache", stage: "tracking", value: 0.25, hit_cost_usd: 0 },
      ],
      assumptions: [ASSUMPTIONS],
    }]);
    expect(scenarioJson({ name: "bare", levers: [] })).toEqual({ name: "bare", levers: [] });
    expect(Object.keys(scenarioJson({ name: "bare", levers: [] }))).toEqual(["name", "levers"]);
  });
});

describe("cost-views", () => {
  // README.md, "A session": cost breakdown of the fixture, README's figures
  // (fixtures/auction/README.md works them: 40 events, 369 spans, $0.00101 per event).
  const TOTALS: Totals = {
    events: 40, spans: 369, stored_spans: 369, stored_traces: 40, total_cost_usd: 0.0404, cost_per_event_usd: 0.00101,
    compute_per_event_usd: 0.00025, query_per_event_usd: 0.000757, e2e_p50_ms: 48.9, e2e_p95_ms: 49.2, e2e_p99_ms: 49.2,
    unpriced_spans: 0, invalid_cost_spans: 0, start: "2024-05-01T12:00:01Z", end: "2024-05-01T12:01:00Z",
  } as Totals;
  const group = (stage: string, spans: number, cpe: number, share: number, query: number, p95: number, selfP95: number, warehouse: string | null): BreakdownGroup => ({
    keys: { stage }, spans, events: 40, cost_per_event_usd: cpe, cost_per_group_event_usd: cpe, cost_share: share, compute_per_event_usd: cpe - query,
    query_per_event_usd: query, p50_ms: p95, p95_ms: p95, p99_ms: p95, self_p50_ms: selfP95, self_p95_ms: selfP95, warehouse, total_cost_usd: cpe * 40, unpriced_spans: 0,
  });
  const fixtureBreakdown = (): BreakdownResult => ({
    by: [{ kind: "stage" }],
    groups: [
      group("aggregation", 84, 0.00044, 0.437, 0.00042, 15.6, 9.1, "bigquery"),
      group("tracking", 85, 0.000358, 0.355, 0.000338, 6.78, 4.28, "snowflake"),
      group("inventory_lookup", 40, 0.00007, 0.069, 0, 8.8, 8.8, null),
      group("auction", 40, 0.00006, 0.06, 0, 12.8, 12.8, null),
      group("delivery", 40, 0.00004, 0.04, 0, 4.8, 4.8, null),
      group("profiling", 40, 0.00003, 0.03, 0, 3.6, 3.6, null),
      group("request", 40, 0.00001, 0.01, 0, 49.2, 0.8, null),
    ],
    omitted: null, totals: TOTALS, weights: unsampled(40, 369), pricing: FIXTURE_PRICING,
  });

  it("writes README's cost breakdown of the fixture, line for line", () => {
    expect(formatters.table(breakdownView(fixtureBreakdown(), { config: "built-in defaults", label: "fixtures/auction/otlp.jsonl" }), { ...plain, width: 100 })).toBe([
      "Cost per event by stage — fixtures/auction/otlp.jsonl",
      "40 events, 369 spans, 2024-05-01T12:00:01Z → 2024-05-01T12:01:00Z",
      "$0.00101 per event: $0.000757 warehouse queries + $0.000250 compute.",
      "",
      "stage             spans  events     $/event           share      query      p95  self p95  warehouse",
      "────────────────────────────────────────────────────────────────────────────────────────────────────",
      "aggregation          84      40   $0.000440   43.7% ███      $0.000420  15.6 ms   9.10 ms  bigquery",
      "tracking             85      40   $0.000358   35.5% ██▌      $0.000338  6.78 ms   4.28 ms  snowflake",
      "inventory_lookup     40      40  $0.0000700    6.9% ▌               $0  8.80 ms   8.80 ms",
      "auction              40      40  $0.0000600    6.0% ▍               $0  12.8 ms   12.8 ms",
      "delivery             40      40  $0.0000400    4.0% ▎               $0  4.80 ms   4.80 ms",
      "profiling            40      40  $0.0000300    3.0% ▎               $0  3.60 ms   3.60 ms",
      "request              40      40  $0.0000100    1.0% ▏               $0  49.2 ms   0.80 ms",
      "────────────────────────────────────────────────────────────────────────────────────────────────────",
      "total               369      40    $0.00101  100.0% ███████  $0.000757  49.2 ms         –",
      "",
      "every span priced: 280 from cost attributes, 89 from the price book.",
      "total p95 is end-to-end event latency (49.2 ms); config: built-in defaults.",
      "",
    ].join("\n"));
  });

  it("notes the groups --top left out (README's --top 3), and a total share of 0 when nothing cost anything", () => {
    const result = { ...fixtureBreakdown(), omitted: { groups: 4, cost_per_event_usd: 0.00014, cost_share: 0.129 } };
    expect(breakdownView(result, { config: "c", label: "l" }).notes![0]).toBe("4 more group(s) not shown: $0.000140/event, 12.9% of cost.");
    const free = breakdownView({ ...fixtureBreakdown(), totals: { ...TOTALS, total_cost_usd: 0 } }, { config: "c", label: "l" });
    expect(free.total!.cost_share).toBe(0);
    expect(breakdownView(fixtureBreakdown(), { config: "c", label: "l" }).total).toEqual({
      stage: "total", spans: 369, events: 40, cost_per_event_usd: 0.00101, cost_per_group_event_usd: 0.00101, cost_share: 1,
      compute_per_event_usd: 0.00025, query_per_event_usd: 0.000757, p95_ms: 49.2, warehouse: "",
    });
  });

  it("grouped by an attribute shows $/own event and lets the query column give way first; by stage, $/own event is CSV's alone", () => {
    const byStage = breakdownView(fixtureBreakdown(), { config: "c", label: "l" });
    const column = (view: typeof byStage, key: string) => view.columns.find((c) => c.key === key)!;
    expect([column(byStage, "cost_per_group_event_usd").machineOnly, column(byStage, "query_per_event_usd").optional]).toEqual([true, undefined]);
    const byLocale = breakdownView({ ...fixtureBreakdown(), by: [{ kind: "attr", key: "user_locale" }, { kind: "service" }] }, { config: "c", label: "l" });
    expect([column(byLocale, "cost_per_group_event_usd").machineOnly, column(byLocale, "query_per_event_usd").optional]).toEqual([false, 1]);
    expect(byLocale.columns.slice(0, 2)).toEqual([{ key: "user_locale", kind: "text", maxWidth: 28 }, { key: "service", kind: "text", maxWidth: 28 }]);
    expect(byLocale.heading![0]).toBe("Cost per event by user_locale, service — l");
    expect(Object.keys(byLocale.total!)[0]).toBe("user_locale");
    expect(byStage.columns.map((c) => [c.key, c.title ?? c.key, c.machineOnly ?? false])).toEqual([
      ["stage", "stage", false], ["spans", "spans", false], ["events", "events", false], ["cost_per_event_usd", "$/event", false],
      ["cost_per_group_event_usd", "$/own event", true], ["cost_share", "share", false], ["compute_per_event_usd", "compute", true],
      ["query_per_event_usd", "query", false], ["p50_ms", "p50", true], ["p95_ms", "p95", false], ["p99_ms", "p99", true],
      ["self_p50_ms", "self p50", true], ["self_p95_ms", "self p95", false], ["warehouse", "warehouse", false],
    ]);
  });

  it("gives JSON each group's keys and figures without its total cost and unpriced count, and the totals, weights and pricing", () => {
    const json = breakdownView(fixtureBreakdown(), { config: "c", label: "l" }).json as Record<string, unknown> & { groups: Record<string, unknown>[] };
    expect(Object.keys(json)).toEqual(["groups", "total", "events", "unpriced_spans", "omitted", "weights", "cost_sources", "bad_values"]);
    expect(Object.keys(json.groups[0]!)).toEqual(["stage", "spans", "events", "cost_per_event_usd", "cost_per_group_event_usd", "cost_share", "compute_per_event_usd", "query_per_event_usd", "p50_ms", "p95_ms", "p99_ms", "self_p50_ms", "self_p95_ms", "warehouse"]);
    expect([json.total, json.events, json.unpriced_spans, json.omitted]).toEqual([TOTALS, 40, 0, null]);
  });

  it("writes README's cost queries table for the fixture", () => {
    // README.md: 44 BigQuery calls of 64.0 MiB each, 45 Snowflake calls; $0.0168 and $0.0135 in all.
    const q = (stage: string, warehouse: string, calls: number, cpe: number, share: number, total: number, bytes: number, p95: number, query: string): QueryRow =>
      ({ stage, warehouse, calls, events: 40, cost_per_event_usd: cpe, cost_share: share, total_cost_usd: total, bytes_scanned_per_call: bytes, p50_ms: p95, p95_ms: p95, query });
    const queries = [
      q("aggregation", "bigquery", 44, 0.00042, 0.417, 0.0168, 64 * 2 ** 20, 6.5, "SELECT campaign_id, count(*), sum(spend_usd) FROM ad_events WHERE campaign_id = ? AND ts >= ? GROUP BY campaign_id"),
      q("tracking", "snowflake", 45, 0.000338, 0.335, 0.0135, 47.7 * 2 ** 20, 2.5, "SELECT impressions_left FROM campaign_caps WHERE campaign_id = ? AND day = ?"),
    ];
    const view = queriesView({ queries, totals: TOTALS, pricing: FIXTURE_PRICING });
    expect(formatters.table(view, { ...plain, width: 100 })).toBe([
      "Warehouse queries by fingerprint — 40 events, 369 spans, 2024-05-01T12:00:01Z → 2024-05-01T12:01:00Z",
      "",
      "stage        warehouse  calls  events    $/event  share    total  bytes/call      p95  query",
      "────────────────────────────────────────────────────────────────────────────────────────────────────",
      "aggregation  bigquery      44      40  $0.000420  41.7%  $0.0168    64.0 MiB  6.50 ms  SELECT campa…",
      "tracking     snowflake     45      40  $0.000338  33.5%  $0.0135    47.7 MiB  2.50 ms  SELECT impre…",
      "",
      "every span priced: 280 from cost attributes, 89 from the price book.",
      "",
    ].join("\n"));
    expect(view.json).toEqual({ queries, events: 40, cost_sources: FIXTURE_PRICING.cost_sources, bad_values: [] });
    // README.md, "adtrace cost queries": `calls, events, cost_per_event_usd, cost_share, total_cost_usd,
    // bytes_scanned_per_call, p50_ms, p95_ms, query` after the stage and warehouse.
    expect((formatters.csv(view, plain) as string).split(/\r?\n/)[0]).toBe("stage,warehouse,calls,events,cost_per_event_usd,cost_share,total_cost_usd,bytes_scanned_per_call,p50_ms,p95_ms,query");
    // Wide enough, the share gets its bar: 0.417 × 56 = 23.4 → 23 eighths, ██ and ▉.
    expect(formatters.table(view, { ...plain, width: 300 }).split("\n").find((l) => l.startsWith("aggregation"))).toContain(" 41.7% ██▉     ");
    const none = queriesView({ queries: [], totals: { ...TOTALS, start: null }, pricing: FIXTURE_PRICING });
    expect(none.heading).toEqual(["Warehouse queries by fingerprint — 40 events, 369 spans"]);
    expect(none.notes).toEqual(["no warehouse spans (db.system in the warehouse list) in this input.", "every span priced: 280 from cost attributes, 89 from the price book."]);
  });

  it("headline: counts and the time range when there is one", () => {
    expect(headline({ ...TOTALS, events: 1234567, spans: 9876543 })).toBe("1,234,567 events, 9,876,543 spans, 2024-05-01T12:00:01Z → 2024-05-01T12:01:00Z");
    expect(headline({ ...TOTALS, start: null })).toBe("40 events, 369 spans");
  });

  describe("pricing notes", () => {
    const notes = (cost_sources: Pricing["cost_sources"], bad_values: Pricing["bad_values"] = []) => pricingNotes({ cost_sources, bad_values });
    it("every span priced, saying how; billing records only when some were joined (README's load --billing example)", () => {
      expect(notes({ billed: 4, explicit: 2, price_book: 1, unpriced: 0 })).toEqual(["every span priced: 4 from billing records, 2 from cost attributes, 1 from the price book."]);
      expect(notes({ billed: 0, explicit: 1500, price_book: 2000, unpriced: 0 })).toEqual(["every span priced: 1,500 from cost attributes, 2,000 from the price book."]);
    });
    it("unpriced spans counted and the book that priced none named", () => {
      expect(notes({ billed: 0, explicit: 3, price_book: 0, unpriced: 1200 })).toEqual([
        "1,200 unpriced span(s): no cost attribute and nothing to price them by (counted as $0); priced: 3 from cost attributes, none from the price book (its prices change nothing here). See README \"Cost model\".",
      ]);
    });
    it("one note per attribute with bad values, with README's range for its kind", () => {
      // README.md, "Values out of range are data": the table of accepted ranges.
      const kinds: [Pricing["bad_values"][number]["kind"], string][] = [
        ["usd", "1 span(s): bad value in cost.query_usd (expected $0 to $1e9): ignored; priced from another cost attribute or from usage instead."],
        ["bytes", "1 span(s): bad value in db.bytes_billed (expected 0 to 2^60 bytes, 1 EiB): ignored; the next bytes attribute prices the query, else it is unpriced."],
        ["credits", "1 span(s): bad value in snowflake.credits_used (expected 0 to 1e6 credits): ignored; priced by warehouse size × query time instead."],
        ["rpu_seconds", "1 span(s): bad value in redshift.rpu_seconds (expected 0 to 1e9 RPU-seconds): ignored; priced by base RPUs × query time instead."],
        ["vcpus", "2 span(s): bad value in compute.vcpus (expected 0.001 to 1e6 vCPUs): ignored; priced with the price book's vcpus instead."],
        ["one_in_n", "1 span(s): bad value in sampleRate (expected a 1-in-N rate from 1 to 2^62): ignored; the span takes its trace's weight, else counts as of unknown weight."],
        ["probability", "1 span(s): bad value in _sample_rate (expected a probability from 2^-62 to 1): ignored; the span takes its trace's weight, else counts as of unknown weight."],
      ];
      const attribute = { usd: "cost.query_usd", bytes: "db.bytes_billed", credits: "snowflake.credits_used", rpu_seconds: "redshift.rpu_seconds", vcpus: "compute.vcpus", one_in_n: "sampleRate", probability: "_sample_rate" };
      const bad = kinds.map(([kind]) => ({ attribute: attribute[kind], kind, spans: kind === "vcpus" ? 2 : 1 }));
      expect(notes({ billed: 0, explicit: 7, price_book: 0, unpriced: 0 }, bad).slice(1)).toEqual(kinds.map(([, text]) => text));
      expect(pricingJson({ cost_sources: { billed: 0, explicit: 7, price_book: 0, unpriced: 0 }, bad_values: bad.map((b) => ({ ...b, extra: 1 })) })).toEqual({ cost_sources: { billed: 0, explicit: 7, price_book: 0, unpriced: 0 }, bad_values: bad });
    });
  });

  describe("weight notes", () => {
    it("none for unsampled data; the sampled note when events or spans are estimated", () => {
      expect(weightNotes(unsampled(40, 369))).toEqual([]);
      const spansOnly = { ...unsampled(40, 369), estimated_spans: 400 };
      expect(weightNotes(spansOnly)).toEqual(["sampled data: 40 stored traces stand for ~40 events; every figure is weighted by sampling (--unweighted for raw figures)."]);
      const eventsOnly = { ...unsampled(1000, 369), estimated_events: 4000 };
      expect(weightNotes(eventsOnly)).toEqual(["sampled data: 1,000 stored traces stand for ~4,000 events; every figure is weighted by sampling (--unweighted for raw figures)."]);
    });
    it("spans of unknown weight, with the assumed weight only when weighting; disagreeing traces", () => {
      const w = { ...unsampled(40, 369), unknown_weight_spans: 1500, assumed_weight: 10, disagreeing_traces: 2 };
      expect(weightNotes(w)).toEqual([
        "1,500 span(s) marked sampled without a usable rate, counted with weight 10 (--assume-weight W to set it).",
        "2 trace(s) whose spans carry different sampling rates (their own, or a sampling rule that matched some spans and not the root): each span keeps its own weight; the event counts with its root's.",
      ]);
      expect(weightNotes({ ...w, weighted: false, estimated_events: 400 })).toEqual([
        "unweighted (--unweighted): raw figures, every stored trace and span counted once; sampling weights ignored.",
        "1,500 span(s) marked sampled without a usable rate.",
        "2 trace(s) whose spans carry different sampling rates (their own, or a sampling rule that matched some spans and not the root): each span keeps its own weight; the event counts with its root's.",
      ]);
    });
    it("JSON's weights block has README's eight keys, in README's order; the raw label only under --unweighted", () => {
      // README.md: "a `weights` object in JSON (`weighted, stored_traces, estimated_events, stored_spans,
      // estimated_spans, unknown_weight_spans, assumed_weight, disagreeing_traces`)".
      const w = { ...unsampled(40, 369), estimated_events: 41, estimated_spans: 370, unknown_weight_spans: 3, assumed_weight: 2, disagreeing_traces: 4 };
      expect(weightsJson(w)).toEqual({ weighted: true, stored_traces: 40, estimated_events: 41, stored_spans: 369, estimated_spans: 370, unknown_weight_spans: 3, assumed_weight: 2, disagreeing_traces: 4 });
      expect(Object.keys(weightsJson(w))).toEqual(["weighted", "stored_traces", "estimated_events", "stored_spans", "estimated_spans", "unknown_weight_spans", "assumed_weight", "disagreeing_traces"]);
      expect(rawLabel(w)).toBe("");
      expect(rawLabel(undefined)).toBe("");
      expect(rawLabel({ ...w, weighted: false })).toBe(" (unweighted: raw figures)");
    });
  });
});

describe("path-views", () => {
  // README.md, "adtrace cost critical-path": the fixture's per-stage path, worked by hand in
  // fixtures/auction/README.md ("The critical path"): share_of_e2e = each stage's path time ÷
  // 1,989,100 µs, profiling never on the path; README's figures.
  const pathGroup = (stage: string, on: number, p50: number, p95: number, ofE2e: number, ofCost: number, quadrant: CriticalPathGroup["quadrant"]): CriticalPathGroup =>
    ({ keys: { stage }, events: 40, on_path_share: on, critical_p50_ms: p50, critical_p95_ms: p95, share_of_e2e: ofE2e, cost_share: ofCost, quadrant });
  const fixturePath = (): CriticalPathResult => ({
    by: [{ kind: "stage" }],
    groups: [
      pathGroup("aggregation", 1, 15.3, 15.6, 612_300 / 1_989_100, 0.437, "costly+critical"),
      pathGroup("auction", 1, 12.4, 12.8, 536_000 / 1_989_100, 0.06, "cheap+critical"),
      pathGroup("inventory_lookup", 1, 8.4, 8.8, 335_800 / 1_989_100, 0.069, "cheap+critical"),
      pathGroup("tracking", 1, 6.4, 6.8, 256_600 / 1_989_100, 0.355, "costly+critical"),
      pathGroup("delivery", 1, 4.4, 4.8, 176_400 / 1_989_100, 0.04, "cheap+critical"),
      pathGroup("request", 1, 1.8, 1.8, 72_000 / 1_989_100, 0.01, "cheap+critical"),
      pathGroup("profiling", 0, 0, 0, 0, 0.03, "cheap+off-path"),
    ],
    totals: { events: 40, e2e_p50_ms: 48.9, e2e_p95_ms: 49.2, rootless_events: 0, orphan_spans: 0, extra_root_spans: 0, cyclic_spans: 0 },
    thresholds: { costly_share: 0.1, critical_share: 0.5 },
    weights: unsampled(40, 369),
  });

  it("writes README's cost critical-path table for the fixture, line for line", () => {
    expect(formatters.table(criticalPathView(fixturePath(), { label: "fixtures/auction/otlp.jsonl" }), { ...plain, width: 100 })).toBe([
      "Critical path by stage — fixtures/auction/otlp.jsonl",
      "40 events; crit p50/p95: the group's time on the path per event; of e2e: its share of all path time.",
      "",
      "stage             events  on path  crit p50  crit p95  of e2e  of cost  quadrant",
      "───────────────────────────────────────────────────────────────────────────────────────",
      "aggregation           40   100.0%   15.3 ms   15.6 ms   30.8%    43.7%  costly+critical",
      "auction               40   100.0%   12.4 ms   12.8 ms   26.9%     6.0%  cheap+critical",
      "inventory_lookup      40   100.0%   8.40 ms   8.80 ms   16.9%     6.9%  cheap+critical",
      "tracking              40   100.0%   6.40 ms   6.80 ms   12.9%    35.5%  costly+critical",
      "delivery              40   100.0%   4.40 ms   4.80 ms    8.9%     4.0%  cheap+critical",
      "request               40   100.0%   1.80 ms   1.80 ms    3.6%     1.0%  cheap+critical",
      "profiling             40     0.0%      0 ms      0 ms    0.0%     3.0%  cheap+off-path",
      "───────────────────────────────────────────────────────────────────────────────────────",
      "total                 40        –   48.9 ms   49.2 ms  100.0%   100.0%",
      "",
      "quadrant: costly at ≥ 10.0% of cost (--costly-share), critical when on the path in ≥ 50.0% of the",
      "  group's events (--critical-share).",
      "total crit p50/p95 is the path's length, the root span's duration (49.2 ms at p95).",
      "",
    ].join("\n"));
  });

  it("on a wide terminal draws the three share bars; its heading names every --by key", () => {
    // aggregation: on path 1 → 56 eighths, 7 full cells; of e2e 0.3078 × 56 = 17.2 → 17, ██▏;
    // of cost 0.437 × 56 = 24.5 → 24, ███.
    const line = formatters.table(criticalPathView(fixturePath(), { label: "l" }), { ...plain, width: 200 }).split("\n").find((l) => l.startsWith("aggregation"))!;
    expect(line).toContain("100.0% ███████");
    expect(line).toContain(" 30.8% ██▏     ");
    expect(line).toContain(" 43.7% ███     ");
    const byTwo = criticalPathView({ ...fixturePath(), by: [{ kind: "service" }, { kind: "attr", key: "user_locale" }] }, { label: "l" });
    expect(byTwo.heading![0]).toBe("Critical path by service, user_locale — l");
  });

  it("a total share of 0 with no events or no cost; the excluded spans and a sample noted; JSON's path_sample only then", () => {
    const empty = criticalPathView({ ...fixturePath(), groups: fixturePath().groups.map((g) => ({ ...g, cost_share: 0 })), totals: { ...fixturePath().totals, events: 0 } }, { label: "l" });
    expect([empty.total!.share_of_e2e, empty.total!.cost_share]).toEqual([0, 0]);
    // One group with cost is enough for the total's 100% (profiling alone at $0 does not change it).
    const oneCostly = criticalPathView({ ...fixturePath(), groups: fixturePath().groups.map((g) => ({ ...g, cost_share: g.keys.stage === "request" ? 1 : 0 })) }, { label: "l" });
    expect(oneCostly.total!.cost_share).toBe(1);
    const result = {
      ...fixturePath(),
      totals: { ...fixturePath().totals, rootless_events: 1200, orphan_spans: 2, extra_root_spans: 3, cyclic_spans: 4 },
      weights: { ...unsampled(40, 369), weighted: false },
      path_sample: { events: 5000, of_events: 80_000 },
    };
    const view = criticalPathView(result, { label: "l" });
    expect(view.heading![0]).toBe("Critical path by stage — l (unweighted: raw figures)");
    expect(view.notes!.slice(2)).toEqual([
      "1,200 event(s) without a root span (every span has a parent): no critical path, left out.",
      "2 span(s) in orphan sub-trees (their parent is not in the trace): excluded from the path.",
      "3 span(s) under a second root of their trace: excluded from the path (it starts at the earliest root).",
      "4 span(s) on or below a parent cycle: excluded from the path, never walked.",
      "unweighted (--unweighted): raw figures, every stored trace and span counted once; sampling weights ignored.",
      "Every figure is estimated from 5,000 of 80,000 events (a deterministic sample keyed on the trace id, walked locally: the critical-path walk does not run in ClickHouse).",
    ]);
    const json = view.json as Record<string, unknown> & { groups: Record<string, unknown>[] };
    expect(json.path_sample).toEqual({ events: 5000, of_events: 80_000 });
    expect(json.total).toEqual(result.totals);
    expect(json.thresholds).toEqual({ costly_share: 0.1, critical_share: 0.5 });
    expect(json.weights).toEqual({ ...weightsJson(unsampled(40, 369)), weighted: false });
    expect(json.groups[0]).toEqual({ stage: "aggregation", events: 40, on_path_share: 1, critical_p50_ms: 15.3, critical_p95_ms: 15.6, share_of_e2e: 612_300 / 1_989_100, cost_share: 0.437, quadrant: "costly+critical" });
    const whole = criticalPathView({ ...fixturePath(), path_sample: { events: 40, of_events: 40 } }, { label: "l" });
    expect(Object.keys(whole.json as object)).toEqual(["groups", "total", "thresholds", "weights"]);
    expect(whole.notes).toHaveLength(2);
  });

  // README.md, "adtrace trace --pick slowest": event 13 (trace …ad00000d) of the fixture, timed by
  // fixtures/auction/README.md's formula (scripts/make-fixture.mjs lays it out): j(k) = (13k mod 9)
  // × 100 µs, so j2 = 800, j3 = 300, j4 = 700, j5 = 200, j6 = 600, j7 = 100. Root 0 … 89,200 µs
  // (46,800 + 2,400 + 40,000); profiling from 200 for 3,300; inventory from 1,200 for 8,200; auction
  // from 9,500 for 52,100; delivery from 61,700 for 4,800; tracking from 66,600 for 6,700 (its
  // insert from 66,800 for 2,500); aggregation from 73,400 for 15,600 (its query from 73,700 for
  // 6,500). Cost: README's column; crit: the path's time in each (the root's own 1,800).
  const span = (name: string, service: string, stage: string, depth: number | null, startUs: number, durUs: number, selfUs: number, cost: number, critUs: number): TraceSpanRow => ({
    span_id: name, parent_span_id: depth === 0 ? null : "p", depth, name, service, stage, start_offset_ms: startUs / 1000, duration_ms: durUs / 1000,
    self_ms: selfUs / 1000, cost_usd: cost, critical: critUs > 0, critical_ms: critUs / 1000,
  });
  const slowest = (): TraceResult => ({
    trace_id: "000000000000000000000000ad00000d", pick: "slowest",
    spans: [
      span("adserver.request.handle", "adserver", "request", 0, 0, 89_200, 800, 0.00001, 1800),
      span("profile.user.lookup", "profile-svc", "profiling", 1, 200, 3300, 3300, 0.00003, 0),
      span("inventory.ann.search", "inventory", "inventory_lookup", 1, 1200, 8200, 8200, 0.00007, 8200),
      span("auction.rtb.run", "auction", "auction", 1, 9500, 52_100, 52_100, 0.00006, 52_100),
      span("delivery.creative.render", "delivery", "delivery", 1, 61_700, 4800, 4800, 0.00004, 4800),
      span("tracker.events.write", "tracker", "tracking", 1, 66_600, 6700, 4200, 0.00002, 4200),
      span("tracker.warehouse.insert", "tracker", "tracking", 2, 66_800, 2500, 2500, 0.0003, 2500),
      span("aggregator.rollup.compute", "aggregator", "aggregation", 1, 73_400, 15_600, 9100, 0.00002, 9100),
      span("aggregator.warehouse.query", "aggregator", "aggregation", 2, 73_700, 6500, 6500, 0.000382, 6500),
    ],
    path_ms: 89.2, e2e_ms: 89.2, cost_usd: 0.000932, orphan_spans: 0, extra_root_spans: 0, cyclic_spans: 0,
  });

  it("writes README's waterfall of the fixture's slowest event at 100 columns, service and stage giving way to the bars", () => {
    expect(formatters.table(traceView(slowest(), { label: "fixtures/auction/otlp.jsonl", width: 100 }), plain)).toBe([
      "Trace 000000000000000000000000ad00000d (slowest) — fixtures/auction/otlp.jsonl",
      "9 spans, 89.2 ms end to end, critical path 89.2 ms, $0.000932.",
      "",
      "cp  span                            timeline                       dur     self        cost     crit",
      "────────────────────────────────────────────────────────────────────────────────────────────────────",
      "●   adserver.request.handle         █████████████████████████  89.2 ms  0.80 ms  $0.0000100  1.80 ms",
      "      profile.user.lookup           ░                          3.30 ms  3.30 ms  $0.0000300     0 ms",
      "●     inventory.ann.search          ██                         8.20 ms  8.20 ms  $0.0000700  8.20 ms",
      "●     auction.rtb.run                 ███████████████          52.1 ms  52.1 ms  $0.0000600  52.1 ms",
      "●     delivery.creative.render                       █         4.80 ms  4.80 ms  $0.0000400  4.80 ms",
      "●     tracker.events.write                            ██       6.70 ms  4.20 ms  $0.0000200  4.20 ms",
      "●       tracker.warehouse.insert                      █        2.50 ms  2.50 ms   $0.000300  2.50 ms",
      "●     aggregator.rollup.compute                         ████   15.6 ms  9.10 ms  $0.0000200  9.10 ms",
      "●       aggregator.warehouse.query                      ██     6.50 ms  6.50 ms   $0.000382  6.50 ms",
      "",
      "● on the critical path (█); crit: the path's time in the span itself, not in a child (above self",
      "  where an off-path child overlaps it). Bars span 89.2 ms.",
      "",
    ].join("\n"));
  });
  describe("the waterfall's width", () => {
    // At these spans the other columns' widths are (the widest of title and cells): cp 2, span 30
    // ("    aggregator.warehouse.query"), dur 7, self 7, cost 10, crit 7: 63, plus 2 per column; service
    // 11 ("profile-svc"), stage 16 ("inventory_lookup"). So the bars get W − 75 − 13 − 18 = W − 106
    // with both, W − 93 with stage only, W − 75 with neither; each gives way below 24.
    const fitted = (width: number | undefined) => {
      const view = traceView(slowest(), { label: "l", width });
      const shown = view.columns.filter((c) => !c.machineOnly).map((c) => c.key);
      return { shown, bar: String(view.rows[0]!.timeline).length, width: view.width };
    };
    const ALL = ["mark", "span", "timeline", "service", "stage", "duration_ms", "self_ms", "cost_usd", "critical_ms"];
    it("keeps service and stage while the bars get 24 or more", () => {
      expect(fitted(130)).toEqual({ shown: ALL, bar: 24, width: 130 });
    });
    it("service gives way first, then stage, each when the bars would get less than 24", () => {
      expect(fitted(129)).toEqual({ shown: ALL.filter((k) => k !== "service"), bar: 36, width: 129 });
      expect(fitted(117)).toEqual({ shown: ALL.filter((k) => k !== "service"), bar: 24, width: 117 });
      expect(fitted(116)).toEqual({ shown: ALL.filter((k) => k !== "service" && k !== "stage"), bar: 41, width: 116 });
    });
    it("bars no narrower than 10; a table no narrower than 60; Markdown (no width): every column, bars of 40", () => {
      expect(fitted(80)).toEqual({ shown: ALL.filter((k) => k !== "service" && k !== "stage"), bar: 10, width: 80 });
      expect(fitted(40)).toEqual({ shown: ALL.filter((k) => k !== "service" && k !== "stage"), bar: 10, width: 60 });
      expect(fitted(undefined)).toEqual({ shown: ALL, bar: 40, width: undefined });
      expect("width" in traceView(slowest(), { label: "l" })).toBe(false);
    });
    it("what gave way stays in CSV, with every machine column", () => {
      const [header] = (formatters.csv(traceView(slowest(), { label: "l", width: 100 }), plain) as string).split(/\r?\n/);
      // README.md: "CSV/JSON: one row per span, span_id, parent_span_id, depth, name, service, stage,
      // start_offset_ms, duration_ms, self_ms, cost_usd, critical, critical_ms".
      expect(header).toBe("span_id,parent_span_id,depth,name,service,stage,start_offset_ms,duration_ms,self_ms,cost_usd,critical,critical_ms");
    });
  });

  it("bars: a span at the very end keeps one cell; one running past the end is cut; an event of 0 ms still draws", () => {
    // Bars of 40 over 100 ms: a 0 ms span at 100 ms starts in the last cell (39), one from 90 ms for
    // 50 ms gets the 4 cells left (round(20) would be 20).
    const bars = (e2e: number, spans: TraceSpanRow[]) => traceView({ ...slowest(), e2e_ms: e2e, spans }, { label: "l" }).rows.map((r) => r.timeline);
    expect(bars(100, [span("a", "s", "x", 0, 0, 100_000, 0, 0, 1), span("b", "s", "x", 1, 100_000, 0, 0, 0, 0), span("c", "s", "x", 1, 90_000, 50_000, 0, 0, 1)])).toEqual([
      "█".repeat(40), " ".repeat(39) + "░", " ".repeat(36) + "████",
    ]);
    expect(bars(0, [span("a", "s", "x", 0, 0, 0, 0, 0, 0)])).toEqual(["░"]);
  });

  it("indents by depth (at most 12 levels), marks a span on a parent cycle, and names what is excluded", () => {
    const result: TraceResult = {
      ...slowest(), pick: null, path_ms: null, orphan_spans: 1, extra_root_spans: 2, cyclic_spans: 1,
      spans: [span("deep", "s", "x", 15, 0, 1000, 0, 0, 0), span("loop", "s", "x", null, 0, 1000, 0, 0, 0), span("top", "s", "x", 0, 0, 1000, 0, 0, 5)],
    };
    const view = traceView(result, { label: "in.jsonl" });
    expect(view.rows.map((r) => [r.mark, r.span])).toEqual([["", `${" ".repeat(24)}deep`], ["", "↻ loop"], ["●", "top"]]);
    expect(view.heading).toEqual(["Trace 000000000000000000000000ad00000d — in.jsonl", "3 spans, 89.2 ms end to end, no root span: no critical path, $0.000932."]);
    expect(view.notes!.slice(1)).toEqual([
      "1 span(s) in orphan sub-trees (their parent is not in the trace): excluded from the path.",
      "2 span(s) under a second root of their trace: excluded from the path (it starts at the earliest root).",
      "1 span(s) on or below a parent cycle: excluded from the path, never walked.",
    ]);
    const json = view.json as Record<string, unknown> & { spans: Record<string, unknown>[] };
    expect(json).toEqual({
      trace_id: "000000000000000000000000ad00000d", pick: null, path_ms: null, e2e_ms: 89.2, cost_usd: 0.000932, orphan_spans: 1, extra_root_spans: 2, cyclic_spans: 1,
      spans: result.spans.map((s) => ({ ...s })),
    });
    expect(Object.keys(json.spans[0]!)).toEqual(["span_id", "parent_span_id", "depth", "name", "service", "stage", "start_offset_ms", "duration_ms", "self_ms", "cost_usd", "critical", "critical_ms"]);
  });
});
