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
 * ("{" or "[") is not a whole value. Undefined when `text` (not the whole file) ends before that
 * can be told.
 */
export function jsonLinesFromHead(text: string, isWholeFile: boolean): boolean | undefined {
  text = stripBomText(text);
  const start = text.search(/\S/);
  if (start < 0) return false;
  const newline = text.indexOf("\n", start);
  if (newline < 0) return isWholeFile ? false : undefined;
  try {
    JSON.parse(text.slice(start, newline));
  } catch {
    return false; // the first line is part of a document spread over lines
  }
  const rest = text.slice(newline + 1);
  if (rest.trim() === "" && !isWholeFile) return undefined;
  return /^\s*[{[]/.test(rest);
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
    const firstLine = newline < 0 ? text.slice(start) : text.slice(start, newline);
    let record: unknown;
    try {
      record = JSON.parse(firstLine);
    } catch {
      record = undefined;
    }
    if (record !== undefined) {
      const format = jsonFormatOf(record);
      if (format === "ndjson") return { format, jsonLines: true };
      if (format) return { format, jsonLines: jsonLinesFromHead(text, isWholeFile) };
      return undefined;
    }
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
