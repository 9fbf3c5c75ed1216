// adtrace export: the canonical table as Parquet or CSV.
import type { Command } from "commander";
import { globals, note, spanSource } from "./shared.js";
import { UsageError } from "../errors.js";

export function registerExport(program: Command): void {
  program
    .command("export")
    .description("write the canonical spans table as Parquet or CSV (reads back losslessly)")
    .argument("[inputs...]", "span files (else --db, else ./adtrace.duckdb)")
    .option("--export-format <format>", "parquet or csv (default: from the --out extension)")
    .addHelpText("after", `
Export CSV is raw data for reading back (adtrace load, DuckDB), not for spreadsheets: every
value is written exactly, so cells starting with = + - @ are NOT guarded against formulas
(--raw-csv has no effect here). For a spreadsheet, use the analysis commands' CSV or Parquet.

Examples:
  $ adtrace export fixtures/auction/jaeger.json --out spans.parquet
  $ adtrace export --db pipeline.duckdb --out spans.csv`)
    .action(async (inputs: string[], opts: { exportFormat?: string }, command: Command) => {
      const options = globals(command);
      if (!options.out) throw new UsageError("export needs --out FILE (.parquet or .csv)");
      const { withSpans } = await import("../analysis/inputs.js");
      const { exportSpans, exportFormatFor } = await import("../analysis/export.js");
      const format = exportFormatFor(options.out, opts.exportFormat);
      const result = await withSpans(spanSource(inputs, options), ({ db }) => exportSpans(db, { out: options.out!, format }));
      note(options, `wrote ${result.spans} spans to ${result.path} (${result.format})`);
    });
}
