// Output files are written beside their target under a temporary name and renamed into place when
// complete: no reader sees half a file, a failed run leaves nothing, and Ctrl-C removes the
// partial file. Only a new path or a regular file is replaced that way: renaming onto a device
// (run as root, `--out /dev/null` turned /dev/null into a regular file), a FIFO or /dev/stdout
// would replace the thing itself, so those are written through, as the shell's `>` would. A block
// device or a socket is refused. A disk that fills up, a quota or the file-size limit is the
// user's to fix, not a bug: it is an InputError naming the output (noRoomError).
import { closeSync, createReadStream, createWriteStream, lstatSync, mkdtempSync, openSync, realpathSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join } from "node:path";
import { pipeline } from "node:stream/promises";
import { isatty } from "node:tty";
import { noRoomError, UsageError } from "../errors.js";
import { onInterrupt, testHold } from "./interrupt.js";
import { writeStderr } from "../diagnostics.js";

/** Where an output goes: `replace` renames a finished file onto `path`; `through` writes into it (or into `fd`). */
export type OutputTarget = { kind: "replace"; path: string } | { kind: "through"; path: string; fd?: number };

/** Names of this process's own open files: /dev/stdout, /dev/stderr, /dev/fd/N, /proc/self/fd/N. */
const OWN_FD = /^\/(?:dev\/(?:std(out|err)|fd\/(\d+))|proc\/self\/fd\/(\d+))$/;

/**
 * How `path` (an --out FILE) is written. Throws a UsageError for an empty name, a directory, a
 * block device or a socket: the checks run before any work (cli.ts) and again when writing.
 */
export function outputTarget(path: string, flag = "--out"): OutputTarget {
  if (path === "") throw new UsageError(`${flag} needs a file name (it was empty)`);
  const own = OWN_FD.exec(path);
  if (own) return { kind: "through", path, fd: own[1] === "out" ? 1 : own[1] === "err" ? 2 : Number(own[2] ?? own[3]) };
  let stat;
  try {
    stat = lstatSync(path, { throwIfNoEntry: false });
  } catch (error) {
    throw unwritable(error, path, flag);
  }
  if (!stat) return { kind: "replace", path };
  if (stat.isSymbolicLink()) {
    const target = statSync(path, { throwIfNoEntry: false });
    // A link to a regular file: the file is replaced and the link kept. A dangling link: writing creates its target.
    if (!target) return { kind: "through", path };
    if (target.isFile()) return { kind: "replace", path: realpathSync(path) };
    stat = target;
  }
  if (stat.isFile()) return { kind: "replace", path };
  if (stat.isDirectory()) throw new UsageError(`${flag} ${path}: is a directory (give a file name)`);
  if (stat.isCharacterDevice() || stat.isFIFO()) return { kind: "through", path };
  throw new UsageError(`${flag} ${path}: is a ${stat.isBlockDevice() ? "block device" : "socket"}; refusing to write to it`);
}

/** Whether an output target is a terminal (what is printed there loses control characters). */
export function isTerminalOutput(target: OutputTarget): boolean {
  if (target.kind === "replace") return false;
  if (target.fd !== undefined) return isatty(target.fd);
  if (!statSync(target.path, { throwIfNoEntry: false })?.isCharacterDevice()) return false;
  const fd = openSync(target.path, "w");
  try {
    return isatty(fd);
  } finally {
    closeSync(fd);
  }
}

/** The temporary name an output is written under, in the target's own directory. */
export function partialPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
}

/**
 * Write `data` to the output `path`: atomically (a temporary file renamed into place) for a new
 * path or a regular file, else through. A path that cannot be written (no such directory, no
 * permission) is a usage error; no room to write it, an InputError.
 */
export function writeOutput(path: string, data: string | Uint8Array, flag = "--out"): void {
  const target = outputTarget(path, flag);
  if (target.kind === "through") {
    try {
      if (target.fd === 1) process.stdout.write(data);
      else if (target.fd === 2) writeStderr(data);
      else writeFileSync(target.fd ?? target.path, data);
    } catch (error) {
      throw unwritable(error, path, flag, [target.path]);
    }
    return;
  }
  const tmp = partialPath(target.path);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, target.path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw unwritable(error, path, flag, [tmp, target.path]);
  }
}

/**
 * Run `write` on a partial file, then put it in place: renamed onto `path` when that is a new path
 * or a regular file; copied into it when it is a device, a FIFO or stdout (the partial file then
 * lives in a private temporary directory, never in /dev). The partial file is removed on failure
 * or Ctrl-C.
 */
export async function writeBeside<T>(path: string, write: (partial: string) => Promise<T>): Promise<T> {
  const target = outputTarget(path);
  const through = target.kind === "through";
  const dir = through ? mkdtempSync(join(tmpdir(), "adtrace-out-")) : undefined;
  const partial = dir ? join(dir, basename(path) || "out") : partialPath(target.path);
  const remove = () => rmSync(dir ?? partial, { recursive: true, force: true });
  const release = onInterrupt(remove);
  let complete = false;
  try {
    const result = await write(partial);
    await testHold("output-written");
    if (target.kind === "replace") renameSync(partial, target.path);
    else await pipeline(createReadStream(partial), target.fd !== undefined ? createWriteStream("", { fd: target.fd, autoClose: false }) : createWriteStream(target.path));
    complete = true;
    return result;
  } catch (error) {
    throw unwritable(error, path, "--out", [partial, target.path]);
  } finally {
    release();
    if (!complete || dir) remove();
  }
}

/** How to compress an output named `out`: its partial file's temporary name no longer ends in .gz. */
export function compressionFor(out: string): "gzip" | "none" {
  return /\.gz$/i.test(out) ? "gzip" : "none";
}

const UNWRITABLE: Record<string, string> = {
  ENOENT: "no such directory",
  ENOTDIR: "a part of the path is not a directory",
  EISDIR: "is a directory (give a file name)",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EROFS: "read-only file system",
};

/**
 * An error writing the output `path`, as the user should see it: no room (InputError), cannot be
 * written there (UsageError), else as it was. `files` are the names written for it (the partial
 * file, the target): a system error about another file is not about the output.
 */
function unwritable(error: unknown, path: string, flag = "--out", files: string[] = [path]): unknown {
  const room = noRoomError(error, path);
  if (room) return room;
  const { code, path: about } = error as { code?: unknown; path?: unknown };
  if (typeof about === "string" && !files.includes(about)) return error;
  if (typeof code === "string" && UNWRITABLE[code]) return new UsageError(`${flag} ${path}: ${UNWRITABLE[code]}`, { cause: error });
  return error;
}
