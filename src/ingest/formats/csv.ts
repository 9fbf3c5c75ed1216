// CSV, format `csv`: a flat table of one span per row with a header line (comma or tab
// separated), its columns mapped by name (mapping.ts); the OpenTelemetry Collector's ClickHouse
// table as CSVWithNames too (clickhouse-otel.ts). Found by a header naming a trace id and a span
// id column. The dialect is stated, not sniffed: DuckDB's sniffer takes a row with extra fields
// for the header. The header's names are bound as the columns (all text).
import { firstLine, TextStruct } from "../../db/db.js";
import { clip, InputError } from "../../errors.js";
import { findColumn } from "../mapping.js";
import { csvHeader } from "../text.js";
import { checkUtf8, DUCKDB_QUOTE_CHARS } from "./flat.js";
import type { FlatInput, FlatStaged, InputFormat } from "./format.js";

const RELATION = "read_csv($path, header = true, auto_detect = false, delim = $delim, quote = '\"', escape = '\"', columns = $columns, compression = $compression)";

function isHeader(line: string): boolean {
  if (!line.includes(",") && !line.includes("\t")) return false;
  const columns = line.split(/[,\t]/).map((c) => c.trim().replace(/^"|"$/g, ""));
  return findColumn(columns, "trace_id") !== undefined && findColumn(columns, "span_id") !== undefined;
}

async function stage(input: FlatInput): Promise<FlatStaged> {
  await checkUtf8(input);
  const header = csvHeader(input.head.toString("utf8"));
  const columns: Record<string, string> = {};
  const taken = new Set<string>();
  header.names.forEach((raw, i) => {
    // Names as DuckDB's own header reading gives them: blanks numbered, repeats suffixed (case-insensitively).
    let name = raw.trim() || `column${i}`;
    for (let n = 1; taken.has(name.toLowerCase()); n++) name = `${raw.trim() || `column${i}`}_${n}`;
    taken.add(name.toLowerCase());
    columns[name] = "VARCHAR";
  });
  const params = { path: input.path, delim: header.delimiter, columns: new TextStruct(columns), compression: input.gzip ? "gzip" : "none" };
  return { rows: await input.stage(RELATION, params) };
}

/** DuckDB's multi-line CSV reader error as one line naming the file's line; undefined when it names none. */
function readError(source: string, message: string): InputError | undefined {
  const csvLine = /CSV Error on Line: (\d+)/.exec(message);
  if (!csvLine) return undefined;
  const lines = message.split("\n").map((l) => l.trim());
  const fields = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(message);
  const reason = fields
    ? `expected ${fields[1]} fields as in the header, found ${Number(fields[2]) > Number(fields[1]) ? "more" : fields[2]}`
    : /invalid unicode/i.test(message)
      ? "not valid UTF-8 text"
      : /unterminated quote/i.test(message)
        ? "a quoted field that is never closed"
        : lines[lines.findIndex((l) => l.startsWith("Original Line")) + 1] || firstLine(message);
  return new InputError(`${source}:${csvLine[1]}`, `${clip(reason, DUCKDB_QUOTE_CHARS)} (CSV)`);
}

export const csv = {
  name: "csv",
  words: "CSV",
  sniff: { kind: "text", firstLine: isHeader },
  read: { kind: "flat", stage, error: readError },
} satisfies InputFormat;
