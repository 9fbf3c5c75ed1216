// `cost reconcile` over a ClickHouse source (issue 17), on the real engine in-process (chDB). The
// DuckDB path over the same spans as files, with the same --billing-file records, is the
// independent computation: every row, every total and the cost sources equal it to 1e-9 relative.
// One chDB directory holds two inputs far apart in time: the hand-worked billing fixture
// (fixtures/billing, January 2026) and 300 generated events sampled 1 in 2 (ot=th, June 2024)
// with the generator's own billing records; --since and --until pick either, and the whole table
// is both. Joins by id, by tag and (with --match-by-time) by time all occur; the fixture's bill
// that lies outside the spans' time range, and one written here that lies inside it but before the
// first warehouse span (untraced only when the range came back whole, not just the warehouse
// spans'), tell whether the time range is the range's.
import { beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adtraceIn } from "./helpers/in-process.js";
import { chdbWith, differences } from "./helpers/chdb.js";
import { withAnalysis } from "../src/analysis/analysis.js";
import { pricingSummary } from "../src/analysis/breakdown.js";
import { reconcile } from "../src/analysis/reconcile.js";
import { withClickHouse } from "../src/analysis/clickhouse.js";
import { clickhouseReconcile } from "../src/analysis/clickhouse-reconcile.js";
import { parseClickHouseSource } from "../src/ingest/clickhouse-source.js";
import { loadConfig } from "../src/model/config.js";
import type { ModelOptions } from "../src/model/install.js";

const FIXTURE = "fixtures/billing/traces.csv";
const FIXTURE_CONFIG = "fixtures/billing/adtrace.config.yaml";
const FIXTURE_BILLS = ["fixtures/billing/snowflake.csv", "fixtures/billing/bigquery.jsonl"];
// Between the generated spans (2024-06-01) and the fixture's (2026-01-01).
const BETWEEN = "2025-01-01T00:00:00Z";

const work = mkdtempSync(join(tmpdir(), "adtrace-ch-reconcile-"));
let generated = "";
let generatedBills: string[] = [];
let edgeBill = "";
let dir = "";
let rows = 0;

beforeAll(async () => {
  const { generate } = await import("../src/generate/generate.js");
  generated = join(work, "generated.jsonl");
  const { truth } = await generate({ events: 300, out: generated, seed: 5, billingOut: join(work, "bill"), sampleRate: 0.5 });
  generatedBills = [truth.billing!.files.snowflake, truth.billing!.files.bigquery];
  // 00:00:00.020–.040: after the fixture's first span starts (00:00:00.000), before its first warehouse span (00:00:00.100).
  edgeBill = join(work, "edge.csv");
  writeFileSync(edgeBill, "QUERY_ID,QUERY_TAG,WAREHOUSE_NAME,START_TIME,END_TIME,CREDITS_ATTRIBUTED_COMPUTE\n"
    + "01b2c3d4-0000-0100,,TRACKING_WH,2026-01-01 00:00:00.020 +0000,2026-01-01 00:00:00.040 +0000,0.2\n");
  ({ dir, rows } = await chdbWith([FIXTURE, generated]));
}, 600_000);

interface Case {
  name: string;
  inputs: () => string[];
  bills: () => string[];
  range: { since?: string; until?: string };
  config?: string;
  model?: ModelOptions;
  /** The untraced bills, counted by hand (fixtures/billing/README.md: 3, and the edge bill). */
  untraced?: number;
}

const CASES: Case[] = [
  { name: "the billing fixture (--since)", inputs: () => [FIXTURE], bills: () => FIXTURE_BILLS, range: { since: BETWEEN }, config: FIXTURE_CONFIG, untraced: 3 },
  {
    name: "the billing fixture and a bill before its first warehouse span", inputs: () => [FIXTURE], bills: () => [...FIXTURE_BILLS, edgeBill],
    range: { since: BETWEEN }, config: FIXTURE_CONFIG, untraced: 4,
  },
  { name: "generated, sampled (--until)", inputs: () => [generated], bills: () => generatedBills, range: { until: BETWEEN } },
  {
    name: "the whole table, every bill, --match-by-time", inputs: () => [FIXTURE, generated], bills: () => [...FIXTURE_BILLS, ...generatedBills],
    range: {}, model: { billing: { matchByTime: true } },
  },
];

describe("cost reconcile over ClickHouse (chDB) equals the DuckDB path", () => {
  it("row for row, the totals and the cost sources, on the fixture's and the generator's bills", async () => {
    let byTime = 0;
    for (const c of CASES) {
      const model = c.model ?? {};
      const local = await withAnalysis({ inputs: c.inputs(), billingFiles: c.bills(), config: c.config, model }, async (a) => ({
        result: await reconcile(a.db), pricing: await pricingSummary(a.db),
      }));
      const source = parseClickHouseSource([`chdb:${dir}`], c.range);
      const pushed = await withClickHouse(source, loadConfig(c.config), model, (s) => clickhouseReconcile(s, c.bills()));
      expect(differences(local.result, pushed.result), c.name).toEqual([]);
      expect(differences(local.pricing.cost_sources, pushed.pricing.cost_sources), c.name).toEqual([]);
      // Something to compare: joins by id and by tag, bills untraced, the fixture's bill out of range.
      const t = pushed.result.totals;
      expect(t.spans_by_id, c.name).toBeGreaterThan(0);
      expect(t.spans_by_tag, c.name).toBeGreaterThan(0);
      expect(t.untraced_bills, c.name).toBeGreaterThan(0);
      if (c.config === FIXTURE_CONFIG) expect(t.out_of_range_bills, c.name).toBe(1);
      if (c.untraced !== undefined) expect(t.untraced_bills, c.name).toBe(c.untraced);
      byTime += t.spans_by_time;
      // Only the spans reconcile reads came back, not the range.
      expect(pushed.spansReturned, c.name).toBeLessThan(rows);
    }
    expect(byTime).toBeGreaterThan(0);
  }, 600_000);

  it("through the CLI: the same JSON as over the span files; without --billing-file one line, exit 2", async () => {
    const bills = FIXTURE_BILLS.flatMap((f) => ["--billing-file", f]);
    const args = [...bills, "--config", FIXTURE_CONFIG, "--format", "json", "-q"];
    const local = await adtraceIn(["cost", "reconcile", FIXTURE, ...args]);
    const pushed = await adtraceIn(["cost", "reconcile", `chdb:${dir}`, "--since", BETWEEN, ...args]);
    expect(local.code, local.stderr).toBe(0);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stdout).toBe(local.stdout);

    const bare = await adtraceIn(["cost", "reconcile", `chdb:${dir}`]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe("");
    expect(bare.stderr.trim().split("\n")).toHaveLength(1);
    expect(bare.stderr).toMatch(/no billing records: a ClickHouse source holds spans only; give --billing-file FILE/);
  }, 600_000);
});
