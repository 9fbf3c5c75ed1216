// --format json: the machine columns as an array of objects (or the result's own document),
// numbers to 12 significant digits, control characters escaped when printed on a terminal.
import type { Column, Row, TableResult } from "../result.js";
import { machineColumns } from "../columns.js";
import { machineNumber } from "../units.js";
import { escapeJsonControl } from "../text.js";
import type { FormatContext } from "./index.js";

export function formatJson(result: TableResult, { isTerminal }: FormatContext): string {
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
