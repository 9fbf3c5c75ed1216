// Writing the canonical table out as Parquet or CSV (which reads back through the flat adapter).
import { renameSync, rmSync, unlinkSync, existsSync } from "node:fs";
import { dirname, basename, join } from "node:path";
import type { Db } from "./db.js";
import { UsageError } from "../errors.js";
import { onInterrupt } from "./interrupt.js";

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
  // Written beside the target and renamed, so a failed export never leaves half a file.
  const tmp = join(dirname(options.out), `.${basename(options.out)}.${process.pid}.tmp`);
  const release = onInterrupt(() => rmSync(tmp, { force: true }));
  try {
    if (format === "parquet") await db.run("spans.export_parquet", { path: tmp });
    else await db.run("spans.export_csv", { path: tmp, compression: /\.gz$/i.test(options.out) ? "gzip" : "none" });
    renameSync(tmp, options.out);
  } finally {
    release();
    if (existsSync(tmp)) unlinkSync(tmp);
  }
  const spans = Number(await db.scalar("SELECT count(*) FROM spans"));
  return { path: options.out, format, spans };
}
