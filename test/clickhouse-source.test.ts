// A ClickHouse source as the command line gives it (issue 17): URLs, TLS, chdb:PATH, --table,
// --since/--until, --timeout; the password from the URL or CLICKHOUSE_PASSWORD and never in a
// label or a message. Pure functions; nothing connects. The typed parameters the model is sent
// with (globs as anchored patterns) are checked here too.
import { describe, expect, it } from "vitest";
import { TupleParam } from "@clickhouse/client";
import { parseClickHouseSource, isClickHouseInput } from "../src/ingest/clickhouse-source.js";
import { globToRegex, modelParams } from "../src/analysis/clickhouse.js";
import { clickhouseError } from "../src/db/clickhouse.js";
import { defaultConfig, parseConfig } from "../src/model/config.js";
import { InputError, UsageError } from "../src/errors.js";

const NOW = new Date("2024-06-01T12:00:00Z");
const parse = (input: string, options = {}, env: NodeJS.ProcessEnv = {}) => parseClickHouseSource([input], options, env, NOW);

describe("ClickHouse source", () => {
  it("reads user, host, port and database from clickhouse://, with HTTP's default port and database", () => {
    expect(parse("clickhouse://analyst@ch.internal:8123/telemetry")).toMatchObject({
      kind: "http", url: "http://ch.internal:8123", username: "analyst", password: "", database: "telemetry", table: "otel_traces",
    });
    expect(parse("clickhouse://ch.internal")).toMatchObject({ url: "http://ch.internal:8123", username: "default", database: "default" });
    expect(parse("clickhouses://analyst@ch.example.com/otel")).toMatchObject({ url: "https://ch.example.com:8443", database: "otel" });
    expect(parse("clickhouses://analyst@ch.example.com:9443/otel")).toMatchObject({ url: "https://ch.example.com:9443" });
  });

  it("takes the password from the URL, else CLICKHOUSE_PASSWORD, and never shows it", () => {
    const fromUrl = parse("clickhouse://analyst:s3cr%40t@ch:8123/db", {}, { CLICKHOUSE_PASSWORD: "other" });
    expect(fromUrl.kind === "http" && fromUrl.password).toBe("s3cr@t");
    const fromEnv = parse("clickhouse://analyst@ch:8123/db", {}, { CLICKHOUSE_PASSWORD: "hunter2" });
    expect(fromEnv.kind === "http" && fromEnv.password).toBe("hunter2");
    for (const source of [fromUrl, fromEnv]) {
      expect(source.label).not.toMatch(/s3cr|hunter2|other/);
      expect(source.label).toBe("clickhouse://analyst@ch:8123/db db.otel_traces");
    }
    // A URL that does not parse is named without its password.
    let message = "";
    try {
      parse("clickhouse://analyst:p4ssw0rd@/db");
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/ClickHouse URL/);
    expect(message).not.toContain("p4ssw0rd");
  });

  it("reads chdb:PATH, and --table as NAME or DATABASE.NAME", () => {
    expect(parse("chdb:./ch-data")).toMatchObject({ kind: "chdb", path: "./ch-data", database: "default", table: "otel_traces", label: "chdb:./ch-data default.otel_traces" });
    expect(parse("chdb:/d", { table: "signoz_traces.signoz_index_v2" })).toMatchObject({ database: "signoz_traces", table: "signoz_index_v2" });
    expect(parse("clickhouse://u@h/otel", { table: "spans" })).toMatchObject({ database: "otel", table: "spans" });
  });

  it("turns --since and --until into epoch ns on Timestamp, and --timeout into seconds", () => {
    const source = parse("chdb:/d", { since: "2024-05-01", until: "2024-05-02T00:00:00Z", timeout: "30" });
    expect(source.sinceNs).toBe(BigInt(Date.parse("2024-05-01T00:00:00Z")) * 1_000_000n);
    expect(source.untilNs).toBe(BigInt(Date.parse("2024-05-02T00:00:00Z")) * 1_000_000n);
    expect(source.timeoutSeconds).toBe(30);
    expect(source.label).toBe("chdb:/d default.otel_traces (since 2024-05-01 until 2024-05-02T00:00:00Z)");
    expect(parse("chdb:/d", { since: "24h" }).sinceNs).toBe(BigInt(NOW.getTime() - 86_400_000) * 1_000_000n);
  });

  it("refuses what it cannot read, as usage errors", () => {
    const bad: [string, object][] = [
      ["chdb:", {}],
      ["chdb:/d", { table: "otel traces" }],
      ["chdb:/d", { table: "a.b.c" }],
      ["chdb:/d", { table: "x;DROP TABLE y" }],
      ["clickhouse://u@h/db", { table: "other.t" }],
      ["clickhouse://u@h/db/more", {}],
      ["clickhouse://u@h/db?secure=1", {}],
      ["chdb:/d", { since: "yesterday" }],
      ["chdb:/d", { since: "2024-05-02", until: "2024-05-01" }],
      ["chdb:/d", { timeout: "0" }],
      ["chdb:/d", { timeout: "soon" }],
    ];
    for (const [input, options] of bad) expect(() => parse(input, options), `${input} ${JSON.stringify(options)}`).toThrow(UsageError);
    expect(() => parseClickHouseSource(["chdb:/d", "spans.jsonl"], {}, {}, NOW)).toThrow(/read alone/);
    expect(isClickHouseInput("clickhouse://h")).toBe(true);
    expect(isClickHouseInput("CHDB:/x")).toBe(true);
    expect(isClickHouseInput("fixtures/auction/otlp.jsonl")).toBe(false);
  });
});

