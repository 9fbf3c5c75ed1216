// cost flags and savings against hand-worked numbers.
import { describe, expect, it } from "vitest";
import { withModelDb } from "./helpers/analysis.js";
import { spanId, traceId, type TestSpan } from "./helpers/otlp.js";
import { costFlags } from "../src/analysis/flags.js";
import { parseLever, savings, type Scenario } from "../src/analysis/savings.js";
import { defaultConfig, parseConfig } from "../src/model/config.js";
import { BIGQUERY_QUERY, EVENTS, relative, STAGE_TOTAL } from "./helpers/hand.js";

// Four identical events, per event: request $0.26 (compute), tracking $0.02 compute + $0.30
// Snowflake lookup, aggregation $0.02 compute + $0.40 BigQuery aggregate. Total $1.00/event;
// shares: aggregation 0.42, tracking 0.32, request 0.26.
// The tracking lookup's statement is `statement(e)`: by default two distinct texts over the
// events (every other event repeats one), which a cache would hit.
function pipeline(events: number, jitter = (_i: number) => 0, statement = (e: number) => `SELECT seen FROM dedupe WHERE event_id = '${e % 2}'`): TestSpan[] {
  const spans: TestSpan[] = [];
  for (let e = 1; e <= events; e++) {
    const t = traceId(e);
    const id = (n: number) => spanId(e * 100 + n);
    const j = jitter(e);
    spans.push(
      { trace: t, id: id(1), name: "adserver.request.handle", service: "adserver", startMs: 0, durationMs: 100, attrs: { "cost.usd": "0.26" } },
      { trace: t, id: id(2), parent: id(1), name: "tracker.events.write", service: "tracker", startMs: 10, durationMs: 30, attrs: { "cost.usd": "0.02" } },
      { trace: t, id: id(3), parent: id(2), name: "tracker.warehouse.lookup", service: "tracker", startMs: 11, durationMs: 28,
        attrs: { "cost.usd": String(0.3 + j), "db.system": "snowflake", "db.statement": statement(e) } },
      { trace: t, id: id(4), parent: id(1), name: "aggregator.rollup.compute", service: "aggregator", startMs: 5, durationMs: 90, attrs: { "cost.usd": "0.02" } },
      { trace: t, id: id(5), parent: id(4), name: "aggregator.warehouse.query", service: "aggregator", startMs: 6, durationMs: 88,
        attrs: { "cost.usd": "0.40", "db.system": "bigquery", "db.statement": `SELECT campaign, sum(spend) FROM events WHERE day = '2024-01-0${e % 9}' GROUP BY campaign` } },
    );
  }
  return spans;
}

