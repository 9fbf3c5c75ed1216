// `adtrace load`: open (or create) a database file and load inputs into it in one transaction.
import { Db } from "./db.js";
import { DEFAULT_DB, type SpanSourceOptions } from "./inputs.js";
import { loadInputs, type LoadResult } from "../ingest/load.js";

export interface LoadDbResult {
  db: string;
  load: LoadResult;
  totalSpans: number;
}

export async function loadIntoDatabase(options: SpanSourceOptions): Promise<LoadDbResult> {
  const path = options.db ?? DEFAULT_DB;
  // A memory limit makes DuckDB spill staging to disk instead of growing without bound.
  const db = await Db.open({ path, memoryLimit: process.env.ADTRACE_MEMORY_LIMIT ?? "256MB" });
  try {
    const load = await loadInputs(db, options);
    const totalSpans = Number(await db.scalar("SELECT count(*) FROM spans"));
    return { db: path, load, totalSpans };
  } finally {
    db.close();
  }
}
