// Whole-file mutation tests of the TypeScript parts of two analyses (issue 25, task ana31;
// TESTING.md "Mutation testing"): src/analysis/diff.ts (rows, statuses, the gates, Welch's
// interval, the bootstrap's intervals, the p95 test, the sides read from reports and from rows)
// and src/analysis/savings.ts (levers, scenario files, the affine maps, savingsFrom over a source
// built here, the rows' figures, the hits a cache lever takes). Sides and sources are built by hand
// here, so every figure is worked from the documented rule (the modules' opening comments,
// diff --help) in a comment beside it. In-process, no DuckDB, milliseconds each.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  diffSides, durationsFromRows, isDuckDbFile, momentsFromRows, onlyIncreases, perEventFromRows, readSide, reportPath, rowName,
  sideBreakdownOf, spansSide, TOTAL, type DiffOptions, type DiffRow, type Gates, type Moments, type Side,
} from "../src/analysis/diff.js";
import { parseGroupKeys, type BreakdownResult, type Pricing, type WeightSummary } from "../src/analysis/breakdown.js";
import { InputError, UsageError } from "../src/errors.js";

const BY = parseGroupKeys("stage");
const WEIGHTS: WeightSummary = {
  stored_traces: 2, estimated_events: 2, stored_spans: 4, estimated_spans: 4, min_weight: 1, max_weight: 1,
  unknown_weight_spans: 0, disagreeing_traces: 0, weighted: true, assumed_weight: 1,
};
const PRICING: Pricing = { cost_sources: { billed: 0, explicit: 4, price_book: 0, unpriced: 0 }, bad_values: [] };

/** A stage's figures on a side: cost per event, share, span p95. */
type G = [stage: string, cost: number, share: number, p95: number | null];
/** The group id of a stage (breakdown.ts groupId: the JSON of the key values). */
const id = (stage: string) => JSON.stringify([stage]);

function sideOf(label: string, groups: G[], total: { cost: number; p95: number | null }, tests: Pick<Side, "moments" | "perEvent" | "durations"> = {}, kind: Side["kind"] = "spans"): Side {
  return {
    label, kind, events: 2, weights: WEIGHTS, pricing: PRICING, total, ...tests,
    groups: new Map(groups.map(([stage, cost, share, p95]) => [id(stage), { keys: { stage }, cost, share, p95 }])),
  };
}
const run = (b: Side, a: Side, gates: Gates = {}, more: Partial<DiffOptions> = {}) => diffSides(b, a, { by: BY, gates, ...more });
const rowOf = (rows: DiffRow[], name: string) => rows.find((r) => rowName(r) === name)!;