describe("cost flags", () => {
  it("flags the warehouse-heavy stages with the lever their top query calls for", async () => {
    await withModelDb(pipeline(4), async (db) => {
      const result = await costFlags(db, defaultConfig());
      const flags = Object.fromEntries(result.flags.map((f) => [f.stage, f]));
      expect(Object.keys(flags).sort()).toEqual(["aggregation", "tracking"]);
      expect(flags.aggregation!.cost_share).toBeCloseTo(0.42, 12);
      expect(flags.aggregation!.warehouse_cost_share).toBeCloseTo(0.4 / 0.42, 12);
      expect(flags.aggregation!.lever).toBe("preaggregate");
      expect(flags.aggregation!.top_query).toBe("SELECT campaign, sum(spend) FROM events WHERE day = ? GROUP BY campaign");
      // −30% of the $0.40 query cost.
      expect(flags.aggregation!.est_savings_per_event_usd).toBeCloseTo(0.12, 12);
      expect(flags.tracking!.lever).toBe("cache");
      // 25% hits of the whole $0.32.
      expect(flags.tracking!.est_savings_per_event_usd).toBeCloseTo(0.08, 12);
      expect(flags.tracking!.warehouse).toBe("snowflake");
    });
  });

  it("chooses cache for a read only when its statements repeat often enough for the assumed hit rate", async () => {
    // 4 calls, 4 distinct statements: 0% could hit a cache → tune, −10% of $0.32.
    await withModelDb(pipeline(4, undefined, (e) => `SELECT seen FROM dedupe WHERE event_id = 'ev-${e}'`), async (db) => {
      const tracking = (await costFlags(db, defaultConfig())).flags.find((f) => f.stage === "tracking")!;
      expect(tracking.lever).toBe("tune");
      expect(tracking.reason).toMatch(/4 calls ran 4 distinct statements, so 0% of calls repeat an earlier one/);
      expect(tracking.est_savings_per_event_usd).toBeCloseTo(0.032, 12);
    });
    // 4 calls, 3 distinct: 1 − 3/4 = 25% repeat, exactly the assumed hit rate → cache.
    await withModelDb(pipeline(4, undefined, (e) => `SELECT seen FROM dedupe WHERE event_id = 'ev-${Math.min(e, 3)}'`), async (db) => {
      const tracking = (await costFlags(db, defaultConfig())).flags.find((f) => f.stage === "tracking")!;
      expect(tracking.lever).toBe("cache");
      expect(tracking.reason).toMatch(/4 calls ran 3 distinct statements, so 25% of calls repeat/);
    });
    // The same statement under a different sqlcommenter comment (and spacing) each call: 1 distinct.
    await withModelDb(pipeline(4, undefined, (e) => `SELECT seen  FROM dedupe WHERE event_id = 'ev-1' /*traceparent='00-${e}'*/`), async (db) => {
      const tracking = (await costFlags(db, defaultConfig())).flags.find((f) => f.stage === "tracking")!;
      expect(tracking.lever).toBe("cache");
      expect(tracking.reason).toMatch(/4 calls ran 1 distinct statement/);
    });
  });

  it("judges the fixture's tracking lookups by their statements: 4 distinct in 45 calls → cache", async () => {
    // fixtures/auction/README.md: the tracking lookup names one of 4 campaigns; cache 25% of
    // tracking's $0.014301328125 / 40 per event; pre-aggregation −30% of aggregation's query cost.
    await withModelDb(["fixtures/auction/otlp.jsonl"], async (db) => {
      const flags = Object.fromEntries((await costFlags(db, defaultConfig())).flags.map((f) => [f.stage, f]));
      expect(flags.tracking!.lever).toBe("cache");
      expect(flags.tracking!.reason).toMatch(/45 calls ran 4 distinct statements, so 91% of calls repeat/);
      expect(flags.tracking!.est_savings_per_event_usd).toBeCloseTo((0.25 * STAGE_TOTAL.tracking) / EVENTS, 15);
      expect(flags.aggregation!.lever).toBe("preaggregate");
      expect(flags.aggregation!.est_savings_per_event_usd).toBeCloseTo((0.3 * BIGQUERY_QUERY) / EVENTS, 15);
    });
  });

  it("'most of its cost' is warehouse means more than half: exactly half is not flagged", async () => {
    // request $0.5 compute; tracking $0.25 compute + $q Snowflake: share of cost ≥ 0.25 either way.
    const spans = (q: string): TestSpan[] => [
      { trace: traceId(1), id: spanId(1), name: "adserver.request.handle", service: "adserver", startMs: 0, durationMs: 10, attrs: { "cost.usd": "0.5" } },
      { trace: traceId(1), id: spanId(2), parent: spanId(1), name: "tracker.events.write", service: "tracker", startMs: 1, durationMs: 5, attrs: { "cost.usd": "0.25" } },
      { trace: traceId(1), id: spanId(3), parent: spanId(2), name: "tracker.warehouse.lookup", service: "tracker", startMs: 2, durationMs: 1, attrs: { "cost.usd": q, "db.system": "snowflake" } },
    ];
    // 0.25 / 0.5 = 0.5 exactly: not more than half. (Its one query is 50% of the stage, below top_query_share 0.6.)
    await withModelDb(spans("0.25"), async (db) => {
      expect((await costFlags(db, defaultConfig())).flags).toEqual([]);
    });
    // 0.2501 / 0.5001 > 0.5: flagged.
    await withModelDb(spans("0.2501"), async (db) => {
      const flags = (await costFlags(db, defaultConfig())).flags;
      expect(flags.map((f) => f.stage)).toEqual(["tracking"]);
      expect(flags[0]!.warehouse_cost_share).toBeCloseTo(0.2501 / 0.5001, 12);
    });
  });

  it("flags nothing when no stage is warehouse-heavy", async () => {
    const spans: TestSpan[] = [
      { trace: traceId(1), id: spanId(1), name: "adserver.request.handle", startMs: 0, durationMs: 10, attrs: { "cost.usd": "0.5" } },
      { trace: traceId(1), id: spanId(2), parent: spanId(1), name: "auction.rtb.run", startMs: 1, durationMs: 5, attrs: { "cost.usd": "0.5" } },
    ];
    await withModelDb(spans, async (db) => {
      expect((await costFlags(db, defaultConfig())).flags).toEqual([]);
    });
  });
});

