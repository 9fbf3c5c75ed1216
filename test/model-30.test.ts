// Whole-file mutation tests (issue 25, task cfg30), pure and in-process: no DuckDB, no child
// process. `cost flags`' rules (src/analysis/flags.ts) against README's "adtrace cost flags" text and
// figures worked by hand from small profiles; the config's parser (src/model/config.ts,
// src/model/config-schema.ts) against the ranges, defaults and messages README and the schema state.
// Each test was seen to fail with the mutant it names applied by hand.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  assumptionsText, chooseLever, estimateSaving, flagsOnPath, flagStages, toProfile, type StageProfile,
} from "../src/analysis/flags.js";
import { CONFIG_SCHEMA, knownKeys, schemaAt } from "../src/model/config-schema.js";
import { configDigest, defaultConfig, loadConfig, parseConfig, type Config } from "../src/model/config.js";
import { configError } from "./helpers/config-error.js";

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

/** The config file c.yaml holding `text`. */
const parse = (text: string): Config => parseConfig(text, "c.yaml");
/** The top-level keys, in the order `adtrace init` writes them and an unknown key's message lists them. */
const TOP_KEYS = "events_per_day, cost_attributes, query_id_attributes, bytes_attributes, stages, prices, warehouses, flags, cache, preaggregate, sampling, tracing, slos, pii";

