// The one DuckDB module. Opens an in-memory or file database, runs SQL with bound named
// parameters (plain text or a named query from queries/), converts DuckDB values to plain JS at
// the boundary (bigint → number when exact, else decimal string; timestamps → ISO strings; MAPs →
// objects), and closes in `finally` through withDb.
import { existsSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { totalmem } from "node:os";
import type { DuckDBConnection, DuckDBInstance, DuckDBResultReader, DuckDBAppender } from "@duckdb/node-api";
import { InputError, UsageError, noRoomError } from "../errors.js";
import { getQuery } from "./queries.js";
import { beginCommit, onInterrupt, testHold } from "./interrupt.js";
import { duckdbApi } from "./duckdb-api.js";

export type SqlValue = string | number | boolean | bigint | null;
/** A STRUCT of text fields bound as one value (what read_csv's `columns` takes: names → types). */
export class TextStruct {
  constructor(readonly fields: Record<string, string>) {}
}
export type Params = Record<string, SqlValue | SqlValue[] | TextStruct>;
export type Row = Record<string, unknown>;

/** Below this many spans a session runs on one DuckDB thread (Db.fitThreads). */
export const SMALL_SESSION_ROWS = 50_000;

/** The database file `adtrace load` writes and the analyses read when given neither files nor --db. */
export const DEFAULT_DB = "adtrace.duckdb";

export interface OpenOptions {
  /** A file path, or undefined / ":memory:" for an in-memory database. */
  path?: string;
  readOnly?: boolean;
  /** DuckDB memory limit, e.g. "1GB". Loads set it so staging spills to disk instead of growing RSS. */
  memoryLimit?: string;
  /** Where DuckDB spills what does not fit in memoryLimit. */
  tempDirectory?: string;
  /** DuckDB worker threads; else ADTRACE_THREADS; else DuckDB's default (one per core). */
  threads?: number;
  /**
   * The session will very likely stay under SMALL_SESSION_ROWS spans (its input files are small):
   * start DuckDB on one thread, as fitThreads would set after the load, rather than start its
   * worker threads only to stop them; fitThreads puts DuckDB's default back if the spans turn out
   * to be many. No effect when the thread count was chosen.
   */
  expectSmall?: boolean;
  /**
   * Return freed memory to the system after tasks that peaked past this much (DuckDB's allocator
   * flush thresholds; its default, 128 MiB, keeps a load's freed insert buffers resident).
   */
  allocatorFlush?: string;
}

export class Db {
  readonly path: string;
  private tempDirectory: string | undefined;
  /** Whether the thread count was chosen (OpenOptions.threads or ADTRACE_THREADS), so fitThreads leaves it. */
  private threadsChosen = false;
  /** Whether the session runs on one thread that fitThreads chose (or expectSmall started with). */
  private oneThread = false;
  /** DuckDB's memory limit as set (OpenOptions.memoryLimit, then fitModelMemory), for messages; undefined: DuckDB's default. */
  memoryLimit: string | undefined;
  private releaseInterrupt: () => void = () => undefined;
  private constructor(
    private readonly instance: DuckDBInstance,
    readonly connection: DuckDBConnection,
    path: string,
  ) {
    this.path = path;
  }

  static async open(options: OpenOptions = {}): Promise<Db> {
    const { DuckDBInstance } = duckdbApi();
    const path = options.path ?? ":memory:";
    const config: Record<string, string> = {};
    if (options.readOnly) config.access_mode = "READ_ONLY";
    if (options.memoryLimit) config.memory_limit = options.memoryLimit;
    if (options.tempDirectory) config.temp_directory = options.tempDirectory;
    const threads = options.threads ?? threadsFromEnv();
    if (threads) config.threads = String(threads);
    else if (options.expectSmall) config.threads = "1";
    if (options.allocatorFlush) {
      config.allocator_flush_threshold = options.allocatorFlush;
      config.allocator_bulk_deallocation_flush_threshold = options.allocatorFlush;
    }
    let instance: DuckDBInstance;
    try {
      instance = await DuckDBInstance.create(path, config);
    } catch (error) {
      throw describeOpenError(path, error);
    }
    const connection = await instance.connect();
    const db = new Db(instance, connection, path);
    db.tempDirectory = options.tempDirectory;
    db.memoryLimit = options.memoryLimit;
    db.threadsChosen = threads !== undefined;
    db.oneThread = !threads && Boolean(options.expectSmall);
    // Ctrl-C or SIGTERM exits without reaching close(): stop the running query and remove the
    // spill directory then, so an interrupted analysis leaves nothing in the temporary directory.
    db.releaseInterrupt = onInterrupt(() => {
      connection.interrupt();
      db.removeTempDirectory();
    });
    return db;
  }

  get isMemory(): boolean {
    return this.path === ":memory:";
  }

  /** Run SQL and return converted row objects. */
  async all(sql: string, params?: Params): Promise<Row[]> {
    const { values, types } = await toDuckParams(params);
    const reader = await this.connection.runAndReadAll(sql, values, types);
    return readerRows(reader);
  }

  /** Run a named query from queries/ (`area.name`), checking its declared parameters. */
  async query(name: string, params: Params = {}): Promise<Row[]> {
    const query = getQuery(name);
    query.checkParams(params);
    return this.all(query.sql, pickParams(params, query.params)).catch((error) => namedQueryError(error, name));
  }

  async exec(sql: string, params?: Params): Promise<void> {
    const { values, types } = await toDuckParams(params);
    await this.connection.run(sql, values, types);
  }

  async run(name: string, params: Params = {}): Promise<void> {
    const query = getQuery(name);
    query.checkParams(params);
    await this.exec(query.sql, pickParams(params, query.params)).catch((error) => namedQueryError(error, name));
  }

  async scalar<T = unknown>(sql: string, params?: Params): Promise<T> {
    const rows = await this.all(sql, params);
    const first = rows[0];
    return (first ? Object.values(first)[0] : undefined) as T;
  }

  async appender(table: string, catalog?: string): Promise<DuckDBAppender> {
    return this.connection.createAppender(table, null, catalog ?? null);
  }

  /**
   * Run a named query and return its columns as arrays (numbers for INTEGER and DOUBLE, no
   * per-row objects): for reading many rows of few plain columns.
   */
  async columns(name: string, params: Params = {}): Promise<Record<string, unknown[]>> {
    const query = getQuery(name);
    query.checkParams(params);
    const { values, types } = await toDuckParams(pickParams(params, query.params));
    const reader = await this.connection.runAndReadAll(query.sql, values, types);
    return reader.getColumnsObjectJS() as Record<string, unknown[]>;
  }

  /**
   * Run fn inside one transaction; roll back on any error. Once a database file's COMMIT is
   * issued, a signal no longer ends the run (interrupt.ts): the commit wins and is reported.
   */
  async transaction<T>(fn: () => Promise<T>): Promise<T> {
    await this.connection.run("BEGIN TRANSACTION");
    try {
      const result = await fn();
      await testHold("before-commit");
      // Set and issued in one synchronous step: a signal handled before it ends the run with nothing committed.
      if (!this.isMemory) beginCommit();
      await this.connection.run("COMMIT");
      await testHold("after-commit");
      return result;
    } catch (error) {
      await this.connection.run("ROLLBACK").catch(() => undefined /* the original error matters more */);
      throw error;
    }
  }

  /**
   * A session over fewer than SMALL_SESSION_ROWS spans runs on one thread, unless a thread count
   * was chosen: its statements take milliseconds, and waking DuckDB's worker threads for each of
   * them (a command runs about 70) costs more CPU than they save; the answer is the same bytes
   * whatever the thread count. Measured on the 369-span fixture (TESTING.md, "The fixed cost").
   * A session opened with expectSmall that holds SMALL_SESSION_ROWS spans or more gets DuckDB's
   * default back (one thread per core).
   */
  async fitThreads(rows: number): Promise<void> {
    const small = rows < SMALL_SESSION_ROWS;
    if (this.threadsChosen || small === this.oneThread) return;
    await this.connection.run(small ? "SET threads = 1" : "RESET threads");
    this.oneThread = small;
  }

  interrupt(): void {
    this.connection.interrupt();
  }

  close(): void {
    this.releaseInterrupt();
    this.connection.closeSync();
    this.instance.closeSync();
    this.removeTempDirectory();
  }

  private removeTempDirectory(): void {
    if (this.tempDirectory) rmSync(this.tempDirectory, { recursive: true, force: true });
  }
}

/** Open a database, run fn, and always close it. */
export async function withDb<T>(options: OpenOptions, fn: (db: Db) => Promise<T>): Promise<T> {
  const db = await Db.open(options);
  try {
    return await fn(db);
  } finally {
    db.close();
  }
}

/**
 * Open a database file for writing (creating it if needed), run fn, and close it. When fn fails
 * or a signal (Ctrl-C, SIGTERM) ends it and the file did not exist before, the file (and its
 * write-ahead log) is removed: a failed or interrupted `load` or `pull` into a new database
 * leaves nothing behind.
 */
export async function withWritableDb<T>(path: string, fn: (db: Db) => Promise<T>): Promise<T> {
  const existed = existsSync(path);
  // DuckDB spills a file database's work into DB.tmp and removes it when it closes; a signal ends
  // the run before it closes, so the clean-up removes it (gigabytes after a large load), unless
  // it was there before this run.
  const spill = `${path}.tmp`;
  const spillExisted = existsSync(spill);
  const removeNew = () => {
    if (!existed) for (const file of [path, `${path}.wal`]) rmSync(file, { force: true });
  };
  const release = onInterrupt(() => {
    removeNew();
    if (!spillExisted) rmSync(spill, { recursive: true, force: true });
  });
  let db: Db;
  try {
    // A memory limit makes DuckDB spill staging to disk instead of growing without bound.
    // Peak RSS is the bound users see (DESIGN.md: under 600 MB whatever the input size); storing
    // the model of more than about 1.3M spans raises it (fitModelMemory), as it cannot all spill.
    db = await Db.open({ path, memoryLimit: writeMemoryLimit(), allocatorFlush: "8MB" });
  } catch (error) {
    // Creating it may have failed half-way (no room for its first blocks): leave no file behind.
    release();
    removeNew();
    throw error;
  }
  let failed = true;
  try {
    const result = await fn(db);
    failed = false;
    return result;
  } catch (error) {
    throw outOfMemory(noRoomInDatabase(error, path), path, db.memoryLimit ?? writeMemoryLimit());
  } finally {
    release();
    try {
      db.close();
    } catch (error) {
      // After a failure (a full disk) closing can fail too; the first error is the one to report.
      if (!failed) throw noRoomInDatabase(error, path);
    }
    if (failed) removeNew();
  }
}

/** The memory DuckDB may use while writing a database (load, pull, collect): ADTRACE_MEMORY_LIMIT, else 256MB. */
function writeMemoryLimit(): string {
  return process.env.ADTRACE_MEMORY_LIMIT ?? "256MB";
}

/**
 * Bytes of DuckDB memory storing the cost model takes per span. Staging spans spills within 256MB
 * whatever their number, but storing the model does not: its first statement's hash joins keep
 * about 55 bytes a span that cannot spill, and later steps more (BENCHMARKS.md, "Loading 10M spans").
 * 10,043,511 spans stored within 2GB (1,907 MiB), and ran out of memory within 256MB.
 */
export const MODEL_BYTES_PER_SPAN = 200;

/**
 * The memory limit storing the model of `spans` spans takes, in MiB: 200 bytes a span, at most
 * 2 GiB (an analysis session's limit) and half the machine's memory; undefined when load's 256MB
 * is enough (up to about 1.3M spans), so small loads keep their bound on RSS.
 */
export function modelMemoryMiB(spans: number, machineBytes: number): number | undefined {
  const bytes = Math.min(spans * MODEL_BYTES_PER_SPAN, 2 * 1024 ** 3, machineBytes / 2);
  const mib = Math.floor(bytes / 1024 ** 2);
  return mib > 256 ? mib : undefined;
}

/** Before the model of `spans` spans is stored in a database being written: raise the limit as it needs, unless ADTRACE_MEMORY_LIMIT chose one. */
export async function fitModelMemory(db: Db, spans: number): Promise<void> {
  if (process.env.ADTRACE_MEMORY_LIMIT !== undefined) return;
  const mib = modelMemoryMiB(spans, totalmem());
  if (mib === undefined) return;
  await db.run("store.memory_limit", { limit: `${mib}MiB` });
  db.memoryLimit = `${mib}MiB`;
}

/**
 * DuckDB running out of memory within the write's limit is the limit's doing, not a bug: one line
 * naming the database, the limit and the setting that raises it (exit 2). The write is one
 * transaction, so nothing of it was kept. Issue 16: storing the model of 10M spans needs more than
 * 256MB today (BENCHMARKS.md).
 */
function outOfMemory(error: unknown, path: string, limit: string): unknown {
  if (error instanceof InputError || error instanceof UsageError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (!/^Out of Memory Error/.test(message)) return error;
  const first = message.split("\n")[0]!;
  return new InputError(path, `DuckDB ran out of memory within its ${limit} limit, so nothing was written (ADTRACE_MEMORY_LIMIT raises the limit, e.g. ADTRACE_MEMORY_LIMIT=4GB): ${first}`, { cause: error });
}

/** No room to write the database file (or its write-ahead log) is reported under the name the user gave it. */
function noRoomInDatabase(error: unknown, path: string): unknown {
  const room = noRoomError(error);
  if (!room) return error;
  return room.where === resolve(path) ? noRoomError(error, path) : room;
}

/**
 * DuckDB's errors carry no stack through the native call, so an internal error (out of memory at
 * 10M spans, say) could not say which statement failed: the named query's name goes with it
 * (`queryName`, printed under --debug), the error itself unchanged.
 */
function namedQueryError(error: unknown, name: string): never {
  if (error instanceof Error && !Object.prototype.hasOwnProperty.call(error, "queryName")) Object.defineProperty(error, "queryName", { value: name, enumerable: false });
  throw error;
}

/**
 * ADTRACE_THREADS: how many threads DuckDB may use. Results do not depend on it (sums that
 * thresholds and rankings read are exact, see queries/model.sql); it bounds the CPU a run takes.
 */
function threadsFromEnv(): number | undefined {
  const text = process.env.ADTRACE_THREADS;
  if (text === undefined || text === "") return undefined;
  if (!/^\s*[0-9]+\s*$/.test(text) || Number(text) < 1) throw new UsageError(`ADTRACE_THREADS expects a whole number ≥ 1, got '${text}'`);
  return Number(text);
}

function describeOpenError(path: string, error: unknown): InputError {
  const noRoom = noRoomError(error, path);
  if (noRoom) return noRoom;
  const message = error instanceof Error ? error.message : String(error);
  if (/lock/i.test(message)) {
    return new InputError(path, "database is in use by another adtrace or DuckDB process (could not lock it); wait for it to finish", { cause: error });
  }
  if (/read-only|Permission denied|cannot open file|No such file/i.test(message)) {
    return new InputError(path, `cannot open database (${firstLine(message)})`, { cause: error });
  }
  if (/not a valid DuckDB database|Corrupt|checksum|serializ|IO Error/i.test(message)) {
    return new InputError(path, `not a readable DuckDB database (${firstLine(message)})`, { cause: error });
  }
  return new InputError(path, `cannot open database: ${firstLine(message)}`, { cause: error });
}

export function firstLine(text: string): string {
  return text.split("\n")[0]!.trim();
}

function pickParams(params: Params, names: readonly string[]): Params {
  const picked: Params = {};
  for (const name of names) picked[name] = params[name]!;
  return picked;
}

type DuckValues = Record<string, never>;

/** Bind values: scalars as they are (the client infers their type), arrays as typed LISTs, TextStructs as STRUCTs. */
async function toDuckParams(params?: Params): Promise<{ values?: DuckValues; types?: Record<string, never> }> {
  if (!params) return {};
  if (!Object.values(params).some((v) => Array.isArray(v) || v instanceof TextStruct)) return { values: params as unknown as DuckValues };
  const { listValue, LIST, VARCHAR, DOUBLE, structValue, STRUCT } = duckdbApi();
  const values: Record<string, unknown> = {};
  const types: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(params)) {
    if (Array.isArray(value)) {
      const numeric = value.length > 0 && value.every((v) => typeof v === "number");
      values[key] = listValue(value as never[]);
      types[key] = LIST(numeric ? DOUBLE : VARCHAR);
    } else if (value instanceof TextStruct) {
      values[key] = structValue(value.fields);
      types[key] = STRUCT(Object.fromEntries(Object.keys(value.fields).map((k) => [k, VARCHAR])));
    } else values[key] = value;
  }
  return { values: values as DuckValues, types: types as Record<string, never> };
}

// DuckDBTypeId values we convert specially (see @duckdb/node-api DuckDBTypeId).
const TYPE_MAP = 26;

function readerRows(reader: DuckDBResultReader): Row[] {
  const names = reader.deduplicatedColumnNames();
  const columns = reader.getColumnsJS();
  const typeIds = names.map((_, i) => reader.columnTypeId(i) as number);
  const rowCount = reader.currentRowCount;
  const rows: Row[] = new Array(rowCount);
  for (let r = 0; r < rowCount; r++) {
    const row: Row = {};
    for (let c = 0; c < names.length; c++) {
      row[names[c]!] = convert(columns[c]![r], typeIds[c] === TYPE_MAP);
    }
    rows[r] = row;
  }
  return rows;
}

function convert(value: unknown, isMap = false): unknown {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") {
    return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  }
  if (value instanceof Date) return value.toISOString();
  if (isMap && Array.isArray(value)) {
    const out: Record<string, unknown> = {};
    for (const entry of value as { key: unknown; value: unknown }[]) out[String(entry.key)] = convert(entry.value);
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => convert(v));
  if (typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = convert(v);
    return out;
  }
  return value;
}
