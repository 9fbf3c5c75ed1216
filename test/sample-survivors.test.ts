// Tests for the gaps the sampled Stryker runs found (`npm run mutate:sample`, seeds 25 and 26,
// TESTING.md "Mutation testing"): each survivor that was a real gap, checked here against a value
// worked by hand or computed independently (node:crypto's HMAC), and each seen to fail with its
// mutant applied. In-process only, so Stryker's runs see them (vitest.mutate-sample.config.ts).
import { createHmac } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it, vi } from "vitest";
import { arrowType } from "../src/output/arrow.js";
import { wantsColor } from "../src/output/colors.js";
import { pullSummary } from "../src/output/pull-view.js";
import type { Column } from "../src/output/result.js";
import { DEFAULT_COLUMNS, tableColumns, widenTextColumns } from "../src/output/table-width.js";
import { formatMs } from "../src/output/units.js";
import type { PullResult } from "../src/ingest/pull.js";
import { collectSummary } from "../src/output/collect-view.js";
import type { CollectDbResult } from "../src/ingest/collect-db.js";
import { parseYamlFile, yamlToJson } from "../src/model/yaml.js";
import { InputError } from "../src/errors.js";
import { closest, suggest } from "../src/model/suggest.js";
import { binomial } from "../src/analysis/advise.js";
import type { SloRow } from "../src/analysis/slo.js";
import { sloView } from "../src/output/slo-view.js";
import { billingLoadSummary, reconcileView, type ReconcileView } from "../src/output/reconcile-view.js";
import { reportFrom, type ReportParts } from "../src/analysis/report.js";
import type { SavingsRow } from "../src/analysis/savings.js";
import { defaultConfig } from "../src/model/config.js";
import type { DiffResult, DiffRow } from "../src/analysis/diff.js";
import { diffVerdict, diffView } from "../src/output/diff-view.js";
import { breakdown } from "../src/analysis/breakdown.js";
import { withModelDb } from "./helpers/analysis.js";
import { traceId } from "./helpers/otlp.js";
import { withDb } from "../src/db/db.js";
import { piiVerdict } from "../src/output/pii-view.js";
import { formatters } from "../src/output/format.js";
import { Chalk } from "chalk";
import { onPathSampleNote } from "../src/output/decision-views.js";
import { adtraceIn } from "./helpers/in-process.js";
import { plantedOtlp, plantedSpans } from "./helpers/pii-planted.js";
import { otlpDocument, spanId } from "./helpers/otlp.js";

vi.setConfig({ testTimeout: 120_000 });
const dir = mkdtempSync(join(tmpdir(), "adtrace-survivors-"));

describe("colors", () => {
  // colors.ts: FORCE_COLOR=false turns colour off, as FORCE_COLOR=0 does (chalk's and Node's reading).
  it("FORCE_COLOR=false and 0 mean no colour even on a terminal; 1 means colour even piped", () => {
    expect(wantsColor({ isTTY: true }, { FORCE_COLOR: "false" })).toBe(false);
    expect(wantsColor({ isTTY: true }, { FORCE_COLOR: "0" })).toBe(false);
    expect(wantsColor({ isTTY: false }, { FORCE_COLOR: "1" })).toBe(true);
    expect(wantsColor({ isTTY: true }, {})).toBe(true);
  });
});

describe("arrow types", () => {
  // arrow.ts: nulls are left out when a column's type is chosen; a null among whole numbers keeps Int64.
  it("a column's type ignores its nulls: whole numbers with gaps are Int64, only nulls are Null", () => {
    const int: Column = { key: "n", kind: "int" };
    expect(arrowType(int, [null, 3, undefined, 4])).toBe("int64");
    expect(arrowType({ key: "x", kind: "usd" }, [0.5, null])).toBe("float64");
    expect(arrowType({ key: "b", kind: "text" }, [true, null, false])).toBe("bool");
    expect(arrowType(int, [null, undefined])).toBe("null");
  });
});