describe("diff.ts: rows", () => {
  // Before: auction $2 (50%, p95 10 ms), tracking $1 (25%, 5 ms), rollup $1.5 (25%, no p95); total $4, e2e p95 40.
  // After:  auction $3 (60%, 12 ms), tracking $1 (20%, 5 ms), bidder $1 (20%, 3 ms), no rollup; total $5, p95 44.
  const before = sideOf("b.json", [["auction", 2, 0.5, 10], ["tracking", 1, 0.25, 5], ["rollup", 1.5, 0.25, null]], { cost: 4, p95: 40 }, {}, "report");
  const after = sideOf("a.json", [["auction", 3, 0.6, 12], ["tracking", 1, 0.2, 5], ["bidder", 1, 0.2, 3]], { cost: 5, p95: 44 }, {}, "report");

  it("a row per group, changed / unchanged / new / vanished, sorted by |change| then name, the total last", () => {
    const r = run(before, after);
    // |change|: rollup 1.5 (down), auction 1 and bidder 1 (a tie: by name), tracking 0.
    expect(r.rows.map((x) => [rowName(x), x.status])).toEqual([
      ["rollup", "vanished"], ["auction", "changed"], ["bidder", "new"], ["tracking", "unchanged"], ["total", "total"],
    ]);
    const empty = { significant: "unknown", ci95_low_usd: null, ci95_high_usd: null, p95_significant: "unknown" };
    expect(r.rows).toEqual([
      // Vanished: after counts as 0, so the change is −1.5, −100%.
      { keys: { stage: "rollup" }, status: "vanished", cost_per_event_before_usd: 1.5, cost_per_event_after_usd: null, change_usd: -1.5, change_pct: -1, share_before: 0.25, share_after: null, p95_ms_before: null, p95_ms_after: null, ...empty },
      // (3 − 2) / 2 = 50%.
      { keys: { stage: "auction" }, status: "changed", cost_per_event_before_usd: 2, cost_per_event_after_usd: 3, change_usd: 1, change_pct: 0.5, share_before: 0.5, share_after: 0.6, p95_ms_before: 10, p95_ms_after: 12, ...empty },
      // New: no "before", so no percentage.
      { keys: { stage: "bidder" }, status: "new", cost_per_event_before_usd: null, cost_per_event_after_usd: 1, change_usd: 1, change_pct: null, share_before: null, share_after: 0.2, p95_ms_before: null, p95_ms_after: 3, ...empty },
      { keys: { stage: "tracking" }, status: "unchanged", cost_per_event_before_usd: 1, cost_per_event_after_usd: 1, change_usd: 0, change_pct: 0, share_before: 0.25, share_after: 0.2, p95_ms_before: 5, p95_ms_after: 5, ...empty },
      // (5 − 4) / 4 = 25%; the total's share is 1 on both sides, its p95 the end-to-end one.
      { keys: { stage: "total" }, status: "total", cost_per_event_before_usd: 4, cost_per_event_after_usd: 5, change_usd: 1, change_pct: 0.25, share_before: 1, share_after: 1, p95_ms_before: 40, p95_ms_after: 44, ...empty },
    ]);
  });

  it("with a report on a side: no test, both methods say why; the sides' summaries are passed on", () => {
    const r = run(before, after, { maxCostIncrease: 0.5 });
    expect(r.method).toBe("unknown: a report on either side has no per-event values");
    expect(r.p95_method).toBe("unknown: a report on either side has no per-event values");
    expect(r.by).toEqual(BY);
    expect(r.gates).toEqual({ maxCostIncrease: 0.5 });
    expect(r.baseline).toEqual({ label: "b.json", kind: "report", events: 2, weights: WEIGHTS, pricing: PRICING });
    expect(r.current).toEqual({ label: "a.json", kind: "report", events: 2, weights: WEIGHTS, pricing: PRICING });
  });

  it("the total row is keyed by the first grouping key; a side with no moments makes the diff untestable", () => {
    const byName = parseGroupKeys("name,service");
    const b = { ...sideOf("b", [], { cost: 1, p95: null }), moments: new Map<string, Moments>() };
    const a = sideOf("a", [], { cost: 1, p95: null });
    const r = diffSides(b, a, { by: byName, gates: {} });
    expect(r.rows.map((x) => x.keys)).toEqual([{ name: "total" }]);
    expect(r.method).toMatch(/^unknown/);
    expect(diffSides(a, b, { by: byName, gates: {} }).method).toMatch(/^unknown/);
  });

  it("a difference in the last digits (≤ 1e-9 relative) is no change; 2e-9 is one", () => {
    // 1 + 5e-10: |Δ| = 5e-10 ≤ 1e-9 · 1.0000000005 → after is taken as before, exactly.
    const same = run(sideOf("b", [["auction", 1, 1, 1]], { cost: 1, p95: 1 }), sideOf("a", [["auction", 1 + 5e-10, 1, 1]], { cost: 1 + 5e-10, p95: 1 }));
    for (const row of same.rows) expect([row.cost_per_event_after_usd, row.change_usd, row.change_pct]).toEqual([1, 0, 0]);
    expect(same.rows[0]!.status).toBe("unchanged");
    // 1 + 2e-9: |Δ| = 2e-9 > 1e-9 · 1.000000002.
    const moved = run(sideOf("b", [["auction", 1, 1, 1]], { cost: 1, p95: 1 }), sideOf("a", [["auction", 1 + 2e-9, 1, 1]], { cost: 1, p95: 1 }));
    expect(moved.rows[0]!.status).toBe("changed");
    expect(moved.rows[0]!.change_usd).toBeCloseTo(2e-9, 15);
    expect(moved.rows[0]!.change_usd).toBeGreaterThan(0);
  });

  it("a group that cost nothing before has no percentage change (not ∞)", () => {
    const r = run(sideOf("b", [["auction", 0, 0, 1], ["tracking", 1, 1, 1]], { cost: 1, p95: 1 }), sideOf("a", [["auction", 0.5, 1 / 3, 1], ["tracking", 1, 2 / 3, 1]], { cost: 1.5, p95: 1 }));
    expect(rowOf(r.rows, "auction")).toMatchObject({ status: "changed", change_usd: 0.5, change_pct: null });
    // A group at $0 on both sides is unchanged, with no percentage either.
    const zero = run(sideOf("b", [["auction", 0, 0, 1]], { cost: 1, p95: 1 }), sideOf("a", [["auction", 0, 0, 1]], { cost: 1, p95: 1 }));
    expect(rowOf(zero.rows, "auction")).toMatchObject({ status: "unchanged", change_usd: 0, change_pct: null });
  });

  it("rowName joins the key values with ' / '", () => {
    expect(rowName({ keys: { service: "ads", name: "bid" } } as unknown as DiffRow)).toBe("ads / bid");
  });
});

