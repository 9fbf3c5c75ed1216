// The CSV formula guard in every CSV writer (issue 25). README, "Reports are safe to share": CSV
// cells starting with =, +, -, @, tab or CR get a leading ' so spreadsheets do not run them, in
// every command's CSV and in report bundles; adtrace export's CSV is the one raw exception.
// Span names, services, stages, statements, scenario names, file names and a watermark column
// start with each of the six characters; every CSV is parsed back (RFC 4180, by the parser below)
// and no cell may start with one of them unless it is a plain number (-0.5 is data, not a formula).
import { readFileSync, writeFileSync } from "node:fs";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { otlpDocument, spanId, traceId, writeTemp, type TestSpan } from "./helpers/otlp.js";
import { withAnalysis } from "../src/analysis/analysis.js";
import { breakdown, parseGroupKeys, warehouseQueries } from "../src/analysis/breakdown.js";
import { costFlags } from "../src/analysis/flags.js";
import { savings } from "../src/analysis/savings.js";
import { diffSides, spanSide } from "../src/analysis/diff.js";
import { inspectSpans } from "../src/analysis/inspect.js";
import { collectReport } from "../src/analysis/report.js";
import { exportSpans } from "../src/analysis/export.js";
import type { PullResult } from "../src/ingest/pull.js";
import { printResult } from "../src/output/format.js";
import type { TableResult } from "../src/output/result.js";
import { breakdownView, queriesView } from "../src/output/cost-views.js";
import { flagsView, savingsView } from "../src/output/decision-views.js";
import { diffView } from "../src/output/diff-view.js";
import { inspectView, loadSummary } from "../src/output/views.js";
import { pullSummary } from "../src/output/pull-view.js";
import { renderBundle } from "../src/output/report-files.js";

const LEADS = ["=", "+", "-", "@", "\t", "\r"];
const DANGEROUS = /^[=+\-@\t\r]/;
const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:e[-+]?\d+)?$/i;

/** RFC 4180: fields split by commas, records ended by CRLF (or LF, `lf`), quoted fields with "" for a quote. */
function parseCsv(text: string, lf = false): string[][] {
  const records: string[][] = [];
  let record: string[] = [];
  let cell = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") record.push(cell), (cell = "");
    else if (ch === "\r" && text[i + 1] === "\n") record.push(cell), records.push(record), (record = []), (cell = ""), i++;
    else if (lf && ch === "\n") record.push(cell), records.push(record), (record = []), (cell = "");
    else cell += ch;
  }
  expect(quoted, "the CSV ends inside a quoted field").toBe(false);
  expect(cell === "" && record.length === 0, "the CSV ends with a line end").toBe(true);
  return records;
}

/**
 * Every cell of a CSV that starts with a formula character is a number, and each of the six
 * leading characters appears guarded ('=…) in at least one cell: the hostile values reached it.
 */
function expectGuarded(name: string, csv: string, leads = LEADS): void {
  const cells = parseCsv(csv).flat();
  const unguarded = cells.filter((c) => DANGEROUS.test(c) && !NUMBER.test(c));
  expect(unguarded, `${name}: cells a spreadsheet would run`).toEqual([]);
  for (const lead of leads) expect(cells.some((c) => c.startsWith(`'${lead}`)), `${name}: a guarded cell starting ${JSON.stringify(lead)}`).toBe(true);
}

/** What a command prints for --format csv (printResult, as every command calls it through print()). */
function commandCsv(view: TableResult, rawCsv = false): string {
  let out = "";
  const sink = (write: (s: string) => void) => new Writable({ write(chunk, _enc, done) { write(String(chunk)); done(); } });
  // As commander hands it over: --raw-csv absent is undefined.
  printResult(view, { format: "csv", rawCsv: rawCsv || undefined, quiet: true, stdout: sink((s) => (out += s)), stderr: sink(() => undefined) });
  return out;
}

// Per leading character i: an event whose root is named "<c>name<i>" in service "<c>svc<i>", with a
// Snowflake query child "<c>name<i>.q" running "<c>SELECT <i> FROM t" — both in stage "<c>stage<i>"
// (the config's rules below), which its one query makes warehouse-heavy, so it is flagged too.
const spans: TestSpan[] = LEADS.flatMap((c, i) => [
  { trace: traceId(i + 1), id: spanId(10 * i + 1), name: `${c}name${i}`, service: `${c}svc${i}`, startMs: 0, durationMs: 10, attrs: { "cost.usd": "0.001", tag: `${c}tag${i}` } },
  { trace: traceId(i + 1), id: spanId(10 * i + 2), parent: spanId(10 * i + 1), name: `${c}name${i}.q`, service: `${c}svc${i}`, startMs: 1, durationMs: 5,
    attrs: { "cost.usd": "0.01", "db.system": "snowflake", "db.statement": `${c}SELECT ${i} FROM t` } },
]);
const config = `stages:\n${LEADS.map((c, i) => `  - { stage: ${JSON.stringify(`${c}stage${i}`)}, match: { name: "?name${i}*" } }`).join("\n")}\n`;
const input = writeTemp("hostile.json", otlpDocument(spans));
const configFile = writeTemp("hostile.yaml", config);
const analysis = { inputs: [input], config: configFile, model: { attributeKeys: ["tag"] } };

