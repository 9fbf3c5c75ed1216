// Tests for the seed-28 Stryker sample's survivors taken from the bottom of the lead's list
// (task surv28b; TESTING.md "Mutation testing"; the top of the list is in
// sample-survivors-28.test.ts). Each compares with a value worked by hand from the documented
// rule, and each was seen to fail with its mutant applied by hand. In-process, so Stryker's runs
// see them (vitest.mutate-sample.config.ts).
// Not here: analysis/trace.ts:96 (the nearest ids' tie-break `a > b` → false) is equivalent on
// V8: a sort of fewer than 64 elements (there are at most 6) only asks whether the comparator is
// below 0, which the mutant leaves as it was. output/views.ts:18 (inspect's "in parent cycles"
// label) is killed by clickhouse-inspect.test.ts, a chDB file outside the list.
import { Chalk } from "chalk";
import { describe, expect, it } from "vitest";
import { adviseFrom, binomial, type AdviseSums } from "../src/analysis/advise.js";
import { chooseLever } from "../src/analysis/flags.js";
import { outliers } from "../src/analysis/outliers.js";
import type { SloRow } from "../src/analysis/slo.js";
import { defaultConfig } from "../src/model/config.js";
import { closest } from "../src/model/suggest.js";
import { formatters } from "../src/output/format.js";
import { piiVerdict } from "../src/output/pii-view.js";
import { outliersView } from "../src/output/outliers-view.js";
import { sloView } from "../src/output/slo-view.js";
import { withModelDb } from "./helpers/analysis.js";
import { adtraceIn } from "./helpers/in-process.js";
import { spanId, traceId, type TestSpan } from "./helpers/otlp.js";

const md = (view: Parameters<typeof formatters.md>[0]) => formatters.md(view, { colors: new Chalk({ level: 0 }) });
/** The Markdown table's cells, row by row (the header first, the |---| line left out). */
const cells = (text: string) =>
  text.split("\n").filter((l) => l.startsWith("| ") && !/^\|\s*:?-/.test(l)).map((l) => l.slice(2, -2).split(" | ").map((c) => c.trim()));

describe("`slo check`'s target column as people read it", () => {
  // output/slo-view.ts:26 (the shown target's key "target_shown" → ""): the human table's target
  // column read no field and came out empty for every SLO. The target in the SLO's own unit: a
  // latency SLO "≤" its bound in ms, an error SLO "≤" its share with two decimals.
  it("shows each SLO's target in its own unit", () => {
    const row = (name: string, indicator: SloRow["indicator"], target: number): SloRow => ({
      name, stage: null, indicator, target, objective: 0.99, actual: 0.995, error_budget_used: 0.5, burn_rate: 0.5, events: 10, window_events: 10, status: "ok",
    });
    const table = cells(md(sloView({ rows: [row("auction-latency", "latency", 120), row("errors", "errors", 0.01)], window_from: null, window_ns: null })));
    const at = table[0]!.indexOf("target");
    expect(at).toBeGreaterThanOrEqual(0);
    expect(table.slice(1).map((r) => [r[0], r[at]])).toEqual([["auction-latency", "≤ 120 ms"], ["errors", "≤ 1.00%"]]);
  });
});

describe("`audit pii --kinds`'s verdict", () => {
  // output/pii-view.ts:21 (the scope ` (kinds: …)` → ""): an audit narrowed to some kinds said
  // "No personal data found" as if every kind had been looked for. The verdict names the kinds it
  // was narrowed to, in the order given, before the sample's words when only a sample was scanned.
  const clean = { rows: [], spans: 3, fields: 12, kinds: [], personal_kinds: [], only: [] };
  it("names the kinds the audit looked for", () => {
    expect(piiVerdict({ ...clean, only: ["email", "phone"] })).toBe("No personal data found in 12 values of 3 spans (kinds: email, phone).");
    expect(piiVerdict({ ...clean, only: ["card"], scanned: { events: 10, of_events: 40 } })).toBe(
      "No personal data found in 12 values of 3 spans (kinds: card); scanned 10 of 40 events (a deterministic sample of whole events; a leak in the others is not seen).",
    );
    expect(piiVerdict(clean)).toBe("No personal data found in 12 values of 3 spans.");
  });
});

