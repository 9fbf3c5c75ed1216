// `savings` (and --suggest) pushed down to ClickHouse (issue 17), on the real engine in-process
// (chDB): every row — before and after, savings, the 95% interval from the pushed-down sums, the
// re-timed p95 — equals the DuckDB path's to 1e-9 relative on the fixture, on generated data and
// on sampled generated data (ot=th). The re-timing runs locally on events pulled back from the
// engine; past --latency-sample, the events whose MD5 trace-id key is largest, the same events the
// local path samples when their weights are equal, so the p95 is equal there too. The interval's
// sums are two formulations apart: savings.moments in DuckDB, clickhouse.savings_moments in chDB.
import { beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adtraceIn } from "./helpers/in-process.js";
import { chdbDatasets, differences } from "./helpers/chdb.js";
import { withAnalysis } from "../src/analysis/analysis.js";
import { parseLever, savings, suggestedScenario, type Scenario } from "../src/analysis/savings.js";
import { withClickHouse } from "../src/analysis/clickhouse.js";
import { clickhouseSavings } from "../src/analysis/clickhouse-savings.js";
import { parseClickHouseSource } from "../src/ingest/clickhouse-source.js";
import { defaultConfig } from "../src/model/config.js";

const FIXTURE = "fixtures/auction/otlp.jsonl";
const work = mkdtempSync(join(tmpdir(), "adtrace-ch-savings-"));
const SAMPLED = join(work, "sampled.jsonl"); // what chdbDatasets writes
const data: Record<string, { input: string; dir: string }> = {};

beforeAll(async () => {
  await chdbDatasets(work, data);
}, 600_000);

const LEVERS: Scenario = {
  name: "levers",
  levers: [parseLever("cache", "tracking=0.6:0.000001"), parseLever("preagg", "aggregation=0.5"), parseLever("tune", "tracking=0.2")],
};

async function compare(name: string, latencyEvents?: number) {
  const { input, dir } = data[name]!;
  const local = await withAnalysis({ inputs: [input] }, async (a) => {
    const suggested = await suggestedScenario(a.db, a.config, "latency");
    return savings(a.db, { scenarios: [LEVERS, suggested], config: a.config, latencyEvents });
  });
  const pushed = await withClickHouse(parseClickHouseSource([`chdb:${dir}`]), defaultConfig(), {}, (s) =>
    clickhouseSavings(s, { scenarios: [LEVERS], config: defaultConfig(), latencyEvents, suggest: "latency" }));
  return { local, pushed, diff: differences(local, pushed) };
}

describe("savings pushed down to ClickHouse (chDB) equals the DuckDB path", () => {
  it("on the fixture, generated and sampled data: every row, interval and re-timed p95, with --suggest", async () => {
    for (const name of ["fixture", "generated", "sampled"]) {
      const { local, pushed, diff } = await compare(name);
      expect(diff, name).toEqual([]);
      // Something to compare: three levers and a total, a suggested scenario, an interval with width.
      expect(pushed.rows.length, name).toBeGreaterThan(5);
      expect(pushed.scenarios[1]!.levers.length, name).toBeGreaterThan(0);
      expect(pushed.rows[0]!.ci95_high_per_day_usd, name).toBeGreaterThan(pushed.rows[0]!.ci95_low_per_day_usd);
      expect(pushed.latency_sampled, name).toBe(false);
      expect(pushed.latency_events, name).toBe(local.weights.stored_traces);
    }
  }, 900_000);

  it("past --latency-sample: the same sampled events re-timed, on unsampled and on sampled (equal-weight) data", async () => {
    for (const [name, limit] of [["generated", 150], ["sampled", 100]] as const) {
      const { pushed, diff } = await compare(name, limit);
      expect(diff, name).toEqual([]);
      expect(pushed.latency_sampled, name).toBe(true);
      expect(pushed.latency_events, name).toBe(limit);
    }
  }, 900_000);

  // In-process (test/helpers/in-process.ts): no exit-code contract here but 0.
  it("the CLI: the same JSON bytes as over the span files", async () => {
    const args = ["savings", "--cache", "tracking=0.6", "--suggest", "--format", "json"];
    const pushed = await adtraceIn([...args, `chdb:${data.sampled!.dir}`]);
    const local = await adtraceIn([...args, SAMPLED]);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stdout).toBe(local.stdout);
    expect(JSON.parse(pushed.stdout).rows.length).toBeGreaterThan(2);
  }, 300_000);
});
