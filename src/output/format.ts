// The output layer: every command's result goes through one of these pure formatters, keyed by
// `--format`, and printResult writes data to stdout (or --out, atomically) and notes to stderr.
import Table from "cli-table3";
import type { ChalkInstance } from "chalk";
import { isTerminalOutput, outputTarget, writeOutput } from "../db/beside.js";
import { colorsFor } from "./colors.js";
import type { Column, Row, TableResult } from "./result.js";
import { formatBytes, formatCount, formatMs, formatShare, formatUsd, machineNumber, shareBar } from "./units.js";
import { arrowBytes, arrowRows } from "./arrow.js";
import { displayWidth, escapeJsonControl, stripControl, truncate, wrapText } from "./text.js";
import { UsageError } from "../errors.js";
import { resultNote } from "../diagnostics.js";

// CSV's and JSON's 12 significant digits live in units.ts so that arrow.ts can share them.
export { machineNumber };

export const FORMATS = ["table", "csv", "json", "md", "arrow"] as const;
export type FormatName = (typeof FORMATS)[number];

export interface FormatContext {
  colors: ChalkInstance;
  /** Leave CSV cells that start with = + - @ as they are (no spreadsheet-formula guard). */
  rawCsv?: boolean;
  /** Printed on a terminal: machine formats too lose (CSV) or escape (JSON) control characters. */
  isTerminal?: boolean;
  /** Arrow only: the IPC file format (for a `.arrow` file) instead of the stream. */
  arrowFile?: boolean;
}

type Formatter = (result: TableResult, ctx: FormatContext) => string;

/** Text formats return a string; Arrow returns bytes. */
export const formatters: Record<Exclude<FormatName, "arrow">, Formatter> & { arrow: (result: TableResult, ctx: FormatContext) => Uint8Array } = {
  table: formatTable,
  csv: formatCsv,
  json: formatJson,
  md: formatMarkdown,
  arrow: formatArrow,
};

