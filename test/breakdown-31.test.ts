// Whole-file mutation testing of src/analysis/breakdown.ts (helper brk31): the pure parts (keys,
// parameters, rounding, rows to groups) and the core functions over a fake Db that answers each
// named query with rows written here, so every figure below is the row's own value or a sum worked
// by hand in a comment. One small DuckDB case checks the real queries' names and totals end to end.
import { describe, expect, it } from "vitest";
import type { Db, Row } from "../src/db/db.js";
import { UsageError } from "../src/errors.js";
import {
  allAttributeKeys, assertAttributeKeysPresent, attributeKeysOf, breakdown, groupFromRow, groupId, keyName, keyParams,
  parseGroupKeys, pricingSummary, roundCount, totals, warehouseQueries, weightSummary, type GroupKey,
} from "../src/analysis/breakdown.js";
import { withModelDb } from "./helpers/analysis.js";
import { spanId, traceId } from "./helpers/otlp.js";

type Answer = Row[] | ((params: Record<string, unknown>) => Row[]);

/** A Db that knows only the named queries given; any other name throws, and every call is kept. */
function fakeDb(answers: Record<string, Answer>): { db: Db; calls: { name: string; params: Record<string, unknown> }[] } {
  const calls: { name: string; params: Record<string, unknown> }[] = [];
  const db = {
    async query(name: string, params: Record<string, unknown> = {}): Promise<Row[]> {
      calls.push({ name, params });
      const answer = answers[name];
      if (answer === undefined) throw new Error(`fake Db: no query '${name}'`);
      return typeof answer === "function" ? answer(params) : answer;
    },
  } as unknown as Db;
  return { db, calls };
}

const TOTALS_ROW: Row = {
  events: 4, spans: 10, stored_spans: 10, stored_traces: 4, total_cost_usd: 0.8, cost_per_event_usd: 0.2,
  compute_per_event_usd: 0.05, query_per_event_usd: 0.15, e2e_p50_ms: 100, e2e_p95_ms: 190, e2e_p99_ms: 198,
  unpriced_spans: 1, invalid_cost_spans: 2, start: "2024-05-01T12:00:00Z", end: "2024-05-01T12:01:00Z", weighted_events: false,
};
const WEIGHTS_ROW: Row = {
  stored_traces: 4, estimated_events: 4, stored_spans: 10, estimated_spans: 10, min_weight: 1, max_weight: 1,
  unknown_weight_spans: 0, disagreeing_traces: 0, weighted: true, assume_weight: 1,
};
const SOURCES_ROW: Row = { billed_spans: 1, explicit_spans: 2, price_book_spans: 3, unpriced_spans: 4 };

/** A breakdown row: only the figures a test reads differ from zero. */
function bRow(g1: string | null, cost_share: number, cost_per_event_usd: number, extra: Row = {}): Row {
  return { g1, spans: 1, events: 1, cost_per_event_usd, cost_share, p50_ms: 10, p95_ms: 20, p99_ms: 30, self_p50_ms: 5, self_p95_ms: 6, ...extra };
}

function breakdownDb(rows: Row[], extra: Record<string, Answer> = {}) {
  return fakeDb({
    "cost.breakdown": rows, "cost.weight_summary": [WEIGHTS_ROW], "cost.totals": [TOTALS_ROW],
    "cost.cost_sources": [SOURCES_ROW], "cost.bad_values": [], ...extra,
  });
}

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

