// Small text helpers shared by the readers: BOM, where an offset is (line and column), the first
// line that is not UTF-8, and the header record of a CSV file.
import { isUtf8 } from "node:buffer";

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
  let line = 1;
  let start = 0;
  while (start < bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end < 0) end = bytes.length;
    if (!isUtf8(bytes.subarray(start, end))) return line;
    line++;
    start = end + 1;
  }
  return line;
}

/**
 * The line of the first invalid UTF-8 in a byte stream, or undefined when it is all UTF-8. Reads
 * whole lines at a time, so a multi-byte character split across chunks is not mistaken for one.
 */
export async function findInvalidUtf8Line(stream: AsyncIterable<Buffer>): Promise<number | undefined> {
  let pending: Buffer = Buffer.alloc(0);
  let line = 1;
  for await (const chunk of stream) {
    const buffer = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    const last = buffer.lastIndexOf(0x0a);
    const complete = last < 0 ? buffer.subarray(0, 0) : buffer.subarray(0, last + 1);
    if (!isUtf8(complete)) return line + firstInvalidUtf8Line(complete) - 1;
    for (let i = complete.indexOf(0x0a); i >= 0; i = complete.indexOf(0x0a, i + 1)) line++;
    pending = Buffer.from(buffer.subarray(complete.length));
  }
  return isUtf8(pending) ? undefined : line;
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
