// The bundled fixture against its hand-checked totals (fixtures/auction/README.md), the same
// traces in all five formats, and the breakdown's add-up property for every --by.
import { readFileSync, writeFileSync, mkdtempSync, copyFileSync, mkdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { adtrace, FIXTURE } from "./helpers/cli.js";
import { withModelDb } from "./helpers/analysis.js";
import { breakdown, parseGroupKeys } from "../src/core/breakdown.js";

const FORMATS = ["otlp.jsonl", "jaeger.json", "zipkin.json", "spans.parquet", "spans.csv"];
const json = (args: string[]) => {
  const r = adtrace([...args, "--format", "json"]);
  expect(r.stderr).not.toMatch(/error/);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout);
};

describe("fixture totals (worked by hand in fixtures/auction/README.md)", () => {
  it("inspect counts", () => {
    const r = json(["inspect", `${FIXTURE}/otlp.jsonl`]);
    expect([r.spans, r.traces, r.roots, r.orphans, r.services, r.names, r.duplicates, r.skipped]).toEqual([369, 40, 40, 0, 7, 9, 0, 0]);
    expect(r.start).toBe("2024-05-01T12:00:01.500000Z");
  });

  it("breakdown by stage", () => {
    const r = json(["cost", "breakdown", `${FIXTURE}/otlp.jsonl`]);
    expect(r.events).toBe(40);
    expect(r.unpriced_spans).toBe(0);
    expect(r.total.cost_per_event_usd).toBeCloseTo(0.0010825, 12);
    expect(r.total.query_per_event_usd).toBeCloseTo(0.0008325, 12);
    const hand: Record<string, [number, number, number]> = {
      aggregation: [84, 0.0206 / 40, 0.0206 / 0.0433],
      tracking: [85, 0.0143 / 40, 0.0143 / 0.0433],
      inventory_lookup: [40, 0.00007, 0.0028 / 0.0433],
      auction: [40, 0.00006, 0.0024 / 0.0433],
      delivery: [40, 0.00004, 0.0016 / 0.0433],
      profiling: [40, 0.00003, 0.0012 / 0.0433],
      request: [40, 0.00001, 0.0004 / 0.0433],
    };
    expect(r.groups.map((g: { stage: string }) => g.stage)).toEqual(Object.keys(hand));
    for (const g of r.groups) {
      const [spans, perEvent, share] = hand[g.stage]!;
      expect(g.spans).toBe(spans);
      expect(g.events).toBe(40);
      expect(g.cost_per_event_usd).toBeCloseTo(perEvent, 12);
      expect(g.cost_share).toBeCloseTo(share, 12);
    }
    expect(r.groups[0].warehouse).toBe("bigquery");
    expect(r.groups[1].warehouse).toBe("snowflake");
  });

  it("flags aggregation and tracking, with --fail-on-flag exiting 1", () => {
    const r = adtrace(["cost", "flags", `${FIXTURE}/otlp.jsonl`, "--format", "json", "--fail-on-flag"]);
    expect(r.code).toBe(1);
    const flags = JSON.parse(r.stdout).flags;
    expect(flags.map((f: { stage: string; lever: string }) => [f.stage, f.lever])).toEqual([["aggregation", "preaggregate"], ["tracking", "cache"]]);
    expect(flags[0].warehouse_cost_share).toBeCloseTo(0.0198 / 0.0206, 12);
    expect(r.stderr).toMatch(/^adtrace: check failed: 2 warehouse-heavy stage\(s\) flagged$/m);
  });

  it("savings --suggest comes to 21.97% of the total", () => {
    const r = json(["savings", `${FIXTURE}/otlp.jsonl`, "--suggest", "--events-per-day", "1M"]);
    const total = r.rows.find((row: { lever: string }) => row.lever === "total");
    expect(total.savings_per_event_usd).toBeCloseTo(0.000237875, 12);
    expect(total.savings_pct_of_total).toBeCloseTo(0.000237875 / 0.0010825, 12);
    expect(total.savings_per_day_usd).toBeCloseTo(237.875, 6);
  });
});

