// Tests for survivors of the seed-28 wide Stryker sample (TESTING.md, "Mutation testing"). Each
// compares with a value worked by hand from the rule the code documents, and each was seen to fail
// with its mutant applied by hand. In-process.
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { checkBundleDir } from "../src/analysis/report.js";
import { loadScenarioFile, parseLever } from "../src/analysis/savings.js";
import { planBuckets } from "../src/analysis/trend.js";
import { scenarioJson } from "../src/output/decision-views.js";
import { subtitle } from "../src/output/html/report-page.js";
import type { ReportDoc } from "../src/output/html/doc.js";
import { reconcileView, type ReconcileView } from "../src/output/reconcile-view.js";
import { formatCount } from "../src/output/units.js";
import { FIXTURE } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";

describe("cost reconcile's heading: the untraced share of the bill", () => {
  // output/reconcile-view.ts:77 the template `${bill > 0 ? ` (… of the bill)` : ""}.` → ``: the
  // second heading line lost the untraced share and its full stop.
  const view = (joined: number, untraced: number): ReconcileView => ({
    rows: [],
    totals: {
      spans: 4, joined_spans: 4, join_rate: 1, spans_by_id: 4, spans_by_tag: 0, spans_by_time: 0,
      bills: 5, joined_bills: 4, joined_billed_usd: joined, untraced_bills: 1, untraced_billed_usd: untraced, out_of_range_bills: 0, unpriced_bills: 0,
    },
  });
  const pricing = { notes: [], json: {} };
  it("$3 to traced spans and $1 untraced: $4 billed, 1/4 = 25.0% of it untraced; no share of a $0 bill", () => {
    expect(reconcileView(view(3, 1), pricing).heading![1]).toBe("Billed $4.00 in the spans' time range: $3.00 to traced spans, $1.00 untraced (25.0% of the bill).");
    expect(reconcileView(view(0, 0), pricing).heading![1]).toBe("Billed $0 in the spans' time range: $0 to traced spans, $0 untraced.");
  });
});

describe("formatCount", () => {
  // output/units.ts:66 `return "–"` → `return ""` for no number: the report page's count cells
  // (report-page.ts `count`) pass report.json's values as read, and diff --format html reads a
  // report side's report.json as it is; a count it lacks showed as nothing instead of the dash
  // every other formatter (formatMs, formatShare, formatUsd) and table cell writes for no value.
  it("writes – for no number (null, undefined, NaN), as the report page's subtitle shows a missing count", () => {
    expect([formatCount(null), formatCount(undefined), formatCount(NaN)]).toEqual(["–", "–", "–"]);
    const doc = { events: undefined, spans: 12, start: null, adtrace_version: "1.0.0" } as unknown as ReportDoc;
    expect(subtitle(doc)).toBe("– events, 12 spans; adtrace 1.0.0");
  });

  // output/units.ts:67 `toLocaleString("en-US")` → `toLocaleString("")` for an integer
  // groupedCount leaves to ICU (from 1e21): a RangeError ("Incorrect locale information
  // provided"). --events-per-day takes any count ≥ 1, so `--events-per-day 1.5e21` reaches it in
  // every "at N events/day" line.
  it("groups the digits of integers from 1e21 (1e21 = 1 and 21 zeros; 1.5e21 = 15 and 20)", () => {
    expect(formatCount(1e21)).toBe("1," + Array(7).fill("000").join(","));
    expect(formatCount(1.5e21)).toBe("1,500," + Array(6).fill("000").join(","));
  });
});

describe("cost trend: the message for an --every that makes too many buckets", () => {
  const D = 86_400_000_000_000n;
  const refusal = (every: bigint, firstNs: bigint, lastNs: bigint, resolutionNs: bigint) => {
    try {
      planBuckets(every, { firstNs, lastNs, resolutionNs });
    } catch (error) {
      return (error as Error).message;
    }
    return "no error";
  };

  // analysis/trend.ts:228 spanText `Number(ns) / 1e9` → `* 1e9`: data under an hour long was
  // said to span 90400000000000000000.0 s.
  it("over data under an hour long, says the span in seconds (90.4 s) and the nice --every that fits (10ms)", () => {
    // 90.4 s in 1 ms buckets from 0: 90,400 whole buckets and the last one's, 90,401. A bucket of
    // 5 ms makes 18,081 (> 10,000), one of 10 ms 9,041: the smallest 1-2-5 step that fits is 10ms.
    expect(refusal(1_000_000n, 0n, 90_400_000_000n, 1000n)).toBe(
      "--every 1ms makes 90,401 buckets over the data's 90.4 s; at most 10,000 (an --every of 10ms or more)",
    );
  });

  // analysis/trend.ts:223 roundUpNice's fallback past 30 days, `((ns + DAY_NS - 1n) / DAY_NS) *
  // DAY_NS` (mutant `+ 1n`), was dead: the widest span int64 nanoseconds hold needs at most
  // 21.4 days a bucket. The fallback is now `ns` itself; this pins the widest case inside the ladder.
  it("over the widest span int64 ns hold (2^64 − 1 ns), suggests 30d, a rung of the ladder", () => {
    // Buckets of 1 d: ⌊(2^63 − 1)/D⌋ = 106,751 and ⌊−2^63/D⌋ = −106,752, so 213,504. 2^64 ns is
    // 5,124,095.58 hours. 15 d makes ⌊106,751.99/15⌋ + ⌈106,751.99/15⌉ + 1 = 7,116 + 7,117 + 1
    // = 14,234 buckets (> 10,000), 30 d 3,558 + 3,559 + 1 = 7,118.
    expect(refusal(D, -(2n ** 63n), 2n ** 63n - 1n, 1n)).toBe(
      "--every 1d makes 213,504 buckets over the data's 5124095.6 hours; at most 10,000 (an --every of 30d or more)",
    );
  });
});

