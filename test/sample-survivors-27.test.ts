// Tests for mutants of the seed-27 Stryker sample (TESTING.md, "Mutation testing", "The seed-27
// sample") that survived the sample's test list: each compares with a value worked by hand from
// the rule the code documents, and each was seen to fail with its mutant applied by hand.
// In-process and pure, so Stryker's runs see them (vitest.mutate-sample.config.ts).
import { mkdtempSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { chooseLever, flagStages, type Flag, type StageProfile } from "../src/analysis/flags.js";
import { smoothedQuantile } from "../src/analysis/advise.js";
import { parseGroupKeys } from "../src/analysis/breakdown.js";
import { outliersFrom, type OutlierSums } from "../src/analysis/outliers.js";
import { findTrace } from "../src/analysis/trace.js";
import { sharedScale } from "../src/output/html/diff-page.js";
import type { ReportDoc } from "../src/output/html/doc.js";
import { smallInputs, withSpans } from "../src/analysis/inputs.js";
import { loadScenarioFile, parseLever, scenarioFromFlags } from "../src/analysis/savings.js";
import { defaultConfig } from "../src/model/config.js";
import { reconcileView, type ReconcileView } from "../src/output/reconcile-view.js";
import { pullSummary } from "../src/output/pull-view.js";
import { piiView } from "../src/output/pii-view.js";
import { trendView } from "../src/output/trend-view.js";
import type { TrendResult, TrendRow } from "../src/analysis/trend.js";
import type { PullResult } from "../src/ingest/pull.js";
import { formatters } from "../src/output/format.js";
import { Chalk } from "chalk";
import { configError } from "./helpers/config-error.js";
import { adtraceIn } from "./helpers/in-process.js";
import { otlpDocument, spanId, traceId, writeTemp } from "./helpers/otlp.js";

const stage = (name: string, over: Partial<StageProfile>): StageProfile => ({
  stage: name, cost_share: 0.3, cost_per_event_usd: 0.001, query_per_event_usd: 0.0005,
  warehouse_cost_share: 0.2, warehouse: "snowflake", top_query: null, top_query_cost_share: 0.1,
  bytes_per_event: 0, warehouse_calls_per_event: 1, top_query_calls: 0, top_query_statements: 0,
  ...over,
});

/** An OTLP file of 40 one-span events (sampling advise needs 30), 10–49 ms long, each costing `usd`. */
function fortyEvents(usd: number): string {
  const spans = Array.from({ length: 40 }, (_, i) => ({ trace: traceId(i + 1), id: spanId(i + 1), name: "bid.request", startMs: i * 1000, durationMs: 10 + i, attrs: { "cost.usd": usd } }));
  return writeTemp("forty.json", otlpDocument(spans));
}

describe("cost flags: a stage that scans many times the median warehouse stage's bytes", () => {
  // analysis/flags.ts:114 `p.warehouse !== null` → `=== null`: the median would be taken over the
  // stages without a warehouse, so no stage was ever flagged for its bytes.
  it("is flagged with the ratio to the median of the warehouse stages' bytes per event", () => {
    // Warehouse stages scan 1 GB, 1 MB and 2 MB per event: median 2 MB. 1 GB ≥ 10 × 2 MB (bytes_ratio 10): 500×.
    // Their warehouse shares (20%) are under min_warehouse_share and their top queries carry 10%: bytes is the only reason.
    const profiles = [
      stage("aggregation", { bytes_per_event: 1e9 }),
      stage("tracking", { bytes_per_event: 1e6 }),
      stage("inventory", { bytes_per_event: 2e6 }),
      stage("delivery", { warehouse: null, warehouse_cost_share: 0, top_query_cost_share: null, bytes_per_event: 0 }),
    ];
    const flags = flagStages(profiles, defaultConfig().flags);
    expect(flags.map((f) => f.stage)).toEqual(["aggregation"]);
    expect(flags[0]!.reason).toBe("scans 500× the median warehouse stage's bytes per event; aggregation recomputed per event: pre-aggregate");
  });
});

describe("the lever a flagged stage's top query suggests", () => {
  // analysis/flags.ts:151 READ `/^\s*(select|with)\b/i` → `/\s*(select|with)\b/i`: a statement
  // that only holds a SELECT (CREATE TABLE … AS SELECT) would be taken for a lookup, and repeated
  // statements would get the cache lever; only a statement that is a read can be cached.
  it("a CREATE TABLE … AS SELECT is no lookup: never the cache lever, however its statements repeat", () => {
    const ctas = { stage: "delivery", top_query: "CREATE TABLE t AS SELECT id FROM users WHERE id = 7", top_query_calls: 10, top_query_statements: 1 };
    expect(chooseLever(ctas)).toEqual({ lever: "tune", why: "no query shape to go by: tune the queries" });
    // The same repeats on a SELECT: 9 of 10 calls repeat an earlier statement, 90% ≥ the cache's hit rate.
    expect(chooseLever({ ...ctas, top_query: "SELECT id FROM users WHERE id = 7" }).lever).toBe("cache");
  });
});

describe("cost outliers: attribute keys left out as ids", () => {
  // analysis/outliers.ts:203 the kept list's start `const kept: string[] = []` → `["Stryker was here"]`
  // (line 202 starts the skipped list): a key of that name would have its values ranked though it is an id.
  it("lists exactly the keys unique per event, with the share worked by hand", async () => {
    const sums: OutlierSums = {
      groups: [{ selected: true, w: 2, w2: 2, wm: 20, max_metric: 11 }, { selected: false, w: 8, w2: 8, wm: 16, max_metric: 3 }],
      // request_id: 10 events, 10 values each carried by one event (100% > 50%); country: 10 events, 3 values, 1 event alone in its value (10%).
      keyStats: [{ key: "country", events: 10, n_values: 3, unique_value_events: 1 }, { key: "request_id", events: 10, n_values: 10, unique_value_events: 10 }],
      values: async (kept) => {
        expect(kept).toEqual(["country"]);
        return [];
      },
      attributeKeys: async () => ["country", "request_id"],
      totals: { events: 10 } as OutlierSums["totals"],
      weights: {} as OutlierSums["weights"],
      pricing: {} as OutlierSums["pricing"],
    };
    const result = await outliersFrom(defaultConfig(), {}, sums);
    expect(result.skipped_keys).toEqual([{ key: "request_id", reason: "unique per event, like an id: 100% of the events that carry it have a value no other event has" }]);
  });
});

describe("cost reconcile's notes", () => {
  const view = (spans: number, joined: number): ReconcileView => ({
    rows: [],
    totals: {
      spans, joined_spans: joined, join_rate: joined / spans, spans_by_id: joined, spans_by_tag: 0, spans_by_time: 0,
      bills: 4, joined_bills: 4, joined_billed_usd: 2, untraced_bills: 0, untraced_billed_usd: 0, out_of_range_bills: 0, unpriced_bills: 0,
    },
  });
  const pricing = { notes: [], json: {} };
  // output/reconcile-view.ts:81 `if (unjoined)` → `if (true)`: "0 warehouse span(s) have no billing record".
  it("speak of spans without a billing record only when there are some (7 of 9 joined: 2)", () => {
    const unjoined = (notes: string[]) => notes.filter((n) => n.includes("have no billing record"));
    expect(unjoined(reconcileView(view(9, 9), pricing).notes ?? [])).toEqual([]);
    expect(unjoined(reconcileView(view(9, 7), pricing).notes ?? [])).toEqual([
      "2 warehouse span(s) have no billing record (spans − joined_spans): their query id, tag or labels reach no bill.",
    ]);
  });
});

describe("a count in the config that is no count", () => {
  // model/config-schema.ts:43 the union's message `typeof issue.input === "object" && … ? "a number" : words`
  // → `true`: a scalar that is no number (true) lost the examples of what a count may be.
  it("a scalar gets the examples of a count; a list or mapping only 'a number'", () => {
    const examples = "c.yaml:1: events_per_day: expected a number such as 2000000000, 2e9, 2B or 500M";
    expect(configError("events_per_day: true\n")).toBe(examples);
    expect(configError("events_per_day: lots\n")).toBe(examples);
    expect(configError("events_per_day: [1, 2]\n")).toBe("c.yaml:1: events_per_day: expected a number");
    expect(configError("events_per_day: {a: 1}\n")).toBe("c.yaml:1: events_per_day: expected a number");
  });
});

describe("adtrace trace: a trace with two roots", () => {
  // analysis/trace.ts:117 the extra roots' filter `(r) => r !== path.root` → `() => undefined`:
  // a second root's tree vanished from the waterfall.
  it("lists every span: the critical path's root and its tree first, then the other root", async () => {
    const trace = "0af7651916cd43dd8448eb211c80319c";
    const span = (id: string, parent: string | undefined, name: string, from: number, to: number) => ({ trace, id, parent, name, startMs: from, durationMs: to - from, attrs: { "cost.usd": 0.001 } });
    // Root a (0–100 ms) with child a1 (10–50 ms); a second root b (120–130 ms), later and shorter.
    const spans = [span("00000000000000b1", undefined, "late.root", 120, 130), span("00000000000000a1", "00000000000000a0", "bid.child", 10, 50), span("00000000000000a0", undefined, "bid.request", 0, 100)];
    const file = writeTemp("two-roots.json", otlpDocument(spans));
    const r = await adtraceIn(["trace", "0af7651916cd43dd8448eb211c80319c", file, "--format", "json", "-q"]);
    expect(r.stderr).toBe("");
    const rows = (JSON.parse(r.stdout) as { spans: { span_id: string }[] }).spans;
    expect(rows.map((s) => s.span_id)).toEqual(["00000000000000a0", "00000000000000a1", "00000000000000b1"]);
  });
});

describe("adtrace trace: a trace id prefix, whatever order the lookup answers in", () => {
  // clickhouse-events.ts's nearest lookup without its sort (seed 27, equivalent by the engine's
  // order in each UNION ALL branch, TESTING.md): findTrace now sorts what it names itself.
  const ids = ["abcd0003", "abcd0001", "abcd0002"];
  const lookup = (answer: string[]) => ({ exists: async () => false, nearest: async () => answer });
  it("names an ambiguous prefix's traces in id order, and one match as its trace", async () => {
    for (const answer of [ids, [...ids].reverse(), ["abcc9999", ...ids]]) {
      await expect(findTrace("abcd", lookup(answer), "spans.jsonl")).rejects.toThrow("spans.jsonl: trace prefix 'abcd' is ambiguous: abcd0001, abcd0002, abcd0003, …");
    }
    await expect(findTrace("ABCD0002", lookup(["abcd0003", "abcd0002", "abcc9999"]), "x")).resolves.toBe("abcd0002");
  });
});

describe("sampling advise on spans that cost nothing", () => {
  // analysis/advise.ts:151 `if (!(m.r > 0)) return null` → `m.r >= 0`: at $0 per event the cost's
  // relative error became 0 ÷ 0 = NaN, which no target meets, so even 100% "could not reach" it.
  it("has no cost error to meet: at 100% every event is traced, p95's error is 0 and the rate meets the target", async () => {
    // 40 one-span events (advise needs 30), 10–49 ms long, each with cost.usd 0.
    const file = fortyEvents(0);
    const r = await adtraceIn(["sampling", "advise", file, "--format", "json", "-q"]);
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout) as { cost_per_event_usd: number; recommended_rate: number | null; rows: { rate: number; cost_per_event_rel_err95: number | null; p95_rel_err95: number | null; meets_target: boolean }[] };
    expect(out.cost_per_event_usd).toBe(0);
    expect(out.rows.map((row) => row.cost_per_event_rel_err95)).toEqual(out.rows.map(() => null));
    expect(out.rows.find((row) => row.rate === 1)).toMatchObject({ p95_rel_err95: 0, meets_target: true });
    expect(out.recommended_rate).not.toBeNull();
    // For a person: a cost error there is none of reads "–" (the mutant's NaN read "±–"), and a rate is advised.
    const table = (await adtraceIn(["sampling", "advise", file, "--format", "table", "-q"])).stdout;
    expect(table).not.toMatch(/±–/);
    expect(table).not.toMatch(/No rate meets/);
  });
});

