// Whole-file mutation testing of src/analysis/breakdown.ts (helper brk31): the pure parts (keys,
// parameters, rounding, rows to groups) on values written here, and the core functions (totals,
// weightSummary, pricingSummary, breakdown, the attribute-key checks, warehouseQueries) on DuckDB
// over small OTLP documents, every figure worked by hand from the spans in a comment.
import { describe, expect, it } from "vitest";
import type { Row } from "../src/db/db.js";
import { UsageError } from "../src/errors.js";
import {
  allAttributeKeys, assertAttributeKeysPresent, attributeKeysOf, breakdown, groupFromRow, groupId, keyName, keyParams,
  parseGroupKeys, pricingSummary, roundCount, totals, warehouseQueries, weightSummary,
} from "../src/analysis/breakdown.js";
import { withModelDb } from "./helpers/analysis.js";
import { spanId, traceId, type TestSpan } from "./helpers/otlp.js";
import { defaultConfig } from "../src/model/config.js";

describe("parseGroupKeys: --by as keys", () => {
  it("no text, or empty text, groups by stage", () => {
    expect(parseGroupKeys(undefined)).toEqual([{ kind: "stage" }]);
    expect(parseGroupKeys("")).toEqual([{ kind: "stage" }]);
  });
  it("reads stage, name, service and attr:KEY, trimming spaces and skipping empty parts", () => {
    expect(parseGroupKeys(" name , service,,attr:user_locale ")).toEqual([
      { kind: "name" }, { kind: "service" }, { kind: "attr", key: "user_locale" },
    ]);
    expect(parseGroupKeys("stage")).toEqual([{ kind: "stage" }]);
    // "attr:x" is 6 characters, one past the 5 of "attr:": a one-letter key is a key.
    expect(parseGroupKeys("attr:x")).toEqual([{ kind: "attr", key: "x" }]);
  });
  it("refuses an unknown key, a bare attr: and a key that only contains attr:", () => {
    expect(() => parseGroupKeys("stages")).toThrow(new UsageError("--by: unknown key 'stages' (expected stage, name, service or attr:KEY)"));
    expect(() => parseGroupKeys("attr:")).toThrow(UsageError);
    expect(() => parseGroupKeys("xattr:key")).toThrow("unknown key 'xattr:key'");
  });
  it("refuses no keys at all and more than three", () => {
    expect(() => parseGroupKeys(" , ")).toThrow(new UsageError("--by needs at least one key"));
    expect(parseGroupKeys("stage,name,service")).toHaveLength(3);
    expect(() => parseGroupKeys("stage,name,service,attr:a")).toThrow(new UsageError("--by takes at most 3 keys"));
  });
  it("refuses a key given twice, also as an attribute named like a key", () => {
    expect(() => parseGroupKeys("stage,attr:stage")).toThrow(
      new UsageError("--by: 'stage' is given twice; each key names a column and must be distinct"),
    );
    expect(parseGroupKeys("attr:a,attr:b")).toEqual([{ kind: "attr", key: "a" }, { kind: "attr", key: "b" }]);
  });
  it.each([
    "spans", "events", "cost_per_event_usd", "cost_per_group_event_usd", "cost_share", "compute_per_event_usd", "query_per_event_usd",
    "p50_ms", "p95_ms", "p99_ms", "self_p50_ms", "self_p95_ms", "warehouse", "total_cost_usd", "unpriced_spans",
    "status", "cost_per_event_before_usd", "cost_per_event_after_usd", "change", "change_usd", "change_pct",
    "change_abs", "share", "share_before", "share_after", "p95", "p95_ms_before", "p95_ms_after", "significant", "p95_significant",
    "significant_shown", "p95_significant_shown", "ci95_low_usd", "ci95_high_usd", "keys",
  ])("refuses attr:%s, which would shadow an output column", (column) => {
    expect(() => parseGroupKeys(`attr:${column}`)).toThrow(
      new UsageError(`--by: attribute key '${column}' would collide with the output column '${column}'; it cannot be a grouping key`),
    );
  });
  it("accepts an attribute key that is no output column", () => {
    expect(parseGroupKeys("attr:user_locale")).toEqual([{ kind: "attr", key: "user_locale" }]);
  });
});

