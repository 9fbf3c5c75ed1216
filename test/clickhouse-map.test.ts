// `--map` on a ClickHouse source (issue 17): a chDB table holding the fixture's spans under other
// column names and types (operation, svc, began as DateTime64, elapsed_us as a Float64 of µs,
// tags as the map without db.system, and db.system as a column of its own, NULL where the span has
// none), read with the mapping flat tables take, answers what the local path answers over the
// fixture: breakdown, queries and inspect to 1e-9 relative, and the same CSV bytes from the CLI
// (breakdown, flags, savings --suggest).
// Column names are checked against the table's; a name that is not there, or a column of a type
// the source cannot read, is one line and exit 2 (once from the built CLI as a child process, for
// the exit code of a real process; the other CLI runs in-process, test/helpers/in-process.ts).
import { beforeAll, describe, expect, it } from "vitest";
import { adtrace } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";
import { addMappedTable, chdbWith, differences } from "./helpers/chdb.js";
import { withAnalysis } from "../src/analysis/analysis.js";
import { breakdown, warehouseQueries, type GroupKey } from "../src/analysis/breakdown.js";
import { inspectSpans } from "../src/analysis/inspect.js";
import { clickhouseBreakdown, clickhouseQueries, withClickHouse } from "../src/analysis/clickhouse.js";
import { clickhouseInspect } from "../src/analysis/clickhouse-inspect.js";
import { parseClickHouseSource } from "../src/ingest/clickhouse-source.js";
import { defaultConfig } from "../src/model/config.js";

const FIXTURE = "fixtures/auction/otlp.jsonl";
const MAP = ["service=svc", "start=began", "duration_us=elapsed_us"];
let dir = "";

beforeAll(async () => {
  dir = (await chdbWith([FIXTURE])).dir;
  const { Session } = await import("chdb");
  await addMappedTable(dir);
  const session = new Session(dir);
  try {
    // The mapped table really is another schema: none of the exporter's columns, and db.system out of the map.
    expect(Number(session.query("SELECT countIf(mapContains(tags, 'db.system')) FROM spans_v2", "CSV").trim())).toBe(0);
    expect(Number(session.query("SELECT countIf(`db.system` IS NOT NULL) FROM spans_v2", "CSV").trim())).toBeGreaterThan(0);
  } finally {
    session.close();
  }
}, 300_000);

const source = () => parseClickHouseSource([`chdb:${dir}`], { table: "spans_v2", map: MAP });

