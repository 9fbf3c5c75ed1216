// `cost outliers` through DuckDB, fast (helper outl33, TESTING.md "Whole files: cost outliers"):
// outliers() on ten hand-built events in a real in-process DuckDB, so the engine's part of
// src/analysis/outliers.ts (the queries it sends, the parameters it binds, how it reads the rows
// back) is checked in about a second, where outliers.test.ts needs 35 s of generated data.
// analysis-29 covers the pure part (outliersFrom on sums built by hand). Every expected value is
// worked by hand below from the spans as written; none is the tool's own output.
import { describe, expect, it } from "vitest";
import { withModelDb } from "./helpers/analysis.js";
import { spanId, traceId, type TestSpan } from "./helpers/otlp.js";
import { checkOutlierOptions, modelInputKeys, outliers } from "../src/analysis/outliers.js";
import { defaultConfig } from "../src/model/config.js";
import { UsageError } from "../src/errors.js";

/**
 * Ten events. Event i (1–10) is a `request` root (stage request) lasting 10 + i ms and costing
 * cost.usd = $0.001·i, and, for i ≤ 9, an `auction` child (stage auction) lasting 11 − i ms inside
 * it and costing $0.0001·(11 − i). Events 1–5 are sampled 1 in 2 (weight 2), 6–10 weight 1:
 * 15 weighted events. On the root: tier=gold on events 4, 9, 10 (basic elsewhere), region by
 * i mod 3 (0 eu, 1 us, 2 ap), and req.id unique per event (an id). Every span also carries the
 * resource attribute service.name=svc.
 *
 * Each event's cost: 0.001·i + 0.0001·(11 − i) = 0.0011 + 0.0009·i for i ≤ 9 (0.0020, 0.0029,
 * …, 0.0092), and 0.0100 for event 10: increasing in i. Σw·cost over all events:
 * 0.001·(2·15 + 6 + 7 + 8 + 9 + 10) + 2·(0.0010 + … + 0.0006) + (0.0005 + … + 0.0002)
 * = 0.070 + 0.0080 + 0.0014 = 0.0794.
 */
const spans: TestSpan[] = Array.from({ length: 10 }, (_, k) => {
  const i = k + 1;
  const root: TestSpan = {
    trace: traceId(i), id: spanId(2 * i), name: "request", startMs: 100 * i, durationMs: 10 + i,
    attrs: {
      "cost.usd": (0.001 * i).toFixed(3), tier: [4, 9, 10].includes(i) ? "gold" : "basic", region: ["eu", "us", "ap"][i % 3]!,
      "req.id": `r-${i}`, ...(i <= 5 ? { sampleRate: "2" } : {}),
    },
  };
  const auction: TestSpan = {
    trace: traceId(i), id: spanId(2 * i + 1), parent: spanId(2 * i), name: "auction", startMs: 100 * i + 1, durationMs: 11 - i,
    attrs: { "cost.usd": (0.0001 * (11 - i)).toFixed(4) },
  };
  return i <= 9 ? [root, auction] : [root];
}).flat();

const label = (rows: { key: string; value: string }[]) => rows.map((r) => `${r.key}=${r.value}`);

