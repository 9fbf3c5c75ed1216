// Tests for the Stryker survivors of three analysis files (issue 25, task ana29; TESTING.md
// "Mutation testing"): src/analysis/outliers.ts, trend.ts and slo.ts. Each runs the file's pure
// part (outliersFrom on an engine's sums, trendGroups and predictionBand on cells, sloRow on
// weighted counts) on a small input built here, and compares with figures worked by hand from
// the documented rule (README.md, the modules' opening comments) or with a second formulation.
// Each was seen to fail with its mutant applied by hand. In-process and milliseconds each.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkOutlierOptions, erfc, modelInputKeys, outliersFrom, twoProportionP, type OutlierGroupSums, type OutlierKeyStats, type OutlierSums, type OutlierValueSums } from "../src/analysis/outliers.js";
import { checkSloStages, sloLatencyNs, sloResult, sloRow } from "../src/analysis/slo.js";
import { defaultConfig, type Slo } from "../src/model/config.js";
import { InputError } from "../src/errors.js";
import { sloView } from "../src/output/slo-view.js";
import { trendView } from "../src/output/trend-view.js";
import type { TrendGroup, TrendResult } from "../src/analysis/trend.js";
import type { SloRow } from "../src/analysis/slo.js";
import { STATEMENT_ATTRIBUTES } from "../src/model/defaults.js";
import { durationText, keysOf, planBuckets, predictionBand, trendGroups, trendWidths, type TrendCell } from "../src/analysis/trend.js";

