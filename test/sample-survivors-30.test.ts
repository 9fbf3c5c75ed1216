// The seed-30 sample's survivors (issue 25; TESTING.md "The seed-30 sample"): each test fails with
// its mutant applied by hand, and compares with an independent value.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DuckDBInstance } from "@duckdb/node-api";
import { Chalk } from "chalk";
import { describe, expect, it } from "vitest";
import { isoMicros } from "../src/analysis/clickhouse-inspect.js";
import { chooseHits, parseLever } from "../src/analysis/savings.js";
import { UsageError } from "../src/errors.js";
import { formatters } from "../src/output/format.js";
import type { TableResult } from "../src/output/result.js";
import { adtraceIn } from "./helpers/in-process.js";
import { otlpDocument, spanId, traceId, writeTemp, type TestSpan } from "./helpers/otlp.js";

describe("isoMicros (ClickHouse inspect's start and end)", () => {
  it("writes every time, before 1970 too, as DuckDB's strftime(make_timestamp(ns // 1000)) does on the local path", async () => {
    // clickhouse-inspect.ts: the seconds' floor (`us >= 0n ? … : …` → `true` put a time before 1970
    // in 1970 with a negative µs field), and the µs themselves: DuckDB's `//` truncates toward zero,
    // so -1,500,001 ns is -1,500 µs there (isoMicros floored it to -1,501 before this sample).
    const ns = [
      0n, 1n, 999n, 1000n, 1714564801500000999n, 1714564801000001000n,
      -1n, -999n, -1000n, -1001n, -1_500_000n, -1_500_001n, -999_999_999n, -1_000_000_000n, -1_000_000_001n,
      -86_400_000_000_001n, -2_208_988_800_000_000_000n, -2_208_988_799_999_999_999n,
    ];
    const connection = await (await DuckDBInstance.create(":memory:")).connect();
    try {
      const reader = await connection.runAndReadAll(
        `SELECT strftime(make_timestamp(n // 1000), '%Y-%m-%dT%H:%M:%S.%fZ') AS iso FROM unnest([${ns.map(String).join(", ")}]::BIGINT[]) AS t(n)`,
      );
      const duckdb = reader.getRowObjects().map((r) => r.iso);
      expect(ns.map((n) => isoMicros(String(n)))).toEqual(duckdb);
      // And by hand, the two the mutants moved: 1.5 ms and 1.500001 ms before 1970.
      expect(isoMicros("-1500000")).toBe("1969-12-31T23:59:59.998500Z");
      expect(isoMicros("-1500001")).toBe("1969-12-31T23:59:59.998500Z");
    } finally {
      connection.closeSync();
    }
  });
});

describe("CSV cells", () => {
  it("a row without a column's key writes an empty field, as null does, never the word undefined", () => {
    // csv.ts: `value === undefined` → false wrote "undefined".
    const result: TableResult = {
      heading: ["Rows with gaps"],
      columns: [{ key: "stage", kind: "text" }, { key: "calls", kind: "int" }, { key: "note", kind: "text" }],
      rows: [{ stage: "auction", calls: 3 }, { stage: "tracking", calls: null, note: "x" }],
    };
    const csv = formatters.csv(result, { colors: new Chalk({ level: 0 }) });
    expect(csv).toBe("stage,calls,note\r\nauction,3,\r\ntracking,,x\r\n");
  });
});