describe("`cost outliers` when no value stands out", () => {
  // Ten one-span events costing $0.001 × i, tier alternating; `extra` adds attributes per event.
  const events = (extra: (i: number) => Record<string, string> = () => ({})): TestSpan[] => Array.from({ length: 10 }, (_, k) => ({
    trace: traceId(k + 1), id: spanId(k + 1), name: "ev", startMs: k + 1, durationMs: 1,
    attrs: { "cost.usd": (0.001 * (k + 1)).toFixed(3), tier: k % 2 ? "gold" : "basic", ...extra(k + 1) },
  }));

  // output/outliers-view.ts:42 (the no-driver line → ""): the heading's reading line came out
  // empty when nothing was significant, so a run that found no driver said nothing about it. Ten
  // one-span events costing $0.001 × i, tier alternating: the top 20% are the 2 costliest,
  // and with 2 selected events no cell can expect 5, so no value is tested and none is significant.
  it("says so in the heading", async () => {
    await withModelDb(events(), async (db) => {
      const r = await outliers(db, defaultConfig(), { top: 0.2 });
      expect(r.selected.events).toBe(2);
      expect(r.rows.filter((row) => row.significant)).toEqual([]);
      expect(outliersView(r, { label: "t" }).heading![3]).toBe("No attribute value is significantly over-represented among the costliest 20% (q < 0.05).");
    });
  });

  // output/outliers-view.ts:48 (the skipped keys' separator "; " → ""): two keys left out as ids
  // ran together in one word. Two attributes with a value per event (no other event has it, 100%
  // of the 10 events, over the 50% that makes an id) are both skipped, each with its reason.
  it("lists each key it skipped as an id, with its reason, apart", async () => {
    await withModelDb(events((i) => ({ "request.id": `r-${i}`, "user.id": `u-${i}` })), async (db) => {
      const r = await outliers(db, defaultConfig(), { top: 0.2 });
      const why = "unique per event, like an id: 100% of the events that carry it have a value no other event has";
      expect(outliersView(r, { label: "t" }).notes!.filter((n) => n.startsWith("skipped: "))).toEqual([`skipped: request.id (${why}); user.id (${why}).`]);
    });
  });
});

describe("`sampling advise` at rate 1 on unsampled data", () => {
  // analysis/advise.ts:259 (`rate / w >= 1` → false): every event of the window traced, the p95
  // is the window's own and its error 0, whatever the durations. Without that rule the error came
  // from the resamples, the same 0 while the p95 is above 0, but "no figure" (null, shown "–") on
  // data whose events all take 0 ns, where the relative error has no p95 to be relative to at any
  // lower rate. 30 unsampled events of $0.001, each 0 ns end to end.
  it("has a p95 error of 0, even when every event takes 0 ns", () => {
    const sums: AdviseSums = {
      moments: [{ g1: null, r: 0.001, a: 30e-6, b: 30e-6, n: 30, sw: 30 }],
      latencies: Array.from({ length: 30 }, () => ({ w: 1, e2e_ns: 0 })),
      volume: { spans: 60, bytes_per_span: 500 },
      weights: {} as AdviseSums["weights"],
      pricing: {} as AdviseSums["pricing"],
    };
    const result = adviseFrom("t", { rates: [1, 0.5], targetError: 0.05, by: { kind: "stage" } as never, window: "1d", config: defaultConfig(), resamples: 20 }, sums);
    expect(result.rows.map((r) => [r.rate, r.p95_rel_err95])).toEqual([[1, 0], [0.5, null]]);
  });
});

describe("the lever a top query gets: an aggregate is a call of an aggregate function", () => {
  // analysis/flags.ts:149 (the aggregate's `\s*\(` → `\S*\(`): SQL allows space between a
  // function and its parenthesis, so `count (*)` aggregates and is to be pre-aggregated; and a
  // function whose name only starts like one (minute, maximum) is no aggregate: a lookup whose
  // literals change on every call (100 calls, 100 distinct statements) is to be tuned.
  const lookup = { stage: "auction", top_query_calls: 100, top_query_statements: 100 };
  it("counts `count (*)` and not `minute(…)`", () => {
    expect(chooseLever({ ...lookup, top_query: "SELECT count (*) FROM bids WHERE auction_id = 'a-17'" }).lever).toBe("preaggregate");
    expect(chooseLever({ ...lookup, top_query: "SELECT minute(created_at) FROM bids WHERE auction_id = 'a-17'" }).lever).toBe("tune");
  });
});