describe("keys as parameters, names and ids", () => {
  it("keyParams gives k1..k3 the kinds and a1..a3 the attribute keys, null past the last key", () => {
    expect(keyParams([{ kind: "service" }, { kind: "attr", key: "tier" }])).toEqual({
      k1: "service", a1: null, k2: "attr", a2: "tier", k3: null, a3: null,
    });
    expect(keyParams([])).toEqual({ k1: null, a1: null, k2: null, a2: null, k3: null, a3: null });
    expect(keyParams([{ kind: "name" }, { kind: "stage" }, { kind: "attr", key: "z" }])).toEqual({
      k1: "name", a1: null, k2: "stage", a2: null, k3: "attr", a3: "z",
    });
  });
  it("attributeKeysOf keeps the attribute keys in order", () => {
    expect(attributeKeysOf([{ kind: "attr", key: "b" }, { kind: "stage" }, { kind: "attr", key: "a" }])).toEqual(["b", "a"]);
    expect(attributeKeysOf([{ kind: "name" }])).toEqual([]);
  });
  it("keyName is the attribute's key or the kind", () => {
    expect(keyName({ kind: "attr", key: "tier" })).toBe("tier");
    expect(keyName({ kind: "service" })).toBe("service");
  });
  it("groupId is the JSON of the key values in order", () => {
    expect(groupId({ stage: "a", tier: "b" })).toBe('["a","b"]');
  });
});

describe("roundCount: a weighted count to 9 significant digits", () => {
  it("drops float noise and keeps 9 digits", () => {
    expect(roundCount(4062.0000000000005)).toBe(4062);
    // 1/3 to 9 significant digits: 0.333333333.
    expect(roundCount(1 / 3)).toBe(0.333333333);
    // 123456.789123 → 123456.789 (9 digits).
    expect(roundCount(123456.789123)).toBe(123456.789);
  });
  it("leaves integers, infinities and NaN as they are", () => {
    expect(roundCount(12345678912)).toBe(12345678912);
    expect(roundCount(Infinity)).toBe(Infinity);
    expect(roundCount(Number.NaN)).toBeNaN();
  });
});

describe("groupFromRow: a breakdown row as a group", () => {
  it("converts every figure, rounding the weighted counts", () => {
    const row: Row = {
      spans: "7.0000000000001", events: 2.0000000000000004, cost_per_event_usd: "0.25", cost_per_group_event_usd: "0.5",
      cost_share: 0.4, compute_per_event_usd: 0.1, query_per_event_usd: 0.15, p50_ms: "11", p95_ms: 22, p99_ms: 33,
      self_p50_ms: 4, self_p95_ms: 5, warehouse: "snowflake", total_cost_usd: "1.25", unpriced_spans: "3",
    };
    expect(groupFromRow(row, { stage: "db" })).toStrictEqual({
      keys: { stage: "db" }, spans: 7, events: 2, cost_per_event_usd: 0.25, cost_per_group_event_usd: 0.5, cost_share: 0.4,
      compute_per_event_usd: 0.1, query_per_event_usd: 0.15, p50_ms: 11, p95_ms: 22, p99_ms: 33, self_p50_ms: 4, self_p95_ms: 5,
      warehouse: "snowflake", total_cost_usd: 1.25, unpriced_spans: 3,
    });
  });
  it("reads missing figures as 0, missing percentiles and warehouse as null", () => {
    expect(groupFromRow({ p50_ms: null, cost_per_group_event_usd: null }, {})).toStrictEqual({
      keys: {}, spans: 0, events: 0, cost_per_event_usd: 0, cost_per_group_event_usd: null, cost_share: 0,
      compute_per_event_usd: 0, query_per_event_usd: 0, p50_ms: null, p95_ms: null, p99_ms: null, self_p50_ms: null, self_p95_ms: null,
      warehouse: null, total_cost_usd: 0, unpriced_spans: 0,
    });
  });
  it("a percentile of 0 stays 0 (not null)", () => {
    expect(groupFromRow({ p50_ms: 0 }, {}).p50_ms).toBe(0);
  });
});

