// Reading JSON span documents with bounded memory: a single document either whole (small
// content) or, when large, one element of its top-level span array at a time (resourceSpans or
// Tempo's batches entries, Jaeger traces or spans, Zipkin spans), so a 400 MB document loads
// without holding it as one string. White space outside the elements is dropped as it is
// scanned, and no element may outgrow the record limit (--max-record-size): a gzip that unpacks
// to gigabytes of blank lines reads at constant memory. (JSON Lines: json-lines.ts, parallel.ts.)
import { InputError } from "../errors.js";
import { firstInvalidUtf8Line, formatRecordLimit, InvalidUtf8, lineColumn, stripBomText, Utf8Decoder } from "./text.js";
import { quoteBigNumbers } from "./span.js";
import { SPLIT_KEYS } from "./formats/index.js";

const fatalDecoder = new TextDecoder("utf-8", { fatal: true });

export const LARGE_DOCUMENT_BYTES = Number(process.env.ADTRACE_LARGE_JSON_BYTES ?? 128 * 1024 * 1024);

/** Where a JSON text sits, for messages: its file, the file line its first character is on. */
export interface JsonPlace {
  file: string;
  line: number;
  /** The text is one line of JSON Lines (else a whole document or one record of one). */
  isLine?: boolean;
  /** The record (element of a large document's span array) the text is. */
  record?: number;
  /** The column (1-based) the text's first character is at on its line; 1 unless said. */
  column?: number;
}

/**
 * Parse one JSON text, or throw an InputError that says where it broke: `file:line:column` from
 * the offset (a bare `where` string is a file whose text starts at line 1).
 */
export function parseJson(text: string, place: string | JsonPlace): unknown {
  try {
    return JSON.parse(quoteBigNumbers(text));
  } catch {
    const at = typeof place === "string" ? { file: place, line: 1 } : place;
    const problem = jsonProblem(text, at.isLine ?? false);
    const { line, column: textColumn } = lineColumn(text, problem.offset);
    const fileLine = at.line + line - 1;
    const column = line === 1 ? textColumn + (at.column ?? 1) - 1 : textColumn;
    const inRecord = at.record === undefined ? "" : ` in record ${at.record}`;
    if (problem.truncated) throw new InputError(`${at.file}:${fileLine}`, `${problem.reason}${inRecord}`);
    throw new InputError(`${at.file}:${fileLine}:${column}`, `${problem.reason}${inRecord}`);
  }
}

/**
 * What is wrong with a text JSON.parse refused: the offset where it stops being JSON, whether it
 * simply ends too early, and a short reason (V8's words, without its echo of the text).
 */