describe("every CSV writer guards cells that start with = + - @ tab or CR", () => {
  it("the analysis commands: breakdown, queries, flags, savings, diff, inspect", async () => {
    await withAnalysis(analysis, async ({ db, config: cfg, load, label }) => {
      const by = parseGroupKeys("stage,name,attr:tag");
      const bd = breakdownView(await breakdown(db, { by }), { config: cfg.source, label });
      expectGuarded("cost breakdown", commandCsv(bd));
      expectGuarded("cost breakdown --by service", commandCsv(breakdownView(await breakdown(db, { by: parseGroupKeys("service") }), { config: cfg.source, label })));
      expectGuarded("cost queries", commandCsv(queriesView(await warehouseQueries(db))));
      const flags = await costFlags(db, cfg);
      expect(flags.flags).toHaveLength(6);
      expectGuarded("cost flags", commandCsv(flagsView(flags, { label })));
      const scenarios = LEADS.map((c, i) => ({ name: `${c}scenario${i}`, levers: [{ kind: "tune" as const, stage: `${c}stage${i}`, value: 0.5, hitCostUsd: 0 }] }));
      expectGuarded("savings", commandCsv(savingsView(await savings(db, { scenarios, config: cfg }))));
      const side = await spanSide(db, "side", by);
      expectGuarded("diff", commandCsv(diffView(diffSides(side, side, { by, gates: {} }))));
      // inspect's cells that carry span values (formats, top_services) are their JSON (JSON version 1:
      // the CSV's values are the JSON's), which starts with [ : no cell a spreadsheet would run, and
      // the hostile names are all there, as JSON.
      const inspected = await inspectSpans(db, load);
      const inspectCsv = commandCsv(inspectView(inspected));
      expectGuarded("inspect", inspectCsv, []);
      const topServices = parseCsv(inspectCsv).find((row) => row[0] === "top_services")![1]!;
      expect(JSON.parse(topServices).map((s: { service: string }) => s.service)).toEqual(inspected.top_services.map((s) => s.service));
      // --raw-csv turns the guard off: the same cells come out as they are.
      const raw = parseCsv(commandCsv(bd, true)).flat();
      for (const [i, c] of LEADS.entries()) expect(raw).toContain(`${c}stage${i}`);
    });
  });

  it("load's and pull's summaries", async () => {
    await withAnalysis(analysis, async ({ load }) => {
      // The summaries of real loads, as if of files (and a watermark column) named with each character.
      const files = LEADS.map((c, i) => ({ ...load!.files[0]!, source: `${c}spans${i}.json` }));
      expectGuarded("load", commandCsv(loadSummary({ db: "x.duckdb", load: { ...load!, files }, totalSpans: 12 })));
      for (const c of LEADS) {
        const pulled = {
          db: "x.duckdb", source: `${c}source`, table: "public.spans", format: "postgres", startColumn: "start_time",
          watermarkColumn: `${c}loaded_at`, watermarkKind: "ingestion", lookbackMs: 0, rowsFetched: 12, incremental: false,
          overlapRows: 0, lateRows: 0, notes: [], load: { ...load!, files }, totalSpans: 12,
        } as unknown as PullResult;
        expectGuarded(`pull (${JSON.stringify(c)})`, commandCsv(pullSummary(pulled)), [c]);
      }
    });
  });

  it("the report bundle's four CSVs; --raw-csv turns the guard off there too", async () => {
    const data = await withAnalysis(analysis, (a) => collectReport(a, { inputs: [input], version: "test" }));
    const bundle = renderBundle(data);
    for (const file of ["breakdown.csv", "queries.csv", "flags.csv", "savings.csv"]) expectGuarded(`report ${file}`, bundle[file]!);
    const raw = parseCsv(renderBundle(data, { rawCsv: true })["breakdown.csv"]!).flat();
    for (const [i, c] of LEADS.entries()) expect(raw).toContain(`${c}stage${i}`);
  });

  it("adtrace export's CSV is the documented raw exception: every value as it is", async () => {
    const out = writeTemp("export.csv", "");
    await withAnalysis({ ...analysis, model: {} }, ({ db }) => exportSpans(db, { out, format: "csv" }));
    const cells = parseCsv(readFileSync(out, "utf8"), true).flat();
    for (const [i, c] of LEADS.entries()) expect(cells, JSON.stringify(c)).toContain(`${c}name${i}`);
    writeFileSync(out, "");
  });
});
