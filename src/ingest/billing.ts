// Billing records (issue 23): what Snowflake (QUERY_ATTRIBUTION_HISTORY, with QUERY_HISTORY's
// columns) or BigQuery (INFORMATION_SCHEMA.JOBS) billed per query, read from CSV, JSON/NDJSON or
// Parquet exports (or rows pulled from a PostgreSQL copy) into the `billed_queries` table. The
// kind is recognised from the column names, compared case-insensitively as exports and COPY INTO
// write them. Records without an id or a finite, non-negative amount are skipped and counted;
// per (warehouse, query id) the latest record wins (a later file, a later row, a later load),
// and duplicates with different amounts are counted for a warning. Amounts are kept in the
// warehouse's units (credits, bytes billed, slot-ms) and priced with the price book.
import { DEFAULT_DB, withWritableDb, type Db } from "../db/db.js";
import { InputError, UsageError } from "../errors.js";
import { installBillingPrices } from "../model/billing.js";
import { effectiveBooks } from "../model/install.js";
import { restoreModelIfStored } from "../model/stored.js";
import type { Config } from "../model/config.js";
import { expandInputs, readContentHead } from "./files.js";

export type BillingKind = "snowflake" | "bigquery" | "snowflake_history";

export const BILLING_COLUMNS: Record<BillingKind, { required: string[][]; optional: string[]; name: string }> = {
  snowflake: {
    name: "Snowflake QUERY_ATTRIBUTION_HISTORY",
    required: [["query_id"], ["credits_attributed_compute"]],
    optional: ["query_tag", "warehouse_name", "start_time", "end_time", "credits_used_query_acceleration", "query_parameterized_hash", "query_text"],
  },
  bigquery: {
    name: "BigQuery INFORMATION_SCHEMA.JOBS",
    required: [["job_id"], ["total_bytes_billed", "total_slot_ms"]],
    optional: ["labels", "query", "reservation_id", "creation_time", "start_time", "end_time", "cache_hit", "statement_type"],
  },
  // QUERY_HISTORY bills nothing here (its credits are the warehouse's, not the query's): it gives
  // the attribution records of the same query ids their text, for --match-by-time.
  snowflake_history: {
    name: "Snowflake QUERY_HISTORY",
    required: [["query_id"], ["query_text", "query_parameterized_hash"]],
    optional: ["query_tag", "warehouse_name", "start_time", "end_time"],
  },
};

export interface BillingFile {
  source: string;
  kind: BillingKind;
  records: number;
}

export interface BillingLoadResult {
  files: BillingFile[];
  records_read: number;
  /** Records stored (the latest per query id). */
  records_kept: number;
  /** Earlier records of a query id this load holds again (dropped: the latest wins). */
  duplicates: number;
  /** Query ids whose records in this load, or stored and in this load, differ in amount. */
  conflicting: number;
  conflict_example: string | null;
  /** Stored records this load replaced. */
  replaced: number;
  skipped: { reason: string; records: number; example: string }[];
  /** Per warehouse, what the table holds after the load. */
  stored: { warehouse: string; records: number; billed_usd: number; tagged: number; unpriced: number }[];
  warnings: { message: string; count: number }[];
}

/** The kind a set of (any case) column names is, or an InputError naming what was expected. */
export function billingKind(columns: string[], source: string): BillingKind {
  const names = new Set(columns.map((c) => c.toLowerCase()));
  for (const kind of ["snowflake", "bigquery", "snowflake_history"] as const) {
    if (BILLING_COLUMNS[kind].required.every((any) => any.some((c) => names.has(c)))) return kind;
  }
  const expect = (kind: BillingKind) => BILLING_COLUMNS[kind].required.map((any) => any.map((c) => c.toUpperCase()).join(" or ")).join(", ");
  throw new InputError(source, `not a billing export: expected ${BILLING_COLUMNS.snowflake.name} columns (${expect("snowflake")}) `
    + `or ${BILLING_COLUMNS.bigquery.name} columns (${expect("bigquery").toLowerCase()}), in any case; found ${columns.slice(0, 12).join(", ")}${columns.length > 12 ? ", …" : ""}`);
}

/** The session and load setup: the table, the rates, an empty staging table. */
export async function beginBillingLoad(db: Db, config: Config): Promise<void> {
  await db.run("billing.create_table");
  await db.run("billing.create_history");
  await installBillingPrices(db, effectiveBooks(config.prices));
  await db.run("billing.create_staging");
  await db.run("billing.create_history_staging");
}

