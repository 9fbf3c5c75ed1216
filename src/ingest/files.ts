// Turning what the user typed (files, directories, globs, `-`) into a list of files, and opening
// one as a stream of bytes with gzip undone, whatever its name.
import { createReadStream, existsSync, readdirSync, statSync, createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { open } from "node:fs/promises";
import { join, resolve, sep, relative, isAbsolute } from "node:path";
import { tmpdir } from "node:os";
import { createGunzip } from "node:zlib";
import { pipeline } from "node:stream/promises";
import type { Readable } from "node:stream";
import { InputError } from "../errors.js";

export interface InputFile {
  /** Path on disk (for stdin, a spooled temporary copy). */
  path: string;
  /** What to call it in messages and in the `source` column. */
  name: string;
  /** Found by walking a directory (unrelated files there are skipped, not fatal). */
  fromDirectory: boolean;
  /** The directory given on the command line that this file was found in. */
  directory?: string;
  /** Standard input (`-`), spooled to `path`. */
  isStdin?: boolean;
}

export async function expandInputs(specs: readonly string[]): Promise<InputFile[]> {
  const files: InputFile[] = [];
  const seen = new Set<string>();
  const add = (path: string, name: string, directory: string | false) => {
    const key = resolve(path);
    if (seen.has(key)) return;
    seen.add(key);
    files.push(directory === false ? { path, name, fromDirectory: false } : { path, name, fromDirectory: true, directory });
  };
  for (const spec of specs) {
    if (spec === "-") {
      add(await spoolStdin(), "stdin", false);
      files[files.length - 1]!.isStdin = true;
      continue;
    }
    if (existsSync(spec)) {
      const stat = statSync(spec);
      if (stat.isDirectory()) {
        const found = walk(spec);
        if (found.length === 0) throw new InputError(spec, "directory holds no files");
        for (const file of found) add(file, file, spec);
      } else add(spec, spec, false);
      continue;
    }
    if (/[*?[{]/.test(spec)) {
      const matches = glob(spec);
      if (matches.length === 0) throw new InputError(spec, "no file matches this pattern");
      for (const file of matches) add(file, file, false);
      continue;
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

let stdinSpool: string | undefined;

/**
 * Standard input is copied to a temporary file once, so every reader (DuckDB too) can open it.
 * The copy lives until the process ends, however it ends: removed on exit (success, error, or the
 * exit after Ctrl-C).
 */
async function spoolStdin(): Promise<string> {
  if (stdinSpool) return stdinSpool;
  const dir = mkdtempSync(join(tmpdir(), "adtrace-stdin-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, "stdin");
  await pipeline(process.stdin, createWriteStream(path));
  stdinSpool = path;
  return path;
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

/** The file's bytes, gunzipped when they are gzip (by content, not name). */
/** How much a file stream reads at a time. */
export const READ_BYTES = 1 << 20;

export function openBytes(path: string, gzip: boolean): Readable {
  const raw = createReadStream(path, { highWaterMark: READ_BYTES });
  if (!gzip) return raw;
  const gunzip = createGunzip();
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
