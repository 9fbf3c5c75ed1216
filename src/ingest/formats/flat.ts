// What the flat table formats (parquet.ts, csv.ts, ndjson.ts) share: the UTF-8 check of a text
// table before DuckDB reads it, and how much of a DuckDB reader's message is quoted.
import { firstLine } from "../../db/db.js";
import { InputError } from "../../errors.js";
import { openBytes } from "../files.js";
import { findInvalidUtf8Line } from "../text.js";
import type { FlatInput } from "./format.js";

/** How much of a DuckDB reader's message (which may quote a row or a value of the input) is shown. */
export const DUCKDB_QUOTE_CHARS = 200;

/**
 * DuckDB would stop at invalid UTF-8 with a cut-off message (or worse): the line of the first
 * invalid byte is bad input, found before DuckDB reads the file. `onChunk` sees every (unpacked)
 * chunk of the same pass.
 */
export async function checkUtf8(input: FlatInput, onChunk?: (chunk: Buffer) => void): Promise<void> {
  const badLine = await findInvalidUtf8Line(openBytes(input.path, input.gzip) as AsyncIterable<Buffer>, onChunk).catch((error: Error) => {
    throw new InputError(input.name, `truncated or corrupt gzip data (${firstLine(error.message)})`);
  });
  if (badLine !== undefined) throw new InputError(`${input.name}:${badLine}`, "not valid UTF-8 text");
}