describe("savings", () => {
  const config = parseConfig("preaggregate: { refresh_cost_usd: 100, refreshes_per_day: 24 }\n", "t.yaml");
  const run = (scenarios: Scenario[], eventsPerDay = 1_000_000, spans = pipeline(4)) =>
    withModelDb(spans, (db) => savings(db, { scenarios, config: { ...config, events_per_day: eventsPerDay } }), config);
  const one = (...levers: [Parameters<typeof parseLever>[0], string][]) => [{ name: "s", levers: levers.map(([k, v]) => parseLever(k, v)) }];

  it("cache: (1−h)·C + h·c_hit, projected to the daily volume", async () => {
    const { rows } = await run(one(["cache", "tracking=0.5:0.01"]), 2e9);
    const lever = rows[0]!;
    expect(lever.cost_per_event_before_usd).toBeCloseTo(0.32, 12);
    expect(lever.cost_per_event_after_usd).toBeCloseTo(0.5 * 0.32 + 0.5 * 0.01, 12);
    expect(lever.savings_per_event_usd).toBeCloseTo(0.155, 12);
    expect(lever.savings_per_day_usd).toBeCloseTo(0.155 * 2e9, 3);
    expect(lever.savings_per_year_usd).toBeCloseTo(0.155 * 2e9 * 365, 0);
    expect(lever.savings_pct_of_total).toBeCloseTo(0.155, 12);
  });

  it("preagg: C − r·C_query + refresh cost spread over the day's events", async () => {
    // 0.42 − 0.5 × 0.40 + 100 × 24 / 1e6 = 0.2224
    const { rows } = await run(one(["preagg", "aggregation=0.5"]));
    expect(rows[0]!.cost_per_event_after_usd).toBeCloseTo(0.2224, 12);
    expect(rows[1]!.lever).toBe("total");
    expect(rows[1]!.cost_per_event_after_usd).toBeCloseTo(1 - 0.1976, 12);
  });

  it("composes two levers on one stage in the order given", async () => {
    // tune 50% then cache 50% at $0.02/hit: 0.32 → 0.16 → 0.5·0.16 + 0.5·0.02 = 0.09
    const a = await run(one(["tune", "tracking=0.5"], ["cache", "tracking=0.5:0.02"]));
    expect(a.rows[1]!.cost_per_event_after_usd).toBeCloseTo(0.09, 12);
    // cache first: 0.5·0.32 + 0.5·0.02 = 0.17, then tune 50%: 0.085
    const b = await run(one(["cache", "tracking=0.5:0.02"], ["tune", "tracking=0.5"]));
    expect(b.rows[1]!.cost_per_event_after_usd).toBeCloseTo(0.085, 12);
    expect(b.rows[2]!.savings_per_event_usd).toBeCloseTo(1 - (0.26 + 0.42 + 0.085), 12);
  });

  it("gives the interval of the hand-worked per-event savings, narrowing as events grow", async () => {
    // Per-event tracking query cost varies ±0.1; the saving interval shrinks like 1/√n.
    const jitter = (i: number) => ((i * 7919) % 21) / 100 - 0.1;
    const small = await run(one(["cache", "tracking=0.5"]), 1e6, pipeline(10, jitter));
    const large = await run(one(["cache", "tracking=0.5"]), 1e6, pipeline(1000, jitter));
    const width = (r: { ci95_high_per_day_usd: number; ci95_low_per_day_usd: number }) => r.ci95_high_per_day_usd - r.ci95_low_per_day_usd;
    // By hand for the 10 events: 7919 ≡ 2 (mod 21), so jitter(i) = 2i/100 − 0.1: −0.08, −0.06, …,
    // 0.10 (mean 0.01, squared deviations 2 × (0.01² + 0.03² + 0.05² + 0.07² + 0.09²) = 0.033).
    // A saving per event is 0.5 × (0.32 + jitter): mean 0.165, sample sd 0.5 × √(0.033/9), so the
    // interval is 0.165 ± 1.96 × 0.5 × √(0.033/9/10) = 0.165 ± 0.0187655… per event, × 1e6 a day.
    const half = 1.96 * 0.5 * Math.sqrt(0.033 / 9 / 10);
    for (const r of small.rows) {
      expect(relative(r.savings_per_day_usd, 165_000)).toBeLessThan(1e-9);
      expect(relative(r.ci95_low_per_day_usd, (0.165 - half) * 1e6)).toBeLessThan(1e-9);
      expect(relative(r.ci95_high_per_day_usd, (0.165 + half) * 1e6)).toBeLessThan(1e-9);
    }
    expect(width(large.rows[0]!)).toBeLessThan(width(small.rows[0]!) / 5);
    for (const r of [small.rows[0]!, large.rows[0]!]) {
      expect(r.ci95_low_per_day_usd).toBeLessThanOrEqual(r.savings_per_day_usd);
      expect(r.ci95_high_per_day_usd).toBeGreaterThanOrEqual(r.savings_per_day_usd);
    }
  });

  it("changes end-to-end latency only for stages on the critical path", async () => {
    // Root 0–100 ms; aggregation 5–95 ms ends last and is on the critical path, tracking 10–40
    // runs beside it and is not. Every hit (h=1) on aggregation cuts it to 5–6 ms; tracking then
    // ends last, and the root 5 ms after it: 40 + 5 = 45 (not 100 − 89 = 11).
    const tracking = await run(one(["cache", "tracking=1"]));
    expect(tracking.rows[0]!.e2e_p95_ms_before).toBeCloseTo(100, 9);
    expect(tracking.rows[0]!.e2e_p95_ms_after).toBeCloseTo(100, 9);
    const aggregation = await run(one(["cache", "aggregation=1"]));
    expect(aggregation.rows[0]!.e2e_p95_ms_after).toBeCloseTo(45, 9);
  });

  it("rejects an unknown stage, naming the closest", async () => {
    await expect(run(one(["cache", "trackng=0.5"]))).rejects.toThrow(/no stage 'trackng'.*did you mean 'tracking'/);
    expect(() => parseLever("cache", "tracking=1.5")).toThrow(/between 0 and 1/);
    expect(() => parseLever("cache", "tracking=0.5:-1")).toThrow(/non-negative/);
    expect(parseLever("tune", "tracking=30%").value).toBeCloseTo(0.3, 12);
  });
});
