// `adtrace load`: open (or create) a database file and load inputs into it in one transaction.
// A load that fails leaves no trace: a database file this run created is removed again.
import { existsSync, rmSync } from "node:fs";
import { Db } from "./db.js";
import { onInterrupt } from "./interrupt.js";
import { DEFAULT_DB, type SpanSourceOptions } from "./inputs.js";
import { loadInputs, type LoadResult } from "../ingest/load.js";

export interface LoadDbResult {
  db: string;
  load: LoadResult;
  totalSpans: number;
}

export async function loadIntoDatabase(options: SpanSourceOptions): Promise<LoadDbResult> {
  const path = options.db ?? DEFAULT_DB;
  return withWritableDb(path, async (db) => {
    const load = await loadInputs(db, options);
    const totalSpans = Number(await db.scalar("SELECT count(*) FROM spans"));
    return { db: path, load, totalSpans };
  });
}

/**
 * Open a database file for writing (creating it if needed), run fn, and close it. When fn fails
 * or Ctrl-C ends it and the file did not exist before, the file (and its write-ahead log) is
 * removed: a failed or interrupted `load` or `pull` into a new database leaves nothing behind.
 */
export async function withWritableDb<T>(path: string, fn: (db: Db) => Promise<T>): Promise<T> {
  const existed = existsSync(path);
  // A memory limit makes DuckDB spill staging to disk instead of growing without bound.
  // Peak RSS is the bound users see (DESIGN.md: under 600 MB whatever the input size).
  const db = await Db.open({ path, memoryLimit: process.env.ADTRACE_MEMORY_LIMIT ?? "256MB", allocatorFlush: "8MB" });
  const removeNew = () => {
    if (!existed) for (const file of [path, `${path}.wal`]) rmSync(file, { force: true });
  };
  const release = onInterrupt(removeNew);
  let failed = true;
  try {
    const result = await fn(db);
    failed = false;
    return result;
  } finally {
    release();
    db.close();
    if (failed) removeNew();
  }
}
