// Same input, same bytes (issue 13): every command's CSV, JSON and Markdown are byte-identical
// from run to run, whether DuckDB runs on one thread or four. DuckDB adds floats in the order its
// threads happen to deliver rows, so a float sum (and a share, a ranking or a threshold read from
// it) could change from run to run; adtrace sums exactly instead (adtrace_sum in
// queries/model.sql) and writes 12 significant digits.
//
// Most repetitions run in-process (the analysis functions and the output formatters, as the
// commands call them); one child process per command checks that the CLI writes those same bytes.
// The data: a few hundred generated events, and sampled ones with a cost regression whose
// fractional weights (1/0.3) make float sums order-dependent. (When this test was written, float
// sums gave two or three different outputs in eight runs of cost breakdown; with 12 significant
// digits written they no longer show on these data: see REPEATS.)
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Chalk } from "chalk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withAnalysis, type Analysis } from "../src/analysis/analysis.js";
import { breakdown, type GroupKey } from "../src/analysis/breakdown.js";
import { diff, diffSides, spanSide } from "../src/analysis/diff.js";
import { inspectSpans } from "../src/analysis/inspect.js";
import { loadIntoDatabase } from "../src/ingest/load-db.js";
import { collectReport } from "../src/analysis/report.js";
import { generate } from "../src/generate/generate.js";
import { pullSpans } from "../src/ingest/pull.js";
import { breakdownView, queriesView } from "../src/output/cost-views.js";
import { flagsView, savingsView } from "../src/output/decision-views.js";
import { diffView } from "../src/output/diff-view.js";
import { formatters } from "../src/output/format.js";
import { pullSummary } from "../src/output/pull-view.js";
import { renderBundle } from "../src/output/report-files.js";
import { withReportHtml } from "../src/output/html/report-page.js";
import type { TableResult } from "../src/output/result.js";
import { inspectView, loadSummary } from "../src/output/views.js";
import { costCriticalPath } from "../src/analysis/path-cost.js";
import { traceWaterfall } from "../src/analysis/trace.js";
import { criticalPathView, traceView } from "../src/output/path-views.js";
import { adtrace, FIXTURE } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";
import { postgresDatabase, type PgServer } from "./helpers/postgres.js";

// Runs per thread count, one in each of two fresh sessions. Measured on 2026-12-01 (TESTING.md,
// "The fourth pass"): with adtrace_sum replaced by DuckDB's plain float sum, 12 runs on 1 thread
// and 12 on 4 all gave the reference's bytes, and so did the same spans loaded in reverse order.
// These data are one DuckDB row group (a few thousand spans; the load's 70 lines, the pull's 369
// spans), so DuckDB's threads never reorder a sum, and 12 significant digits hide a float sum's
// last-bit noise: runs beyond the second catch nothing the second does not. What the runs do
// catch is output that differs between sessions or thread counts (a random order, a tie broken
// by arrival), which the second run shows.
const REPEATS = 2;
const THREADS = ["1", "4"] as const;
const MACHINE = ["csv", "json", "md"] as const;
const plain = { colors: new Chalk({ level: 0 }) };
const VERSION = (JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version: string }).version;

const dir = mkdtempSync(join(tmpdir(), "adtrace-stable-"));
const path = (name: string) => join(dir, name);
const BASE_DB = path("base.duckdb");
const SAMPLED_DB = path("sampled.duckdb");
// Large enough for three of the parser's 4 MB chunks.
const LOAD_INPUT = path("load.jsonl");
const BY_STAGE: GroupKey[] = [{ kind: "stage" }];
const BY_LOCALE: GroupKey[] = [{ kind: "stage" }, { kind: "attr", key: "user_locale" }];

/** A view in every machine-readable format the commands write (Arrow too), keyed `name.format`. */
function rendered(name: string, view: TableResult, into: Record<string, string>): void {
  for (const format of MACHINE) into[`${name}.${format}`] = formatters[format](view, plain);
  // Arrow's bytes, as base64 so they compare as the text formats do (issue 21, part 4).
  into[`${name}.arrow`] = Buffer.from(formatters.arrow(view, plain)).toString("base64");
}

function withThreads<T>(threads: string, fn: () => Promise<T>): Promise<T> {
  process.env.ADTRACE_THREADS = threads;
  return fn().finally(() => delete process.env.ADTRACE_THREADS);
}

/**
 * Every analysis command's output on the sampled database, as `adtrace … --db DB` writes it:
 * the report's parts are what breakdown, queries, flags and savings --suggest compute; then cost
 * critical-path and trace --pick median.
 */
