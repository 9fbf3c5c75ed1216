// Gaps left by the whole-file mutation runs of breakdown.ts, savings.ts, diff.ts and advise.ts
// (helper gap32): each test's expectation is worked by hand from the input it writes.
import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { InputError } from "../src/errors.js";
import { Db } from "../src/db/db.js";
import { loadInputs } from "../src/ingest/load.js";
import { loadBilling } from "../src/ingest/billing.js";
import { installModel } from "../src/model/install.js";
import { defaultConfig, parseConfig } from "../src/model/config.js";
import { latencyModel, loadScenarioFile, parseLever, savings } from "../src/analysis/savings.js";
import { BOOTSTRAP_MAX_EVENTS, readSide, spanSide, TOTAL } from "../src/analysis/diff.js";
import { groupId, parseGroupKeys, pricingSummary, type Pricing, type WeightSummary } from "../src/analysis/breakdown.js";
import { loadIntoDatabase } from "../src/ingest/load-db.js";
import { adviseFrom, type AdviseOptions, type AdviseSums } from "../src/analysis/advise.js";
import { withModelDb } from "./helpers/analysis.js";
import { otlpDocument, spanId, traceId, writeTemp, type TestSpan } from "./helpers/otlp.js";

// The test spans start at 1,700,000,000 s plus their startMs (test/helpers/otlp.ts BASE_NS).
const at = (ms: number) => String(1_700_000_000 + ms / 1000);
/** A scenario file holding `text`, in a directory of its own. */
const file = (text: string) => {
  const path = join(mkdtempSync(join(tmpdir(), "adtrace-gap32-")), "scenarios.yaml");
  writeFileSync(path, text);
  return path;
};
const SF_HEADER = "QUERY_ID,QUERY_TAG,START_TIME,END_TIME,CREDITS_ATTRIBUTED_COMPUTE,QUERY_TEXT\n";

describe("pricingSummary with billing records (breakdown.ts cost_sources)", () => {
  it("counts the spans priced from the bill as billed, beside explicit, price-book and unpriced spans", async () => {
    const T = traceId(1);
    const spans: TestSpan[] = [
      // 1: a root with no cost attribute: priced from the book (compute by duration).
      { trace: T, id: spanId(1), name: "adserver.request.handle", startMs: 0, durationMs: 1000 },
      // 2: a Snowflake query whose id the bill names (q-1, 1 credit): billed.
      { trace: T, id: spanId(2), parent: spanId(1), name: "tracker.warehouse.insert", startMs: 10, durationMs: 100,
        attrs: { "db.system": "snowflake", "db.query.id": "q-1" } },
      // 3: a Snowflake query with cost.usd 5 that the bill also names (q-2): the bill wins, billed.
      { trace: T, id: spanId(3), parent: spanId(1), name: "tracker.warehouse.insert", startMs: 200, durationMs: 100,
        attrs: { "db.system": "snowflake", "db.query.id": "q-2", "cost.usd": "5" } },
      // 4: cost.usd 0.5 on a span that is no query: explicit.
      { trace: T, id: spanId(4), parent: spanId(1), name: "tracker.events.write", startMs: 400, durationMs: 10, attrs: { "cost.usd": "0.5" } },
      // 5: a Snowflake query whose id no bill names (q-3): estimated from the book by its duration.
      { trace: T, id: spanId(5), parent: spanId(1), name: "tracker.warehouse.insert", startMs: 500, durationMs: 100,
        attrs: { "db.system": "snowflake", "db.query.id": "q-3" } },
      // 6: a BigQuery query with neither bytes nor a cost: its query part unpriced.
      { trace: T, id: spanId(6), parent: spanId(1), name: "aggregator.query", startMs: 700, durationMs: 10,
        attrs: { "db.system": "bigquery", "db.statement": "SELECT 1" } },
    ];
    // Three records: q-1 and q-2 join spans 2 and 3 by id; q-9 names no stored span (untraced).
    const bill = SF_HEADER + [
      `q-1,,${at(10)},${at(110)},1,`,
      `q-2,,${at(200)},${at(300)},2,`,
      `q-9,,${at(800)},${at(900)},4,`,
    ].join("\n") + "\n";
    const db = await Db.open({ expectSmall: true });
    try {
      await loadInputs(db, { inputs: [writeTemp("spans.json", otlpDocument(spans))] });
      await loadBilling(db, [writeTemp("bill.csv", bill)], defaultConfig());
      await installModel(db, defaultConfig());
      // By hand: billed = spans 2, 3 → 2; explicit = span 4 → 1; price book = spans 1, 5 → 2;
      // unpriced = span 6 → 1; 2 + 1 + 2 + 1 = 6, every span once.
      expect((await pricingSummary(db)).cost_sources).toStrictEqual({ billed: 2, explicit: 1, price_book: 2, unpriced: 1 });
    } finally {
      db.close();
    }
  });
});

