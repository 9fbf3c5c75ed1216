// Tests for the seed-26 mutants that survived the narrowed Stryker run and were left unexamined
// (TESTING.md, "Mutation testing", "The seed-26 narrowed run's survivors, examined"): each one a
// user could see, checked against a value worked by hand (or the page's documented palette and
// order), and each seen to fail with its mutant applied by hand. In-process only, so Stryker's
// runs see them (vitest.mutate-sample.config.ts).
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Chalk } from "chalk";
import { describe, expect, it, vi } from "vitest";
import { estimateSaving } from "../src/analysis/flags.js";
import type { DiffResult, DiffRow } from "../src/analysis/diff.js";
import { parseConfig } from "../src/model/config.js";
import { diffView } from "../src/output/diff-view.js";
import { formatters } from "../src/output/format.js";
import { latencySpec, renderChart, waterfallSpec } from "../src/output/html/charts.js";
import type { ReportDoc } from "../src/output/html/doc.js";
import { FIXTURE } from "./helpers/cli.js";
import { configError } from "./helpers/config-error.js";
import { holdDuckDb } from "./helpers/duckdb-holder.js";
import { adtraceIn } from "./helpers/in-process.js";

vi.setConfig({ testTimeout: 120_000 });
const dir = mkdtempSync(join(tmpdir(), "adtrace-survivors26-"));
const plain = { colors: new Chalk({ level: 0 }) };

describe("the cache lever's estimated saving", () => {
  // analysis/flags.ts:182 `hit_rate * (C − c_hit)` → `hit_rate / (…)`. The documented model
  // (flags' note, savings' "Model:" line): a cache turns C into (1 − h)·C + h·c_hit, so it saves
  // h·(C − c_hit); with h = 25% and c_hit = $0: a quarter of the stage's cost per event.
  it("is a quarter of the stage's cost per event: $0.002 → $0.0005, $0.0008 → $0.0002", () => {
    expect(estimateSaving({ cost_per_event_usd: 0.002, query_per_event_usd: 0.0015 }, "cache")).toBeCloseTo(0.0005, 15);
    expect(estimateSaving({ cost_per_event_usd: 0.0008, query_per_event_usd: 0 }, "cache")).toBeCloseTo(0.0002, 15);
  });
});

describe("the config's dates, lists and credit rates", () => {
  // model/config-schema.ts:60 (the date's transform → () => undefined), :63 (the list's words → ""),
  // :89 (credits_per_hour's range → none).
  it("a price book's effective_from is kept as the UTC instant it names", () => {
    const config = parseConfig("prices:\n  - effective_from: 2025-06-01\n    compute: { vcpus: 2 }\n  - effective_from: '2025-03-01T12:00:00+02:00'\n    compute: { vcpus: 4 }\n", "c.yaml");
    // The default book first, then the user's by date: 1 March 10:00 UTC (12:00 at +02:00), then 1 June.
    expect(config.prices.slice(1).map((b) => [b.effective_from, b.compute?.vcpus])).toEqual([
      ["2025-03-01T10:00:00.000Z", 4],
      ["2025-06-01T00:00:00.000Z", 2],
    ]);
  });

  it("a list given a scalar says it expected a list, at its line", () => {
    expect(configError("events_per_day: 5M\ncost_attributes: cost.usd\n")).toBe("c.yaml:2: cost_attributes: expected a list");
    expect(configError("stages: other\n")).toBe("c.yaml:1: stages: expected a list");
  });

  it("a negative credits-per-hour rate is refused at its line; 0 is allowed", () => {
    expect(configError("prices:\n  warehouses:\n    snowflake:\n      credits_per_hour: { XS: 1, S: -2 }\n")).toBe("c.yaml:4: prices.warehouses.snowflake.credits_per_hour.S: expected a number ≥ 0");
    expect(configError("prices:\n  warehouses:\n    snowflake:\n      credits_per_hour: { XS: 0 }\n")).toBe("no error");
  });
});

describe("an analysis of a database another process is reading", () => {
  // analysis/inputs.ts:47 `readOnly: true` → false: analyses open --db read-only, so two of them
  // (or an analysis beside any other reader) can run at once; a read-write open would need the
  // file's exclusive lock and fail with "in use by another process".
  it("runs while a second process holds the same file open read-only", async () => {
    const target = join(dir, "shared.duckdb");
    const load = await adtraceIn(["load", `${FIXTURE}/otlp.jsonl`, "--db", target]);
    expect(load.code, load.stderr).toBe(0);
    const reader = await holdDuckDb(target, "READ_ONLY");
    try {
      const r = await adtraceIn(["cost", "breakdown", "--db", target, "--format", "json"]);
      expect(r.code, r.stderr).toBe(0);
      // The fixture's 40 events (fixtures/auction/README.md).
      expect(JSON.parse(r.stdout).events).toBe(40);
    } finally {
      await reader.release();
    }
  });
});