export function parseFormat(value: string | undefined): FormatName | undefined {
  if (value === undefined) return undefined;
  if ((FORMATS as readonly string[]).includes(value)) return value as FormatName;
  throw new UsageError(`unknown --format '${value}' (expected one of ${FORMATS.join(", ")})`);
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

function formatFromExtension(path: string): FormatName | undefined {
  if (/\.csv$/i.test(path)) return "csv";
  if (/\.json$/i.test(path)) return "json";
  if (/\.(md|markdown)$/i.test(path)) return "md";
  if (/\.txt$/i.test(path)) return "table";
  if (/\.arrows?$/i.test(path)) return "arrow";
  return undefined;
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
  if (format === "arrow" && isTerminal) throw arrowOnTerminal();
  const arrowFile = format === "arrow" && options.out !== undefined && /\.arrow$/i.test(options.out);
  const data = formatters[format](result, { colors, rawCsv: options.rawCsv, isTerminal, arrowFile });
  if (options.out) writeOutput(options.out, data);
  else stdout.write(data);
  const isMachine = format === "csv" || format === "json" || format === "arrow";
  if ((isMachine || options.out) && !options.quiet && result.notes?.length) {
    const dim = colorsFor(stderr, options.env ?? process.env);
    for (const note of result.notes) resultNote(note, (text) => dim.dim(text), stderr);
  }
}

/** Arrow is bytes for a program: refused on a terminal, where it would only scramble the screen. */
export function arrowOnTerminal(): UsageError {
  return new UsageError("--format arrow is binary and stdout is a terminal: write it with --out FILE.arrow or pipe it to a program");
}

// ---------------------------------------------------------------- human formats

function humanColumns(result: TableResult): Column[] {
  return result.columns.filter((c) => !c.machineOnly);
}

function machineColumns(result: TableResult): Column[] {
  return result.columns.filter((c) => !c.humanOnly);
}

export function humanCell(column: Column, value: unknown, withBar: boolean): string {
  if (value === null || value === undefined || value === "") return column.kind === "text" ? "" : "–";
  const n = typeof value === "number" ? value : Number(value);
  switch (column.kind) {
    case "usd":
      return formatUsd(n);
    case "share":
      return withBar && column.bar ? `${formatShare(n).padStart(6)} ${shareBar(n, 7).padEnd(7)}` : formatShare(n);
    case "ms":
      return formatMs(n);
    case "int":
    case "number":
      return formatCount(n);
    case "bytes":
      return formatBytes(n);
    default: {
      const text = stripControl(String(value));
      return column.maxWidth ? truncate(text, column.maxWidth) : text;
    }
  }
}

function isRightAligned(column: Column): boolean {
  return column.align ? column.align === "right" : column.kind !== "text" && column.kind !== "time";
}

function formatTable(result: TableResult, { colors }: FormatContext): string {
  const lines: string[] = [];
  const width = result.width ?? TABLE_WIDTH;
  for (const line of result.heading ?? []) lines.push(...wrapText(stripControl(line), width));
  if (result.heading?.length) lines.push("");
  if (humanColumns(result).length === 0 || ((result.humanRows ?? result.rows).length === 0 && !result.total)) {
    lines.push(colors.dim("(no rows)"));
  } else {
    const { columns, cells, total, widths } = fitTable(result);
    const hasHeader = columns.some((c) => (c.title ?? c.key) !== "");
    const table = new Table({
      head: hasHeader ? columns.map((c) => colors.bold(c.title ?? c.key)) : [],
      colWidths: widths,
      colAligns: columns.map((c) => (isRightAligned(c) ? "right" : "left")),
      style: { head: [], border: [], compact: true, "padding-left": 0, "padding-right": 0 },
      chars: {
        top: "", "top-mid": "", "top-left": "", "top-right": "",
        bottom: "", "bottom-mid": "", "bottom-left": "", "bottom-right": "",
        left: "", "left-mid": "", mid: "", "mid-mid": "", right: "", "right-mid": "", middle: GUTTER,
      },
    });
    for (const row of cells) table.push(row);
    if (total) table.push(total.map((cell) => colors.bold(cell)));
    const rendered = table.toString().split("\n").map((line) => line.trimEnd());
    // A rule under the header, and one above the total row.
    const rule = colors.dim("─".repeat(tableWidth(widths)));
    if (hasHeader) lines.push(rendered[0]!, rule);
    const body = hasHeader ? rendered.slice(1) : rendered;
    if (total) lines.push(...body.slice(0, -1), rule, body[body.length - 1]!);
    else lines.push(...body);
  }
  if (result.notes?.length) {
    lines.push("");
    for (const note of result.notes) lines.push(...wrapText(stripControl(note), width).map((l) => colors.dim(l)));
  }
  return lines.join("\n") + "\n";
}

/** Tables, headings and notes fit this many columns (DESIGN: a 100-column terminal). */
const TABLE_WIDTH = 100;
const GUTTER = "  ";
// Text columns are first cut down to their title or this, whichever is wider.
const MIN_TEXT_WIDTH = 12;

const tableWidth = (widths: number[]) => widths.reduce((sum, w) => sum + w, 0) + GUTTER.length * (widths.length - 1);

/**
 * The table's columns, cells and widths, fitted to its width (TABLE_WIDTH unless it says) by giving up, in this order and
 * only as far as needed: the share bars; characters of the widest left-aligned text column
 * (names, queries, levers; cut with …) down to MIN_TEXT_WIDTH or its title; optional columns
 * (Column.optional's order); text characters down to the title. Numbers are never cut. Each column is as
 * wide as its widest cell.
 */
function fitTable(result: TableResult): { columns: Column[]; cells: string[][]; total?: string[]; widths: number[] } {
  const maxWidth = result.width ?? TABLE_WIDTH;
  let columns = humanColumns(result);
  let withBars = true;
  const render = () => {
    const cells = (result.humanRows ?? result.rows).map((row) => columns.map((c) => humanCell(c, row[c.key], withBars)));
    const total = result.total ? columns.map((c) => humanCell(c, result.total![c.key], withBars)) : undefined;
    const titles = columns.map((c) => c.title ?? c.key);
    const widths = columns.map((_, i) => Math.max(displayWidth(titles[i]!), ...[...cells, ...(total ? [total] : [])].map((r) => displayWidth(r[i]!))));
    return { cells, total, widths };
  };
  let fitted = render();
  if (tableWidth(fitted.widths) > maxWidth && columns.some((c) => c.bar)) {
    withBars = false;
    fitted = render();
  }
  const titleWidth = (c: Column) => displayWidth(c.title ?? c.key);
  shrinkText(columns, fitted.widths, (c) => Math.max(titleWidth(c), MIN_TEXT_WIDTH), maxWidth);
  const dropRank = (c: Column) => (c.optional === true ? 0 : c.optional ?? Infinity);
  while (tableWidth(fitted.widths) > maxWidth && columns.some((c) => c.optional)) {
    const drop = columns.reduce((best, c, i) => (dropRank(c) < dropRank(columns[best]!) ? i : best), 0);
    columns = columns.filter((_, i) => i !== drop);
    fitted = render();
    shrinkText(columns, fitted.widths, (c) => Math.max(titleWidth(c), MIN_TEXT_WIDTH), maxWidth);
  }
  shrinkText(columns, fitted.widths, (c) => Math.max(titleWidth(c), 1), maxWidth);
  const fit = (row: string[]) => row.map((cell, i) => truncate(cell, fitted.widths[i]!));
  return { columns, cells: fitted.cells.map(fit), total: fitted.total && fit(fitted.total), widths: fitted.widths };
}

/** Narrow the widest left-aligned text column a character at a time (not below `floor`) until the table fits. */
function shrinkText(columns: Column[], widths: number[], floor: (column: Column) => number, maxWidth = TABLE_WIDTH): void {
  const shrinkable = columns.map((c, i) => (c.kind === "text" && !isRightAligned(c) && !c.fixed ? i : -1)).filter((i) => i >= 0);
  while (tableWidth(widths) > maxWidth) {
    const candidates = shrinkable.filter((i) => widths[i]! > floor(columns[i]!));
    if (candidates.length === 0) return;
    const widest = candidates.reduce((a, b) => (widths[b]! > widths[a]! ? b : a));
    widths[widest]!--;
  }
}

function formatMarkdown(result: TableResult): string {
  const columns = humanColumns(result);
  const lines: string[] = [];
  if (result.mdLead?.length) lines.push(...result.mdLead, "");
  for (const line of result.heading ?? []) lines.push(mdText(line) + "  ");
  if (result.heading?.length) lines.push("");
  const cell = (c: Column, v: unknown) => mdText(humanCell({ ...c, maxWidth: undefined }, v, false));
  lines.push(`| ${columns.map((c) => mdText(c.title ?? c.key)).join(" | ")} |`);
  lines.push(`|${columns.map((c) => (isRightAligned(c) ? "---:" : ":---")).join("|")}|`);
  for (const row of result.humanRows ?? result.rows) lines.push(`| ${columns.map((c) => cell(c, row[c.key])).join(" | ")} |`);
  if (result.total) lines.push(`| ${columns.map((c) => `**${cell(c, result.total![c.key])}**`.replace(/^\*\*\*\*$/, "")).join(" | ")} |`);
  if (result.notes?.length) {
    lines.push("");
    for (const note of result.notes) lines.push(`<sub>${mdText(note)}</sub>  `);
  }
  return lines.join("\n") + "\n";
}

/** Markdown-safe text: no control characters, pipes and HTML escaped, one line. */
export function mdText(text: string): string {
  return stripControl(text)
    .replace(/\\/g, "\\\\")
    .replace(/\|/g, "\\|")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/`/g, "\\`");
}

// ---------------------------------------------------------------- machine formats

/** CSV's columns and rows as typed Arrow columns (src/output/arrow.ts). */
function formatArrow(result: TableResult, { arrowFile }: FormatContext): Uint8Array {
  return arrowBytes(machineColumns(result), arrowRows(result), arrowFile ? "file" : "stream");
}

function formatJson(result: TableResult, { isTerminal }: FormatContext): string {
  const columns = machineColumns(result);
  const doc = result.json ?? result.rows.map((row) => pick(row, columns));
  const text = JSON.stringify(doc, jsonReplacer, 2) + "\n";
  return isTerminal ? escapeJsonControl(text) : text;
}

export function jsonReplacer(_key: string, value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "number") return Number.isFinite(value) ? machineNumber(value) : null;
  return value;
}

