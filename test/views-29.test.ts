// The text people read in four views (issue 25, helper views29): headings, column titles, notes
// and Markdown that the JSON-reading tests never checked, so StrykerJS's mutants of them survived.
// Each view is given a result built by hand from a documented example (README.md's outputs of the
// fixture, whose figures are worked in fixtures/auction/README.md) or from small inputs, and its
// rendered lines are compared with the README's text or with text worked out here. Pure: no
// DuckDB, no child process.
import { Chalk } from "chalk";
import { describe, expect, it } from "vitest";
import type { DiffResult, DiffRow, Significance } from "../src/analysis/diff.js";
import type { Pricing, WeightSummary } from "../src/analysis/breakdown.js";
import { diffVerdict, diffView } from "../src/output/diff-view.js";
import { formatters } from "../src/output/format.js";

const plain = { colors: new Chalk({ level: 0 }) };

/** The fixture's pricing as README.md prints it: 280 spans from cost attributes, 89 from the price book. */
const FIXTURE_PRICING: Pricing = { cost_sources: { billed: 0, explicit: 280, price_book: 89, unpriced: 0 }, bad_values: [] };

/** Unsampled data: every stored trace and span counts once (no weight note). */
const unsampled = (traces: number, spans: number): WeightSummary => ({
  stored_traces: traces, estimated_events: traces, stored_spans: spans, estimated_spans: spans,
  min_weight: 1, max_weight: 1, unknown_weight_spans: 0, disagreeing_traces: 0, weighted: true, assumed_weight: 1,
});

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
