// `adtrace diff` with a ClickHouse side (issue 17), on the real engine in-process (chDB): the diff
// of two windows of one otel_traces table, of a window against a span file, and of a report
// against a window equals the local DuckDB diff of the same spans, the windows cut from the span
// file here by span start time (an independent split): significance, intervals and gates equal,
// numbers to 1e-9 relative (the CSV byte for byte). Two generated inputs, aggregation's costs
// × 1.3 from 12:00 (cost_regression_from): 400 events (200 a window, the bootstrap) and 10,200
// (5,100 a window, Welch's approximation); each both ways, a significant increase and a
// significant decrease. Exit 1 past a gate, 2 on errors; and what the engine returns stays one
// row per group (or per event for a bootstrap-sized side), never the spans.
// The commands run in-process (test/helpers/in-process.ts), the built CLI once for each exit-code
// contract (1 past a gate: the CSV run by stage; 2 on an error). A ClickHouse side costs a few CPU
// seconds whatever its size (the engine analyses the model's long statements), so each diff run
// over one carries more than one claim: the rows the engine answered come from the --debug lines
// of the CSV and JSON runs, not from runs of their own. The big input's halves, read locally
// eight times, are canonical Parquet (exported once from the halves' JSON), not 30 MB of JSON each.
import { beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adtrace } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";
import { chdbWith, differences } from "./helpers/chdb.js";
import { recordingChdb } from "./helpers/chdb-record.js";
import { diffSides, readSide, type DiffResult, type Side } from "../src/analysis/diff.js";
import { clickhouseSide } from "../src/analysis/clickhouse-diff.js";
import { parseGroupKeys, type GroupKey } from "../src/analysis/breakdown.js";
import { parseClickHouseSource } from "../src/ingest/clickhouse-source.js";

const work = mkdtempSync(join(tmpdir(), "adtrace-ch-diff-"));
const NOON = "2024-06-01T12:00:00Z";
const NOON_NS = BigInt(Date.parse(NOON)) * 1_000_000n;
const REGRESSION = ["--scenario", "cost_regression=aggregation:1.3", "--scenario", `cost_regression_from=${NOON}`];

interface Dataset {
  /** The whole span file, its spans before noon, from noon on, and the chDB directory holding the whole file. */
  all: string;
  am: string;
  pm: string;
  dir: string;
  events: number;
}
type Name = "small" | "sampled" | "big";
const data: Record<Name, Dataset> = {} as never;
let report = "";

/** The spans of an OTLP JSON Lines file that start before (or at or after) `cutNs`, as a new file: kept whole per resource and scope. */
function splitByStart(input: string, cutNs: bigint, before: boolean, out: string): number {
  let spans = 0;
  const lines: string[] = [];
  for (const line of readFileSync(input, "utf8").split("\n")) {
    if (!line.trim()) continue;
    const doc = JSON.parse(line) as { resourceSpans: { scopeSpans: { spans: { startTimeUnixNano: string }[] }[] }[] };
    doc.resourceSpans = doc.resourceSpans
      .map((rs) => ({ ...rs, scopeSpans: rs.scopeSpans.map((ss) => ({ ...ss, spans: ss.spans.filter((s) => (BigInt(s.startTimeUnixNano) < cutNs) === before) })).filter((ss) => ss.spans.length) }))
      .filter((rs) => rs.scopeSpans.length);
    if (!doc.resourceSpans.length) continue;
    spans += doc.resourceSpans.reduce((n, rs) => n + rs.scopeSpans.reduce((m, ss) => m + ss.spans.length, 0), 0);
    lines.push(JSON.stringify(doc));
  }
  writeFileSync(out, lines.join("\n") + "\n");
  return spans;
}