describe("sampling advise: a window of exactly 30 events is enough", () => {
  // analysis/advise.ts:183 `eventsPerWindow >= MIN_EVENTS` → `>`: a rate whose window held exactly
  // 30 events was refused, against the rule the note states ("holds at least 30 events at that rate").
  it("the fixture's 40 unweighted events at 30 a day: rate 100% holds 30 a day and meets; 50% holds 15 and does not", async () => {
    // By hand: 30 events/day × 1 day × rate × 40 stored ÷ 40 weight = 30 at rate 1, 15 at 0.5. At
    // rate 1 every event is traced: the cost, group and p95 errors are 0, within any target.
    const run = await adtraceIn(["sampling", "advise", `${FIXTURE}/otlp.jsonl`, "--events-per-day", "30", "--window", "1d", "--rates", "1,0.5", "--format", "json", "-q"]);
    expect(run.stderr).toBe("");
    const advice = JSON.parse(run.stdout) as { rows: { rate: number; events_per_window: number; meets_target: boolean }[]; recommended_rate: number | null };
    expect(advice.rows.map((r) => [r.rate, r.events_per_window, r.meets_target])).toEqual([[1, 30, true], [0.5, 15, false]]);
    expect(advice.recommended_rate).toBe(1);
  });
});

describe("savings JSON: where a scenario file's lever was written", () => {
  // output/decision-views.ts:120 `{ origin: l.origin }` → `{}`: the savings document and report.json
  // lost each file lever's `origin` (file:line, the place its errors name), kept since JSON v1.
  it("a file lever carries origin file:line (fixtures/scenarios.yaml lines 7–9 for 'both'); a command-line lever none", () => {
    const both = loadScenarioFile("fixtures/scenarios.yaml").find((s) => s.name === "both")!;
    expect(scenarioJson(both).levers.map((l) => [l.kind, l.origin])).toEqual([
      ["cache", "fixtures/scenarios.yaml:7"], ["preagg", "fixtures/scenarios.yaml:8"], ["tune", "fixtures/scenarios.yaml:9"],
    ]);
    expect(scenarioJson({ name: "command line", levers: [parseLever("cache", "tracking=0.6")] }).levers[0]).not.toHaveProperty("origin");
  });
});

describe("report --out-dir: a stranger's report.json with an inputs list is not an adtrace report", () => {
  // analysis/report.ts:210 isReportJson `version && headline && inputs` → `version && headline || inputs`:
  // any report.json with an `inputs` array made its directory a bundle to replace (its files deleted).
  it("replaces a directory whose report.json has adtrace_version, headline and inputs; refuses one lacking any", () => {
    const dir = mkdtempSync(join(tmpdir(), "adtrace-surv28-"));
    try {
      const bundle = (name: string, doc: unknown) => {
        mkdirSync(join(dir, name));
        writeFileSync(join(dir, name, "report.json"), JSON.stringify(doc));
        writeFileSync(join(dir, name, "summary.md"), "mine");
        return join(dir, name);
      };
      const refusal = (path: string) => {
        try {
          return checkBundleDir(path);
        } catch (error) {
          return (error as Error).message;
        }
      };
      const refused = (path: string) => `--out-dir ${path}: the directory holds files that are not an adtrace report; refusing to replace it (give a new or empty directory)`;
      expect(refusal(bundle("ours", { adtrace_version: "1.0.0", headline: {}, inputs: [] }))).toBe(true);
      for (const [name, doc] of [
        ["inputs-only", { inputs: ["q3.csv"] }],
        ["no-headline", { adtrace_version: "1.0.0", inputs: [] }],
        ["no-version", { headline: {}, inputs: [] }],
        ["no-inputs", { adtrace_version: "1.0.0", headline: {} }],
      ] as const) {
        const path = bundle(name, doc);
        expect(refusal(path), name).toBe(refused(path));
        expect(readdirSync(path).sort(), name).toEqual(["report.json", "summary.md"]);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