describe("savings.ts loadScenarioFile: a scenario key that is a collection with its own anchor or tag keeps its line", () => {
  const lever = 'expected one of {cache: "STAGE=H[:COST]"}, {preagg: "STAGE=R"}, {tune: "STAGE=R"}';
  it("a list key with an anchor (? &k [x]): the empty list's line, 3", () => {
    // Line 1 "scenarios:", line 2 "? &k [x]", line 3 ": []" (the value, where the error is).
    // The data names the scenario "[ x ]" (yaml's flow text, the anchor dropped).
    const path = file("scenarios:\n  ? &k [x]\n  : []\n");
    expect(() => loadScenarioFile(path)).toThrow(new InputError(`${path}:3`, "scenario '[ x ]': expected a non-empty list of levers"));
  });
  it("a list key with a tag (? !!seq [y]): the bad lever's line, 5", () => {
    // Lines: 1 "scenarios:", 2 "? !!seq [y]", 3 ":", 4 the first lever, 5 the second ({ cache: 3 }).
    const path = file('scenarios:\n  ? !!seq [y]\n  :\n    - { tune: "x=0.1" }\n    - { cache: 3 }\n');
    expect(() => loadScenarioFile(path)).toThrow(new InputError(`${path}:5`, `scenario '[ y ]' lever 2: ${lever}`));
  });
  it("a scenario key written without a value (? s): the key's line, 3", () => {
    // Lines: 1 "scenarios:", 2 "ok: [...]", 3 "? s": the data has s: null, and no value node to point at.
    const path = file("scenarios:\n  ok: [ { tune: \"x=0.1\" } ]\n  ? s\n");
    expect(() => loadScenarioFile(path)).toThrow(new InputError(`${path}:3`, "scenario 's': expected a non-empty list of levers"));
  });
  it("a mapping key with both (? &m !!map {a: 1}): line 4, after a first scenario on line 2", () => {
    // Lines: 1 "scenarios:", 2 "ok: [...]", 3 "? &m !!map {a: 1}", 4 ": []".
    const path = file('scenarios:\n  ok: [ { tune: "x=0.1" } ]\n  ? &m !!map {a: 1}\n  : []\n');
    expect(() => loadScenarioFile(path)).toThrow(new InputError(`${path}:4`, "scenario '{ a: 1 }': expected a non-empty list of levers"));
  });
});

