// The HTTP path of a ClickHouse source (issue 17) through the official @clickhouse/client for
// real, against a stand-in on loopback (test/helpers/clickhouse-http.ts) that speaks ClickHouse's
// HTTP protocol: a protocol-level stand-in, not a ClickHouse server (none can be installed here).
// The CLI meets bad credentials (516), a missing table (60), a timeout (159, before the
// headers and in the middle of a 200 in both of the server's framings), a server that never
// answers, a refused port and TLS spoken to a plain port: one line, exit 2, no password on stdout
// or stderr, under --debug too. The built CLI as a child process for the exit-code contract (bad
// credentials) and for a process that must end although the server never answers; the rest
// in-process (test/helpers/in-process.ts), the same program. Then the requests the client sends
// for breakdown and queries are checked against what the chDB tests execute: the same SQL text,
// the same parameter names, each value in the text chDB hands the same engine; the stand-in
// answers with chDB's answers and the results and CSV bytes equal chDB's. For the CLI runs the
// statements are recorded from the chDB run itself (test/helpers/chdb-record.ts), not run twice.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join } from "node:path";
import { BIN, ROOT, type CliResult } from "./helpers/cli.js";
import { chdbWith, differences } from "./helpers/chdb.js";
import { answerError, answerMidStream, answerRows, OTEL_COLUMNS, startStandIn, type CapturedRequest, type StandIn } from "./helpers/clickhouse-http.js";
import { checkSchema, clickhouseBreakdown, clickhouseQueries, withClickHouse, type ClickHouseSession } from "../src/analysis/clickhouse.js";
import { openChdb, type ClickHouseEngine } from "../src/db/clickhouse.js";
import { parseClickHouseSource } from "../src/ingest/clickhouse-source.js";
import { defaultConfig } from "../src/model/config.js";
import { adtraceIn } from "./helpers/in-process.js";
import { recordingChdb, type ChdbExecuted } from "./helpers/chdb-record.js";

const PASSWORD = "Pa55-w0rd-7c1e";

/** The CLI in-process, with no CLICKHOUSE_PASSWORD but the one given. */
function runIn(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return adtraceIn(args, { env: { CLICKHOUSE_PASSWORD: undefined, ...env } });
}

/** The built CLI as a child process, asynchronously (the stand-in answers from this process's event loop). */
function run(args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1", CLICKHOUSE_PASSWORD: undefined, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** One line naming the source, exit 2, nothing on stdout, and the password nowhere. */
function expectOneLine(result: CliResult, port: number, reason: RegExp, scheme = "clickhouse") {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stdout).toBe("");
  expect(result.stderr.trim().split("\n"), result.stderr).toHaveLength(1);
  expect(result.stderr).toMatch(new RegExp(`^adtrace: error: ${scheme}://bob@127\\.0\\.0\\.1:${port}/db db\\.otel_traces: `));
  expect(result.stderr).toMatch(reason);
  expect(result.stdout + result.stderr).not.toContain(PASSWORD);
}

/** The same run under --debug: the stack and cause are printed, and still no password. */
function expectNoPasswordUnderDebug(result: CliResult, reason: RegExp) {
  expect(result.code, result.stderr).toBe(2);
  expect(result.stderr).toMatch(reason);
  expect(result.stderr).toMatch(/caused by: /);
  expect(result.stdout + result.stderr).not.toContain(PASSWORD);
}

/** The two ways the password arrives: in the URL (percent-encoded) and in CLICKHOUSE_PASSWORD. */
const credentials = (port: number, scheme = "clickhouse"): [string, NodeJS.ProcessEnv][] => [
  [`${scheme}://bob:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/db`, {}],
  [`${scheme}://bob@127.0.0.1:${port}/db`, { CLICKHOUSE_PASSWORD: PASSWORD }],
];

