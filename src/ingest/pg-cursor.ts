// A read-only PostgreSQL query read through a server-side cursor in batches: what `pull` (spans)
// and `pull --billing` (billing records) both do. The server produces the next batch while the
// caller takes this one (at most two batches in memory). One read-only transaction holds the
// cursor; any failure rolls it back and is rethrown as it came.
import type pg from "pg";

export interface CursorRead {
  /** The SELECT to read; values are bound, never written into the text. */
  text: string;
  values?: unknown[];
  /** The cursor's name (an identifier of ours, not a user value). */
  cursor: string;
  batchSize: number;
  /** Type parsers for the rows (pull reads every value as the server's text). */
  types?: pg.CustomTypesConfig;
  /** Runs inside the transaction, before the cursor is declared (pull counts the rows here). */
  before?: () => Promise<void>;
  /** Takes one batch of rows, each an array of column values in the SELECT's order. */
  onBatch: (rows: unknown[][]) => Promise<void> | void;
}

export async function readWithCursor(client: pg.Client, read: CursorRead): Promise<void> {
  await client.query("BEGIN READ ONLY");
  try {
    await read.before?.();
    await client.query(`DECLARE ${read.cursor} CURSOR FOR ${read.text}`, read.values);
    const fetch = () => {
      const next = client.query<unknown[]>({ text: `FETCH FORWARD ${read.batchSize} FROM ${read.cursor}`, rowMode: "array", types: read.types });
      // Awaited below; this only keeps a failure during the caller's batch from being "unhandled".
      next.catch(() => undefined);
      return next;
    };
    let pending: ReturnType<typeof fetch> | undefined = fetch();
    while (pending) {
      const batch: Awaited<ReturnType<typeof fetch>> = await pending;
      pending = batch.rows.length === read.batchSize ? fetch() : undefined;
      await read.onBatch(batch.rows);
    }
    await client.query(`CLOSE ${read.cursor}`);
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined /* the original error matters more */);
    throw error;
  }
}
