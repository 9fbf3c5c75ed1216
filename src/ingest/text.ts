// Small text helpers shared by the readers: BOM, where an offset is (line and column), the first
// line that is not UTF-8, and the header record of a CSV file.

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
export async function findInvalidUtf8Line(stream: AsyncIterable<Buffer>): Promise<number | undefined> {
  const utf8 = new Utf8Decoder();
  let line = 1;
  try {
    for await (const chunk of stream) {
      utf8.decode(chunk);
      line += newlinesBefore(chunk, chunk.length);
    }
    utf8.decode();
  } catch (error) {
    if (error instanceof InvalidUtf8) return line + error.newlinesBefore;
    throw error;
  }
  return undefined;
}

function newlinesBefore(bytes: Uint8Array, end: number): number {
  let n = 0;
  for (let i = bytes.indexOf(0x0a); i >= 0 && i < end; i = bytes.indexOf(0x0a, i + 1)) n++;
  return n;
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