describe("table width", () => {
  // table-width.ts: a capped text column gets the extra width its longest cell needs past the cap, no more.
  it("widens a capped text column by what its longest cell needs past the cap", () => {
    const columns: Column[] = [{ key: "q", kind: "text", maxWidth: 10 }, { key: "n", kind: "int" }, { key: "s", kind: "text", maxWidth: 8 }];
    const rows = [{ q: "x".repeat(16), n: 1, s: "short" }, { q: "y".repeat(12), n: 2, s: null }];
    // 30 columns past the default; q's longest cell is 16, 6 past its cap of 10; s fits its cap.
    const widened = widenTextColumns(columns, rows, DEFAULT_COLUMNS + 30);
    expect(widened.map((c) => c.maxWidth)).toEqual([16, undefined, 8]);
    // 4 past the default: q gets those 4 only.
    expect(widenTextColumns(columns, rows, DEFAULT_COLUMNS + 4)[0]!.maxWidth).toBe(14);
    expect(widenTextColumns(columns, rows, DEFAULT_COLUMNS)).toBe(columns);
  });
});

describe("pull summary", () => {
  const base: PullResult = {
    db: "p.duckdb", source: "postgres://h/db#public.spans", table: "public.spans", format: "postgres", startColumn: "start_time",
    watermarkColumn: "start_time", watermarkKind: "start", lookbackMs: 3_600_000, rowsFetched: 5, incremental: false,
    overlapRows: 0, lateRows: 0, notes: [], totalSpans: 5,
    load: { files: [], spansRead: 5, spansAdded: 5, duplicates: 0, conflicts: 0, skipped: 0, skippedExamples: [], warnings: [], ignoredFiles: [] },
  };

  // pull-view.ts: the start-time window asked for is named in the notes.
  it("names the window asked for: both ends, or the one given", () => {
    const both = pullSummary({ ...base, from: "2026-01-01T00:00:00.000Z", until: "2026-01-02T00:00:00.000Z" });
    expect(both.notes).toContain("asked for rows with start ≥ 2026-01-01T00:00:00.000Z and start < 2026-01-02T00:00:00.000Z.");
    const until = pullSummary({ ...base, until: "2026-01-02T00:00:00.000Z" });
    expect(until.notes).toContain("asked for rows with start < 2026-01-02T00:00:00.000Z.");
    expect((pullSummary(base).notes ?? []).some((n) => n.startsWith("asked for rows"))).toBe(false);
  });

  // pull-view.ts lengthText: the lookback in the largest unit that divides it, as --lookback takes it.
  it("writes the lookback in the largest whole unit: 2h, 90s, 1500 ms, 1w", () => {
    const note = (lookbackMs: number) => pullSummary({ ...base, lookbackMs, highWaterAfter: "2026-01-02T00:00:00.000Z" }).notes?.find((n) => n.startsWith("high-water mark"));
    expect(note(7_200_000)).toContain("the next pull reads from 2h before it.");
    expect(note(90_000)).toContain("the next pull reads from 90s before it.");
    expect(note(1500)).toContain("the next pull reads from 1500 ms before it.");
    expect(note(604_800_000)).toContain("the next pull reads from 1w before it.");
    expect(note(0)).toContain("the next pull reads from it.");
  });
});

describe("redaction keys longer than a SHA-256 block", () => {
  // model/pii.ts setRedactKey: a key over 64 bytes is hashed first (RFC 2104); one of exactly 64 is used as is.
  const input = join(dir, "planted.json");
  writeFileSync(input, plantedOtlp(plantedSpans()));
  const stored = async (key: string, name: string) => {
    const db = join(dir, `${name}.duckdb`);
    const load = await adtraceIn(["load", input, "--db", db, "--redact", "-q"], { env: { ADTRACE_REDACT_KEY: key } });
    expect(load.code, load.stderr).toBe(0);
    const csv = join(dir, `${name}.csv`);
    expect((await adtraceIn(["export", "--db", db, "--out", csv, "-q"])).code).toBe(0);
    return readFileSync(csv, "utf8");
  };
  const hmac = (key: string) => `email:${createHmac("sha256", key).update("jane.doe@example.com").digest("hex").slice(0, 16)}`;

  it("gives node:crypto's HMAC-SHA-256 for keys of 64 and of 100 bytes", async () => {
    const key64 = "k".repeat(64);
    const key100 = "long-key-".repeat(11).slice(0, 100);
    expect(await stored(key64, "key64")).toContain(hmac(key64));
    expect(await stored(key100, "key100")).toContain(hmac(key100));
  });
});

