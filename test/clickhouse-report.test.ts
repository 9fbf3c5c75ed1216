// `adtrace report`, `slo check` and `audit pii` over a ClickHouse source (issue 17), on the real
// engine in-process (chDB): the bundle from a chDB otel_traces equals, file by file, the bundle the
// DuckDB path writes from the same spans as files (breakdown.csv, queries.csv, flags.csv,
// savings.csv, slos.csv, pii.csv, summary.md, report.html; report.json apart from `inputs`), on the
// fixture, on generated data, on sampled data (ot=th) and with --sample-rate; numbers to 1e-9
// relative where the bytes differ. The DuckDB path is the independent computation: its SLOs are
// queries/slo.sql, its PII detectors queries/pii.sql over every stored span. The PII audit over
// ClickHouse scans a sample of whole events: with fewer events than the sample, all of them; with
// more, it says "scanned N of M events", and N is the number of events DuckDB's own MD5 key picks.
// The commands run in-process (test/helpers/in-process.ts: the same program, options layer and
// analyses as the built CLI, chDB's engine loaded once for the file); the built CLI only where the
// process's own exit code and stderr are the claim (--fail-on-pii, a missing table).
import { beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adtrace } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";
import { chdbDatasets, chdbWith, differences } from "./helpers/chdb.js";
import { plantedOtlp, plantedSpans, PLANTED } from "./helpers/pii-planted.js";
import { withAnalysis } from "../src/analysis/analysis.js";
import { withClickHouse } from "../src/analysis/clickhouse.js";
import { clickhousePii } from "../src/analysis/clickhouse-report.js";
import { parseClickHouseSource } from "../src/ingest/clickhouse-source.js";
import { defaultConfig } from "../src/model/config.js";

const work = mkdtempSync(join(tmpdir(), "adtrace-ch-report-"));
const data: Record<string, { input: string; dir: string }> = {};

// Every indicator, with and without a stage: the auction stage's latency, errors of the auction
// stage and of the whole event, the cost per event (fixture and generated data both have auction
// spans with status ERROR).
const CONFIG = join(work, "adtrace.config.yaml");
writeFileSync(CONFIG, `slos:
  - name: auction-latency
    stage: auction
    latency_ms: 40
    objective: 0.95
  - name: e2e-latency
    latency_ms: 120
  - name: event-cost
    cost_per_event_usd: 0.0012
  - name: auction-errors
    stage: auction
    error_rate: 0.001
  - name: errors
    error_rate: 0.05
  - name: auction-cost
    stage: auction
    cost_per_event_usd: 0.0001
`);

beforeAll(async () => {
  await chdbDatasets(work, data);
  const planted = join(work, "planted.json");
  writeFileSync(planted, plantedOtlp(plantedSpans()));
  data.planted = { input: planted, dir: (await chdbWith([planted])).dir };
}, 600_000);

const NUMBER = /(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)/i;

/** Two texts equal but for numbers within 1e-9 relative: the differing tokens, none when equal. */
function textDifferences(expected: string, actual: string): string[] {
  if (expected === actual) return [];
  const a = expected.split(NUMBER);
  const b = actual.split(NUMBER);
  if (a.length !== b.length) return [`token counts ${a.length} ≠ ${b.length}`];
  return a.flatMap((x, i) => (i % 2 === 1 ? differences(Number(x), Number(b[i]), 1e-9, `#${i}`) : x === b[i] ? [] : [`#${i}: ${JSON.stringify(x)} ≠ ${JSON.stringify(b[i])}`]));
}

function readBundle(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).sort().map((name) => [name, readFileSync(join(dir, name), "utf8")]));
}

/** The differences between a local bundle and a ClickHouse one, file by file (report.json without inputs; report.html without its inputs table). */
function bundleDifferences(local: Record<string, string>, pushed: Record<string, string>): string[] {
  const names = Object.keys(local);
  const out = differences(names, Object.keys(pushed)).map((d) => `files ${d}`);
  for (const name of names) {
    if (pushed[name] === undefined) continue;
    if (name === "report.json") {
      const { inputs: _l, ...l } = JSON.parse(local[name]!) as Record<string, unknown>;
      const { inputs: _p, ...p } = JSON.parse(pushed[name]!) as Record<string, unknown>;
      out.push(...differences(l, p).map((d) => `${name} ${d}`));
    } else if (name === "report.html") {
      const strip = (html: string) => html.replace(/<table[^>]*data-table="inputs"[\s\S]*?<\/table>/, "");
      out.push(...textDifferences(strip(local[name]!), strip(pushed[name]!)).map((d) => `${name} ${d}`));
    } else {
      out.push(...textDifferences(local[name]!, pushed[name]!).map((d) => `${name} ${d}`));
    }
  }
  return out;
}