beforeAll(async () => {
  const inputs: [Name, number, number, string[]][] = [["small", 400, 7, []], ["sampled", 1_600, 8, ["--sample-rate", "0.25"]], ["big", 10_200, 3, []]];
  for (const [name, events, seed, more] of inputs) {
    const all = join(work, `${name}.jsonl`);
    const run = await adtraceIn(["generate", "--events", String(events), "--seed", String(seed), ...more, ...REGRESSION, "--out", all, "-q"]);
    if (run.code !== 0) throw new Error(`generate ${name}: ${run.stderr}`);
    let am = join(work, `${name}-am.jsonl`);
    let pm = join(work, `${name}-pm.jsonl`);
    if (!(splitByStart(all, NOON_NS, true, am) > 0 && splitByStart(all, NOON_NS, false, pm) > 0)) throw new Error(`${name}: a window without spans`);
    if (name === "big") {
      // The big halves (46,000 spans each) are read eight times below: as canonical Parquet (adtrace
      // export, which reads back losslessly) each read skips parsing 30 MB of JSON.
      [am, pm] = await Promise.all([am, pm].map(async (half) => {
        const parquet = half.replace(/\.jsonl$/, ".parquet");
        const run = await adtraceIn(["export", half, "--out", parquet, "-q"]);
        if (run.code !== 0) throw new Error(`export ${half}: ${run.stderr}`);
        return parquet;
      }));
    }
    const { dir } = await chdbWith([all]);
    data[name] = { all, am, pm, dir, events };
  }
  report = join(work, "report-am");
  const run = await adtraceIn(["report", data.small.am, "--out-dir", report, "--no-timestamp", "-q"]);
  if (run.code !== 0) throw new Error(`report: ${run.stderr}`);
}, 900_000);

const chdb = (name: Name) => `chdb:${data[name].dir}`;
/** diff's arguments for the morning (before noon) and afternoon windows of one table. */
const AM = ["--baseline-until", NOON];
const PM = ["--since", NOON];

/** A diff's JSON without the sides' labels (a file's path on one side, a ClickHouse source on the other). */
function unlabelled(stdout: string): unknown {
  const doc = JSON.parse(stdout) as { baseline: { label?: string }; current: { label?: string } };
  delete doc.baseline.label;
  delete doc.current.label;
  return doc;
}

/** diff --debug's lines on what the engine answered for each ClickHouse side: the side and the rows. */
const answered = (stderr: string) =>
  [...stderr.matchAll(/^adtrace: (baseline|current): clickhouse answered (\d+) rows, (\d+) bytes$/gm)].map((m) => ({ side: m[1], rows: Number(m[2]) }));

const unlabelledResult = (r: DiffResult) => ({ ...r, baseline: { ...r.baseline, label: "" }, current: { ...r.current, label: "" } });

describe("diff's sides read in ClickHouse equal the DuckDB sides of the same spans", () => {
  const sides = async (name: Name, by: GroupKey[]) => {
    const { am, pm, dir } = data[name];
    const local = { am: await readSide(am, {}, by), pm: await readSide(pm, {}, by) };
    const pushed = {
      am: await clickhouseSide(parseClickHouseSource([`chdb:${dir}`], { until: NOON }), {}, by),
      pm: await clickhouseSide(parseClickHouseSource([`chdb:${dir}`], { since: NOON }), {}, by),
    };
    return { local, pushed };
  };
  const gates = { maxCostIncrease: 0.05, maxStageIncrease: 0.1 };

  // By stage every event has every stage; by locale a group is absent from most events (the moments' w·mean² term for them).
  const cases: [Name, "bootstrap" | "Welch", string][] = [
    ["small", "bootstrap", "stage"], ["small", "bootstrap", "stage,attr:user_locale"], ["sampled", "bootstrap", "attr:user_locale"], ["big", "Welch", "stage"],
  ];
  for (const [name, method, byText] of cases) {
    it(`${name} by ${byText} (${method}): both windows, an increase and a decrease, significance, intervals and gates`, async () => {
      const by = parseGroupKeys(byText);
      const { local, pushed } = await sides(name, by);
      // The inputs of the tests themselves: moments (both paths), per-event values and durations (the bootstrap only).
      for (const w of ["am", "pm"] as const) {
        expect(differences(Object.fromEntries(local[w].moments!), Object.fromEntries(pushed[w].moments!)), `${name} ${w} moments`).toEqual([]);
        expect(pushed[w].moments!.size).toBe(local[w].moments!.size);
        // Sampled data: events kept 1 in 4 (ot=th), each standing for 4.
        if (name === "sampled") expect([pushed[w].weights!.min_weight, pushed[w].weights!.max_weight]).toEqual([4, 4]);
        if (method === "bootstrap") {
          expect(pushed[w].perEvent!.map((e) => [e.w, Object.fromEntries(e.costs)])).toEqual(local[w].perEvent!.map((e) => [e.w, Object.fromEntries(e.costs)]));
          const durations = (s: Side) => [...s.durations!.groups].map(([id, g]) => [id, [...g.event], [...g.valueMs], [...g.weight]]);
          expect(durations(pushed[w])).toEqual(durations(local[w]));
        } else {
          expect(pushed[w].perEvent).toBeUndefined();
          expect(pushed[w].durations).toBeUndefined();
        }
      }
      for (const [before, after, direction] of [["am", "pm", 1], ["pm", "am", -1]] as const) {
        const expected = diffSides(local[before], local[after], { by, gates });
        const actual = diffSides(pushed[before], pushed[after], { by, gates });
        expect(differences(unlabelledResult(expected), unlabelledResult(actual)), `${name} ${before}→${after}`).toEqual([]);
        expect(actual.method).toMatch(method === "bootstrap" ? /^bootstrap/ : /^Welch/);
        if (byText !== "stage") continue;
        // The regression is there to be found: aggregation × 1.3, significant, either way.
        const aggregation = actual.rows.find((r) => r.keys.stage === "aggregation")!;
        const total = actual.rows.find((r) => r.status === "total")!;
        expect(Math.sign(aggregation.change_usd), `${name} ${before}→${after}`).toBe(direction);
        expect([aggregation.significant, total.significant]).toEqual(["yes", "yes"]);
        expect(actual.breaches.length > 0, `${name} ${before}→${after}`).toBe(direction > 0);
      }
    }, 900_000);
  }
});

