// adtrace export's options layer: --out and --export-format in, the file and its format out, or a
// UsageError (src/commands/options.ts). Pure (test/command-options.test.ts).
import { UsageError } from "../errors.js";
import type { AnalysisOptions } from "../analysis/analysis.js";
import { exportFormatFor, type ExportFormat } from "../analysis/export.js";
import { spanSource, type GlobalOptions } from "./shared.js";

export interface ExportFlags {
  exportFormat?: string;
}

export function exportOptions(inputs: string[], flags: ExportFlags, globals: GlobalOptions): { source: AnalysisOptions; out: string; format: ExportFormat } {
  if (!globals.out) throw new UsageError("export needs --out FILE (.parquet or .csv)");
  return { out: globals.out, format: exportFormatFor(globals.out, flags.exportFormat), source: spanSource(inputs, globals) };
}
