// Savings with bounded memory (issue 16): the interval's moments are summed in SQL
// (savings.moments) and the latency model re-times a weighted sample of events past
// --latency-sample. Checked against a second formulation: per-event costs read the old way
// (cost.event_group_costs) and the interval worked in JavaScript (meanInterval); and a weighted
// sample's p95 against the p95 of the weighted population, which an unweighted sample misses.
import { describe, expect, it } from "vitest";
import { withModelDb } from "./helpers/analysis.js";
import { adtraceIn } from "./helpers/in-process.js";
import { writeTemp, otlpDocument, spanId, traceId, type TestSpan } from "./helpers/otlp.js";
import { adtrace } from "./helpers/cli.js";
import { parseConfig } from "../src/model/config.js";
import { keyParams } from "../src/analysis/breakdown.js";
import { meanInterval, parseLever, savings, type LeverSpec } from "../src/analysis/savings.js";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

describe("savings' moments in SQL = the interval worked per event in JavaScript", () => {
  it("on generated, head-sampled data, for levers that compose on one stage and span two", async () => {
    const dir = mkdtempSync(join(tmpdir(), "adtrace-moments-"));
    const files = [["21", "0.5"], ["22", "1"]].map(([seed, rate]) => {
      const out = join(dir, `g${seed}.jsonl`);
      expect(adtrace(["generate", "--events", "400", "--seed", seed!, "--sample-rate", rate!, "--out", out, "-q"]).stderr).toBe("");
      return out;
    });
    // And 50 events of one request span: no tracking, no aggregation, so the levers' per-event
    // terms for absent stages (the rollup refresh every event pays) count too.
    const bare: TestSpan[] = Array.from({ length: 50 }, (_, i) => ({ trace: traceId(0xbeef00 + i), id: spanId(1), name: "bid.request", startMs: i, durationMs: 5, attrs: { "cost.usd": "0.00001" } }));
    files.push(writeTemp("bare-events.json", otlpDocument(bare)));
    const config = parseConfig("events_per_day: 1M\npreaggregate:\n  refresh_cost_usd: 40\n  refreshes_per_day: 24\n", "refresh.yaml");
    const levers: LeverSpec[] = [parseLever("cache", "tracking=0.6:0.000001"), parseLever("preagg", "aggregation=0.7"), parseLever("tune", "tracking=0.2")];
    await withModelDb(files, async (db) => {
      expect(Number(await db.scalar("SELECT count(*) FROM event_weights WHERE trace_id NOT IN (SELECT trace_id FROM costed_spans WHERE stage = 'aggregation')"))).toBe(50);
      const result = await savings(db, { scenarios: [{ name: "s", levers }], config });
      // The second formulation: every event's cost per stage, then each lever's per-event saving.
      const rows = await db.query("cost.event_group_costs", keyParams([{ kind: "stage" }]));
      const events = new Map<string, { weight: number; stages: Map<string, number[]> }>();
      for (const r of rows) {
        const id = String(r.trace_id);
        const e = events.get(id) ?? { weight: Number(r.w), stages: new Map() };
        events.set(id, e);
        e.stages.set(String(r.g1), []);
      }
      const split = await db.all(`SELECT c.trace_id, c.stage, sum(compute_usd * weight) / any_value(ew.w) AS cc, sum(query_usd * weight) / any_value(ew.w) AS cq
        FROM costed_spans c JOIN event_weights ew USING (trace_id) GROUP BY ALL`);
      for (const r of split) events.get(String(r.trace_id))!.stages.set(String(r.stage), [Number(r.cc), Number(r.cq)]);
      const list = [...events.values()];
      expect(new Set(list.map((e) => e.weight)).size).toBe(2);
      // Each lever's map of (compute, query) per event, composed by hand: cache 60% at $1e-6 a hit
      // then tune 20% on tracking; pre-aggregation 70% of aggregation's query cost plus the refresh.
      const refresh = (config.preaggregate.refresh_cost_usd * config.preaggregate.refreshes_per_day) / config.events_per_day;
      const cost = (e: { stages: Map<string, number[]> }, stage: string) => e.stages.get(stage);
      const cacheSave = (e: typeof list[0]) => { const c = cost(e, "tracking"); return c ? 0.6 * (c[0]! + c[1]!) - 0.6 * 0.000001 : 0; };
      const preaggSave = (e: typeof list[0]) => { const c = cost(e, "aggregation"); return (c ? 0.7 * c[1]! : 0) - refresh; };
      const tuneSave = (e: typeof list[0]) => { const c = cost(e, "tracking"); return c ? 0.2 * (0.4 * (c[0]! + c[1]!) + 0.6 * 0.000001) : 0; };
      const expected = [cacheSave, preaggSave, tuneSave].map((f) => meanInterval(list.map(f), list));
      expected.push(meanInterval(list.map((e) => cacheSave(e) + preaggSave(e) + tuneSave(e)), list));
      const perDay = config.events_per_day;
      result.rows.forEach((row, i) => {
        const want = expected[i]!;
        expect(Math.abs(row.savings_per_event_usd - want.mean) / Math.abs(want.mean), `${row.lever} mean`).toBeLessThan(1e-9);
        expect(Math.abs(row.ci95_low_per_day_usd - want.low * perDay) / Math.abs(want.low * perDay), `${row.lever} low`).toBeLessThan(1e-9);
        expect(Math.abs(row.ci95_high_per_day_usd - want.high * perDay) / Math.abs(want.high * perDay), `${row.lever} high`).toBeLessThan(1e-9);
        expect(row.ci95_high_per_day_usd).toBeGreaterThan(row.ci95_low_per_day_usd);
      });
      expect(result.latency_sampled).toBe(false);
      expect(result.latency_events).toBe(list.length);
    }, config);
  }, 120_000);
});