describe("a Binomial draw by inversion above the mass as computed", () => {
  // analysis/advise.ts:401 (the walk's `k < n` → true; the guard is gone now) showed a product bug: (1 − p)^n carries a
  // relative error up to about n·2^−53, so at n = 10^7 the probabilities as computed sum to less
  // than the largest draw mulberry32 gives, 1 − 2^−32. Such a draw walked past the mass through n
  // stored zeros and came back as n: 10^7 copies of an event expected 0.1 times, after seconds
  // (and out of memory from about 10^8). Binomial(10^7, 10^−8) is Poisson(0.1) to 1e-8: P(X ≥ 6)
  // = e^−0.1·0.1^6/720 + … = 1.27e-9 ≥ 2^−32 = 2.33e-10 > P(X ≥ 7) = 1.8e-11, so the top draw is
  // 6; P(0) = e^−0.1 = 0.905 and P(≤ 1) = 0.995 place the draws 0.5 and 0.95 at 0 and 1.
  it("lands at the top of the distribution, not at n", () => {
    expect(binomial(1e7, 1e-8, () => 1 - 2 ** -32)).toBe(6);
    expect(binomial(1e7, 1e-8, () => 0.5)).toBe(0);
    expect(binomial(1e7, 1e-8, () => 0.95)).toBe(1);
  });

  // The same rounding at small n (a random source with draws above 1 − 2^−32, not mulberry32):
  // the walk reached the last cell, n = 33, with the draw still left, and stopped there.
  // Binomial(33, 0.07), its upper tail summed from the top here: P(X > 19) = 1.87e-15 > 2^−50 =
  // 8.9e-16 ≥ P(X > 20) = 8.6e-17, so the draw 1 − 2^−50 is 20.
  it("lands at the top cell, not at n, at small n too", () => {
    const choose = (n: number, k: number) => Array.from({ length: k }, (_, i) => (n - k + i + 1) / (i + 1)).reduce((r, f) => r * f, 1);
    const above = (k: number) => Array.from({ length: 33 - k }, (_, i) => 33 - i).reduce((t, j) => t + choose(33, j) * 0.07 ** j * 0.93 ** (33 - j), 0);
    expect(above(19)).toBeGreaterThan(2 ** -50);
    expect(above(20)).toBeLessThanOrEqual(2 ** -50);
    expect(binomial(33, 0.07, () => 1 - 2 ** -50)).toBe(20);
  });

  // Past its precondition (a mean below 30, which copiesDrawer keeps) 0.5^100000 underflows to 0,
  // and every draw would have come back as 0 copies instead of about 50,000: refused instead.
  it("refuses a mean past its reach rather than answer 0", () => {
    expect(() => binomial(100_000, 0.5, () => 0.5)).toThrow(/mean of 50000 is past the inversion's reach/);
    expect(binomial(1000, 0.01, () => 0.5)).toBeGreaterThan(0);
  });
});

describe("`inspect`'s formats row", () => {
  // output/views.ts:35 (the formats' separator ", " → ""): the formats read ran together as
  // "otlp (1 file)zipkin (1 file)". The fixture's spans as OTLP and as Zipkin (its README), one file each.
  it("lists each format read with its files, apart", async () => {
    const r = await adtraceIn(["inspect", "fixtures/auction/otlp.jsonl", "fixtures/auction/zipkin.json", "--format", "md"]);
    expect(r.code, r.stderr).toBe(0);
    expect(cells(r.stdout).filter((row) => row[0] === "formats")).toEqual([["formats", "otlp (1 file), zipkin (1 file)"]]);
  });
});

describe("\"did you mean\" between names equally close", () => {
  // model/suggest.ts:15 (`d < bestDistance` → `<=`): of two names one edit away, the suggestion
  // became the last listed instead of the first, the documented rule (closest's comment): "region"
  // is one edit from "regions" (a letter added) and from "legion" (one changed).
  it("suggests the first of them in the known order", () => {
    expect(closest("region", ["regions", "legion"])).toBe("regions");
    expect(closest("region", ["legion", "regions"])).toBe("legion");
  });
});
