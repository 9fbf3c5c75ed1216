// Deciding what a file holds from its first bytes (not its name): Parquet's magic, JSON Lines
// versus one JSON document, and which span format the JSON is.
import { isObject } from "./adapter.js";
import { otlpResourceSpans } from "./otlp.js";
import { isJaegerRecord } from "./jaeger.js";
import { isZipkinRecord } from "./zipkin.js";
import { findColumn } from "./mapping.js";
import { stripBomText } from "./text.js";

export const INPUT_FORMATS = ["otlp", "jaeger", "zipkin", "parquet", "csv", "ndjson"] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];
export type JsonFormat = "otlp" | "jaeger" | "zipkin";

export interface Sniffed {
  format: InputFormat;
  /**
   * One JSON record per line (for otlp/jaeger/zipkin; ndjson always is). Undefined when the first
   * line runs past the head: the caller has to look further (see laterLineStartsJson).
   */
  jsonLines: boolean | undefined;
}

/**
 * Whether JSON text beginning with `text` holds one record per line: its first line is a whole
 * JSON value and another value starts on a later line. A pretty-printed document's first line
 * ("{" or "[") is not a whole value. A broken first line of JSON Lines is told apart by the next
 * few lines (see laterRecordLines). Undefined when `text` (not the whole file) ends before that
 * can be told.
 */
export function jsonLinesFromHead(text: string, isWholeFile: boolean): boolean | undefined {
  text = stripBomText(text);
  const start = text.search(/\S/);
  if (start < 0) return false;
  const newline = text.indexOf("\n", start);
  if (newline < 0) return isWholeFile ? false : undefined;
  if (parseOrUndefined(text.slice(start, newline)) === undefined) return laterRecordLines(text.slice(newline + 1)) !== undefined;
  const rest = text.slice(newline + 1);
  if (rest.trim() === "" && !isWholeFile) return undefined;
  return /^\s*[{[]/.test(rest);
}

/** How many lines after a broken first one are looked at. */
const LINES_AFTER_BROKEN_FIRST = 8;

/**
 * The span format of the lines after a broken first line, when they are JSON Lines: most of the
 * next few complete lines are whole OTLP, Jaeger or Zipkin records. Inside a pretty-printed
 * document most lines are not whole values (trailing commas, closing brackets), even where an
 * element sits on one line.
 */
function laterRecordLines(text: string): JsonFormat | undefined {
  let start = 0;
  let lines = 0;
  let records = 0;
  let format: JsonFormat | undefined;
  while (lines < LINES_AFTER_BROKEN_FIRST) {
    const end = text.indexOf("\n", start);
    if (end < 0) break;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line === "") continue;
    lines++;
    const record = parseOrUndefined(line);
    const found = record === undefined ? undefined : jsonFormatOf(record);
    if (found === undefined || found === "ndjson") continue;
    records++;
    format ??= found;
  }
  return records * 2 > lines ? format : undefined;
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // not a whole JSON value: part of a document spread over lines, or a broken line
  }
}

/** The JSON span format of one parsed record, if any. */
export function jsonFormatOf(record: unknown): JsonFormat | "ndjson" | undefined {
  if (otlpResourceSpans(record)) return "otlp";
  if (isJaegerRecord(record)) return "jaeger";
  if (isZipkinRecord(record)) return "zipkin";
  if (isObject(record) && findColumn(Object.keys(record), "trace_id") && findColumn(Object.keys(record), "span_id")) return "ndjson";
  return undefined;
}

/**
 * Sniff from the head of the decompressed content (`isWholeFile` when the head is all of it);
 * undefined when it is no span format we know.
 */
export function sniff(head: Buffer, isWholeFile = false): Sniffed | undefined {
  if (head.length >= 4 && head.subarray(0, 4).toString("latin1") === "PAR1") return { format: "parquet", jsonLines: false };
  const text = stripBomText(head.toString("utf8"));
  const start = text.search(/\S/);
  if (start < 0) return undefined;
  const first = text[start];
  if (first === "{" || first === "[") {
    const newline = text.indexOf("\n", start);
    const record = parseOrUndefined(newline < 0 ? text.slice(start) : text.slice(start, newline));
    if (record !== undefined) {
      const format = jsonFormatOf(record);
      if (format === "ndjson") return { format, jsonLines: true };
      if (format) return { format, jsonLines: jsonLinesFromHead(text, isWholeFile) };
      return undefined;
    }
    // A broken first line of JSON Lines: the next whole record says the format.
    const later = newline < 0 ? undefined : laterRecordLines(text.slice(newline + 1));
    if (later) return { format: later, jsonLines: true };
    // A document spread over many lines, or a first line longer than the head: the keys it opens with.
    const jsonLines = jsonLinesFromHead(text, isWholeFile);
    if (/"(resourceSpans|resource_spans)"\s*:/.test(text)) return { format: "otlp", jsonLines };
    if (/"traceID"\s*:/.test(text) && /"spans"\s*:|"spanID"\s*:/.test(text)) return { format: "jaeger", jsonLines };
    if (first === "[" && /"traceId"\s*:/.test(text) && /"id"\s*:/.test(text)) return { format: "zipkin", jsonLines };
    if (first === "{" && /"data"\s*:\s*\[\s*(\]|\{)/.test(text)) return { format: "jaeger", jsonLines };
    return undefined;
  }
  // CSV: a header line naming at least a trace id and a span id column.
  const headerLine = text.slice(start).split(/\r?\n/, 1)[0]!;
  if (headerLine.includes(",") || headerLine.includes("\t")) {
    const columns = headerLine.split(/[,\t]/).map((c) => c.trim().replace(/^"|"$/g, ""));
    if (findColumn(columns, "trace_id") && findColumn(columns, "span_id")) return { format: "csv", jsonLines: false };
  }
  return undefined;
}