describe("adtrace diff with a ClickHouse side: the local diff's bytes and exit codes", () => {
  it("two windows of one table (bootstrap): CSV as the local diff of the two halves, exit 1 past a gate, one row per event back", async () => {
    const gate = ["--max-cost-increase", "5%"];
    for (const by of ["stage", "stage,service"]) {
      // By stage the built CLI, for the process's own exit code (1 past a gate); by stage,service in-process.
      // --debug: what the engine answered, one line per ClickHouse side.
      const args = ["diff", chdb("small"), chdb("small"), ...AM, ...PM, "--by", by, "--format", "csv", ...gate, "--debug"];
      const pushed = by === "stage" ? adtrace(args) : await adtraceIn(args);
      const local = await adtraceIn(["diff", data.small.am, data.small.pm, "--by", by, "--format", "csv", ...gate, "-q"]);
      expect(pushed.stdout, by).toBe(local.stdout);
      expect([pushed.code, local.code], pushed.stderr).toEqual([1, 1]);
      expect(pushed.stderr).toMatch(/^adtrace: check failed: 1 gate\(s\) breached\n {2}total: --max-cost-increase: cost per event 15\.\d% up \(limit 5\.0%\), significant: yes$/m);
      expect(pushed.stdout.split("\n").length).toBeGreaterThan(8);
      // A bootstrap-sized side (200 events) brings back one row per event, its groups and spans as arrays, never the spans.
      expect(answered(pushed.stderr).map((a) => a.side), by).toEqual(["baseline", "current"]);
      for (const { rows } of answered(pushed.stderr)) expect(rows, by).toBeLessThan(200 + 60);
    }
  }, 600_000);

  it("a window against a span file (Welch): JSON as the local diff, an increase past a gate (exit 1) and a decrease (exit 0), one row per group back", async () => {
    const gate = ["--max-stage-increase", "10%", "--format", "json"];
    const up = await adtraceIn(["diff", data.big.am, chdb("big"), ...PM, ...gate, "--debug"]);
    const upLocal = await adtraceIn(["diff", data.big.am, data.big.pm, ...gate, "-q"]);
    expect(unlabelled(up.stdout)).toEqual(unlabelled(upLocal.stdout));
    expect([up.code, upLocal.code], up.stderr).toEqual([1, 1]);
    expect(JSON.parse(up.stdout).method).toMatch(/^Welch/);
    // The baseline from ClickHouse, the current a file: --since bounds the only ClickHouse side.
    const down = await adtraceIn(["diff", chdb("big"), data.big.am, ...PM, ...gate, "--debug"]);
    const downLocal = await adtraceIn(["diff", data.big.pm, data.big.am, ...gate, "-q"]);
    expect(unlabelled(down.stdout)).toEqual(unlabelled(downLocal.stdout));
    expect([down.code, downLocal.code], down.stderr).toEqual([0, 0]);
    const total = JSON.parse(down.stdout).rows.find((r: { status: string }) => r.status === "total");
    expect(total.change_usd).toBeLessThan(0);
    expect(total.significant).toBe(true);
    // 46,000 spans a window; what came back for it, as current and as baseline: the table's columns, 7 stages, 8 moments rows.
    expect(answered(up.stderr).map((a) => a.side)).toEqual(["current"]);
    expect(answered(down.stderr).map((a) => a.side)).toEqual(["baseline"]);
    for (const { rows } of [...answered(up.stderr), ...answered(down.stderr)]) expect(rows).toBeLessThan(60);
  }, 900_000);

  it("a report directory against a window: CSV as against the span file, significance unknown", async () => {
    const pushed = await adtraceIn(["diff", report, chdb("small"), ...PM, "--format", "csv", "--max-cost-increase", "5%"]);
    const local = await adtraceIn(["diff", report, data.small.pm, "--format", "csv", "--max-cost-increase", "5%", "-q"]);
    expect(pushed.stdout).toBe(local.stdout);
    expect([pushed.code, local.code], pushed.stderr).toEqual([1, 1]);
    expect(pushed.stdout).toMatch(/^total,total,.*,,,,$/m);
  }, 300_000);
});

