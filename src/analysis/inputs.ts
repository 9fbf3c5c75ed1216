// The one place where an analysis command gets its spans: files given on the command line are
// loaded into an in-memory database (canonical Parquet, as `adtrace export` writes it, is read
// in place without copying), or `--db FILE` opens a database that `adtrace load` filled.
import { existsSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEFAULT_DB, Db, type Row } from "../db/db.js";
import { InputError, UsageError } from "../errors.js";
import { ensureSchema, loadInputs, type LoadOptions, type LoadResult } from "../ingest/load.js";
import { unreadableParquet } from "../ingest/formats/parquet.js";
import { expandInputs } from "../ingest/files.js";
import { readContentHead } from "../ingest/files.js";
import { sniff } from "../ingest/sniff.js";
import { CANONICAL_COLUMNS } from "../ingest/mapping.js";

export interface SpanSourceOptions extends Omit<LoadOptions, "inputs" | "storedModel"> {
  inputs: readonly string[];
  /** A database file filled by `adtrace load`. */
  db?: string;
}

export interface SpanSource {
  db: Db;
  /** What was loaded, when the spans came from files. */
  load?: LoadResult;
  /** A description for headers and reports: the files, or the database path. */
  label: string;
}

export async function withSpans<T>(options: SpanSourceOptions, fn: (source: SpanSource) => Promise<T>): Promise<T> {
  const source = await openSpans(options);
  try {
    return await fn(source);
  } finally {
    source.db.close();
  }
}

export async function openSpans(options: SpanSourceOptions): Promise<SpanSource> {
  if (options.inputs.length > 0 && options.db) {
    throw new UsageError("give span files or --db, not both (to add files to a database, run adtrace load --db FILE first)");
  }
  if (options.inputs.length === 0) {
    const path = options.db ?? (existsSync(DEFAULT_DB) ? DEFAULT_DB : undefined);
    if (!path) throw new UsageError(`no spans: give span files (e.g. adtrace cost breakdown spans.jsonl) or --db FILE (no ./${DEFAULT_DB} here)`);
    if (!existsSync(path)) throw new InputError(path, "no such database (create it with adtrace load --db FILE)");
    const db = await Db.open({ path, readOnly: true, ...analysisMemory() });
    try {
      const hasSpans = await db.scalar<number>("SELECT count(*) FROM information_schema.tables WHERE table_name = 'spans'");
      if (!hasSpans) throw new InputError(path, "database holds no spans table (was it written by adtrace load?)");
      await fitThreads(db);
    } catch (error) {
      db.close();
      throw error;
    }
    return { db, label: path };
  }
  const db = await Db.open({ ...analysisMemory(), expectSmall: smallInputs(options.inputs) });
  try {
    const parquet = await canonicalParquet(db, options);
    if (parquet) {
      await db.exec("SET VARIABLE adtrace_files = $files", { files: parquet });
      await db.exec("CREATE VIEW spans AS SELECT * FROM read_parquet(getvariable('adtrace_files'))");
      await ensureSchema(db, { spansTable: false });
      await fitThreads(db);
      return { db, label: options.inputs.join(", ") };
    }
    const load = await loadInputs(db, { ...options, countCyclic: false });
    await fitThreads(db);
    return { db, load, label: options.inputs.join(", ") };
  } catch (error) {
    db.close();
    throw error;
  }
}

/** A session over few spans runs on one thread (Db.fitThreads). */
async function fitThreads(db: Db): Promise<void> {
  await db.fitThreads(Number(await db.scalar("SELECT count(*) FROM spans")));
}

/**
 * Input files smaller than this in all hold fewer than SMALL_SESSION_ROWS spans in any format but
 * a compressed one (Parquet, the densest, takes about 35 bytes a span; JSON 600 and more).
 */
export const SMALL_INPUT_BYTES = 1 << 20;

/**
 * Whether the inputs are regular files of fewer than SMALL_INPUT_BYTES in all, so that the session
 * starts on one thread (Db.open's expectSmall). A directory, glob, pipe or anything that cannot be
 * read here counts as large; the loader reports what is wrong with it. A guess only: fitThreads
 * corrects it from the spans loaded, and the answer is the same whatever the thread count.
 */
export function smallInputs(inputs: readonly string[]): boolean {
  let bytes = 0;
  for (const input of inputs) {
    let stat;
    try {
      stat = input === "-" ? undefined : statSync(input, { throwIfNoEntry: false });
    } catch {
      return false; // Not readable here (permissions, a name too long): the loader says why.
    }
    if (!stat?.isFile()) return false;
    bytes += stat.size;
  }
  return bytes < SMALL_INPUT_BYTES;
}

/**
 * Analysis keeps its working tables (costed_spans) within a memory limit and spills the rest to
 * a temporary directory, so 10M spans do not need 10M spans' worth of RAM.
 * ADTRACE_MEMORY_LIMIT overrides the limit (DuckDB syntax: "4GB").
 */
export function analysisMemory(): { memoryLimit: string; tempDirectory: string } {
  return {
    memoryLimit: process.env.ADTRACE_MEMORY_LIMIT ?? "2GB",
    tempDirectory: join(tmpdir(), `adtrace-duckdb-${process.pid}`),
  };
}

const CANONICAL_SCHEMA = CANONICAL_COLUMNS.map(([name, type]) => `${name} ${type}`).join(", ");

/** The input files when every one is Parquet in exactly the canonical schema, else undefined. */
async function canonicalParquet(db: Db, options: SpanSourceOptions): Promise<string[] | undefined> {
  if (options.inputFormat && options.inputFormat !== "parquet") return undefined;
  if (options.map && Object.keys(options.map).length) return undefined;
  if (options.inputs.includes("-")) return undefined;
  const files = await expandInputs(options.inputs);
  for (const file of files) {
    // A pipe is read once, by the loader; never in place.
    if (file.isStream) return undefined;
    // A file that cannot be read is not canonical Parquet: the loader reads it and says why.
    // Gzipped Parquet cannot be read in place either: the loader unpacks it.
    const { head, gzip } = await readContentHead(file.path, 8).catch(() => ({ head: Buffer.alloc(0), gzip: false }));
    if (gzip || sniff(head)?.format !== "parquet") return undefined;
    let columns: Row[];
    try {
      columns = await db.all("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet($path))", { path: file.path });
    } catch (error) {
      throw unreadableParquet(file.name, (error as Error).message);
    }
    if (columns.map((c) => `${c.column_name} ${c.column_type}`).join(", ") !== CANONICAL_SCHEMA) return undefined;
  }
  // Read in place, a file is never loaded: one without rows is refused here, as a load would
  // (count(*) comes from the Parquet footer).
  for (const file of files) {
    if (!Number(await db.scalar("SELECT count(*) FROM read_parquet($path)", { path: file.path }))) {
      throw new InputError(file.name, "no spans found (read as parquet)");
    }
  }
  return files.map((f) => f.path);
}
