// Tests for the last survivors of the seed-27 wide Stryker sample (TESTING.md, "Mutation testing",
// "The seed-27 sample"; the earlier ones are in test/sample-survivors-27.test.ts). Each compares
// with a value worked by hand from the rule the code documents, and each was seen to fail with its
// mutant applied by hand. In-process.
import { describe, expect, it } from "vitest";
import { withModelDb } from "./helpers/analysis.js";
import { configError } from "./helpers/config-error.js";
import { spanId, traceId, type TestSpan } from "./helpers/otlp.js";

describe("config: the cache and pre-aggregation settings take no negative number", () => {
  // model/config-schema.ts:135 `num({ min: 0 })` → `num({})` for cache.hit_latency_ms, and :136 the
  // same for preaggregate.refreshes_per_day: a negative latency or refresh count was taken, and
  // savings then re-timed cache hits to less than nothing or credited refreshes back.
  it("a negative hit_latency_ms or refreshes_per_day is an error at its line; 0 is taken", () => {
    expect(configError("cache:\n  hit_latency_ms: -1\n")).toBe("c.yaml:2: cache.hit_latency_ms: expected a number ≥ 0");
    expect(configError("preaggregate:\n  refresh_cost_usd: 5\n  refreshes_per_day: -24\n")).toBe("c.yaml:3: preaggregate.refreshes_per_day: expected a number ≥ 0");
    expect(configError("cache:\n  hit_latency_ms: 0\npreaggregate:\n  refreshes_per_day: 0\n")).toBe("no error");
  });
});

describe("the default stage rules", () => {
  // model/defaults.ts:23 the tracking rule on service `*track*`, :25 the profiling rule on name
  // `*user.lookup*` (stage "" for both) and :26 the name pattern `*segment*` (""): a span that only
  // that rule matches lost its stage. The spans below are named so that no earlier rule matches
  // (first match wins); the stage each should get is read off the rule list by hand.
  it("a span that only one rule matches gets that rule's stage", async () => {
    const T = traceId(1);
    const cases: [name: string, service: string, stage: string][] = [
      ["kafka.produce", "event-tracker", "tracking"], // only service *track*
      ["user.lookup", "edge", "profiling"], // only name *user.lookup*
      ["audience.segment.fetch", "edge", "profiling"], // only name *segment*
      ["cache.get", "profiler", "profiling"], // only service *profil*
      ["healthcheck", "misc", "other"], // none
    ];
    const spans = cases.map(([name, service], i): TestSpan => ({ trace: T, id: spanId(i + 1), name, service, startMs: 0, durationMs: 1 }));
    await withModelDb(spans, async (db) => {
      const rows = await db.all("SELECT name, stage FROM costed_spans ORDER BY span_id");
      expect(rows.map((r) => [r.name, r.stage])).toEqual(cases.map(([name, , stage]) => [name, stage]));
    });
  });
});