function pick(row: Row, columns: Column[]): Row {
  const out: Row = {};
  for (const c of columns) out[c.key] = row[c.key] ?? null;
  return out;
}

function formatCsv(result: TableResult, { rawCsv, isTerminal }: FormatContext): string {
  const columns = machineColumns(result);
  // On a terminal the data cannot stay exact: an escape sequence in a name would run.
  const shown = isTerminal ? stripControl : (text: string) => text;
  // Header cells are guarded too: a column may be named after an attribute key (--by attr:=cmd).
  const lines = [columns.map((c) => csvField(shown(c.key), !rawCsv)).join(",")];
  for (const row of result.csvTotal && result.total ? [...result.rows, result.total] : result.rows) {
    lines.push(columns.map((c) => csvField(shown(csvValue(row[c.key])), !rawCsv && c.kind === "text")).join(","));
  }
  return lines.map((l) => l + "\r\n").join("");
}

function csvValue(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return Number.isFinite(value) ? String(machineNumber(value)) : "";
  if (typeof value === "object") return JSON.stringify(value, jsonReplacer);
  return String(value);
}

// Cells a spreadsheet would run as a formula (OWASP "CSV injection").
const FORMULA_START = /^[=+\-@\t\r]/;

/** One RFC 4180 field; text cells that a spreadsheet would evaluate get a leading apostrophe. */
export function csvField(text: string, guardFormula: boolean): string {
  const safe = guardFormula && FORMULA_START.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