/** `adtrace report` in-process (the command layer, as the built CLI runs it): the bundle it wrote. */
async function report(inputs: string[], out: string, extra: string[] = []): Promise<Record<string, string>> {
  const run = await adtraceIn(["report", ...inputs, "--config", CONFIG, "--out-dir", out, "--no-timestamp", "-q", ...extra]);
  expect(run.code, run.stderr).toBe(0);
  return readBundle(out);
}

describe("report over a ClickHouse source (chDB) equals the DuckDB bundle", () => {
  it("on the fixture, generated and sampled data (ot=th), and with --sample-rate: every file", async () => {
    const cases: [string, string[]][] = [["fixture", []], ["generated", []], ["sampled", []], ["generated", ["--sample-rate", "auction.*=0.5"]]];
    for (const [name, extra] of cases) {
      const { input, dir } = data[name]!;
      const tag = `${name}${extra.length ? " " + extra.join(" ") : ""}`;
      const local = await report([input], join(work, `local-${name}-${extra.length}`), extra);
      const pushed = await report([`chdb:${dir}`], join(work, `ch-${name}-${extra.length}`), extra);
      expect(bundleDifferences(local, pushed), tag).toEqual([]);
      // Something to compare: every file, SLOs with errors and breaches, flags, a saving.
      expect(Object.keys(pushed), tag).toEqual(["breakdown.csv", "flags.csv", "pii.csv", "queries.csv", "report.html", "report.json", "savings.csv", "slos.csv", "summary.md"]);
      const doc = JSON.parse(pushed["report.json"]!) as { slos: { name: string; actual: number; status: string }[]; flags: unknown[]; headline: { top_saving: unknown }; inputs: Record<string, unknown>[] };
      // (Not on the sampled data, which keeps 1 in 4 of its events: none with an auction error, none flagged.)
      if (name !== "sampled") {
        expect(doc.slos.find((s) => s.name === "errors")!.actual, tag).toBeLessThan(1);
        expect(doc.slos.find((s) => s.name === "auction-errors")!.actual, tag).toBeLessThan(1);
        expect(doc.slos.filter((s) => s.status === "breached").length, tag).toBeGreaterThan(0);
        expect(doc.flags.length, tag).toBeGreaterThan(0);
        expect(doc.headline.top_saving, tag).not.toBeNull();
      }
      // inputs: the source's label, table, range and the spans in it, as the local bundle's spans count them.
      const localDoc = JSON.parse(local["report.json"]!) as { breakdown: { weights: { stored_spans: number } } };
      expect(localDoc.breakdown.weights.stored_spans, tag).toBeGreaterThan(300);
      expect(doc.inputs, tag).toEqual([{ path: `chdb:${dir} default.otel_traces`, table: "default.otel_traces", since: null, until: null, spans: localDoc.breakdown.weights.stored_spans }]);
      // The same bytes on a second run, every file (once: each run is a whole report).
      if (name === "sampled") expect(await report([`chdb:${dir}`], join(work, "ch-sampled-again")), "second run").toEqual(pushed);
    }
  }, 1_200_000);

  it("personal data in attributes, resources and statements: pii.csv and the summary equal the local audit's, no planted value in any file", async () => {
    const { input, dir } = data.planted!;
    const local = await report([input], join(work, "local-planted"));
    const pushed = await report([`chdb:${dir}`], join(work, "ch-planted"));
    expect(textDifferences(local["pii.csv"]!, pushed["pii.csv"]!)).toEqual([]);
    expect(textDifferences(local["summary.md"]!, pushed["summary.md"]!)).toEqual([]);
    const rows = pushed["pii.csv"]!.trim().split("\r\n");
    expect(rows.some((r) => r.includes(",resource,"))).toBe(true);
    expect(rows.some((r) => r.includes(",statement,"))).toBe(true);
    for (const [name, text] of Object.entries(pushed)) {
      for (const p of PLANTED) expect(text.includes(p.value), `${name} holds ${p.value}`).toBe(false);
    }
  }, 300_000);
});

