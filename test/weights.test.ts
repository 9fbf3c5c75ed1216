// Sampling weights: the tracestate / attribute parsers against the OpenTelemetry spec's examples,
// and a sampled population whose weighted estimates land near the full population's while the
// unweighted ones are biased.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { withModelDb } from "./helpers/analysis.js";
import { spanId, traceId, type TestSpan } from "./helpers/otlp.js";
import { breakdown, parseGroupKeys, totals, warehouseQueries, weightSummary } from "../src/analysis/breakdown.js";
import { generate, thresholdFor } from "../src/generate/generate.js";
import { Db } from "../src/db/db.js";
import { loadInputs } from "../src/ingest/load.js";
import { changesModel, installModel } from "../src/model/install.js";
import { defaultConfig } from "../src/model/config.js";
import { stageProfiles } from "../src/analysis/flags.js";
import { relative } from "./helpers/hand.js";

const one = (n: number, extra: Partial<TestSpan>): TestSpan => ({ trace: traceId(n), id: spanId(n), name: `s${n}`, startMs: 0, durationMs: 1, ...extra });

describe("weight parsers", () => {
  // Adjusted count = 2^56 / (2^56 − T), T = th padded with zeros to 14 hex digits.
  const cases: [string, Partial<TestSpan>, number | "unknown"][] = [
    ["th:0 → 1", { traceState: "ot=th:0" }, 1],
    ["th:8 → 2", { traceState: "ot=th:8" }, 2],
    ["th:c → 4", { traceState: "ot=th:c;rv:1234567890abcd" }, 4],
    ["th:fd70a4 ≈ 100", { traceState: "vendor=x,ot=th:fd70a4" }, 72057594037927936 / (72057594037927936 - 0xfd70a4 * 2 ** 32)],
    ["legacy p:3 → 8", { traceState: "ot=p:3" }, 8],
    ["sampleRate 1-in-10", { attrs: { sampleRate: "10" } }, 10],
    ["SampleRate 1-in-20", { attrs: { SampleRate: 20 } }, 20],
    ["_sample_rate probability", { attrs: { _sample_rate: "0.25" } }, 4],
    ["Jaeger probabilistic sampler", { attrs: { "sampler.type": "probabilistic", "sampler.param": "0.1" } }, 10],
    ["no sampling information → 1", {}, 1],
    ["non-hex th is unknown", { traceState: "ot=th:zz" }, "unknown"],
    ["th over 14 digits is unknown", { traceState: "ot=th:fffffffffffffff" }, "unknown"],
    ["p out of range is unknown", { traceState: "ot=p:63" }, "unknown"],
    ["probabilistic without a rate is unknown", { attrs: { "sampler.type": "probabilistic" } }, "unknown"],
    // Rates out of range are no rate (issue 14, item 5): a weight is finite and from 1 to 2^62.
    ["SampleRate NaN is unknown", { attrs: { SampleRate: "NaN" } }, "unknown"],
    ["SampleRate Infinity is unknown", { attrs: { SampleRate: "Infinity" } }, "unknown"],
    ["sampleRate 1e400 is unknown", { attrs: { sampleRate: "1e400" } }, "unknown"],
    ["sampleRate 1e300 (past 2^62) is unknown", { attrs: { sampleRate: "1e300" } }, "unknown"],
    ["sampleRate 0.5 (below 1) is unknown", { attrs: { sampleRate: "0.5" } }, "unknown"],
    ["a bad sampleRate beside a good SampleRate takes the good one", { attrs: { sampleRate: "NaN", SampleRate: "5" } }, 5],
    ["_sample_rate NaN is unknown", { attrs: { _sample_rate: "NaN" } }, "unknown"],
    ["_sample_rate 1e-300 (weight past 2^62) is unknown", { attrs: { _sample_rate: "1e-300" } }, "unknown"],
    ["Jaeger sampler.param NaN is unknown", { attrs: { "sampler.type": "probabilistic", "sampler.param": "NaN" } }, "unknown"],
  ];
  it.each(cases)("%s", async (_name, extra, expected) => {
    await withModelDb([one(1, extra)], async (db) => {
      const [row] = await db.all("SELECT weight, unknown_weight FROM costed_spans");
      if (expected === "unknown") {
        expect(row!.unknown_weight).toBe(true);
        expect(row!.weight).toBe(1);
      } else {
        expect(row!.unknown_weight).toBe(false);
        expect(Number(row!.weight)).toBeCloseTo(expected, 6);
      }
    });
  });

  it("--assume-weight applies to unknown weights; --unweighted ignores all", async () => {
    const db = await Db.open();
    try {
      const { otlpDocument, writeTemp } = await import("./helpers/otlp.js");
      await loadInputs(db, { inputs: [writeTemp("w.json", otlpDocument([one(1, { traceState: "ot=th:zz" }), one(2, { traceState: "ot=th:c" })]))] });
      await installModel(db, defaultConfig(), { assumeWeight: 7 });
      expect((await db.all("SELECT weight FROM costed_spans ORDER BY span_id")).map((r) => Number(r.weight))).toEqual([7, 4]);
      await installModel(db, defaultConfig(), { unweighted: true });
      expect((await db.all("SELECT weight FROM costed_spans ORDER BY span_id")).map((r) => Number(r.weight))).toEqual([1, 1]);
    } finally {
      db.close();
    }
  });

  it("children without a rate take their trace's; rules cover spans whose trace carries none; disagreement is counted", async () => {
    const t = traceId(5);
    const spans: TestSpan[] = [
      { trace: t, id: spanId(1), name: "root", startMs: 0, durationMs: 10, traceState: "ot=th:c" },
      { trace: t, id: spanId(2), parent: spanId(1), name: "child", startMs: 1, durationMs: 2 },
      { trace: t, id: spanId(3), parent: spanId(1), name: "other", startMs: 1, durationMs: 2, traceState: "ot=th:8" },
      { trace: traceId(6), id: spanId(4), name: "db.query", startMs: 0, durationMs: 1 },
      { trace: traceId(6), id: spanId(5), name: "plain", startMs: 0, durationMs: 1 },
    ];
    const db = await Db.open();
    try {
      const { otlpDocument, writeTemp } = await import("./helpers/otlp.js");
      await loadInputs(db, { inputs: [writeTemp("t.json", otlpDocument(spans))] });
      await installModel(db, defaultConfig(), { sampleRates: [{ match: { name: "db.*" }, rate: 0.1 }] });
      const w = Object.fromEntries((await db.all("SELECT name, weight FROM costed_spans")).map((r) => [r.name, Number(r.weight)]));
      expect(w).toEqual({ root: 4, child: 4, other: 2, "db.query": 10, plain: 1 });
      const summary = await weightSummary(db);
      // Trace 5's spans carry different rates; trace 6's db.query is weighted by a rule and plain is not.
      expect(summary.disagreeing_traces).toBe(2);
      // Events: trace 5 counts with its root's weight 4; trace 6 has two roots and counts with the larger, 10.
      expect(summary.estimated_events).toBe(4 + 10);
    } finally {
      db.close();
    }
  });
});

