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
  /** One JSON record per line (for otlp/jaeger/zipkin; ndjson always is). */
  jsonLines: boolean;
}

/** The JSON span format of one parsed record, if any. */
export function jsonFormatOf(record: unknown): JsonFormat | "ndjson" | undefined {
  if (otlpResourceSpans(record)) return "otlp";
  if (isJaegerRecord(record)) return "jaeger";
  if (isZipkinRecord(record)) return "zipkin";
  if (isObject(record) && findColumn(Object.keys(record), "trace_id") && findColumn(Object.keys(record), "span_id")) return "ndjson";
  return undefined;
}

/** Sniff from the head of the decompressed content; undefined when it is no span format we know. */
export function sniff(head: Buffer): Sniffed | undefined {
  if (head.length >= 4 && head.subarray(0, 4).toString("latin1") === "PAR1") return { format: "parquet", jsonLines: false };
  const text = stripBomText(head.toString("utf8"));
  const start = text.search(/\S/);
  if (start < 0) return undefined;
  const first = text[start];
  if (first === "{" || first === "[") {
    const newline = text.indexOf("\n", start);
    const firstLine = newline < 0 ? text.slice(start) : text.slice(start, newline);
    const rest = newline < 0 ? "" : text.slice(newline + 1);
    let record: unknown;
    try {
      record = JSON.parse(firstLine);
    } catch {
      record = undefined;
    }
    if (record !== undefined) {
      const format = jsonFormatOf(record);
      if (format === "ndjson") return { format, jsonLines: true };
      if (format) return { format, jsonLines: /^\s*[{[]/.test(rest) };
      return undefined;
    }
    // A document spread over many lines: look at the keys it opens with.
    if (/"(resourceSpans|resource_spans)"\s*:/.test(text)) return { format: "otlp", jsonLines: false };
    if (/"traceID"\s*:/.test(text) && /"spans"\s*:|"spanID"\s*:/.test(text)) return { format: "jaeger", jsonLines: false };
    if (first === "[" && /"traceId"\s*:/.test(text) && /"id"\s*:/.test(text)) return { format: "zipkin", jsonLines: false };
    if (first === "{" && /"data"\s*:\s*\[\s*(\]|\{)/.test(text)) return { format: "jaeger", jsonLines: false };
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