describe("cost trend's table without --by", () => {
  // output/formats/table.ts:24 `hasHeader = columns.some(title !== "")` → `columns.every(…)`: the
  // series column (one line per group, its title blank) made a table of titled columns headless.
  it("has its header row and the rule under it, as every table does: one blank title does not drop the others", async () => {
    const { FIXTURE } = await import("./helpers/cli.js");
    const r = await adtraceIn(["cost", "trend", `${FIXTURE}/otlp.jsonl`, "--every", "10s", "--baseline", "30s", "--format", "table", "-q"], { env: { COLUMNS: "100" } });
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    const row = lines.findIndex((l) => l.startsWith("all events "));
    expect(row).toBeGreaterThan(1);
    // trend-view's titles for people, left to right, under the blank title of the series column.
    expect(lines[row - 2]).toMatch(/^ +\$\/event by bucket +last \$\/event +baseline +99% band +drift +drifted$/);
    expect(lines[row - 1]).toMatch(/^─+$/);
  });
});

describe("adtrace pull's summary", () => {
  const pulled: PullResult = {
    db: "p.duckdb", source: "postgres://h/db#public.spans", table: "public.spans", format: "postgres", startColumn: "start_time",
    watermarkColumn: "start_time", watermarkKind: "start", lookbackMs: 0, rowsFetched: 1, incremental: false,
    from: "2026-01-01T00:00:00.000Z", until: "2026-01-02T00:00:00.000Z", highWaterAfter: "2026-01-01T12:00:00.000Z",
    overlapRows: 0, lateRows: 0, notes: [], totalSpans: 7,
    load: { files: [], spansRead: 1, spansAdded: 0, duplicates: 1, conflicts: 0, skipped: 0, skippedExamples: [], warnings: [], ignoredFiles: [] },
  };
  // output/pull-view.ts:39 the machine column `key: "from"` → `key: ""`: --format csv headed the
  // window's start "" and left it empty. pull's JSON is built apart (view.json), so pull.test.ts's
  // JSON reads could not see it; only the formats that take the columns (csv, tsv, arrow) do.
  it("--format csv: every column under its own name, the window asked for in from and until", () => {
    const csv = formatters.csv(pullSummary(pulled), { colors: new Chalk({ level: 0 }) }) as string;
    expect(csv).toBe(
      "source,format,rows_fetched,spans_added,duplicates,skipped,from,until,high_water_mark,watermark_column,overlap_rows,late_rows\r\n" +
      "postgres://h/db#public.spans,postgres,1,0,1,0,2026-01-01T00:00:00.000Z,2026-01-02T00:00:00.000Z,2026-01-01T12:00:00.000Z,start_time,0,0\r\n",
    );
  });
  // output/pull-view.ts:74 rows(n)'s singular `n === 1 ? "" : "s"` → `"Stryker was here!"`.
  it("one row is '1 row', two are '2 rows'", () => {
    expect(pullSummary(pulled).heading).toEqual(["Nothing new: the 1 row read from public.spans was already in p.duckdb."]);
    expect(pullSummary(pulled).notes).toContain("1 row already stored (same trace_id and span_id) skipped.");
    const two = { ...pulled, rowsFetched: 2, load: { ...pulled.load, duplicates: 2 } };
    expect(pullSummary(two).heading).toEqual(["Nothing new: the 2 rows read from public.spans were already in p.duckdb."]);
  });
});

