// Small text helpers shared by the readers: BOM, where an offset is (line and column), the first
// line that is not UTF-8, NDJSON lines that hold no object, and the header record of a CSV file.
import { Transform } from "node:stream";

export function stripBomText(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** 1-based line and column of a character offset in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), text.length);
  for (let i = text.indexOf("\n"); i >= 0 && i < end; i = text.indexOf("\n", i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: end - lineStart + 1 };
}

/** 1-based line of the first byte of `bytes` that is not valid UTF-8 (bytes known to be invalid). */
export function firstInvalidUtf8Line(bytes: Uint8Array): number {
  return 1 + newlinesBefore(bytes, firstInvalidUtf8(bytes));
}

/** Thrown by Utf8Decoder: how many line breaks of the chunk come before its first invalid byte. */
export class InvalidUtf8 extends Error {
  override name = "InvalidUtf8";
  constructor(readonly newlinesBefore: number) {
    super("not valid UTF-8 text");
  }
}

/**
 * UTF-8 text from a byte stream, chunk by chunk, with a character split across chunks decoded
 * whole. Invalid bytes throw InvalidUtf8, placed within the chunk (the caller knows the chunk's
 * first line) even when the bad sequence began at the end of the chunk before.
 */
export class Utf8Decoder {
  private readonly decoder = new TextDecoder("utf-8", { fatal: true });
  /** The unfinished character at the end of the chunk before (at most 3 bytes; no line break). */
  private tail: Uint8Array = new Uint8Array(0);

  /** The text of `chunk`, or of what is left at the end of the stream (no chunk). */
  decode(chunk?: Uint8Array): string {
    try {
      const text = chunk ? this.decoder.decode(chunk, { stream: true }) : this.decoder.decode();
      this.tail = chunk ? unfinishedTail(this.tail, chunk) : new Uint8Array(0);
      return text;
    } catch {
      const bytes = chunk ? Buffer.concat([this.tail, chunk]) : this.tail;
      throw new InvalidUtf8(newlinesBefore(bytes, firstInvalidUtf8(bytes)));
    }
  }
}

/**
 * The line of the first invalid UTF-8 in a byte stream, or undefined when it is all UTF-8.
 * Streams: memory stays one chunk however long the lines (a file with CR line ends has none).
 */
export async function findInvalidUtf8Line(stream: AsyncIterable<Buffer>, onChunk?: (chunk: Buffer) => void): Promise<number | undefined> {
  const utf8 = new Utf8Decoder();
  let line = 1;
  try {
    for await (const chunk of stream) {
      utf8.decode(chunk);
      onChunk?.(chunk);
      line += newlinesBefore(chunk, chunk.length);
    }
    utf8.decode();
  } catch (error) {
    if (error instanceof InvalidUtf8) return line + error.newlinesBefore;
    throw error;
  }
  return undefined;
}

/** How many NonObjectLines name by line (the rest are counted). */
const NON_OBJECT_EXAMPLES = 5;

/**
 * The lines of NDJSON that hold no JSON object (`null`, a number, an array…): those whose first
 * character other than white space is not `{`. Blank lines are no records. Fed chunk by chunk;
 * with `keep`, also hands on the bytes with those lines left blank (their line breaks kept).
 */
export class NonObjectLines {
  count = 0;
  readonly examples: { line: number; kind: string }[] = [];
  private line = 1;
  private atLineStart = true;
  private inBadLine = false;

  feed(chunk: Buffer, keep?: (bytes: Buffer) => void): void {
    let from = 0;
    let i = 0;
    while (i < chunk.length) {
      if (this.atLineStart) {
        const c = chunk[i]!;
        if (c === 0x0a) {
          this.line++;
          i++;
          continue;
        }
        // White space, and the UTF-8 byte-order mark at the start of the file.
        if (c === 0x20 || c === 0x09 || c === 0x0d || (this.line === 1 && (c === 0xef || c === 0xbb || c === 0xbf))) {
          i++;
          continue;
        }
        this.atLineStart = false;
        if (c !== 0x7b) {
          this.count++;
          if (this.examples.length < NON_OBJECT_EXAMPLES) this.examples.push({ line: this.line, kind: jsonKindFromFirstByte(c) });
          this.inBadLine = true;
          keep?.(chunk.subarray(from, i));
        }
      }
      const newline = chunk.indexOf(0x0a, i);
      if (newline < 0) break;
      if (this.inBadLine) from = newline;
      this.inBadLine = false;
      this.atLineStart = true;
      this.line++;
      i = newline + 1;
    }
    if (keep && !this.inBadLine && from < chunk.length) keep(chunk.subarray(from));
  }
}

