// `cost trend`, `trace ID` and `cost critical-path` over a ClickHouse source (issue 17), on the
// real engine in-process (chDB). The DuckDB path over the same spans as files is the independent
// computation. cost trend's per-bucket sums and p95s are pushed down (queries/clickhouse_trend.sql):
// every figure, band and drift equals the local result to 1e-9 relative, on the fixture, on
// generated data across many buckets (with drifts up and down), on sampled data (ot=th) and with
// weights that differ (--sample-rate), for --by, --every and --baseline. trace brings back one
// trace's spans (WHERE TraceId = a bound id; --pick chosen by a pushed-down statement) into a local
// DuckDB and draws it there: the same trace and waterfall as over files, exactly. cost critical-path walks a bounded sample of whole events
// locally: with the range within it, equal to the local path; past it, the events DuckDB's own MD5
// key picks, and the output says so. The chDB copies are made once for the file.
import { beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adtrace } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";
import { chdbDatasets, differences, expectRefusal, expectSameJson } from "./helpers/chdb.js";
import { grouped, withAnalysis } from "../src/analysis/analysis.js";
import { withClickHouse } from "../src/analysis/clickhouse.js";
import { clickhouseTrend } from "../src/analysis/clickhouse-trend.js";
import { clickhouseCriticalPath, clickhouseTrace } from "../src/analysis/clickhouse-events.js";
import { costCriticalPath } from "../src/analysis/path-cost.js";
import { criticalPathView } from "../src/output/path-views.js";
import { Db } from "../src/db/db.js";
import { loadInputs } from "../src/ingest/load.js";
import { PICKS, traceWaterfall, type TraceOptions } from "../src/analysis/trace.js";
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
    ["fixture", { everyNs: 5n * SECOND, baselineNs: 20n * SECOND, by: [{ kind: "stage" }] }],
    ["generated", { everyNs: HOUR }],
    ["generated", { everyNs: 15n * 60n * SECOND, by: [{ kind: "stage" }] }],
    ["generated", { everyNs: HOUR, baselineNs: 4n * HOUR, by: [{ kind: "stage" }, { kind: "service" }, attr("user_locale")] }],
    ["sampled", { everyNs: 2n * HOUR, by: [{ kind: "stage" }, attr("device.type")] }],
    ["generated", { everyNs: HOUR }, halved],
    ["generated", { everyNs: 2n * HOUR, by: [{ kind: "stage" }] }, halved],
  ];

  it("every bucket's events, cost per event, p95, band and drift, and the totals, for --every, --by and --baseline", async () => {
    let drifted = 0;
    // One session each way per data set and model, every grouping of its cases in it (the local
    // model keeps every attribute key they read).
    const sessions = new Map<string, [string, TrendOptions, ModelOptions][]>();
    for (const [name, options, model = {}] of cases) {
      const key = `${name} ${JSON.stringify(model)}`;
      sessions.set(key, [...(sessions.get(key) ?? []), [name, options, model]]);
    }
    for (const group of sessions.values()) {
      const [name, , model] = group[0]!;
      const { input, dir } = data[name]!;
      const by = group.flatMap(([, options]) => options.by ?? []);
      const locals = await withAnalysis({ ...grouped({ model }, by), inputs: [input] }, async (a) => {
        const out = [];
        for (const [, options] of group) out.push(await trend(a.db, options));
        return out;
      });
      const pusheds = await withClickHouse(parseClickHouseSource([`chdb:${dir}`]), defaultConfig(), model, async (s) => {
        const out = [];
        for (const [, options] of group) out.push(await clickhouseTrend(s, options));
        return out;
      });
      group.forEach(([, options], i) => {
        const local = locals[i]!;
        const pushed = pusheds[i]!;
        const tag = `${name} ${JSON.stringify({ ...options, ...model }, (_k, v) => (typeof v === "bigint" ? String(v) : v))}`;
        expect(differences(local, pushed), tag).toEqual([]);
        if (model.sampleRates) expect(pushed.weights.min_weight, tag).not.toBe(pushed.weights.max_weight);
        // Something to compare: several buckets with events and a p95, a band.
        const rows = pushed.groups.flatMap((g) => g.rows);
        expect(pushed.buckets, tag).toBeGreaterThan(3);
        expect(rows.filter((r) => r.events > 0 && r.p95_ms !== null).length, tag).toBeGreaterThan(3);
        expect(rows.some((r) => r.band_high_usd !== null), tag).toBe(true);
        if (options.by?.length) expect(pushed.groups.length, tag).toBeGreaterThan(3);
        drifted += rows.filter((r) => r.drift === "up" || r.drift === "down").length;
        // The sampled data is weighted (1 in 4 kept): its events count 4 each.
        if (name === "sampled") expect(pushed.totals.events, tag).toBe(4 * pushed.weights.stored_traces);
      });
    }
    expect(drifted).toBeGreaterThan(0);
  }, 600_000);

  it("a statement attribute is refused (--by attr:db.statement): the local path groups it by fingerprint, and no raw statement may reach an output", async () => {
    for (const key of ["db.statement", "db.query.text"]) {
      const refused = await withClickHouse(parseClickHouseSource([`chdb:${data.generated!.dir}`]), defaultConfig(), {}, (s) =>
        clickhouseTrend(s, { everyNs: HOUR, by: [attr(key)] }).then(() => "", (e: Error) => e.message));
      expect(refused).toBe(`--by attr:${key} is not supported with a ClickHouse source yet (use adtrace cost queries for statements by fingerprint)`);
    }
  }, 300_000);

  // In-process (test/helpers/in-process.ts), the built CLI as a child only for the exit code.
  it("the CLI: the same JSON as over the span files, --since on the source; a mistyped key exits 2, named", async () => {
    const { input, dir } = data.generated!;
    const args = ["--every", "1h", "--by", "stage", "--sample-rate", "auction.*=0.5", "--format", "json"];
    await expectSameJson(["cost", "trend"], input, dir, args);
    // --since bounds the range: the first bucket starts at it.
    const since = await adtraceIn(["cost", "trend", `chdb:${dir}`, "--every", "1h", "--since", "2024-06-01T12:00:00Z", "--format", "csv"]);
    expect(since.code, since.stderr).toBe(0);
    expect(since.stdout.split("\n")[1]).toMatch(/^2024-06-01T12:00:00Z,/);
    // The same line as over files (assertAttributeKeysPresent).
    const typo = adtrace(["cost", "trend", `chdb:${dir}`, "--every", "1h", "--by", "attr:user_locle"]);
    expectRefusal(typo, "adtrace: error: --by: no attribute 'user_locle' on these spans (did you mean 'attr:user_locale'?)\n");
  }, 300_000);
});