/** Read billing files into the staging table (no change to billed_queries yet). */
export async function stageBillingFiles(db: Db, inputs: readonly string[], firstIndex = 0): Promise<BillingFile[]> {
  if (inputs.includes("-")) throw new UsageError("billing records are read from files, not standard input");
  const files = await expandInputs(inputs);
  const out: BillingFile[] = [];
  for (const [i, file] of files.entries()) {
    const { head, gzip } = await readContentHead(file.path, 64).catch((error: NodeJS.ErrnoException) => {
      throw new InputError(file.name, `cannot read (${error.code ?? error.message})`);
    });
    const text = head.toString("utf8").trimStart();
    const format = head.subarray(0, 4).toString("latin1") === "PAR1" ? "parquet" : text.startsWith("[") || text.startsWith("{") ? "json" : "csv";
    if (format === "parquet" && gzip) throw new InputError(file.name, "gzipped Parquet cannot be read: unpack it first");
    if (!head.length) throw new InputError(file.name, "empty file: no billing records");
    const compression = gzip ? "gzip" : "uncompressed";
    try {
      if (format === "parquet") await db.run("billing.read_parquet", { path: file.path });
      else await db.run(`billing.read_${format}`, { path: file.path, compression });
    } catch (error) {
      throw new InputError(file.name, `cannot read as ${format} billing records (${firstLineOf(error)})`, { cause: error });
    }
    out.push(await stageRaw(db, file.name, firstIndex + i));
  }
  return out;
}

/** The rows in `_bill_raw` (a file just read, or rows pulled), staged as billing records of their kind. */
export async function stageRaw(db: Db, source: string, index: number): Promise<BillingFile> {
  const columns = (await db.query("billing.raw_columns")).map((r) => String(r.column_name));
  const kind = billingKind(columns, source);
  const records = Number((await db.query("billing.raw_count"))[0]!.n);
  if (!records) throw new InputError(source, "no billing records");
  await db.run(kind === "snowflake_history" ? "billing.stage_history" : "billing.stage", { kind, source, file_index: index });
  await db.exec("DROP TABLE _bill_raw");
  return { source, kind, records };
}

/** The staged records into billed_queries (latest wins), with what was skipped, replaced and conflicting. */
export async function storeStaged(db: Db, files: BillingFile[]): Promise<BillingLoadResult> {
  const skipped = (await db.query("billing.skipped")).map((r) => ({ reason: String(r.reason), records: Number(r.records), example: String(r.example) }));
  const loadedSeq = Number((await db.query("billing.next_loaded_seq"))[0]!.seq);
  await db.run("billing.store", { loaded_seq: loadedSeq });
  await db.run("billing.store_history");
  const [s] = await db.query("billing.store_stats");
  const stored = (await db.query("billing.stored_summary")).map((r) => ({
    warehouse: String(r.warehouse), records: Number(r.records), billed_usd: Number(r.billed_usd ?? 0), tagged: Number(r.tagged), unpriced: Number(r.unpriced),
  }));
  const conflicting = Number(s!.conflicting_in_load) + Number(s!.conflicting_stored);
  const warnings: { message: string; count: number }[] = [];
  if (conflicting) {
    warnings.push({
      message: `billing records for the same query id with different amounts: the latest record wins${s!.conflict_example ? ` (first: ${String(s!.conflict_example)})` : ""}`,
      count: conflicting,
    });
  }
  for (const skip of skipped) warnings.push({ message: `billing records skipped: ${skip.reason} (first: ${skip.example})`, count: skip.records });
  const unpriced = stored.reduce((n, w) => n + w.unpriced, 0);
  if (unpriced) warnings.push({ message: "billing records the price book has no rate for (their USD is empty; set credit_usd, tib_usd or slot_hour_usd)", count: unpriced });
  await db.exec("DROP TABLE _bill_new");
  await db.exec("DELETE FROM _bill_staged");
  return {
    files, records_read: Number(s!.records_read) + Number(s!.history_read), records_kept: Number(s!.records_kept), duplicates: Number(s!.duplicates),
    conflicting, conflict_example: s!.conflict_example === null ? null : String(s!.conflict_example), replaced: Number(s!.replaced),
    skipped, stored, warnings,
  };
}

/** Load billing files into `db` (the caller holds the transaction). */
export async function loadBilling(db: Db, inputs: readonly string[], config: Config): Promise<BillingLoadResult> {
  await beginBillingLoad(db, config);
  const files = await stageBillingFiles(db, inputs);
  return storeStaged(db, files);
}

function firstLineOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0]!.trim();
}

export interface BillingDbResult extends BillingLoadResult {
  db: string;
}

/** `adtrace load --billing FILE…`: billing files into a database file, in one transaction. */
export async function loadBillingIntoDatabase(options: { db?: string; inputs: readonly string[]; config: Config }): Promise<BillingDbResult> {
  const path = options.db ?? DEFAULT_DB;
  return withWritableDb(path, (db) => db.transaction(async () => {
    const result = await loadBilling(db, options.inputs, options.config);
    // A stored cost model (issue 16) prices joined spans from the bill: it takes the new records now.
    await restoreModelIfStored(db, options.config);
    return { db: path, ...result };
  }));
}
