// A chDB data directory holding the OpenTelemetry exporter's `otel_traces`, filled with the same
// spans a DuckDB session reads (scripts/chdb-otel.mjs): span files → DuckDB's canonical spans →
// Parquet → chDB MergeTree. The ClickHouse tests compare the pushed-down analyses with the DuckDB
// path over these two copies.
import { copyFileSync, cpSync, mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Db } from "../../src/db/db.js";
import { loadInputs } from "../../src/ingest/load.js";
import { expect } from "vitest";
import { adtraceIn } from "./in-process.js";
import type { CliResult } from "./cli.js";
import { builtOnce } from "./run-once.js";
// @ts-expect-error a plain ES module shared with scripts/bench.mjs, without types
import { CANONICAL_TO_PARQUET, fillOtelTraces } from "../../scripts/chdb-otel.mjs";

/** A fresh chDB data directory with otel_traces holding the spans of `inputs`; its path and row count. */
export async function chdbWith(inputs: string[]): Promise<{ dir: string; rows: number }> {
  return chdbIn(mkdtempSync(join(tmpdir(), "adtrace-chdb-")), inputs);
}

/** As chdbWith, in `work` (an existing directory): the Parquet file and the chDB directory `clickhouse` under it. */
async function chdbIn(work: string, inputs: string[]): Promise<{ dir: string; rows: number }> {
  const parquet = join(work, "spans.parquet");
  const db = await Db.open();
  try {
    await loadInputs(db, { inputs });
    await db.exec(CANONICAL_TO_PARQUET as string, { path: parquet });
  } finally {
    db.close();
  }
  const dir = join(work, "clickhouse");
  const rows = (await fillOtelTraces(dir, parquet)) as number;
  return { dir, rows };
}

export const CH_FIXTURE = "fixtures/auction/otlp.jsonl";

/**
 * Beside otel_traces in `dir`, spans_v2: the same spans under other column names and types, read
 * with --map (service=svc, start=began, duration_us=elapsed_us, …): none of the exporter's columns,
 * and db.system out of the attribute map into a column of its own.
 */
export async function addMappedTable(dir: string): Promise<void> {
  const { Session } = await import("chdb");
  const session = new Session(dir);
  try {
    session.query(`CREATE TABLE spans_v2 (
      trace String, id String, parent_id String, operation LowCardinality(String), svc String,
      began DateTime64(9), elapsed_us Float64, tags Map(String, String), \`db.system\` Nullable(String), tracestate String
    ) ENGINE = MergeTree ORDER BY (svc, began)`);
    session.query(`INSERT INTO spans_v2 SELECT TraceId, SpanId, ParentSpanId, SpanName, ServiceName, Timestamp, Duration / 1000,
      mapFilter((k, v) -> k != 'db.system', SpanAttributes), if(mapContains(SpanAttributes, 'db.system'), SpanAttributes['db.system'], NULL), TraceState
      FROM otel_traces`);
  } finally {
    session.close();
  }
}

/**
 * The three inputs the equality tests compare on, each also in a chDB otel_traces: the fixture,
 * 400 generated events (seed 7) and 1,200 sampled ones (seed 8, kept 1 in 4, `ot=th` in
 * TraceState). Fills `data` (name → span file and chDB directory); call it from beforeAll.
 *
 * Built once per test run (issue 25: generating, loading, writing Parquet and filling chDB cost
 * seconds per data set, and seven files ask for the same three; test/helpers/run-once.ts), then
 * copied into `work`: the span files, and each chDB directory (`cp -r`, its symbolic links kept
 * as the relative links they are), since a chDB directory holds a lock while open and files in
 * other workers open theirs at the same time, and some tests add tables to theirs.
 */
export async function chdbDatasets(work: string, data: Record<string, { input: string; dir: string }>): Promise<{ generated: string; sampled: string }> {
  const shared = await builtOnce("chdb-datasets", async (dir) => {
    const spans = { generated: join(dir, "generated.jsonl"), sampled: join(dir, "sampled.jsonl") };
    for (const [out, args] of [[spans.generated, ["--events", "400", "--seed", "7"]], [spans.sampled, ["--events", "1200", "--seed", "8", "--sample-rate", "0.25"]]] as const) {
      const run = await adtraceIn(["generate", ...args, "--out", out]);
      if (run.code !== 0) throw new Error(`generate ${args.join(" ")}: ${run.stderr}`);
    }
    for (const [name, input] of [["fixture", CH_FIXTURE], ["generated", spans.generated], ["sampled", spans.sampled]] as const) {
      mkdirSync(join(dir, name));
      const { rows } = await chdbIn(join(dir, name), [input]);
      if (!(rows > 0)) throw new Error(`chDB otel_traces from ${input} holds no rows`);
    }
  });
  const generated = join(work, "generated.jsonl");
  const sampled = join(work, "sampled.jsonl");
  copyFileSync(join(shared, "generated.jsonl"), generated);
  copyFileSync(join(shared, "sampled.jsonl"), sampled);
  for (const [name, input] of [["fixture", CH_FIXTURE], ["generated", generated], ["sampled", sampled]] as const) {
    const dir = join(work, `${name}-clickhouse`);
    cpSync(join(shared, name, "clickhouse"), dir, { recursive: true, verbatimSymlinks: true });
    data[name] = { input, dir };
  }
  return { generated, sampled };
}

/** Every number in `actual` within `rel` (relative) of `expected`, everything else equal; the paths that differ. */
export function differences(expected: unknown, actual: unknown, rel = 1e-9, path = ""): string[] {
  if (typeof expected === "number" && typeof actual === "number") {
    const scale = Math.max(Math.abs(expected), Math.abs(actual));
    return scale === 0 || Math.abs(expected - actual) <= rel * scale ? [] : [`${path}: ${expected} ≠ ${actual}`];
  }
  if (expected && actual && typeof expected === "object" && typeof actual === "object") {
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    return [...keys].flatMap((k) => differences((expected as Record<string, unknown>)[k], (actual as Record<string, unknown>)[k], rel, `${path}.${k}`));
  }
  return expected === actual ? [] : [`${path}: ${JSON.stringify(expected)} ≠ ${JSON.stringify(actual)}`];
}

/**
 * `adtrace COMMAND… --format json` (in `args`) over the span file `input` and over `chdb:dir`,
 * in-process: both exit 0 and the pushed-down JSON equals the local one (numbers to 1e-9).
 */
export async function expectSameJson(command: string[], input: string, dir: string, args: string[]): Promise<void> {
  const local = await adtraceIn([...command, input, ...args]);
  const pushed = await adtraceIn([...command, `chdb:${dir}`, ...args]);
  expect(local.code, local.stderr).toBe(0);
  expect(pushed.code, pushed.stderr).toBe(0);
  expect(differences(JSON.parse(local.stdout), JSON.parse(pushed.stdout))).toEqual([]);
}

/** A refusal as users see it: exit 2, nothing on stdout, one line on stderr (equal to `expected` when given). */
export function expectRefusal(run: CliResult, expected?: string): void {
  expect(run.code, run.stderr).toBe(2);
  expect(run.stdout).toBe("");
  expect(run.stderr.trim().split("\n"), run.stderr).toHaveLength(1);
  if (expected !== undefined) expect(run.stderr).toBe(expected);
}