// Two events priced by explicit cost.usd only (no price book in play), so every figure is a sum of
// the attributes below. Trace 1 starts at the test base (2023-11-14T22:13:20Z), trace 2 5 s later.
//   trace 1: request root 0–100 ms $0.1; auction 10–60 ms $0.3; a Snowflake query 60–80 ms $0.2
//   trace 2: request root 5000–5200 ms $0.1; auction 5010–5040 ms $0.1; a BigQuery query
//            5040–5050 ms $0.1 (0 bytes billed); tracking 5150–5160 ms $0.1
// Total $1.0 over 2 events = $0.5/event; query cost (the warehouse spans) $0.3 → $0.15/event,
// compute $0.7 → $0.35/event. By stage: auction $0.4, aggregation $0.3, request $0.2, tracking $0.1.
const TWO_EVENTS: TestSpan[] = [
  { trace: traceId(1), id: spanId(1), name: "adserver.request.handle", startMs: 0, durationMs: 100, attrs: { "cost.usd": "0.1" } },
  { trace: traceId(1), id: spanId(2), parent: spanId(1), name: "auction.rtb.run", startMs: 10, durationMs: 50, attrs: { "cost.usd": "0.3" } },
  { trace: traceId(1), id: spanId(3), parent: spanId(1), name: "aggregator.query", startMs: 60, durationMs: 20,
    attrs: { "db.system": "snowflake", "db.statement": "SELECT a FROM t WHERE id = 1", "cost.usd": "0.2" } },
  { trace: traceId(2), id: spanId(4), name: "adserver.request.handle", startMs: 5000, durationMs: 200, attrs: { "cost.usd": "0.1" } },
  { trace: traceId(2), id: spanId(5), parent: spanId(4), name: "auction.rtb.run", startMs: 5010, durationMs: 30, attrs: { "cost.usd": "0.1" } },
  { trace: traceId(2), id: spanId(6), parent: spanId(4), name: "aggregator.query", startMs: 5040, durationMs: 10,
    attrs: { "db.system": "bigquery", "db.statement": "SELECT b FROM u WHERE id = 2", "db.bytes_billed": 0, "cost.usd": "0.1" } },
  { trace: traceId(2), id: spanId(7), parent: spanId(4), name: "tracker.events.write", startMs: 5150, durationMs: 10, attrs: { "cost.usd": "0.1" } },
];

// Sampled (cost.weighted_e2e, cost.weighted_percentiles): two events of a request root with one
// BigQuery child, the first kept 1 in 19 (10 ms root, 2 ms query), the second unsampled (20 ms,
// 4 ms). Total weight 20; a weighted quantile is the smallest value whose cumulative weight
// reaches q × 20: p50 needs 10 and p95 19 (both reached by the first, weight 19), p99 needs 19.8
// (the second). Unweighted linear interpolation would give p50 15, p95 19.5, p99 19.9 ms.
const SAMPLED: TestSpan[] = [1, 2].flatMap((n): TestSpan[] => {
  const attrs = n === 1 ? { sampleRate: 19 } : {};
  return [
    { trace: traceId(n), id: spanId(10 * n), name: "adserver.request.handle", startMs: 0, durationMs: 10 * n, attrs },
    { trace: traceId(n), id: spanId(10 * n + 1), parent: spanId(10 * n), name: "aggregator.query", startMs: 1, durationMs: 2 * n,
      attrs: { ...attrs, "db.system": "bigquery", "db.statement": "SELECT 1", "db.bytes_billed": 1 } },
  ];
});

