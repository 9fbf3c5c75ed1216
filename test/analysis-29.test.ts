// Tests for the Stryker survivors of three analysis files (issue 25, task ana29; TESTING.md
// "Mutation testing"): src/analysis/outliers.ts, trend.ts and slo.ts. Each runs the file's pure
// part (outliersFrom on an engine's sums, trendGroups and predictionBand on cells, sloRow on
// weighted counts) on a small input built here, and compares with figures worked by hand from
// the documented rule (README.md, the modules' opening comments) or with a second formulation.
// Each was seen to fail with its mutant applied by hand. In-process and milliseconds each.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { checkOutlierOptions, erfc, modelInputKeys, outliersFrom, twoProportionP, type OutlierGroupSums, type OutlierKeyStats, type OutlierSums, type OutlierValueSums } from "../src/analysis/outliers.js";
import { defaultConfig } from "../src/model/config.js";
import { STATEMENT_ATTRIBUTES } from "../src/model/defaults.js";

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
});