describe("config.ts", () => {
  describe("the defaults (README: Cost model, cost flags)", () => {
    it("README's documented values, from the built-in defaults", () => {
      const c = defaultConfig();
      expect(c.source).toBe("built-in defaults");
      expect(c.events_per_day).toBe(2e9);
      expect(c.cost_attributes).toEqual(["cost.usd"]);
      expect(c.bytes_attributes).toEqual(["db.bytes_billed", "bigquery.total_bytes_billed", "db.bytes_scanned", "bigquery.total_bytes_processed",
        "snowflake.bytes_scanned", "redshift.bytes_scanned", "db.response.bytes_scanned"]);
      expect(c.query_id_attributes).toEqual(["db.query.id", "snowflake.query_id", "bigquery.job_id"]);
      expect(c.warehouses).toEqual(expect.arrayContaining(["snowflake", "bigquery", "redshift", "athena"]));
      expect(c.flags).toEqual({ min_cost_share: 0.25, min_warehouse_share: 0.5, top_query_share: 0.6, bytes_ratio: 10 });
      expect(c.cache).toEqual({ hit_latency_ms: 1 });
      expect(c.preaggregate).toEqual({ refresh_cost_usd: 0, refreshes_per_day: 24 });
      expect(c.tracing).toEqual({ usd_per_gb: 0.1, usd_per_million_spans: 1.7 });
      expect([c.sampling, c.slos]).toEqual([[], []]);
      expect(c.pii.extra).toEqual([]);
      const [book] = c.prices;
      expect(c.prices).toHaveLength(1);
      expect(book!.compute?.vcpu_hour_usd).toBe(0.0425);
      expect(book!.warehouses?.snowflake?.credit_usd).toBe(3);
      expect(book!.warehouses?.bigquery).toMatchObject({ tib_usd: 6.25, min_bytes: 10 * 1024 * 1024 });
      expect(book!.warehouses?.redshift).toMatchObject({ rpus: 8, rpu_hour_usd: 0.375 });
      // The stage rules README names, first match wins, `other` for the rest (no rule names it).
      const stages = new Set(c.stages.map((r) => r.stage));
      expect([...stages].sort()).toEqual(["aggregation", "auction", "delivery", "inventory_lookup", "profiling", "request", "tracking"]);
      expect(c.stages.every((r) => Object.keys(r.match).length > 0)).toBe(true);
    });

    it("each call is a fresh copy: changing one config leaves the next as documented", () => {
      const a = defaultConfig();
      a.cost_attributes.push("x");
      a.flags.bytes_ratio = 99;
      a.stages[0]!.match.name = "changed";
      a.prices[0]!.compute!.vcpu_hour_usd = 9;
      const b = defaultConfig();
      expect(b.cost_attributes).toEqual(["cost.usd"]);
      expect(b.flags.bytes_ratio).toBe(10);
      expect(b.stages[0]!.match.name).not.toBe("changed");
      expect(b.prices[0]!.compute!.vcpu_hour_usd).toBe(0.0425);
    });
  });

  describe("parseConfig: what a file sets, and what it leaves to the defaults", () => {
    it("an empty file, a comment, a null document or a bare '---' is the defaults, from that file", () => {
      for (const text of ["", "# nothing yet\n", "~\n", "---\n"]) expect(parse(text), JSON.stringify(text)).toEqual({ ...defaultConfig(), source: "c.yaml" });
    });

    it("one key changes that key alone", () => {
      expect(parse("events_per_day: 500M\n")).toEqual({ ...defaultConfig(), source: "c.yaml", events_per_day: 5e8 });
      expect(parse("cache:\n  hit_latency_ms: 5\n")).toEqual({ ...defaultConfig(), source: "c.yaml", cache: { hit_latency_ms: 5 } });
    });

    it("a section keeps the defaults of the keys it does not give", () => {
      const c = parse("flags:\n  bytes_ratio: 4\npreaggregate:\n  refreshes_per_day: 12\ntracing:\n  bytes_per_span: 500\n");
      expect(c.flags).toEqual({ min_cost_share: 0.25, min_warehouse_share: 0.5, top_query_share: 0.6, bytes_ratio: 4 });
      expect(c.preaggregate).toEqual({ refresh_cost_usd: 0, refreshes_per_day: 12 });
      expect(c.tracing).toEqual({ usd_per_gb: 0.1, usd_per_million_spans: 1.7, bytes_per_span: 500 });
      expect(c.cache).toEqual({ hit_latency_ms: 1 });
    });

    it("a list replaces the default list whole", () => {
      const c = parse([
        "cost_attributes: [my.cost]", "query_id_attributes: [job.id]", "bytes_attributes: [my.bytes]", "warehouses: [duckdb]",
        "stages:", "  - stage: bidding", "    match: { name: 'bid.*' }",
        "sampling:", "  - match: { service: edge }", "    rate: 0.25", "",
      ].join("\n"));
      expect(c.cost_attributes).toEqual(["my.cost"]);
      expect(c.query_id_attributes).toEqual(["job.id"]);
      expect(c.bytes_attributes).toEqual(["my.bytes"]);
      expect(c.warehouses).toEqual(["duckdb"]);
      expect(c.stages).toEqual([{ stage: "bidding", match: { name: "bid.*" } }]);
      expect(c.sampling).toEqual([{ match: { service: "edge" }, rate: 0.25 }]);
    });

    it("any scalar in a list of names is its text", () => {
      expect(parse("cost_attributes: [123, true, x, 1.5]\n").cost_attributes).toEqual(["123", "true", "x", "1.5"]);
      expect(configError("cost_attributes: [[a]]\n")).toBe("c.yaml:1: cost_attributes[0]: expected a string");
      expect(configError("cost_attributes: [a, ~]\n")).toBe("c.yaml:1: cost_attributes[1]: expected a string");
    });

    it("price books: the built-in book first, then the file's by effective_from (an undated one first), as UTC ISO dates", () => {
      const c = parse([
        "prices:", "  - effective_from: 2025-03-01", "    compute: { vcpu_hour_usd: 3 }",
        "  - effective_from: 2024", "    compute: { vcpu_hour_usd: 1 }",
        "  - compute: { vcpu_hour_usd: 0.5 }",
        "  - effective_from: '2025-01-01T02:00:00+02:00'", "    compute: { vcpu_hour_usd: 2 }", "",
      ].join("\n"));
      expect(c.prices[0]).toEqual(defaultConfig().prices[0]);
      // The year 2024 as a number is 2024-01-01; 02:00 at +02:00 is midnight UTC.
      expect(c.prices.slice(1).map((b) => [b.effective_from, b.compute?.vcpu_hour_usd])).toEqual([
        [undefined, 0.5], ["2024-01-01T00:00:00.000Z", 1], ["2025-01-01T00:00:00.000Z", 2], ["2025-03-01T00:00:00.000Z", 3],
      ]);
      // One book as a mapping is a list of one.
      expect(parse("prices:\n  compute: { vcpus: 2 }\n").prices.slice(1)).toEqual([{ compute: { vcpus: 2 } }]);
    });

    it("an effective_from that is no date", () => {
      const words = "expected a date (YYYY-MM-DD or ISO 8601)";
      expect(configError("prices:\n  effective_from: soon\n")).toBe(`c.yaml:2: prices.effective_from: ${words}`);
      expect(configError("prices:\n  - compute: {}\n  - effective_from: true\n")).toBe(`c.yaml:3: prices[1].effective_from: ${words}`);
      expect(configError("prices:\n  effective_from: [2025-01-01]\n")).toBe(`c.yaml:2: prices.effective_from: ${words}`);
    });
  });

  describe("parseConfig: errors name the file, the line and the key path", () => {
    it("invalid YAML: the line of the first error and its first line of text", () => {
      // yaml's own words; its pretty form would add ' at line 3, column 1:' and the line itself.
      expect(configError("events_per_day: 1\ncache: {}\nevents_per_day: 2\n")).toBe("c.yaml:3: invalid YAML (Map keys must be unique)");
      expect(configError("# a\nflags: [\n")).toBe("c.yaml:3: invalid YAML (Flow sequence in block collection must be sufficiently indented and end with a ])");
    });

    it("a document that is no mapping is 'config', at its first line", () => {
      expect(configError("# the rules\n- a\n- b\n")).toBe("c.yaml:2: config: expected a mapping of key: value");
      expect(configError("5\n")).toBe("c.yaml:1: config: expected a mapping of key: value");
    });

    it("an unknown key: at its own line, a suggestion when close, the keys known there", () => {
      expect(configError("events_per_day: 5\n\nflgs: 1\n")).toBe(`c.yaml:3: unknown key 'flgs' (did you mean 'flags'?) (known here: ${TOP_KEYS})`);
      // A null key is written 'null', and nothing is close to it.
      expect(configError("~: 1\n")).toBe(`c.yaml:1: unknown key 'null' (known here: ${TOP_KEYS})`);
      // In a list: the index in brackets, the item's own keys.
      expect(configError("stages:\n  - stage: a\n    match: { name: x }\n  - stage: b\n    match: { nam: y }\n"))
        .toBe("c.yaml:5: unknown key 'stages[1].match.nam' (did you mean 'name'?) (known here: name, service, attribute)");
      // Through an alias: the key where the anchor wrote it.
      expect(configError("flags: &f\n  bytes_ratio: 3\ncache: *f\n")).toBe("c.yaml:2: unknown key 'cache.bytes_ratio' (known here: hit_latency_ms)");
      // A mapping or a list used as a key: its own line, written as the parsed data has it (it was
      // at line 1: the key's text as the check finds it, `{"x":1}`, matched no pair of the mapping).
      expect(configError("flags:\n  bytes_ratio: 3\n  ? {x: 1}\n  : 2\n"))
        .toBe("c.yaml:3: unknown key 'flags.{ x: 1 }' (known here: min_cost_share, min_warehouse_share, top_query_share, bytes_ratio)");
      expect(configError("events_per_day: 5\n? [a, b]\n: x\n")).toBe(`c.yaml:2: unknown key '[ a, b ]' (known here: ${TOP_KEYS})`);
      // Written in block style, the key is still named in flow style, as the parsed data has it.
      expect(configError("events_per_day: 5\n? - a\n  - b\n: x\n")).toBe(`c.yaml:2: unknown key '[ a, b ]' (known here: ${TOP_KEYS})`);
      // With an anchor or a tag on it, too: the parsed data's key has neither (it was at line 1).
      expect(configError("events_per_day: 5\n\n? &k [a, b]\n: x\n")).toBe(`c.yaml:3: unknown key '[ a, b ]' (known here: ${TOP_KEYS})`);
      expect(configError("events_per_day: 5\n? !!map {x: 1}\n: x\n")).toBe(`c.yaml:2: unknown key '{ x: 1 }' (known here: ${TOP_KEYS})`);
      // A warehouse's price keys.
      expect(configError("prices:\n  warehouses:\n    trino:\n      hour_usd: 1\n      hours_usd: 2\n"))
        .toBe("c.yaml:5: unknown key 'prices.warehouses.trino.hours_usd' (did you mean 'hour_usd'?) (known here: credit_usd, credits_per_hour, default_size, tib_usd, min_bytes, slot_hour_usd, rpu_hour_usd, rpus, hour_usd)");
    });

    it("a missing key: at the line of its mapping, named with the mapping's path", () => {
      expect(configError("events_per_day: 5\nsampling:\n  - match: { name: x }\n")).toBe("c.yaml:3: sampling[0]: expected a 'rate' key");
      expect(configError("pii:\n  extra:\n    - pattern: 'x'\n")).toBe("c.yaml:3: pii.extra[0]: expected a 'kind' key");
      expect(configError("stages:\n  - stage: a\n    match: {}\n  - stage: b\n")).toBe("c.yaml:4: stages[1]: expected a 'match' key");
    });

    it("of several errors, the first in the file, though the schema lists the other key first", () => {
      expect(configError("cache:\n  hit_latency_ms: -1\nevents_per_day: 0\n")).toBe("c.yaml:2: cache.hit_latency_ms: expected a number ≥ 0");
      // An unknown key inside a list item comes before the item's missing key (checked at the item's end).
      expect(configError("sampling:\n  - match: { nam: x }\n")).toBe("c.yaml:2: unknown key 'sampling[0].match.nam' (did you mean 'name'?) (known here: name, service, attribute)");
      expect(configError("sampling:\n  - match:\n      nam: x\n    hm: 1\n")).toBe("c.yaml:3: unknown key 'sampling[0].match.nam' (did you mean 'name'?) (known here: name, service, attribute)");
    });

    it("a section that is no mapping, a list that is no list, a mapping of names that is a list", () => {
      expect(configError("flags: 5\n")).toBe("c.yaml:1: flags: expected a mapping of key: value");
      expect(configError("events_per_day: 1\nflags: [0.3]\n")).toBe("c.yaml:2: flags: expected a mapping of key: value");
      expect(configError("flags: ~\n")).toBe("c.yaml:1: flags: expected a mapping of key: value");
      expect(configError("warehouses: snowflake\n")).toBe("c.yaml:1: warehouses: expected a list");
      // Prices: one book as a mapping is a list of one, but a number or a null is no list.
      expect(configError("prices: 5\n")).toBe("c.yaml:1: prices: expected a list");
      expect(configError("prices: ~\n")).toBe("c.yaml:1: prices: expected a list");
      expect(configError("prices:\n  warehouses: [snowflake]\n")).toBe("c.yaml:2: prices.warehouses: expected a mapping of key: value");
      expect(configError("stages:\n  - stage: a\n    match:\n      attribute: [x]\n")).toBe("c.yaml:4: stages[0].match.attribute: expected a mapping of key: value");
    });
  });

  describe("the number ranges (config-schema.ts), at their limits", () => {
    const ok = (text: string) => expect(configError(text), text).toBe("no error");
    it("events_per_day: a count ≥ 1, as a number or as text", () => {
      const examples = "expected a number such as 2000000000, 2e9, 2B or 500M";
      expect(parse("events_per_day: 1\n").events_per_day).toBe(1);
      expect(parse("events_per_day: 2,000,000\n").events_per_day).toBe(2e6);
      expect(parse("events_per_day: 2B\n").events_per_day).toBe(2e9);
      expect(configError("events_per_day: 0\n")).toBe("c.yaml:1: events_per_day: expected a number ≥ 1");
      expect(configError("events_per_day: -5\n")).toBe("c.yaml:1: events_per_day: expected a number ≥ 1");
      expect(configError("events_per_day: '0.5'\n")).toBe("c.yaml:1: events_per_day: expected a number ≥ 1");
      expect(configError("events_per_day: ~\n")).toBe(`c.yaml:1: events_per_day: ${examples}`);
      expect(configError("events_per_day: .nan\n")).toBe(`c.yaml:1: events_per_day: ${examples}`);
      expect(configError("events_per_day: {}\n")).toBe("c.yaml:1: events_per_day: expected a number");
    });

    it("shares from 0 to 1 inclusive; bytes_ratio ≥ 1", () => {
      ok("flags:\n  min_cost_share: 0\n  min_warehouse_share: 1\n  top_query_share: 1\n  bytes_ratio: 1\n");
      expect(configError("flags:\n  top_query_share: 1.01\n")).toBe("c.yaml:2: flags.top_query_share: expected a number ≥ 0 and ≤ 1");
      expect(configError("flags:\n  min_cost_share: -0.01\n")).toBe("c.yaml:2: flags.min_cost_share: expected a number ≥ 0 and ≤ 1");
      expect(configError("flags:\n  bytes_ratio: 0.99\n")).toBe("c.yaml:2: flags.bytes_ratio: expected a number ≥ 1");
    });

    it("a sampling rate: > 0 and ≤ 1", () => {
      ok("sampling:\n  - match: { name: x }\n    rate: 1\n");
      expect(configError("sampling:\n  - match: { name: x }\n    rate: 0\n")).toBe("c.yaml:3: sampling[0].rate: expected a number > 0 and ≤ 1");
      expect(configError("sampling:\n  - match: { name: x }\n    rate: 1.5\n")).toBe("c.yaml:3: sampling[0].rate: expected a number > 0 and ≤ 1");
    });

    it("an objective and an error rate: > 0 and < 1; a latency and a cost ceiling: > 0", () => {
      ok("slos:\n  - name: a\n    latency_ms: 0.001\n    objective: 0.999\n  - name: b\n    error_rate: 0.001\n");
      for (const [key, value] of [["objective", 1], ["objective", 0]] as const) {
        expect(configError(`slos:\n  - name: a\n    latency_ms: 100\n    ${key}: ${value}\n`)).toBe(`c.yaml:4: slos[0].${key}: expected a number > 0 and < 1`);
      }
      expect(configError("slos:\n  - name: a\n    error_rate: 1\n")).toBe("c.yaml:3: slos[0].error_rate: expected a number > 0 and < 1");
      expect(configError("slos:\n  - name: a\n    latency_ms: 0\n")).toBe("c.yaml:3: slos[0].latency_ms: expected a number > 0");
      expect(configError("slos:\n  - name: a\n    cost_per_event_usd: -1\n")).toBe("c.yaml:3: slos[0].cost_per_event_usd: expected a number > 0");
      expect(configError("tracing:\n  bytes_per_span: 0\n")).toBe("c.yaml:2: tracing.bytes_per_span: expected a number > 0");
    });

    it("a price is a finite number ≥ 0", () => {
      ok("prices:\n  warehouses:\n    snowflake: { credit_usd: 0 }\n");
      expect(configError("prices:\n  warehouses:\n    snowflake: { credit_usd: -0.5 }\n")).toBe("c.yaml:3: prices.warehouses.snowflake.credit_usd: expected a number ≥ 0");
      expect(configError("flags:\n  bytes_ratio: .inf\n")).toBe("c.yaml:2: flags.bytes_ratio: expected a number");
      expect(configError("tracing:\n  usd_per_gb: lots\n")).toBe("c.yaml:2: tracing.usd_per_gb: expected a number");
    });
  });

  describe("SLOs: one indicator each, objective with latency only, unique names, each at its line", () => {
    it("where each entry is", () => {
      const c = parse("flags: {}\nslos:\n  - name: fast\n    latency_ms: 100\n\n  - name: cheap\n    stage: auction\n    cost_per_event_usd: 0.001\n");
      expect(c.slos).toEqual([
        { name: "fast", latency_ms: 100, where: "c.yaml:3" },
        { name: "cheap", stage: "auction", cost_per_event_usd: 0.001, where: "c.yaml:6" },
      ]);
    });

    it("no indicator, two, three", () => {
      const one = "expected exactly one of latency_ms, cost_per_event_usd, error_rate";
      expect(configError("flags: {}\nslos:\n  - name: a\n    latency_ms: 1\n  - name: b\n")).toBe(`c.yaml:5: slos[1] (b): ${one}`);
      expect(configError("flags: {}\nslos:\n  - name: c\n    latency_ms: 5\n    error_rate: 0.1\n")).toBe(`c.yaml:3: slos[0] (c): ${one}, got latency_ms and error_rate`);
      expect(configError("slos:\n  - name: d\n    error_rate: 0.1\n    latency_ms: 5\n    cost_per_event_usd: 1\n"))
        .toBe(`c.yaml:2: slos[0] (d): ${one}, got latency_ms and cost_per_event_usd and error_rate`);
    });

    it("an objective without a latency; a name given twice", () => {
      expect(configError("flags: {}\nslos:\n  - name: e\n    error_rate: 0.1\n    objective: 0.9\n"))
        .toBe("c.yaml:3: slos[0] (e): objective applies to latency_ms only (error_rate is its own budget; cost_per_event_usd is a ceiling)");
      expect(configError("flags: {}\nslos:\n  - name: a\n    latency_ms: 1\n  - name: a\n    error_rate: 0.1\n")).toBe("c.yaml:5: slos[1]: the name 'a' is given twice");
    });
  });

  describe("pii: the extra detectors carry their line", () => {
    it("a kind it does not know, at the entry's line; a good one keeps it", () => {
      expect(configError("events_per_day: 5\npii:\n  ignore_keys: [app.*]\n  extra:\n    - pattern: 'x'\n      kind: nope\n"))
        .toMatch(/^c\.yaml:5: pii\.extra\[0\]: unknown kind 'nope' \(expected one of /);
      const c = parse("events_per_day: 5\npii:\n  ignore_keys: [app.*]\n  extra:\n    - pattern: 'u[0-9]+'\n      kind: user_id\n");
      expect(c.pii).toEqual({ ignore_keys: ["app.*"], extra: [{ pattern: "u[0-9]+", kind: "user_id", where: "c.yaml:5" }] });
    });
  });

  describe("loadConfig and configDigest", () => {
    it("a file it cannot read names the file and the reason; a file it can is parsed with its path", () => {
      const dir = mkdtempSync(join(tmpdir(), "adtrace-cfg30-"));
      expect(() => loadConfig(join(dir, "none.yaml"))).toThrow(`${join(dir, "none.yaml")}: cannot read config (ENOENT)`);
      expect(() => loadConfig(dir)).toThrow(`${dir}: cannot read config (EISDIR)`);
      const file = join(dir, "a.yaml");
      writeFileSync(file, "flags:\n  bytes_ratio: 3\n");
      const c = loadConfig(file);
      expect([c.source, c.flags.bytes_ratio]).toEqual([file, 3]);
    });

    it("without --config and no adtrace.config.yaml here: the built-in defaults", () => {
      // The tests run at the repository's root, which holds no adtrace.config.yaml.
      expect(loadConfig()).toEqual(defaultConfig());
    });

    it("16 hex digits of the model's sha256; the source, tracing bill, SLOs and PII settings are not the model", () => {
      const base = parse("flags:\n  bytes_ratio: 3\n");
      expect(configDigest(base)).toMatch(/^[0-9a-f]{16}$/);
      const others = parseConfig("flags:\n  bytes_ratio: 3\ntracing:\n  usd_per_gb: 1\nslos:\n  - name: a\n    latency_ms: 5\npii:\n  ignore_keys: [x]\n", "other.yaml");
      expect(configDigest(others)).toBe(configDigest(base));
      for (const text of ["flags:\n  bytes_ratio: 4\n", "flags:\n  bytes_ratio: 3\nevents_per_day: 7\n", "flags:\n  bytes_ratio: 3\nwarehouses: [x]\n"]) {
        expect(configDigest(parse(text)), text).not.toBe(configDigest(base));
      }
    });
  });
});

describe("config-schema.ts: the keys each mapping knows (schemaAt, knownKeys)", () => {
  const keysAt = (...path: (string | number)[]) => knownKeys(schemaAt(CONFIG_SCHEMA, path));
  it("through optional sections, lists, a price book's list and a record of warehouses", () => {
    expect(knownKeys(CONFIG_SCHEMA).join(", ")).toBe(TOP_KEYS);
    expect(keysAt("flags")).toEqual(["min_cost_share", "min_warehouse_share", "top_query_share", "bytes_ratio"]);
    expect(keysAt("stages", 0)).toEqual(["stage", "match"]);
    expect(keysAt("stages", 0, "match")).toEqual(["name", "service", "attribute"]);
    expect(keysAt("prices", 0)).toEqual(["effective_from", "compute", "warehouses"]);
    expect(keysAt("prices", 0, "compute")).toEqual(["vcpu_hour_usd", "vcpus"]);
    expect(keysAt("prices", 0, "warehouses", "any-name")).toEqual(["credit_usd", "credits_per_hour", "default_size", "tib_usd", "min_bytes", "slot_hour_usd", "rpu_hour_usd", "rpus", "hour_usd"]);
    expect(keysAt("pii", "extra", 3)).toEqual(["pattern", "kind"]);
  });

  it("nothing for a scalar, past a scalar, a name on a list or an index on a mapping", () => {
    expect(keysAt("events_per_day")).toEqual([]);
    expect(schemaAt(CONFIG_SCHEMA, ["events_per_day", "x", "y"])).toBeUndefined();
    expect(schemaAt(CONFIG_SCHEMA, ["stages", "x"])).toBeUndefined();
    expect(schemaAt(CONFIG_SCHEMA, ["flags", 0])).toBeUndefined();
    expect(schemaAt(CONFIG_SCHEMA, ["nope"])).toBeUndefined();
    expect(knownKeys(undefined)).toEqual([]);
  });
});