describe("diff.ts: gates", () => {
  const base = sideOf("b", [["auction", 4, 1, 10]], { cost: 4, p95: 10 }, {}, "report");

  it("--max-cost-increase reads the total, --max-stage-increase the groups; a change exactly at the limit passes", () => {
    // auction 4 → 5: +25% on the group and on the total.
    const up = sideOf("a", [["auction", 5, 1, 10]], { cost: 5, p95: 10 }, {}, "report");
    expect(run(base, up, { maxCostIncrease: 0.25, maxStageIncrease: 0.25 }).breaches).toEqual([]);
    // 4 → 5.0625: +26.5625%, shown to one decimal: 26.6%.
    const past = sideOf("a", [["auction", 5.0625, 1, 10]], { cost: 5.0625, p95: 10 }, {}, "report");
    expect(run(base, past, { maxCostIncrease: 0.25 }).breaches).toEqual([
      { gate: "--max-cost-increase", row: "total", detail: "cost per event 26.6% up (limit 25.0%), significant: unknown" },
    ]);
    expect(run(base, past, { maxStageIncrease: 0.25 }).breaches).toEqual([
      { gate: "--max-stage-increase", row: "auction", detail: "cost per event 26.6% up (limit 25.0%), significant: unknown" },
    ]);
    // A decrease never breaches, even a limit of 0.
    expect(run(past, base, { maxCostIncrease: 0, maxStageIncrease: 0 }).breaches).toEqual([]);
  });

  it("a new group breaches the stage gate from 1% of the cost (exactly 1% included), and only when that gate is set", () => {
    const withNew = (share: number) => sideOf("a", [["auction", 4, 1 - share, 10], ["bidder", 0.04, share, 1]], { cost: 4.04, p95: 10 }, {}, "report");
    expect(run(base, withNew(0.01), { maxStageIncrease: 0.5 }).breaches).toEqual([{ gate: "--max-stage-increase", row: "bidder", detail: "new, 1.0% of cost" }]);
    expect(run(base, withNew(0.0099), { maxStageIncrease: 0.5 }).breaches).toEqual([]);
    // The total's gate alone leaves new groups alone (the total rose 1%, under 50%).
    expect(run(base, withNew(0.5), { maxCostIncrease: 0.5 }).breaches).toEqual([]);
    expect(run(base, withNew(0.5), {}).breaches).toEqual([]);
  });

  it("--max-p95-increase: 10 → 12 ms is +20%: passes a 20% limit, breaches 19%; needs both p95s and a non-zero one before", () => {
    const slower = sideOf("a", [["auction", 4, 1, 12], ["gone", 1, 0, 5]], { cost: 4, p95: 12 }, {}, "report");
    const b = sideOf("b", [["auction", 4, 1, 10], ["gone", 1, 0, 0]], { cost: 4, p95: 10 }, {}, "report");
    expect(run(b, slower, { maxP95Increase: 0.2 }).breaches).toEqual([]);
    expect(run(b, slower, { maxP95Increase: 0.19 }).breaches).toEqual([
      { gate: "--max-p95-increase", row: "auction", detail: "p95 10.00 → 12.00 ms, 20.0% up (limit 19.0%), significant: unknown" },
      { gate: "--max-p95-increase", row: "total", detail: "p95 10.00 → 12.00 ms, 20.0% up (limit 19.0%), significant: unknown" },
    ]);
    // "gone" had p95 0 before (no ratio: skipped, though 0 → 5 ms is "up"); a limit of −150%
    // would be passed by any real pair, but a row with no p95 after (null) is not compared at all
    // (read as 0 it would be 10 → 0, −100%, "over" −150%).
    const noP95 = sideOf("a", [["auction", 4, 1, null], ["gone", 1, 0, 5]], { cost: 4, p95: 10 }, {}, "report");
    expect(run(b, noP95, { maxP95Increase: -1.5 }).breaches.map((x) => x.row)).toEqual(["total"]);
  });
});