describe("diff against a report that cannot be read", () => {
  it("a cut-off report.json, or one without a breakdown, is one line naming the file and why, exit 2", async () => {
    // diff.ts reportSide: a message → "" left "DIR/report.json: " and nothing else.
    const dir = mkdtempSync(join(tmpdir(), "adtrace-cut-report-"));
    try {
      const text = '{"adtrace_version": "0.1.0", "breakdown": {"groups": [';
      writeFileSync(join(dir, "report.json"), text);
      let parseError = "";
      try {
        JSON.parse(text);
      } catch (error) {
        parseError = (error as Error).message;
      }
      const r = await adtraceIn(["diff", dir, dir, "--format", "json"]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe(`adtrace: error: ${join(dir, "report.json")}: not a readable report.json (${parseError})\n`);
      // diff.ts:270: JSON, but not a report's (another tool's report.json, or one cut down by hand).
      writeFileSync(join(dir, "report.json"), JSON.stringify({ adtrace_version: "0.1.0", inputs: [] }));
      const other = await adtraceIn(["diff", dir, dir, "--format", "json"]);
      expect(other.code).toBe(2);
      expect(other.stderr).toBe(`adtrace: error: ${join(dir, "report.json")}: report.json has no breakdown\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("savings levers with too many ':'", () => {
  it("names the lever's syntax, the hit cost for cache (README: --cache STAGE=h[:c]) and one value for the others", () => {
    // savings.ts parseLever: the cache syntax → "" said "expected STAGE=, with at most one ':'".
    const message = (kind: Parameters<typeof parseLever>[0], text: string) => {
      try {
        parseLever(kind, text);
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError);
        return (error as Error).message;
      }
      return "no error";
    };
    expect(message("cache", "tracking=0.5:0.1:3")).toBe("--cache tracking=0.5:0.1:3: expected STAGE=HIT_RATE[:HIT_COST_USD], with at most one ':'");
    expect(message("tune", "tracking=0.2:1:2")).toBe("--tune tracking=0.2:1:2: expected STAGE=REDUCTION, with at most one ':'");
    expect(message("preagg", "aggregation=0.5:1:2")).toBe("--preagg aggregation=0.5:1:2: expected STAGE=REDUCTION, with at most one ':'");
  });
});

describe("a stored session whose billing records were all skipped", () => {
  it("prices its spans as a session without billing does", async () => {
    // billing.ts installBilling: billed_queries exists (load --billing ran) but holds no bill, so
    // no span joins one (billing.no_bill_joins; → "" failed every cost command on such a database).
    const dir = mkdtempSync(join(tmpdir(), "adtrace-no-bills-"));
    try {
      const db = join(dir, "s.duckdb");
      const bills = join(dir, "bills.csv");
      const header = readFileSync("fixtures/billing/snowflake.csv", "utf8").split("\n")[0]!;
      // One Snowflake record with negative credits: skipped with a warning, nothing stored.
      writeFileSync(bills, `${header}\n01b2c3d4-0000-0009,,TRACKING_WH,2026-01-01 00:00:00.150 +0000,2026-01-01 00:00:01.050 +0000,-1,\n`);
      expect((await adtraceIn(["load", "fixtures/billing/traces.csv", "--db", db, "-q"])).code).toBe(0);
      const loaded = await adtraceIn(["load", "--billing", bills, "--db", db, "--format", "json"]);
      expect(loaded.code, loaded.stderr).toBe(0);
      expect(loaded.stderr).toMatch(/skipped: negative amount \(first: .*bills\.csv:record 1\)/);
      const config = ["--config", "fixtures/billing/adtrace.config.yaml", "--format", "csv"];
      const stored = await adtraceIn(["cost", "breakdown", "--db", db, ...config]);
      const files = await adtraceIn(["cost", "breakdown", "fixtures/billing/traces.csv", ...config]);
      expect(stored.code, stored.stderr).toBe(0);
      expect(files.code, files.stderr).toBe(0);
      expect(stored.stdout).toBe(files.stdout);
      expect(stored.stdout.split("\r\n").length).toBe(4); // header, the 2 stages, "" after the last CRLF
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("a PII pattern RE2 refuses", () => {
  it("says RE2's description and no part of the pattern, whatever colons the pattern holds", async () => {
    // pii.ts installDetectors: the pattern was cut from the last ':' (`/:\s*[^:]*$/`), so "a:(b"
    // left "missing ): a" (part of the pattern, and the description's own ')' lost nothing only
    // by luck); the unanchored mutant `/:\s*[^:]*/` cut the first. The descriptions are RE2's
    // (re2/regexp.cc, kErrorStrings).
    const dir = mkdtempSync(join(tmpdir(), "adtrace-re2-"));
    try {
      const cases: [string, string][] = [
        ["(abc", "missing )"], ["a:(b", "missing )"], ["a: (b:c", "missing )"], ["x:[z-a]", "invalid character class range"],
        ["\\q", "invalid escape sequence"], ["x{2,1}", "invalid repetition size"], ["a:**", "bad repetition operator"],
      ];
      for (const [pattern, description] of cases) {
        const config = join(dir, "pii.yaml");
        writeFileSync(config, `pii:\n  extra:\n    - pattern: ${JSON.stringify(pattern)}\n      kind: user_id\n`);
        const r = await adtraceIn(["audit", "pii", "fixtures/auction/otlp.jsonl", "--config", config]);
        expect(r.code, pattern).toBe(2);
        expect(r.stderr, pattern).toBe(`adtrace: error: ${config}:3: pii.extra[0]: invalid pattern for RE2 (${description}); see https://github.com/google/re2/wiki/Syntax\n`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("savings' latency model at exactly --latency-sample events", () => {
  it("re-times every event when the limit equals the count (not sampled), samples one below it", async () => {
    // savings.ts latencyModel: `stored > limit` → `>=` called the whole set a sample at the limit.
    // fixtures/auction holds 40 events (fixtures/auction/README.md).
    const run = async (limit: number) => {
      const r = await adtraceIn(["savings", "fixtures/auction/otlp.jsonl", "--cache", "tracking=0.5", "--latency-sample", String(limit), "--format", "json", "-q"]);
      expect(r.code, r.stderr).toBe(0);
      const json = JSON.parse(r.stdout) as { events: number; latency_events: number; latency_sampled: boolean };
      return { events: json.events, latency_events: json.latency_events, latency_sampled: json.latency_sampled };
    };
    expect(await run(40)).toEqual({ events: 40, latency_events: 40, latency_sampled: false });
    expect(await run(39)).toEqual({ events: 40, latency_events: 39, latency_sampled: true });
  });
});

describe("savings' cache hits: which events are candidates", () => {
  it("an event whose stage spans all sit in a parent cycle is not a candidate, so the hits go to real ones", async () => {
    // savings.ts topsOf: a stage's top spans are those whose parent is of another stage. With
    // `parent.stage === span.stage` → false every span was a top, so an event whose two tracking
    // spans are each other's parent became a candidate (its spans keep their times: re-timing
    // skips a cycle) and took the one hit of --cache tracking=0.5 from the event it would shorten.
    // A: bid.request 0–100 ms over tracking.lookup 0–100 ms; a hit (1 ms) ends both at 1 ms.
    // B: bid.request 0–50 ms, and two tracking spans 0–10 ms, each the other's parent.
    // The trace ids are picked so that, among both, B would be the one hit (chooseHits, salt 1).
    let a = "", b = "";
    for (let i = 1; !a && i <= 64; i++) {
      const [ta, tb] = [traceId(0xa000 + i), traceId(0xb000 + i)];
      if (chooseHits([ta, tb], 0.5, 1)[0] === tb) [a, b] = [ta, tb];
    }
    expect(b).not.toBe("");
    const cost = { "cost.usd": "0.001" };
    const spans: TestSpan[] = [
      { trace: a, id: spanId(1), name: "bid.request", startMs: 0, durationMs: 100, attrs: cost },
      { trace: a, id: spanId(2), parent: spanId(1), name: "tracking.lookup", startMs: 0, durationMs: 100, attrs: cost },
      { trace: b, id: spanId(1), name: "bid.request", startMs: 0, durationMs: 50, attrs: cost },
      { trace: b, id: spanId(2), parent: spanId(3), name: "tracking.lookup", startMs: 0, durationMs: 10, attrs: cost },
      { trace: b, id: spanId(3), parent: spanId(2), name: "tracking.lookup", startMs: 0, durationMs: 10, attrs: cost },
    ];
    const file = writeTemp("cycle-candidates.json", otlpDocument(spans));
    const r = await adtraceIn(["savings", file, "--cache", "tracking=0.5", "--format", "json", "-q"]);
    expect(r.code, r.stderr).toBe(0);
    const row = (JSON.parse(r.stdout) as { rows: { e2e_p95_ms_before: number; e2e_p95_ms_after: number }[] }).rows[0]!;
    // Type-7 p95 of two equal-weight events: lower + 0.95 × (upper − lower).
    expect(row.e2e_p95_ms_before).toBeCloseTo(50 + 0.95 * (100 - 50), 9); // {50, 100}
    expect(row.e2e_p95_ms_after).toBeCloseTo(1 + 0.95 * (50 - 1), 9); // A hit: {1, 50}
  });
});