describe("totals, weightSummary, pricingSummary over a fake Db", () => {
  it("totals converts the cost.totals row, rounding the weighted counts", async () => {
    const { db, calls } = fakeDb({ "cost.totals": [{ ...TOTALS_ROW, events: "4.0000000000000009", spans: 10.000000000000002, stored_spans: "10" }] });
    expect(await totals(db)).toStrictEqual({
      events: 4, spans: 10, stored_spans: 10, stored_traces: 4, total_cost_usd: 0.8, cost_per_event_usd: 0.2,
      compute_per_event_usd: 0.05, query_per_event_usd: 0.15, e2e_p50_ms: 100, e2e_p95_ms: 190, e2e_p99_ms: 198,
      unpriced_spans: 1, invalid_cost_spans: 2, start: "2024-05-01T12:00:00Z", end: "2024-05-01T12:01:00Z",
    });
    expect(calls.map((c) => c.name)).toEqual(["cost.totals"]);
  });
  it("totals reads a missing figure as 0, a missing percentile and missing times as null", async () => {
    const { db } = fakeDb({ "cost.totals": [{ e2e_p50_ms: null }] });
    expect(await totals(db)).toStrictEqual({
      events: 0, spans: 0, stored_spans: 0, stored_traces: 0, total_cost_usd: 0, cost_per_event_usd: 0,
      compute_per_event_usd: 0, query_per_event_usd: 0, e2e_p50_ms: null, e2e_p95_ms: null, e2e_p99_ms: null,
      unpriced_spans: 0, invalid_cost_spans: 0, start: null, end: null,
    });
  });
  it("totals on sampled events takes the weighted end-to-end percentiles", async () => {
    const { db, calls } = fakeDb({
      "cost.totals": [{ ...TOTALS_ROW, weighted_events: 4 }],
      "cost.weighted_e2e": [{ e2e_p50_ms: 111, e2e_p95_ms: null, e2e_p99_ms: 0 }],
    });
    const t = await totals(db);
    expect([t.e2e_p50_ms, t.e2e_p95_ms, t.e2e_p99_ms, t.total_cost_usd]).toEqual([111, null, 0, 0.8]);
    expect(calls.map((c) => c.name)).toEqual(["cost.totals", "cost.weighted_e2e"]);
  });
  it("weightSummary converts the cost.weight_summary row", async () => {
    const { db } = fakeDb({ "cost.weight_summary": [{
      stored_traces: "3", estimated_events: 30.000000000000004, stored_spans: 9, estimated_spans: "90.00000000000001",
      min_weight: 5, max_weight: 20, unknown_weight_spans: 2, disagreeing_traces: 1, weighted: true, assume_weight: 4,
    }] });
    expect(await weightSummary(db)).toStrictEqual({
      stored_traces: 3, estimated_events: 30, stored_spans: 9, estimated_spans: 90, min_weight: 5, max_weight: 20,
      unknown_weight_spans: 2, disagreeing_traces: 1, weighted: true, assumed_weight: 4,
    });
  });
  it("weightSummary: weighted unless the row says false; the assumed weight defaults to 1", async () => {
    const unweighted = await weightSummary(fakeDb({ "cost.weight_summary": [{ weighted: false }] }).db);
    expect([unweighted.weighted, unweighted.assumed_weight, unweighted.stored_traces, unweighted.min_weight]).toEqual([false, 1, 0, 0]);
    expect((await weightSummary(fakeDb({ "cost.weight_summary": [{}] }).db)).weighted).toBe(true);
    expect((await weightSummary(fakeDb({ "cost.weight_summary": [{ weighted: null }] }).db)).weighted).toBe(true);
  });
  it("pricingSummary converts the cost sources and the bad values", async () => {
    const { db } = fakeDb({
      "cost.cost_sources": [{ billed_spans: "1", explicit_spans: 2, price_book_spans: 3, unpriced_spans: 4 }],
      "cost.bad_values": [{ attribute: "db.cost_usd", kind: "usd", spans: "2" }, { attribute: 7, kind: "bytes", spans: 1 }],
    });
    expect(await pricingSummary(db)).toStrictEqual({
      cost_sources: { billed: 1, explicit: 2, price_book: 3, unpriced: 4 },
      bad_values: [{ attribute: "db.cost_usd", kind: "usd", spans: 2 }, { attribute: "7", kind: "bytes", spans: 1 }],
    });
    const empty = await pricingSummary(fakeDb({ "cost.cost_sources": [{}], "cost.bad_values": [] }).db);
    expect(empty).toStrictEqual({ cost_sources: { billed: 0, explicit: 0, price_book: 0, unpriced: 0 }, bad_values: [] });
  });
});