describe("diff.ts: Welch's interval (no per-event values: moments only)", () => {
  // Moments per group: Σw, Σw², Σw·x, Σw·(x − mean)². With 4 events of weight 1: n = 4, and the
  // variance of the mean is (ss / 4) · (4/3) / 4 = ss / 12 (statistics.ts momentsMeanVariance).
  const m = (swx: number, ss: number): Moments => ({ sw: 4, sw2: 4, swx, ss });
  // Before: A mean 1 (ss 3: var 0.25), D mean 1 (var 0.25), total mean 3 (ss 6: var 0.5).
  // After:  A mean 4 (ss 9: var 0.75), C mean 1 (var 0.25, new), total mean 7 (ss 18: var 1.5).
  const before = sideOf("b", [["A", 1, 0.5, null], ["D", 1, 0.5, null]], { cost: 3, p95: null }, { moments: new Map([[id("A"), m(4, 3)], [id("D"), m(4, 3)], [TOTAL, m(12, 6)]]) });
  const after = sideOf("a", [["A", 4, 0.8, null], ["C", 1, 0.2, null]], { cost: 7, p95: null }, { moments: new Map([[id("A"), m(16, 9)], [id("C"), m(4, 3)], [TOTAL, m(28, 18)]]) });

  it("gives mean difference ± 1.96 · √(var_a + var_b), worked by hand per group", () => {
    const r = run(before, after);
    expect(r.method).toBe("Welch normal approximation, 95% interval of the change in mean cost per event");
    expect(r.p95_method).toBe("unknown: more than 5000 events on a side");
    const ci = (name: string) => { const x = rowOf(r.rows, name); return [x.ci95_low_usd!, x.ci95_high_usd!, x.significant] as const; };
    // A: 4 − 1 = 3, se = √(0.75 + 0.25) = 1: [1.04, 4.96], significant.
    const [aLow, aHigh, aSig] = ci("A");
    expect([aLow, aHigh, aSig]).toEqual([expect.closeTo(1.04, 12), expect.closeTo(4.96, 12), "yes"]);
    // C is new: before, each of its 4 events costs 0 in C (Σw from the total, Σw·x = ss = 0):
    // 1 − 0 = 1, se = √(0.25 + 0) = 0.5: [0.02, 1.98].
    expect(ci("C")).toEqual([expect.closeTo(0.02, 12), expect.closeTo(1.98, 12), "yes"]);
    // D vanished: 0 − 1 = −1, se = 0.5: [−1.98, −0.02], significant (a decrease).
    expect(ci("D")).toEqual([expect.closeTo(-1.98, 12), expect.closeTo(-0.02, 12), "yes"]);
    // Total: 7 − 3 = 4, se = √(1.5 + 0.5) = √2: 4 ± 2.7718585822…
    expect(ci("total")).toEqual([expect.closeTo(4 - 1.96 * Math.SQRT2, 12), expect.closeTo(4 + 1.96 * Math.SQRT2, 12), "yes"]);
  });

  it("an interval that spans 0 is not significant: after A mean 2 against 1, se 1 → [−0.96, 2.96]", () => {
    const a = sideOf("a", [["A", 2, 1, null]], { cost: 2, p95: null }, { moments: new Map([[id("A"), m(8, 9)], [TOTAL, m(8, 9)]]) });
    const row = rowOf(run(before, a).rows, "A");
    expect([row.ci95_low_usd, row.ci95_high_usd, row.significant]).toEqual([expect.closeTo(-0.96, 12), expect.closeTo(2.96, 12), "no"]);
  });

  it("a side whose moments hold neither the group nor the total counts it as 0 with no variance (no 0/0)", () => {
    const bare = sideOf("b", [], { cost: 0, p95: null }, { moments: new Map() });
    const row = rowOf(run(bare, after).rows, "C");
    // 1 − 0 = 1, se = √(0.25 + 0) = 0.5.
    expect([row.ci95_low_usd, row.ci95_high_usd, row.significant]).toEqual([expect.closeTo(0.02, 12), expect.closeTo(1.98, 12), "yes"]);
    const back = rowOf(run(after, bare).rows, "C");
    expect([back.ci95_low_usd, back.ci95_high_usd]).toEqual([expect.closeTo(-1.98, 12), expect.closeTo(-0.02, 12)]);
  });

  it("per-event values on only one side: Welch, not the bootstrap", () => {
    const withEvents = { ...before, perEvent: [{ w: 1, costs: new Map([[TOTAL, 3]]) }] };
    expect(run(withEvents, after).method).toMatch(/^Welch/);
    expect(run(after, withEvents).method).toMatch(/^Welch/);
  });
});

