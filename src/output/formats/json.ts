// --format json: the machine columns as an array of objects (or the result's own document),
// numbers to 12 significant digits, control characters escaped when printed on a terminal.
import type { Column, Row, TableResult } from "../result.js";
import { machineColumns } from "../columns.js";
import { machineNumber } from "../units.js";
import { escapeJsonControl } from "../text.js";
import type { FormatContext } from "./index.js";

export function formatJson(result: TableResult, { isTerminal }: FormatContext): string {
  const columns = machineColumns(result);
  const text = jsonDocument(result.json ?? result.rows.map((row) => pick(row, columns)));
  return isTerminal ? escapeJsonControl(text) : text;
}

/** The version of every JSON document's layout (README, "JSON documents"): keys, types and meanings. */
export const JSON_SCHEMA_VERSION = 1;

/**
 * The text of a JSON document as adtrace writes every one (each command's --format json, the
 * report's report.json): `schema_version` first, then the document's own keys (a list of rows
 * becomes `rows`), numbers to 12 significant digits, two-space indents, a final newline.
 */
export function jsonDocument(doc: unknown): string {
  const body = Array.isArray(doc) ? { rows: doc } : (doc as Record<string, unknown>);
  const { schema_version: _ignored, ...rest } = body;
  return JSON.stringify({ schema_version: JSON_SCHEMA_VERSION, ...rest }, jsonReplacer, 2) + "\n";
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