describe("savings' table heading and latency note", () => {
  // output/decision-views.ts:73 (the "$/ev before" title → "") and :104 (the unsampled case's "" → text).
  it("heads the before column '$/ev before' and says the p95 was re-timed over every event, with no sample note", async () => {
    const r = await adtraceIn(["savings", `${FIXTURE}/otlp.jsonl`, "--tune", "tracking=0.1", "--format", "md"]);
    expect(r.code, r.stderr).toBe(0);
    const header = r.stdout.split("\n").find((l) => l.startsWith("| "))!;
    expect(header).toMatch(/^\| lever \| stage \| \$\/ev before \| after \|/);
    // All 40 of the fixture's events re-timed: the note goes straight on to how.
    expect(r.stdout + r.stderr).toContain("Latency: end-to-end p95 over 40 events, each re-timed with its cache hits:");
  });
});

describe("diff's human and machine columns", () => {
  // output/diff-view.ts:16 (change_abs's key → "", its humanOnly → false) and :26
  // (significant_shown's humanOnly → false): the table shows Δ $/event and "significant" as
  // people read them; CSV carries the numbers under their own keys and not those texts.
  const row = (stage: string, status: DiffRow["status"], before: number | null, after: number | null, pct: number | null): DiffRow => ({
    keys: { stage }, status, cost_per_event_before_usd: before, cost_per_event_after_usd: after,
    change_usd: (after ?? 0) - (before ?? 0), change_pct: pct, share_before: null, share_after: null,
    p95_ms_before: null, p95_ms_after: null, significant: "yes", ci95_low_usd: null, ci95_high_usd: null, p95_significant: "unknown",
  });
  // By hand: aggregation $0.001 → $0.0015, +$0.0005 (+50%); the total $0.001 → $0.0015 too.
  const result = {
    by: [{ kind: "stage" }], gates: {}, breaches: [], method: "m", p95_method: "p",
    rows: [row("aggregation", "changed", 0.001, 0.0015, 0.5), row("total", "total", 0.001, 0.0015, 0.5)],
    baseline: { label: "a", kind: "spans", events: 1, weights: null, pricing: null },
    current: { label: "b", kind: "spans", events: 1, weights: null, pricing: null },
  } as unknown as DiffResult;

  it("the table's Δ $/event column holds the signed dollars", () => {
    const md = formatters.md(diffView(result), plain);
    const lines = md.split("\n").filter((l) => l.startsWith("| "));
    const cells = (l: string) => l.split("|").slice(1, -1).map((c) => c.trim());
    const head = cells(lines[0]!);
    const aggregation = cells(lines.find((l) => l.startsWith("| aggregation"))!);
    expect(aggregation[head.indexOf("Δ $/event")]).toBe("+$0.000500");
    expect(aggregation[head.indexOf("significant")]).toBe("yes");
  });

  it("CSV has no Δ $/event or shown-significance column: change_usd and significant carry them", () => {
    const csv = formatters.csv(diffView(result), plain);
    const head = csv.split(/\r?\n/)[0]!.split(",");
    expect(head).not.toContain("change_abs");
    expect(head).not.toContain("significant_shown");
    expect(head).toEqual(expect.arrayContaining(["change_usd", "significant"]));
  });
});

describe("the report's charts", () => {
  // output/html/charts.ts:78 (the percentiles' order, "p95" → ""), :80 (their colours' scale → {}),
  // :125 (the "after" bar's kind "total" → ""). The palette is the one the page documents in
  // COLORS: p50 light blue #93c5fd, p95 #3b82f6, p99 dark #1e3a8a; totals slate #475569, savings green #15803d.
  const bars = (svg: string) =>
    [...svg.matchAll(/<path aria-label="([^"]*)" role="graphics-symbol"[^>]* d="M[\d.]+,([\d.]+)[^"]*" fill="([^"]+)"/g)]
      .map((m) => ({ label: m[1]!, y: Number(m[2]), fill: m[3]! }));

  it("latency: within a stage the bars run p50, p95, p99 from the top, light to dark", async () => {
    const doc = { breakdown: { groups: [{ stage: "auction", p50_ms: 10, p95_ms: 20, p99_ms: 40 }] } } as unknown as ReportDoc;
    const shown = bars((await renderChart("latency", "t", latencySpec(doc))).svg).sort((a, b) => a.y - b.y);
    expect(shown.map((b) => [b.label.match(/percentile: (p\d+)/)![1], b.fill])).toEqual([
      ["p50", "#93c5fd"], ["p95", "#3b82f6"], ["p99", "#1e3a8a"],
    ]);
  });

  it("savings waterfall: today and after are total bars (slate), the lever's step a saving (green)", async () => {
    // Today $0.001/event = 1,000 per million; cache on tracking saves $0.0002 = 200; after: 800.
    const doc = {
      headline: { cost_per_event_usd: 0.001 },
      savings: { rows: [
        { scenario: "s", lever: "cache", lever_label: "cache", stage: "tracking", savings_per_event_usd: 0.0002 },
        { scenario: "s", lever: "total", cost_per_event_after_usd: 0.0008 },
      ] },
    } as unknown as ReportDoc;
    const shown = bars((await renderChart("savings-1", "t", waterfallSpec(doc, "s"))).svg).sort((a, b) => a.y - b.y);
    expect(shown.map((b) => [b.label.match(/step: ([^;]+)/)![1], b.fill])).toEqual([
      ["today", "#475569"], ["cache · tracking", "#15803d"], ["after", "#475569"],
    ]);
    expect(shown[2]!.label).toMatch(/to: 800; kind: total/);
  });
});