describe("the same traces in every format", () => {
  it("give identical inspect output (but for the formats list)", () => {
    const outs = FORMATS.map((f) => {
      const { formats: _formats, top_services: _t, ...rest } = json(["inspect", `${FIXTURE}/${f}`]);
      return rest;
    });
    for (const out of outs.slice(1)) expect(out).toEqual(outs[0]);
  });

  it("give identical export rows (but for the source column)", () => {
    const dir = mkdtempSync(join(tmpdir(), "adtrace-export-"));
    const rows = FORMATS.map((f, i) => {
      const out = join(dir, `${i}.csv`);
      const r = adtrace(["export", `${FIXTURE}/${f}`, "--out", out, "-q"]);
      expect(r.code).toBe(0);
      const lines = readFileSync(out, "utf8").trim().split("\n");
      return lines.map((line) => line.replace(/,[^,]*$/, "")); // drop source, the last column
    });
    expect(rows[0]!.length).toBe(370);
    for (const r of rows.slice(1)) expect(r).toEqual(rows[0]);
  });

  it("give the same breakdown (to 12 significant digits: float sums differ in order)", () => {
    const round = (v: unknown): unknown =>
      typeof v === "number" ? Number(v.toPrecision(12)) : Array.isArray(v) ? v.map(round) : v && typeof v === "object" ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, round(x)])) : v;
    const outs = FORMATS.map((f) => round(json(["cost", "breakdown", `${FIXTURE}/${f}`, "--by", "stage,service"]).groups));
    for (const out of outs.slice(1)) expect(out).toEqual(outs[0]);
  });

  it("export reads back losslessly through the flat adapter", () => {
    const dir = mkdtempSync(join(tmpdir(), "adtrace-rt-"));
    for (const ext of ["parquet", "csv"]) {
      const out = join(dir, `spans.${ext}`);
      expect(adtrace(["export", `${FIXTURE}/otlp.jsonl`, "--out", out, "-q"]).code).toBe(0);
      const back = join(dir, `back-${ext}.csv`);
      expect(adtrace(["export", out, "--out", back, "-q"]).code).toBe(0);
      const original = join(dir, "original.csv");
      adtrace(["export", `${FIXTURE}/otlp.jsonl`, "--out", original, "-q"]);
      expect(readFileSync(back, "utf8")).toBe(readFileSync(original, "utf8"));
    }
  });

  it("loads gzip, directories (skipping unrelated files) and stdin", () => {
    const dir = mkdtempSync(join(tmpdir(), "adtrace-dir-"));
    writeFileSync(join(dir, "spans.jsonl.gz"), gzipSync(readFileSync(`${FIXTURE}/otlp.jsonl`)));
    expect(json(["inspect", join(dir, "spans.jsonl.gz")]).spans).toBe(369);
    mkdirSync(join(dir, "all"));
    for (const f of FORMATS) copyFileSync(`${FIXTURE}/${f}`, join(dir, "all", f));
    writeFileSync(join(dir, "all", "NOTES.txt"), "not spans\n");
    const all = json(["inspect", join(dir, "all")]);
    expect(all.spans).toBe(369);
    expect(all.duplicates).toBe(369 * 4);
    const stdin = adtrace(["inspect", "-", "--format", "json"], { input: readFileSync(`${FIXTURE}/zipkin.json`, "utf8") });
    expect(JSON.parse(stdin.stdout).spans).toBe(369);
  });

  it("re-loading into a database adds nothing and says so", () => {
    const db = join(mkdtempSync(join(tmpdir(), "adtrace-db-")), "x.duckdb");
    const first = adtrace(["load", `${FIXTURE}/otlp.jsonl`, "--db", db, "--format", "json"]);
    expect(JSON.parse(first.stdout).spansAdded).toBe(369);
    const again = adtrace(["load", `${FIXTURE}/jaeger.json`, "--db", db, "--format", "table"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/Nothing new: all 369 spans were already in/);
    expect(json(["inspect", "--db", db]).spans).toBe(369);
  });
});

describe("breakdown add-up property", () => {
  it("groups' cost per event add up to the total and shares to 1, for every --by", async () => {
    await withModelDb([`${FIXTURE}/otlp.jsonl`], async (db) => {
      for (const by of ["stage", "name", "service", "attr:user_locale", "attr:ad.campaign_id", "stage,attr:user_locale", "service,name,attr:device.type"]) {
        const r = await breakdown(db, { by: parseGroupKeys(by) });
        const sum = r.groups.reduce((s, g) => s + g.cost_per_event_usd, 0);
        const shares = r.groups.reduce((s, g) => s + g.cost_share, 0);
        expect(sum, by).toBeCloseTo(r.totals.cost_per_event_usd, 12);
        expect(shares, by).toBeCloseTo(1, 12);
        expect(r.groups.reduce((s, g) => s + g.spans, 0), by).toBe(369);
      }
    });
  });
});