describe("trace over a ClickHouse source (chDB): one trace's spans brought back whole, drawn locally", () => {
  it("--pick chooses the same trace and draws the same waterfall as over the span files; an id in full, by a prefix (unique or shared), in capitals, unknown: answered alike", async () => {
    let ambiguous = 0;
    for (const name of ["fixture", "generated", "sampled"]) {
      const { input, dir } = data[name]!;
      const source = parseClickHouseSource([`chdb:${dir}`]);
      await withAnalysis({ inputs: [input] }, async (a) => {
        const local = (options: TraceOptions) => traceWaterfall(a.db, options, "LABEL").then((r) => r, (e: Error) => e.message.replace("LABEL", source.label));
        await withClickHouse(source, defaultConfig(), {}, async (s) => {
          const pushed = (options: TraceOptions) => clickhouseTrace(s, options).then((r) => r, (e: Error) => e.message);
          const ids: string[] = [];
          for (const pick of PICKS) {
            const expected = await local({ pick });
            expect(differences(expected, await pushed({ pick })), `${name} --pick ${pick}`).toEqual([]);
            if (typeof expected === "string") throw new Error(expected);
            ids.push(expected.trace_id);
            // Something to compare: a tree with a critical path and a cost.
            expect(expected.spans.length, name).toBeGreaterThan(3);
            expect(expected.spans.some((r) => r.critical && r.parent_span_id !== null), name).toBe(true);
            expect(expected.cost_usd, name).toBeGreaterThan(0);
          }
          const first = ids[0]!;
          for (const traceId of [first, first.slice(0, 12), first.toUpperCase(), `${first.slice(0, 3)}zz`]) {
            const expected = await local({ traceId });
            expect(differences(expected, await pushed({ traceId })), `${name} ${traceId}`).toEqual([]);
            if (typeof expected === "string") {
              expect(expected, traceId).toMatch(/no trace '.*'; nearest by prefix: |is ambiguous/);
              if (expected.includes("ambiguous")) ambiguous++;
            } else expect(expected.trace_id).toBe(first);
          }
        });
      });
    }
    // The fixture's ids share their first 12 characters.
    expect(ambiguous).toBeGreaterThan(0);
  }, 600_000);

  it("the CLI: the same CSV bytes as over the span files", async () => {
    const { input, dir } = data.generated!;
    const local = await adtraceIn(["trace", "--pick", "median", input, "--format", "csv", "-q"]);
    const pushed = await adtraceIn(["trace", "--pick", "median", `chdb:${dir}`, "--format", "csv", "-q"]);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stdout).toBe(local.stdout);
    expect(pushed.stdout.split("\n").length).toBeGreaterThan(5);
  }, 300_000);
});

describe("cost critical-path over a ClickHouse source (chDB): walked locally on a sample of whole events", () => {
  it("with the range within the sample: every event walked, equal to the DuckDB path (by stage, and by stage, service and an attribute)", async () => {
    const groupings = [[{ kind: "stage" }], [{ kind: "stage" }, { kind: "service" }, { kind: "attr", key: "user_locale" }]] as GroupKey[][];
    // One session each way per data set, both groupings in it (the local model keeps the attribute they read).
    const analysis = grouped({ model: {} as ModelOptions }, groupings.flat());
    for (const name of ["fixture", "generated", "sampled"]) {
      const { input, dir } = data[name]!;
      const options = (by: GroupKey[]) => ({ by, costlyShare: 0.2, criticalShare: 0.4 });
      const locals = await withAnalysis({ ...analysis, inputs: [input] }, async (a) => {
        const out = [];
        for (const by of groupings) out.push(await costCriticalPath(a.db, options(by)));
        return out;
      });
      const pusheds = await withClickHouse(parseClickHouseSource([`chdb:${dir}`]), defaultConfig(), analysis.model, async (s) => {
        const out = [];
        for (const by of groupings) out.push(await clickhouseCriticalPath(s, options(by)));
        return out;
      });
      for (const [i, by] of groupings.entries()) {
        const tag = `${name} ${by.map((k) => (k.kind === "attr" ? k.key : k.kind)).join(",")}`;
        const local = locals[i]!;
        const { path_sample, ...pushed } = pusheds[i]!;
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

  it("the CLI: the same CSV bytes as over the span files", async () => {
    const { input, dir } = data.fixture!;
    const local = await adtraceIn(["cost", "critical-path", input, "--by", "stage,service", "--format", "csv", "-q"]);
    const pushed = await adtraceIn(["cost", "critical-path", `chdb:${dir}`, "--by", "stage,service", "--format", "csv", "-q"]);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stdout).toBe(local.stdout);
    expect(pushed.stdout.split("\n").length).toBeGreaterThan(5);
  }, 300_000);
});