describe("the small-input guess on a path that cannot be looked at", () => {
  // analysis/inputs.ts:101 the catch's `return false` → `true`: a path statSync throws on counted as a
  // small file. Only the session's first thread count hangs on it (the loader then names what is wrong),
  // but smallInputs' rule says such a path counts as large, and no test reached that catch.
  it("a name too long (ENAMETOOLONG) or a path through a file (ENOTDIR) counts as large", () => {
    expect(smallInputs(["x".repeat(5000)])).toBe(false);
    expect(smallInputs(["package.json/spans.json"])).toBe(false);
    expect(smallInputs(["package.json"])).toBe(true); // the same file looked at directly: small
  });
});

describe("a table's total row", () => {
  // output/formats/table.ts:38 `total.map((cell) => colors.bold(cell))` → `() => undefined`: the
  // total row was drawn under its rule with every cell empty.
  it("is drawn under a rule, its cells as the other rows' are (7 + 2 + 5 columns wide)", () => {
    const out = formatters.table({
      columns: [{ key: "stage", kind: "text" }, { key: "spans", kind: "int" }],
      rows: [{ stage: "auction", spans: 1200 }, { stage: "bid", spans: 34 }], total: { stage: "total", spans: 1234 },
    }, { colors: new Chalk({ level: 0 }), width: 80 });
    expect(out).toBe("stage    spans\n──────────────\nauction  1,200\nbid         34\n──────────────\ntotal    1,234\n");
  });
});