export function jsonProblem(text: string, isLine: boolean): { offset: number; truncated: boolean; reason: string } {
  let v8 = "";
  try {
    JSON.parse(text);
  } catch (error) {
    v8 = error instanceof Error ? error.message : String(error);
  }
  const offset = jsonErrorOffset(text);
  if (offset >= text.trimEnd().length) {
    return { offset: text.trimEnd().length, truncated: true, reason: `truncated JSON (the ${isLine ? "line" : "file"} ends in the middle of a value)` };
  }
  // "Unexpected token '}', "…text…" is not valid JSON" / "… in JSON at position 9 (line 1 column 10)"
  const words = v8.replace(/, ".*$/s, "").replace(/ in JSON at position \d+.*$/s, "").trim();
  return { offset, truncated: false, reason: `invalid JSON${words ? ` (${words})` : ""}` };
}

const LITERALS = ["true", "false", "null"];
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES = new Set(['"', "\\", "/", "b", "f", "n", "r", "t"]);

/**
 * The offset of the first character at which `text` stops being JSON (its length when it ends
 * early). Only run on text JSON.parse refused, whose messages do not always give a position.
 */
function jsonErrorOffset(text: string): number {
  const n = text.length;
  const open: ("{" | "[")[] = [];
  type State = "value" | "valueOrClose" | "key" | "keyOrClose" | "colon" | "after";
  let state: State = "value";
  let i = 0;
  const scanString = (): number | undefined => {
    for (i++; i < n; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return undefined;
      }
      if (c < 0x20) return i;
      if (c === 0x5c) {
        const e = text[++i];
        if (e === undefined) return n;
        if (e === "u") {
          for (let k = 1; k <= 4; k++) if (!/[0-9a-fA-F]/.test(text[i + k] ?? "")) return Math.min(i + k, n);
          i += 4;
        } else if (!ESCAPES.has(e)) return i;
      }
    }
    return n;
  };
  while (true) {
    while (i < n && (text[i] === " " || text[i] === "\t" || text[i] === "\n" || text[i] === "\r")) i++;
    if (i >= n) return n;
    const c = text[i]!;
    if (state === "valueOrClose" || state === "keyOrClose") {
      if ((state === "valueOrClose" && c === "]") || (state === "keyOrClose" && c === "}")) {
        open.pop();
        i++;
        state = "after";
        continue;
      }
      state = state === "valueOrClose" ? "value" : "key";
    }
    if (state === "value") {
      if (c === "{" || c === "[") {
        open.push(c);
        i++;
        state = c === "{" ? "keyOrClose" : "valueOrClose";
      } else if (c === '"') {
        const bad = scanString();
        if (bad !== undefined) return bad;
        state = "after";
      } else if (c === "-" || (c >= "0" && c <= "9")) {
        NUMBER.lastIndex = i;
        if (!NUMBER.exec(text)) return i + 1 >= n ? n : i + 1;
        i = NUMBER.lastIndex;
        state = "after";
      } else {
        const literal = LITERALS.find((l) => l[0] === c);
        if (!literal) return i;
        for (let k = 0; k < literal.length; k++) if (text[i + k] !== literal[k]) return i + k >= n ? n : i + k;
        i += literal.length;
        state = "after";
      }
    } else if (state === "key") {
      if (c !== '"') return i;
      const bad = scanString();
      if (bad !== undefined) return bad;
      state = "colon";
    } else if (state === "colon") {
      if (c !== ":") return i;
      i++;
      state = "value";
    } else {
      const top = open[open.length - 1];
      if (top === undefined) return i; // something after the value
      if (c === ",") {
        i++;
        state = top === "{" ? "key" : "value";
      } else if ((c === "}" && top === "{") || (c === "]" && top === "[")) {
        open.pop();
        i++;
      } else return i;
    }
    if (state === "after" && open.length === 0) {
      while (i < n && /\s/.test(text[i]!)) i++;
      if (i >= n) return n; // valid after all (JSON.parse refused it for another reason)
      return i;
    }
  }
}

/** Parse a whole (small) document from its bytes. */
function parseWholeDocument(bytes: Buffer, where: string): unknown {
  let text: string;
  try {
    text = fatalDecoder.decode(bytes);
  } catch {
    throw new InputError(`${where}:${firstInvalidUtf8Line(bytes)}`, "not valid UTF-8 text");
  }
  text = stripBomText(text);
  if (text.trim() === "") throw new InputError(where, "empty file (expected a JSON document of spans)");
  return parseJson(text, where);
}

export type DocumentRead = { whole: unknown } | { elements: AsyncGenerator<DocumentElement> };

export interface DocumentLimits {
  /** Content up to this size is parsed whole; a larger document is read element by element. */
  wholeBytes: number;
  /** No element of a large document may be larger (--max-record-size). */
  maxRecordBytes: number;
}

/**
 * Read a JSON document: whole when its content is small, else one element of its span array at a
 * time (documentElements). Decided by the content read, not the file's size: a 14 MB gzip can
 * hold gigabytes, which must never be held as one string.
 */