describe("outliers() on DuckDB, ten events worked by hand", () => {
  it("the whole event's cost, top 20%: the sides, the values (ids and model inputs left out) and the run's totals", async () => {
    await withModelDb(spans, async (db) => {
      const r = await outliers(db, defaultConfig(), { top: 0.2 });
      // Cumulative weights in cost order (events 1…10): 2, 4, 6, 8, 10, 11, 12, 13, 14, 15; the first
      // to reach 0.8 × 15 = 12 is event 7 (0.0011 + 0.0063 = 0.0074): the edge. Selected: 8, 9, 10.
      expect(r.threshold).toBeCloseTo(0.0074, 12);
      expect([r.metric, r.stage, r.top, r.max_values, r.alpha]).toEqual(["cost", null, 0.2, 50, 0.05]);
      // Selected: Σw = 3, Σw² = 3, n = 3; Σw·cost = 0.0083 + 0.0092 + 0.0100 = 0.0275.
      expect(r.selected.events).toBe(3);
      expect(r.selected.effective_n).toBeCloseTo(3, 12);
      expect(r.selected.mean!).toBeCloseTo(0.0275 / 3, 12);
      // Baseline: events 1–5 (weight 2) and 6, 7: Σw = 12, Σw² = 5·4 + 2 = 22, n = 144 / 22;
      // Σw·cost = 2·(0.0020 + 0.0029 + 0.0038 + 0.0047 + 0.0056) + 0.0065 + 0.0074 = 0.0519.
      expect(r.baseline.events).toBe(12);
      expect(r.baseline.effective_n).toBeCloseTo(144 / 22, 12);
      expect(r.baseline.mean!).toBeCloseTo(0.0519 / 12, 12);
      expect(r.events_without_stage).toBe(0);
      // req.id: 10 events, 10 values, each on one event (100% > 50%): an id. cost.usd and
      // sampleRate are the model's inputs. No value reaches 5 expected events in a cell (the
      // selected side's n is 3), so none is tested: the rows fall to key and value order.
      expect(r.skipped_keys).toEqual([{ key: "req.id", reason: "unique per event, like an id: 100% of the events that carry it have a value no other event has" }]);
      expect(r.model_input_keys).toContain("cost.usd");
      expect(r.model_input_keys).toContain("sampleRate");
      expect(label(r.rows)).toEqual(["region=ap", "region=eu", "region=us", "service.name=svc", "tier=basic", "tier=gold"]);
      expect(r.rows.every((row) => row.p_value === null && row.q_value === null && !row.significant)).toBe(true);
      // tier=gold: selected 9, 10 (2 of 3), baseline event 4 (weight 2 of 12): lift (2/3) ÷ (1/6) = 4.
      // With: (2·0.0047 + 0.0092 + 0.0100) / 4 = 0.0286 / 4; without: (0.0794 − 0.0286) / 11.
      const gold = r.rows.find((row) => row.key === "tier" && row.value === "gold")!;
      expect([gold.selected_events, gold.baseline_events]).toEqual([2, 2]);
      expect(gold.selected_share).toBeCloseTo(2 / 3, 12);
      expect(gold.baseline_share).toBeCloseTo(1 / 6, 12);
      expect(gold.lift).toBeCloseTo(4, 12);
      expect(gold.mean_with!).toBeCloseTo(0.0286 / 4, 12);
      expect(gold.mean_without!).toBeCloseTo(0.0508 / 11, 12);
      // region: us on 1, 4 (weight 2), 7, 10 → selected 10 (1), baseline 2 + 2 + 1 = 5;
      // ap on 2, 5 (weight 2), 8 → 1 and 4; eu on 3 (2), 6, 9 → 1 and 3.
      expect(r.rows.filter((row) => row.key === "region").map((row) => [row.value, row.selected_events, row.baseline_events]))
        .toEqual([["ap", 1, 4], ["eu", 1, 3], ["us", 1, 5]]);
      // The resource attribute is on every event: all 3 and all 12, no event without it.
      const svc = r.rows.find((row) => row.key === "service.name")!;
      expect([svc.selected_events, svc.baseline_events, svc.selected_share, svc.baseline_share, svc.mean_without]).toEqual([3, 12, 1, 1, null]);
      expect(svc.mean_with!).toBeCloseTo(0.0794 / 15, 12);
      // The run's totals, weights and pricing: 15 weighted events from 10 stored traces of 19
      // spans, weights 1 and 2, every span priced from its cost.usd.
      expect([r.totals.events, r.totals.stored_traces, r.totals.stored_spans]).toEqual([15, 10, 19]);
      expect(r.totals.total_cost_usd).toBeCloseTo(0.0794, 12);
      expect([r.weights.stored_traces, r.weights.estimated_events, r.weights.min_weight, r.weights.max_weight]).toEqual([10, 15, 1, 2]);
      expect(r.pricing.cost_sources.explicit).toBe(19);
    });
  });

  it("--keys and --max-values reach the queries: only the keys named, a key's rarer values folded into (other)", async () => {
    await withModelDb(spans, async (db) => {
      // Only tier: no other key is read, so none is skipped as an id.
      const tier = await outliers(db, defaultConfig(), { top: 0.2, keys: ["tier"] });
      expect(label(tier.rows)).toEqual(["tier=basic", "tier=gold"]);
      expect(tier.skipped_keys).toEqual([]);
      // region by weighted events: us 6, ap 5, eu 4. With 2 values kept, eu (events 3 of weight 2,
      // 6, 9) folds into (other): selected 9 (1), baseline 2 + 1 = 3.
      const region = await outliers(db, defaultConfig(), { top: 0.2, keys: ["region"], maxValues: 2 });
      expect(region.max_values).toBe(2);
      expect(region.rows.map((row) => [row.value, row.selected_events, row.baseline_events])).toEqual([["(other)", 1, 3], ["ap", 1, 4], ["us", 1, 5]]);
      // Only req.id, an id: no key is left to compare, so no row at all (and req.id listed as skipped).
      const id = await outliers(db, defaultConfig(), { top: 0.2, keys: ["req.id"] });
      expect(id.rows).toEqual([]);
      expect(id.skipped_keys.map((k) => k.key)).toEqual(["req.id"]);
    });
  });

  it("--stage auction: the stage's cost, or its time, within each event; events without the stage left out", async () => {
    await withModelDb(spans, async (db) => {
      // Auction cost 0.0001·(11 − i) on events 1–9 (event 10 has none: 15 − 14 = 1 weighted event
      // left out). Ascending: 9, 8, 7, 6 (weight 1; cumulative 1–4), 5, 4, 3, 2, 1 (weight 2;
      // 6, 8, 10, 12, 14). 0.8 × 14 = 11.2 is first reached at event 2 ($0.0009): the edge, and
      // event 1 ($0.0010, weight 2) is selected: Σw = 2, Σw² = 4, n = 1.
      const cost = await outliers(db, defaultConfig(), { top: 0.2, stage: "auction" });
      expect(cost.stage).toBe("auction");
      expect(cost.threshold).toBeCloseTo(0.0009, 12);
      expect(cost.events_without_stage).toBe(1);
      expect(cost.selected.events).toBe(2);
      expect(cost.selected.effective_n).toBeCloseTo(1, 12);
      expect(cost.selected.mean!).toBeCloseTo(0.0010, 12);
      // Baseline: events 2–5 (weight 2) and 6–9: Σw = 12, Σw² = 4·4 + 4 = 20, n = 7.2;
      // Σw·cost = 2·(0.0009 + 0.0008 + 0.0007 + 0.0006) + 0.0005 + 0.0004 + 0.0003 + 0.0002 = 0.0074.
      expect(cost.baseline.events).toBe(12);
      expect(cost.baseline.effective_n).toBeCloseTo(7.2, 12);
      expect(cost.baseline.mean!).toBeCloseTo(0.0074 / 12, 12);
      // The auction's time, 11 − i ms: the same order, so the edge is event 2's 9 ms.
      const latency = await outliers(db, defaultConfig(), { top: 0.2, stage: "auction", metric: "latency" });
      expect(latency.metric).toBe("latency");
      expect(latency.threshold).toBeCloseTo(9, 9);
      expect(latency.selected.mean!).toBeCloseTo(10, 9);
    });
  });

  it("--metric latency: the whole event's time, 10 + i ms", async () => {
    await withModelDb(spans, async (db) => {
      // The same order as cost: edge at event 7 (17 ms), selected 8, 9, 10: (18 + 19 + 20) / 3 = 19 ms;
      // baseline 2·(11 + 12 + 13 + 14 + 15) + 16 + 17 = 163 over 12.
      const r = await outliers(db, defaultConfig(), { top: 0.2, metric: "latency" });
      expect(r.threshold).toBeCloseTo(17, 9);
      expect(r.selected.mean!).toBeCloseTo(19, 9);
      expect(r.baseline.mean!).toBeCloseTo(163 / 12, 9);
    });
  });

  it("a mistyped --stage or --keys: a usage error naming the data's stages, or its closest attribute key", async () => {
    await withModelDb(spans, async (db) => {
      const stage = outliers(db, defaultConfig(), { stage: "auctoin" });
      await expect(stage).rejects.toThrow(UsageError);
      await expect(stage).rejects.toThrow(/^--stage: no stage 'auctoin' in this data \(did you mean 'auction'\?\); stages: auction, request$/);
      // sampleRat: no event carries it; the hint comes from every key of the data, model inputs
      // included (sampleRate is one), not only the candidates.
      const keys = outliers(db, defaultConfig(), { keys: ["sampleRat"] });
      await expect(keys).rejects.toThrow(UsageError);
      await expect(keys).rejects.toThrow(/^--keys: no attribute 'sampleRat' on these events \(did you mean 'sampleRate'\?\)$/);
    });
  });

  it("without --keys no key is refused, whatever names the config prices from", async () => {
    // A cost attribute of any spelling (here the placeholder string StrykerJS puts in emptied
    // lists) is refused only when --keys names it; with no --keys the check passes and returns the
    // keys never candidates, that attribute among them.
    const config = { ...defaultConfig(), cost_attributes: ["Stryker was here"] };
    const noStages = async (): Promise<string[]> => [];
    await expect(checkOutlierOptions(config, {}, noStages)).resolves.toEqual(modelInputKeys(config));
    expect(modelInputKeys(config)).toContain("Stryker was here");
    await expect(checkOutlierOptions(config, { keys: ["Stryker was here"] }, noStages)).rejects.toThrow(/^--keys: 'Stryker was here' is an input of the cost model/);
  });
});