describe("adtrace pii's heading", () => {
  // output/pii-view.ts:35 the heading `PII audit — ${piiVerdict(result)}` → an empty string: the
  // table began with a blank line where the verdict belongs (pii's JSON carries no heading).
  it("names the audit and gives its verdict", () => {
    const clean = { rows: [], spans: 3, fields: 12, kinds: [], personal_kinds: [], only: [] };
    expect(piiView(clean).heading).toEqual(["PII audit — No personal data found in 12 values of 3 spans."]);
  });
});

describe("sampling advise's p95 now, on unsampled spans", () => {
  // analysis/advise.ts:236 `equal = weights.every((w) => w === weights[0])` → `false`: with every
  // weight 1 the p95 took the weighted step quantile (a stored duration) instead of the
  // interpolated one adtrace reports elsewhere for unsampled data (cost breakdown's e2e_p95_ms on this file: 47.05).
  it("is the type-7 quantile: 40 events of 10–49 ms → 47 + 0.05 × (48 − 47) = 47.05 ms", async () => {
    const file = fortyEvents(0.001);
    const r = await adtraceIn(["sampling", "advise", file, "--format", "json", "-q"]);
    expect(r.stderr).toBe("");
    // Position 0.95 × (40 − 1) = 37.05 in the sorted durations: 47 ms, then 5% of the way to 48 ms.
    expect((JSON.parse(r.stdout) as { e2e_p95_ms: number }).e2e_p95_ms).toBeCloseTo(47.05, 9);
  });
});

