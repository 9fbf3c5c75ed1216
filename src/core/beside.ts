// Output files are written beside their target under a temporary name and renamed into place when
// complete: no reader sees half a file, a failed run leaves nothing, and Ctrl-C removes the
// partial file.
import { renameSync, rmSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { onInterrupt } from "./interrupt.js";

/** The temporary name an output is written under, in the target's own directory. */
export function partialPath(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
}

/** Run `write` on the partial file, then rename it to `path`; remove it on failure or Ctrl-C. */
export async function writeBeside<T>(path: string, write: (partial: string) => Promise<T>): Promise<T> {
  const partial = partialPath(path);
  const release = onInterrupt(() => rmSync(partial, { force: true }));
  let complete = false;
  try {
    const result = await write(partial);
    renameSync(partial, path);
    complete = true;
    return result;
  } finally {
    release();
    if (!complete) rmSync(partial, { force: true });
  }
}

/** How to compress an output named `out`: its partial file's temporary name no longer ends in .gz. */
export function compressionFor(out: string): "gzip" | "none" {
  return /\.gz$/i.test(out) ? "gzip" : "none";
}
