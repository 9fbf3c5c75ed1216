// The tail of analysis/clickhouse.ts (lines 259–334: the summary row's weights, pricing and stages,
// isoSeconds, clickhouseBreakdown, its session key, clickhouseQueries) under Stryker (TESTING.md,
// "Whole files: slo check and the ClickHouse session's tail"). Each test compares the ClickHouse
// path (chDB, in-process) with the DuckDB path over the same spans, with fixtures/auction/README.md's
// hand-checked totals, or with figures worked by hand below; "one statement" is counted by the rows
// the engine answered (session.rowsReturned: a breakdown's or queries' statement answers one row per
// group or fingerprint, the summary's one row).
import { beforeAll, describe, expect, it } from "vitest";
import { chdbWith, differences } from "./helpers/chdb.js";
import { otlpDocument, spanId, traceId, writeTemp } from "./helpers/otlp.js";
import { withAnalysis } from "../src/analysis/analysis.js";
import { breakdown, warehouseQueries, type GroupKey } from "../src/analysis/breakdown.js";
import { clickhouseBreakdown, clickhouseQueries, summary, withClickHouse } from "../src/analysis/clickhouse.js";
import { parseClickHouseSource } from "../src/ingest/clickhouse-source.js";
import { defaultConfig, loadConfig } from "../src/model/config.js";

const FIXTURE = "fixtures/auction/otlp.jsonl";
/** fixtures/auction/README.md's stages in byte order (as arraySort sorts strings). */
const STAGES = ["aggregation", "auction", "delivery", "inventory_lookup", "profiling", "request", "tracking"];
let dir = "";

beforeAll(async () => {
  dir = (await chdbWith([FIXTURE])).dir;
}, 300_000);

const source = () => parseClickHouseSource([`chdb:${dir}`]);
const stage: GroupKey[] = [{ kind: "stage" }];

describe("cost breakdown over ClickHouse, several in one session", () => {
  it("no --by is by stage; --top and --min-share as the DuckDB path cuts them; the same grouping is one statement, another grouping another", async () => {
    const local = await withAnalysis({ inputs: [FIXTURE] }, async (a) => ({
      plain: await breakdown(a.db), top: await breakdown(a.db, { top: 2 }), share: await breakdown(a.db, { by: stage, minShare: 0.05 }),
      name: await breakdown(a.db, { by: [{ kind: "name" }] }),
    }));
    const seen: number[] = [];
    const pushed = await withClickHouse(source(), defaultConfig(), {}, async (s) => {
      const at = () => seen.push(s.rowsReturned);
      at();
      const plain = await clickhouseBreakdown(s);
      at();
      const top = await clickhouseBreakdown(s, { top: 2 });
      const share = await clickhouseBreakdown(s, { by: stage, minShare: 0.05 });
      at();
      const name = await clickhouseBreakdown(s, { by: [{ kind: "name" }] });
      at();
      return { plain, top, share, name };
    });
    expect(differences(local, pushed)).toEqual([]);
    // README: seven stages, nine span names; one row per group, and the repeats by stage read none.
    expect(pushed.plain.groups.map((g) => g.keys.stage).sort()).toEqual(STAGES);
    expect(pushed.name.groups.length).toBe(9);
    expect([seen[1]! - seen[0]!, seen[2]! - seen[1]!, seen[3]! - seen[2]!]).toEqual([7, 0, 9]);
    // --top 2: aggregation and tracking kept; the other five omitted, per event
    // 0.00007 + 0.00006 + 0.00004 + 0.00003 + 0.00001 = 0.00021.
    expect(pushed.top.groups.map((g) => g.keys.stage)).toEqual(["aggregation", "tracking"]);
    expect(pushed.top.omitted!.groups).toBe(5);
    expect(pushed.top.omitted!.cost_per_event_usd).toBeCloseTo(0.00021, 15);
    // --min-share 0.05: shares 43.65, 35.50, 6.95, 5.96 % kept; delivery, profiling, request
    // (3.97, 2.98, 0.99 %) omitted: (0.0016 + 0.0012 + 0.0004) / 0.04028937248263888 = 0.0794254…
    expect(pushed.share.groups.map((g) => g.keys.stage)).toEqual(["aggregation", "tracking", "inventory_lookup", "auction"]);
    expect(pushed.share.omitted!.groups).toBe(3);
    expect(pushed.share.omitted!.cost_per_event_usd).toBeCloseTo(0.00008, 15);
    expect(pushed.share.omitted!.cost_share).toBeCloseTo(0.0032 / 0.04028937248263888, 12);
    // Nothing cut: no omitted row.
    expect(pushed.plain.omitted).toBeNull();
  }, 300_000);

  it("--min-share keeps a group whose share is exactly the floor (at least, not above)", async () => {
    const [all, cut] = await withClickHouse(source(), defaultConfig(), {}, async (s) => {
      const all = await clickhouseBreakdown(s, { by: stage });
      const smallest = all.groups.find((g) => g.keys.stage === "request")!;
      return [all, await clickhouseBreakdown(s, { by: stage, minShare: smallest.cost_share })];
    });
    // request is the smallest share (0.99 %): at its own share every group stays.
    expect(Math.min(...all.groups.map((g) => g.cost_share))).toBe(all.groups.find((g) => g.keys.stage === "request")!.cost_share);
    expect(cut.groups.length).toBe(7);
    expect(cut.omitted).toBeNull();
  }, 300_000);

  it("after a breakdown by stage the summary is the breakdown's (no statement), its stages those of a summary statement in a fresh session", async () => {
    const fresh = await withClickHouse(source(), defaultConfig(), {}, (s) => summary(s));
    expect(fresh.stages).toEqual(STAGES);
    const { whole, rows } = await withClickHouse(source(), defaultConfig(), {}, async (s) => {
      await clickhouseBreakdown(s, { by: stage });
      const before = s.rowsReturned;
      const whole = await summary(s);
      return { whole, rows: s.rowsReturned - before };
    });
    expect(rows).toBe(0);
    expect(differences(fresh, whole)).toEqual([]);
  }, 300_000);

  it("a breakdown by stage and name, or by name, leaves the summary to its own statement: the stages once each", async () => {
    const fresh = await withClickHouse(source(), defaultConfig(), {}, (s) => summary(s));
    for (const by of [[{ kind: "stage" }, { kind: "name" }], [{ kind: "name" }]] as GroupKey[][]) {
      const { groups, whole, rows } = await withClickHouse(source(), defaultConfig(), {}, async (s) => {
        const groups = (await clickhouseBreakdown(s, { by })).groups;
        const before = s.rowsReturned;
        const whole = await summary(s);
        return { groups, whole, rows: s.rowsReturned - before };
      });
      // README: nine span names, tracking's and aggregation's two each.
      expect(groups.length).toBe(9);
      expect(rows).toBe(1);
      expect(whole.stages).toEqual(STAGES);
      expect(differences(fresh, whole)).toEqual([]);
    }
  }, 300_000);

  it("--unweighted and --assume-weight reach the weights summary as over the span files", async () => {
    const weights = [];
    for (const model of [{ unweighted: true }, { assumeWeight: 3 }]) {
      const local = await withAnalysis({ inputs: [FIXTURE], model }, (a) => breakdown(a.db));
      const pushed = await withClickHouse(source(), defaultConfig(), model, (s) => clickhouseBreakdown(s));
      expect(differences(local, pushed), JSON.stringify(model)).toEqual([]);
      weights.push([pushed.weights.weighted, pushed.weights.assumed_weight]);
    }
    expect(weights).toEqual([[false, 1], [true, 3]]);
  }, 300_000);
});

