// Turning what the user typed (files, directories, globs, `-`) into a list of files, and opening
// one as a stream of bytes with gzip undone, whatever its name. Standard input, named pipes and
// character devices can be read only once: they are opened once, never copied to disk, and
// sniffed from the head their one stream begins with (openInput).
import { createReadStream, existsSync, readdirSync, statSync } from "node:fs";
import { open } from "node:fs/promises";
import { join, resolve, sep, relative, isAbsolute } from "node:path";
import { createGunzip } from "node:zlib";
import { Readable } from "node:stream";
import { InputError, UsageError } from "../errors.js";

export interface InputFile {
  /** Path on disk (`-` for standard input). */
  path: string;
  /** What to call it in messages and in the `source` column. */
  name: string;
  /** Found by walking a directory (unrelated files there are skipped, not fatal). */
  fromDirectory: boolean;
  /** The directory given on the command line that this file was found in. */
  directory?: string;
  /** Standard input (`-`). */
  isStdin?: boolean;
  /**
   * Not a regular file (standard input, a named pipe, a character device): its bytes can be
   * read once, from the start, and never again, so it is opened once and never re-read.
   */
  isStream?: boolean;
}

export async function expandInputs(specs: readonly string[]): Promise<InputFile[]> {
  const files: InputFile[] = [];
  const seen = new Set<string>();
  const add = (path: string, name: string, directory: string | false, extra: Partial<InputFile> = {}) => {
    const key = path === "-" ? "\0stdin" : resolve(path);
    if (seen.has(key)) return;
    seen.add(key);
    files.push({ ...(directory === false ? { path, name, fromDirectory: false } : { path, name, fromDirectory: true, directory }), ...extra });
  };
  for (const spec of specs) {
    if (spec === "-") {
      add("-", "stdin", false, { isStdin: true, isStream: true });
      continue;
    }
    if (existsSync(spec)) {
      const stat = statSync(spec);
      if (stat.isDirectory()) {
        const found = walk(spec);
        if (found.length === 0) throw new InputError(spec, "directory holds no files");
        for (const file of found) add(file, file, spec);
      } else add(spec, spec, false, stat.isFile() ? {} : { isStream: true });
      continue;
    }
    if (/[*?[{]/.test(spec)) {
      const matches = glob(spec);
      if (matches.length === 0) throw new InputError(spec, "no file matches this pattern");
      for (const file of matches) add(file, file, false);
      continue;
    }
    // A ClickHouse source reaches here only on a command that does not read one.
    if (/^(clickhouses?:\/\/|chdb:)/i.test(spec)) {
      throw new UsageError(`${spec.replace(/\/\/[^@/]*@/, "//…@")}: this command does not read a ClickHouse source yet (inspect, cost breakdown, cost queries, cost flags, cost outliers, cost trend, cost critical-path, cost reconcile (with --billing-file), trace, savings, sampling advise, report, diff, slo check and audit pii do)`);
    }
    throw new InputError(spec, "no such file or directory");
  }
  return files;
}

/** A directory's entries in name order; one that cannot be read is bad input, named. */
function entries(dir: string) {
  try {
    return readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new InputError(dir, `cannot read directory (${code === "EACCES" ? "permission denied" : (error as Error).message.split("\n")[0]})`);
  }
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const entry of entries(dir)) {
    if (entry.name.startsWith(".")) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walk(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

/** A small glob: `*`, `?`, `[…]`, `{a,b}` within a path segment and `**` across segments. */
export function glob(pattern: string): string[] {
  const parts = pattern.split(/[\\/]/);
  const firstGlob = parts.findIndex((p) => /[*?[{]/.test(p));
  const baseParts = parts.slice(0, firstGlob);
  const base = baseParts.length === 0 ? "." : baseParts.join(sep) || sep;
  if (!existsSync(base)) return [];
  const regex = globToRegExp(parts.slice(firstGlob).join("/"));
  const candidates = walkAll(base);
  return candidates
    .filter((file) => regex.test(relative(base, file).split(sep).join("/")))
    .map((file) => (isAbsolute(pattern) || base !== "." ? file : relative(".", file)));
}

function walkAll(dir: string): string[] {
  const out: string[] = [];
  for (const entry of entries(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walkAll(path));
    else if (entry.isFile()) out.push(path);
  }
  return out;
}

export function globToRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*" && pattern[i + 1] === "*") {
      re += pattern[i + 2] === "/" ? "(?:.*/)?" : ".*";
      i += pattern[i + 2] === "/" ? 2 : 1;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = pattern.indexOf("]", i);
      if (end < 0) re += "\\[";
      else {
        re += "[" + pattern.slice(i + 1, end).replace(/^!/, "^").replace(/\\/g, "\\\\") + "]";
        i = end;
      }
    } else if (c === "{") {
      const end = pattern.indexOf("}", i);
      if (end < 0) re += "\\{";
      else {
        re += "(?:" + pattern.slice(i + 1, end).split(",").map(escapeRe).join("|") + ")";
        i = end;
      }
    } else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`);
}

function escapeRe(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
}

const GZIP_MAGIC = [0x1f, 0x8b];

export async function readHead(path: string, bytes: number): Promise<Buffer> {
  const handle = await open(path, "r");
  try {
    const buffer = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buffer, 0, bytes, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

export function isGzip(head: Buffer): boolean {
  return head.length >= 2 && head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
}

/** How much a file stream reads at a time. */
export const READ_BYTES = 1 << 20;

/** How much gunzip hands on at a time: its default 16 KiB made unpacking take 3-4 times as long. */
const GUNZIP_CHUNK_BYTES = 256 << 10;

/** The file's bytes, gunzipped when they are gzip (by content, not name). */
export function openBytes(path: string, gzip: boolean): Readable {
  const raw = createReadStream(path, { highWaterMark: READ_BYTES });
  if (!gzip) return raw;
  const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
  raw.on("error", (error) => gunzip.destroy(error));
  return raw.pipe(gunzip);
}

/**
 * Whether a JSON value starts on a line after the first: for a file whose first line is longer
 * than the sniffed head (JSON Lines with multi-MB records, or one document on one line). Reads up
 * to the first newline and the first non-blank byte after it.
 */
export async function laterLineStartsJson(path: string, gzip: boolean): Promise<boolean> {
  const stream = openBytes(path, gzip);
  let afterNewline = false;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      let i = 0;
      if (!afterNewline) {
        const newline = chunk.indexOf(0x0a);
        if (newline < 0) continue;
        afterNewline = true;
        i = newline + 1;
      }
      for (; i < chunk.length; i++) {
        const c = chunk[i];
        if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
        return c === 0x7b || c === 0x5b;
      }
    }
    return false;
  } catch (error) {
    // Damaged gzip: read it as one document, whose full read reports the damage.
    if ((error as NodeJS.ErrnoException).code?.startsWith("Z_")) return false;
    throw error;
  } finally {
    stream.destroy();
  }
}

/** The first `bytes` of the (decompressed) content. */
export async function readContentHead(path: string, bytes: number): Promise<{ head: Buffer; gzip: boolean }> {
  const raw = await readHead(path, Math.min(bytes, 1 << 16));
  const gzip = isGzip(raw);
  if (!gzip) return { head: bytes <= raw.length ? raw : await readHead(path, bytes), gzip };
  const chunks: Buffer[] = [];
  let total = 0;
  const stream = openBytes(path, true);
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      total += (chunk as Buffer).length;
      if (total >= bytes) break;
    }
  } catch {
    // a truncated gzip still yields the head it had; the full read reports the damage
  } finally {
    stream.destroy();
  }
  return { head: Buffer.concat(chunks).subarray(0, bytes), gzip };
}

/**
 * An input opened for one pass over its bytes: the head of its (decompressed) content to sniff,
 * then the whole content from its first byte, head included, read once.
 */
export interface OpenInput {
  /** The first bytes of the content (gzip undone): at least `headBytes` of them, or all there is. */
  head: Buffer;
  gzip: boolean;
  /** The head is all of the content. */
  isWhole: boolean;
  /**
   * Read on, holding what is read in `head`, until a line break is followed by something other
   * than white space, or the content ends: what a stream, which cannot be read twice, needs when
   * its first line runs past the head. False when `maxBytes` ran out first.
   */
  extendHeadPastFirstLine(maxBytes: number): Promise<boolean>;
  /**
   * The content from its start. Call it once; every raw byte read on the way is handed to
   * `onRaw`, the head's too, so a hash of them is the input's.
   */
  content(): Readable;
  /** Stop reading (when the content is not wanted, e.g. DuckDB reads the file by its path). */
  close(): void;
}

/**
 * Open an input and read the head of its content. The same stream goes on to deliver the rest:
 * nothing is opened twice, so a named pipe or standard input works as a file does. A gzip
 * stream that breaks inside the head keeps the head it gave; its error comes with the content.
 */
export async function openInput(file: InputFile, headBytes: number, onRaw: (chunk: Buffer) => void): Promise<OpenInput> {
  const source: Readable = file.isStdin ? process.stdin : createReadStream(file.path, { highWaterMark: READ_BYTES });
  const rawIterator = (source as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  // The first raw bytes say whether it is gzip; they are handed on again at the start.
  const firstRaw: Buffer[] = [];
  let firstBytes = 0;
  let rawDone = false;
  while (firstBytes < 2) {
    const next = await rawIterator.next();
    if (next.done) {
      rawDone = true;
      break;
    }
    onRaw(next.value);
    firstRaw.push(next.value);
    firstBytes += next.value.length;
  }
  const gzip = isGzip(Buffer.concat(firstRaw));
  async function* rawChunks(): AsyncGenerator<Buffer> {
    yield* firstRaw.splice(0);
    if (rawDone) return;
    for (let next = await rawIterator.next(); !next.done; next = await rawIterator.next()) {
      onRaw(next.value);
      yield next.value;
    }
  }
  const raw = Readable.from(rawChunks(), { objectMode: false, highWaterMark: READ_BYTES });
  let decoded: Readable = raw;
  if (gzip) {
    const gunzip = createGunzip({ chunkSize: GUNZIP_CHUNK_BYTES });
    raw.on("error", (error) => gunzip.destroy(error));
    decoded = raw.pipe(gunzip);
  }
  const contentIterator = (decoded as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  // Content read ahead (the head, and more when asked): content() hands it on first.
  const held: Buffer[] = [];
  let heldBytes = 0;
  let ended = false;
  let failure: unknown;
  /** Read content until `enough` says so (given each new chunk), the content ends, or `max` bytes are held. */
  const readAhead = async (max: number, enough: (chunk: Buffer) => boolean = () => false) => {
    try {
      while (heldBytes < max && !ended) {
        const next = await contentIterator.next();
        if (next.done) {
          ended = true;
          break;
        }
        held.push(next.value);
        heldBytes += next.value.length;
        if (enough(next.value)) break;
      }
    } catch (error) {
      if (!gzip) throw error;
      failure = error; // a damaged gzip: the head it gave is sniffed, the full read reports the damage
      ended = true;
    }
    input.head = Buffer.concat(held);
    input.isWhole = ended;
  };
  let taken = false;
  const close = () => {
    decoded.destroy();
    raw.destroy();
    if (!file.isStdin) source.destroy();
  };
  const input: OpenInput = {
    head: Buffer.alloc(0),
    gzip,
    isWhole: false,
    async extendHeadPastFirstLine(maxBytes) {
      let afterNewline = false;
      let seen = false;
      const found = (chunk: Buffer) => (seen ||= scan(chunk));
      const scan = (chunk: Buffer) => {
        let i = 0;
        if (!afterNewline) {
          const newline = chunk.indexOf(0x0a);
          if (newline < 0) return false;
          afterNewline = true;
          i = newline + 1;
        }
        for (; i < chunk.length; i++) {
          const c = chunk[i];
          if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return true;
        }
        return false;
      };
      if (held.some(found)) return true;
      await readAhead(maxBytes, found);
      return seen || ended;
    },
    content() {
      if (taken) throw new Error(`${file.name}: content read twice`);
      taken = true;
      async function* all(): AsyncGenerator<Buffer> {
        yield* held.splice(0);
        if (failure !== undefined) throw failure;
        if (ended) return;
        for (let next = await contentIterator.next(); !next.done; next = await contentIterator.next()) yield next.value;
      }
      const stream = Readable.from(all(), { objectMode: false, highWaterMark: READ_BYTES });
      stream.on("close", close);
      return stream;
    },
    close,
  };
  await readAhead(headBytes);
  return input;
}
