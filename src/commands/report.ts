// adtrace report: the CSV + JSON + Markdown bundle for CI.
import type { Command } from "commander";
import { globals, note } from "./shared.js";
import { addClickHouseOptions, isClickHouseRun } from "./clickhouse.js";
import type { ReportFlags } from "./report-options.js";
import { VERSION } from "../version.js";

export function registerReport(program: Command): void {
  addClickHouseOptions(program
    .command("report")
    .description("write breakdown, queries, flags and savings as CSV, report.json, summary.md and report.html (for CI)")
    .argument("[inputs...]", "span files (else --db, else ./adtrace.duckdb), or a ClickHouse source: clickhouse://USER@HOST:8123/DB, chdb:PATH"))
    .requiredOption("--out-dir <dir>", "directory for the bundle: created if missing; an earlier bundle there is replaced atomically, anything else is refused")
    .option("--scenario <file>", "savings scenarios (default: the --suggest scenario)")
    .option("--events-per-day <n>", "daily volume for projections (default: config events_per_day)")
    .option("--no-timestamp", "leave generated_at out, for byte-stable golden files")
    .addHelpText("after", `
Files: breakdown.csv, queries.csv, flags.csv, savings.csv (same columns as the commands' CSV),
slos.csv when the config has slos: (as adtrace slo check, over the whole data),
pii.csv (as adtrace audit pii: where personal data flows, examples redacted),
report.json (all of it plus inputs with sizes and sha256, config digest, events, time range;
over a ClickHouse source, inputs is the source's label, table, --since/--until and its spans),
summary.md (for $GITHUB_STEP_SUMMARY or a PR comment),
report.html (one self-contained page: charts as inline SVG, flags, queries, savings, the data;
no script, no network; open it in any browser).

Examples:
  $ adtrace report fixtures/auction/otlp.jsonl --out-dir report/
  $ adtrace report --db pipeline.duckdb --out-dir report/ && cat report/summary.md >> "$GITHUB_STEP_SUMMARY"
  $ adtrace report clickhouse://adtrace@ch.internal:8123/otel --since 24h --out-dir report/

Over a ClickHouse source the figures are computed in the engine; the critical-path walk, the
latency re-timing and the PII audit run locally on a sample of up to 20,000 whole events (all of
them when the range holds fewer), and the bundle says so when it is a sample.`)
    .action(async (inputs: string[], flags: ReportFlags, command: Command) => {
      const options = globals(command);
      const { reportOptions } = await import("./report-options.js");
      const typed = reportOptions(inputs, flags, options);
      const { withAnalysis } = await import("../analysis/analysis.js");
      const { checkBundleDir, collectReport, writeBundle } = await import("../analysis/report.js");
      checkBundleDir(typed.outDir);
      const { renderBundle } = await import("../output/report-files.js");
      const data = isClickHouseRun(inputs, options)
        ? await (await import("./clickhouse-report.js")).clickhouseReportData(inputs, options,
          { scenario: typed.scenario, timestamp: typed.timestamp, version: VERSION, eventsPerDay: typed.analysis.eventsPerDay }, typed.analysis.model ?? {})
        : await withAnalysis(typed.analysis, (a) =>
          collectReport(a, { inputs, db: options.db ?? (inputs.length ? undefined : a.label), scenario: typed.scenario, timestamp: typed.timestamp, version: VERSION }),
        );
      // report.html is drawn from report.json's text, so the page shows the figures report.json holds.
      const { withReportHtml } = await import("../output/html/report-page.js");
      await writeBundle(typed.outDir, await withReportHtml(renderBundle(data, { rawCsv: options.rawCsv })));
      const { pricingNotes } = await import("../output/cost-views.js");
      for (const line of pricingNotes(data.breakdown.pricing)) note(options, line);
      note(options, `wrote ${typed.outDir.replace(/(.)\/+$/, "$1")}/ (breakdown.csv, queries.csv, flags.csv, savings.csv, ${data.slos ? "slos.csv, " : ""}pii.csv, report.json, summary.md, report.html)`);
    });
}