async function analyses(a: Analysis, withHtml: boolean): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const data = await collectReport(a, { inputs: [], db: SAMPLED_DB, timestamp: false, version: VERSION });
  rendered("breakdown", breakdownView(data.breakdown, { config: a.config.source, label: a.label }), out);
  rendered("breakdown-locale", breakdownView(await breakdown(a.db, { by: BY_LOCALE }), { config: a.config.source, label: a.label }), out);
  rendered("queries", queriesView({ queries: data.queries, totals: data.breakdown.totals, pricing: data.breakdown.pricing }), out);
  rendered("flags", flagsView(data.flags, { label: a.label }), out);
  rendered("savings", savingsView(data.savings), out);
  rendered("inspect", inspectView(await inspectSpans(a.db, a.load)), out);
  rendered("critical-path", criticalPathView(await costCriticalPath(a.db), { label: a.label }), out);
  rendered("trace", traceView(await traceWaterfall(a.db, { pick: "median" }, a.label), { label: a.label }), out);
  // report.html (Vega's charts, a second or more per render on a loaded machine) in the first run
  // of each session only: it is drawn from report.json's text, which every run checks.
  const bundle = withHtml ? await withReportHtml(renderBundle(data)) : renderBundle(data);
  for (const [file, text] of Object.entries(bundle)) out[`report/${file}`] = text;
  return out;
}

const DIFF_OPTIONS = { by: BY_STAGE, gates: { maxStageIncrease: 0.1 } };

/**
 * `runs` runs of every analysis command and of diff (base → sampled) in one session per side
 * (one cost model each, as a command has) on `threads` threads.
 */
function session(threads: string, runs: number): Promise<Record<string, string>[]> {
  const model = { attributeKeys: ["user_locale"] };
  return withThreads(threads, () =>
    withAnalysis({ inputs: [], db: BASE_DB, model }, (base) =>
      withAnalysis({ inputs: [], db: SAMPLED_DB, model }, async (a) => {
        const results: Record<string, string>[] = [];
        for (let i = 0; i < runs; i++) {
          const out = await analyses(a, i === 0);
          rendered("diff", diffView(diffSides(await spanSide(base.db, BASE_DB, BY_STAGE), await spanSide(a.db, SAMPLED_DB, BY_STAGE), DIFF_OPTIONS)), out);
          results.push(out);
        }
        return results;
      })));
}

async function loaded(input: string, db: string): Promise<Record<string, string>> {
  rmSync(db, { force: true });
  const out: Record<string, string> = {};
  rendered("load", loadSummary(await loadIntoDatabase({ inputs: [input], db })), out);
  rmSync(db, { force: true });
  return out;
}

/** The keys whose bytes differ from the reference's (empty when every output is the same). */
function differing(reference: Record<string, string>, run: Record<string, string>): string[] {
  return Object.keys(reference).filter((key) => run[key] !== reference[key] && !(key === "report/report.html" && !(key in run)));
}

/**
 * A JSON Lines input with records that are not spans and spans that draw two kinds of warning,
 * none in its first 4 MB chunk: a parser worker that takes the first and third chunk then holds
 * warnings and skips from later in the file than the one that takes the second.
 */
function withSkipsAndWarnings(source: string, target: string): void {
  const lines = readFileSync(source, "utf8").split("\n").filter(Boolean);
  const out: string[] = [];
  lines.forEach((line, i) => {
    if ([900, 1000, 1450, 1500, 1550, 1580].includes(i)) out.push(JSON.stringify({ note: `not a span ${i}` }));
    if (i === 950 || i === 1480) {
      const doc = JSON.parse(line);
      const span = doc.resourceSpans[0].scopeSpans[0].spans[0];
      // One span ending before it starts; one in relative (tiny) times.
      if (i === 950) span.endTimeUnixNano = String(BigInt(span.startTimeUnixNano) - 5n);
      else [span.startTimeUnixNano, span.endTimeUnixNano] = ["1000", "2000"];
      line = JSON.stringify(doc);
    }
    out.push(line);
  });
  writeFileSync(target, out.join("\n") + "\n");
}

