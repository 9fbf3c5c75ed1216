// Whole-file mutation tests (issue 25, task cfg30), pure and in-process: no DuckDB, no child
// process. `cost flags`' rules (src/analysis/flags.ts) against README's "adtrace cost flags" text and
// figures worked by hand from small profiles; the config's parser (src/model/config.ts,
// src/model/config-schema.ts) against the ranges, defaults and messages README and the schema state.
// Each test was seen to fail with the mutant it names applied by hand.
import { describe, expect, it } from "vitest";
import {
  assumptionsText, chooseLever, estimateSaving, flagsOnPath, flagStages, toProfile, type StageProfile,
} from "../src/analysis/flags.js";
import { defaultConfig } from "../src/model/config.js";

/** A warehouse stage that no rule flags on its own (12% of cost, 20% warehouse, top query 10%, no bytes). */
const profile = (stage: string, over: Partial<StageProfile> = {}): StageProfile => ({
  stage, cost_share: 0.12, cost_per_event_usd: 0.002, query_per_event_usd: 0.001,
  warehouse_cost_share: 0.2, warehouse: "snowflake", top_query: null, top_query_cost_share: 0.1,
  bytes_per_event: 0, warehouse_calls_per_event: 1, top_query_calls: 0, top_query_statements: 0,
  ...over,
});

/** README's thresholds: min_cost_share 0.25, min_warehouse_share 0.5, top_query_share 0.6, bytes_ratio 10. */
const README_FLAGS = { min_cost_share: 0.25, min_warehouse_share: 0.5, top_query_share: 0.6, bytes_ratio: 10 };

/** The stages flagged and their reasons (the lever's `why` after the last "; " left out). */
const reasonsOf = (profiles: StageProfile[], thresholds = README_FLAGS) =>
  flagStages(profiles, thresholds).map((f) => [f.stage, f.reason.split("; ").slice(0, -1).join("; ")]);