describe("cost outliers: rows of equal q-value", () => {
  // analysis/outliers.ts:297 `if (qa !== qb)` → `if (true)`: equal q-values answered "after" both
  // ways round, so the rows kept whatever order they arrived in instead of key, then value. The
  // values query sorts by key, value, and V8's sort then keeps that order among ties, so no command
  // shows it today; outliersFrom's own rule is pinned here on values that arrive in another order.
  it("are ordered by key, then value, whatever order the values arrive in", async () => {
    // 2 selected events of 10, 8 baseline. Every value is carried by 1 selected and 4 baseline events:
    // 50% on both sides, so each has the same p-value (1), the same q-value, and none is significant.
    const value = (key: string, v: string) => ({ key, value: v, selected_w: 1, baseline_w: 4, wm: 5 });
    const arrived = [value("region", "eu"), value("country", "us"), value("region", "apac"), value("country", "de")];
    const sums: OutlierSums = {
      groups: [{ selected: true, w: 2, w2: 2, wm: 20, max_metric: 11 }, { selected: false, w: 8, w2: 8, wm: 16, max_metric: 3 }],
      keyStats: [{ key: "country", events: 10, n_values: 2, unique_value_events: 0 }, { key: "region", events: 10, n_values: 2, unique_value_events: 0 }],
      values: async () => arrived,
      attributeKeys: async () => ["country", "region"],
      totals: { events: 10 } as OutlierSums["totals"],
      weights: {} as OutlierSums["weights"],
      pricing: {} as OutlierSums["pricing"],
    };
    for (const order of [arrived, [...arrived].reverse()]) {
      const result = await outliersFrom(defaultConfig(), {}, { ...sums, values: async () => order });
      expect(result.rows.map((r) => `${r.key}=${r.value}`)).toEqual(["country=de", "country=us", "region=apac", "region=eu"]);
      expect(result.rows.map((r) => r.significant)).toEqual([false, false, false, false]);
      expect(new Set(result.rows.map((r) => r.q_value)).size).toBe(1);
    }
  });
});

describe("a lever with no '=': the form its flag takes", () => {
  // analysis/savings.ts:98 `kind === "cache"` → `false` in the missing-'=' message: --cache would
  // be told it takes STAGE=REDUCTION, which is --preagg's and --tune's form (parsing.test.ts
  // matched /expects STAGE=/ only).
  it("--cache: STAGE=HIT_RATE[:HIT_COST_USD]; --preagg and --tune: STAGE=REDUCTION", () => {
    expect(() => parseLever("cache", "tracking")).toThrow("--cache expects STAGE=HIT_RATE[:HIT_COST_USD], got 'tracking'");
    expect(() => parseLever("preagg", "aggregation")).toThrow("--preagg expects STAGE=REDUCTION, got 'aggregation'");
    expect(() => parseLever("tune", "=0.1")).toThrow("--tune expects STAGE=REDUCTION, got '=0.1'");
  });
});