describe("totals, weightSummary, pricingSummary on DuckDB", () => {
  it("totals: counts, cost per event split into compute and query, end-to-end percentiles, the time range", async () => {
    await withModelDb(TWO_EVENTS, async (db) => {
      const t = await totals(db);
      expect([t.events, t.spans, t.stored_spans, t.stored_traces, t.unpriced_spans, t.invalid_cost_spans]).toEqual([2, 7, 7, 2, 0, 0]);
      expect(t.total_cost_usd).toBeCloseTo(1.0, 12);
      expect(t.cost_per_event_usd).toBeCloseTo(0.5, 12);
      expect(t.compute_per_event_usd).toBeCloseTo(0.35, 12);
      expect(t.query_per_event_usd).toBeCloseTo(0.15, 12);
      // Events of 100 and 200 ms, unweighted (linear): p50 150, p95 100 + 0.95 × 100 = 195, p99 199.
      expect(t.e2e_p50_ms).toBeCloseTo(150, 9);
      expect(t.e2e_p95_ms).toBeCloseTo(195, 9);
      expect(t.e2e_p99_ms).toBeCloseTo(199, 9);
      // First start: the base; last end: 5.2 s later, to the second.
      expect([t.start, t.end]).toEqual(["2023-11-14T22:13:20Z", "2023-11-14T22:13:25Z"]);
    });
  });
  it("totals on sampled events takes the weighted end-to-end percentiles", async () => {
    await withModelDb(SAMPLED, async (db) => {
      const t = await totals(db);
      // 19 + 1 = 20 events.
      expect(t.events).toBe(20);
      expect([t.e2e_p50_ms, t.e2e_p95_ms, t.e2e_p99_ms]).toEqual([10, 10, 20]);
    });
  });
  it("weightSummary: unsampled, every weight 1, weighted mode and the assumed weight 1", async () => {
    await withModelDb(TWO_EVENTS, async (db) => {
      expect(await weightSummary(db)).toStrictEqual({
        stored_traces: 2, estimated_events: 2, stored_spans: 7, estimated_spans: 7, min_weight: 1, max_weight: 1,
        unknown_weight_spans: 0, disagreeing_traces: 0, weighted: true, assumed_weight: 1,
      });
    });
  });
  it("weightSummary on sampled events: estimated counts, the weight range", async () => {
    await withModelDb(SAMPLED, async (db) => {
      const w = await weightSummary(db);
      // Events 19 + 1 = 20; spans 2 × 19 + 2 × 1 = 40.
      expect([w.stored_traces, w.estimated_events, w.stored_spans, w.estimated_spans, w.min_weight, w.max_weight]).toEqual([2, 20, 4, 40, 1, 19]);
      expect(w.weighted).toBe(true);
    });
  });
  it("weightSummary under --unweighted says so", async () => {
    await withModelDb(SAMPLED, async (db) => {
      const w = await weightSummary(db);
      expect([w.weighted, w.estimated_events, w.max_weight, w.assumed_weight]).toEqual([false, 2, 1, 1]);
    }, defaultConfig(), { unweighted: true });
  });
  it("pricingSummary and the counts beside it: explicit, price-book and unpriced spans, the values ignored", async () => {
    // One event: a request root priced from the book (no cost.usd); two children whose cost.usd
    // -0.01 is out of range (priced from the book instead); a BigQuery query with no bytes and no
    // cost (its query part unpriced); a child with cost.usd 0.5 (explicit); a child whose
    // sampleRate "abc" is no rate (its weight unknown: --assume-weight 4 gives it 4).
    const spans: TestSpan[] = [
      { trace: traceId(1), id: spanId(1), name: "adserver.request.handle", startMs: 0, durationMs: 1000 },
      { trace: traceId(1), id: spanId(2), parent: spanId(1), name: "auction.rtb.run", startMs: 1, durationMs: 10, attrs: { "cost.usd": "-0.01" } },
      { trace: traceId(1), id: spanId(3), parent: spanId(1), name: "auction.bid", startMs: 1, durationMs: 10, attrs: { "cost.usd": "-0.01" } },
      { trace: traceId(1), id: spanId(4), parent: spanId(1), name: "aggregator.query", startMs: 20, durationMs: 10, attrs: { "db.system": "bigquery", "db.statement": "SELECT 1" } },
      { trace: traceId(1), id: spanId(5), parent: spanId(1), name: "tracker.events.write", startMs: 40, durationMs: 10, attrs: { "cost.usd": "0.5" } },
      { trace: traceId(1), id: spanId(6), parent: spanId(1), name: "profile.user.lookup", startMs: 60, durationMs: 10, attrs: { sampleRate: "abc" } },
    ];
    await withModelDb(spans, async (db) => {
      expect(await pricingSummary(db)).toStrictEqual({
        cost_sources: { billed: 0, explicit: 1, price_book: 4, unpriced: 1 },
        // Most spans first: cost.usd (2), then sampleRate (1).
        bad_values: [{ attribute: "cost.usd", kind: "usd", spans: 2 }, { attribute: "sampleRate", kind: "one_in_n", spans: 1 }],
      });
      const t = await totals(db);
      expect([t.unpriced_spans, t.invalid_cost_spans]).toEqual([1, 2]);
      const w = await weightSummary(db);
      // Five spans of weight 1 and one of 4: 9 estimated spans; the event takes its root's 1; its
      // spans' weights differ (1 and 4), so it is the one disagreeing trace.
      expect([w.unknown_weight_spans, w.assumed_weight, w.estimated_spans, w.estimated_events, w.disagreeing_traces]).toEqual([1, 4, 9, 1, 1]);
    }, defaultConfig(), { assumeWeight: 4 });
  });
});