describe("breakdown over a fake Db", () => {
  it("groups by stage by default and passes the keys as parameters", async () => {
    const { db, calls } = breakdownDb([bRow("db", 0.75, 0.15), bRow(null, 0.25, 0.05)]);
    const r = await breakdown(db);
    expect(r.by).toEqual([{ kind: "stage" }]);
    expect(r.groups.map((g) => g.keys)).toEqual([{ stage: "db" }, { stage: "" }]);
    expect(calls.find((c) => c.name === "cost.breakdown")!.params).toEqual({ k1: "stage", a1: null, k2: null, a2: null, k3: null, a3: null });
    expect(r.omitted).toBeNull();
    expect(r.totals.total_cost_usd).toBe(0.8);
    expect(r.weights.min_weight).toBe(1);
    expect(r.pricing.cost_sources.price_book).toBe(3);
    // Weights all 1: the stored percentiles stand and no weighted query is asked.
    expect(r.groups[0]!.p95_ms).toBe(20);
    expect(calls.map((c) => c.name)).not.toContain("cost.weighted_percentiles");
  });
  it("names each key's column from g1, g2 in order", async () => {
    const by: GroupKey[] = [{ kind: "service" }, { kind: "attr", key: "tier" }];
    const { db } = breakdownDb([bRow("api", 1, 0.2, { g2: "gold" })], { "model.kept_attributes": [{ keys: ["tier"] }] });
    const r = await breakdown(db, { by });
    expect(r.groups[0]!.keys).toEqual({ service: "api", tier: "gold" });
  });
  it("--min-share keeps groups at or above the share; the rest are folded into omitted", async () => {
    const rows = [bRow("a", 0.5, 0.1), bRow("b", 0.3, 0.06), bRow("c", 0.125, 0.025), bRow("d", 0.075, 0.015)];
    const r = await breakdown(breakdownDb(rows).db, { minShare: 0.3 });
    expect(r.groups.map((g) => g.keys.stage)).toEqual(["a", "b"]);
    // c + d: 0.025 + 0.015 = 0.04 $/event, 0.125 + 0.075 = 0.2 of the cost.
    expect(r.omitted!.groups).toBe(2);
    expect(r.omitted!.cost_per_event_usd).toBeCloseTo(0.04, 12);
    expect(r.omitted!.cost_share).toBeCloseTo(0.2, 12);
  });
  it("--top keeps the first groups; with --min-share both apply", async () => {
    const rows = [bRow("a", 0.5, 0.1), bRow("b", 0.3, 0.06), bRow("c", 0.2, 0.04)];
    const top = await breakdown(breakdownDb(rows).db, { top: 1 });
    expect(top.groups.map((g) => g.keys.stage)).toEqual(["a"]);
    // b + c: 0.06 + 0.04 = 0.1 $/event, 0.3 + 0.2 = 0.5.
    expect(top.omitted!.groups).toBe(2);
    expect(top.omitted!.cost_per_event_usd).toBeCloseTo(0.1, 12);
    expect(top.omitted!.cost_share).toBeCloseTo(0.5, 12);
    const both = await breakdown(breakdownDb(rows).db, { top: 2, minShare: 0.4 });
    expect(both.groups.map((g) => g.keys.stage)).toEqual(["a"]);
    const all = await breakdown(breakdownDb(rows).db, { top: 3, minShare: 0 });
    expect(all.groups).toHaveLength(3);
    expect(all.omitted).toBeNull();
  });
  it("on sampled data the weighted percentiles replace the stored ones, group by group", async () => {
    const rows = [bRow("x", 0.2, 0.04), bRow("a", 0.5, 0.1), bRow("b", 0.3, 0.06)];
    const weighted = [
      { g1: "a", p50_ms: "100", p95_ms: 200, p99_ms: 300, self_p50_ms: 50, self_p95_ms: null },
      { g1: "b", p50_ms: 1, p95_ms: 2, p99_ms: 3, self_p50_ms: 4, self_p95_ms: 5 },
    ];
    const { db, calls } = breakdownDb(rows, {
      "cost.weight_summary": [{ ...WEIGHTS_ROW, min_weight: 1, max_weight: 10 }],
      "cost.weighted_percentiles": weighted,
    });
    const r = await breakdown(db, { by: [{ kind: "name" }] });
    const pct = (g: (typeof r.groups)[number]) => [g.p50_ms, g.p95_ms, g.p99_ms, g.self_p50_ms, g.self_p95_ms];
    // x has no weighted row: its stored figures stand; a and b take theirs.
    expect(r.groups.map(pct)).toEqual([[10, 20, 30, 5, 6], [100, 200, 300, 50, null], [1, 2, 3, 4, 5]]);
    expect(calls.find((c) => c.name === "cost.weighted_percentiles")!.params).toEqual({ k1: "name", a1: null, k2: null, a2: null, k3: null, a3: null });
  });
  it("refuses an attribute key the model did not keep", async () => {
    const { db } = breakdownDb([bRow("gold", 1, 0.2)], { "model.kept_attributes": [{ keys: ["other"] }] });
    await expect(breakdown(db, { by: [{ kind: "attr", key: "tier" }] })).rejects.toThrow("without attribute(s) tier");
  });
  it("an attribute grouping where every group is (none) checks the key, and names the nearest", async () => {
    const extra = { "model.kept_attributes": [{ keys: ["tier"] }], "outliers.attribute_keys": [{ key: "tiers" }] };
    const { db } = breakdownDb([bRow("(none)", 1, 0.2)], extra);
    await expect(breakdown(db, { by: [{ kind: "attr", key: "tier" }] })).rejects.toThrow(
      new UsageError("--by: no attribute 'tier' on these spans (did you mean 'attr:tiers'?)"),
    );
  });
  it("an attribute grouping with one value found, or with no groups, asks for no attribute keys", async () => {
    const extra = { "model.kept_attributes": [{ keys: ["tier"] }] };
    const found = breakdownDb([bRow("(none)", 0.5, 0.1), bRow("gold", 0.5, 0.1)], extra);
    expect((await breakdown(found.db, { by: [{ kind: "attr", key: "tier" }] })).groups).toHaveLength(2);
    expect(found.calls.map((c) => c.name)).not.toContain("outliers.attribute_keys");
    const none = breakdownDb([], extra);
    expect((await breakdown(none.db, { by: [{ kind: "attr", key: "tier" }] })).groups).toEqual([]);
    expect(none.calls.map((c) => c.name)).not.toContain("outliers.attribute_keys");
  });
  it("an all-(none) attribute grouping whose key exists is no error", async () => {
    const extra = { "model.kept_attributes": [{ keys: ["tier"] }], "outliers.attribute_keys": [{ key: "tier" }] };
    const r = await breakdown(breakdownDb([bRow("(none)", 1, 0.2)], extra).db, { by: [{ kind: "attr", key: "tier" }] });
    expect(r.groups[0]!.keys).toEqual({ tier: "(none)" });
  });
});