describe("collect summary", () => {
  // collect-view.ts: rejected spans get their note; none, no note.
  it("notes rejected spans, and only when there are some", () => {
    const totals = { requests: 4, spansReceived: 10, spansCommitted: 7, spansAdded: 7, duplicates: 0, rejected: 3, throttled: 0, refused: 0, commits: 2 };
    const result = { db: "c.duckdb", totalSpans: 12, signal: "SIGINT", totals } as unknown as CollectDbResult;
    const summary = collectSummary(result);
    expect(summary.heading).toEqual(["Stopped by SIGINT: committed 7 spans in 2 commits into c.duckdb (now 12)."]);
    expect(summary.notes).toEqual(['3 spans rejected (partial_success; the first named in the "skipped:" lines).']);
    expect(collectSummary({ ...result, totals: { ...totals, rejected: 0 } } as unknown as CollectDbResult).notes).toEqual([]);
  });
});

describe("unresolved YAML aliases", () => {
  // model/yaml.ts unresolvedAlias: the line named is the unresolved alias's, past the aliases that resolve.
  it("names the line of the first alias without an anchor, not of an earlier one that has its anchor", () => {
    let caught: unknown;
    try {
      yamlToJson(parseYamlFile("a: &x 1\nb: *x\nc: 2\nd: *nowhere\n", "c.yaml"), "c.yaml");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InputError);
    expect((caught as InputError).where).toBe("c.yaml:4");
  });
});

describe("an unknown trace id", () => {
  // analysis/trace.ts: of the ids around it (three before, three after), the three sharing its
  // longest prefix, ties by id; not all six in the order the query gave them.
  it("is answered with the three ids nearest by prefix, in order", async () => {
    const ids = [
      "abc00000000000000000000000000001", "abcd0000000000000000000000000002", "abcd4000000000000000000000000003",
      "abcd6000000000000000000000000004", "abce0000000000000000000000000005", "b0000000000000000000000000000006",
    ];
    const input = join(dir, "nearest.json");
    writeFileSync(input, otlpDocument(ids.map((trace, i) => ({ trace, id: spanId(i + 1), name: "root", startMs: i, durationMs: 5, attrs: { "cost.usd": "0.001" } }))));
    const r = await adtraceIn(["trace", "abcd5000000000000000000000000000", input]);
    expect(r.code).toBe(2);
    // By hand: abcd0…, abcd4… and abcd6… share "abcd" with it; abc0… and abce… only "abc", b… nothing.
    expect(r.stderr).toBe(`adtrace: error: ${input}: no trace 'abcd5000000000000000000000000000'; nearest by prefix: ${ids[1]}, ${ids[2]}, ${ids[3]} ` +
      "(adtrace trace --pick costliest|slowest|median chooses one)\n");
  });
});

describe("binomial draws for small n", () => {
  // analysis/advise.ts binomialDrawer: n ≤ 32 counts the uniform draws below p, one per trial.
  it("counts the draws below p, one draw per trial; p over 1/2 by its complement", () => {
    const from = (draws: number[]) => () => draws.shift()!;
    // By hand: of 0.1, 0.5, 0.2, 0.9, 0.29, three are below 0.3.
    expect(binomial(5, 0.3, from([0.1, 0.5, 0.2, 0.9, 0.29, 0.01]))).toBe(3);
    // p = 0.7: 4 minus the draws below 0.3 (0.1 and 0.2) = 2.
    expect(binomial(4, 0.7, from([0.1, 0.5, 0.2, 0.9]))).toBe(2);
    expect(binomial(3, 0, from([0]))).toBe(0);
  });
});