describe("sampling rules that match a child and not its root (issue 13, item 7)", () => {
  // Two events. In event 1 only the child carries user_locale=en, so --sample-rate
  // 'attr:user_locale=en=0.1' weights the child 10 and its root, which does not carry the
  // attribute, 1: the trace's weights disagree. Event 2's spans carry no locale: weight 1 throughout.
  const spans: TestSpan[] = [
    { trace: traceId(1), id: spanId(1), name: "root", startMs: 0, durationMs: 10 },
    { trace: traceId(1), id: spanId(2), parent: spanId(1), name: "child", startMs: 1, durationMs: 2, attrs: { user_locale: "en" } },
    { trace: traceId(2), id: spanId(3), name: "root", startMs: 0, durationMs: 10 },
    { trace: traceId(2), id: spanId(4), parent: spanId(3), name: "child", startMs: 1, durationMs: 2 },
  ];

  it("counts the trace as disagreeing; the event takes its root's weight", async () => {
    await withModelDb(spans, async (db) => {
      const w = (await db.all("SELECT span_id, weight FROM costed_spans ORDER BY span_id")).map((r) => Number(r.weight));
      expect(w).toEqual([1, 10, 1, 1]);
      const summary = await weightSummary(db);
      expect(summary.disagreeing_traces).toBe(1);
      // Events: each counts with its root's weight, 1 + 1.
      expect(summary.estimated_events).toBe(2);
      expect(summary.estimated_spans).toBe(13);
    }, undefined, { sampleRates: [{ match: { attribute: { user_locale: "en" } }, rate: 0.1 }] });
  });
});