describe("assertAttributeKeysPresent and allAttributeKeys", () => {
  it("no attribute keys: nothing asked", async () => {
    const { db, calls } = fakeDb({});
    await assertAttributeKeysPresent(db, [{ kind: "stage" }]);
    expect(calls).toEqual([]);
  });
  it("a missing key with nothing close: the message has no hint", async () => {
    const { db } = fakeDb({ "outliers.attribute_keys": [{ key: "zzzzzzzzzz" }] });
    await expect(assertAttributeKeysPresent(db, [{ kind: "attr", key: "tier" }])).rejects.toThrow(
      new UsageError("--by: no attribute 'tier' on these spans"),
    );
  });
  it("every key is checked, not only the first", async () => {
    const { db } = fakeDb({ "outliers.attribute_keys": [{ key: "a" }, { key: "zzzzzzzzzz" }] });
    await expect(assertAttributeKeysPresent(db, [{ kind: "attr", key: "a" }, { kind: "attr", key: "tier" }])).rejects.toThrow("'tier'");
    await expect(assertAttributeKeysPresent(db, [{ kind: "attr", key: "a" }])).resolves.toBeUndefined();
  });
  it("allAttributeKeys gives the keys as strings", async () => {
    expect(await allAttributeKeys(fakeDb({ "outliers.attribute_keys": [{ key: "a" }, { key: 5 }] }).db)).toEqual(["a", "5"]);
  });
});

