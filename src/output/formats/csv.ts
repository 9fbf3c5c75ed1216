// --format csv: RFC 4180 with CRLF, the machine columns, 12 significant digits, cells a
// spreadsheet would run as a formula guarded (unless --raw-csv).
import type { TableResult } from "../result.js";
import { machineColumns } from "../columns.js";
import { machineNumber } from "../units.js";
import { stripControl } from "../text.js";
import { jsonReplacer } from "./json.js";
import type { FormatContext } from "./index.js";

export function formatCsv(result: TableResult, { rawCsv, isTerminal }: FormatContext): string {
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