beforeAll(async () => {
  await generate({ events: 150, out: path("base.jsonl"), seed: 7 });
  await generate({ events: 500, out: path("sampled.jsonl"), seed: 11, sampleRate: 0.3, scenario: { cost_regression: "aggregation:1.3" } });
  await loadIntoDatabase({ inputs: [path("base.jsonl")], db: BASE_DB });
  await loadIntoDatabase({ inputs: [path("sampled.jsonl")], db: SAMPLED_DB });
  await generate({ events: 1600, out: path("big.jsonl"), seed: 3 });
  withSkipsAndWarnings(path("big.jsonl"), LOAD_INPUT);
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("every command writes the same bytes whatever DuckDB's thread count", () => {
  let reference: Record<string, string>;

  it(`analyses, report and diff: ${REPEATS} runs on 1 and on 4 threads (two fresh sessions each)`, async () => {
    const [first] = await session("1", 1);
    reference = first!;
    expect(Object.keys(reference).length).toBe(9 * 4 + 8);
    // diff as the command runs it, reading both sides afresh, gives the same bytes.
    const whole: Record<string, string> = {};
    rendered("diff", diffView(await withThreads("4", () => diff(BASE_DB, SAMPLED_DB, {}, DIFF_OPTIONS))), whole);
    expect(differing(whole, reference)).toEqual([]);
    for (const threads of THREADS) {
      const runs = [...(await session(threads, REPEATS / 2)), ...(await session(threads, REPEATS / 2))];
      runs.forEach((run, i) => expect(differing(reference, run), `ADTRACE_THREADS=${threads}, run ${i + 1}`).toEqual([]));
    }
    // No float noise: every number in a machine format has at most 12 significant digits.
    for (const [key, text] of Object.entries(reference)) {
      if (!/\.(csv|json)$/.test(key)) continue;
      const noisy = (text.match(/\d+\.\d+/g) ?? []).filter((n) => n.replace(".", "").replace(/^0+/, "").length > 12);
      expect(noisy, key).toEqual([]);
    }
  }, 120_000);

  // In the test's own working directory, as the reference's sessions ran (they read
  // ./adtrace.config.yaml from there too), and so in-process in every pool. (Named another cwd,
  // adtraceIn ran the built CLI as a child in a worker thread, StrykerJS's pool, and the model's
  // digest then hashed the walk's compiled text, which differs between tsc's dist/ and vitest's
  // transform of src/: the child recomputed the stored model in place, rewriting sampled.duckdb,
  // and the report named other bytes for it. The digest is the walk's revision now,
  // test/walk-revision.test.ts; TESTING.md, issue 25.)
  it("the CLI's program writes those same bytes (in-process, on 4 threads)", async () => {
    const env = { ADTRACE_THREADS: "4" };
    const cli = async (args: string[]) => {
      const r = await adtraceIn([...args, "-q"], { env });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      return r.stdout;
    };
    expect(await cli(["cost", "breakdown", "--db", SAMPLED_DB, "--by", "stage,attr:user_locale", "--format", "csv"])).toBe(reference["breakdown-locale.csv"]);
    expect(await cli(["cost", "queries", "--db", SAMPLED_DB, "--format", "json"])).toBe(reference["queries.json"]);
    expect(await cli(["cost", "flags", "--db", SAMPLED_DB, "--format", "md"])).toBe(reference["flags.md"]);
    expect(await cli(["savings", "--db", SAMPLED_DB, "--suggest", "--format", "csv"])).toBe(reference["savings.csv"]);
    expect(await cli(["inspect", "--db", SAMPLED_DB, "--format", "json"])).toBe(reference["inspect.json"]);
    expect(await cli(["cost", "critical-path", "--db", SAMPLED_DB, "--format", "csv"])).toBe(reference["critical-path.csv"]);
    expect(await cli(["trace", "--pick", "median", "--db", SAMPLED_DB, "--format", "json"])).toBe(reference["trace.json"]);
    const r = await adtraceIn(["diff", BASE_DB, SAMPLED_DB, "--max-stage-increase", "10%", "--format", "md", "-q"], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(reference["diff.md"]);
    await cli(["report", "--db", SAMPLED_DB, "--out-dir", path("report"), "--no-timestamp"]);
    // No run rewrote the database (a stored model recomputed in place would): the report names the bytes the reference read.
    const [input] = (JSON.parse(reference["report/report.json"]!) as { inputs: { bytes: number; sha256: string }[] }).inputs;
    expect(createHash("sha256").update(readFileSync(SAMPLED_DB)).digest("hex"), "sha256 of sampled.duckdb after the CLI's runs").toBe(input!.sha256);
    const files = readdirSync(path("report")).sort();
    expect(files).toEqual(["breakdown.csv", "flags.csv", "pii.csv", "queries.csv", "report.html", "report.json", "savings.csv", "summary.md"]);
    for (const file of files) expect(readFileSync(join(path("report"), file), "utf8"), file).toBe(reference[`report/${file}`]);
  }, 120_000);
});

describe("load writes the same summary every run", () => {
  it(`${REPEATS} loads on 1 and on 4 threads, and the CLI's (whose two parser workers take the chunks in any order)`, async () => {
    const db = path("loaded.duckdb");
    const small = path("small.jsonl");
    writeFileSync(small, readFileSync(LOAD_INPUT, "utf8").split("\n").slice(890, 960).join("\n") + "\n");
    const reference = await withThreads("1", () => loaded(small, db));
    expect(reference["load.json"]).toMatch(/"skipped": [1-9]/);
    for (const threads of THREADS) {
      for (let i = 0; i < REPEATS; i++) expect(differing(reference, await withThreads(threads, () => loaded(small, db)))).toEqual([]);
    }
    // The whole file is past the size where the CLI parses with a worker per core.
    const whole = await withThreads("1", () => loaded(LOAD_INPUT, db));
    expect(JSON.parse(whole["load.json"]!).skipped_examples).toHaveLength(5);
    expect(JSON.parse(whole["load.json"]!).warnings).toHaveLength(2);
    const r = adtrace(["load", LOAD_INPUT, "--db", db, "--format", "json", "-q"], { cwd: dir, env: { ADTRACE_THREADS: "4", ADTRACE_WORKERS: "2" } });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(whole["load.json"]);
    rmSync(db, { force: true });
  }, 120_000);
});

describe("pull writes the same summary every run", () => {
  let server: PgServer;
  beforeAll(async () => {
    server = await postgresDatabase();
    await server.query(`CREATE TABLE spans (trace_id text, span_id text, parent_span_id text, name text, service text,
      start_time timestamptz, duration_ms float8, attributes jsonb)`);
    // The fixture's spans, taken from its OTLP JSON here rather than by the code under test.
    const iso = (ns: bigint) => new Date(Number(ns / 1_000_000n)).toISOString().replace("Z", `${String((ns / 1000n) % 1000n).padStart(3, "0")}Z`);
    type Otlp = { resource: { attributes: { key: string; value: { stringValue?: string } }[] }; scopeSpans: { spans: Record<string, never>[] }[] };
    const rows = readFileSync(join(FIXTURE, "otlp.jsonl"), "utf8").split("\n").filter(Boolean).flatMap((line) =>
      (JSON.parse(line).resourceSpans as Otlp[]).flatMap((rs) => rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => {
        const start = BigInt(s.startTimeUnixNano);
        const attributes = (s.attributes as { key: string; value: Record<string, unknown> }[]).map((a) => [a.key, String(Object.values(a.value)[0])]);
        return {
          trace_id: s.traceId, span_id: s.spanId, parent_span_id: s.parentSpanId || null, name: s.name,
          service: rs.resource.attributes.find((a) => a.key === "service.name")?.value.stringValue,
          start_time: iso(start), duration_ms: Number(BigInt(s.endTimeUnixNano) - start) / 1e6, attributes: Object.fromEntries(attributes),
        };
      }))));
    await server.query(`INSERT INTO spans SELECT * FROM jsonb_to_recordset($1::jsonb) AS r(trace_id text, span_id text, parent_span_id text,
      name text, service text, start_time timestamptz, duration_ms float8, attributes jsonb)`, [JSON.stringify(rows)]);
  }, 180_000);
  afterAll(async () => server?.stop());

  it(`${REPEATS} pulls on 1 and on 4 threads, and the CLI's`, async () => {
    const db = path("pulled.duckdb");
    const url = server.url({ password: null });
    const pulled = async () => {
      rmSync(db, { force: true });
      const out: Record<string, string> = {};
      process.env.PGPASSWORD = server.password;
      try {
        rendered("pull", pullSummary(await pullSpans({ url, table: "spans", db })), out);
      } finally {
        delete process.env.PGPASSWORD;
      }
      rmSync(db, { force: true });
      return out;
    };
    const reference = await withThreads("1", pulled);
    expect(reference["pull.json"]).toMatch(/"spans_added": 369/);
    for (const threads of THREADS) {
      for (let i = 0; i < REPEATS; i++) expect(differing(reference, await withThreads(threads, pulled))).toEqual([]);
    }
    const r = adtrace(["pull", url, "--table", "spans", "--db", db, "--format", "json", "-q"], { cwd: dir, env: { ADTRACE_THREADS: "4", PGPASSWORD: server.password } });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(reference["pull.json"]);
  }, 120_000);
});