describe("SLO heading", () => {
  // output/slo-view.ts: the heading counts and names the breached SLOs only.
  it("names only the breached SLOs", () => {
    const row = (name: string, status: SloRow["status"]): SloRow => ({
      name, stage: null, indicator: "latency", target: 100, objective: 0.99, actual: 0.98, error_budget_used: 2, burn_rate: 2, events: 10, window_events: 10, status,
    });
    const view = sloView({ rows: [row("auction-latency", "breached"), row("bid-latency", "ok"), row("render", "no data"), row("cost", "breached")], window_from: null, window_ns: null });
    expect(view.heading![0]).toBe("SLOs — 2 breached: auction-latency, cost");
    expect(sloView({ rows: [row("bid-latency", "ok")], window_from: null, window_ns: null }).heading![0]).toBe("SLOs — none breached");
  });
});

describe("reconcile notes", () => {
  // output/reconcile-view.ts: the unpriced-bills note only when some bills have no rate; "n/a" for a join rate without warehouse spans.
  it("notes unpriced bills only when there are some, and writes a join rate without spans as n/a", () => {
    const totals: ReconcileView["totals"] = {
      spans: 4, joined_spans: 4, join_rate: 1, spans_by_id: 4, spans_by_tag: 0, spans_by_time: 0, bills: 5, joined_bills: 4,
      joined_billed_usd: 2, untraced_bills: 1, untraced_billed_usd: 0.5, out_of_range_bills: 0, unpriced_bills: 0,
    };
    const pricing = { notes: [], json: {} };
    const unpriced = (view: ReturnType<typeof reconcileView>) => (view.notes ?? []).filter((n) => n.includes("have no rate in the price book"));
    expect(unpriced(reconcileView({ rows: [], totals }, pricing))).toEqual([]);
    expect(unpriced(reconcileView({ rows: [], totals: { ...totals, unpriced_bills: 2 } }, pricing))).toEqual([
      "2 billing record(s) have no rate in the price book (credit_usd, tib_usd, slot_hour_usd): joined to nothing.",
    ]);
    const none = reconcileView({ rows: [], totals: { ...totals, spans: 0, joined_spans: 0, join_rate: null, spans_by_id: 0 } }, pricing);
    expect(none.heading![0]).toBe("Estimated vs billed — join rate n/a: 0 of 0 warehouse span(s) joined a bill (0 by query id, 0 by tag or labels).");
  });
});

describe("the report's top saving", () => {
  // analysis/report.ts reportFrom: the headline's top saving is the lever that saves most a day,
  // across every scenario, and never a scenario's total row (which sums its levers, so it is
  // always at least as large). Summary.md and report.html print it as "top saving: LEVER on STAGE".
  it("is the largest single lever over all scenarios, not a total row", () => {
    const row = (scenario: string, lever: SavingsRow["lever"], stage: string, perDay: number) => ({ scenario, lever, stage, savings_per_day_usd: perDay }) as SavingsRow;
    // By hand: scenario a's levers save $30 and $50 a day (total $80); b's one lever $45 (total $45).
    // The largest lever is a's preaggregate on aggregation, $50; both totals are larger or equal.
    const rows = [
      row("a", "cache", "tracking", 30), row("a", "preaggregate", "aggregation", 50), row("a", "total", "", 80),
      row("b", "tune", "auction", 45), row("b", "total", "", 45),
    ];
    const parts = (savingsRows: SavingsRow[]) => ({
      breakdown: { totals: { events: 10, spans: 40, start: null, end: null, cost_per_event_usd: 0.001 } },
      queries: [], flags: { flags: [] }, savings: { rows: savingsRows }, pii: {}, inputs: [], config: defaultConfig(),
    }) as unknown as ReportParts;
    const top = (savingsRows: SavingsRow[]) => reportFrom(parts(savingsRows), { version: "t", timestamp: false }).headline.top_saving;
    expect(top(rows)).toEqual({ scenario: "a", lever: "preaggregate", stage: "aggregation", savings_per_day_usd: 50 });
    // In another order the same lever; with only total rows (cannot occur: a scenario has a lever) none.
    expect(top([...rows].reverse())).toEqual({ scenario: "a", lever: "preaggregate", stage: "aggregation", savings_per_day_usd: 50 });
    expect(top([row("a", "total", "", 80)])).toBeNull();
    // A lever that costs more than it saves is no saving: the one that saves wins however small,
    // and with none that saves (negative or zero) the headline names none.
    expect(top([row("c", "preaggregate", "auction", -1e7), row("c", "cache", "tracking", 0.5), row("c", "total", "", -9_999_999.5)])!.lever).toBe("cache");
    expect(top([row("c", "preaggregate", "auction", -1e7), row("c", "tune", "tracking", 0), row("c", "total", "", -1e7)])).toBeNull();
  });

  it("report leaves a lever that costs more than it saves out of the headline", async () => {
    // Refreshes of $100,000 × 100 a day over the default 2e9 events a day: $0.005 per event, five
    // times the fixture's whole $0.00101 per event, so a 10% cut of auction's queries cannot pay
    // for them; the scenario's only lever loses about $0.005 × 2e9 = $10M a day.
    writeFileSync(join(dir, "costly.yaml"), 'scenarios:\n  costly:\n    - preagg: "auction=0.1"\n');
    writeFileSync(join(dir, "refresh.yaml"), "preaggregate:\n  refresh_cost_usd: 100000\n  refreshes_per_day: 100\n");
    const out = join(dir, "costly-report");
    const r = await adtraceIn(["report", "fixtures/auction/otlp.jsonl", "--scenario", join(dir, "costly.yaml"), "--config", join(dir, "refresh.yaml"), "--out-dir", out, "--no-timestamp", "-q"]);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(readFileSync(join(out, "report.json"), "utf8")) as { headline: { top_saving: unknown }; savings: { rows: SavingsRow[] } };
    const lever = doc.savings.rows.find((x) => x.lever === "preaggregate")!;
    expect(lever.savings_per_day_usd).toBeLessThan(-9.9e6);
    expect(doc.headline.top_saving).toBeNull();
    const headline = readFileSync(join(out, "summary.md"), "utf8").split("\n")[2]!;
    expect(headline).toContain("warehouse-heavy: **aggregation, tracking**");
    expect(headline).not.toContain("top saving");
    expect(headline.endsWith("warehouse-heavy: **aggregation, tracking**")).toBe(true);
  });
});