describe("sampling rules: first match wins", () => {
  it("a span two rules match takes the first rule's rate, as stage rules do", async () => {
    // Both rules match "child": the first (rate 0.5) gives weight 2, not the second's 10. The root
    // matches only the second: 10.
    const spans: TestSpan[] = [
      { trace: traceId(1), id: spanId(1), name: "root", startMs: 0, durationMs: 10 },
      { trace: traceId(1), id: spanId(2), parent: spanId(1), name: "child", startMs: 1, durationMs: 2 },
    ];
    await withModelDb(spans, async (db) => {
      const w = (await db.all("SELECT span_id, weight FROM costed_spans ORDER BY span_id")).map((r) => Number(r.weight));
      expect(w).toEqual([10, 2]);
    }, undefined, { sampleRates: [{ match: { name: "child" }, rate: 0.5 }, { match: { name: "*" }, rate: 0.1 }] });
  });
});

describe("a span that carries no rate", () => {
  it("takes its trace root's rate, not the largest rate in the trace", async () => {
    // The root carries 1 in 2, one child 1 in 8, the other child nothing: that one takes the root's 2.
    const spans: TestSpan[] = [
      { trace: traceId(1), id: spanId(1), name: "root", startMs: 0, durationMs: 10, attrs: { sampleRate: 2 } },
      { trace: traceId(1), id: spanId(2), parent: spanId(1), name: "kept", startMs: 1, durationMs: 2, attrs: { sampleRate: 8 } },
      { trace: traceId(1), id: spanId(3), parent: spanId(1), name: "bare", startMs: 3, durationMs: 2 },
    ];
    await withModelDb(spans, async (db) => {
      const w = (await db.all("SELECT span_id, weight FROM costed_spans ORDER BY span_id")).map((r) => Number(r.weight));
      expect(w).toEqual([2, 8, 2]);
    });
  });
});

describe("warehouse calls per event (cost flags' stage profile)", () => {
  it("count each call by its weight: 3 events kept 1 in 4, each with 2 Snowflake calls, are 2 calls per event", async () => {
    const spans: TestSpan[] = [1, 2, 3].flatMap((e) => [
      { trace: traceId(e), id: spanId(10 * e), name: "tracker.events.write", startMs: 0, durationMs: 10, attrs: { sampleRate: 4, "cost.usd": "0.001" } },
      ...[1, 2].map((c): TestSpan => ({ trace: traceId(e), id: spanId(10 * e + c), parent: spanId(10 * e), name: "tracker.warehouse.insert", startMs: c, durationMs: 1,
        attrs: { sampleRate: 4, "db.system": "snowflake", "db.statement": "INSERT INTO t VALUES (1)", "cost.usd": "0.002" } })),
    ]);
    await withModelDb(spans, async (db) => {
      const tracking = (await stageProfiles(db)).find((p) => p.stage === "tracking")!;
      expect(tracking.warehouse_calls_per_event).toBe(2);
      expect(relative(tracking.cost_per_event_usd, 0.005)).toBeLessThan(1e-9);
    });
  });
});