describe("slo check and audit pii over a ClickHouse source", () => {
  it("slo check with --window: the same figures as over the span files; exit 1 on a breach as locally", async () => {
    const codes: number[] = [];
    // The fixture spans a minute, generated data a day; the whole range is in every report above.
    for (const [name, window] of [["fixture", ["--window", "30s"]], ["generated", ["--window", "1h"]]] as const) {
      const { input, dir } = data[name]!;
      {
        const local = await adtraceIn(["slo", "check", input, "--config", CONFIG, "--format", "json", "-q", ...window]);
        const pushed = await adtraceIn(["slo", "check", `chdb:${dir}`, "--config", CONFIG, "--format", "json", "-q", ...window]);
        expect(pushed.code, pushed.stderr).toBe(local.code);
        codes.push(local.code ?? -1);
        expect(differences(JSON.parse(local.stdout), JSON.parse(pushed.stdout)), `${name} ${window.join(" ")}`).toEqual([]);
        // The window is not the whole range: some burn rate differs from its budget used.
        const rows = (JSON.parse(pushed.stdout) as { slos: { error_budget_used: number; burn_rate: number }[] }).slos;
        expect(rows.some((r) => r.burn_rate !== r.error_budget_used), name).toBe(true);
      }
    }
    expect(codes).toContain(1);
  }, 600_000);

  it("audit pii: the same CSV as over the span file; --fail-on-pii exits 1", async () => {
    const { input, dir } = data.planted!;
    const local = await adtraceIn(["audit", "pii", input, "--format", "csv", "-q"]);
    const pushed = await adtraceIn(["audit", "pii", `chdb:${dir}`, "--format", "csv", "-q"]);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stdout).toBe(local.stdout);
    expect(pushed.stdout.split("\r\n").length).toBeGreaterThan(10);
    // The process's exit code: the built CLI.
    expect(adtrace(["audit", "pii", `chdb:${dir}`, "--fail-on-pii", "-q"]).code).toBe(1);
  }, 300_000);

  it("past the sample: scans the events DuckDB's own MD5 key picks, and says 'scanned N of M events'", async () => {
    const { input, dir } = data.generated!;
    // The spans of the 100 events with the largest key (the first 53 bits of MD5(trace id)), counted by DuckDB over the span file.
    const expectedSpans = await withAnalysis({ inputs: [input] }, async (a) => Number(await a.db.scalar(`SELECT count(*) FROM spans WHERE trace_id IN (
      SELECT trace_id FROM spans GROUP BY trace_id ORDER BY CAST('0x' || left(md5(trace_id), 16) AS UBIGINT) >> 11 DESC, trace_id LIMIT 100)`)));
    const result = await withClickHouse(parseClickHouseSource([`chdb:${dir}`]), defaultConfig(), {}, (s) => clickhousePii(s, { sampleEvents: 100 }));
    expect(result.scanned).toEqual({ events: 100, of_events: 400 });
    expect(result.spans).toBe(expectedSpans);
    const { piiVerdict, piiView } = await import("../src/output/pii-view.js");
    expect(piiVerdict(result)).toMatch(/scanned 100 of 400 events/);
    expect(piiView(result).notes!.join("\n")).toMatch(/Only a sample was scanned: scanned 100 of 400 events/);
    expect(piiView(result).json).toMatchObject({ scanned_events: 100, of_events: 400 });
    // All of them when the range holds no more than the sample: nothing said.
    const whole = await withClickHouse(parseClickHouseSource([`chdb:${dir}`]), defaultConfig(), {}, (s) => clickhousePii(s, { sampleEvents: 400 }));
    expect(whole.scanned).toBeUndefined();
  }, 300_000);
});

describe("errors over a ClickHouse source: one line, exit 2", () => {
  it("a missing table, an --out-dir that is a file, slos over --map", async () => {
    const { dir } = data.fixture!;
    // The process's exit code and stderr: the built CLI; the others in-process.
    const missing = adtrace(["report", `chdb:${dir}`, "--table", "nope", "--out-dir", join(work, "never"), "-q"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
    expect(missing.stderr).toMatch(/no table default\.nope/);
    const file = join(work, "a-file");
    writeFileSync(file, "x");
    const badDir = await adtraceIn(["report", `chdb:${dir}`, "--out-dir", file, "-q"]);
    expect(badDir.code).toBe(2);
    expect(badDir.stderr.trim().split("\n")).toHaveLength(1);
    expect(badDir.stderr).toMatch(/exists and is not a directory/);
    expect(readFileSync(file, "utf8")).toBe("x");
    const slos = await adtraceIn(["slo", "check", `chdb:${dir}`, "--config", CONFIG, "--map", "trace_id=TraceId", "-q"]);
    expect(slos.code).toBe(2);
    expect(slos.stderr.trim().split("\n")).toHaveLength(1);
    expect(slos.stderr).toMatch(/slos over a ClickHouse table read through --map are not supported yet/);
  }, 300_000);
});
