// `adtrace load`: open (or create) a database file and load inputs into it in one transaction.
// A load that fails or is interrupted leaves no trace: a database file this run created is
// removed again (withWritableDb).
import { DEFAULT_DB, withWritableDb } from "../db/db.js";
import { loadInputs, type LoadOptions, type LoadResult } from "./load.js";
import { loadConfig } from "../model/config.js";

export interface LoadDbResult {
  db: string;
  load: LoadResult;
  totalSpans: number;
}

/** `config`: the --config file whose cost model is stored with the spans (else ./adtrace.config.yaml, else the defaults). */
export async function loadIntoDatabase(options: Omit<LoadOptions, "storedModel"> & { db?: string; config?: string }): Promise<LoadDbResult> {
  const path = options.db ?? DEFAULT_DB;
  const storedModel = loadConfig(options.config);
  return withWritableDb(path, async (db) => {
    const load = await loadInputs(db, { ...options, storedModel });
    const totalSpans = Number(await db.scalar("SELECT count(*) FROM spans"));
    return { db: path, load, totalSpans };
  });
}