export async function readDocument(stream: AsyncIterable<Buffer>, where: string, limits: DocumentLimits): Promise<DocumentRead> {
  const iterator = stream[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let total = 0;
  while (total <= limits.wholeBytes) {
    const next = await iterator.next();
    if (next.done) return { whole: parseWholeDocument(Buffer.concat(chunks), where) };
    chunks.push(next.value);
    total += next.value.length;
  }
  async function* rest(): AsyncGenerator<Buffer> {
    yield* chunks.splice(0);
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
  }
  return { elements: documentElements(rest(), where, limits.maxRecordBytes) };
}


export interface DocumentElement {
  /** Path of keys to the array, e.g. ["resourceSpans"] or ["result","resourceSpans"]; [] for a root array. */
  path: string[];
  index: number;
  value: unknown;
}

/**
 * Stream the elements of the span array of a large document. Scans characters, tracking strings
 * and nesting, and parses each element on its own. Throws InputError when the document ends early
 * or has no splittable array.
 */
export async function* documentElements(stream: AsyncIterable<Buffer>, where: string, maxRecordBytes = Infinity): AsyncGenerator<DocumentElement> {
  // Fatal: invalid UTF-8 is an error with its line, not text with replacement characters.
  const utf8 = new Utf8Decoder();
  // Open containers: whether each is an array, and the key it sits under in its parent object.
  const frames: { isArray: boolean; key: string | undefined }[] = [];
  let buffer = "";
  let pos = 0;
  let inString = false;
  let escaped = false;
  let keyStart = -1;
  let lastKey: string | undefined;
  let splitDepth = -1;
  let splitPath: string[] = [];
  let elementStart = -1;
  // File line of the scan position, and of the current element's first character.
  let line = 1;
  let elementLine = 1;
  // Where the element's first character is on its line (1-based), for the column of an error in it.
  let elementColumn = 1;
  // Characters dropped from the front of `buffer` so far, and where the current line starts
  // (counted from the start of the text), so columns are the file's whatever was dropped.
  let dropped = 0;
  let lineStart = 0;
  const startElement = (at: number) => {
    elementStart = at;
    elementLine = line;
    elementColumn = dropped + at - lineStart + 1;
  };
  // The line of the last character that is not white space: where a truncated document ends.
  let contentLine = 1;
  let index = 0;
  let first = true;
  const pending: DocumentElement[] = [];

  const pushElement = (end: number) => {
    if (end - elementStart > maxRecordBytes) {
      throw new InputError(`${where}:${elementLine}`, `record ${index + 1} is larger than ${formatRecordLimit(maxRecordBytes)} (--max-record-size)`);
    }
    const text = buffer.slice(elementStart, end);
    if (text.trim() === "") return;
    pending.push({ path: splitPath, index, value: parseJson(text, { file: where, line: elementLine, column: elementColumn, record: index + 1 }) });
    index++;
  };

  const feed = (text: string) => {
    buffer += first ? stripBomText(text) : text;
    first = false;
    for (; pos < buffer.length; pos++) {
      const c = buffer.charCodeAt(pos);
      if (!inString && isBlank(c) && isBlank(buffer.charCodeAt(pos + 1))) {
        // A run of white space is skipped by native matching, not a character at a time.
        const end = skipBlank(buffer, pos);
        line += end.newlines;
        if (end.newlines) lineStart = dropped + end.lastLineStart;
        if (elementStart === pos && frames.length === splitDepth) {
          startElement(end.at);
        }
        pos = end.at - 1;
        continue;
      }
      if (c === 0x0a) {
        line++;
        lineStart = dropped + pos + 1;
      } else if (c !== 0x20 && c !== 0x09 && c !== 0x0d) contentLine = line;
      if (inString) {
        if (escaped) escaped = false;
        else if (c === 0x5c) escaped = true;
        else if (c === 0x22) {
          inString = false;
          if (keyStart >= 0) lastKey = buffer.slice(keyStart, pos);
          keyStart = -1;
        }
        continue;
      }
      if (c === 0x22) {
        inString = true;
        const top = frames[frames.length - 1];
        keyStart = top && !top.isArray ? pos + 1 : -1;
      } else if (c === 0x7b || c === 0x5b) {
        const isArray = c === 0x5b;
        frames.push({ isArray, key: lastKey });
        lastKey = undefined;
        const depth = frames.length;
        if (isArray && splitDepth === -1) {
          const path = frames.slice(1).map((f) => f.key ?? "");
          const key = frames[depth - 1]!.key;
          if (depth === 1 || (key !== undefined && SPLIT_KEYS.has(key) && depth <= 3)) {
            splitDepth = depth;
            splitPath = path;
            startElement(pos + 1);
          }
        }
      } else if (c === 0x7d || c === 0x5d) {
        if (frames.length === splitDepth) {
          pushElement(pos);
          splitDepth = -2; // only the first span array is split
          elementStart = -1;
        }
        frames.pop();
        lastKey = undefined;
        // An element that has just closed is handed on at once: white space after it is not held.
        if (frames.length === splitDepth && elementStart >= 0) {
          pushElement(pos + 1);
          startElement(pos + 1);
        }
      } else if (c === 0x2c) {
        if (frames.length === splitDepth) {
          pushElement(pos);
          startElement(pos + 1);
        }
        lastKey = undefined;
      } else if (elementStart === pos && frames.length === splitDepth && (c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d)) {
        // White space between elements is dropped as it is scanned, however much of it there is.
        startElement(pos + 1);
      }
    }
    // Drop what no element needs any more.
    let keep = elementStart >= 0 ? elementStart : pos;
    if (inString && keyStart >= 0) keep = Math.min(keep, keyStart);
    if (keep > 0) {
      buffer = buffer.slice(keep);
      dropped += keep;
      pos -= keep;
      if (elementStart >= 0) elementStart -= keep;
      if (keyStart >= 0) keyStart -= keep;
    }
    // What is held is one element (or one key) still open: it may not outgrow the record limit.
    if (buffer.length > maxRecordBytes) {
      const what = elementStart >= 0 ? `record ${index + 1}` : "a JSON key";
      throw new InputError(`${where}:${elementStart >= 0 ? elementLine : line}`, `${what} is larger than ${formatRecordLimit(maxRecordBytes)} (--max-record-size)`);
    }
  };

  const decode = (chunk?: Buffer) => {
    try {
      return utf8.decode(chunk);
    } catch (error) {
      if (!(error instanceof InvalidUtf8)) throw error;
      // `line` is where this chunk starts (everything before it has been scanned).
      throw new InputError(`${where}:${line + error.newlinesBefore}`, "not valid UTF-8 text");
    }
  };
  for await (const chunk of stream) {
    feed(decode(chunk));
    while (pending.length) yield pending.shift()!;
  }
  feed(decode());
  while (pending.length) yield pending.shift()!;
  if (frames.length !== 0 || inString) throw new InputError(`${where}:${contentLine}`, "truncated JSON (the file ends in the middle of a value)");
  if (splitDepth === -1) throw new InputError(where, "a large JSON document must hold its spans in a top-level array (resourceSpans, data, or a root array)");
}

const isBlank = (c: number) => c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
const SPACES = /[ \t\r]+/y;
const NEWLINES = /\n+/y;

/** Where the run of white space at `at` ends, how many line breaks it holds, and where the line after the last one starts. */
function skipBlank(text: string, at: number): { at: number; newlines: number; lastLineStart: number } {
  let newlines = 0;
  let lastLineStart = -1;
  for (;;) {
    SPACES.lastIndex = at;
    if (SPACES.test(text)) at = SPACES.lastIndex;
    NEWLINES.lastIndex = at;
    if (!NEWLINES.test(text)) return { at, newlines, lastLineStart };
    newlines += NEWLINES.lastIndex - at;
    at = lastLineStart = NEWLINES.lastIndex;
  }
}