describe("the latency model past --latency-sample", () => {
  // 500 light events (kept 1 in 1) lasting 100 ms and 500 heavy ones (kept 1 in 99) lasting
  // 10 ms: the heavy ones are 99% of the weighted events, so the p95 of all of them is 10 ms.
  // A sample that ignored the weights would hold half light events and give 100 ms.
  const spans: TestSpan[] = [];
  for (let i = 0; i < 1000; i++) {
    const heavy = i % 2 === 1;
    spans.push({
      trace: traceId(i + 1), id: spanId(1), name: "tracking.lookup", startMs: i, durationMs: heavy ? 10 : 100,
      attrs: { sampleRate: heavy ? "99" : "1", "cost.usd": "0.001" },
    });
  }
  const file = writeTemp("weighted-latency.json", otlpDocument(spans));

  it("re-times a sample weighted by sampling weight, and says so", async () => {
    const sampled = await adtraceIn(["savings", file, "--tune", "tracking=0.1", "--latency-sample", "200", "--format", "json"]);
    expect(sampled.code).toBe(0);
    const json = JSON.parse(sampled.stdout);
    expect(json.latency_events).toBe(200);
    expect(json.latency_sampled).toBe(true);
    expect(json.rows[0].e2e_p95_ms_before).toBe(10);
    const table = await adtraceIn(["savings", file, "--tune", "tracking=0.1", "--latency-sample", "200", "--format", "table"]);
    expect(table.stderr + table.stdout).toMatch(/over 200 events \(a deterministic sample weighted by sampling weight/);
    // Every event re-timed: the weighted p95 over all of them, the same 10 ms.
    const all = JSON.parse((await adtraceIn(["savings", file, "--tune", "tracking=0.1", "--format", "json"])).stdout);
    expect(all.latency_events).toBe(1000);
    expect(all.latency_sampled).toBe(false);
    expect(all.rows[0].e2e_p95_ms_before).toBe(10);
    // The same sample every run.
    expect((await adtraceIn(["savings", file, "--tune", "tracking=0.1", "--latency-sample", "200", "--format", "json"])).stdout).toBe(sampled.stdout);
  }, 60_000);

  it("--latency-sample takes a whole number ≥ 1", async () => {
    for (const bad of ["0", "-3", "1.5", "many"]) {
      const r = await adtraceIn(["savings", file, "--tune", "tracking=0.1", "--latency-sample", bad]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toMatch(/--latency-sample expects a whole number/);
    }
  });
});