describe("adtrace diff --format html with a ClickHouse side", () => {
  it("draws the same charts as the page of the local diff of the same spans, with the same exit code (1 past a gate), reading each side's breakdown once", async () => {
    const svgs = (html: string) => [...html.matchAll(/<svg[\s\S]*?<\/svg>/g)].map((m) => m[0]);
    // In-process, recording what chDB executes (the exit code's process contract is the CSV test's child run above).
    const { result: pushed, executed } = await recordingChdb(() =>
      adtraceIn(["diff", chdb("small"), chdb("small"), ...AM, ...PM, "--max-cost-increase", "5%", "--format", "html", "--out", join(work, "ch.html")]));
    const local = await adtraceIn(["diff", data.small.am, data.small.pm, "--max-cost-increase", "5%", "--format", "html", "--out", join(work, "local.html")]);
    expect([pushed.code, local.code], pushed.stderr).toEqual([1, 1]);
    expect(pushed.stdout).toBe("");
    expect(pushed.stderr).toMatch(/^adtrace: check failed: 1 gate\(s\) breached\n {2}total: --max-cost-increase: cost per event 15\.\d% up \(limit 5\.0%\), significant: yes$/m);
    const a = readFileSync(join(work, "ch.html"), "utf8");
    const b = readFileSync(join(work, "local.html"), "utf8");
    expect(svgs(b).length).toBeGreaterThan(2);
    expect(svgs(a)).toEqual(svgs(b));
    expect(a).toContain(chdb("small"));
    // Each side is read twice, by the diff's session and the report's (a schema check each), and
    // the model's statements (those bound to a window) are: the diff's breakdown, moments and
    // per-event rows (200 events a side), then the report's queries, flags, sample and savings'
    // moments, its breakdown by stage the diff's, not asked for again: 7 a side, none sent twice.
    const side = (p: Record<string, unknown>) => (p.has_since === undefined ? "schema" : p.has_since ? "current" : "baseline");
    const count = (which: string) => executed.filter((e) => side(e.params) === which).length;
    expect([count("schema"), count("baseline"), count("current")]).toEqual([4, 7, 7]);
    for (const which of ["baseline", "current"]) {
      const sent = executed.filter((e) => side(e.params) === which).map((e) => `${e.sql}\0${JSON.stringify(e.params, (_k, v: unknown) => (typeof v === "bigint" ? `${v}n` : v))}`);
      expect(new Set(sent).size, which).toBe(sent.length);
    }
  }, 900_000);
});

describe("adtrace diff with a ClickHouse side: errors, one line, exit 2", () => {
  it("a missing data directory, a missing table, a --map column that is not there, windows that overlap", async () => {
    const cases: [string[], RegExp][] = [
      [["diff", `chdb:${join(work, "nowhere")}`, data.small.pm], /^adtrace: error: chdb:.*nowhere default\.otel_traces: no such ClickHouse data directory$/],
      [["diff", chdb("small"), data.small.pm, "--table", "spans_nope"], /^adtrace: error: chdb:.* default\.spans_nope: no table default\.spans_nope/],
      // --map reaches each ClickHouse side, as for the other commands.
      [["diff", chdb("small"), data.small.pm, "--map", "service=nope"], /^adtrace: error: chdb:.* default\.otel_traces: --map service=nope: no column 'nope'/],
      [["diff", chdb("small"), chdb("small"), "--since", NOON], /^adtrace: error: BASELINE and CURRENT read overlapping windows of chdb:.* default\.otel_traces: give the baseline an earlier window/],
      [["diff", data.small.am, data.small.pm, "--baseline-since", NOON], /^adtrace: error: --baseline-since bounds a ClickHouse baseline/],
    ];
    for (const [i, [args, message]] of cases.entries()) {
      // The process's exit code and stderr: the built CLI, once; the others in-process.
      const run = i === 0 ? adtrace(args) : await adtraceIn(args);
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stdout).toBe("");
      expect(run.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
      expect(run.stderr.trim()).toMatch(message);
    }
  }, 300_000);
});