describe("cost trend's 99% band for people", () => {
  // output/trend-view.ts:46 `last.band_low_usd === null ? "–" : …` → `!== null`: a bucket with a
  // band showed "–", and one without showed "–––" (formatUsd(null) twice).
  it("the last bucket's band as low–high in dollars, or a dash when it has none", () => {
    const row = (bucket: number, band: [number, number] | null): TrendRow => ({
      bucket_start: `2026-01-01T00:0${bucket}:00.000Z`, bucket_ns: BigInt(bucket) * 60_000_000_000n, keys: {}, events: 10,
      cost_per_event_usd: 0.002, p95_ms: 5, baseline_cost_per_event_usd: band ? 0.002 : null,
      band_low_usd: band?.[0] ?? null, band_high_usd: band?.[1] ?? null, baseline_buckets: band ? 3 : 0, drift: band ? "none" : "unknown",
    } as TrendRow);
    const result = (rows: TrendRow[]): TrendResult => ({
      every_ns: 60_000_000_000n, baseline_ns: 600_000_000_000n, by: [], groups: [{ keys: {}, rows }], buckets: rows.length,
      totals: { events: 10 * rows.length, spans: 10 * rows.length } as TrendResult["totals"],
      weights: { weighted: true, stored_traces: 1, estimated_events: 1, stored_spans: 1, estimated_spans: 1, unknown_weight_spans: 0 } as TrendResult["weights"],
      pricing: { cost_sources: { billed: 0, explicit: 1, price_book: 0, unpriced: 0 }, bad_values: [] } as unknown as TrendResult["pricing"],
    });
    // $0.001 and $0.003 below $1: five decimals (formatUsd keeps three significant digits), an en dash between.
    const banded = trendView(result([row(1, null), row(2, [0.001, 0.003])]), { label: "x" }).humanRows!;
    expect(banded[0]!.last_band).toBe("$0.00100–$0.00300");
    const bare = trendView(result([row(1, null)]), { label: "x" }).humanRows!;
    expect(bare[0]!.last_band).toBe("–");
  });
});

describe("a session over few spans from inputs that did not look small", () => {
  // analysis/inputs.ts:78 fitThreads' body → `{}`: a glob (counted as large, so DuckDB starts on
  // its default threads) that loads 369 spans stayed on every core instead of one, paying for
  // idle worker threads on each of a command's statements (Db.fitThreads; TESTING.md, "The fixed
  // cost"). Answers are the same bytes either way; the thread count is the behaviour.
  // On a one-core machine DuckDB's default is one thread too, and nothing would tell them apart.
  it.skipIf(cpus().length < 2)("runs on one thread once the load shows fewer than SMALL_SESSION_ROWS spans", async () => {
    const input = "fixtures/auction/otlp.json[l]";
    expect(smallInputs([input])).toBe(false);
    await withSpans({ inputs: [input] }, async ({ db, load }) => {
      expect(load?.spansAdded).toBe(369); // the fixture README's count
      expect(Number(await db.scalar("SELECT current_setting('threads')"))).toBe(1);
    });
  });
});

describe("sampling advise's smoothed quantile", () => {
  // analysis/advise.ts:311 `j < last ? midpoint above : values[j]` → `false`: every cell but the last
  // ended at its own value instead of the midpoint with the next; advise.ts:312
  // `(target - cumulative) / here` → `* here`: the position inside the cell overshot (clamped to 1)
  // whenever a cell held more than one unit of mass. Both moved every p95 error advise reports.
  it("spreads each value's mass from the midpoint below to the midpoint above", () => {
    // Values 10, 20, 30 with mass 2 each (cells 10–15, 15–25, 25–30); total 6.
    // q 0.5: target 3; the first cell holds 2, so 1 of the second's 2: halfway through 15–25 = 20.
    expect(smoothedQuantile([10, 20, 30], [2, 2, 2], 0.5)).toBe(20);
    // q 0.95: target 5.7; 4 before the last cell, 1.7 of its 2 = 0.85 of 25–30 = 29.25.
    expect(smoothedQuantile([10, 20, 30], [2, 2, 2], 0.95)).toBeCloseTo(29.25, 12);
    // q 0.25: target 1.5 in the first cell (10–15): 0.75 of the way = 13.75.
    expect(smoothedQuantile([10, 20, 30], [2, 2, 2], 0.25)).toBe(13.75);
  });
});

