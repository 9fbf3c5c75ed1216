// `cost trend`, `trace ID` and `cost critical-path` over a ClickHouse source (issue 17), on the
// real engine in-process (chDB). The DuckDB path over the same spans as files is the independent
// computation. cost trend's per-bucket sums and p95s are pushed down (queries/clickhouse_trend.sql):
// every figure, band and drift equals the local result to 1e-9 relative, on the fixture, on
// generated data across many buckets (with drifts up and down), on sampled data (ot=th) and with
// weights that differ (--sample-rate), for --by, --every and --baseline. trace ID brings back one
// trace's spans (WHERE TraceId = a bound id) into a local DuckDB and draws it there: the same
// waterfall as over files, exactly. cost critical-path walks a bounded sample of whole events
// locally: with the range within it, equal to the local path; past it, the events DuckDB's own MD5
// key picks, and the output says so. The chDB copies are made once for the file.
import { beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adtrace } from "./helpers/cli.js";
import { chdbDatasets, differences } from "./helpers/chdb.js";
import { grouped, withAnalysis } from "../src/analysis/analysis.js";
import { withClickHouse } from "../src/analysis/clickhouse.js";
import { clickhouseTrend } from "../src/analysis/clickhouse-trend.js";
import { clickhouseCriticalPath, clickhouseTrace } from "../src/analysis/clickhouse-events.js";
import { costCriticalPath } from "../src/analysis/path-cost.js";
import { criticalPathView } from "../src/output/path-views.js";
import { Db } from "../src/db/db.js";
import { loadInputs } from "../src/ingest/load.js";
import { traceWaterfall } from "../src/analysis/trace.js";
import { trend, type TrendOptions } from "../src/analysis/trend.js";
import type { GroupKey } from "../src/analysis/breakdown.js";
import { parseClickHouseSource } from "../src/ingest/clickhouse-source.js";
import { defaultConfig } from "../src/model/config.js";
import { installModel, type ModelOptions } from "../src/model/install.js";

const work = mkdtempSync(join(tmpdir(), "adtrace-ch-events-"));
const data: Record<string, { input: string; dir: string }> = {};
const SECOND = 1_000_000_000n;
const HOUR = 3600n * SECOND;

beforeAll(async () => {
  await chdbDatasets(work, data);
}, 600_000);