describe("the model's typed parameters", () => {
  it("turns DuckDB globs into anchored patterns that match the same names", () => {
    const cases: [string, string, boolean][] = [
      ["*aggregat*", "aggregator.warehouse.query", true],
      ["*aggregat*", "tracking", false],
      ["*.ann.*", "inventory.ann.search", true],
      ["*.ann.*", "inventoryXannYsearch", false],
      ["db.?", "db.x", true],
      ["db.?", "db.xy", false],
      ["[ab]*", "bid", true],
      ["[!ab]*", "bid", false],
      ["[!ab]*", "click", true],
      ["a+b(c)", "a+b(c)", true],
      ["a+b(c)", "aab(c)", false],
      ["*", "line\nbreak", true],
    ];
    for (const [glob, name, matches] of cases) expect(new RegExp(globToRegex(glob).replace("(?s:", "(?:"), "s").test(name), `${glob} ~ ${name}`).toBe(matches);
  });

  it("sends stage rules, sampling rules and dated prices as tuples in priority order, never as SQL text", () => {
    const config = parseConfig(`
stages:
  - stage: tracking
    match: { name: "*track*", attribute: { "event.kind": "imp*" } }
  - stage: auction
    match: { service: "*auction*" }
sampling:
  - match: { name: "db.*" }
    rate: 0.1
prices:
  - effective_from: 2024-06-01
    compute: { vcpu_hour_usd: 0.05 }
`, "t.yaml");
    const params = modelParams(parseClickHouseSource(["chdb:/d"], { since: "2024-05-01" }, {}, NOW), config);
    const values = (list: unknown) => (list as TupleParam[]).map((t) => t.values);
    expect(values(params.stage_rules)).toEqual([[1, "auction", null, "^(?s:.*auction.*)$"]]);
    expect(values(params.attr_stage_rules)).toEqual([[0, "tracking", "^(?s:.*track.*)$", null, 1]]);
    expect(values(params.stage_rule_attrs)).toEqual([[0, "event.kind", "^(?s:imp.*)$"]]);
    expect(values(params.sampling_rules)).toEqual([[0, "^(?s:db\\..*)$", null, 0, 0.1]]);
    // Two books: the defaults from the beginning, the dated one from its date, compute overridden.
    const compute = values(params.compute_prices);
    expect(compute).toEqual([[-(2n ** 62n), 0.0425, 1], [BigInt(Date.parse("2024-06-01")) * 1_000_000n, 0.05, 1]]);
    expect(params).toMatchObject({ db: "default", tbl: "otel_traces", has_since: true, since_ns: String(BigInt(Date.parse("2024-05-01")) * 1_000_000n), has_until: false });
    const snowflake = values(params.warehouse_prices).filter((w) => w[0] === "snowflake");
    expect(snowflake.map((w) => w[1])).toEqual(compute.map((c) => c[0]));
    expect(snowflake[0]!.slice(2, 4)).toEqual([3, ["XSMALL", "SMALL", "MEDIUM", "LARGE", "XLARGE", "2XLARGE", "3XLARGE", "4XLARGE", "5XLARGE", "6XLARGE"]]);
    expect(defaultConfig().stages.length).toBe(values(modelParams(parseClickHouseSource(["chdb:/d"]), defaultConfig()).stage_rules).length);
  });
});