describe("diff.ts: the bootstrap (per-event values on both sides)", () => {
  /** Events of weight w with the given costs per stage (and their sum as the total). */
  const ev = (w: number, costs: Record<string, number>) => ({ w, costs: new Map([...Object.entries(costs).map(([k, v]) => [id(k), v] as [string, number]), [TOTAL, Object.values(costs).reduce((s, v) => s + v, 0)]]) });
  const boot = (label: string, groups: G[], perEvent: NonNullable<Side["perEvent"]>, durations?: Side["durations"]) =>
    sideOf(label, groups, { cost: 0, p95: null }, { moments: new Map(), perEvent, durations });

  it("constant costs: every resample's mean is the constant, so the interval is the exact difference", () => {
    // A: 2 → 3 in every event (+1); B: absent before (0), 0.5 after; C: 1 on both (an interval [0, 0]: not significant).
    const b = boot("b", [["A", 2, 0.67, null], ["C", 1, 0.33, null]], [ev(1, { A: 2, C: 1 }), ev(3, { A: 2, C: 1 })]);
    const a = boot("a", [["A", 3, 0.67, null], ["B", 0.5, 0.11, null], ["C", 1, 0.22, null]], [ev(1, { A: 3, B: 0.5, C: 1 }), ev(2, { A: 3, B: 0.5, C: 1 })]);
    const r = run(b, a);
    expect(r.method).toBe("bootstrap 95% interval of the change in mean cost per event (2000 resamples, fixed seed)");
    expect(r.p95_method).toBe("bootstrap 95% interval of the change in p95, resampling events (2000 resamples, fixed seed)");
    const ci = (name: string) => { const x = rowOf(r.rows, name); return [x.ci95_low_usd, x.ci95_high_usd, x.significant, x.p95_significant]; };
    expect(ci("A")).toEqual([1, 1, "yes", "unknown"]);
    expect(ci("B")).toEqual([0.5, 0.5, "yes", "unknown"]);
    expect(ci("C")).toEqual([0, 0, "no", "unknown"]);
    // Total: 3 → 4.5.
    expect(ci("total")).toEqual([1.5, 1.5, "yes", "unknown"]);
    // The other way round: decreases, significant.
    expect(rowOf(run(a, b).rows, "A")).toMatchObject({ ci95_low_usd: -1, ci95_high_usd: -1, significant: "yes" });
  });

  it("weights each event: an event of weight 0 never moves a resample's mean", () => {
    // Before: A is 0 in an event of weight 1 and 10 in one of weight 0: every resample's weighted
    // mean is 0 (or 0 when only the weightless event is drawn: Σw = 0). After: 1 in both. [1, 1].
    const b = boot("b", [["A", 0, 1, null]], [ev(1, { A: 0 }), ev(0, { A: 10 })]);
    const a = boot("a", [["A", 1, 1, null]], [ev(1, { A: 1 }), ev(1, { A: 1 })]);
    expect(rowOf(run(b, a).rows, "A")).toMatchObject({ ci95_low_usd: 1, ci95_high_usd: 1, significant: "yes" });
  });

  it("the interval is read from the sorted replicates: 2.5% and 97.5% of {0, −0.5, −1}", () => {
    // Before: A is 0 and 1 (weights 1): a resample of 2 has mean 0, 0.5 or 1 (¼, ½, ¼). After: 0.
    // Of 2,000 replicates ~500 are −1 and ~500 are 0, so the 2.5% point is −1 and the 97.5% one 0.
    const b = boot("b", [["A", 0.5, 1, null]], [ev(1, { A: 0 }), ev(1, { A: 1 })]);
    const a = boot("a", [["A", 0, 1, null]], [ev(1, { A: 0 }), ev(1, { A: 0 })]);
    expect(rowOf(run(b, a).rows, "A")).toMatchObject({ ci95_low_usd: -1, ci95_high_usd: 0, significant: "no" });
  });

  /** Durations of one group: spans (event index, ms, weight), sorted by ms as durationsFromRows leaves them. */
  const dur = (spans: [number, number, number][]) => ({
    event: Int32Array.from(spans, (s) => s[0]), valueMs: Float64Array.from(spans, (s) => s[1]), weight: Float64Array.from(spans, (s) => s[2]),
  });

  it("p95: one event a side, so every resample is that event: the interpolated and the weighted p95 differ", () => {
    // Before, weighted quantiles: A's one span of 2.9 ms → 2.9. After, interpolated: A's spans
    // 1 and 3 ms → 1 + 0.95 · (3 − 1) = 2.9 (the weighted rule would give 3, the smallest value
    // with cumulative weight ≥ 0.95 · 2). A change of 0 → not significant.
    // The total (end-to-end): 10 → 12 ms in every resample → significant. B only after → unknown.
    const b = boot("b", [["A", 1, 1, 2.9]], [ev(1, { A: 1 })], { events: 1, interpolate: false, groups: new Map([[id("A"), dur([[0, 2.9, 1]])], [TOTAL, dur([[0, 10, 1]])]]) });
    const a = boot("a", [["A", 1, 0.5, 2.9], ["B", 1, 0.5, 1]], [ev(1, { A: 1, B: 1 })], {
      events: 1, interpolate: true, groups: new Map([[id("A"), dur([[0, 1, 1], [0, 3, 1]])], [id("B"), dur([[0, 1, 1]])], [TOTAL, dur([[0, 12, 1]])]]),
    });
    const r = run(b, a);
    expect(r.rows.map((x) => [rowName(x), x.p95_significant])).toEqual([["B", "unknown"], ["A", "no"], ["total", "yes"]]);
    // The other way: 12 → 10 ms, significant too.
    expect(rowOf(run(a, b).rows, "total").p95_significant).toBe("yes");
  });

  it("p95: a group drawn in fewer than half the resamples is unknown; per-event values without durations are unknown", () => {
    // 100 events a side; group X only in event 0 of each. A resample draws event 0 with
    // probability 1 − 0.99^100 = 0.634 a side, both with 0.402: ~800 of 2,000 finite differences,
    // under 1,000 → "unknown". The total (every event, 5 ms) is drawn in all: 0 change → "no".
    const events = Array.from({ length: 100 }, () => ev(1, { X: 0 }));
    const durations = (): Side["durations"] => ({
      events: 100, interpolate: true,
      groups: new Map([[id("X"), dur([[0, 7, 1]])], [TOTAL, dur(Array.from({ length: 100 }, (_, i) => [i, 5, 1] as [number, number, number]))]]),
    });
    const r = run(boot("b", [["X", 0, 1, 7]], events, durations()), boot("a", [["X", 0, 1, 7]], events, durations()));
    expect(r.rows.map((x) => [rowName(x), x.p95_significant])).toEqual([["X", "unknown"], ["total", "no"]]);
    const noDurations = run(boot("b", [["X", 0, 1, 7]], events, durations()), boot("a", [["X", 0, 1, 7]], events));
    expect(noDurations.rows.map((x) => x.p95_significant)).toEqual(["unknown", "unknown"]);
    expect(run(boot("a", [["X", 0, 1, 7]], events), boot("b", [["X", 0, 1, 7]], events, durations())).rows.map((x) => x.p95_significant)).toEqual(["unknown", "unknown"]);
  });
});

