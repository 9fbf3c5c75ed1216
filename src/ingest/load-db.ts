// `adtrace load`: open (or create) a database file and load inputs into it in one transaction.
// A load that fails or is interrupted leaves no trace: a database file this run created is
// removed again (withWritableDb).
import { DEFAULT_DB, withWritableDb } from "../db/db.js";
import { loadInputs, type LoadOptions, type LoadResult } from "./load.js";

export interface LoadDbResult {
  db: string;
  load: LoadResult;
  totalSpans: number;
}

export async function loadIntoDatabase(options: LoadOptions & { db?: string }): Promise<LoadDbResult> {
  const path = options.db ?? DEFAULT_DB;
  return withWritableDb(path, async (db) => {
    const load = await loadInputs(db, options);
    const totalSpans = Number(await db.scalar("SELECT count(*) FROM spans"));
    return { db: path, load, totalSpans };
  });
}