describe("warehouseQueries over a fake Db", () => {
  const qRow = (stage: string, extra: Row = {}): Row => ({
    stage, warehouse: "snowflake", calls: "3.0000000000000004", events: 2, cost_per_event_usd: "0.5", cost_share: 0.25,
    total_cost_usd: 1, bytes_scanned_per_call: "1024", p50_ms: 7, p95_ms: "9", query: "SELECT ?", ...extra,
  });
  it("converts each row and keeps all without --top", async () => {
    const { db } = fakeDb({
      "cost.queries": [qRow("db"), qRow("cache", { bytes_scanned_per_call: null, p50_ms: null, p95_ms: null, warehouse: 1, query: 2 })],
      "cost.totals": [TOTALS_ROW], "cost.cost_sources": [SOURCES_ROW], "cost.bad_values": [],
    });
    const r = await warehouseQueries(db);
    expect(r.queries).toStrictEqual([
      { stage: "db", warehouse: "snowflake", calls: 3, events: 2, cost_per_event_usd: 0.5, cost_share: 0.25, total_cost_usd: 1,
        bytes_scanned_per_call: 1024, p50_ms: 7, p95_ms: 9, query: "SELECT ?" },
      { stage: "cache", warehouse: "1", calls: 3, events: 2, cost_per_event_usd: 0.5, cost_share: 0.25, total_cost_usd: 1,
        bytes_scanned_per_call: null, p50_ms: null, p95_ms: null, query: "2" },
    ]);
    expect(r.totals.events).toBe(4);
    expect(r.pricing.cost_sources.billed).toBe(1);
  });
  it("--top keeps the first rows; a bytes figure of 0 stays 0", async () => {
    const { db } = fakeDb({
      "cost.queries": [qRow("a", { bytes_scanned_per_call: 0, p50_ms: 0, p95_ms: 0 }), qRow("b")],
      "cost.totals": [TOTALS_ROW], "cost.cost_sources": [SOURCES_ROW], "cost.bad_values": [],
    });
    const r = await warehouseQueries(db, { top: 1 });
    expect(r.queries.map((q) => [q.stage, q.bytes_scanned_per_call, q.p50_ms, q.p95_ms])).toEqual([["a", 0, 0, 0]]);
  });
});

describe("breakdown on DuckDB: the real queries", () => {
  it("two traces, a priced and an unpriced stage: shares, $/event and totals by hand", async () => {
    // Trace 1: root (no cost) with a child "db" costing $0.30; trace 2: a root and a "db" costing $0.10.
    // By name: db $0.40 over 2 events = $0.20/event; the roots carry the default config's compute
    // cost, so db's share is $0.40 over the total, and the groups' totals add up to it.
    const spans = [
      { trace: traceId(1), id: spanId(1), name: "root", startMs: 0, durationMs: 100 },
      { trace: traceId(1), id: spanId(2), parent: spanId(1), name: "db", startMs: 10, durationMs: 50, attrs: { "cost.usd": 0.3 } },
      { trace: traceId(2), id: spanId(3), name: "root", startMs: 1000, durationMs: 200 },
      { trace: traceId(2), id: spanId(4), parent: spanId(3), name: "db", startMs: 1010, durationMs: 30, attrs: { "cost.usd": 0.1 } },
    ];
    await withModelDb(spans, async (db) => {
      const r = await breakdown(db, { by: [{ kind: "name" }] });
      const db_ = r.groups.find((g) => g.keys.name === "db")!;
      expect(db_.events).toBe(2);
      expect(db_.spans).toBe(2);
      expect(db_.total_cost_usd).toBeCloseTo(0.4, 12);
      expect(db_.cost_per_event_usd).toBeCloseTo(0.2, 12);
      expect(db_.cost_share).toBeCloseTo(0.4 / r.totals.total_cost_usd, 12);
      expect(r.groups.reduce((s, g) => s + g.total_cost_usd, 0)).toBeCloseTo(r.totals.total_cost_usd, 12);
      expect(r.totals.events).toBe(2);
      expect(r.totals.spans).toBe(4);
      expect(r.weights.min_weight).toBe(1);
      expect(r.weights.max_weight).toBe(1);
    });
  });
});
