// adtrace export: the canonical table as Parquet or CSV.
import type { Command } from "commander";
import { globals, note } from "./shared.js";
import type { ExportFlags } from "./export-options.js";

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
    .action(async (inputs: string[], flags: ExportFlags, command: Command) => {
      const options = globals(command);
      const { exportOptions } = await import("./export-options.js");
      const typed = exportOptions(inputs, flags, options);
      const { withSpans } = await import("../analysis/inputs.js");
      const { exportSpans } = await import("../analysis/export.js");
      const result = await withSpans(typed.source, ({ db }) => exportSpans(db, { out: typed.out, format: typed.format }));
      note(options, `wrote ${result.spans} spans to ${result.path} (${result.format})`);
    });
}