/** A stream of NDJSON bytes with the lines that hold no JSON object left blank (see NonObjectLines). */
export function blankNonObjectLines(): Transform {
  const lines = new NonObjectLines();
  return new Transform({
    transform(chunk: Buffer, _encoding, done) {
      lines.feed(chunk, (bytes) => this.push(bytes));
      done();
    },
  });
}

function jsonKindFromFirstByte(c: number): string {
  if (c === 0x6e) return "null";
  if (c === 0x5b) return "an array";
  if (c === 0x22) return "a string";
  if (c === 0x74 || c === 0x66) return "true or false";
  if (c === 0x2d || (c >= 0x30 && c <= 0x39)) return "a number";
  return "text that is not JSON";
}

function newlinesBefore(bytes: Uint8Array, end: number): number {
  return countNewlines(bytes, end);
}

/**
 * Line breaks among the first `end` bytes. Searches for each one natively, but walks a run of
 * them byte by byte: a call per blank line made 400 MB of newlines take half a minute.
 */
export function countNewlines(bytes: Uint8Array, end: number): number {
  let n = 0;
  for (let i = bytes.indexOf(0x0a); i >= 0 && i < end; i = bytes.indexOf(0x0a, i)) {
    n++;
    i++;
    if (i < end && bytes[i] === 0x0a) {
      const run = runLength(bytes, i, end, 0x0a);
      n += run;
      i += run;
    }
    if (i >= end) break;
  }
  return n;
}

const RUN_BLOCK_BYTES = 4096;
const runBlocks = new Map<number, Buffer>();

/**
 * How many bytes from `at` (before `end`) equal `value`. A long run is compared a block at a
 * time (memcmp), so gigabytes of newlines or spaces cost next to nothing to walk.
 */
export function runLength(bytes: Uint8Array, at: number, end: number, value: number): number {
  let block = runBlocks.get(value);
  if (!block) runBlocks.set(value, (block = Buffer.alloc(RUN_BLOCK_BYTES, value)));
  const buffer = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let i = at;
  while (i + RUN_BLOCK_BYTES <= end && buffer.compare(block, 0, RUN_BLOCK_BYTES, i, i + RUN_BLOCK_BYTES) === 0) i += RUN_BLOCK_BYTES;
  while (i < end && buffer[i] === value) i++;
  return i - at;
}

/** Offset of the first byte that does not begin a valid UTF-8 character (bytes.length if none). */
function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const c = bytes[i]!;
    const size = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (size === 0 || i + size > bytes.length) return i;
    for (let k = 1; k < size; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    // Overlong forms, surrogates and code points past U+10FFFF.
    const next = bytes[i + 1]!;
    if ((c === 0xe0 && next < 0xa0) || (c === 0xed && next > 0x9f) || (c === 0xf0 && next < 0x90) || (c === 0xf4 && next > 0x8f)) return i;
    i += size;
  }
  return bytes.length;
}

/** The bytes of a character still unfinished at the end of `before` + `chunk`. */
function unfinishedTail(before: Uint8Array, chunk: Uint8Array): Uint8Array {
  const bytes = chunk.length >= 3 ? chunk : Buffer.concat([before, chunk]);
  for (let back = 1; back <= Math.min(3, bytes.length); back++) {
    const c = bytes[bytes.length - back]!;
    if (c < 0x80) return new Uint8Array(0);
    if (c >= 0xc0) return (c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : 2) > back ? bytes.slice(bytes.length - back) : new Uint8Array(0);
  }
  return new Uint8Array(0);
}

/**
 * The fields of a CSV file's first record (RFC 4180 quoting), and its delimiter (comma or tab,
 * whichever the header uses more), from the head of the file.
 */
export function csvHeader(head: string): { names: string[]; delimiter: string } {
  const text = stripBomText(head);
  const firstLine = text.split(/\r?\n/, 1)[0]!;
  const delimiter = (firstLine.match(/\t/g)?.length ?? 0) > (firstLine.match(/,/g)?.length ?? 0) ? "\t" : ",";
  const names: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === delimiter) {
      names.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") break;
    else field += c;
  }
  names.push(field);
  return { names, delimiter };
}

/** A record size limit as messages state it: 256 MiB, 64 KiB, 1000 bytes. */
export function formatRecordLimit(bytes: number): string {
  for (const [unit, size] of [["GiB", 1 << 30], ["MiB", 1 << 20], ["KiB", 1 << 10]] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} bytes`;
}
