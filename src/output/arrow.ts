// The Arrow format (`--format arrow`, `--out x.arrow|x.arrows`): the rows and columns CSV writes,
// as typed Arrow columns that pandas, polars and DuckDB read without parsing text. An IPC stream
// (`.arrows`, stdout), or the IPC file format for `.arrow`, the name readers expect for it
// (pandas.read_feather, polars.read_ipc). apache-arrow is loaded only when Arrow is written, so
// `--help` and the text formats never pay for it.
import { createRequire } from "node:module";
import type * as ArrowModule from "apache-arrow";
import type { Column, Row, TableResult } from "./result.js";
import { machineNumber } from "./units.js";

const require = createRequire(import.meta.url);

export type ArrowLayout = "stream" | "file";

/** Column kinds whose values are whole numbers: Int64 when every value is one, else Float64. */
const INTEGER_KINDS = new Set(["int", "bytes"]);
/** Column kinds whose values are measures: always Float64 (a dollar amount, a share, milliseconds). */
const FLOAT_KINDS = new Set(["number", "usd", "share", "ms"]);

type ArrowType = "null" | "bool" | "int64" | "float64" | "utf8";

/**
 * A column's Arrow type: from its kind, checked against its values so that no value is lost or
 * changed. Only nulls: Null. Only booleans: Bool. A numeric kind with only numbers: Int64 or
 * Float64 as above. Anything else is text, written as CSV writes it.
 */
export function arrowType(column: Column, values: unknown[]): ArrowType {
  const present = values.filter((v) => v !== null && v !== undefined);
  if (present.length === 0) return "null";
  if (present.every((v) => typeof v === "boolean")) return "bool";
  // NaN and ±Infinity are written as null, as CSV leaves them empty and JSON writes null.
  const numeric = present.every((v) => typeof v === "number" || typeof v === "bigint");
  if (numeric && INTEGER_KINDS.has(column.kind)) {
    return present.every((v) => typeof v === "bigint" || Number.isSafeInteger(v)) ? "int64" : "float64";
  }
  if (numeric && FLOAT_KINDS.has(column.kind)) return "float64";
  return "utf8";
}

/** A value as CSV writes it, for text columns (objects as JSON, numbers to 12 significant digits). */
function textValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return Number.isFinite(value) ? String(machineNumber(value)) : null;
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "object") return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : typeof v === "number" ? (Number.isFinite(v) ? machineNumber(v) : null) : v));
  return String(value);
}

/** The IPC bytes of `rows` under `columns` (the machine columns, in CSV's order). */
export function arrowBytes(columns: Column[], rows: Row[], layout: ArrowLayout): Uint8Array {
  const arrow = require("apache-arrow") as typeof ArrowModule;
  const fields: ArrowModule.Field[] = [];
  const children: ArrowModule.Data[] = [];
  for (const column of columns) {
    const values = rows.map((row) => row[column.key]);
    const kind = arrowType(column, values);
    const { type, cells } = typed(arrow, kind, values);
    fields.push(new arrow.Field(column.key, type, true));
    children.push(arrow.vectorFromArray(cells, type).data[0] ?? arrow.makeData({ type, length: 0, nullCount: 0 }));
  }
  const schema = new arrow.Schema(fields);
  const struct = arrow.makeData({ type: new arrow.Struct(fields), length: rows.length, nullCount: 0, children });
  const table = new arrow.Table(schema, [new arrow.RecordBatch(schema, struct)]);
  return arrow.tableToIPC(table, layout);
}

function typed(arrow: typeof ArrowModule, kind: ArrowType, values: unknown[]): { type: ArrowModule.DataType; cells: unknown[] } {
  const absent = (v: unknown) => v === null || v === undefined;
  switch (kind) {
    case "null":
      return { type: new arrow.Null(), cells: values.map(() => null) };
    case "bool":
      return { type: new arrow.Bool(), cells: values.map((v) => (absent(v) ? null : v)) };
    case "int64":
      return { type: new arrow.Int64(), cells: values.map((v) => (absent(v) ? null : BigInt(v as number | bigint))) };
    case "float64":
      return { type: new arrow.Float64(), cells: values.map((v) => (absent(v) || !Number.isFinite(Number(v)) ? null : machineNumber(Number(v)))) };
    default:
      return { type: new arrow.Utf8(), cells: values.map(textValue) };
  }
}

/** The rows Arrow writes for a result: CSV's rows (with the total row when CSV has it). */
export function arrowRows(result: TableResult): Row[] {
  return result.csvTotal && result.total ? [...result.rows, result.total] : result.rows;
}