describe("cost queries over ClickHouse", () => {
  it("one statement for the fingerprints and the totals; --top 1 the costliest, as the DuckDB path", async () => {
    const local = await withAnalysis({ inputs: [FIXTURE] }, async (a) => ({ all: await warehouseQueries(a.db), top: await warehouseQueries(a.db, { top: 1 }) }));
    const { pushed, rows } = await withClickHouse(source(), defaultConfig(), {}, async (s) => {
      const before = s.rowsReturned;
      const all = await clickhouseQueries(s);
      const rows = s.rowsReturned - before;
      return { pushed: { all, top: await clickhouseQueries(s, { top: 1 }) }, rows };
    });
    expect(differences(local, pushed)).toEqual([]);
    // README: two fingerprints (aggregation's 44 calls, $0.01678804435763888…, 64 MiB a call;
    // tracking's 45, $0.013501328125, 50,000,000 bytes), two rows and no summary row.
    expect(rows).toBe(2);
    expect(pushed.all.queries.map((q) => [q.stage, q.calls, q.bytes_scanned_per_call])).toEqual([["aggregation", 44, 67_108_864], ["tracking", 45, 50_000_000]]);
    expect(pushed.all.queries[0]!.total_cost_usd).toBeCloseTo(0.01678804435763888, 15);
    expect(pushed.top.queries.map((q) => q.stage)).toEqual(["aggregation"]);
    expect(pushed.top.totals.total_cost_usd).toBeCloseTo(0.04028937248263888, 15);
  }, 300_000);

  /** cost queries over the fixture with this config, by ClickHouse, once checked equal to the DuckDB path's. */
  const queriesWith = async (configText: string) => {
    const path = writeTemp("adtrace.config.yaml", configText);
    const local = await withAnalysis({ inputs: [FIXTURE], config: path }, (a) => warehouseQueries(a.db));
    const pushed = await withClickHouse(source(), loadConfig(path), {}, (s) => clickhouseQueries(s));
    expect(differences(local, pushed)).toEqual([]);
    return pushed;
  };

  it("no warehouse query (a config whose warehouses match no span): no fingerprint, the totals from the summary", async () => {
    const pushed = await queriesWith("warehouses: [oracle]\n");
    expect(pushed.queries).toEqual([]);
    expect(pushed.totals.stored_spans).toBe(369);
  }, 300_000);

  it("a warehouse query without a bytes attribute: no bytes per call (null), as the DuckDB path", async () => {
    // bytes_attributes names a key no span has: the fixture's db.bytes_scanned and db.bytes_billed are not read.
    const pushed = await queriesWith("bytes_attributes: [no.such.bytes]\n");
    // Without bytes BigQuery's price changes (and so the order); the calls do not.
    expect(pushed.queries.map((q) => [q.stage, q.calls, q.bytes_scanned_per_call]).sort()).toEqual([["aggregation", 44, null], ["tracking", 45, null]]);
  }, 300_000);
});

