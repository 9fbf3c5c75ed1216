// `adtrace collect` on a database file: open (or create) it, run the OTLP/HTTP receiver until
// SIGINT or SIGTERM, and return the totals once everything accepted is committed.
import { DEFAULT_DB, withWritableDb } from "../db/db.js";
import { onStopSignal } from "../db/interrupt.js";
import { ensureSchema } from "./load.js";
import { runCollector, type CollectOptions, type CollectTotals } from "./collect/receiver.js";

export interface CollectDbOptions extends Omit<CollectOptions, "stop"> {
  db?: string;
}

export interface CollectDbResult {
  db: string;
  totals: CollectTotals;
  /** Spans in the database once the receiver stopped. */
  totalSpans: number;
  /** SIGINT or SIGTERM, what stopped it. */
  signal: string;
}

export async function collectIntoDatabase(options: CollectDbOptions): Promise<CollectDbResult> {
  const path = options.db ?? DEFAULT_DB;
  let signal = "";
  let release = () => {};
  const stop = new Promise<void>((resolve) => {
    release = onStopSignal((received) => {
      signal = received;
      resolve();
    });
  });
  try {
    return await withWritableDb(path, async (db) => {
      await ensureSchema(db);
      const totals = await runCollector(db, { ...options, stop });
      const totalSpans = Number(await db.scalar("SELECT count(*) FROM spans"));
      return { db: path, totals, totalSpans, signal };
    });
  } finally {
    release();
  }
}
