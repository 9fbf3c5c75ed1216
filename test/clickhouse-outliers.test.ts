// `cost outliers` pushed down to ClickHouse (issue 17), on the real engine in-process (chDB): the
// whole result (threshold, the two groups' events, effective n and means, every key=value row with
// its shares, lift, means, p and q, the keys skipped as ids, the totals) equals the DuckDB path's
// (queries/outliers.sql, the independent computation) to 1e-9 relative, on the fixture, on
// generated data and on sampled generated data (ot=th), for --metric cost|latency, --stage, --top,
// --keys and --max-values. One chDB copy per dataset, opened once for the file.
import { beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adtrace } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";
import { addMappedTable, chdbDatasets, differences, expectRefusal, expectSameJson } from "./helpers/chdb.js";
import { withAnalysis } from "../src/analysis/analysis.js";
import { outliers, type OutliersOptions } from "../src/analysis/outliers.js";
import { withClickHouse } from "../src/analysis/clickhouse.js";
import { clickhouseOutliers } from "../src/analysis/clickhouse-outliers.js";
import { parseClickHouseSource } from "../src/ingest/clickhouse-source.js";
import { defaultConfig } from "../src/model/config.js";

const work = mkdtempSync(join(tmpdir(), "adtrace-ch-outliers-"));
const data: Record<string, { input: string; dir: string }> = {};

beforeAll(async () => {
  await chdbDatasets(work, data);
  // The fixture again under other column names and types, read with --map.
  await addMappedTable(data.fixture!.dir);
}, 600_000);

/** The local result and the pushed-down one for the same options. */
async function both(name: string, options: OutliersOptions) {
  const { input, dir } = data[name]!;
  const local = await withAnalysis({ inputs: [input] }, (a) => outliers(a.db, a.config, options));
  const pushed = await withClickHouse(parseClickHouseSource([`chdb:${dir}`]), defaultConfig(), {}, (s) => clickhouseOutliers(s, options));
  return { local, pushed };
}

describe("cost outliers pushed down to ClickHouse (chDB) equals the DuckDB path", () => {
  const cases: [string, OutliersOptions][] = [
    ["fixture", { metric: "latency", top: 0.25 }],
    ["generated", { metric: "latency", stage: "auction", top: 0.05 }],
    ["generated", { stage: "auction", keys: ["user_locale", "ad.campaign_id"], maxValues: 2 }],
    ["sampled", {}],
    ["sampled", { metric: "latency", top: 0.2, maxValues: 3 }],
  ];
  for (const [name, options] of cases) {
    it(`${name} ${JSON.stringify(options)}`, async () => {
      const { local, pushed } = await both(name, options);
      expect(differences(local, pushed), name).toEqual([]);
      // Something to compare: events on both sides and rows of values.
      expect(pushed.selected.events, name).toBeGreaterThan(0);
      expect(pushed.baseline.events, name).toBeGreaterThan(pushed.selected.events);
      expect(pushed.rows.length, name).toBeGreaterThan(2);
    }, 300_000);
  }

  it("--map: a table of another schema (no resource attributes), on span attribute keys, db.system from a column", async () => {
    const options: OutliersOptions = { metric: "latency", top: 0.2, keys: ["user_locale", "device.type", "db.system", "ad.exchange"] };
    const local = await withAnalysis({ inputs: [data.fixture!.input] }, (a) => outliers(a.db, a.config, options));
    const source = parseClickHouseSource([`chdb:${data.fixture!.dir}`], { table: "spans_v2", map: ["service=svc", "start=began", "duration_us=elapsed_us"] });
    const pushed = await withClickHouse(source, defaultConfig(), {}, (s) => clickhouseOutliers(s, options));
    expect(differences(local, pushed)).toEqual([]);
    expect(pushed.rows.some((r) => r.key === "db.system")).toBe(true);
  }, 300_000);

  // In-process (test/helpers/in-process.ts), the built CLI as a child only for the exit code (once).
  it("the CLI: --format json equals the span file's; a mistyped --keys or --stage is one line, exit 2", async () => {
    const { input, dir } = data.generated!;
    const flags = ["--metric", "latency", "--top", "10%", "--format", "json", "-q"];
    await expectSameJson(["cost", "outliers"], input, dir, flags);
    for (const [i, bad] of [["--keys", "user_locle"], ["--stage", "auctoin"]].entries()) {
      const l = await adtraceIn(["cost", "outliers", input, ...bad, "-q"]);
      const p = i === 0 ? adtrace(["cost", "outliers", `chdb:${dir}`, ...bad, "-q"]) : await adtraceIn(["cost", "outliers", `chdb:${dir}`, ...bad, "-q"]);
      expectRefusal(p, l.stderr);
    }
  }, 300_000);
});