describe("diff's verdict and change column", () => {
  // output/diff-view.ts (seed 26): the verdict line's gate part, and each row's change as people read it.
  const row = (stage: string, status: DiffRow["status"], before: number | null, after: number | null, pct: number | null): DiffRow => ({
    keys: { stage }, status, cost_per_event_before_usd: before, cost_per_event_after_usd: after,
    change_usd: (after ?? 0) - (before ?? 0), change_pct: pct, share_before: null, share_after: null,
    p95_ms_before: null, p95_ms_after: null, significant: "yes", ci95_low_usd: null, ci95_high_usd: null, p95_significant: "unknown",
  });
  // By hand: aggregation $0.001 → $0.0015 (+50%), tracking unchanged at $0.0005, render new at
  // $0.0005, bidding gone from $0.0005; the total $0.002 → $0.0025, +25%.
  const rows = [
    row("aggregation", "changed", 0.001, 0.0015, 0.5), row("tracking", "unchanged", 0.0005, 0.0005, 0),
    row("render", "new", null, 0.0005, null), row("bidding", "vanished", 0.0005, null, -1),
    row("total", "total", 0.002, 0.0025, 0.25),
  ];
  const result = (gates: DiffResult["gates"], breaches: DiffResult["breaches"] = []) => ({
    by: [{ kind: "stage" }], gates, rows, breaches, method: "m", p95_method: "p",
    baseline: { label: "a", kind: "spans", events: 1, weights: null, pricing: null },
    current: { label: "b", kind: "spans", events: 1, weights: null, pricing: null },
  }) as DiffResult;

  it("says no gate set when every gate is unset, as the CLI passes them (keys present, undefined)", () => {
    const unset = { maxCostIncrease: undefined, maxStageIncrease: undefined, maxP95Increase: undefined };
    expect(diffVerdict(result(unset))).toBe("cost per event +25.0% (significant): no gate set");
    expect(diffVerdict(result({ ...unset, maxCostIncrease: 0.3 }))).toBe("cost per event +25.0% (significant): no gate breached");
    const breach = { gate: "--max-stage-increase 10%", row: "aggregation", detail: "+50.0%" };
    expect(diffVerdict(result({ maxStageIncrease: 0.1 }, [breach]))).toBe("cost per event +25.0% (significant): 1 gate breached");
    expect(diffVerdict(result({ maxStageIncrease: 0.1 }, [breach, breach]))).toBe("cost per event +25.0% (significant): 2 gates breached");
  });

  it("writes each row's change: a percentage, new, gone, and the dollars signed", () => {
    const view = diffView(result({}));
    const shown = (view.rows as Record<string, unknown>[]).map((r) => [r.stage, r.change, r.change_abs]);
    expect(shown).toEqual([
      ["aggregation", "▲ +50.0%", "+$0.000500"],
      ["tracking", "· +0.0%", "$0"],
      ["render", "▲ new", "+$0.000500"],
      ["bidding", "▼ gone", "-$0.000500"],
    ]);
    expect([view.total!.change, view.total!.change_abs]).toEqual(["▲ +25.0%", "+$0.000500"]);
  });
});

