// Writing the canonical table out as Parquet or CSV (which reads back through the flat adapter).
import type { Db } from "../db/db.js";
import { UsageError } from "../errors.js";
import { compressionFor, writeBeside } from "../db/beside.js";

export type ExportFormat = "parquet" | "csv";

export interface ExportOptions {
  out: string;
  format?: ExportFormat;
}

export interface ExportResult {
  path: string;
  format: ExportFormat;
  spans: number;
}

export function exportFormatFor(out: string, format?: string): ExportFormat {
  if (format === "parquet" || format === "csv") return format;
  if (format !== undefined) throw new UsageError(`export writes parquet or csv, not '${format}'`);
  if (/\.parquet$/i.test(out)) return "parquet";
  if (/\.csv(\.gz)?$/i.test(out)) return "csv";
  throw new UsageError(`cannot tell the export format from '${out}': name it .parquet or .csv, or pass --export-format`);
}

export async function exportSpans(db: Db, options: ExportOptions): Promise<ExportResult> {
  const format = exportFormatFor(options.out, options.format);
  await writeBeside(options.out, async (partial) => {
    if (format === "parquet") await db.run("spans.export_parquet", { path: partial });
    else await db.run("spans.export_csv", { path: partial, compression: compressionFor(options.out) });
  });
  const spans = Number(await db.scalar("SELECT count(*) FROM spans"));
  return { path: options.out, format, spans };
}
