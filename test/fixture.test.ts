// The bundled fixture's cost totals against the hand-checked ones (fixtures/auction/README.md),
// the same breakdown from all five formats, and the breakdown's add-up property for every --by.
// (Counts, rows and ways of giving inputs: ingest-formats.test.ts.)
import { mkdtempSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { adtrace, FIXTURE } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";
import { writeTemp } from "./helpers/otlp.js";
import { withModelDb } from "./helpers/analysis.js";
import { breakdown, parseGroupKeys } from "../src/analysis/breakdown.js";
import {
  BIGQUERY_COMPUTE, BIGQUERY_QUERY, EVENTS, PER_EVENT, QUERY_TOTAL, relative, SNOWFLAKE_COMPUTE, SNOWFLAKE_QUERY, STAGE_TOTAL, SUGGESTED_SAVING_PER_EVENT, TOTAL,
} from "./helpers/hand.js";

const FORMATS = ["otlp.jsonl", "jaeger.json", "zipkin.json", "spans.parquet", "spans.csv"];
const json = async (args: string[]) => {
  const r = await adtraceIn([...args, "--format", "json"]);
  expect(r.stderr).not.toMatch(/error/);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
};

describe("fixture totals (worked by hand in fixtures/auction/README.md)", () => {
  it("breakdown by stage", async () => {
    const r = await json(["cost", "breakdown", `${FIXTURE}/otlp.jsonl`]);
    expect(r.events).toBe(40);
    expect(r.unpriced_spans).toBe(0);
    // 7 service spans per event carry cost.usd; the 89 warehouse spans are priced by the book.
    expect(r.cost_sources).toEqual({ billed: 0, explicit: 280, price_book: 89, unpriced: 0 });
    expect(relative(r.total.cost_per_event_usd, PER_EVENT)).toBeLessThan(1e-11);
    expect(relative(r.total.query_per_event_usd, QUERY_TOTAL / EVENTS)).toBeLessThan(1e-11);
    expect(relative(r.total.compute_per_event_usd, (TOTAL - QUERY_TOTAL) / EVENTS)).toBeLessThan(1e-11);
    const spans: Record<string, number> = { aggregation: 84, tracking: 85, inventory_lookup: 40, auction: 40, delivery: 40, profiling: 40, request: 40 };
    const hand = Object.fromEntries(Object.entries(STAGE_TOTAL).map(([stage, total]) => [stage, [spans[stage]!, total / EVENTS, total / TOTAL]]));
    expect(r.groups.map((g: { stage: string }) => g.stage)).toEqual(Object.keys(hand));
    for (const g of r.groups) {
      const [spans, perEvent, share] = hand[g.stage]!;
      expect(g.spans).toBe(spans);
      expect(g.events).toBe(40);
      expect(relative(g.cost_per_event_usd, perEvent!), g.stage).toBeLessThan(1e-11);
      expect(relative(g.cost_share, share!), g.stage).toBeLessThan(1e-11);
    }
    expect(r.groups[0].warehouse).toBe("bigquery");
    expect(r.groups[1].warehouse).toBe("snowflake");
  });

  it("warehouse queries: calls, cost, bytes and time per fingerprint", async () => {
    const r = await json(["cost", "queries", `${FIXTURE}/otlp.jsonl`]);
    const hand = [
      // A query's total is its spans' cost: the book's query cost and their own compute.
      ["aggregation", "bigquery", 44, BIGQUERY_QUERY + BIGQUERY_COMPUTE, 67_108_864, 6.5, "SELECT campaign_id, count(*), sum(spend_usd) FROM ad_events WHERE campaign_id = ? AND ts >= ? GROUP BY campaign_id"],
      ["tracking", "snowflake", 45, SNOWFLAKE_QUERY + SNOWFLAKE_COMPUTE, 50_000_000, 2.5, "SELECT impressions_left FROM campaign_caps WHERE campaign_id = ? AND day = ?"],
    ];
    expect(r.queries).toHaveLength(2);
    r.queries.forEach((q: Record<string, unknown>, i: number) => {
      const [stage, warehouse, calls, total, bytes, ms, query] = hand[i]!;
      expect(q).toMatchObject({ stage, warehouse, calls, events: 40, bytes_scanned_per_call: bytes, p50_ms: ms, p95_ms: ms, query });
      expect(relative(q.total_cost_usd as number, total as number)).toBeLessThan(1e-11);
      expect(relative(q.cost_per_event_usd as number, (total as number) / 40)).toBeLessThan(1e-11);
    });
  });

  it("flags aggregation and tracking, with --fail-on-flag exiting 1", async () => {
    const r = await adtraceIn(["cost", "flags", `${FIXTURE}/otlp.jsonl`, "--format", "json", "--fail-on-flag"]);
    expect(r.code).toBe(1);
    const flags = JSON.parse(r.stdout).flags;
    expect(flags.map((f: { stage: string; lever: string }) => [f.stage, f.lever])).toEqual([["aggregation", "preaggregate"], ["tracking", "cache"]]);
    expect(relative(flags[0].warehouse_cost_share, BIGQUERY_QUERY / STAGE_TOTAL.aggregation)).toBeLessThan(1e-11);
    expect(relative(flags[1].warehouse_cost_share, SNOWFLAKE_QUERY / STAGE_TOTAL.tracking)).toBeLessThan(1e-11);
    expect(r.stderr).toMatch(/^adtrace: check failed: 2 warehouse-heavy stage\(s\) flagged$/m);
  });

  it("savings --suggest comes to 21.37% of the total", async () => {
    // Cache 25% hits on tracking (0.25 × 0.014301328125 / 40) + pre-aggregate −30% of
    // aggregation's query cost (0.3 × 0.01678466796875 / 40) = $0.000215268310546875 per event.
    const r = await json(["savings", `${FIXTURE}/otlp.jsonl`, "--suggest", "--events-per-day", "1M"]);
    const total = r.rows.find((row: { lever: string }) => row.lever === "total");
    expect(relative(total.savings_per_event_usd, SUGGESTED_SAVING_PER_EVENT)).toBeLessThan(1e-11);
    expect(relative(total.savings_pct_of_total, SUGGESTED_SAVING_PER_EVENT / PER_EVENT)).toBeLessThan(1e-11);
    expect(relative(total.savings_per_day_usd, SUGGESTED_SAVING_PER_EVENT * 1e6)).toBeLessThan(1e-11);
  });
});

describe("every analysis says how its spans were priced (issue 13, item 6)", () => {
  // fixtures/auction/README.md: 280 spans carry cost.usd, the book prices the 89 warehouse spans.
  const sources = { billed: 0, explicit: 280, price_book: 89, unpriced: 0 };
  const note = /^note: every span priced: 280 from cost attributes, 89 from the price book\.$/m;
  const input = `${FIXTURE}/otlp.jsonl`;

  it("breakdown, queries, flags, savings, inspect, report and diff: in the notes and in the JSON", async () => {
    for (const command of [["cost", "breakdown"], ["cost", "queries"], ["cost", "flags"], ["savings", "--suggest"], ["inspect"]]) {
      const r = await adtraceIn([...command, input, "--format", "json"]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr, command.join(" ")).toMatch(note);
      expect(JSON.parse(r.stdout).cost_sources, command.join(" ")).toEqual(sources);
      expect(JSON.parse(r.stdout).bad_values, command.join(" ")).toEqual([]);
    }
    const dir = mkdtempSync(join(tmpdir(), "adtrace-priced-"));
    const report = await adtraceIn(["report", input, "--out-dir", dir, "--no-timestamp"]);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stderr).toMatch(/^adtrace: every span priced: 280 from cost attributes, 89 from the price book\.$/m);
    expect(JSON.parse(readFileSync(join(dir, "report.json"), "utf8")).cost_sources).toEqual(sources);
    expect(readFileSync(join(dir, "summary.md"), "utf8")).toContain("every span priced: 280 from cost attributes, 89 from the price book.");
    const diff = await adtraceIn(["diff", input, `${FIXTURE}/zipkin.json`, "--format", "json"]);
    expect(diff.code, diff.stderr).toBe(0);
    expect(diff.stderr).toMatch(/^note: baseline: every span priced: 280 from cost attributes, 89 from the price book\.$/m);
    expect(diff.stderr).toMatch(/^note: current: every span priced: 280 from cost attributes, 89 from the price book\.$/m);
    const out = JSON.parse(diff.stdout);
    expect([out.baseline.cost_sources, out.current.cost_sources]).toEqual([sources, sources]);
  });

  it("says when some are unpriced, and never 'every span priced' then", async () => {
    // Without bytes attributes the BigQuery aggregates have no query cost: unpriced (they keep their compute).
    const config = writeTemp("no-bytes.yaml", "bytes_attributes: [no.such.attribute]\n");
    const r = await adtraceIn(["cost", "breakdown", input, "--config", config, "--format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).cost_sources).toEqual({ billed: 0, explicit: 280, price_book: 45, unpriced: 44 });
    expect(r.stderr).toMatch(/^note: 44 unpriced span\(s\): no cost attribute and nothing to price them by \(counted as \$0\); priced: 280 from cost attributes, 45 from the price book\./m);
    expect(r.stderr).not.toMatch(/every span priced/);
  });
});

describe("the same traces in every format", () => {
  it("give the same breakdown (to 12 significant digits: float sums differ in order)", async () => {
    const round = (v: unknown): unknown =>
      typeof v === "number" ? Number(v.toPrecision(12)) : Array.isArray(v) ? v.map(round) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, round(x)])) : v;
    const outs: unknown[] = [];
    for (const f of FORMATS) outs.push(round((await json(["cost", "breakdown", `${FIXTURE}/${f}`, "--by", "stage,service"])).groups));
    for (const out of outs.slice(1)) expect(out).toEqual(outs[0]);
  });

});

describe("breakdown add-up property", () => {
  it("groups' cost per event add up to the total and shares to 1, for every --by", async () => {
    const attributeKeys = ["user_locale", "ad.campaign_id", "device.type"];
    await withModelDb([`${FIXTURE}/otlp.jsonl`], async (db) => {
      for (const by of ["stage", "name", "service", "attr:user_locale", "attr:ad.campaign_id", "stage,attr:user_locale", "service,name,attr:device.type"]) {
        const r = await breakdown(db, { by: parseGroupKeys(by) });
        // Every grouping splits the fixture (an attribute the model dropped would read (none) throughout).
        expect(r.groups.length, by).toBeGreaterThan(by.includes(",") ? 7 : 2);
        const sum = r.groups.reduce((s, g) => s + g.cost_per_event_usd, 0);
        const shares = r.groups.reduce((s, g) => s + g.cost_share, 0);
        expect(sum, by).toBeCloseTo(r.totals.cost_per_event_usd, 12);
        expect(shares, by).toBeCloseTo(1, 12);
        expect(r.groups.reduce((s, g) => s + g.spans, 0), by).toBe(369);
      }
    }, undefined, { attributeKeys });
  });
});