describe("diff.ts: --only-increases", () => {
  const before = sideOf("b", [["auction", 2, 0.5, 10], ["tracking", 1, 0.25, 5], ["rollup", 1.5, 0.25, null]], { cost: 4, p95: 40 }, {}, "report");
  const after = sideOf("a", [["auction", 3, 0.6, 12], ["tracking", 1, 0.2, 5], ["bidder", 1, 0.2, 3]], { cost: 5, p95: 44 }, {}, "report");

  it("keeps the groups that rose (new ones included) and the total; drops the unchanged and the fallen", () => {
    expect(onlyIncreases(run(before, after)).rows.map(rowName)).toEqual(["auction", "bidder", "total"]);
  });

  it("nothing rose and nothing breached: no rows at all, not even the total", () => {
    // auction 3 → 2, tracking unchanged, rollup vanished: the total 5.5 → 3.
    const fell = sideOf("a", [["auction", 2, 2 / 3, 10], ["tracking", 1, 1 / 3, 5]], { cost: 3, p95: 40 }, {}, "report");
    const was = sideOf("b", [["auction", 3, 0.5, 10], ["tracking", 1, 0.2, 5], ["rollup", 1.5, 0.3, null]], { cost: 5.5, p95: 40 }, {}, "report");
    expect(onlyIncreases(run(was, fell)).rows).toEqual([]);
    expect(onlyIncreases(run(before, before)).rows).toEqual([]);
  });

  it("a group that fell but breached a gate stays; the total stays whenever it rose, even alone", () => {
    // auction's cost halves, its p95 doubles: the p95 gate keeps it; the total's p95 is unchanged.
    const b = sideOf("b", [["auction", 2, 1, 10]], { cost: 2, p95: 10 }, {}, "report");
    const a = sideOf("a", [["auction", 1, 1, 20]], { cost: 1, p95: 10 }, {}, "report");
    expect(onlyIncreases(run(b, a, { maxP95Increase: 0.5 })).rows.map(rowName)).toEqual(["auction", "total"]);
    // No groups on either side, the total up: the total alone.
    const only = onlyIncreases(run(sideOf("b", [], { cost: 1, p95: null }, {}, "report"), sideOf("a", [], { cost: 2, p95: null }, {}, "report")));
    expect(only.rows.map(rowName)).toEqual(["total"]);
    // The total that did not rise but breached (its p95) is kept too, with no group.
    const slow = onlyIncreases(run(sideOf("b", [], { cost: 1, p95: 10 }, {}, "report"), sideOf("a", [], { cost: 1, p95: 20 }, {}, "report"), { maxP95Increase: 0.5 }));
    expect(slow.rows.map(rowName)).toEqual(["total"]);
  });
});

