// Reading JSON span documents with bounded memory: a single document either whole (small
// files) or, when large, one element of its top-level span array at a time (resourceSpans
// entries, Jaeger traces, Zipkin spans), so a 400 MB document loads without holding it as one
// string. (JSON Lines are read by json-lines.ts and parallel.ts.)
import type { Readable } from "node:stream";
import { StringDecoder } from "node:string_decoder";
import { InputError } from "../errors.js";
import { stripBomText } from "./text.js";
import { quoteBigNumbers } from "./span.js";

const fatalDecoder = new TextDecoder("utf-8", { fatal: true });

export const LARGE_DOCUMENT_BYTES = Number(process.env.ADTRACE_LARGE_JSON_BYTES ?? 128 * 1024 * 1024);

/** Parse one JSON text, or throw an InputError that says where it broke. */
export function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(quoteBigNumbers(text));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // The parser stopped at the very end of the text: the file ends in the middle of a value.
    const position = Number(/position (\d+)/.exec(message)?.[1] ?? NaN);
    const truncated = /Unexpected end|Unterminated/i.test(message) || position >= text.trimEnd().length - 1;
    throw new InputError(where, truncated ? "truncated JSON (the file ends in the middle of a value)" : `invalid JSON (${message})`);
  }
}

/** Read a whole (small) document. */
export async function readWholeDocument(stream: Readable, where: string, onBytes?: (n: number) => void): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    onBytes?.(chunk.length);
    chunks.push(chunk);
  }
  const bytes = Buffer.concat(chunks);
  let text: string;
  try {
    text = fatalDecoder.decode(bytes);
  } catch {
    throw new InputError(where, "not valid UTF-8 text");
  }
  text = stripBomText(text);
  if (text.trim() === "") throw new InputError(where, "empty file (expected a JSON document of spans)");
  return parseJson(text, where);
}

// Keys whose array value holds independent span records, by depth below the root object.
const SPLIT_KEYS = new Set(["resourceSpans", "resource_spans", "data"]);

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
export async function* documentElements(stream: Readable, where: string, onBytes?: (n: number) => void): AsyncGenerator<DocumentElement> {
  const decoder = new StringDecoder("utf8");
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
  let index = 0;
  let first = true;
  const pending: DocumentElement[] = [];

  const pushElement = (end: number) => {
    const text = buffer.slice(elementStart, end);
    if (text.trim() === "") return;
    pending.push({ path: splitPath, index, value: parseJson(text, `${where}:record ${index + 1}`) });
    index++;
  };

  const feed = (text: string) => {
    buffer += first ? stripBomText(text) : text;
    first = false;
    for (; pos < buffer.length; pos++) {
      const c = buffer.charCodeAt(pos);
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
            elementStart = pos + 1;
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
      } else if (c === 0x2c) {
        if (frames.length === splitDepth) {
          pushElement(pos);
          elementStart = pos + 1;
        }
        lastKey = undefined;
      }
    }
    // Drop what no element needs any more.
    let keep = elementStart >= 0 ? elementStart : pos;
    if (inString && keyStart >= 0) keep = Math.min(keep, keyStart);
    if (keep > 0) {
      buffer = buffer.slice(keep);
      pos -= keep;
      if (elementStart >= 0) elementStart -= keep;
      if (keyStart >= 0) keyStart -= keep;
    }
  };

  for await (const chunk of stream as AsyncIterable<Buffer>) {
    onBytes?.(chunk.length);
    feed(decoder.write(chunk));
    while (pending.length) yield pending.shift()!;
  }
  feed(decoder.end());
  while (pending.length) yield pending.shift()!;
  if (frames.length !== 0 || inString) throw new InputError(where, "truncated JSON (the file ends in the middle of a value)");
  if (splitDepth === -1) throw new InputError(where, "a large JSON document must hold its spans in a top-level array (resourceSpans, data, or a root array)");
}
