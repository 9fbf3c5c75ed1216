// adtrace cost's options layer (src/commands/cost-options.ts: breakdown, queries, critical-path,
// flags, outliers, trend, reconcile), in-process with no DuckDB and no child process: the typed
// options, the attribute keys the model is told to read, and each refusal, worded as the CLI
// prints it after "adtrace: error: ".
import { describe, expect, it } from "vitest";
import { breakdownOptions, criticalPathOptions, flagsOptions, outliersOptions, queriesOptions, reconcileOptions, trendOptions } from "../src/commands/cost-options.js";
import { usageError } from "./helpers/usage-error.js";

describe("cost breakdown options", () => {
  it("groups, limits, and the attribute keys the grouping reads go to the model", () => {
    const typed = breakdownOptions(["a.jsonl"], { by: "stage,attr:user_locale", top: "10", minShare: "5%" }, { db: undefined, unweighted: true });
    expect(typed.breakdown).toEqual({ by: [{ kind: "stage" }, { kind: "attr", key: "user_locale" }], top: 10, minShare: 0.05 });
    expect(typed.analysis.inputs).toEqual(["a.jsonl"]);
    expect(typed.analysis.model?.attributeKeys).toEqual(["user_locale"]);
    expect(typed.analysis.model?.unweighted).toBe(true);
    expect(breakdownOptions([], { by: "stage" }, {}).breakdown).toEqual({ by: [{ kind: "stage" }], top: undefined, minShare: undefined });
  });

  it("refuses a --top that is not a whole number ≥ 1 and a --min-share outside 0–1", () => {
    expect(usageError(() => breakdownOptions([], { by: "stage", top: "0" }, {}))).toBe("--top expects a whole number ≥ 1, got '0'");
    expect(usageError(() => breakdownOptions([], { by: "stage", top: "2.5" }, {}))).toBe("--top expects a whole number ≥ 1, got '2.5'");
    expect(usageError(() => breakdownOptions([], { by: "stage", minShare: "150%" }, {}))).toBe("--min-share expects a share like 0.05 or 5%, got '150%'");
    expect(usageError(() => breakdownOptions([], { by: "stage", minShare: "some" }, {}))).toBe("--min-share expects a share like 0.05 or 5%, got 'some'");
  });

  it("queries: --top as a whole number ≥ 1; the global options reach the span source", () => {
    const typed = queriesOptions(["a.jsonl"], { top: "5" }, { maxRecordSize: "1MiB", assumeWeight: "4", sampleRate: ["db.*=0.1", "service:tracker=0.5", "attr:tier=gold=0.25"] });
    expect(typed.queries).toEqual({ top: 5 });
    expect(typed.analysis.maxRecordBytes).toBe(1 << 20);
    expect(typed.analysis.model?.assumeWeight).toBe(4);
    expect(typed.analysis.model?.sampleRates).toEqual([
      { match: { name: "db.*" }, rate: 0.1 },
      { match: { service: "tracker" }, rate: 0.5 },
      { match: { attribute: { tier: "gold" } }, rate: 0.25 },
    ]);
    expect(queriesOptions([], {}, {}).queries).toEqual({ top: undefined });
    expect(usageError(() => queriesOptions([], { top: "-1" }, {}))).toBe("--top expects a whole number ≥ 1, got '-1'");
    expect(usageError(() => queriesOptions([], {}, { maxRecordSize: "lots" }))).toBe("--max-record-size expects a size such as 256MiB, 64MB or 1048576 (bytes), got 'lots'");
    expect(usageError(() => queriesOptions([], {}, { assumeWeight: "0.5" }))).toBe("--assume-weight expects a number ≥ 1, got '0.5'");
    expect(usageError(() => queriesOptions([], {}, { sampleRate: ["db.*=2"] }))).toBe("--sample-rate expects PATTERN=RATE with 0 < RATE ≤ 1, e.g. 'db.*=0.1', got 'db.*=2'");
    expect(usageError(() => queriesOptions([], {}, { sampleRate: ["attr:tier=0.5"] }))).toBe("--sample-rate attr:KEY=GLOB=RATE, got 'attr:tier=0.5'");
  });

  it("critical-path: shares as fractions or percentages, and the attribute keys of --by", () => {
    const typed = criticalPathOptions([], { by: "stage,attr:device.type", costlyShare: "20%", criticalShare: "0.8" }, {});
    expect(typed.criticalPath).toEqual({ by: [{ kind: "stage" }, { kind: "attr", key: "device.type" }], costlyShare: 0.2, criticalShare: 0.8 });
    expect(typed.analysis.model?.attributeKeys).toEqual(["device.type"]);
    expect(usageError(() => criticalPathOptions([], { by: "stage", costlyShare: "120%", criticalShare: "50%" }, {}))).toBe("--costly-share expects a share like 0.1 or 10%, got '120%'");
    expect(usageError(() => criticalPathOptions([], { by: "stage", costlyShare: "10%", criticalShare: "half" }, {}))).toBe("--critical-share expects a share like 0.1 or 10%, got 'half'");
  });

  it("flags: --events-per-day as a count with a suffix, --fail-on-flag", () => {
    const typed = flagsOptions([], { eventsPerDay: "2B", failOnFlag: true }, {});
    expect(typed.analysis.eventsPerDay).toBe(2_000_000_000);
    expect(typed.failOnFlag).toBe(true);
    expect(flagsOptions([], {}, {})).toMatchObject({ analysis: { eventsPerDay: undefined }, failOnFlag: false });
    expect(usageError(() => flagsOptions([], { eventsPerDay: "1,5M" }, {}))).toBe("--events-per-day expects a count like 2000000000, 2e9, 2B or 500M, got '1,5M'");
  });

  it("outliers: metric, the share of events selected, keys, values per key", () => {
    const flags = { metric: "latency", top: "5%", maxValues: "20", keys: "user_locale, device.type,", stage: "auction" };
    expect(outliersOptions([], flags, {}).outliers).toEqual({ metric: "latency", top: 0.05, maxValues: 20, keys: ["user_locale", "device.type"], stage: "auction" });
    const base = { metric: "cost", top: "10%", maxValues: "50" };
    expect(outliersOptions([], base, {}).outliers).toEqual({ metric: "cost", top: 0.1, maxValues: 50, keys: undefined, stage: undefined });
    expect(usageError(() => outliersOptions([], { ...base, metric: "money" }, {}))).toBe("--metric expects cost or latency, got 'money'");
    expect(usageError(() => outliersOptions([], { ...base, top: "60%" }, {}))).toBe("--top expects a share of events in (0, 50%], such as 10% or 0.1, got '60%'");
    expect(usageError(() => outliersOptions([], { ...base, top: "0" }, {}))).toBe("--top expects a share of events in (0, 50%], such as 10% or 0.1, got '0'");
    expect(usageError(() => outliersOptions([], { ...base, maxValues: "0" }, {}))).toBe("--max-values expects a whole number ≥ 1, got '0'");
    expect(usageError(() => outliersOptions([], { ...base, keys: " , " }, {}))).toBe("--keys needs at least one attribute key");
    expect(usageError(() => outliersOptions([], { ...base, stage: "" }, {}))).toBe("--stage needs a stage name");
  });

  it("trend: bucket and baseline durations in nanoseconds, --by with its attribute keys, no key named like a trend column", () => {
    const typed = trendOptions([], { every: "15m", baseline: "7d", by: "attr:user_locale", failOnDrift: true }, {});
    expect(typed.trend).toEqual({ everyNs: 15n * 60n * 1_000_000_000n, baselineNs: 7n * 86_400n * 1_000_000_000n, by: [{ kind: "attr", key: "user_locale" }] });
    expect(typed.analysis.model?.attributeKeys).toEqual(["user_locale"]);
    expect(typed.failOnDrift).toBe(true);
    expect(trendOptions([], { every: "1h", baseline: "1w" }, {}).trend).toEqual({ everyNs: 3_600_000_000_000n, baselineNs: 7n * 86_400_000_000_000n, by: [] });
    expect(usageError(() => trendOptions([], { every: "1.5h", baseline: "7d" }, {}))).toBe("--every expects a whole duration such as 15m, 1h or 7d (units: ms, s, m, h, d, w), got '1.5h'");
    expect(usageError(() => trendOptions([], { every: "1h", baseline: "0d" }, {}))).toBe("--baseline expects a whole duration such as 15m, 1h or 7d (units: ms, s, m, h, d, w), got '0d'");
    expect(usageError(() => trendOptions([], { every: "1h", baseline: "7d", by: "attr:drift" }, {}))).toBe("--by: attribute key 'drift' would collide with the output column 'drift'");
  });

  it("reconcile: --fail-under-join-rate as a share from 0 to 1", () => {
    expect(reconcileOptions([], { failUnderJoinRate: "90%" }, {}).minJoinRate).toBe(0.9);
    expect(reconcileOptions([], {}, {}).minJoinRate).toBeUndefined();
    expect(usageError(() => reconcileOptions([], { failUnderJoinRate: "2" }, {}))).toBe("--fail-under-join-rate expects a share like 0.1 or 10%, got '2'");
  });
});