describe("an event's end-to-end duration", () => {
  it("runs from its first span's start to its last span's end, past the root when a child outlasts it", async () => {
    // Event 1: root 0–10 ms, an asynchronous child 5–30 ms: 30 ms (its longest span is 25 ms).
    // Event 2: two roots of a broken trace, 0–4 and 6–10 ms: 10 ms. Median of 30 and 10: 20 ms.
    const spans: TestSpan[] = [
      { trace: traceId(1), id: spanId(1), name: "root", startMs: 0, durationMs: 10 },
      { trace: traceId(1), id: spanId(2), parent: spanId(1), name: "async", startMs: 5, durationMs: 25 },
      { trace: traceId(2), id: spanId(3), name: "a", startMs: 0, durationMs: 4 },
      { trace: traceId(2), id: spanId(4), name: "b", startMs: 6, durationMs: 4 },
    ];
    await withModelDb(spans, async (db) => {
      const e2e = (await db.all("SELECT trace_id, e2e_ns FROM event_weights ORDER BY trace_id")).map((r) => Number(r.e2e_ns) / 1e6);
      expect(e2e).toEqual([30, 10]);
      // Unweighted, the percentiles interpolate: p50 = 20 ms, p95 = 10 + 0.95 × 20 = 29 ms.
      const t = await totals(db);
      expect(t.e2e_p50_ms).toBe(20);
      expect(t.e2e_p95_ms).toBeCloseTo(29, 9);
    });
  });
});