describe("the model's typed parameters: what the seed-28 sample's mutants found", () => {
  const values = (list: unknown) => (list as TupleParam[]).map((t) => t.values);

  // analysis/clickhouse.ts:170 a sampling rule's attribute globs → `[]` survived: no test's rule had any.
  it("sends a sampling rule's attribute globs beside it, numbered as the rules are (--sample-rate's first)", () => {
    const config = parseConfig(`
sampling:
  - match: { name: "db.*" }
    rate: 0.1
  - match: { service: "auction*", attribute: { user_locale: "[ef][nr]-*", ad.campaign_id: "c-[!1]" } }
    rate: 0.25
`, "t.yaml");
    const params = modelParams(parseClickHouseSource(["chdb:/d"], {}, {}, NOW), config, { sampleRates: [{ match: { attribute: { "device.type": "mob*" } }, rate: 0.5 }] });
    expect(values(params.sampling_rules)).toEqual([[0, null, null, 1, 0.5], [1, "^(?s:db\\..*)$", null, 0, 0.1], [2, null, "^(?s:auction.*)$", 2, 0.25]]);
    expect(values(params.sampling_rule_attrs)).toEqual([[0, "device.type", "^(?s:mob.*)$"], [2, "user_locale", "^(?s:[ef][nr]-.*)$"], [2, "ad.campaign_id", "^(?s:c-[^1])$"]]);
  });

  // analysis/clickhouse.ts:126 an unclosed `[` → "" survived, and the line was wrong: DuckDB's GLOB
  // matches nothing past a `[` that no `]` closes. The answers are DuckDB 1.x's (SELECT name GLOB glob);
  // test/clickhouse-survivors-28.test.ts compares ClickHouse's match with DuckDB's GLOB itself.
  it("reads brackets as DuckDB's GLOB does: unclosed, `]` first, ranges empty or ending in `]`; a `\\` at the end", () => {
    const cases: [string, string, boolean][] = [
      ["a[b", "a[b", false],
      ["a[b", "ab", false],
      ["*auction[*", "auction.rtb.run", false],
      ["a[b]c[d", "abc[d", false],
      ["[!]", "[!]", false],
      ["a[]b]", "a]", true],
      ["a[]b]", "a[", false],
      ["a[!]b]", "ac", true],
      ["a[!]b]", "a]", false],
      ["[a-]", "-", false],
      ["[a-]x]", "x", true],
      ["[z-a]", "a", false],
      ["[!z-a]", "q", true],
      ["[-a]", "-", true],
      ["[a^]", "^", true],
      ["x\\", "x\\", false],
      ["a\\[b", "a[b", true],
    ];
    for (const [glob, name, matches] of cases) expect(new RegExp(globToRegex(glob).replace("(?s:", "(?:"), "s").test(name), `${glob} ~ ${name}`).toBe(matches);
    // What JavaScript forgives and RE2 refuses (`[]`, `[^]`), or a glob that can never match: the patterns themselves.
    const nothing = "^[^\\s\\S]$";
    expect([globToRegex("a[b"), globToRegex("[z-a]"), globToRegex("x\\"), globToRegex("[a-"), globToRegex("[!")]).toEqual([nothing, nothing, nothing, nothing, nothing]);
    expect([globToRegex("[!z-a]"), globToRegex("a[]b]"), globToRegex("[!]a-c]"), globToRegex("[a-]x]")]).toEqual(["^(?s:.)$", "^(?s:a[\\]b])$", "^(?s:[^\\]a-c])$", "^(?s:[x])$"]);
  });
});

describe("ClickHouse errors", () => {
  const connection = { label: "clickhouse://bob@127.0.0.1:1/db db.otel_traces", password: "s3cret-pw", timeoutSeconds: 5 };

  it("maps what a server or the network says to one line naming the source, without the password", () => {
    const cases: [unknown, RegExp][] = [
      [Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), { code: "ECONNREFUSED" }), /connection refused/],
      [Object.assign(new Error("getaddrinfo ENOTFOUND nohost"), { code: "ENOTFOUND" }), /unknown host/],
      [Object.assign(new Error("bob: Authentication failed: password is incorrect, or there is no user with such name. s3cret-pw"), { code: "516" }), /authentication failed/],
      [Object.assign(new Error("Unknown table expression identifier 'default.nope'"), { code: "60" }), /no such table/],
      [Object.assign(new Error("Timeout exceeded: elapsed 5.1 seconds"), { code: "159" }), /timed out after 5 s \(--timeout\)/],
      [new Error("Timeout error."), /timed out after 5 s/],
    ];
    for (const [error, expected] of cases) {
      const mapped = clickhouseError(error, connection);
      expect(mapped).toBeInstanceOf(InputError);
      expect(mapped.message).toMatch(expected);
      expect(mapped.message.startsWith(connection.label + ": ")).toBe(true);
      expect(mapped.message).not.toContain("s3cret-pw");
      expect(mapped.message).not.toContain("\n");
    }
  });
});

describe("a ClickHouse source on a command that does not read one", () => {
  it("is one usage line naming the commands that do, without the password, not 'no such file'", async () => {
    const { expandInputs } = await import("../src/ingest/files.js");
    for (const spec of ["chdb:/nowhere/data", "clickhouse://bob:s3cret-pw@ch.internal:8123/otel", "clickhouses://ch.internal/otel"]) {
      const error = await expandInputs([spec]).then(() => undefined, (e: unknown) => e);
      expect(error, spec).toBeInstanceOf(UsageError);
      const message = (error as Error).message;
      expect(message).toMatch(/: this command does not read a ClickHouse source yet \(inspect, cost breakdown, .* audit pii do\)$/);
      expect(message).not.toContain("s3cret-pw");
      expect(message).not.toContain("\n");
    }
  });
});
