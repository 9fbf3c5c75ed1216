// `cost flags` pushed down to ClickHouse (issue 17), on the real engine in-process (chDB): the
// stage profiles, flags, levers, estimates and on-path shares equal the DuckDB path's to 1e-9
// relative on the fixture, on generated data and on sampled generated data (ot=th). The on-path
// shares come from the critical-path walk run locally on a sample of whole events pulled back from
// the engine: with fewer events than the sample, all of them (so equal to the local path); with
// more, the events whose MD5 trace-id key is largest: the same trace ids as DuckDB selects over the
// span files with its own md5, every span of each, and the walk's shares over them.
import { beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adtrace } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";
import { chdbDatasets, differences } from "./helpers/chdb.js";
import { withAnalysis } from "../src/analysis/analysis.js";
import { costFlags } from "../src/analysis/flags.js";
import { onPathShareByStage } from "../src/analysis/path-cost.js";
import { withClickHouse } from "../src/analysis/clickhouse.js";
import { clickhouseFlags } from "../src/analysis/clickhouse-flags.js";
import { withLocalSample } from "../src/analysis/clickhouse-sample.js";
import { parseClickHouseSource } from "../src/ingest/clickhouse-source.js";
import { defaultConfig } from "../src/model/config.js";
import { installModel } from "../src/model/install.js";
import { Db } from "../src/db/db.js";
import { loadInputs } from "../src/ingest/load.js";

const FIXTURE = "fixtures/auction/otlp.jsonl";
const work = mkdtempSync(join(tmpdir(), "adtrace-ch-flags-"));
const data: Record<string, { input: string; dir: string }> = {};

beforeAll(async () => {
  await chdbDatasets(work, data);
}, 600_000);

describe("cost flags pushed down to ClickHouse (chDB) equals the DuckDB path", () => {
  it("on the fixture, generated and sampled data: profiles, flags, levers, estimates, on-path shares, weights", async () => {
    for (const name of ["fixture", "generated", "sampled"]) {
      const { input, dir } = data[name]!;
      const local = await withAnalysis({ inputs: [input] }, (a) => costFlags(a.db, a.config));
      const { on_path_sample, ...pushed } = await withClickHouse(parseClickHouseSource([`chdb:${dir}`]), defaultConfig(), {}, (s) => clickhouseFlags(s));
      expect(differences(local, pushed), name).toEqual([]);
      // Something to compare: stages flagged, with a top query, and a share on the path.
      expect(pushed.flags.length, name).toBeGreaterThan(0);
      expect(pushed.flags.some((f) => f.top_query !== null), name).toBe(true);
      expect(pushed.flags.every((f) => f.on_critical_path_share !== null), name).toBe(true);
      expect(pushed.profiles.length, name).toBeGreaterThan(3);
      // Every event walked: the sample is the whole range.
      expect(on_path_sample, name).toEqual({ events: local.weights.stored_traces, of_events: local.weights.stored_traces });
    }
  }, 600_000);

  it("past the sample: the 100 events with the largest MD5 key, the same as DuckDB selects over the span files, and their on-path shares", async () => {
    const { input, dir } = data.generated!;
    const db = await Db.open();
    let expectedIds: string[];
    let expected: Map<string, number>;
    try {
      await loadInputs(db, { inputs: [input] });
      // The key, computed here from DuckDB's md5: the first 53 bits of the digest, largest first, ties by trace id.
      expectedIds = (await db.all(`SELECT trace_id FROM spans GROUP BY trace_id
        ORDER BY CAST('0x' || left(md5(trace_id), 16) AS UBIGINT) >> 11 DESC, trace_id LIMIT 100`)).map((r) => String(r.trace_id)).sort();
      await db.exec("DELETE FROM spans WHERE trace_id NOT IN (SELECT unnest($ids))", { ids: expectedIds });
      await installModel(db, defaultConfig());
      expected = await onPathShareByStage(db);
    } finally {
      db.close();
    }
    expect(expectedIds).toHaveLength(100);
    const pulled = await withClickHouse(parseClickHouseSource([`chdb:${dir}`]), defaultConfig(), {}, (s) =>
      withLocalSample(s, 100, async (sample) => ({
        ids: (await sample.db.all("SELECT DISTINCT trace_id FROM spans ORDER BY trace_id")).map((r) => String(r.trace_id)),
        spans: Number(await sample.db.scalar("SELECT count(*) FROM spans")),
        sampled: sample.sampled,
      })));
    expect(pulled.ids).toEqual(expectedIds);
    expect(pulled.sampled).toBe(true);
    // Whole events: every span of each chosen trace came back.
    const all = await withAnalysis({ inputs: [input] }, async (a) => Number(await a.db.scalar("SELECT count(*) FROM spans WHERE trace_id IN (SELECT unnest($ids))", { ids: expectedIds })));
    expect(pulled.spans).toBe(all);
    const pushed = await withClickHouse(parseClickHouseSource([`chdb:${dir}`]), defaultConfig(), {}, (s) => clickhouseFlags(s, { sampleEvents: 100 }));
    expect(pushed.on_path_sample).toEqual({ events: 100, of_events: 400 });
    // The view says the shares are an estimate (table, md and report.json's summary), and JSON carries the sample.
    const { flagsView } = await import("../src/output/decision-views.js");
    const view = flagsView(pushed, { label: "chdb" });
    expect(view.notes?.filter((n) => n.startsWith("On-path shares are estimated from 100 of 400 events"))).toHaveLength(1);
    expect((view.json as { on_path_sample?: unknown }).on_path_sample).toEqual({ events: 100, of_events: 400 });
    const whole = flagsView({ ...pushed, on_path_sample: { events: 400, of_events: 400 } }, { label: "chdb" });
    expect(whole.notes?.some((n) => n.startsWith("On-path shares"))).toBe(false);
    expect((whole.json as { on_path_sample?: unknown }).on_path_sample).toBeUndefined();
    expect(pushed.flags.length).toBeGreaterThan(0);
    for (const f of pushed.flags) expect(f.on_critical_path_share, f.stage).toBeCloseTo(expected.get(f.stage) ?? 0, 12);
  }, 600_000);

  // In-process (test/helpers/in-process.ts), the built CLI as a child only for the exit code.
  it("the CLI: the same CSV bytes as over the span files, and --fail-on-flag exits 1", async () => {
    const pushed = await adtraceIn(["cost", "flags", `chdb:${data.fixture!.dir}`, "--format", "csv"]);
    const local = await adtraceIn(["cost", "flags", FIXTURE, "--format", "csv"]);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stdout).toBe(local.stdout);
    expect(pushed.stdout.split("\n").length).toBeGreaterThan(2);
    const gate = adtrace(["cost", "flags", `chdb:${data.fixture!.dir}`, "--fail-on-flag", "--format", "csv"]);
    expect(gate.code).toBe(1);
  }, 300_000);
});
