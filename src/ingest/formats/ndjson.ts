// NDJSON, format `ndjson`: a flat table of one span per line, each a JSON object of span columns
// (attribute keys may vary by row), mapped by name (mapping.ts) and read by DuckDB's read_json.
// Found by a first record with a trace id and a span id column (and no OTLP, Jaeger or Zipkin
// shape, which are tried before it). A line that holds no object (`null`) would make DuckDB
// refuse the whole file: it is skipped and counted, and DuckDB reads a copy with it left blank.
import { createWriteStream } from "node:fs";
import { pipeline } from "node:stream/promises";
import { InputError } from "../../errors.js";
import { isObject } from "../adapter.js";
import { openBytes } from "../files.js";
import { findColumn } from "../mapping.js";
import { recordSkip } from "../span.js";
import { blankNonObjectLines, NonObjectLines } from "../text.js";
import { checkUtf8 } from "./flat.js";
import type { FlatInput, FlatStaged, InputFormat } from "./format.js";

// read_json spells "no compression" 'uncompressed' (it refuses 'none', which read_csv takes).
const RELATION = "read_json($path, format = 'newline_delimited', compression = $compression)";

function isFlatRecord(value: unknown): boolean {
  if (!isObject(value)) return false;
  const keys = Object.keys(value);
  return findColumn(keys, "trace_id") !== undefined && findColumn(keys, "span_id") !== undefined;
}

async function stage(input: FlatInput): Promise<FlatStaged> {
  // The lines that hold no object are found in the UTF-8 check's pass.
  const lines = new NonObjectLines();
  await checkUtf8(input, (chunk) => lines.feed(chunk));
  let path = input.path;
  let compression = input.gzip ? "gzip" : "uncompressed";
  if (lines.count > 0) {
    const first = lines.examples[0]!;
    if (input.strict) throw new InputError(`${input.name}:${first.line}`, `line holds ${first.kind}, not a JSON object of span columns (--strict)`);
    for (const example of lines.examples) recordSkip(input.stats, `${input.name}:${example.line}`, `line holds ${example.kind}, not a JSON object of span columns`);
    const rest = lines.count - lines.examples.length;
    if (rest > 0) recordSkip(input.stats, input.name, `${rest} more line${rest === 1 ? "" : "s"} holding no JSON object`, rest);
    // The copy keeps the line numbers: those lines are left blank.
    path = input.spool.file("ndjson");
    await pipeline(openBytes(input.path, input.gzip), blankNonObjectLines(), createWriteStream(path));
    compression = "uncompressed";
  }
  return { rows: await input.stage(RELATION, { path, compression }) };
}

export const ndjson = {
  name: "ndjson",
  words: "NDJSON",
  // Every line is a record: always JSON Lines.
  sniff: { kind: "json", record: isFlatRecord },
  read: { kind: "flat", stage },
} satisfies InputFormat;
