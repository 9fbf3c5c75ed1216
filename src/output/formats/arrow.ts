// --format arrow: the machine columns as typed Arrow IPC (a stream, or the file format for a
// .arrow file), for pandas and polars; bytes, so never to a terminal. The encoding is ../arrow.ts.
import type { TableResult } from "../result.js";
import { machineColumns } from "../columns.js";
import { arrowBytes, arrowRows } from "../arrow.js";
import type { FormatContext } from "./index.js";

/** CSV's columns and rows as typed Arrow columns (src/output/arrow.ts). */
export function formatArrow(result: TableResult, { arrowFile, out }: FormatContext): Uint8Array {
  const isFile = arrowFile ?? (out !== undefined && /\.arrow$/i.test(out));
  return arrowBytes(machineColumns(result), arrowRows(result), isFile ? "file" : "stream");
}