// Found while writing the tests above: a key written as an alias (`*n : …`) is, in the parsed
// data, the scalar its anchor names (yaml's toJS resolves it), but jsKey gave the alias's own text
// "*n", so the node walk found no pair and the error lost its line (a scenario file: the file
// alone; the config: line 1). jsKey now resolves an alias key to its scalar.
describe("model/yaml.ts jsKey: an alias or a block collection used as a key keeps its line", () => {
  it("a scenario named by an alias to a scalar: the empty list's line, 4", () => {
    // Lines: 1 "names:", 2 "- &n cache-only", 3 "scenarios:", 4 "*n : []".
    const path = file("names:\n  - &n cache-only\nscenarios:\n  *n : []\n");
    expect(() => loadScenarioFile(path)).toThrow(new InputError(`${path}:4`, "scenario 'cache-only': expected a non-empty list of levers"));
  });
  it("a scenario named by an alias to a list stays '*k', as the data has it: line 4", () => {
    // Lines: 1 "k: &k [x]", 2 "scenarios:", 3 "? *k", 4 ": []". yaml's toJS writes a collection
    // alias key as the alias's text, so jsKey must not resolve it to "[ x ]".
    const path = file("k: &k [x]\nscenarios:\n  ? *k\n  : []\n");
    expect(() => loadScenarioFile(path)).toThrow(new InputError(`${path}:4`, "scenario '*k': expected a non-empty list of levers"));
  });
  it("a block list or mapping used as a scenario key is named by its flow text: line 4", () => {
    // Lines: 1 "scenarios:", 2 "? - a", 3 "  - b", 4 ": []": the data names the scenario "[ a, b ]".
    const path = file("scenarios:\n  ? - a\n    - b\n  : []\n");
    expect(() => loadScenarioFile(path)).toThrow(new InputError(`${path}:4`, "scenario '[ a, b ]': expected a non-empty list of levers"));
    const mapping = file("scenarios:\n  ? a: 1\n    b: 2\n  : []\n");
    expect(() => loadScenarioFile(mapping)).toThrow(new InputError(`${mapping}:4`, "scenario '{ a: 1, b: 2 }': expected a non-empty list of levers"));
  });
  it("an unknown config key written as an alias: at its own line, named as the data names it", () => {
    // Line 1 anchors the string "frobnicate" inside a list; line 2 uses it as a top-level key.
    expect(() => parseConfig("cost_attributes: [&u frobnicate]\n*u : 1\n", "c.yaml")).toThrow(/^c\.yaml:2: unknown key 'frobnicate' \(known here: /);
    // An alias to a number (line 1), the key on line 3 after a known key on line 2.
    expect(() => parseConfig("cost_attributes: [&u 7]\nevents_per_day: 5\n*u : 1\n", "c.yaml")).toThrow(/^c\.yaml:3: unknown key '7' /);
  });
});

describe("diff.ts: a side of span data", () => {
  const BY = parseGroupKeys("stage");
  // One one-span event per trace, each 1 ms and $0.001.
  const events = (n: number): TestSpan[] => Array.from({ length: n }, (_, i) => ({
    trace: traceId(i + 1), id: spanId(1), name: "adserver.request.handle", startMs: i, durationMs: 1, attrs: { "cost.usd": "0.001" },
  }));
  it(`reads its events for the bootstrap at ${BOOTSTRAP_MAX_EVENTS} events, not at one more`, async () => {
    // The rule (diff.ts, README): sides of at most 5,000 events read their events; larger ones only their moments.
    expect(BOOTSTRAP_MAX_EVENTS).toBe(5000);
    const atLimit = await withModelDb(events(5000), (db) => spanSide(db, "a", BY));
    expect(atLimit.perEvent).toHaveLength(5000);
    expect(atLimit.durations!.events).toBe(5000);
    const over = await withModelDb(events(5001), (db) => spanSide(db, "b", BY));
    expect(over.perEvent).toBeUndefined();
    expect(over.durations).toBeUndefined();
    // Both keep the moments (Welch's input): Σw = 5,001 events of weight 1.
    expect(over.moments!.get(TOTAL)!.sw).toBe(5001);
  }, 60_000);

  it("a .duckdb side reads the spans stored there and the moments its stored model keeps", async () => {
    // t1: request 0–30 ms ($1), tracking ($0.5) and auction ($0.25) under it; t2: request alone ($2).
    const spans: TestSpan[] = [
      { trace: traceId(1), id: spanId(1), name: "adserver.request.handle", startMs: 0, durationMs: 30, attrs: { "cost.usd": 1 } },
      { trace: traceId(1), id: spanId(2), parent: spanId(1), name: "tracker.events.write", startMs: 0, durationMs: 20, attrs: { "cost.usd": 0.5 } },
      { trace: traceId(1), id: spanId(3), parent: spanId(1), name: "auction.bid", startMs: 20, durationMs: 8, attrs: { "cost.usd": 0.25 } },
      { trace: traceId(2), id: spanId(4), name: "adserver.request.handle", startMs: 0, durationMs: 10, attrs: { "cost.usd": 2 } },
    ];
    const path = join(mkdtempSync(join(tmpdir(), "adtrace-gap32-")), "side.duckdb");
    await loadIntoDatabase({ db: path, inputs: [writeTemp("spans.json", otlpDocument(spans))] });
    const side = await readSide(path, {}, BY);
    // Per event: request (1 + 2) / 2 = 1.5, tracking 0.5 / 2 = 0.25, auction 0.25 / 2 = 0.125; total 3.75 / 2 = 1.875.
    expect(side.events).toBe(2);
    expect(side.total.cost).toBeCloseTo(1.875, 12);
    expect([...side.groups.values()].map((g) => [g.keys.stage, g.cost])).toEqual([["request", 1.5], ["tracking", 0.25], ["auction", 0.125]]);
    // The stored moments (Σw, Σw², Σw·x, Σw·(x − mean)²) over the 2 events of weight 1:
    // request x = 1, 2: 2, 2, 3, 0.5² + 0.5² = 0.5; tracking x = 0.5, 0: 2, 2, 0.5, 2 · 0.25² = 0.125;
    // the whole event x = 1.75, 2: 2, 2, 3.75, 2 · 0.125² = 0.03125.
    const m = (id: string) => Object.values(side.moments!.get(id)!);
    expect(m(groupId({ stage: "request" }))).toEqual([2, 2, 3, expect.closeTo(0.5, 12)]);
    expect(m(groupId({ stage: "tracking" }))).toEqual([2, 2, 0.5, expect.closeTo(0.125, 12)]);
    expect(m(TOTAL)).toEqual([2, 2, 3.75, expect.closeTo(0.03125, 12)]);
  });
});

describe("savings.ts: the latency model reads each event's own spans", () => {
  const config = { ...defaultConfig(), events_per_day: 100 };
  it("an event re-timed after a cache hit does not take in the next event's first span", async () => {
    // t1: request root 0–30 ms with tracking 0–20 ms under it; t2 (the next event in trace-id
    // order): a request root 0–50 ms (span id 9) with two 1 ms children (ids 5 and 6) at 1 and
    // 2 ms, so its first span by start is numbered 2 in its event, a number t1 does not use (0, 1).
    // The cache hits t1 (its only candidate): tracking takes 1 ms (the default hit latency), the
    // root's 10 ms after it ends at 11 ms.
    // p95 before: 30 and 50 → 30 + 0.95 · 20 = 49; after: 11 and 50 → 11 + 0.95 · 39 = 48.05.
    const spans: TestSpan[] = [
      { trace: traceId(1), id: spanId(1), name: "adserver.request.handle", startMs: 0, durationMs: 30, attrs: { "cost.usd": 1 } },
      { trace: traceId(1), id: spanId(2), parent: spanId(1), name: "tracker.events.write", startMs: 0, durationMs: 20, attrs: { "cost.usd": 0.5 } },
      { trace: traceId(2), id: spanId(9), name: "adserver.request.handle", startMs: 0, durationMs: 50, attrs: { "cost.usd": 2 } },
      { trace: traceId(2), id: spanId(5), parent: spanId(9), name: "adserver.request.step", startMs: 1, durationMs: 1 },
      { trace: traceId(2), id: spanId(6), parent: spanId(9), name: "adserver.request.step", startMs: 2, durationMs: 1 },
    ];
    const cache = [{ name: "s", levers: [parseLever("cache", "tracking=1")] }];
    const r = await withModelDb(spans, (db) => savings(db, { scenarios: cache, config }));
    expect([r.rows[0]!.e2e_p95_ms_before, r.rows[0]!.e2e_p95_ms_after]).toEqual([expect.closeTo(49, 9), expect.closeTo(48.05, 9)]);
  });
  it("an event with a span id given twice is timed by its tree, which keeps the id's first span", async () => {
    // A load keeps one span per id (the second is a conflict), but a ClickHouse table can hold
    // both, and clickhouse-sample.ts inserts the sample's rows as they come: the row is added here
    // as sample.insert_spans would. t1: request root 0–10 ms, then the same id again at 5–50 ms.
    // The tree keeps the first (retime.ts): the event lasts 10 ms, where the latest end less the
    // earliest start would be 50. t2: a request root alone, 0–20 ms.
    // p95 of the events as stored: 10 and 20 → 10 + 0.95 · 10 = 19.5 (with t1 at 50: 20 + 0.95 · 30 = 48.5).
    const spans: TestSpan[] = [
      { trace: traceId(1), id: spanId(1), name: "adserver.request.handle", startMs: 0, durationMs: 10 },
      { trace: traceId(2), id: spanId(3), name: "adserver.request.handle", startMs: 0, durationMs: 20 },
    ];
    const db = await Db.open({ expectSmall: true });
    try {
      await loadInputs(db, { inputs: [writeTemp("spans.json", otlpDocument(spans))] });
      await db.all("INSERT INTO spans SELECT * REPLACE (start_ns + 5000000 AS start_ns, 45000000 AS duration_ns) FROM spans WHERE trace_id = $trace", { trace: traceId(1) });
      expect(Number(await db.scalar("SELECT count(*) FROM spans"))).toBe(3);
      await installModel(db, config);
      const model = await latencyModel(db, 100);
      expect(model.events).toBe(2);
      expect(model.p95([])).toBeCloseTo(19.5, 9);
    } finally {
      db.close();
    }
  });
});

describe("advise.ts: the resampled p95 over tied durations and unequal weights", () => {
  // A whole of 100 stored events (the 30-event floor passed); only the latencies matter here.
  const sums = (latencies: AdviseSums["latencies"]): AdviseSums => ({
    moments: [{ g1: null, r: 0.01, a: 2, b: 2, n: 100, sw: 100 }], latencies, volume: { spans: 100, bytes_per_span: 1000 },
    weights: {} as WeightSummary, pricing: {} as Pricing,
  });
  const options = (perDay: number): AdviseOptions => {
    const config = defaultConfig();
    config.events_per_day = perDay;
    return { rates: [0.5], targetError: 1, by: { kind: "stage" }, window: "1d", config, resamples: 200 };
  };
  it("tied durations share one cell: the p95 of 10, 20, 20 ms moves a little inside 20's cell, not stuck on 20", () => {
    // Cells: 10 → [10, 15], 20 (twice, one cell of mass 2) → [15, 20]. The truth, masses 1 and 2:
    // target 0.95 × 3 = 2.85, past 1 → 15 + (2.85 − 1)/2 × 5 = 19.625.
    // 3,000,000 a day: each event stands for 1,000,000, traced with p 0.5: 500,000 ± 500 copies.
    // With a of 10's copies and t of the tied cell's, the p95 is 15 + 5(0.95 − 0.05 a/t); a/t = 1/2
    // ± 0.5·√(1e-6 + 5e-7) = ±6.1e-4, so the p95 moves by ±1.5e-4 ms: a relative error of about
    // 7.8e-6, its 95th percentile about 1.5e-5: above 0 (a/t is exactly 1/2 almost never), below 1e-4.
    // (Had the tied durations two cells, 20's first would be [15, 20] and its second [20, 20]: the
    // target past 2 of 3 lands in the second, the p95 exactly 20 in the truth and every resample: 0.)
    const r = adviseFrom("x", options(3_000_000), sums([10, 20, 20].map((ms) => ({ w: 1, e2e_ns: ms * 1e6 }))));
    const err = r.rows[0]!.p95_rel_err95!;
    expect(err).toBeGreaterThan(0);
    expect(err).toBeLessThan(1e-4);
  });
  it("unequal weights: each event's mass is its copies times its weight, in the truth and in each resample", () => {
    // 10 ms at weight 1 and 20 ms at weight 3: Σw = 4, 4,000,000 a day → 1,000,000 per unit of
    // weight. The truth's masses are M_i = 1e6 × w_i: 1e6 and 3e6: target 0.95 × 4e6 = 3.8e6,
    // past 1e6 → 15 + (2.8/3) × 5 = 19.6667. Each resample traces event i Binomial(M_i, 0.5/w_i):
    // 500,000 ± 500 and 500,000 ± 645 copies, entered at weights 1 and 3: masses in the ratio 1 : 3
    // ± 0.16%, the p95 within about 1e-4 ms of the truth, so the error is far below 0.1%.
    // (Masses divided by the weights instead: 1e6 and 3.3e5 → 15 + (0.2667/0.3333) × 5 = 19;
    // against the other's 19.6667 that is 0.667/19 = 3.5% or 0.667/19.667 = 3.4%.)
    const r = adviseFrom("x", options(4_000_000), sums([{ w: 1, e2e_ns: 10e6 }, { w: 3, e2e_ns: 20e6 }]));
    expect(r.rows[0]!.p95_rel_err95!).toBeLessThan(1e-3);
  });
});