describe("a sampled population", () => {
  it("weighted per-event cost and shares land near the population's; unweighted ones are biased", async () => {
    // Population: 6000 events, de-DE's aggregation 3× costlier. Sample: keep every de-DE event
    // (th:0) and 10% of the rest (th for p = 0.1), like "keep 100% of the interesting traces".
    const dir = mkdtempSync(join(tmpdir(), "adtrace-pop-"));
    const population = join(dir, "population.jsonl");
    const { truth } = await generate({ events: 6000, out: population, seed: 2024, scenario: { slow_locale: "de-DE", slow_factor: "3" } });
    const lines = readFileSync(population, "utf8").trim().split("\n");
    let state = 12345;
    const random = () => ((state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const th = thresholdFor(0.1);
    const kept = lines.flatMap((line) => {
      if (line.includes('"user_locale","value":{"stringValue":"de-DE"}')) return [line.replace(/"traceId":/g, '"traceState":"ot=th:0","traceId":')];
      return random() < 0.1 ? [line.replace(/"traceId":/g, `"traceState":"ot=th:${th}","traceId":`)] : [];
    });
    const sample = join(dir, "sample.jsonl");
    writeFileSync(sample, kept.join("\n") + "\n");
    const popShare = truth.cost_by_stage_usd.aggregation! / truth.total_cost_usd;
    await withModelDb([sample], async (db) => {
      const weighted = await breakdown(db, { by: parseGroupKeys("stage") });
      // Stated tolerance: 5% relative on cost per event (≈ 3 standard errors here), 0.03 on a share.
      expect(Math.abs(weighted.totals.events - 6000) / 6000).toBeLessThan(0.1);
      expect(Math.abs(weighted.totals.cost_per_event_usd - truth.cost_per_event_usd) / truth.cost_per_event_usd).toBeLessThan(0.05);
      const aggShare = weighted.groups.find((g) => g.keys.stage === "aggregation")!.cost_share;
      expect(Math.abs(aggShare - popShare)).toBeLessThan(0.03);
      await installModel(db, defaultConfig(), { unweighted: true });
      const raw = await breakdown(db, { by: parseGroupKeys("stage") });
      expect(raw.totals.events).toBe(kept.length);
      expect((raw.totals.cost_per_event_usd - truth.cost_per_event_usd) / truth.cost_per_event_usd).toBeGreaterThan(0.2);
      expect(raw.groups.find((g) => g.keys.stage === "aggregation")!.cost_share - popShare).toBeGreaterThan(0.05);
    });
  });
});

describe("weighted percentiles and counts", () => {
  // Three events of one root and one BigQuery query each: end-to-end 10, 20 and 30 ms, the last
  // kept at 1 in 8 (ot=th:e → 2^56 / (2^56 − 0xe0000000000000) = 8). Weights 1, 1, 8: cumulative
  // 1, 2, 10 of 10, so the weighted p50 and p95 are 30 ms; unweighted (linear) p50 is 20 ms.
  // The queries take 2, 4 and 6 ms with 100, 200 and 300 bytes: weighted p50 6 ms, bytes per
  // call (100 + 200 + 8·300) / 10 = 270; unweighted 4 ms and 200.
  const event = (n: number, ms: number, traceState?: string): TestSpan[] => [
    { trace: traceId(n), id: spanId(10 * n), name: "adserver.request.handle", startMs: 0, durationMs: ms, traceState },
    { trace: traceId(n), id: spanId(10 * n + 1), parent: spanId(10 * n), name: "aggregator.query", startMs: 1, durationMs: 2 * n,
      attrs: { "db.system": "bigquery", "db.statement": `SELECT ${n}`, "db.bytes_scanned": 100 * n }, traceState },
  ];
  const spans = [...event(1, 10), ...event(2, 20), ...event(3, 30, "ot=th:e")];

  it("weights the total row's end-to-end percentiles and the queries' percentiles and bytes", async () => {
    await withModelDb(spans, async (db) => {
      const t = await totals(db);
      expect(t.events).toBe(10);
      expect(t.e2e_p50_ms).toBe(30);
      expect(t.e2e_p95_ms).toBe(30);
      const [q] = (await warehouseQueries(db)).queries;
      expect(q!.calls).toBe(10);
      expect(q!.events).toBe(10);
      expect(q!.p50_ms).toBe(6);
      expect(q!.bytes_scanned_per_call).toBeCloseTo(270, 9);
      await installModel(db, defaultConfig(), { unweighted: true });
      const raw = await totals(db);
      expect(raw.e2e_p50_ms).toBe(20);
      const [rq] = (await warehouseQueries(db)).queries;
      expect(rq!.p50_ms).toBe(4);
      expect(rq!.bytes_scanned_per_call).toBeCloseTo(200, 9);
    });
  });

  it("counts a group's events by its own spans' weights under per-span sampling rules", async () => {
    // Four events; the query spans were kept at 1 in 2 (a --sample-rate rule), so only events
    // 1 and 2 still hold one. Each stands for 2: the query stage occurs in an estimated 4 events.
    const four = [1, 2, 3, 4].flatMap((n) => event(n, 10)).filter((s) => s.name !== "aggregator.query" || Number.parseInt(s.trace, 16) <= 2);
    await withModelDb(four, async (db) => {
      const r = await breakdown(db, { by: parseGroupKeys("name") });
      const byName = Object.fromEntries(r.groups.map((g) => [g.keys.name, g]));
      expect(r.totals.events).toBe(4);
      expect(byName["aggregator.query"]!.spans).toBe(4);
      expect(byName["aggregator.query"]!.events).toBe(4);
      expect(byName["adserver.request.handle"]!.events).toBe(4);
    }, undefined, { sampleRates: [{ match: { name: "aggregator.*" }, rate: 0.5 }] });
  });
});

describe("which options change the model (a stored model cannot serve them)", () => {
  it("--unweighted, --assume-weight, --sample-rate and --match-by-time each do; none, an empty --sample-rate list or billing without --match-by-time do not", () => {
    expect(changesModel()).toBe(false);
    expect(changesModel({ sampleRates: [], billing: { matchByTime: false } })).toBe(false);
    expect(changesModel({ unweighted: true })).toBe(true);
    expect(changesModel({ assumeWeight: 1 })).toBe(true);
    expect(changesModel({ sampleRates: [{ match: { name: "db.*" }, rate: 0.1 }] })).toBe(true);
    expect(changesModel({ billing: { matchByTime: true } })).toBe(true);
  });
});
