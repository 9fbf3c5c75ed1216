// Deciding what a file holds from its first bytes (not its name), by asking the formats of the
// registry (formats/index.ts) in the phases format.ts describes: the binary formats, the JSON
// formats (and JSON Lines versus one JSON document), the text formats.
import { stripBomText } from "./text.js";
import { INPUT_FORMAT_LIST } from "./formats/index.js";
import { isParquet } from "./formats/parquet.js";
import type { InputFormat, ProtobufFraming } from "./formats/format.js";
import type { InputFormatName } from "./formats/names.js";

export interface Sniffed {
  format: InputFormatName;
  /**
   * One JSON record per line (for a JSON span format; a flat JSON format, NDJSON, always is). Undefined when the first
   * line runs past the head: the caller has to look further (see laterLineStartsJson).
   */
  jsonLines: boolean | undefined;
  /** A framed binary format (otlp-proto): one message, or the Collector file exporter's length-prefixed messages. */
  framing?: ProtobufFraming;
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
  // One whole value followed by nothing but white space, as far as the head goes: whatever comes
  // after is more lines (JSON Lines) or more white space, and either way reading it as JSON Lines
  // is right, and streams (a value followed by gigabytes of blank lines is read at constant memory).
  if (newline < 0) return isWholeFile ? false : parseOrUndefined(text.slice(start)) !== undefined ? true : undefined;
  if (parseOrUndefined(text.slice(start, newline)) === undefined) return laterRecordLines(text.slice(newline + 1)) !== undefined;
  const rest = text.slice(newline + 1);
  if (rest.trim() === "") return !isWholeFile;
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
function laterRecordLines(text: string): InputFormat | undefined {
  let start = 0;
  let lines = 0;
  let records = 0;
  let format: InputFormat | undefined;
  while (lines < LINES_AFTER_BROKEN_FIRST) {
    const end = text.indexOf("\n", start);
    if (end < 0) break;
    const line = text.slice(start, end).trim();
    start = end + 1;
    if (line === "") continue;
    lines++;
    const record = parseOrUndefined(line);
    const found = record === undefined ? undefined : jsonFormatOf(record);
    // A flat record (NDJSON) is no span format's record here.
    if (found === undefined || found.read.kind !== "json") continue;
    records++;
    format ??= found;
  }
  return records * 2 > lines ? format : undefined;
}

/** How many leading lines of bare JSON values (null, numbers…) are looked past for the first record. */
const SCALAR_LINES = 8;

/**
 * Where the first record starts when the text opens with a few lines that are whole JSON values
 * but not objects or arrays (`null` lines in NDJSON): those are records the reader skips and
 * counts, not a reason to refuse the file. `start` itself when no record follows them.
 */
function afterScalarLines(text: string, start: number): number {
  let at = start;
  for (let n = 0; n < SCALAR_LINES && at >= 0 && text[at] !== "{" && text[at] !== "["; n++) {
    const newline = text.indexOf("\n", at);
    if (newline < 0) return start;
    const value = parseOrUndefined(text.slice(at, newline));
    if (value === undefined || (typeof value === "object" && value !== null)) return start;
    at = text.slice(newline + 1).search(/\S/);
    if (at >= 0) at += newline + 1;
  }
  return at >= 0 && (text[at] === "{" || text[at] === "[") ? at : start;
}

/**
 * What an input holds when it is plainly not text a span format could be in: UTF-16 text (with a
 * byte-order mark, or ASCII with a zero byte beside every character) or binary data (zero bytes,
 * or many control bytes). Undefined for UTF-8 text and Parquet.
 */
export function notText(head: Buffer): string | undefined {
  if (isParquet(head)) return undefined;
  if (head.length >= 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))) return "UTF-16 text: convert to UTF-8";
  const sample = head.subarray(0, Math.min(head.length, 4096) & ~1);
  let zerosEven = 0;
  let zerosOdd = 0;
  let controls = 0;
  for (let i = 0; i < sample.length; i++) {
    const c = sample[i]!;
    if (c === 0) {
      if (i % 2 === 0) zerosEven++;
      else zerosOdd++;
    } else if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d && c !== 0x0c) controls++;
  }
  const pairs = sample.length / 2;
  // UTF-16 of mostly ASCII: one byte of each pair is zero (the high byte), the other is not.
  if (pairs >= 2 && (zerosOdd >= pairs * 0.9 || zerosEven >= pairs * 0.9) && Math.min(zerosOdd, zerosEven) <= pairs * 0.1) return "UTF-16 text: convert to UTF-8";
  if (zerosEven + zerosOdd > 0 || controls > sample.length * 0.1) return "binary data";
  return undefined;
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined; // not a whole JSON value: part of a document spread over lines, or a broken line
  }
}

const JSON_FORMATS = INPUT_FORMAT_LIST.flatMap((f) => (f.sniff.kind === "json" ? [{ format: f, sniff: f.sniff }] : []));

/** The JSON format (a span format, or a flat one) whose record one parsed record is, if any. */
function jsonFormatOf(record: unknown): InputFormat | undefined {
  return JSON_FORMATS.find((f) => f.sniff.record(record))?.format;
}

/**
 * Sniff from the head of the decompressed content (`isWholeFile` when the head is all of it);
 * undefined when it is no span format we know. Each phase asks the formats in the registry's order.
 */
export function sniff(head: Buffer, isWholeFile = false): Sniffed | undefined {
  for (const format of INPUT_FORMAT_LIST) {
    const found = format.sniff.kind === "bytes" ? format.sniff.test(head, isWholeFile) : undefined;
    if (found) return { format: format.name, jsonLines: false, ...found };
  }
  const text = stripBomText(head.toString("utf8"));
  const start = afterScalarLines(text, text.search(/\S/));
  if (start < 0) return undefined;
  const first = text[start];
  if (first === "{" || first === "[") {
    const newline = text.indexOf("\n", start);
    const record = parseOrUndefined(newline < 0 ? text.slice(start) : text.slice(start, newline));
    if (record !== undefined) {
      const format = jsonFormatOf(record);
      if (!format) return undefined;
      // A flat format's records are one a line: JSON Lines whatever follows.
      return { format: format.name, jsonLines: format.read.kind === "json" ? jsonLinesFromHead(text, isWholeFile) : true };
    }
    // A broken first line of JSON Lines: the next whole record says the format.
    const later = newline < 0 ? undefined : laterRecordLines(text.slice(newline + 1));
    if (later) return { format: later.name, jsonLines: true };
    // A document spread over many lines, or a first line longer than the head: the keys it opens with.
    const found = JSON_FORMATS.find((f) => f.sniff.document?.(text, first));
    return found && { format: found.format.name, jsonLines: jsonLinesFromHead(text, isWholeFile) };
  }
  const line = text.slice(start).split(/\r?\n/, 1)[0]!;
  const found = INPUT_FORMAT_LIST.find((f) => f.sniff.kind === "text" && f.sniff.firstLine(line));
  return found && { format: found.name, jsonLines: false };
}