describe("a scenario file whose 'scenarios:' is no mapping", () => {
  // analysis/savings.ts:137 `!scenarios || typeof scenarios !== "object"` → `&&`: `scenarios:` left
  // empty (null) reached Object.entries(null), an internal error; a number gave no scenario at all.
  const dir = mkdtempSync(join(tmpdir(), "adtrace-survivors27-"));
  it.each([["empty (null)", "scenarios:\n"], ["a number", "scenarios: 5\n"], ["a string", "scenarios: cache\n"], ["a list", "scenarios: [a]\n"]])("%s: the file and what it should hold", (label, text) => {
    const path = join(dir, `${label.replace(/\W/g, "")}.yaml`);
    writeFileSync(path, text);
    expect(() => loadScenarioFile(path)).toThrow(`${path}: expected a 'scenarios:' mapping of name → list of levers ({cache: STAGE=H}, {preagg: STAGE=R}, {tune: STAGE=R})`);
  });
});

describe("savings --suggest's scenario", () => {
  // analysis/savings.ts:188 the name `"suggested (latency)"` → `""`: optimising latency, the
  // suggested scenario's row had no name.
  const flags = [
    { stage: "tracking", lever: "cache", off_critical_path: true },
    { stage: "auction", lever: "tune", off_critical_path: false },
  ] as Flag[];
  it("is named for what it optimises; for latency, the critical path's stages first", () => {
    const latency = scenarioFromFlags(flags, "latency");
    expect(latency.name).toBe("suggested (latency)");
    expect(latency.levers.map((l) => `${l.kind}:${l.stage}`)).toEqual(["tune:auction", "cache:tracking"]);
    const cost = scenarioFromFlags(flags, "cost");
    expect(cost.name).toBe("suggested");
    expect(cost.levers.map((l) => `${l.kind}:${l.stage}`)).toEqual(["cache:tracking", "tune:auction"]);
  });
});

describe("--by keys the breakdown refuses", () => {
  // analysis/breakdown.ts:79 `keys.length > MAX_KEYS` → `false`: a fourth key was taken.
  it("at most three keys", () => {
    expect(parseGroupKeys("stage,name,service")).toHaveLength(3);
    expect(() => parseGroupKeys("stage,name,service,attr:region")).toThrow("--by takes at most 3 keys");
  });
  // analysis/breakdown.ts:92 and :94, RESERVED_COLUMNS' "query_per_event_usd" and
  // "cost_per_event_before_usd" → "": an attribute of that name would shadow the breakdown's and
  // diff's column. parsing.test.ts ("refuses every column the breakdown and diff views really
  // show") kills both too, from the views' columns, but with DuckDB work outside the wide list.
  it.each(["query_per_event_usd", "cost_per_event_before_usd"])("attr:%s collides with the output column", (key) => {
    expect(() => parseGroupKeys(`attr:${key}`)).toThrow(`--by: attribute key '${key}' would collide with the output column '${key}'; it cannot be a grouping key`);
  });
});

describe("diff's page: the before and after charts share their axes", () => {
  // output/html/diff-page.ts:75 the latency values → `[]`: the latency axis's shared end was 0, so
  // each side's latency chart took its own scale and the two could not be compared by eye.
  it("each axis ends at the larger side's largest value: cost, p50/p95/p99 latency, query cost, the headline", () => {
    const doc = (groups: { cost_per_event_usd: number; p50_ms: number | null; p95_ms: number | null; p99_ms: number | null }[], queries: number[], headline: number) =>
      ({ breakdown: { groups }, queries: queries.map((q) => ({ cost_per_event_usd: q })), headline: { cost_per_event_usd: headline } }) as unknown as ReportDoc;
    const before = doc([{ cost_per_event_usd: 0.002, p50_ms: 10, p95_ms: 40, p99_ms: 95 }, { cost_per_event_usd: 0.004, p50_ms: 5, p95_ms: null, p99_ms: null }], [0.001], 0.006);
    const after = doc([{ cost_per_event_usd: 0.003, p50_ms: 12, p95_ms: 60, p99_ms: 80 }], [0.0025, 0.0005], 0.003);
    // By hand: cost max(0.002, 0.004, 0.003); latency max(10, 40, 95, 5, 12, 60, 80); queries max(0.001, 0.0025, 0.0005); headline max(0.006, 0.003).
    expect(sharedScale([before, after])).toEqual({ costUsd: 0.004, latencyMs: 95, queryUsd: 0.0025, savingsUsd: 0.006 });
  });
});
