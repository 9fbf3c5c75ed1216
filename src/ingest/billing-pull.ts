// `adtrace pull --billing` (issue 23): billing records from a PostgreSQL (or Redshift) table
// that holds a copy of a Snowflake QUERY_ATTRIBUTION_HISTORY or BigQuery INFORMATION_SCHEMA.JOBS
// export, into `billed_queries`, as `load --billing` reads files: the kind from the column names
// (any case), every record read as text, the latest record per query id kept. Only the columns
// billing reads are asked of the server, through a server-side cursor in batches, in a read-only
// transaction; the DuckDB side is one transaction, so a failed pull leaves the database as it was.
import pg from "pg";
import { DEFAULT_DB, withWritableDb } from "../db/db.js";
import { InputError } from "../errors.js";
import type { Config } from "../model/config.js";
import { restoreModelIfStored } from "../model/stored.js";
import { BILLING_COLUMNS, beginBillingLoad, billingKind, stageRaw, storeStaged, type BillingDbResult } from "./billing.js";
import { quoteIdent } from "./mapping.js";
import { readWithCursor } from "./pg-cursor.js";
import { guardPg, parsePullUrl, parseTableName } from "./pull.js";

export interface BillingPullOptions {
  url: string;
  table: string;
  db?: string;
  config: Config;
  timeoutSeconds?: number;
  /** Rows per FETCH (default 10,000). */
  batchSize?: number;
}

const READ = new Set(Object.values(BILLING_COLUMNS).flatMap((k) => [...k.required.flat(), ...k.optional]));

export async function pullBilling(options: BillingPullOptions): Promise<BillingDbResult & { source: string }> {
  const target = parsePullUrl(options.url);
  const tableName = parseTableName(options.table);
  const batchSize = options.batchSize ?? 10_000;
  const timeout = options.timeoutSeconds;
  const call = <T>(where: string, fn: () => Promise<T>) => guardPg(where, target, timeout, fn);
  const client = await call(target.url, async () => new pg.Client({
    connectionString: target.connectionString,
    connectionTimeoutMillis: Math.round(1000 * (timeout ?? target.connectTimeoutSeconds ?? 30)),
    application_name: "adtrace",
  }));
  client.on("error", () => undefined);
  try {
    await call(target.url, async () => {
      await client.connect();
      await client.query("SET TIME ZONE 'UTC'");
      if (timeout !== undefined) await client.query("SELECT set_config('statement_timeout', $1, false)", [String(Math.round(timeout * 1000))]);
    });
    const { rows: found } = await call(target.url, () => client.query<{ table_schema: string; table_name: string; column_name: string }>(
      `SELECT table_schema, table_name, column_name FROM information_schema.columns
       WHERE table_name = $2 AND (table_schema = $1 OR ($1 IS NULL AND table_schema = ANY (current_schemas(false))))
       ORDER BY array_position(current_schemas(false), table_schema::name), ordinal_position`,
      [tableName.schema ?? null, tableName.name],
    ));
    if (!found.length) throw new InputError(`${target.url}#${options.table}`, "no such table or view (or no permission to see its columns)");
    const schema = found[0]!.table_schema;
    const source = `${target.url}#${schema}.${found[0]!.table_name}`;
    const columns = found.filter((c) => c.table_schema === schema).map((c) => c.column_name);
    const lower = new Set<string>();
    for (const c of columns) {
      if (lower.has(c.toLowerCase())) throw new InputError(source, `two columns are named '${c}' but for case: pull from a view that renames one`);
      lower.add(c.toLowerCase());
    }
    billingKind(columns, source);
    const read = columns.filter((c) => READ.has(c.toLowerCase()));
    const select = `SELECT ${read.map((c) => `${pg.escapeIdentifier(c)}::text`).join(", ")} FROM ${pg.escapeIdentifier(schema)}.${pg.escapeIdentifier(found[0]!.table_name)}`;
    const path = options.db ?? DEFAULT_DB;
    return await withWritableDb(path, (db) => db.transaction(async () => {
      await beginBillingLoad(db, options.config);
      await db.exec(`CREATE OR REPLACE TEMP TABLE _bill_raw (${read.map((c) => `${quoteIdent(c)} VARCHAR`).join(", ")})`);
      const appender = await db.connection.createAppender("_bill_raw", "main", "temp");
      try {
        await call(source, async () => {
          await readWithCursor(client, {
            text: select,
            cursor: "adtrace_bills",
            batchSize,
            onBatch: (rows) => {
              for (const row of rows) {
                for (const value of row) {
                  if (value === null) appender.appendNull();
                  else appender.appendVarchar(String(value));
                }
                appender.endRow();
              }
              appender.flushSync();
            },
          });
        });
      } finally {
        appender.closeSync();
      }
      const file = await stageRaw(db, source, 0);
      const stored = await storeStaged(db, [file]);
      // A stored cost model (issue 16) prices joined spans from the bill: it takes the new records now.
      await restoreModelIfStored(db, options.config);
      return { db: path, source, ...stored };
    }));
  } finally {
    await client.end().catch(() => undefined /* closing a broken connection can fail; nothing is left to do */);
  }
}