describe("breakdown on DuckDB", () => {
  it("groups by stage by default: each group's cost, share, per-event figures and percentiles by hand", async () => {
    await withModelDb(TWO_EVENTS, async (db) => {
      const r = await breakdown(db);
      expect(r.by).toEqual([{ kind: "stage" }]);
      // Most costly first: auction $0.4, aggregation $0.3, request $0.2, tracking $0.1.
      expect(r.groups.map((g) => g.keys)).toEqual([{ stage: "auction" }, { stage: "aggregation" }, { stage: "request" }, { stage: "tracking" }]);
      expect(r.omitted).toBeNull();
      const [auction, aggregation, request, tracking] = r.groups;
      // auction: $0.4 over all 2 events = $0.2, over its own 2 events $0.2, share 0.4, all compute.
      expect([auction!.spans, auction!.events, auction!.unpriced_spans, auction!.warehouse]).toEqual([2, 2, 0, null]);
      expect(auction!.total_cost_usd).toBeCloseTo(0.4, 12);
      expect(auction!.cost_per_event_usd).toBeCloseTo(0.2, 12);
      expect(auction!.cost_per_group_event_usd).toBeCloseTo(0.2, 12);
      expect(auction!.cost_share).toBeCloseTo(0.4, 12);
      expect(auction!.compute_per_event_usd).toBeCloseTo(0.2, 12);
      expect(auction!.query_per_event_usd).toBe(0);
      // 30 and 50 ms, no children: p50 40, p95 30 + 0.95 × 20 = 49, p99 49.8; self time the same.
      expect(auction!.p50_ms).toBeCloseTo(40, 9);
      expect(auction!.p95_ms).toBeCloseTo(49, 9);
      expect(auction!.p99_ms).toBeCloseTo(49.8, 9);
      expect([auction!.self_p50_ms, auction!.self_p95_ms].map((x) => Math.round(x! * 1e6) / 1e6)).toEqual([40, 49]);
      // aggregation: all query cost, $0.3 / 2 = $0.15; two warehouses.
      expect(aggregation!.query_per_event_usd).toBeCloseTo(0.15, 12);
      expect(aggregation!.compute_per_event_usd).toBe(0);
      expect(aggregation!.warehouse).toBe("bigquery,snowflake");
      // request: 100 and 200 ms; self 100 − (50 + 20) = 30 and 200 − (30 + 10 + 10) = 150 ms:
      // self p50 90, p95 30 + 0.95 × 120 = 144.
      expect([request!.p50_ms, request!.p95_ms, request!.p99_ms].map((x) => Math.round(x! * 1e6) / 1e6)).toEqual([150, 195, 199]);
      expect([request!.self_p50_ms, request!.self_p95_ms].map((x) => Math.round(x! * 1e6) / 1e6)).toEqual([90, 144]);
      // tracking: $0.1 over all 2 events = $0.05, over its own 1 event $0.1.
      expect(tracking!.events).toBe(1);
      expect(tracking!.cost_per_event_usd).toBeCloseTo(0.05, 12);
      expect(tracking!.cost_per_group_event_usd).toBeCloseTo(0.1, 12);
      // The totals, weights and pricing ride along.
      expect(r.totals.total_cost_usd).toBeCloseTo(1.0, 12);
      expect(r.weights.max_weight).toBe(1);
      expect(r.pricing.cost_sources.explicit).toBe(7);
    });
  });
  it("names each key's column from g1, g2 in order", async () => {
    const spans: TestSpan[] = [
      { trace: traceId(1), id: spanId(1), service: "api", name: "a", startMs: 0, durationMs: 10, attrs: { tier: "gold", "cost.usd": "0.3" } },
      { trace: traceId(2), id: spanId(2), service: "web", name: "a", startMs: 0, durationMs: 10, attrs: { tier: "silver", "cost.usd": "0.1" } },
    ];
    await withModelDb(spans, async (db) => {
      const r = await breakdown(db, { by: [{ kind: "service" }, { kind: "attr", key: "tier" }] });
      expect(r.groups.map((g) => g.keys)).toEqual([{ service: "api", tier: "gold" }, { service: "web", tier: "silver" }]);
    }, defaultConfig(), { attributeKeys: ["tier"] });
  });
  it("--min-share keeps groups at or above the share; the rest are folded into omitted", async () => {
    await withModelDb(TWO_EVENTS, async (db) => {
      const r = await breakdown(db, { minShare: 0.25 });
      expect(r.groups.map((g) => g.keys.stage)).toEqual(["auction", "aggregation"]);
      // request + tracking: $0.1 + $0.05 = $0.15/event, 0.2 + 0.1 = 0.3 of the cost.
      expect(r.omitted!.groups).toBe(2);
      expect(r.omitted!.cost_per_event_usd).toBeCloseTo(0.15, 12);
      expect(r.omitted!.cost_share).toBeCloseTo(0.3, 12);
      // A group exactly at the share is kept: aggregation's own share as the threshold.
      const share = r.groups[1]!.cost_share;
      expect((await breakdown(db, { minShare: share })).groups.map((g) => g.keys.stage)).toEqual(["auction", "aggregation"]);
    });
  });
  it("--top keeps the first groups; with --min-share both apply", async () => {
    await withModelDb(TWO_EVENTS, async (db) => {
      const top = await breakdown(db, { top: 1 });
      expect(top.groups.map((g) => g.keys.stage)).toEqual(["auction"]);
      // aggregation + request + tracking: $0.15 + $0.1 + $0.05 = $0.3/event, 0.3 + 0.2 + 0.1 = 0.6.
      expect(top.omitted!.groups).toBe(3);
      expect(top.omitted!.cost_per_event_usd).toBeCloseTo(0.3, 12);
      expect(top.omitted!.cost_share).toBeCloseTo(0.6, 12);
      // --min-share 0.15 leaves three groups, --top 2 two of them.
      const both = await breakdown(db, { top: 2, minShare: 0.15 });
      expect(both.groups.map((g) => g.keys.stage)).toEqual(["auction", "aggregation"]);
      expect(both.omitted!.groups).toBe(2);
      const all = await breakdown(db, { top: 4, minShare: 0 });
      expect(all.groups).toHaveLength(4);
      expect(all.omitted).toBeNull();
    });
  });
  it("on sampled data the weighted percentiles replace the stored ones, group by group", async () => {
    await withModelDb(SAMPLED, async (db) => {
      const r = await breakdown(db, { by: [{ kind: "name" }] });
      const pct = (name: string) => {
        const g = r.groups.find((x) => x.keys.name === name)!;
        return [g.p50_ms, g.p95_ms, g.p99_ms, g.self_p50_ms, g.self_p95_ms];
      };
      // Roots 10 ms (weight 19) and 20 ms (1): [10, 10, 20]; self 10 − 2 = 8 and 20 − 4 = 16 ms: [8, 8].
      expect(pct("adserver.request.handle")).toEqual([10, 10, 20, 8, 8]);
      // Queries 2 ms (19) and 4 ms (1): [2, 2, 4], self the same.
      expect(pct("aggregator.query")).toEqual([2, 2, 4, 2, 2]);
    });
  });
  it("refuses an attribute key the model did not keep", async () => {
    const spans: TestSpan[] = [{ trace: traceId(1), id: spanId(1), name: "a", startMs: 0, durationMs: 10, attrs: { tier: "gold" } }];
    await withModelDb(spans, async (db) => {
      await expect(breakdown(db, { by: [{ kind: "attr", key: "tier" }] })).rejects.toThrow("without attribute(s) tier");
    }, defaultConfig(), { attributeKeys: ["other"] });
  });
  it("an attribute grouping where every group is (none) checks the key, and names the nearest", async () => {
    const spans: TestSpan[] = [{ trace: traceId(1), id: spanId(1), name: "a", startMs: 0, durationMs: 10, attrs: { tiers: "gold" } }];
    await withModelDb(spans, async (db) => {
      await expect(breakdown(db, { by: [{ kind: "attr", key: "tier" }] })).rejects.toThrow(
        new UsageError("--by: no attribute 'tier' on these spans (did you mean 'attr:tiers'?)"),
      );
    }, defaultConfig(), { attributeKeys: ["tier"] });
  });
  it("an attribute grouping with one value found is no error, (none) beside it", async () => {
    const spans: TestSpan[] = [
      { trace: traceId(1), id: spanId(1), name: "a", startMs: 0, durationMs: 10, attrs: { tier: "gold", "cost.usd": "0.3" } },
      { trace: traceId(2), id: spanId(2), name: "a", startMs: 0, durationMs: 10, attrs: { "cost.usd": "0.1" } },
    ];
    await withModelDb(spans, async (db) => {
      const r = await breakdown(db, { by: [{ kind: "attr", key: "tier" }] });
      expect(r.groups.map((g) => g.keys)).toEqual([{ tier: "gold" }, { tier: "(none)" }]);
    }, defaultConfig(), { attributeKeys: ["tier"] });
  });
  it("an all-(none) attribute grouping whose key exists is no error", async () => {
    // The key is there, and its one value reads "(none)".
    const spans: TestSpan[] = [{ trace: traceId(1), id: spanId(1), name: "a", startMs: 0, durationMs: 10, attrs: { tier: "(none)" } }];
    await withModelDb(spans, async (db) => {
      const r = await breakdown(db, { by: [{ kind: "attr", key: "tier" }] });
      expect(r.groups.map((g) => g.keys)).toEqual([{ tier: "(none)" }]);
    }, defaultConfig(), { attributeKeys: ["tier"] });
  });
});