describe("the edges of the table's width and of durations", () => {
  // output/table-width.ts tableColumns (seed 26): COLUMNS counts only as a positive finite number;
  // a negative or infinite one falls back to the default 100, as an unreadable one does.
  it("takes COLUMNS on a terminal that reports no size only when it is a positive finite number", () => {
    const tty = { isTTY: true, columns: 0 };
    expect(tableColumns(tty, { COLUMNS: "120.7" })).toBe(120);
    expect(tableColumns(tty, { COLUMNS: "-5" })).toBe(DEFAULT_COLUMNS);
    expect(tableColumns(tty, { COLUMNS: "Infinity" })).toBe(DEFAULT_COLUMNS);
    expect(tableColumns(tty, { COLUMNS: "0" })).toBe(DEFAULT_COLUMNS);
  });

  // output/units.ts formatMs (seed 26): a duration that is not a number shows as –, as a missing one does.
  it("shows a NaN duration as –, like null", () => {
    expect(formatMs(Number.NaN)).toBe("–");
    expect(formatMs(null)).toBe("–");
    expect(formatMs(-1500)).toBe("-1.50 s");
  });
});

describe("load --billing's summary", () => {
  // output/reconcile-view.ts billingLoadSummary (seed 26): the query ids given twice and the
  // skipped records are counted in the notes; none of either, no note.
  it("notes the records of a query id given again and the records skipped, by count", () => {
    const view = {
      db: "b.duckdb", files: [], records_read: 9, records_kept: 5, duplicates: 2, conflicting: 0, replaced: 1,
      skipped: [{ reason: "no query id", records: 1 }, { reason: "bad cost", records: 1 }], stored: [],
    };
    const summary = billingLoadSummary(view);
    // By hand: 9 read, 5 kept (2 earlier duplicates and 2 skipped dropped), 1 replacing a stored record.
    expect(summary.heading).toEqual(["Stored 5 billing record(s) from 9 read into b.duckdb (1 replaced a stored record of the same query id)."]);
    expect(summary.notes).toEqual([
      "2 earlier record(s) of a query id given again: the latest record wins.",
      "2 record(s) skipped (see the warnings).",
    ]);
    expect(billingLoadSummary({ ...view, duplicates: 0, skipped: [], replaced: 0, records_kept: 9 }).notes).toEqual([]);
  });
});

describe("did you mean", () => {
  // model/suggest.ts closest (seed 26): a name is suggested within max(2, ⌊length/3⌋) edits of the
  // word typed, no further. Distances counted by hand.
  it("suggests within max(2, a third of the word's length) edits, and nothing further away", () => {
    const stages = ["tracking", "aggregation", "auction"];
    // 11 letters: up to 3 edits; "trackingxyz" is 3 deletions from "tracking".
    expect(closest("trackingxyz", stages)).toBe("tracking");
    // 12 letters: up to 4; 4 deletions.
    expect(closest("trackingwxyz", stages)).toBe("tracking");
    // 8 letters: up to 2; "trackxyz" is 3 substitutions from "tracking".
    expect(closest("trackxyz", stages)).toBeUndefined();
    // 4 letters, nothing within 2.
    expect(closest("zzzz", stages)).toBeUndefined();
    expect(suggest("Auctoin", stages)).toBe(" (did you mean 'auction'?)");
    expect(suggest("zzzz", stages)).toBe("");
  });
});

