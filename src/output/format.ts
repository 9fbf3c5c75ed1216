// The output layer: every command's result goes through one of the pure renderers of
// src/output/formats/, keyed by `--format` (the registry, formats/index.ts), and printResult
// writes data to stdout (or --out, atomically) and notes to stderr.
import { isTerminalOutput, outputTarget, writeOutput } from "../db/beside.js";
import { colorsFor } from "./colors.js";
import type { TableResult } from "./result.js";
import { machineNumber } from "./units.js";
import { tableColumns } from "./table-width.js";
import { UsageError } from "../errors.js";
import { resultNote } from "../diagnostics.js";
import { FORMAT_NAMES, formatFromExtension, outputFormat, type FormatContext, type FormatName } from "./formats/index.js";
import { formatTable } from "./formats/table.js";
import { formatCsv } from "./formats/csv.js";
import { formatJson } from "./formats/json.js";
import { formatMarkdown } from "./formats/md.js";
import { formatArrow } from "./formats/arrow.js";

// CSV's and JSON's 12 significant digits live in units.ts so that arrow.ts can share them.
export { machineNumber };
export { csvField } from "./formats/csv.js";
export { jsonDocument, jsonReplacer, JSON_SCHEMA_VERSION } from "./formats/json.js";
export { mdText } from "./formats/md.js";
export { humanCell } from "./columns.js";
export type { FormatContext, FormatName };
export const FORMATS = FORMAT_NAMES;

type Renderer = (result: TableResult, ctx: FormatContext) => string | Uint8Array;

/** Each format's renderer, by name: one line per entry of the registry (a missing one does not compile). */
const RENDERERS = {
  table: formatTable,
  csv: formatCsv,
  json: formatJson,
  md: formatMarkdown,
  arrow: formatArrow,
} satisfies Record<FormatName, Renderer>;

/** Text formats return a string; binary ones (Arrow) bytes. */
export const formatters: typeof RENDERERS = RENDERERS;

export function parseFormat(value: string | undefined): FormatName | undefined {
  if (value === undefined) return undefined;
  if ((FORMAT_NAMES as readonly string[]).includes(value)) return value as FormatName;
  if (value === "html") throw new UsageError("--format html is diff's before/after page (report writes report.html into its --out-dir); this command writes table, csv, json, md or arrow");
  throw new UsageError(`unknown --format '${value}' (expected one of ${FORMAT_NAMES.join(", ")})`);
}

/** The format when none is given: a table for a person, CSV when piped or written to a file. */
export function defaultFormat(isTTY: boolean | undefined, out: string | undefined): FormatName {
  if (out) return formatFromExtension(out) ?? "csv";
  return isTTY ? "table" : "csv";
}

/**
 * The columns a width-fitted table may use: the terminal's, else COLUMNS, else 100. A terminal
 * that reports 0 columns (a pseudo-terminal with no size set, as `script` or `docker exec -t` may
 * give) counts as not knowing its width.
 */
export function terminalColumns(isTTY: boolean | undefined, columns: number | undefined, envColumns: string | undefined): number {
  return (isTTY && columns ? columns : 0) || Number(envColumns) || 100;
}

export interface PrintOptions {
  format?: FormatName;
  out?: string;
  quiet?: boolean;
  rawCsv?: boolean;
  stdout?: NodeJS.WritableStream & { isTTY?: boolean };
  stderr?: NodeJS.WritableStream & { isTTY?: boolean };
  env?: NodeJS.ProcessEnv;
}

export function printResult(result: TableResult, options: PrintOptions = {}): void {
  const stdout = options.stdout ?? process.stdout;
  const stderr = options.stderr ?? process.stderr;
  const format = options.format ?? defaultFormat(stdout.isTTY, options.out);
  const colors = colorsFor(options.out ? {} : stdout, options.env ?? process.env);
  // --out /dev/stdout or /dev/tty on a terminal is a terminal too: control characters are cleaned.
  const isTerminal = options.out ? isTerminalOutput(outputTarget(options.out)) : Boolean(stdout.isTTY);
  const spec = outputFormat(format);
  if (spec.isBinary && isTerminal) throw binaryOnTerminal(format);
  const data = RENDERERS[format](result, { colors, rawCsv: options.rawCsv, isTerminal, out: options.out, width: tableColumns(options.out ? {} : stdout, options.env ?? process.env) });
  if (options.out) writeOutput(options.out, data);
  else stdout.write(data);
  if ((spec.isMachine || options.out) && !options.quiet && result.notes?.length) {
    const dim = colorsFor(stderr, options.env ?? process.env);
    for (const note of result.notes) resultNote(note, (text) => dim.dim(text), stderr);
  }
}

/** A binary format (Arrow) is bytes for a program: refused on a terminal, where it would only scramble the screen. */
export function binaryOnTerminal(format: FormatName): UsageError {
  return new UsageError(`--format ${format} is binary and stdout is a terminal: write it with --out FILE${outputFormat(format).extensions[0]} or pipe it to a program`);
}

/** Arrow on a terminal (binaryOnTerminal). */
export function arrowOnTerminal(): UsageError {
  return binaryOnTerminal("arrow");
}