describe("flags.ts", () => {
  it("README's thresholds are the defaults", () => {
    expect(defaultConfig().flags).toEqual(README_FLAGS);
  });

  describe("heavy: ≥ min_cost_share of cost and more than min_warehouse_share of it warehouse", () => {
    it("exactly the cost share is enough; exactly half warehouse is not 'most of it'", () => {
      const profiles = [
        profile("at-both-limits", { cost_share: 0.25, warehouse_cost_share: 0.5 }),
        profile("at-cost-limit", { cost_share: 0.25, warehouse_cost_share: 0.51 }),
        profile("under-cost", { cost_share: 0.249, warehouse_cost_share: 0.9 }),
      ];
      expect(reasonsOf(profiles)).toEqual([["at-cost-limit", "25% of per-event cost, 51% of it warehouse queries (snowflake)"]]);
    });
  });

  describe("concentrated: a warehouse stage with ≥ 5% of cost, one query ≥ top_query_share of it", () => {
    it("exactly 5% of cost and exactly the top query share are enough", () => {
      const profiles = [
        profile("at-limits", { cost_share: 0.05, top_query_cost_share: 0.6 }),
        profile("under-5%", { cost_share: 0.049, top_query_cost_share: 0.9 }),
        profile("under-share", { cost_share: 0.2, top_query_cost_share: 0.59 }),
        profile("no-warehouse", { warehouse: null, cost_share: 0.2, top_query_cost_share: 0.9 }),
        profile("no-top-query", { cost_share: 0.2, top_query_cost_share: null }),
      ];
      expect(reasonsOf(profiles)).toEqual([["at-limits", "one query carries 60% of the stage's cost"]]);
    });
  });

  describe("bytes: ≥ bytes_ratio × the median warehouse stage's bytes per event", () => {
    it("the median is over warehouse stages that scan something; exactly the ratio is enough", () => {
      // Scanning warehouse stages: 1 MB, 2 MB, 20 MB → median 2 MB; 20 MB = 10 × 2 MB. The stage
      // scanning nothing and the two without a warehouse (50 MB, 60 MB) are left out: with the first
      // the median would be 1.5 MB (13×), with the others 20 MB (1×), with all three 11 MB (2×).
      const profiles = [
        profile("big", { bytes_per_event: 20e6 }),
        profile("a", { bytes_per_event: 1e6 }),
        profile("b", { bytes_per_event: 2e6 }),
        profile("zero", { bytes_per_event: 0 }),
        profile("local", { warehouse: null, bytes_per_event: 50e6 }),
        profile("local2", { warehouse: null, bytes_per_event: 60e6 }),
      ];
      expect(reasonsOf(profiles)).toEqual([["big", "scans 10× the median warehouse stage's bytes per event"]]);
      // Just under 10×: nothing.
      expect(reasonsOf([profile("big", { bytes_per_event: 19.9e6 }), ...profiles.slice(1)])).toEqual([]);
    });

    it("needs two scanning warehouse stages and 5% of cost (bytes_ratio 1 makes the bound reachable)", () => {
      const ratioOne = { ...README_FLAGS, bytes_ratio: 1 };
      // One stage alone is its own median: 1 × median, but there is nothing to compare it with.
      expect(reasonsOf([profile("alone", { bytes_per_event: 5e6 })], ratioOne)).toEqual([]);
      // Two stages (3 MB and 5 MB, median 4 MB): the 5 MB one scans 1.25× → "1×"; the 3 MB one 0.75×.
      expect(reasonsOf([profile("x", { bytes_per_event: 5e6 }), profile("y", { bytes_per_event: 3e6 })], ratioOne)).toEqual([
        ["x", "scans 1× the median warehouse stage's bytes per event"],
      ]);
      // Exactly 5% of cost is enough, under it is not.
      const cost = (share: number) => reasonsOf([profile("x", { cost_share: share, bytes_per_event: 5e6 }), profile("y", { bytes_per_event: 3e6 })], ratioOne);
      expect(cost(0.05).map(([s]) => s)).toEqual(["x"]);
      expect(cost(0.049)).toEqual([]);
    });
  });

  it("several reasons in one flag, then the lever's why; every field carried over", () => {
    // 40% of cost, 80% of it warehouse, the top query 70%; the stages scan 100 MB, 1 MB and 4 MB: median 4 MB, 25×.
    const heavy = profile("aggregation", {
      cost_share: 0.4, cost_per_event_usd: 0.01, query_per_event_usd: 0.008, warehouse_cost_share: 0.8,
      top_query: "SELECT sum(x) FROM t", top_query_cost_share: 0.7, bytes_per_event: 100e6,
    });
    const flags = flagStages([heavy, profile("a", { bytes_per_event: 1e6 }), profile("b", { bytes_per_event: 4e6 })], README_FLAGS, 0.0004);
    expect(flags).toEqual([{
      stage: "aggregation", cost_share: 0.4, cost_per_event_usd: 0.01, warehouse_cost_share: 0.8, warehouse: "snowflake",
      top_query: "SELECT sum(x) FROM t", top_query_cost_share: 0.7,
      reason: "40% of per-event cost, 80% of it warehouse queries (snowflake); one query carries 70% of the stage's cost; "
        + "scans 25× the median warehouse stage's bytes per event; "
        + "its top query aggregates raw rows on every event: pre-aggregate into a rollup and read that",
      lever: "preaggregate",
      // 30% of the query cost, less the refresh spread over the events: 0.3 × 0.008 − 0.0004.
      est_savings_per_event_usd: expect.closeTo(0.002, 12),
      on_critical_path_share: null, off_critical_path: false,
    }]);
  });

  describe("the lever", () => {
    const lever = (top_query: string | null, stage = "delivery", calls = 0, statements = 0) =>
      chooseLever({ stage, top_query, top_query_calls: calls, top_query_statements: statements }).lever;

    it("aggregates → preaggregate: each aggregate README and the rule name, a space before the parenthesis, GROUP BY", () => {
      for (const q of ["select SUM(x) from t", "select count (*) from t", "SELECT avg(x)", "select MIN(x)", "select max(x)",
        "select approx_count_distinct(u)", "select percentile_cont(0.5)", "select a from t group by a", "select a from t GROUP\n  BY a"]) {
        expect(lever(q), q).toBe("preaggregate");
      }
    });

    it("a word that only ends in an aggregate's name, or 'group by' inside a word, is no aggregate", () => {
      for (const q of ["select checksum(x) from t", "select a from subgroup by x", "select a from t group bytes"]) {
        expect(lever(q, "delivery", 10, 10), q).toBe("tune");
      }
      // The same reads repeating (10 calls, 1 statement) are cached, so the aggregate rule did not take them.
      expect(lever("select checksum(x) from t", "delivery", 10, 1)).toBe("cache");
    });

    it("writes → tune (batch them), at the start of the statement only", () => {
      for (const q of ["INSERT INTO t VALUES (1)", "  merge into t", "copy into t", "update t set a = 1", "upsert t", "\ndelete from t"]) {
        expect(chooseLever({ stage: "tracking", top_query: q, top_query_calls: 10, top_query_statements: 1 }), q)
          .toEqual({ lever: "tune", why: "its top query writes row by row on every event: batch the writes (tune)" });
      }
      // A read that mentions a write later, or a word that starts like one, is read as a read (10 calls, 1 statement: cache).
      expect(lever("select 'insert' from t", "delivery", 10, 1)).toBe("cache");
      expect(lever("inserted_rows", "tracking", 10, 1)).toBe("cache");
      expect(chooseLever({ stage: "delivery", top_query: "updates", top_query_calls: 10, top_query_statements: 1 }).why).toBe("no query shape to go by: tune the queries");
    });

    it("reads: cache when at least 25% of calls repeat an earlier statement, else tune, with the counts in words", () => {
      // 4 calls, 3 statements: 1 − 3/4 = 25% exactly, the assumed hit rate.
      expect(chooseLever({ stage: "delivery", top_query: "SELECT * FROM u WHERE id = ?", top_query_calls: 4, top_query_statements: 3 })).toEqual({
        lever: "cache",
        why: "its top query repeats the same statements (4 calls ran 3 distinct statements, so 25% of calls repeat an earlier one): cache its result",
      });
      // 100 calls, 76 statements: 24%.
      expect(chooseLever({ stage: "delivery", top_query: " with x as (select 1) select * from x", top_query_calls: 100, top_query_statements: 76 })).toEqual({
        lever: "tune",
        why: "its top query is a lookup whose literals change from call to call (100 calls ran 76 distinct statements, so 24% of calls repeat an earlier one: a cache would rarely hit): tune it (index or cluster on the lookup key, or batch the lookups)",
      });
      // One statement: singular.
      expect(chooseLever({ stage: "delivery", top_query: "select 1", top_query_calls: 3, top_query_statements: 1 }).why).toContain("(3 calls ran 1 distinct statement, so 67% of calls");
    });

    it("a read with no calls or no statements counted goes by the stage", () => {
      expect(lever("select 1", "tracking", 0, 0)).toBe("cache");
      expect(lever("select 1", "delivery", 5, 0)).toBe("tune");
      expect(lever("select 1", "delivery", 0, 5)).toBe("tune");
      expect(chooseLever({ stage: "delivery", top_query: "select 1", top_query_calls: 0, top_query_statements: 5 }).why).toBe("no query shape to go by: tune the queries");
      // "Selection" is no SELECT.
      expect(lever("selection", "delivery", 10, 1)).toBe("tune");
    });

    it("no query text: aggregation, rollups and reports → preaggregate; tracking, profiling, inventory → cache; else tune", () => {
      const why = (stage: string) => chooseLever({ stage, top_query: null, top_query_calls: 0, top_query_statements: 0 });
      for (const stage of ["aggregation", "Daily_Rollup", "REPORTS"]) expect(why(stage), stage).toEqual({ lever: "preaggregate", why: "aggregation recomputed per event: pre-aggregate" });
      for (const stage of ["event_tracking", "Profiling", "inventory_lookup"]) {
        expect(why(stage), stage).toEqual({ lever: "cache", why: "no query text to check, but such lookups usually repeat across events: cache them" });
      }
      for (const stage of ["auction", "delivery", "request"]) expect(why(stage), stage).toEqual({ lever: "tune", why: "no query shape to go by: tune the queries" });
    });
  });

  describe("the estimated saving per event (README: cache 25% hits, pre-aggregation −30% of query cost, tuning −10% of cost)", () => {
    const p = { cost_per_event_usd: 0.004, query_per_event_usd: 0.003 };
    it("cache: 25% of the stage's cost, a hit costing nothing", () => {
      expect(estimateSaving(p, "cache")).toBeCloseTo(0.001, 15);
      // The refresh is pre-aggregation's alone.
      expect(estimateSaving(p, "cache", 0.5)).toBeCloseTo(0.001, 15);
    });
    it("pre-aggregation: 30% of the query cost less the refresh per event", () => {
      expect(estimateSaving(p, "preaggregate")).toBeCloseTo(0.0009, 15);
      expect(estimateSaving(p, "preaggregate", 0.0004)).toBeCloseTo(0.0005, 15);
    });
    it("tuning: 10% of the stage's cost", () => {
      expect(estimateSaving(p, "tune", 0.5)).toBeCloseTo(0.0004, 15);
    });
    it("the assumptions in README's words", () => {
      expect(assumptionsText()).toBe("cache 25% hits, pre-aggregation −30% of query cost, tuning −10% of cost");
    });
  });

  describe("toProfile: a row of flags.stage_profile", () => {
    it("numbers from bigint or text, a missing number is 0, a missing warehouse or top query null", () => {
      expect(toProfile({ stage: "tracking", cost_share: "0.5", cost_per_event_usd: 0.25, query_per_event_usd: 2n, warehouse_cost_share: 0.75,
        warehouse: "bigquery", top_query: "select 1", top_query_cost_share: 0.125, bytes_per_event: 1024n, warehouse_calls_per_event: 3,
        top_query_calls: 7n, top_query_statements: "2" })).toEqual({
        stage: "tracking", cost_share: 0.5, cost_per_event_usd: 0.25, query_per_event_usd: 2, warehouse_cost_share: 0.75,
        warehouse: "bigquery", top_query: "select 1", top_query_cost_share: 0.125, bytes_per_event: 1024, warehouse_calls_per_event: 3,
        top_query_calls: 7, top_query_statements: 2,
      });
      expect(toProfile({ stage: "other", top_query_cost_share: null })).toEqual({
        stage: "other", cost_share: 0, cost_per_event_usd: 0, query_per_event_usd: 0, warehouse_cost_share: 0,
        warehouse: null, top_query: null, top_query_cost_share: null, bytes_per_event: 0, warehouse_calls_per_event: 0,
        top_query_calls: 0, top_query_statements: 0,
      });
      // A top query share the row does not carry at all reads as 0, as every other missing number.
      expect(toProfile({ stage: "x" }).top_query_cost_share).toBe(0);
    });
  });

  describe("flagsOnPath: the on-path share of each flagged stage", () => {
    const config = () => {
      const c = defaultConfig();
      c.events_per_day = 1000;
      c.preaggregate = { refresh_cost_usd: 2, refreshes_per_day: 50 };
      return c;
    };
    const heavy = (stage: string, over: Partial<StageProfile> = {}) => profile(stage, { cost_share: 0.3, warehouse_cost_share: 0.9, ...over });

    it("asks for the shares only when a stage is flagged", async () => {
      let asked = 0;
      const shares = async () => {
        asked++;
        return new Map<string, number>();
      };
      expect(await flagsOnPath([profile("quiet")], config(), shares)).toEqual([]);
      expect(asked).toBe(0);
      await flagsOnPath([heavy("aggregation")], config(), shares);
      expect(asked).toBe(1);
    });

    it("off the path below half its events; exactly half is on it; a stage the walk never saw is at 0", async () => {
      const flags = await flagsOnPath([heavy("a"), heavy("b"), heavy("c")], config(), async () => new Map([["a", 0.5], ["b", 0.499]]));
      expect(flags.map((f) => [f.stage, f.on_critical_path_share, f.off_critical_path])).toEqual([["a", 0.5, false], ["b", 0.499, true], ["c", 0, true]]);
    });

    it("spreads the day's refreshes over the day's events: $2 × 50 / 1000 events = $0.1 an event", async () => {
      const [flag] = await flagsOnPath([heavy("aggregation", { query_per_event_usd: 1 })], config(), async () => new Map());
      // 30% of $1 of query cost, less $0.1.
      expect(flag!.lever).toBe("preaggregate");
      expect(flag!.est_savings_per_event_usd).toBeCloseTo(0.2, 12);
    });
  });
});