describe("assertAttributeKeysPresent and allAttributeKeys on DuckDB", () => {
  const spans: TestSpan[] = [{ trace: traceId(1), id: spanId(1), name: "a", startMs: 0, durationMs: 10, attrs: { a: "1", zzzzzzzzzz: "2" } }];
  it("no attribute keys: nothing to check", async () => {
    await withModelDb(spans, async (db) => {
      await expect(assertAttributeKeysPresent(db, [{ kind: "stage" }])).resolves.toBeUndefined();
    });
  });
  it("a missing key with nothing close: the message has no hint", async () => {
    await withModelDb(spans, async (db) => {
      await expect(assertAttributeKeysPresent(db, [{ kind: "attr", key: "tier" }])).rejects.toThrow(
        new UsageError("--by: no attribute 'tier' on these spans"),
      );
    });
  });
  it("every key is checked, not only the first", async () => {
    await withModelDb(spans, async (db) => {
      await expect(assertAttributeKeysPresent(db, [{ kind: "attr", key: "a" }, { kind: "attr", key: "tier" }])).rejects.toThrow("'tier'");
      await expect(assertAttributeKeysPresent(db, [{ kind: "attr", key: "a" }])).resolves.toBeUndefined();
    });
  });
  it("allAttributeKeys gives the span and resource attribute keys", async () => {
    await withModelDb(spans, async (db) => {
      expect((await allAttributeKeys(db)).sort()).toEqual(["a", "service.name", "zzzzzzzzzz"]);
    });
  });
});