describe("the default stage rules", () => {
  // model/defaults.ts (seed 26): the rules that only their own pattern reaches, each checked on a
  // span no earlier rule matches (first match wins): *render* → delivery, *ingest* → request,
  // service *deliver* → delivery; a name none matches is "other".
  it("put render, ingest and a delivery service's spans in their stages", async () => {
    const spans = [
      { name: "frame.render", service: "web" }, { name: "event.ingest", service: "web" },
      { name: "send", service: "ad-deliverer" }, { name: "misc.work", service: "web" },
    ].map((s, i) => ({ trace: traceId(i + 1), id: spanId(i + 1), ...s, startMs: i * 10, durationMs: 5, attrs: { "cost.usd": "0.001" } }));
    await withModelDb(spans, async (db) => {
      const stages = (await breakdown(db, {})).groups.map((g) => g.keys.stage).sort();
      expect(stages).toEqual(["delivery", "other", "request"]);
      const events = Object.fromEntries((await breakdown(db, {})).groups.map((g) => [g.keys.stage, g.events]));
      // One event each for request and other; two (render, the deliverer's send) for delivery.
      expect(events).toEqual({ delivery: 2, other: 1, request: 1 });
    });
  });
});

describe("a database that is not adtrace's", () => {
  // analysis/inputs.ts (seed 26): --db naming a DuckDB file without a spans table is refused with
  // a one-line error naming the file, exit 2.
  it("is refused by name: no spans table", async () => {
    const path = join(dir, "other.duckdb");
    await withDb({ path }, (db) => db.exec("CREATE TABLE orders (id INTEGER)"));
    const r = await adtraceIn(["cost", "breakdown", "--db", path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(`adtrace: error: ${path}: database holds no spans table (was it written by adtrace load?)\n`);
  });
});

describe("a scenario without levers", () => {
  // analysis/savings.ts loadScenarioFile (seed 26): a scenario whose levers are an empty list, or
  // not a list, is refused at its line, exit 2, rather than run as a scenario that changes nothing.
  it("is refused at its line, whether its list is empty or not a list", async () => {
    for (const [text, line, name] of [["scenarios:\n  fine:\n    - tune: \"auction=0.1\"\n  empty: []\n", 4, "empty"], ["scenarios:\n  word: cache\n", 2, "word"]] as const) {
      const file = join(dir, `${name}.yaml`);
      writeFileSync(file, text);
      const r = await adtraceIn(["savings", "fixtures/auction/otlp.jsonl", "--scenario", file]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`adtrace: error: ${file}:${line}: scenario '${name}': expected a non-empty list of levers\n`);
    }
  });
});

describe("the PII verdict over a sample", () => {
  // output/pii-view.ts piiVerdict (seed 26): when only a sample of whole events was scanned (a
  // ClickHouse source), the verdict says how many; a full scan says nothing of the kind.
  it("says how many events of how many were scanned, and only then", () => {
    const clean = { rows: [], spans: 3, fields: 5, kinds: [], personal_kinds: [], only: [] };
    expect(piiVerdict({ ...clean, scanned: { events: 1000, of_events: 25000 } })).toBe(
      "No personal data found in 5 values of 3 spans; scanned 1,000 of 25,000 events (a deterministic sample of whole events; a leak in the others is not seen).");
    expect(piiVerdict(clean)).toBe("No personal data found in 5 values of 3 spans.");
  });
});

describe("the on-path sample note", () => {
  // output/decision-views.ts onPathSampleNote (seed 26): on-path shares walked over a sample of the
  // events (a ClickHouse source) say so; over every event, or none given, no note.
  it("names the sample's size only when it is smaller than the events", () => {
    expect(onPathSampleNote({ events: 20000, of_events: 1250000 })).toBe(
      "On-path shares are estimated from 20,000 of 1,250,000 events (a deterministic sample keyed on the trace id, walked locally: the critical-path walk does not run in ClickHouse).");
    expect(onPathSampleNote({ events: 500, of_events: 900 }, "Every figure is")).toMatch(/^Every figure is estimated from 500 of 900 events /);
    expect(onPathSampleNote({ events: 900, of_events: 900 })).toBeUndefined();
    expect(onPathSampleNote(null)).toBeUndefined();
  });
});

describe("column headings people read", () => {
  // Seed 26, survivors of the narrowed run: pull-view.ts:35 ("rows"), reconcile-view.ts:97
  // ("billed/est"), slo-view.ts:28 (the actual column's key): the Markdown table's header row and
  // the SLO's actual value as the table shows it.
  const md = (view: Parameters<typeof formatters.md>[0]) => formatters.md(view, { colors: new Chalk({ level: 0 }) });
  const header = (text: string) => text.split("\n").find((l) => l.startsWith("| "))!;
  it("pull, reconcile and SLO tables carry their headings and the SLO's actual value", () => {
    const pull = {
      db: "p.duckdb", source: "s", table: "t", format: "postgres", startColumn: "start_time", watermarkColumn: "start_time", watermarkKind: "start",
      lookbackMs: 0, rowsFetched: 5, incremental: false, overlapRows: 0, lateRows: 0, notes: [], totalSpans: 5,
      load: { files: [], spansRead: 5, spansAdded: 5, duplicates: 0, conflicts: 0, skipped: 0, skippedExamples: [], warnings: [], ignoredFiles: [] },
    } as unknown as PullResult;
    expect(header(md(pullSummary(pull)))).toMatch(/^\| source \| format \| rows \| added \|/);
    const totals: ReconcileView["totals"] = {
      spans: 1, joined_spans: 1, join_rate: 1, spans_by_id: 1, spans_by_tag: 0, spans_by_time: 0, bills: 1, joined_bills: 1,
      joined_billed_usd: 2, untraced_bills: 0, untraced_billed_usd: 0, out_of_range_bills: 0, unpriced_bills: 0,
    };
    expect(header(md(reconcileView({ rows: [], totals }, { notes: [], json: {} })))).toContain("| billed/est |");
    const slo: SloRow = { name: "auction-latency", stage: null, indicator: "latency", target: 100, objective: 0.99, actual: 0.975, error_budget_used: 2.5, burn_rate: 2.5, events: 10, window_events: 10, status: "breached" };
    const table = md(sloView({ rows: [slo], window_from: null, window_ns: null }));
    expect(header(table)).toContain("| actual |");
    // 0.975 of events within target, shown as a share: 97.5%.
    expect(table).toContain("97.5");
  });

  it("load's table heads the new spans 'added' (views.ts:80)", async () => {
    const r = await adtraceIn(["load", "fixtures/auction/otlp.jsonl", "--db", join(dir, "headings.duckdb"), "--format", "md"]);
    expect(r.code, r.stderr).toBe(0);
    expect(header(r.stdout)).toMatch(/\| read \| added \| duplicates \| skipped \|$/);
  });
});

describe("inspect's figures", () => {
  // output/views.ts (seed 26, survivors of the narrowed run): the span-name count under its key
  // "names" in CSV, and the top services as the table shows them, against a count of the
  // fixture's OTLP lines made here.
  it("names the distinct span names and the busiest service with its span count", async () => {
    type Doc = { resourceSpans: { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: { name: string }[] }[] }[] };
    const names = new Set<string>();
    const perService = new Map<string, number>();
    for (const line of readFileSync("fixtures/auction/otlp.jsonl", "utf8").split("\n").filter(Boolean)) {
      for (const rs of (JSON.parse(line) as Doc).resourceSpans) {
        const service = rs.resource.attributes.find((a) => a.key === "service.name")!.value.stringValue!;
        for (const ss of rs.scopeSpans) for (const span of ss.spans) {
          names.add(span.name);
          perService.set(service, (perService.get(service) ?? 0) + 1);
        }
      }
    }
    const csv = await adtraceIn(["inspect", "fixtures/auction/otlp.jsonl", "--format", "csv"]);
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout.split("\r\n")).toContain(`names,${names.size}`);
    const [busiest, spans] = [...perService].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]!;
    const table = await adtraceIn(["inspect", "fixtures/auction/otlp.jsonl", "--format", "md"]);
    const line = table.stdout.split("\n").find((l) => l.includes("top services"))!;
    expect(line).toContain(`${busiest} ${spans}`);
  });
});