describe("cost trend pushed down to ClickHouse (chDB) equals the DuckDB path", () => {
  const attr = (key: string): GroupKey => ({ kind: "attr", key });
  // Weights that differ (auction spans kept 1 in 2): the weighted p95s.
  const halved: ModelOptions = { sampleRates: [{ match: { name: "auction.*" }, rate: 0.5 }] };
  const cases: [string, TrendOptions, ModelOptions?][] = [
    ["fixture", { everyNs: SECOND }],
    ["fixture", { everyNs: 5n * SECOND, baselineNs: 20n * SECOND, by: [{ kind: "stage" }] }],
    ["generated", { everyNs: HOUR }],
    ["generated", { everyNs: 15n * 60n * SECOND, by: [{ kind: "stage" }] }],
    ["generated", { everyNs: HOUR, baselineNs: 4n * HOUR, by: [{ kind: "stage" }, { kind: "service" }, attr("user_locale")] }],
    ["sampled", { everyNs: HOUR }],
    ["sampled", { everyNs: 2n * HOUR, by: [{ kind: "stage" }, attr("device.type")] }],
    ["generated", { everyNs: HOUR }, halved],
    ["generated", { everyNs: 2n * HOUR, by: [{ kind: "stage" }] }, halved],
  ];

  it("every bucket's events, cost per event, p95, band and drift, and the totals, for --every, --by and --baseline", async () => {
    let drifted = 0;
    for (const [name, options, model = {}] of cases) {
      const { input, dir } = data[name]!;
      const tag = `${name} ${JSON.stringify({ ...options, ...model }, (_k, v) => (typeof v === "bigint" ? String(v) : v))}`;
      const by = options.by ?? [];
      const local = await withAnalysis({ ...grouped({ model }, by), inputs: [input] }, (a) => trend(a.db, { ...options, by: a.by }));
      const pushed = await withClickHouse(parseClickHouseSource([`chdb:${dir}`]), defaultConfig(), model, (s) => clickhouseTrend(s, options));
      expect(differences(local, pushed), tag).toEqual([]);
      if (model.sampleRates) expect(pushed.weights.min_weight, tag).not.toBe(pushed.weights.max_weight);
      // Something to compare: several buckets with events and a p95, a band.
      const rows = pushed.groups.flatMap((g) => g.rows);
      expect(pushed.buckets, tag).toBeGreaterThan(3);
      expect(rows.filter((r) => r.events > 0 && r.p95_ms !== null).length, tag).toBeGreaterThan(3);
      expect(rows.some((r) => r.band_high_usd !== null), tag).toBe(true);
      if (by.length) expect(pushed.groups.length, tag).toBeGreaterThan(3);
      drifted += rows.filter((r) => r.drift === "up" || r.drift === "down").length;
    }
    expect(drifted).toBeGreaterThan(0);
    // The sampled data is weighted (1 in 4 kept): its events count 4 each.
    const sampled = await withClickHouse(parseClickHouseSource([`chdb:${data.sampled!.dir}`]), defaultConfig(), {}, (s) => clickhouseTrend(s, { everyNs: HOUR }));
    expect(sampled.totals.events).toBe(4 * sampled.weights.stored_traces);
  }, 600_000);

  it("the CLI: the same JSON as over the span files, --since on the source; a mistyped key exits 2, named", () => {
    const { input, dir } = data.generated!;
    const args = ["--every", "1h", "--by", "stage", "--sample-rate", "auction.*=0.5", "--format", "json"];
    const local = adtrace(["cost", "trend", input, ...args]);
    const pushed = adtrace(["cost", "trend", `chdb:${dir}`, ...args]);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(local.code, local.stderr).toBe(0);
    expect(differences(JSON.parse(local.stdout), JSON.parse(pushed.stdout))).toEqual([]);
    // --since bounds the range: the first bucket starts at it.
    const since = adtrace(["cost", "trend", `chdb:${dir}`, "--every", "1h", "--since", "2024-06-01T12:00:00Z", "--format", "csv"]);
    expect(since.code, since.stderr).toBe(0);
    expect(since.stdout.split("\n")[1]).toMatch(/^2024-06-01T12:00:00Z,/);
    // The same line as over files (assertAttributeKeysPresent).
    const typo = adtrace(["cost", "trend", `chdb:${dir}`, "--every", "1h", "--by", "attr:user_locle"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe("adtrace: error: --by: no attribute 'user_locle' on these spans (did you mean 'attr:user_locale'?)\n");
    expect(typo.stdout).toBe("");
  }, 300_000);
});

describe("trace ID over a ClickHouse source (chDB): that trace's spans brought back whole, drawn locally", () => {
  const picks = ["costliest", "median"] as const;

  it("the same waterfall as over the span files, for traces named in full, by a prefix (unique or shared) and in capitals; an unknown id answered alike", async () => {
    let ambiguous = 0;
    for (const name of ["fixture", "generated", "sampled"]) {
      const { input, dir } = data[name]!;
      const source = parseClickHouseSource([`chdb:${dir}`]);
      // The traces to name: the local path's picks (found independently of the ClickHouse path).
      await withAnalysis({ inputs: [input] }, async (a) => {
        const local = (given: string) => traceWaterfall(a.db, { traceId: given }, "LABEL").then((r) => r, (e: Error) => e.message.replace("LABEL", source.label));
        const ids: string[] = [];
        for (const pick of picks) ids.push((await traceWaterfall(a.db, { pick }, a.label)).trace_id);
        const [first] = ids as [string];
        await withClickHouse(source, defaultConfig(), {}, async (s) => {
          for (const given of [...ids, first.slice(0, 12), first.toUpperCase(), `${first.slice(0, 3)}zz`]) {
            {
              const expected = await local(given);
              const pushed = await clickhouseTrace(s, given).then((r) => r, (e: Error) => e.message);
              expect(differences(expected, pushed), `${name} ${given}`).toEqual([]);
              if (typeof expected === "string") {
                expect(expected, given).toMatch(/no trace '.*'; nearest by prefix: |is ambiguous/);
                if (expected.includes("ambiguous")) ambiguous++;
                continue;
              }
              // Something to compare: a tree with a critical path and a cost.
              expect(expected.spans.length, name).toBeGreaterThan(3);
              expect(expected.spans.some((r) => r.critical && r.parent_span_id !== null), name).toBe(true);
              expect(expected.cost_usd, name).toBeGreaterThan(0);
            }
          }
        });
      });
    }
    // The fixture's ids share their first 12 characters.
    expect(ambiguous).toBeGreaterThan(0);
  }, 600_000);

  it("the CLI: the same CSV bytes as over the span files; --pick is refused (exit 2)", () => {
    const { input, dir } = data.generated!;
    const id = JSON.parse(adtrace(["trace", "--pick", "slowest", input, "--format", "json", "-q"]).stdout).trace_id as string;
    const local = adtrace(["trace", id, input, "--format", "csv", "-q"]);
    const pushed = adtrace(["trace", id, `chdb:${dir}`, "--format", "csv", "-q"]);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stdout).toBe(local.stdout);
    expect(pushed.stdout.split("\n").length).toBeGreaterThan(5);
    const pick = adtrace(["trace", "--pick", "slowest", `chdb:${dir}`]);
    expect(pick.code).toBe(2);
    expect(pick.stderr).toContain("--pick is not supported with a ClickHouse source yet");
  }, 300_000);
});

describe("cost critical-path over a ClickHouse source (chDB): walked locally on a sample of whole events", () => {
  it("with the range within the sample: every event walked, equal to the DuckDB path (by stage, and by stage, service and an attribute)", async () => {
    for (const name of ["fixture", "generated", "sampled"]) {
      const { input, dir } = data[name]!;
      for (const by of [[{ kind: "stage" }], [{ kind: "stage" }, { kind: "service" }, { kind: "attr", key: "user_locale" }]] as GroupKey[][]) {
        const tag = `${name} ${by.map((k) => (k.kind === "attr" ? k.key : k.kind)).join(",")}`;
        const options = { by, costlyShare: 0.2, criticalShare: 0.4 };
        const analysis = grouped({ model: {} as ModelOptions }, by);
        const local = await withAnalysis({ ...analysis, inputs: [input] }, (a) => costCriticalPath(a.db, { ...options, by: a.by }));
        const { path_sample, ...pushed } = await withClickHouse(parseClickHouseSource([`chdb:${dir}`]), defaultConfig(), analysis.model, (s) => clickhouseCriticalPath(s, options));
        expect(differences(local, pushed), tag).toEqual([]);
        expect(path_sample, tag).toEqual({ events: local.weights.stored_traces, of_events: local.weights.stored_traces });
        // Something to compare: groups on and off the path.
        expect(pushed.groups.length, tag).toBeGreaterThan(3);
        expect(pushed.groups.some((g) => g.on_path_share > 0), tag).toBe(true);
        expect(pushed.groups.some((g) => g.on_path_share < 1), tag).toBe(true);
      }
    }
  }, 600_000);

  it("past the sample: the events DuckDB's own MD5 key picks, walked, and the output says 'estimated from N of M events'", async () => {
    const { input, dir } = data.generated!;
    // The same 100 trace ids, chosen here with DuckDB's md5 over the span files, and the local walk over only them.
    const expected = await withAnalysis({ inputs: [input] }, async (a) => {
      const ids = (await a.db.all(`SELECT trace_id FROM spans GROUP BY trace_id
        ORDER BY CAST('0x' || left(md5(trace_id), 16) AS UBIGINT) >> 11 DESC, trace_id LIMIT 100`)).map((r) => String(r.trace_id));
      const db = await Db.open();
      try {
        await loadInputs(db, { inputs: [input] });
        await db.exec("DELETE FROM spans WHERE trace_id NOT IN (SELECT unnest($ids))", { ids });
        await installModel(db, defaultConfig());
        return await costCriticalPath(db, {});
      } finally {
        db.close();
      }
    });
    expect(expected.weights.stored_traces).toBe(100);
    const { path_sample, ...pushed } = await withClickHouse(parseClickHouseSource([`chdb:${dir}`]), defaultConfig(), {}, (s) => clickhouseCriticalPath(s, { sampleEvents: 100 }));
    expect(differences(expected, pushed)).toEqual([]);
    expect(path_sample).toEqual({ events: 100, of_events: 400 });
    const view = criticalPathView({ ...pushed, path_sample }, { label: "chdb" });
    expect(view.notes?.filter((n) => n.startsWith("Every figure is estimated from 100 of 400 events"))).toHaveLength(1);
    expect((view.json as { path_sample?: unknown }).path_sample).toEqual({ events: 100, of_events: 400 });
    const whole = criticalPathView({ ...pushed, path_sample: { events: 400, of_events: 400 } }, { label: "chdb" });
    expect(whole.notes?.some((n) => n.includes("estimated from"))).toBe(false);
    expect((whole.json as { path_sample?: unknown }).path_sample).toBeUndefined();
  }, 600_000);

  it("the CLI: the same CSV bytes as over the span files", () => {
    const { input, dir } = data.fixture!;
    const local = adtrace(["cost", "critical-path", input, "--by", "stage,service", "--format", "csv", "-q"]);
    const pushed = adtrace(["cost", "critical-path", `chdb:${dir}`, "--by", "stage,service", "--format", "csv", "-q"]);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stdout).toBe(local.stdout);
    expect(pushed.stdout.split("\n").length).toBeGreaterThan(5);
  }, 300_000);
});