describe("--map on a ClickHouse source equals the local path over the same spans", () => {
  it("cost breakdown by stage, by service and name, and by the attribute that was a column", async () => {
    for (const by of [[{ kind: "stage" }], [{ kind: "service" }, { kind: "name" }], [{ kind: "attr", key: "db.system" }]] as GroupKey[][]) {
      // The local model keeps the attribute a grouping reads (as the command's grouped() session does).
      const local = await withAnalysis({ inputs: [FIXTURE], model: { attributeKeys: ["db.system"] } }, (a) => breakdown(a.db, { by }));
      const pushed = await withClickHouse(source(), defaultConfig(), {}, (s) => clickhouseBreakdown(s, { by }));
      expect(differences(local, pushed), JSON.stringify(by)).toEqual([]);
      expect(pushed.totals.stored_spans).toBe(369);
      expect(pushed.groups.length).toBeGreaterThan(1);
    }
  }, 300_000);

  it("cost queries (the warehouse comes from the db.system column) and inspect", async () => {
    const local = await withAnalysis({ inputs: [FIXTURE] }, (a) => warehouseQueries(a.db));
    const pushed = await withClickHouse(source(), defaultConfig(), {}, (s) => clickhouseQueries(s));
    expect(differences(local, pushed)).toEqual([]);
    expect(pushed.queries.length).toBeGreaterThan(1);
    const localInspect = await withAnalysis({ inputs: [FIXTURE], allowEmpty: true }, ({ db, load }) => inspectSpans(db, load));
    const pushedInspect = await withClickHouse(source(), defaultConfig(), {}, (s) => clickhouseInspect(s));
    const pick = (r: typeof localInspect | typeof pushedInspect) => ({
      spans: r.spans, traces: r.traces, roots: r.roots, orphans: r.orphans, services: r.services, names: r.names, start: r.start, end: r.end,
      top_services: r.top_services, cost_sources: r.pricing.cost_sources,
    });
    expect(differences(pick(localInspect), pick(pushedInspect))).toEqual([]);
  }, 300_000);

  it("the CLI: the same CSV bytes as over the span files", async () => {
    const pushed = await adtraceIn(["cost", "breakdown", `chdb:${dir}`, "--table", "spans_v2", ...MAP.flatMap((m) => ["--map", m]), "--format", "csv"]);
    const local = await adtraceIn(["cost", "breakdown", FIXTURE, "--format", "csv"]);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(local.code, local.stderr).toBe(0);
    expect(pushed.stdout.split("\n").length).toBeGreaterThan(7);
    expect(pushed.stdout).toBe(local.stdout);
    // flags and savings also bring whole events back (sample_spans reads the table too): through the same mapping.
    for (const command of [["cost", "flags"], ["savings", "--suggest"]]) {
      const pushedRun = await adtraceIn([...command, `chdb:${dir}`, "--table", "spans_v2", ...MAP.flatMap((m) => ["--map", m]), "--format", "csv"]);
      const localRun = await adtraceIn([...command, FIXTURE, "--format", "csv"]);
      expect(pushedRun.code, pushedRun.stderr).toBe(0);
      expect(localRun.code, localRun.stderr).toBe(0);
      expect(pushedRun.stdout.split("\n").length, command.join(" ")).toBeGreaterThan(1);
      expect(pushedRun.stdout, command.join(" ")).toBe(localRun.stdout);
    }
  }, 600_000);

  it("without --map the table is refused for its missing columns; a column that is not there, or of a type the source cannot read, is one line, exit 2", async () => {
    const unmapped = await adtraceIn(["cost", "breakdown", `chdb:${dir}`, "--table", "spans_v2"]);
    expect(unmapped.code).toBe(2);
    expect(unmapped.stderr).toMatch(/lacks column\(s\) Timestamp, TraceId/);
    // A real process once: exit 2, one line.
    const missing = adtrace(["cost", "breakdown", `chdb:${dir}`, "--table", "spans_v2", "--map", "service=nope", "--map", "start=began"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
    expect(missing.stderr).toMatch(/--map service=nope: no column 'nope' \(columns: trace, id, parent_id, operation, svc, began/);
    const wrongType = await adtraceIn(["cost", "breakdown", `chdb:${dir}`, "--table", "spans_v2", "--map", "start=svc"]);
    expect(wrongType.code).toBe(2);
    expect(wrongType.stderr.trim().split("\n")).toHaveLength(1);
    expect(wrongType.stderr).toMatch(/--map start: column 'svc' is String; a ClickHouse source reads a start time as DateTime64/);
    // A name that is SQL is a name like any other: not a column, refused, nothing run.
    const injected = await adtraceIn(["cost", "breakdown", `chdb:${dir}`, "--table", "spans_v2", "--map", "start=began) FROM system.one --"]);
    expect(injected.code).toBe(2);
    expect(injected.stderr).toMatch(/no column 'began\) FROM system\.one --'/);
  }, 300_000);
});

describe("--map on a ClickHouse source: cost trend, cost critical-path and trace read the table through the mapping", () => {
  it("equal to the local path over the fixture (the trend's span query, the trace's lookups and spans, the walk's sample)", async () => {
    const { trend } = await import("../src/analysis/trend.js");
    const { costCriticalPath } = await import("../src/analysis/path-cost.js");
    const { traceWaterfall } = await import("../src/analysis/trace.js");
    const { clickhouseTrend } = await import("../src/analysis/clickhouse-trend.js");
    const { clickhouseCriticalPath, clickhouseTrace } = await import("../src/analysis/clickhouse-events.js");
    const by: GroupKey[] = [{ kind: "stage" }, { kind: "attr", key: "db.system" }];
    const trendOptions = { everyNs: 5_000_000_000n, by };
    const local = await withAnalysis({ inputs: [FIXTURE], model: { attributeKeys: ["db.system"] } }, async (a) => ({
      trend: await trend(a.db, trendOptions),
      path: await costCriticalPath(a.db, { by }),
      slowest: await traceWaterfall(a.db, { pick: "slowest" }, "fixture"),
      named: await traceWaterfall(a.db, { traceId: "000000000000000000000000ad000007" }, "fixture"),
    }));
    const pushed = await withClickHouse(source(), defaultConfig(), { attributeKeys: ["db.system"] }, async (s) => ({
      trend: await clickhouseTrend(s, trendOptions),
      path: await clickhouseCriticalPath(s, { by }).then(({ path_sample: _, ...rest }) => rest),
      slowest: await clickhouseTrace(s, { pick: "slowest" }),
      named: await clickhouseTrace(s, { traceId: "000000000000000000000000ad000007" }),
    }));
    expect(differences(local, pushed)).toEqual([]);
    expect(pushed.trend.groups.some((g) => g.keys["db.system"] === "snowflake")).toBe(true);
    expect(pushed.path.groups.length).toBeGreaterThan(3);
  }, 300_000);
});