describe("the HTTP path's errors, through the official client, against a stand-in server", () => {
  let server: StandIn | undefined;
  afterAll(async () => server?.close());

  it("bad credentials (516 AUTHENTICATION_FAILED): one line, exit 2, no password (also under --debug)", async () => {
    server = await startStandIn((request, res) =>
      answerError(res, 401, 516, "AUTHENTICATION_FAILED", `${request.user}: Authentication failed: password is incorrect, or there is no user with such name`));
    for (const [i, [url, env]] of credentials(server.port).entries()) {
      // The exit-code contract of a real process once (the password in the URL); the rest in-process.
      expectOneLine(await (i === 0 ? run : runIn)(["cost", "breakdown", url], env), server.port, /authentication failed \(check the user and CLICKHOUSE_PASSWORD\): bob: Authentication failed/);
      expectNoPasswordUnderDebug(await runIn(["cost", "breakdown", url, "--debug"], env), /authentication failed/);
    }
    // The password did reach the server, in the Authorization header: its absence above is not for want of it.
    expect(server.requests.length).toBe(4);
    for (const request of server.requests) expect([request.user, request.password]).toEqual(["bob", PASSWORD]);
    await server.close();
    server = undefined;
  }, 120_000);

  it("a server or proxy that echoes the credentials: scrubbed from the line and from the --debug cause", async () => {
    server = await startStandIn((request, res) =>
      answerError(res, 401, 516, "AUTHENTICATION_FAILED", `${request.user}: Authentication failed for ${request.user}:${request.password}`));
    const [url, env] = credentials(server.port)[1]!;
    expectOneLine(await runIn(["inspect", url], env), server.port, /authentication failed .*bob:\*\*\*/);
    expectNoPasswordUnderDebug(await runIn(["inspect", url, "--debug"], env), /bob:\*\*\*/);
    await server.close();
    server = undefined;
  }, 120_000);

  it("a missing table (60 UNKNOWN_TABLE, e.g. a Distributed table's local table gone on a shard) on the model query", async () => {
    server = await startStandIn((request, res) => {
      if (/system\.columns/.test(request.sql)) answerRows(res, OTEL_COLUMNS);
      else answerError(res, 404, 60, "UNKNOWN_TABLE", "Table default.otel_traces_local does not exist");
    });
    const [url, env] = credentials(server.port)[0]!;
    expectOneLine(await runIn(["cost", "breakdown", url], env), server.port, /: no such table: Table default\.otel_traces_local does not exist\.$/m);
    await server.close();
    server = undefined;
  }, 120_000);

  it("a timeout (159 TIMEOUT_EXCEEDED): before the headers, and after a 200 in both framings; --timeout reaches the server as max_execution_time", async () => {
    const message = "Timeout exceeded: elapsed 5.001 seconds, maximum: 5";
    const row = `${JSON.stringify({ events: 1, stored_traces: 1 })}\n`;
    const modes: ((res: import("node:http").ServerResponse) => void)[] = [
      (res) => answerError(res, 500, 159, "TIMEOUT_EXCEEDED", message),
      // ClickHouse before 25.11: the exception appended to the body, after whole rows and after a cut row.
      (res) => answerMidStream(res, row, 159, "TIMEOUT_EXCEEDED", message),
      (res) => answerMidStream(res, row + '{"events":1,"stor', 159, "TIMEOUT_EXCEEDED", message),
      // ClickHouse 25.11 and later: framed by X-ClickHouse-Exception-Tag.
      (res) => answerMidStream(res, row, 159, "TIMEOUT_EXCEEDED", message, "a1b2c3d4e5f6a7b8"),
    ];
    for (const [i, mode] of modes.entries()) {
      server = await startStandIn((request, res) => (/system\.columns/.test(request.sql) ? answerRows(res, OTEL_COLUMNS) : mode(res)));
      const [url, env] = credentials(server.port)[i % 2]!;
      expectOneLine(await runIn(["cost", "breakdown", url, "--timeout", "5"], env), server.port, /: the query timed out after 5 s \(--timeout\)$/m);
      expect(server.requests.map((r) => r.settings.max_execution_time)).toEqual(["5", "5"]);
      await server.close();
      server = undefined;
    }
  }, 120_000);

  it("a server that takes the request and never answers: --timeout gives up, one line, exit 2", async () => {
    server = await startStandIn(() => {
      // never answer
    });
    for (const [i, [url, env]] of credentials(server.port).entries()) {
      // Once as a real process: it must end (exit 2) although the connection stays open.
      expectOneLine(await (i === 0 ? run : runIn)(["cost", "queries", url, "--timeout", "1"], env), server.port, /: the query timed out after 1 s \(--timeout\)$/m);
    }
    expect(server.requests.length).toBe(2);
    await server.close();
    server = undefined;
  }, 120_000);

  it("a refused port: one line, exit 2, no password under --debug either", async () => {
    const port = await closedPort();
    for (const [url, env] of credentials(port)) {
      expectOneLine(await runIn(["cost", "breakdown", url], env), port, /cannot connect \(connection refused\)/);
      expectNoPasswordUnderDebug(await runIn(["cost", "breakdown", url, "--debug"], env), /connection refused/);
    }
  }, 120_000);

  it("clickhouses:// to a plain HTTP port: one line saying the server answered in plain HTTP", async () => {
    server = await startStandIn((_request, res) => answerRows(res, OTEL_COLUMNS));
    for (const [url, env] of credentials(server.port, "clickhouses")) {
      expectOneLine(await runIn(["cost", "breakdown", url], env), server.port, /: TLS failed: the server answered in plain HTTP \(clickhouses:\/\/ against a plain HTTP port\?/, "clickhouses");
      expectNoPasswordUnderDebug(await runIn(["cost", "breakdown", url, "--debug"], env), /TLS failed/);
    }
    // The handshake failed: no request was ever read.
    expect(server.requests.length).toBe(0);
    await server.close();
    server = undefined;
  }, 120_000);
});

describe("the HTTP path sends what the chDB tests execute", () => {
  let dir = "";
  beforeAll(async () => {
    dir = (await chdbWith(["fixtures/auction/otlp.jsonl"])).dir;
  }, 300_000);

  // chDB's own formatting of a bound value (the text its engine parses for {name:Type}); its
  // package does not export it, so it is read from the file beside its entry point.
  const chdbRoot = dirname(createRequire(import.meta.url).resolve("chdb"));
  const { formatParamValue } = createRequire(import.meta.url)(join(chdbRoot, "dist/serialize.js")) as { formatParamValue(value: unknown): string };
  // ClickHouse reads a Bool parameter as 1/0 or true/false: the client sends 1/0, chDB true/false.
  const engineText = (value: unknown) => (typeof value === "boolean" ? (value ? "1" : "0") : formatParamValue(value));

  interface Executed {
    sql: string;
    params: Record<string, string>;
    answer: string;
  }

  /** Run `fn` over chDB (the range of `flags`, the config `config`), recording every query's SQL text, its parameters as the engine gets them, and its answer. */
  async function recordChdb<T>(fn: (session: ClickHouseSession) => Promise<T>, flags: { since?: string; until?: string } = {}, config = defaultConfig()): Promise<{ result: T; executed: Executed[] }> {
    const source = parseClickHouseSource([`chdb:${dir}`], flags);
    if (source.kind !== "chdb") throw new Error("expected a chdb: source");
    const inner = await openChdb(source);
    const executed: Executed[] = [];
    const engine: ClickHouseEngine = {
      kind: "chdb",
      async query(sql, params = {}) {
        const answer = await inner.query(sql, params);
        executed.push({
          sql,
          params: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, engineText(v)])),
          answer: answer.rows.map((row) => JSON.stringify(row) + "\n").join(""),
        });
        return answer;
      },
      close: () => inner.close(),
    };
    try {
      const session: ClickHouseSession = { engine, source, config, model: {}, bytesReturned: 0, rowsReturned: 0 };
      await checkSchema(session);
      return { result: await fn(session), executed };
    } finally {
      await engine.close();
    }
  }

  /** What a chDB run recorded (test/helpers/chdb-record.ts), with each value in the text the engine parses. */
  const asEngineTexts = (recorded: ChdbExecuted[]): Executed[] =>
    recorded.map(({ sql, params, answer }) => ({ sql, params: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, engineText(v)])), answer }));

  /** The CLI over chDB in-process, and what the engine executed for it. */
  async function cliOverChdb(args: string[]): Promise<{ run: CliResult; executed: Executed[] }> {
    const { result, executed } = await recordingChdb(() => adtraceIn(args));
    return { run: result, executed: asEngineTexts(executed) };
  }

  /** A stand-in that answers a request with chDB's answer to the same SQL text and parameter texts, else an error. */
  function replaying(executed: Executed[]) {
    const key = (sql: string, params: Record<string, string>) => JSON.stringify([sql, Object.entries(params).sort(([a], [b]) => (a < b ? -1 : 1))]);
    const answers = new Map(executed.map((e) => [key(e.sql, e.params), e.answer]));
    return (request: CapturedRequest, res: import("node:http").ServerResponse) => {
      const answer = answers.get(key(request.sql, request.params));
      if (answer === undefined) answerError(res, 400, 62, "SYNTAX_ERROR", "stand-in: chDB was never sent this SQL text with these parameters");
      else answerRows(res, answer);
    };
  }

  it("breakdown and queries: the same SQL text and parameter texts, request by request, and the same results", async () => {
    for (const fn of [(s: ClickHouseSession) => clickhouseBreakdown(s, { by: [{ kind: "stage" }] }), (s: ClickHouseSession) => clickhouseQueries(s)] as const) {
      const { result: expected, executed } = await recordChdb(fn as (s: ClickHouseSession) => Promise<unknown>);
      const server = await startStandIn(replaying(executed));
      try {
        const source = parseClickHouseSource([`clickhouse://bob@127.0.0.1:${server.port}/default`], {}, { CLICKHOUSE_PASSWORD: PASSWORD });
        const actual = await withClickHouse(source, defaultConfig(), {}, fn as (s: ClickHouseSession) => Promise<unknown>);
        expect(server.requests.map((r) => r.sql)).toEqual(executed.map((e) => e.sql));
        for (const [i, request] of server.requests.entries()) {
          expect(request.params, `request ${i + 1}`).toEqual(executed[i]!.params);
          expect(request.format).toBe("JSONEachRow");
          // The client leaves the database out when it is the server's default.
          expect([undefined, "default"]).toContain(request.settings.database);
        }
        // The schema check, then the model's statement (one per analysis since the model is read
        // once per statement), whose rules and prices went as parameters: arrays of tuples, regexes
        // with their backslashes.
        expect(executed.length).toBeGreaterThanOrEqual(2);
        expect(Object.keys(server.requests[1]!.params)).toEqual(expect.arrayContaining(["stage_rules", "compute_prices", "warehouse_prices", "weighted"]));
        expect(server.requests[1]!.params.stage_rules).toMatch(/^\[\(\d+,'[^']+',/);
        expect(differences(expected, actual)).toEqual([]);
      } finally {
        await server.close();
      }
    }
  }, 300_000);

  it("the CLI over HTTP writes the CSV bytes the CLI over chDB writes", async () => {
    const { run: overChdb, executed } = await cliOverChdb(["cost", "breakdown", `chdb:${dir}`, "--format", "csv"]);
    const server = await startStandIn(replaying(executed));
    try {
      const overHttp = await runIn(["cost", "breakdown", `clickhouse://bob@127.0.0.1:${server.port}/default`, "--format", "csv"], { CLICKHOUSE_PASSWORD: PASSWORD });
      expect(overHttp.code, overHttp.stderr).toBe(0);
      expect(overChdb.code, overChdb.stderr).toBe(0);
      expect(overHttp.stdout).toBe(overChdb.stdout);
      expect(overHttp.stdout.split("\n").length).toBeGreaterThan(7);
      // The schema check and the model's statement, each answered from chDB's run.
      expect(executed.length).toBeGreaterThanOrEqual(2);
      expect(server.requests.map((r) => r.sql)).toEqual(executed.map((e) => e.sql));
    } finally {
      await server.close();
    }
  }, 300_000);

  /** A report bundle's files; report.json without its inputs and report.html without its inputs table (they name the source). */
  function bundle(out: string): Record<string, string> {
    return Object.fromEntries(readdirSync(out).sort().map((name) => {
      const text = readFileSync(join(out, name), "utf8");
      if (name === "report.json") return [name, JSON.stringify({ ...JSON.parse(text), inputs: undefined })];
      if (name === "report.html") return [name, text.replace(/<table[^>]*data-table="inputs"[\s\S]*?<\/table>/, "")];
      return [name, text];
    }));
  }

  /** Every parameter a request sends that is a typed array of tuples, by name: rules, prices, SLOs, savings' terms. */
  const tupleArrays = (requests: CapturedRequest[]) =>
    new Set(requests.flatMap((r) => Object.entries(r.params).filter(([, v]) => /^\[\(/.test(v)).map(([k]) => k)));

  it("report: the same SQL text and parameter texts over HTTP as over chDB, and the same bundle, file by file", async () => {
    const work = mkdtempSync(join(tmpdir(), "adtrace-ch-http-report-"));
    // SLOs with and without a stage, so slo_indicators' typed array goes too.
    const configFile = join(work, "adtrace.config.yaml");
    writeFileSync(configFile, "slos:\n  - name: auction-latency\n    stage: auction\n    latency_ms: 40\n    objective: 0.95\n  - name: errors\n    error_rate: 0.05\n");
    const args = ["--config", configFile, "--no-timestamp", "-q"];
    const { run: overChdb, executed } = await cliOverChdb(["report", `chdb:${dir}`, "--out-dir", join(work, "chdb"), ...args]);
    const server = await startStandIn(replaying(executed));
    try {
      const overHttp = await runIn(["report", `clickhouse://bob@127.0.0.1:${server.port}/default`, "--out-dir", join(work, "http"), ...args], { CLICKHOUSE_PASSWORD: PASSWORD });
      expect([overHttp.code, overChdb.code], overHttp.stderr + overChdb.stderr).toEqual([0, 0]);
      // Every statement chDB ran, in order, with the same parameter texts (a request chDB never saw is answered with an error).
      expect(server.requests.map((r) => r.sql)).toEqual(executed.map((e) => e.sql));
      for (const [i, request] of server.requests.entries()) expect(request.params, `request ${i + 1}`).toEqual(executed[i]!.params);
      expect(server.requests.some((r) => /\bslo_list\b/.test(r.sql))).toBe(true);
      expect(tupleArrays(server.requests)).toEqual(new Set(["stage_rules", "compute_prices", "warehouse_prices", "slos", "terms"]));
      const slos = server.requests.find((r) => r.params.slos !== undefined)!.params.slos;
      expect(slos).toBe("[('auction',40000000),(NULL,0)]");
      const local = bundle(join(work, "chdb"));
      expect(Object.keys(local)).toEqual(["breakdown.csv", "flags.csv", "pii.csv", "queries.csv", "report.html", "report.json", "savings.csv", "slos.csv", "summary.md"]);
      expect(bundle(join(work, "http"))).toEqual(local);
      const inputs = JSON.parse(readFileSync(join(work, "http", "report.json"), "utf8")).inputs;
      expect(inputs).toEqual([{ path: `clickhouse://bob@127.0.0.1:${server.port}/default default.otel_traces`, table: "default.otel_traces", since: null, until: null, spans: expect.any(Number) }]);
      for (const name of readdirSync(join(work, "http"))) expect(readFileSync(join(work, "http", name), "utf8"), name).not.toContain(PASSWORD);
    } finally {
      await server.close();
    }
  }, 900_000);

  it("diff of two windows: the same SQL text and parameter texts over HTTP as over chDB, and the same CSV and exit code", async () => {
    // The fixture's minute cut in two (the current window given its end: without one it ends at the
    // run's now); by stage and by an attribute (the group keys' Nullable(String) parameters).
    const cut = "2024-05-01T12:00:30Z";
    const end = "2024-05-01T13:00:00Z";
    for (const by of ["stage", "service,attr:user_locale"]) {
      const args = ["--baseline-until", cut, "--since", cut, "--until", end, "--by", by, "--format", "csv", "--max-cost-increase", "5%"];
      const { run: overChdb, executed } = await cliOverChdb(["diff", `chdb:${dir}`, `chdb:${dir}`, ...args]);
      const server = await startStandIn(replaying(executed));
      try {
        const http = `clickhouse://bob@127.0.0.1:${server.port}/default`;
        const overHttp = await runIn(["diff", http, http, ...args], { CLICKHOUSE_PASSWORD: PASSWORD });
        expect(overHttp.code, overHttp.stderr).toBe(overChdb.code);
        expect(overHttp.stdout, by).toBe(overChdb.stdout);
        expect(overHttp.stdout.split("\n").length, by).toBeGreaterThan(4);
        expect(server.requests.map((r) => r.sql)).toEqual(executed.map((e) => e.sql));
        for (const [i, request] of server.requests.entries()) expect(request.params, `${by} request ${i + 1}`).toEqual(executed[i]!.params);
        // Both windows' statements: breakdown, moments and (a bootstrap-sized side) events, each side with its range.
        expect(server.requests.filter((r) => /\bmax_events\b/.test(r.sql))).toHaveLength(2);
        expect(server.requests.filter((r) => r.params.has_until === "1").length).toBeGreaterThan(0);
        expect(server.requests.filter((r) => r.params.has_since === "1").length).toBeGreaterThan(0);
        const grouped = server.requests.filter((r) => r.params.k1 !== undefined);
        expect(grouped.length).toBeGreaterThan(0);
        for (const r of grouped) expect([r.params.k1, r.params.a1, r.params.k2, r.params.a2, r.params.k3], by).toEqual(by === "stage" ? ["stage", "\\N", "\\N", "\\N", "\\N"] : ["service", "\\N", "attr", "user_locale", "\\N"]);
        expect(tupleArrays(server.requests)).toEqual(new Set(["stage_rules", "compute_prices", "warehouse_prices"]));
      } finally {
        await server.close();
      }
    }
  }, 900_000);
});

/** A port on 127.0.0.1 that nothing listens on: one the OS just handed out, closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as import("node:net").AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