describe("weights and prices the fixture does not have", () => {
  // Three events written here. Event 1: the root says th:8 (kept with probability 1 − 0x8/0x10 = 1/2,
  // weight 2), its child th:c (1/4, weight 4): one trace whose weights disagree. Event 2: th:zz is
  // no threshold (not hex), so the root is sampled without a usable rate, an unknown weight (the
  // assumed 1). Event 3: a query to a warehouse the config lists (oracle) and no price book prices:
  // its query part unpriced.
  it("unknown weights, disagreeing traces and unpriced spans are counted as over the span files", async () => {
    const input = writeTemp("odd.json", otlpDocument([
      { trace: traceId(1), id: spanId(1), name: "adserver.request.handle", startMs: 0, durationMs: 100, traceState: "ot=th:8", attrs: { "cost.usd": "0.001" } },
      { trace: traceId(1), id: spanId(2), parent: spanId(1), name: "auction.rtb.run", startMs: 10, durationMs: 50, traceState: "ot=th:c", attrs: { "cost.usd": "0.002" } },
      { trace: traceId(2), id: spanId(3), name: "adserver.request.handle", startMs: 1000, durationMs: 100, traceState: "ot=th:zz", attrs: { "cost.usd": "0.001" } },
      { trace: traceId(3), id: spanId(4), name: "adserver.request.handle", startMs: 2000, durationMs: 100, attrs: { "cost.usd": "0.001" } },
      { trace: traceId(3), id: spanId(5), parent: spanId(4), name: "tracker.warehouse.insert", startMs: 2010, durationMs: 20, attrs: { "db.system": "oracle", "db.statement": "select 1" } },
    ]));
    const config = writeTemp("adtrace.config.yaml", "warehouses: [oracle]\n");
    const odd = (await chdbWith([input])).dir;
    const local = await withAnalysis({ inputs: [input], config }, (a) => breakdown(a.db));
    const pushed = await withClickHouse(parseClickHouseSource([`chdb:${odd}`]), loadConfig(config), {}, (s) => clickhouseBreakdown(s));
    expect(differences(local, pushed)).toEqual([]);
    expect([pushed.weights.unknown_weight_spans, pushed.weights.disagreeing_traces, pushed.pricing.cost_sources.unpriced]).toEqual([1, 1, 1]);
    expect([pushed.weights.min_weight, pushed.weights.max_weight]).toEqual([1, 4]);
  }, 300_000);
});

describe("start and end before 1970", () => {
  // isoSeconds floors a negative µs count to the second below, as strftime does: one event whose
  // root starts at −2.5 s (1969-12-31T23:59:57.5Z) and lasts 1.5 s (to −1.0 s, a whole second).
  it("floors to the second below: 23:59:57 and 23:59:59", async () => {
    const input = writeTemp("early.json", otlpDocument([
      { trace: traceId(1), id: spanId(1), name: "adserver.request.handle", startMs: 0, durationMs: 1500, attrs: { "cost.usd": "0.001" } },
      { trace: traceId(1), id: spanId(2), parent: spanId(1), name: "auction.rtb.run", startMs: 250, durationMs: 1000, attrs: { "cost.usd": "0.002" } },
    ]));
    const early = (await chdbWith([input])).dir;
    const { Session } = await import("chdb");
    const session = new Session(early);
    try {
      // otlpDocument's times are 1.7e18 ns after the epoch plus startMs; move them 1.7e18 + 2.5e9 ns back.
      session.query("CREATE TABLE moved AS otel_traces");
      session.query("INSERT INTO moved SELECT * REPLACE (fromUnixTimestamp64Nano(toUnixTimestamp64Nano(Timestamp) - 1700000002500000000) AS Timestamp) FROM otel_traces");
      session.query("TRUNCATE TABLE otel_traces");
      session.query("INSERT INTO otel_traces SELECT * FROM moved");
      session.query("DROP TABLE moved");
      expect(session.query("SELECT min(toUnixTimestamp64Nano(Timestamp)) FROM otel_traces", "CSV").trim()).toBe("-2500000000");
    } finally {
      session.close();
    }
    const pushed = await withClickHouse(parseClickHouseSource([`chdb:${early}`]), defaultConfig(), {}, (s) => clickhouseBreakdown(s));
    expect([pushed.totals.start, pushed.totals.end]).toEqual(["1969-12-31T23:59:57Z", "1969-12-31T23:59:59Z"]);
    // $0.001 + $0.002 over one event.
    expect(pushed.totals.total_cost_usd).toBeCloseTo(0.003, 15);
  }, 300_000);
});