describe("warehouseQueries on DuckDB", () => {
  it("one row a statement fingerprint, most costly first: calls, events, cost, share, bytes, latency", async () => {
    await withModelDb(TWO_EVENTS, async (db) => {
      const r = await warehouseQueries(db);
      expect(r.queries.map((q) => [q.stage, q.warehouse, q.query, q.calls, q.events, q.bytes_scanned_per_call, q.p50_ms, q.p95_ms])).toEqual([
        // Snowflake reports no bytes; BigQuery billed 0 bytes, which stays 0.
        ["aggregation", "snowflake", "SELECT a FROM t WHERE id = ?", 1, 1, null, 20, 20],
        ["aggregation", "bigquery", "SELECT b FROM u WHERE id = ?", 1, 1, 0, 10, 10],
      ]);
      // $0.2 and $0.1 over 2 events: $0.1 and $0.05; shares of $1.0: 0.2 and 0.1.
      const [sf, bq] = r.queries;
      expect([sf!.total_cost_usd, sf!.cost_per_event_usd, sf!.cost_share]).toEqual([0.2, 0.1, 0.2].map((x) => expect.closeTo(x, 12)));
      expect([bq!.total_cost_usd, bq!.cost_per_event_usd, bq!.cost_share]).toEqual([0.1, 0.05, 0.1].map((x) => expect.closeTo(x, 12)));
      expect(r.totals.events).toBe(2);
      expect(r.pricing.cost_sources.explicit).toBe(7);
    });
  });
  it("--top keeps the first rows", async () => {
    await withModelDb(TWO_EVENTS, async (db) => {
      expect((await warehouseQueries(db, { top: 1 })).queries.map((q) => q.warehouse)).toEqual(["snowflake"]);
    });
  });
  it("sampled calls are counted by weight", async () => {
    await withModelDb(SAMPLED, async (db) => {
      const [q] = (await warehouseQueries(db)).queries;
      // 19 + 1 calls in 20 events; weighted p50 and p95 2 ms (as the breakdown's).
      expect([q!.calls, q!.events, q!.p50_ms, q!.p95_ms]).toEqual([20, 20, 2, 2]);
    });
  });
});
