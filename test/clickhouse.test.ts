// The analyses pushed down to ClickHouse (issue 17), run on the real engine in-process (chDB):
// the same spans in a chDB MergeTree otel_traces and in DuckDB, and every figure of the ClickHouse
// path equal to the DuckDB path's to 1e-9 relative — on the fixture, on generated data, on sampled
// generated data (ot=th in TraceState), with a config of attribute stage rules, sampling rules and
// dated prices. Then the CLI: the same CSV bytes, and the errors (missing directory, table,
// columns; a closed port; a server that never answers) as one line, exit 2, no password. The built
// CLI as a child process once per contract (a chDB source's CSV with exit 0; a closed port's exit
// 2; a process that ends although the server never answers); the other runs in-process
// (test/helpers/in-process.ts), the same program without a Node start each.
import { beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:net";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adtrace } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";
import { chdbDatasets, differences } from "./helpers/chdb.js";
import { withAnalysis } from "../src/analysis/analysis.js";
import { breakdown, warehouseQueries, type GroupKey } from "../src/analysis/breakdown.js";
import { clickhouseBreakdown, clickhouseQueries, withClickHouse } from "../src/analysis/clickhouse.js";
import { parseClickHouseSource } from "../src/ingest/clickhouse-source.js";
import { defaultConfig, loadConfig } from "../src/model/config.js";
import { Db } from "../src/db/db.js";
import { loadInputs } from "../src/ingest/load.js";

const FIXTURE = "fixtures/auction/otlp.jsonl";
const work = mkdtempSync(join(tmpdir(), "adtrace-ch-test-"));
const data: Record<string, { input: string; dir: string }> = {};

beforeAll(async () => {
  await chdbDatasets(work, data);
}, 600_000);

/** Breakdown through DuckDB (the files) and through chDB (the table), with the config at `configPath` (else the defaults), and what differs. */
async function compareBreakdown(name: string, by: GroupKey[], configPath?: string) {
  const { input, dir } = data[name]!;
  const local = await withAnalysis({ inputs: [input], config: configPath }, (a) => breakdown(a.db, { by }));
  const pushed = await withClickHouse(parseClickHouseSource([`chdb:${dir}`]), loadConfig(configPath), {}, (s) => clickhouseBreakdown(s, { by }));
  return { local, pushed, diff: differences(local, pushed) };
}

describe("cost breakdown pushed down to ClickHouse (chDB) equals the DuckDB path", () => {
  it("on the fixture, by stage and by name: every group, total, weight and cost source", async () => {
    for (const by of [[{ kind: "stage" }], [{ kind: "name" }]] as GroupKey[][]) {
      const { local, pushed, diff } = await compareBreakdown("fixture", by);
      expect(diff).toEqual([]);
      expect(pushed.groups.length).toBe(local.groups.length);
      expect(pushed.groups.length).toBeGreaterThan(3);
    }
  }, 300_000);

  it("on generated data, by service and stage together", async () => {
    const { pushed, diff } = await compareBreakdown("generated", [{ kind: "service" }, { kind: "stage" }]);
    expect(diff).toEqual([]);
    expect(pushed.totals.stored_traces).toBe(400);
  }, 300_000);

  it("on sampled data (ot=th in TraceState): weighted events, spans and percentiles", async () => {
    const { pushed, diff } = await compareBreakdown("sampled", [{ kind: "stage" }]);
    expect(diff).toEqual([]);
    // The weights really are 4 (a 25% head sample): events estimated, not counted.
    expect(pushed.weights.min_weight).toBe(4);
    expect(pushed.totals.events).toBe(pushed.totals.stored_traces * 4);
  }, 300_000);

  it("with attribute stage rules, sampling rules and a price book dated mid-data", async () => {
    const path = join(work, "adtrace.config.yaml");
    writeFileSync(path, `
stages:
  - stage: big_bids
    match: { name: "*bid*", attribute: { "ad.format": "v*" } }
  - stage: warehouse
    match: { name: "*.warehouse.*" }
sampling:
  - match: { service: "auction*" }
    rate: 0.5
prices:
  - effective_from: 2024-05-01T12:00:30Z
    compute: { vcpu_hour_usd: 0.09 }
    warehouses: { snowflake: { credit_usd: 4.0 } }
`);
    for (const name of ["fixture", "generated"]) {
      const { pushed, diff } = await compareBreakdown(name, [{ kind: "stage" }], path);
      expect(diff, name).toEqual([]);
      expect(pushed.groups.map((g) => g.keys.stage)).toContain("warehouse");
    }
  }, 300_000);

  it("cost queries: every fingerprint and figure, on the fixture and on sampled data", async () => {
    for (const name of ["fixture", "sampled"]) {
      const { input, dir } = data[name]!;
      const local = await withAnalysis({ inputs: [input] }, (a) => warehouseQueries(a.db));
      const pushed = await withClickHouse(parseClickHouseSource([`chdb:${dir}`]), defaultConfig(), {}, (s) => clickhouseQueries(s));
      expect(differences(local, pushed), name).toEqual([]);
      expect(pushed.queries.length, name).toBeGreaterThan(1);
      // Fingerprints, not statements: no literal reaches the output.
      for (const q of pushed.queries) expect(q.query, name).not.toMatch(/'[^']+'|\b\d{3,}\b/);
    }
  }, 300_000);

  it("--since and --until keep the spans that start in [since, until), counted independently in DuckDB", async () => {
    const since = "2024-05-01T12:00:20Z";
    const until = "2024-05-01T12:00:40Z";
    const db = await Db.open();
    let expected: number;
    try {
      await loadInputs(db, { inputs: [FIXTURE] });
      expected = Number(await db.scalar("SELECT count(*) FROM spans WHERE start_ns >= $a AND start_ns < $b", {
        a: BigInt(Date.parse(since)) * 1_000_000n, b: BigInt(Date.parse(until)) * 1_000_000n,
      }));
    } finally {
      db.close();
    }
    expect(expected).toBeGreaterThan(0);
    expect(expected).toBeLessThan(369);
    const pushed = await withClickHouse(parseClickHouseSource([`chdb:${data.fixture!.dir}`], { since, until }), defaultConfig(), {}, (s) => clickhouseBreakdown(s));
    expect(pushed.totals.stored_spans).toBe(expected);
  }, 300_000);
});

describe("the CLI with a ClickHouse source", () => {
  it("writes the same CSV bytes as over the span files (breakdown, queries)", async () => {
    // A real process once (exit 0, the bytes on its stdout); the rest in-process.
    const pushed = adtrace(["cost", "breakdown", `chdb:${data.fixture!.dir}`, "--format", "csv"]);
    const local = await adtraceIn(["cost", "breakdown", FIXTURE, "--format", "csv"]);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(local.code, local.stderr).toBe(0);
    expect(pushed.stdout).toBe(local.stdout);
    expect(pushed.stdout.split("\n").length).toBeGreaterThan(7);
    const queries = await adtraceIn(["cost", "queries", `chdb:${data.fixture!.dir}`, "--format", "csv"]);
    expect(queries.code, queries.stderr).toBe(0);
    const localQueries = await adtraceIn(["cost", "queries", FIXTURE, "--format", "csv"]);
    expect(localQueries.code, localQueries.stderr).toBe(0);
    expect(queries.stdout).toBe(localQueries.stdout);
    expect(queries.stdout.split("\n").length).toBeGreaterThan(2);
  }, 300_000);

  it("names a missing data directory, table or column in one line, exit 2", async () => {
    const missingDir = await adtraceIn(["cost", "breakdown", `chdb:${join(work, "nowhere")}`]);
    expect(missingDir.code).toBe(2);
    expect(missingDir.stderr.trim()).toMatch(/^adtrace: .*nowhere.*no such ClickHouse data directory$/);

    const missingTable = await adtraceIn(["cost", "breakdown", `chdb:${data.fixture!.dir}`, "--table", "spans_v2"]);
    expect(missingTable.code).toBe(2);
    expect(missingTable.stderr.trim().split("\n")).toHaveLength(1);
    expect(missingTable.stderr).toMatch(/no table default\.spans_v2/);

    const { Session } = await import("chdb");
    const session = new Session(data.fixture!.dir);
    try {
      session.query("CREATE TABLE IF NOT EXISTS thin (Timestamp DateTime64(9), TraceId String, SpanId String, SpanName String, Duration UInt64) ENGINE = MergeTree ORDER BY TraceId");
    } finally {
      session.close();
    }
    const thin = await adtraceIn(["cost", "breakdown", `chdb:${data.fixture!.dir}`, "--table", "thin"]);
    expect(thin.code).toBe(2);
    expect(thin.stderr.trim().split("\n")).toHaveLength(1);
    expect(thin.stderr).toMatch(/lacks column\(s\) ParentSpanId, TraceState, ServiceName, SpanAttributes that the cost model reads/);
  }, 300_000);

  it("a closed port on loopback: one line, exit 2, no password (from the URL or CLICKHOUSE_PASSWORD)", async () => {
    const port = await closedPort();
    for (const [i, [url, env]] of ([[`clickhouse://bob:pw-in-url@127.0.0.1:${port}/db`, {}], [`clickhouse://bob@127.0.0.1:${port}/db`, { CLICKHOUSE_PASSWORD: "pw-in-env" }]] as const).entries()) {
      // The exit code of a real process once; the other in-process.
      const run = i === 0 ? adtrace(["cost", "breakdown", url], { env }) : await adtraceIn(["cost", "breakdown", url], { env });
      expect(run.code).toBe(2);
      expect(run.stdout).toBe("");
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
      expect(run.stderr).toMatch(new RegExp(`clickhouse://bob@127\\.0\\.0\\.1:${port}/db db\\.otel_traces: cannot connect \\(connection refused\\)`));
      expect(run.stderr).not.toMatch(/pw-in|at .*\.js/);
    }
  }, 300_000);

  it("a server that never answers: --timeout gives up in one line, exit 2", async () => {
    const sockets: import("node:net").Socket[] = [];
    const server: Server = createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as import("node:net").AddressInfo).port;
    try {
      const run = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(process.execPath, ["bin/adtrace.js", "cost", "breakdown", `clickhouse://bob:pw@127.0.0.1:${port}/db`, "--timeout", "1"], { env: { ...process.env, NO_COLOR: "1" } });
        let stderr = "";
        child.stderr.on("data", (d) => (stderr += d));
        child.on("close", (code) => resolve({ code, stderr }));
      });
      expect(run.code).toBe(2);
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
      expect(run.stderr).toMatch(/timed out after 1 s \(--timeout\)/);
      expect(run.stderr).not.toContain(":pw@");
    } finally {
      for (const socket of sockets) socket.destroy();
      server.close();
    }
  }, 300_000);

  it("refuses the ClickHouse flags without a ClickHouse source, --db with one, and a grouping by raw statements", async () => {
    const table = await adtraceIn(["cost", "breakdown", FIXTURE, "--table", "x"]);
    expect(table.code).toBe(2);
    expect(table.stderr).toMatch(/--table applies to a ClickHouse source/);
    const both = await adtraceIn(["cost", "breakdown", `chdb:${data.fixture!.dir}`, "--db", "x.duckdb"]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/ClickHouse source or --db, not both/);
    // A statement attribute would group by raw statements (the DuckDB path groups by fingerprint): refused.
    const statement = await adtraceIn(["cost", "breakdown", `chdb:${data.fixture!.dir}`, "--by", "attr:db.statement"]);
    expect(statement.code).toBe(2);
    expect(statement.stdout).toBe("");
    expect(statement.stderr).toMatch(/--by attr:db\.statement is not supported with a ClickHouse source/);
  }, 300_000);
});

/** A port on 127.0.0.1 that nothing listens on: one the OS just handed out, closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as import("node:net").AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