describe("outliers.ts", () => {
  /** An engine's answer for `cost outliers`: the two sides' sums, the keys and their values. */
  const sumsOf = (groups: OutlierGroupSums[], values: OutlierValueSums[], options: { keyStats?: OutlierKeyStats[]; events?: number; kept?: string[][] } = {}): OutlierSums => ({
    groups,
    keyStats: options.keyStats ?? [...new Set(values.map((v) => v.key))].map((key) => ({ key, events: 1, n_values: 1, unique_value_events: 0 })),
    values: async (kept) => {
      options.kept?.push(kept);
      return values.filter((v) => kept.includes(v.key));
    },
    attributeKeys: async () => (options.keyStats ?? []).map((k) => k.key),
    totals: { events: options.events ?? 0 } as OutlierSums["totals"],
    weights: {} as OutlierSums["weights"],
    pricing: {} as OutlierSums["pricing"],
  });
  const selected = (w: number, w2: number, wm: number, max: number): OutlierGroupSums => ({ selected: true, w, w2, wm, max_metric: max });
  const baseline = (w: number, w2: number, wm: number, max: number): OutlierGroupSums => ({ selected: false, w, w2, wm, max_metric: max });
  const value = (key: string, v: string, sw: number, bw: number, wm = 0): OutlierValueSums => ({ key, value: v, selected_w: sw, baseline_w: bw, wm });

  it("the defaults the options document: cost, no stage, the top 10%, 50 values, q < 0.05", async () => {
    const r = await outliersFrom(defaultConfig(), {}, sumsOf([selected(1, 1, 1, 1), baseline(9, 9, 9, 1)], []));
    expect([r.metric, r.stage, r.top, r.max_values, r.alpha]).toEqual(["cost", null, 0.1, 50, 0.05]);
    const given = await outliersFrom(defaultConfig(), { metric: "latency", stage: "auction", top: 0.25, maxValues: 7, alpha: 0.1 }, sumsOf([selected(1, 1, 1, 1)], []));
    expect([given.metric, given.stage, given.top, given.max_values, given.alpha]).toEqual(["latency", "auction", 0.25, 7, 0.1]);
  });

  it("each side's events, Kish's effective n, mean and the threshold (the baseline's largest metric)", async () => {
    // Selected: Σw = 4, Σw² = 6 (weights 2, 1, 1), Σw·m = 40; baseline: Σw = 12, Σw² = 20, Σw·m = 24, largest 3.
    // With --stage auction, 20 events in all: 20 − 16 have no auction span.
    const r = await outliersFrom(defaultConfig(), { stage: "auction" }, sumsOf([selected(4, 6, 40, 20), baseline(12, 20, 24, 3)], [], { events: 20 }));
    expect(r.threshold).toBe(3);
    expect(r.selected).toEqual({ events: 4, effective_n: 16 / 6, mean: 10 });
    expect(r.baseline).toEqual({ events: 12, effective_n: 144 / 20, mean: 2 });
    expect(r.events_without_stage).toBe(4);
  });

  it("a side with no events: no mean, no effective n, no threshold, and its values untested", async () => {
    // Two selected events (weight 1 each, $5 on average), no baseline event; tier=gold on both.
    // With --stage, the totals say 1 event (fewer than the 2 measured): none is left out, not −1.
    const onlySelected = await outliersFrom(defaultConfig(), { stage: "auction" }, sumsOf([selected(2, 2, 10, 6)], [value("tier", "gold", 2, 0, 10)], { events: 1 }));
    expect(onlySelected.threshold).toBeNull();
    expect(onlySelected.baseline).toEqual({ events: 0, effective_n: 0, mean: null });
    expect(onlySelected.events_without_stage).toBe(0);
    expect(onlySelected.rows).toEqual([{
      key: "tier", value: "gold", selected_events: 2, baseline_events: 0, selected_share: 1, baseline_share: 0,
      lift: null, mean_with: 5, mean_without: null, p_value: null, q_value: null, significant: false,
    }]);
    // No selected event: the value's selected share is 0, so its lift is 0 (not "none in the baseline").
    const onlyBaseline = await outliersFrom(defaultConfig(), {}, sumsOf([baseline(4, 4, 8, 3)], [value("tier", "gold", 0, 1, 3)]));
    expect(onlyBaseline.selected).toEqual({ events: 0, effective_n: 0, mean: null });
    expect(onlyBaseline.rows.map((row) => [row.selected_share, row.baseline_share, row.lift, row.mean_with, row.mean_without])).toEqual([[0, 0.25, 0, 3, 5 / 3]]);
    // A value whose events weigh nothing on either side has no mean, not 0 / 0.
    const weightless = await outliersFrom(defaultConfig(), {}, sumsOf([baseline(4, 4, 8, 3)], [value("tier", "gold", 0, 0, 0)]));
    expect(weightless.rows.map((row) => [row.mean_with, row.mean_without])).toEqual([[null, 2]]);
  });

  it("a value's shares, lift, means and p: 30% of 100 selected against 20% of 100, worked by hand", async () => {
    // 100 selected events averaging $5 and 100 baseline events averaging $1, each of weight 1.
    // tier=gold on 30 selected and 20 baseline events: Σw·cost = 30·5 + 20·1 = 170.
    // With: 170 / 50 = 3.4; without: (600 − 170) / 150. p as in outliers.test.ts: 0.141645.
    const r = await outliersFrom(defaultConfig(), {}, sumsOf([selected(100, 100, 500, 9), baseline(100, 100, 100, 2)], [value("tier", "gold", 30, 20, 170)]));
    const [gold] = r.rows;
    expect(gold).toMatchObject({ selected_events: 30, baseline_events: 20, selected_share: 0.3, baseline_share: 0.2, mean_with: 3.4, significant: false });
    expect(gold!.lift).toBeCloseTo(1.5, 12);
    expect(gold!.mean_without).toBeCloseTo(430 / 150, 12);
    expect(gold!.p_value).toBeCloseTo(0.141645, 5);
    // One value tested: its q is its p.
    expect(gold!.q_value).toBe(gold!.p_value);
  });

  it("weighted counts are rounded to 9 significant digits, not left with binary fractions", async () => {
    // Weights 0.1 and 0.2 sum to 0.30000000000000004 in binary; the count shown is 0.3.
    const r = await outliersFrom(defaultConfig(), {}, sumsOf([selected(0.1 + 0.2, 0.05, 1, 1), baseline(0.1 + 0.2, 0.05, 1, 1)], [value("tier", "gold", 0.1 + 0.2, 0.1 + 0.2)]));
    expect([r.selected.events, r.baseline.events, r.rows[0]!.selected_events, r.rows[0]!.baseline_events]).toEqual([0.3, 0.3, 0.3, 0.3]);
  });

  it("significant at q strictly under alpha: a q of exactly alpha is not", async () => {
    // Equal shares: z = 0, p = 1, so q = 1; with alpha = 1 it is still not under it.
    const r = await outliersFrom(defaultConfig(), { alpha: 1 }, sumsOf([selected(100, 100, 0, 1), baseline(100, 100, 0, 1)], [value("tier", "gold", 50, 50)]));
    expect(r.rows.map((row) => [row.q_value, row.significant])).toEqual([[1, false]]);
  });

  it("the order: significant by lift (none in the baseline first), then by q, untested last, ties by key and value", async () => {
    // 1,000 events a side, each of weight 1. a=y (30% vs 0%), a=x (50% vs 10%, lift 5) and b=z
    // (40% vs 20%, lift 2) are far past any alpha; c=v (11% vs 10%) is not; c=w, e=a, e=b have
    // equal shares (p = 1, q = 1) and tie; d=u (3 events) expects 1.5 < 5 in a cell: untested.
    const values = [value("d", "u", 2, 1), value("e", "b", 100, 100), value("e", "a", 100, 100), value("c", "w", 100, 100),
      value("c", "v", 110, 100), value("b", "z", 400, 200), value("a", "x", 500, 100), value("a", "y", 300, 0)];
    const r = await outliersFrom(defaultConfig(), {}, sumsOf([selected(1000, 1000, 0, 1), baseline(1000, 1000, 0, 1)], values));
    expect(r.rows.map((row) => `${row.key}=${row.value}`)).toEqual(["a=y", "a=x", "b=z", "c=v", "c=w", "e=a", "e=b", "d=u"]);
    expect(r.rows.map((row) => row.significant)).toEqual([true, true, true, false, false, false, false, false]);
    expect(r.rows.map((row) => row.q_value)).toEqual([expect.any(Number), expect.any(Number), expect.any(Number), expect.any(Number), 1, 1, 1, null]);
  });

  it("keys left out as ids: more than half the events alone in their value, and more than one value", async () => {
    // half: 10 events, 5 of them alone in their value (50%, not more): kept. one: one event with
    // one value (100% alone, but a single value is no id): kept. most: 6 events, values A on 2
    // and B, C, D, E on one each: 4 of 6 alone, 67%: skipped.
    const keyStats = [
      { key: "half", events: 10, n_values: 6, unique_value_events: 5 },
      { key: "one", events: 1, n_values: 1, unique_value_events: 1 },
      { key: "most", events: 6, n_values: 5, unique_value_events: 4 },
    ];
    const kept: string[][] = [];
    const r = await outliersFrom(defaultConfig(), {}, sumsOf([selected(1, 1, 1, 1), baseline(9, 9, 9, 1)], [], { keyStats, kept }));
    expect(kept).toEqual([["half", "one"]]);
    expect(r.skipped_keys).toEqual([{ key: "most", reason: "unique per event, like an id: 67% of the events that carry it have a value no other event has" }]);
  });

  it("--keys naming a key no event carries: the message without a hint when none is close", async () => {
    const keyStats = [{ key: "country", events: 10, n_values: 3, unique_value_events: 0 }];
    await expect(outliersFrom(defaultConfig(), { keys: ["zzzz"] }, sumsOf([selected(1, 1, 1, 1)], [], { keyStats }))).rejects.toThrow(/^--keys: no attribute 'zzzz' on these events$/);
    await expect(outliersFrom(defaultConfig(), { keys: ["countyr"] }, sumsOf([selected(1, 1, 1, 1)], [], { keyStats }))).rejects.toThrow(/^--keys: no attribute 'countyr' on these events \(did you mean 'country'\?\)$/);
    // A key that is there passes.
    await expect(outliersFrom(defaultConfig(), { keys: ["country"] }, sumsOf([selected(1, 1, 1, 1)], [], { keyStats }))).resolves.toMatchObject({ skipped_keys: [] });
  });

  it("checkOutlierOptions: --stage among the data's stages (asked only with --stage), --keys no input of the model", async () => {
    const config = defaultConfig();
    const noStages = async (): Promise<string[]> => {
      throw new Error("stages asked without --stage");
    };
    await expect(checkOutlierOptions(config, {}, noStages)).resolves.toEqual(modelInputKeys(config));
    const stages = async () => ["auction", "delivery"];
    await expect(checkOutlierOptions(config, { stage: "auction", keys: ["tier"] }, stages)).resolves.toEqual(modelInputKeys(config));
    await expect(checkOutlierOptions(config, { stage: "auctoin" }, stages)).rejects.toThrow(/^--stage: no stage 'auctoin' in this data \(did you mean 'auction'\?\); stages: auction, delivery$/);
    await expect(checkOutlierOptions(config, { stage: "zzzzzzzzzzzz" }, stages)).rejects.toThrow(/^--stage: no stage 'zzzzzzzzzzzz' in this data; stages: auction, delivery$/);
    await expect(checkOutlierOptions(config, { keys: ["tier", "sampleRate"] }, stages)).rejects.toThrow(/^--keys: 'sampleRate' is an input of the cost model \(or a statement\), not a candidate driver$/);
  });

  it("the keys never candidates are what queries/model.sql prices and weighs from, the statements and the config's lists", () => {
    // A second formulation: every attribute model.sql parses as a cost, credits, RPU-seconds,
    // vCPUs or a sampling rate, the sampler's type, the statements, and the config's cost and bytes lists.
    const sql = readFileSync(new URL("../queries/model.sql", import.meta.url), "utf8");
    const parsed = [...sql.matchAll(/adtrace_(?:usd|credits|rpu_seconds|vcpus|one_in_n|probability)\(s\.attributes\['([^']+)'\]\)/g)].map((m) => m[1]!);
    expect(parsed.length).toBeGreaterThan(10);
    const config = { ...defaultConfig(), cost_attributes: ["x.cost", "cost.usd"], bytes_attributes: ["x.bytes", "cost.usd"] };
    const expected = [...new Set([...parsed, "sampler.type", ...STATEMENT_ATTRIBUTES, "x.cost", "cost.usd", "x.bytes"])].sort();
    expect(modelInputKeys(config)).toEqual(expected);
  });

  it("twoProportionP: no test without events on a side, and 5 expected events in the smaller cell are enough", () => {
    expect(twoProportionP(0.5, 0, 0.5, 10)).toBeNull();
    expect(twoProportionP(0.5, 10, 0.5, 0)).toBeNull();
    // Pooled p̂ = 0.5, n = 10 a side: 10 · 0.5 = 5 expected, tested; equal shares give p = 1.
    expect(twoProportionP(0.5, 10, 0.5, 10)).toBe(1);
    // p̂ = 0.8 on 20 a side: the rarer outcome expects 20 · 0.2 = 4 < 5, untested (the common one, 16, does not count).
    expect(twoProportionP(0.8, 20, 0.8, 20)).toBeNull();
    // The smaller side counts: 8 · 0.5 = 4 < 5 though the other side has 100.
    expect(twoProportionP(0.5, 8, 0.5, 100)).toBeNull();
  });

  it("erfc below 0 is 2 − erfc(|x|): erfc(−1) = 1.842701", () => {
    expect(erfc(-1)).toBeCloseTo(1.842701, 6);
    expect(erfc(1)).toBeCloseTo(0.157299, 6);
  });

  // The whole run over outliers.ts (StrykerJS, analysis-29 alone, 2026-12-02 15:37–16:02) left
  // these: the order's rules each implied by another on the first test's input, the adjustment's
  // divisor, a value every event carries, --stage's count without --stage, no events on either side.
  it("the order does not depend on the order the engine answers in, and ties on lift fall to q, then key and value", async () => {
    // The first test's values and two more: g=s (30% vs 0%, as a=y: the same p, q and lift, so
    // key order puts a=y first) and f=t (0.6% vs 0.1%, lift 6, above a=x's 5, but 3.5 expected
    // events in a cell: untested). Significance comes before lift, so f=t stays last.
    const values = [value("d", "u", 2, 1), value("e", "b", 100, 100), value("e", "a", 100, 100), value("c", "w", 100, 100),
      value("c", "v", 110, 100), value("b", "z", 400, 200), value("a", "x", 500, 100), value("a", "y", 300, 0),
      value("g", "s", 300, 0), value("f", "t", 6, 1)];
    const expected = ["a=y", "g=s", "a=x", "b=z", "c=v", "c=w", "e=a", "e=b", "d=u", "f=t"];
    for (const order of [values, [...values].reverse(), [...values.slice(5), ...values.slice(0, 5)]]) {
      const r = await outliersFrom(defaultConfig(), {}, sumsOf([selected(1000, 1000, 0, 1), baseline(1000, 1000, 0, 1)], order));
      expect(r.rows.map((row) => `${row.key}=${row.value}`)).toEqual(expected);
      // Benjamini–Hochberg over the 8 tested values: c=v is the 5th smallest p and the three above
      // it have p = 1 (q = 1), so its q is p × 8 ÷ 5.
      const cv = r.rows[4]!;
      expect(cv.q_value).toBeCloseTo((cv.p_value! * 8) / 5, 12);
      expect(cv.q_value).toBeLessThan(1);
    }
  });

  it("a value every event carries has no mean without it, and without --stage no event lacks the stage", async () => {
    // Two events a side ($10 and $4 of metric); tier=all on all four ($14): none is left without it.
    const r = await outliersFrom(defaultConfig(), {}, sumsOf([selected(2, 2, 10, 6), baseline(2, 2, 4, 2)], [value("tier", "all", 2, 2, 14)], { events: 9 }));
    expect([r.rows[0]!.mean_with, r.rows[0]!.mean_without]).toEqual([3.5, null]);
    expect(r.events_without_stage).toBe(0);
  });

  it("twoProportionP: no events on either side is no test (not NaN)", () => {
    expect(twoProportionP(0.5, 0, 0.5, 0)).toBeNull();
  });
});

describe("trend.ts", () => {
  const HOUR = 3_600_000_000_000n;
  const DAY = 24n * HOUR;

  it("durationText: the largest unit that divides the duration", () => {
    expect([DAY, 2n * DAY, 25n * HOUR, 90n * 60_000_000_000n, 1_500_000_000n, 1_500_000n, 1_500n, 1_001n, 0n].map(durationText))
      .toEqual(["1d", "2d", "25h", "90m", "1500ms", "1500us", "1500ns", "1001ns", "0d"]);
  });

  it("trendWidths: --baseline defaults to 7 days; shorter than one bucket, or than 3, is refused", () => {
    expect(trendWidths({ everyNs: HOUR })).toEqual({ every: HOUR, baseline: 7n * DAY });
    expect(trendWidths({ everyNs: HOUR, baselineNs: 3n * HOUR })).toEqual({ every: HOUR, baseline: 3n * HOUR });
    expect(() => trendWidths({ everyNs: HOUR, baselineNs: HOUR / 2n })).toThrow(/^--baseline 30m is shorter than one bucket \(--every 1h\): no bucket could have a baseline$/);
    // Exactly one bucket is not shorter than one: the second rule says how many it holds.
    expect(() => trendWidths({ everyNs: HOUR, baselineNs: HOUR })).toThrow(/^--baseline 1h holds at most 1 bucket\(s\) of --every 1h; a drift needs 3 \(--baseline 3h or more\)$/);
    // 150 minutes hold 2 whole hours.
    expect(() => trendWidths({ everyNs: HOUR, baselineNs: 150n * 60_000_000_000n })).toThrow(/^--baseline 150m holds at most 2 bucket\(s\) of --every 1h; a drift needs 3 \(--baseline 3h or more\)$/);
  });

  it("planBuckets: buckets from the first event's to the last's, floored, also before 1970", () => {
    // 03:30 to 05:10 by the hour: buckets 03:00, 04:00, 05:00.
    expect(planBuckets(HOUR, { firstNs: 7n * HOUR / 2n, lastNs: 5n * HOUR + HOUR / 6n, resolutionNs: 1n })).toEqual({ every: HOUR, firstBucket: 3n * HOUR, buckets: 3 });
    // −1.5 h floors to −2 h, not −1 h; −1 h exactly stays −1 h. To +0.5 h: buckets −2, −1, 0.
    expect(planBuckets(HOUR, { firstNs: -3n * HOUR / 2n, lastNs: HOUR / 2n, resolutionNs: 1n })).toEqual({ every: HOUR, firstBucket: -2n * HOUR, buckets: 3 });
    expect(planBuckets(HOUR, { firstNs: -HOUR, lastNs: HOUR / 2n, resolutionNs: 1n })).toEqual({ every: HOUR, firstBucket: -HOUR, buckets: 2 });
    // An --every as fine as the data's resolution is allowed; finer is refused, naming the unit.
    expect(planBuckets(1_000_000_000n, { firstNs: 0n, lastNs: 0n, resolutionNs: 1_000_000_000n }).buckets).toBe(1);
    expect(() => planBuckets(1_000_000n, { firstNs: 0n, lastNs: 0n, resolutionNs: 1_000_000_000n }))
      .toThrow(/^--every 1ms is finer than the data's time resolution: every event starts on a whole s$/);
  });

  it("planBuckets: at most 10,000 buckets, and the --every that would fit, rounded up to a readable one", () => {
    const s = 1_000_000_000n;
    expect(planBuckets(s, { firstNs: 0n, lastNs: 9_999n * s, resolutionNs: 1n }).buckets).toBe(10_000);
    // 10,001 one-second buckets over 10,000 s (2.78 h): 10,000 s / 9,999 + 1 ns ≈ 1.0001 s fits, 2s is the next readable width.
    expect(() => planBuckets(s, { firstNs: 0n, lastNs: 10_000n * s, resolutionNs: 1n }))
      .toThrow(/^--every 1s makes 10,001 buckets over the data's 2\.8 hours; at most 10,000 \(an --every of 2s or more\)$/);
    // Under an hour the span is in seconds: 10 s by 1 ms; 10 s / 9,999 ≈ 1.0001 ms fits, so 2ms.
    expect(() => planBuckets(1_000_000n, { firstNs: 0n, lastNs: 10n * s, resolutionNs: 1n }))
      .toThrow(/^--every 1ms makes 10,001 buckets over the data's 10\.0 s; at most 10,000 \(an --every of 2ms or more\)$/);
    // One hour exactly is in hours; 3,600 s / 9,999 ≈ 0.36 s fits, so 1s.
    expect(() => planBuckets(1_000_000n, { firstNs: 0n, lastNs: HOUR, resolutionNs: 1n }))
      .toThrow(/^--every 1ms makes 3,600,001 buckets over the data's 1\.0 hours; at most 10,000 \(an --every of 1s or more\)$/);
    // 12 h by 1 s: 43,200 s / 9,999 ≈ 4.32 s fits, so 5s; 100 days by 1 min: 14.4 min, so 15m.
    expect(() => planBuckets(s, { firstNs: 0n, lastNs: 12n * HOUR, resolutionNs: 1n })).toThrow(/an --every of 5s or more\)$/);
    expect(() => planBuckets(60n * s, { firstNs: 0n, lastNs: 100n * DAY, resolutionNs: 1n })).toThrow(/an --every of 15m or more\)$/);
    // A span of exactly 9,999 × 2 ms: 2 ms makes 10,000 buckets from any start, so 2ms is the
    // suggestion (it was 5ms: the width that fits was taken as span ÷ 9,999 + 1 ns). Checked both ways.
    for (const first of [0n, 1n, 1_999_999n]) {
      const span = { firstNs: first, lastNs: first + 9_999n * 2_000_000n, resolutionNs: 1n };
      expect(() => planBuckets(1_000_000n, span)).toThrow(/an --every of 2ms or more\)$/);
      expect(planBuckets(2_000_000n, span).buckets).toBeLessThanOrEqual(10_000);
    }
    // One nanosecond more and 2 ms no longer fits from a start 1 ns before a bucket's edge.
    const longer = { firstNs: 1_999_999n, lastNs: 1_999_999n + 9_999n * 2_000_000n + 1n, resolutionNs: 1n };
    expect(() => planBuckets(1_000_000n, longer)).toThrow(/an --every of 5ms or more\)$/);
    expect(() => planBuckets(2_000_000n, longer)).toThrow(/makes 10,001 buckets/);
    // The span is the last start minus the first: 10,000 s from 1 h on is still 2.8 hours.
    expect(() => planBuckets(s, { firstNs: HOUR, lastNs: HOUR + 10_000n * s, resolutionNs: 1n })).toThrow(/over the data's 2\.8 hours;/);
    // The widest span int64 starts allow (2^64 − 1 ns) by the day: 21.35 days fit, so 30d.
    expect(() => planBuckets(DAY, { firstNs: -(2n ** 63n), lastNs: 2n ** 63n - 1n, resolutionNs: 1n })).toThrow(/an --every of 30d or more\)$/);
  });

  it("predictionBand: no points, or points with no events, give no baseline", () => {
    expect(predictionBand([])).toBeNull();
    expect(predictionBand([{ x: 1, n: 0 }, { x: 2, n: 0 }, { x: 3, n: 0 }])).toBeNull();
  });

  it("keysOf: each group key's column, a missing value as empty text", () => {
    expect(keysOf({ g1: "auction", g2: null }, [{ kind: "stage" }, { kind: "attr", key: "tier" }])).toEqual({ stage: "auction", tier: "" });
  });

  // Buckets of 1.5 ms from 0, baseline 4.5 ms (three buckets back). Stages a and b, given b first.
  // All events per bucket: 4, 2, 2, none, 2. a: $4 on 4 events, $4 on 2, $6 on 2, –, $8 on 2.
  // b: $2 on 2 events, none, $1 on 1, –, none.
  const EVERY = 1_500_000n;
  const cell = (bucket: number, stage: string, events: number, costUsd: number, bucketEvents: number): TrendCell =>
    ({ bucketNs: BigInt(bucket) * EVERY, keys: { stage }, events, costUsd, bucketEvents });
  const cells = [cell(0, "b", 2, 2, 4), cell(0, "a", 4, 4, 4), cell(1, "a", 2, 4, 2), cell(2, "b", 1, 1, 2), cell(2, "a", 2, 6, 2), cell(4, "a", 2, 8, 2)];
  const p95 = (bucket: bigint, id: string) => (bucket === 0n && id === '["a"]' ? 7 : null);

  it("trendGroups: a group's cost over all the bucket's events, its own events, and the ISO bucket start", () => {
    const groups = trendGroups(cells, p95, { every: EVERY, firstBucket: 0n, buckets: 5 }, 3n * EVERY);
    expect(groups.map((g) => g.keys)).toEqual([{ stage: "a" }, { stage: "b" }]);
    const [a, b] = groups.map((g) => g.rows);
    expect(a!.map((r) => r.bucket_start)).toEqual(["1970-01-01T00:00:00Z", "1970-01-01T00:00:00.001Z", "1970-01-01T00:00:00.003Z", "1970-01-01T00:00:00.004Z", "1970-01-01T00:00:00.006Z"]);
    expect(a!.map((r) => r.bucket_ns)).toEqual([0n, 1n, 2n, 3n, 4n].map((i) => i * EVERY));
    expect(a!.map((r) => r.cost_per_event_usd)).toEqual([1, 2, 3, null, 4]);
    expect(a!.map((r) => r.events)).toEqual([4, 2, 2, 0, 2]);
    expect(a!.map((r) => r.p95_ms)).toEqual([7, null, null, null, null]);
    // b is in 2 of bucket 0's 4 events: $2 / 4; absent from bucket 1 (2 events): $0 per event, not none.
    expect(b!.map((r) => r.cost_per_event_usd)).toEqual([0.5, 0, 0.5, null, 0]);
    expect(b!.map((r) => r.events)).toEqual([2, 0, 1, 0, 0]);
  });

  it("trendGroups: the groups sorted by their keys, whatever order the cells come in", () => {
    const three = ["c", "a", "b"].map((stage): TrendCell => ({ bucketNs: 0n, keys: { stage }, events: 1, costUsd: 1, bucketEvents: 3 }));
    expect(trendGroups(three, () => null, { every: 1n, firstBucket: 0n, buckets: 1 }, 3n).map((g) => g.keys.stage)).toEqual(["a", "b", "c"]);
  });

  it("trendGroups: the baseline is the preceding buckets with events back to the window's edge, weighted by events", () => {
    const [a, b] = trendGroups(cells, p95, { every: EVERY, firstBucket: 0n, buckets: 5 }, 3n * EVERY).map((g) => g.rows);
    // a, bucket 3 (no events): buckets 0, 1, 2 (the window's edge is bucket 0 itself): (4·1 + 2·2 + 2·3) / 8.
    // Bucket 4: buckets 1 and 2 (3 has no events): (2·2 + 2·3) / 4 = 2.5, two buckets, so no band.
    expect(a!.map((r) => r.baseline_buckets)).toEqual([0, 1, 2, 3, 2]);
    expect(a!.map((r) => r.baseline_cost_per_event_usd)).toEqual([null, 1, 8 / 6, 14 / 8, 2.5]);
    expect(b!.map((r) => r.baseline_cost_per_event_usd)).toEqual([null, 0.5, 2 / 6, 3 / 8, 0.25]);
    // Bucket 3 has a baseline of 3 but no figure to judge; the others too few: no band, drift unknown.
    for (const r of [...a!, ...b!]) expect([r.band_low_usd, r.band_high_usd, r.drift]).toEqual([null, null, "unknown"]);
  });

  it("trendGroups: drift up past the band's top, down under its bottom, none on its edge", () => {
    // One bucket of 1 event per ns, baseline 3 ns. $5 three times: the band is [5, 5] (no spread).
    const series = (costs: number[]) => trendGroups(costs.map((c, i) => ({ bucketNs: BigInt(i), keys: {}, events: 1, costUsd: c, bucketEvents: 1 })),
      () => null, { every: 1n, firstBucket: 0n, buckets: costs.length }, 3n)[0]!.rows;
    expect(series([5, 5, 5, 5, 6]).map((r) => r.drift)).toEqual(["unknown", "unknown", "unknown", "none", "up"]);
    expect(series([5, 5, 5, 4])[3]!.drift).toBe("down");
    const edge = series([5, 5, 5, 5])[3]!;
    expect([edge.band_low_usd, edge.band_high_usd, edge.baseline_cost_per_event_usd]).toEqual([5, 5, 5]);
    // $1, $2, $3: mean 2, s = 1, t(0.995, 2) = 9.925: 2 ± 9.925·√(4/3), the low end kept at 0.
    const spread = series([1, 2, 3, 30])[3]!;
    expect(spread.band_low_usd).toBe(0);
    expect(spread.band_high_usd).toBeCloseTo(2 + 9.925 * Math.sqrt(4 / 3), 3);
    expect(spread.drift).toBe("up");
  });

  it("trendGroups: a bucket before 1970 starts on the millisecond at or before it", () => {
    // The bucket of −1 ns by 1.5 ms starts at −1.5 ms: 23:59:59.998 (floored), not .999.
    const plan = planBuckets(EVERY, { firstNs: -1n, lastNs: -1n, resolutionNs: 1n });
    const [g] = trendGroups([{ bucketNs: -EVERY, keys: {}, events: 1, costUsd: 1, bucketEvents: 1 }], () => null, plan, 3n * EVERY);
    expect(g!.rows.map((r) => r.bucket_start)).toEqual(["1969-12-31T23:59:59.998Z"]);
  });
});

describe("slo.ts", () => {
  const slo = (entry: Omit<Slo, "where">): Slo => ({ where: "adtrace.config.yaml:7", ...entry }) as Slo;

  it("latency: the objective defaults to 0.99; budget and burn are the bad share over 1 − objective", () => {
    // 3 of 200 events slow over the data, 1 of 20 in the window: 1.5% bad of 1% allowed, 5% of 1%.
    const r = sloRow(slo({ name: "p", latency_ms: 250 }), { stage_events: 200, slow_events: 3, window_stage_events: 20, window_slow_events: 1 });
    expect(r).toMatchObject({ name: "p", stage: null, indicator: "latency", target: 250, objective: 0.99, events: 200, window_events: 20, status: "breached" });
    expect(r.actual).toBeCloseTo(197 / 200, 12);
    expect(r.error_budget_used).toBeCloseTo(0.015 / 0.01, 12);
    expect(r.burn_rate).toBeCloseTo(0.05 / 0.01, 12);
  });

  it("the budget used up exactly is not a breach; a little more is", () => {
    // Objective 0.75 allows 25% bad: 1 of 4 uses exactly the budget (1.0, in binary too).
    const exactly = sloRow(slo({ name: "p", latency_ms: 100, objective: 0.75 }), { stage_events: 4, slow_events: 1, window_stage_events: 4, window_slow_events: 1 });
    expect([exactly.actual, exactly.error_budget_used, exactly.burn_rate, exactly.status]).toEqual([0.75, 1, 1, "ok"]);
    const over = sloRow(slo({ name: "p", latency_ms: 100, objective: 0.75 }), { stage_events: 8, slow_events: 3 });
    expect([over.error_budget_used, over.status]).toEqual([1.5, "breached"]);
  });

  it("no events: no figure and status no data; a window without events: no burn rate", () => {
    const latency = sloRow(slo({ name: "p", latency_ms: 100, stage: "auction" }), {});
    expect(latency).toEqual({ name: "p", stage: "auction", indicator: "latency", target: 100, objective: 0.99, actual: null, error_budget_used: null, burn_rate: null, events: 0, window_events: 0, status: "no data" });
    const errors = sloRow(slo({ name: "e", error_rate: 0.5 }), { events: 4, error_events: 1 });
    expect([errors.actual, errors.error_budget_used, errors.burn_rate, errors.status]).toEqual([0.75, 0.5, null, "ok"]);
    const cost = sloRow(slo({ name: "c", cost_per_event_usd: 0.5 }), { events: 0, cost_usd: 0 });
    expect([cost.actual, cost.error_budget_used, cost.burn_rate, cost.status]).toEqual([null, null, null, "no data"]);
  });

  it("errors: over all events, or with a stage over the events that have it; the budget is the error rate", () => {
    const counts = { events: 100, window_events: 10, stage_events: 50, window_stage_events: 5, error_events: 2, window_error_events: 1 };
    // Whole events: 2% bad of 4% allowed; window 10% of 4%.
    const all = sloRow(slo({ name: "e", error_rate: 0.04 }), counts);
    expect(all).toMatchObject({ indicator: "errors", target: 0.04, objective: 0.96, actual: 0.98, events: 100, window_events: 10, status: "ok" });
    expect(all.error_budget_used).toBeCloseTo(0.5, 12);
    expect(all.burn_rate).toBeCloseTo(2.5, 12);
    // The stage's 50 events: 4% of 4%, window 20% of 4%.
    const staged = sloRow(slo({ name: "e", error_rate: 0.04, stage: "auction" }), counts);
    expect(staged).toMatchObject({ stage: "auction", actual: 0.96, events: 50, window_events: 5 });
    expect(staged.error_budget_used).toBeCloseTo(1, 12);
    expect(staged.burn_rate).toBeCloseTo(5, 12);
  });

  it("cost: the mean cost per event against the ceiling, over the data and the window", () => {
    // $3 over 4 events: $0.75 a $0.5 ceiling, 150%; the window's $1 over 4: 50%.
    const r = sloRow(slo({ name: "c", cost_per_event_usd: 0.5 }), { events: 4, cost_usd: 3, window_events: 4, window_cost_usd: 1 });
    expect(r).toEqual({ name: "c", stage: null, indicator: "cost", target: 0.5, objective: 0.5, actual: 0.75, error_budget_used: 1.5, burn_rate: 0.5, events: 4, window_events: 4, status: "breached" });
  });

  it("checkSloStages: a stage not in the data is bad input at the SLO's line, with the closest stage", () => {
    const config = { ...defaultConfig(), slos: [slo({ name: "all", error_rate: 0.1 }), slo({ name: "late", latency_ms: 10, stage: "auctoin" })] };
    const error = (() => {
      try {
        checkSloStages(config, ["auction", "delivery"]);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).message).toBe("adtrace.config.yaml:7: slos[1] (late): no stage 'auctoin' in this data (did you mean 'auction'?); stages: auction, delivery");
    const far = { ...config, slos: [slo({ name: "x", error_rate: 0.1, stage: "zzzzzzzzzz" })] };
    expect(() => checkSloStages(far, ["auction", "delivery"])).toThrow(/^adtrace\.config\.yaml:7: slos\[0\] \(x\): no stage 'zzzzzzzzzz' in this data; stages: auction, delivery$/);
    // Stages present, or none given: nothing to say.
    expect(() => checkSloStages({ ...config, slos: [slo({ name: "x", error_rate: 0.1, stage: "delivery" }), slo({ name: "y", error_rate: 0.1 })] }, ["auction", "delivery"])).not.toThrow();
  });

  it("sloResult: the window's start in ISO from nanoseconds; none without --window", () => {
    expect(sloResult([], 10_000_000_000n, 1_700_000_000_123_456_789n)).toEqual({ rows: [], window_from: "2023-11-14T22:13:20.123Z", window_ns: 10_000_000_000n });
    expect(sloResult([], null, 1_700_000_000_123_456_789n)).toEqual({ rows: [], window_from: null, window_ns: null });
  });

  it("sloLatencyNs: latency_ms in whole nanoseconds, 0 for the other indicators", () => {
    expect(sloLatencyNs(slo({ name: "p", latency_ms: 250.5 }))).toBe(250_500_000n);
    // 0.0000015 ms is 1.5 ns: floored to 1.
    expect(sloLatencyNs(slo({ name: "p", latency_ms: 0.0000015 }))).toBe(1n);
    expect(sloLatencyNs(slo({ name: "e", error_rate: 0.1 }))).toBe(0n);
  });
});

describe("slo-view.ts", () => {
  const row = (name: string, indicator: SloRow["indicator"], target: number, objective: number, actual: number | null, burn: number | null): SloRow => ({
    name, stage: null, indicator, target, objective, actual, error_budget_used: actual === null ? null : 0.5, burn_rate: burn, events: 10, window_events: 10, status: actual === null ? "no data" : "ok",
  });

  it("target, objective and actual in the SLO's unit as README's example shows them; burn rate without binary fractions", () => {
    // README, slo check: "≤ 50.0 ms  99.00%", "$0.00120  $0.00120", "≤ 1.00%  99.00%".
    const view = sloView({
      rows: [row("auction-latency", "latency", 50, 0.99, 0.9917, 0.1 + 0.2), row("event-cost", "cost", 0.0012, 0.0012, 0.000453, null), row("errors", "errors", 0.01, 0.99, null, 1.05)],
      window_from: "2024-05-01T12:00:30.000Z", window_ns: 30_000_000_000n,
    });
    const shown = (view.rows as Record<string, unknown>[]).map((r) => [r.target_shown, r.objective_shown, r.actual_shown, r.burn_rate]);
    expect(shown).toEqual([["≤ 50.0 ms", "99.00%", "99.17%", 0.3], ["$0.00120", "$0.00120", "$0.000453", null], ["≤ 1.00%", "99.00%", "–", 1.05]]);
    expect(view.heading).toEqual(["SLOs — none breached", "burn rate over the last window, from 2024-05-01T12:00:30.000Z."]);
  });
});

describe("trend-view.ts", () => {
  const result = (groups: TrendGroup[], by: TrendResult["by"], buckets: number, every: bigint): TrendResult => ({
    every_ns: every, baseline_ns: 3n * every, by, groups, buckets,
    totals: { events: 10, spans: 10 } as TrendResult["totals"],
    weights: { weighted: false, stored_traces: 10, estimated_events: 10, stored_spans: 10, estimated_spans: 10, unknown_weight_spans: 0 } as TrendResult["weights"],
    pricing: { cost_sources: { billed: 0, explicit: 1, price_book: 0, unpriced: 0 }, bad_values: [] } as unknown as TrendResult["pricing"],
  });
  /** One group, one bucket of 1 event per ns, baseline 3 ns. */
  const series = (costs: number[]) => trendGroups(costs.map((c, i) => ({ bucketNs: BigInt(i), keys: {}, events: 1, costUsd: c, bucketEvents: 1 })),
    () => null, { every: 1n, firstBucket: 0n, buckets: costs.length }, 3n);

  it("machine rows by bucket, then in the groups' order; the last bucket's drift in the heading, and how many drifted", () => {
    // Stages a and b over 3 buckets of 1 s: $1, $1, $1 and $2, $2, $2 per event.
    const cells: TrendCell[] = [0, 1, 2].flatMap((i) => [
      { bucketNs: BigInt(i) * 1_000_000_000n, keys: { stage: "b" }, events: 1, costUsd: 2, bucketEvents: 1 },
      { bucketNs: BigInt(i) * 1_000_000_000n, keys: { stage: "a" }, events: 1, costUsd: 1, bucketEvents: 1 },
    ]);
    const groups = trendGroups(cells, () => null, { every: 1_000_000_000n, firstBucket: 0n, buckets: 3 }, 3_000_000_000n);
    const view = trendView(result(groups, [{ kind: "stage" }], 3, 1_000_000_000n), { label: "x" });
    expect((view.rows as Record<string, unknown>[]).map((r) => `${r.bucket_start} ${r.stage} ${r.cost_per_event_usd}`)).toEqual([
      "1970-01-01T00:00:00Z a 1", "1970-01-01T00:00:00Z b 2", "1970-01-01T00:00:01Z a 1", "1970-01-01T00:00:01Z b 2", "1970-01-01T00:00:02Z a 1", "1970-01-01T00:00:02Z b 2",
    ]);
    expect(view.heading![0]).toMatch(/^Cost per event every 1s by stage — x/);
    expect(view.heading![2]).toBe("Last bucket (1970-01-01T00:00:02Z): no drift.");
    expect((view.humanRows as Record<string, unknown>[]).map((r) => [r.stage, r.drifted, r.last_drift])).toEqual([["a", "0 of 0", "unknown"], ["b", "0 of 0", "unknown"]]);
    expect(view.humanNotes).toEqual([]);
  });

  it("a last bucket that drifted up, named in the heading and JSON; bucket 3 judged none, bucket 4 up: 1 of 2", () => {
    const view = trendView(result(series([5, 5, 5, 5, 6]), [], 5, 1n), { label: "x" });
    expect(view.heading![0]).toMatch(/^Cost per event every 1ns — x/);
    expect(view.heading![2]).toBe("Last bucket (1970-01-01T00:00:00Z) drifted: all events up.");
    expect((view.humanRows as Record<string, unknown>[]).map((r) => [r.series, r.drifted, r.last_drift, r.last_band])).toEqual([["all events", "1 of 2", "up", "$5.00–$5.00"]]);
    expect((view.json as { last_bucket: unknown }).last_bucket).toEqual({ bucket_start: "1970-01-01T00:00:00Z", drifted: [{ drift: "up" }] });
    // Down counts as drifted too.
    const down = trendView(result(series([5, 5, 5, 4]), [], 4, 1n), { label: "x" });
    expect((down.humanRows as Record<string, unknown>[])[0]!.drifted).toBe("1 of 1");
    expect(down.heading![2]).toBe("Last bucket (1970-01-01T00:00:00Z) drifted: all events down.");
  });

  it("the sparkline shows the last 36 buckets, and says so past 36", () => {
    const costs = Array.from({ length: 37 }, (_, i) => (i === 0 ? 100 : 1));
    const past = trendView(result(series(costs), [], 37, 1n), { label: "x" });
    expect(past.humanNotes).toEqual(["the sparklines show the last 36 of 37 buckets."]);
    // Bucket 0's $100 is cut: the 36 shown are all $1, one flat line.
    const spark = (past.humanRows as Record<string, unknown>[])[0]!.spark as string;
    expect([...spark]).toHaveLength(36);
    expect(new Set(spark).size).toBe(1);
    expect(trendView(result(series(costs.slice(1)), [], 36, 1n), { label: "x" }).humanNotes).toEqual([]);
  });
});