describe("diff.ts: sides from rows", () => {
  const BY2 = parseGroupKeys("service,name");

  it("momentsFromRows keys each row by its group (or TOTAL) and reads the sums as numbers", () => {
    const m = momentsFromRows([
      { g1: "ads", g2: "bid", is_total: false, sw: "4", sw2: 6n, swx: 8, ss: 1.5 },
      { g1: null, g2: null, is_total: true, sw: 10, sw2: 12, swx: 20, ss: 3 },
    ], BY2);
    expect([...m]).toEqual([[JSON.stringify(["ads", "bid"]), { sw: 4, sw2: 6, swx: 8, ss: 1.5 }], [TOTAL, { sw: 10, sw2: 12, swx: 20, ss: 3 }]]);
  });

  it("perEventFromRows starts an event at each new trace id and sums its groups into TOTAL", () => {
    const events = perEventFromRows([
      { trace_id: "t1", w: 2, g1: "ads", g2: "bid", cost_usd: 1 },
      { trace_id: "t1", w: 2, g1: "ads", g2: "track", cost_usd: 0.5 },
      { trace_id: "t2", w: "1", g1: "ads", g2: "bid", cost_usd: "4" },
    ], BY2);
    expect(events).toEqual([
      { w: 2, costs: new Map([[JSON.stringify(["ads", "bid"]), 1], [TOTAL, 1.5], [JSON.stringify(["ads", "track"]), 0.5]]) },
      { w: 1, costs: new Map([[JSON.stringify(["ads", "bid"]), 4], [TOTAL, 4]]) },
    ]);
  });

  it("durationsFromRows numbers events as first seen, converts ns to ms and sorts each group by duration", () => {
    const d = durationsFromRows(
      [{ trace_id: "t2", w: 1, e2e_ns: 5e6 }, { trace_id: "t1", w: 2, e2e_ns: 3e6 }],
      [{ trace_id: "t1", duration_ns: 2.5e6, weight: 2, g1: "ads", g2: "bid" }, { trace_id: "t3", duration_ns: 1e6, weight: "4", g1: "ads", g2: "bid" }],
      BY2, { ...WEIGHTS, min_weight: 1, max_weight: 4 },
    )!;
    // Events: t2 → 0, t1 → 1 (the end-to-end rows first), t3 → 2 (seen first among the spans).
    expect(d.events).toBe(3);
    expect(d.interpolate).toBe(false);
    expect(d.groups.get(TOTAL)).toEqual({ event: Int32Array.from([1, 0]), valueMs: Float64Array.from([3, 5]), weight: Float64Array.from([2, 1]) });
    expect(d.groups.get(JSON.stringify(["ads", "bid"]))).toEqual({ event: Int32Array.from([2, 1]), valueMs: Float64Array.from([1, 2.5]), weight: Float64Array.from([4, 2]) });
    expect(durationsFromRows([], [], BY2, WEIGHTS)!.interpolate).toBe(true);
  });

  it("sideBreakdownOf and spansSide: a breakdown's groups, totals, weights and pricing as a side", () => {
    const breakdownResult = {
      groups: [{ keys: { stage: "auction" }, cost_per_event_usd: 2, cost_share: 0.8, p95_ms: 7, spans: 3, events: 2 }],
      totals: { events: 5, cost_per_event_usd: 2.5, e2e_p95_ms: 9 }, weights: WEIGHTS, pricing: PRICING,
    } as unknown as BreakdownResult;
    const sb = sideBreakdownOf(breakdownResult);
    expect(sb.groups).toEqual([{ keys: { stage: "auction" }, cost: 2, share: 0.8, p95: 7 }]);
    const moments = new Map([[TOTAL, { sw: 1, sw2: 1, swx: 1, ss: 0 }]]);
    const s = spansSide("x.json", sb, { moments });
    expect(s).toMatchObject({ label: "x.json", kind: "spans", events: 5, weights: WEIGHTS, pricing: PRICING, total: { cost: 2.5, p95: 9 }, moments });
    expect([...s.groups]).toEqual([[id("auction"), { keys: { stage: "auction" }, cost: 2, share: 0.8, p95: 7 }]]);
  });
});

describe("diff.ts: sides from reports", () => {
  const dir = () => mkdtempSync(join(tmpdir(), "adtrace-ana31-"));
  const report = (body: Record<string, unknown>) => JSON.stringify({ adtrace_version: "1", ...body });
  const NO_ANALYSIS = {} as Parameters<typeof readSide>[1];

  it("reportPath: a directory's report.json, a file that names adtrace_version near its start, else nothing", async () => {
    const d = dir();
    expect(await reportPath(d)).toBeUndefined();
    writeFileSync(join(d, "report.json"), report({}));
    expect(await reportPath(d)).toBe(join(d, "report.json"));
    const plain = join(d, "spans.json");
    writeFileSync(plain, JSON.stringify({ resourceSpans: [] }));
    expect(await reportPath(plain)).toBeUndefined();
    const spaced = join(d, "spaced.json");
    writeFileSync(spaced, '{ "adtrace_version"  : "1" }');
    expect(await reportPath(spaced)).toBe(spaced);
    const tight = join(d, "tight.json");
    writeFileSync(tight, '{"adtrace_version":"1"}');
    expect(await reportPath(tight)).toBe(tight);
    expect(await reportPath(join(d, "missing.json"))).toBeUndefined();
  });

  it("isDuckDbFile: 'DUCK' at bytes 8–11 of a file", async () => {
    const d = dir();
    const db = join(d, "x.duckdb");
    writeFileSync(db, "12345678DUCK5678");
    expect(await isDuckDbFile(db)).toBe(true);
    const other = join(d, "y.duckdb");
    writeFileSync(other, "DUCK5678DUCX5678");
    expect(await isDuckDbFile(other)).toBe(false);
    expect(await isDuckDbFile(d)).toBe(false);
    expect(await isDuckDbFile(join(d, "missing"))).toBe(false);
  });

  it("reads a report's stages, shares, p95s, totals, weights and pricing", async () => {
    const d = dir();
    writeFileSync(join(d, "report.json"), report({
      events: 7,
      breakdown: {
        groups: [{ stage: "auction", cost_per_event_usd: 2, cost_share: 0.8, p95_ms: 7 }, { stage: "rollup", cost_per_event_usd: "0.5", cost_share: 0.2, p95_ms: null }],
        total: { events: 99, cost_per_event_usd: 2.5, e2e_p95_ms: 9 }, weights: WEIGHTS, cost_sources: PRICING.cost_sources,
      },
    }));
    const s = await readSide(d, NO_ANALYSIS, BY);
    expect(s).toEqual({
      label: d, kind: "report", events: 7, weights: WEIGHTS, pricing: { cost_sources: PRICING.cost_sources, bad_values: [] },
      total: { cost: 2.5, p95: 9 },
      groups: new Map([[id("auction"), { keys: { stage: "auction" }, cost: 2, share: 0.8, p95: 7 }], [id("rollup"), { keys: { stage: "rollup" }, cost: 0.5, share: 0.2, p95: null }]]),
    });
  });

  it("an older report: events from the total, no weights, no pricing, no end-to-end p95 (null or absent)", async () => {
    const d = dir();
    const path = join(d, "old.json");
    const bad = [{ attribute: "cost.usd", kind: "usd", spans: 1 }];
    writeFileSync(path, report({ breakdown: { groups: [], total: { events: 3, cost_per_event_usd: 1, e2e_p95_ms: null } } }));
    expect(await readSide(path, NO_ANALYSIS, BY)).toMatchObject({ events: 3, weights: null, pricing: null, total: { cost: 1, p95: null } });
    writeFileSync(path, report({ breakdown: { groups: [], total: { cost_per_event_usd: 1 }, cost_sources: PRICING.cost_sources, bad_values: bad } }));
    expect(await readSide(path, NO_ANALYSIS, BY)).toMatchObject({ events: 0, total: { cost: 1, p95: null }, pricing: { cost_sources: PRICING.cost_sources, bad_values: bad } });
  });

  it("a report that does not parse, one without a breakdown, and a report diffed by anything but stage are refused", async () => {
    const d = dir();
    const path = join(d, "r.json");
    writeFileSync(path, '{"adtrace_version": "1", ');
    await expect(readSide(path, NO_ANALYSIS, BY)).rejects.toThrow(InputError);
    await expect(readSide(path, NO_ANALYSIS, BY)).rejects.toThrow(/^.*r\.json: not a readable report\.json \(.+\)$/);
    writeFileSync(path, report({ breakdown: { groups: [] } }));
    await expect(readSide(path, NO_ANALYSIS, BY)).rejects.toThrow(`${path}: report.json has no breakdown`);
    writeFileSync(path, report({ breakdown: { total: {} } }));
    await expect(readSide(path, NO_ANALYSIS, BY)).rejects.toThrow(`${path}: report.json has no breakdown`);
    writeFileSync(path, report({ breakdown: { groups: [], total: {} } }));
    const wrong = readSide(path, NO_ANALYSIS, parseGroupKeys("name"));
    await expect(wrong).rejects.toThrow(UsageError);
    await expect(readSide(path, NO_ANALYSIS, parseGroupKeys("name"))).rejects.toThrow(`${path} is a report, which holds the breakdown by stage only; diff it with --by stage`);
    await expect(readSide(path, NO_ANALYSIS, parseGroupKeys("stage,name"))).rejects.toThrow(UsageError);
  });
});

