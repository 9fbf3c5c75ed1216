// Pulling spans from a PostgreSQL or Redshift table into the DuckDB `spans` table. The table's
// columns are read from information_schema, mapped onto the canonical schema by mapping.ts (the
// same automatic mapping and --map as flat files), and its rows are streamed through a
// server-side cursor in batches into a DuckDB temp table, then staged by the load session: the
// whole pull is one DuckDB transaction, so a failed or killed pull leaves the database as it was.
// Incremental: per source URL (never with its password) and table, `pull_state` remembers a
// high-water mark, and the next pull asks only for rows from a lookback window before it on
// (bound parameters). Rows land in a warehouse late (collectors batch and retry; a long trace's
// spans arrive apart), so a mark on the span start alone would never see a row inserted after a
// pull with a start before its mark: the lookback (default 1 h) re-reads that window, and the
// rows already stored are skipped by (trace_id, span_id). Where the table records when each row
// landed (inserted_at, ingested_at, _loaded_at, or --watermark-column), the mark is on that column
// instead, which a late row cannot fall behind. The mark only ever moves forward.
// The core never prints; every error is an InputError/UsageError whose text holds no password.
import { userInfo } from "node:os";
import pg from "pg";
import type { DuckDBAppender } from "@duckdb/node-api";
import { DEFAULT_DB, withWritableDb, type Db } from "../db/db.js";
import { duckdbApi } from "../db/duckdb-api.js";
import { testHold } from "../db/interrupt.js";
import { InputError, UsageError } from "../errors.js";
import { loadConfig } from "../model/config.js";
import { VALID_ROW, withLoadSession, type LoadOptions, type LoadProgress, type LoadResult, type ResolvedMapping } from "./load.js";
import { epochNsExpr, mappingSelect, planMapping, quoteIdent, resolveUnits, type ColumnInfo, type Mapping, type UnitProbe } from "./mapping.js";
import { readWithCursor } from "./pg-cursor.js";
import { NS_PER_UNIT } from "./span.js";

export interface PullOptions {
  /** postgres://, postgresql:// or redshift:// URL. */
  url: string;
  /** `table` or `schema.table`. */
  table: string;
  /** DuckDB file to write (default ./adtrace.duckdb). */
  db?: string;
  /** `30m`, `24h`, `7d`, `2w` ago, or an ISO-8601 time: only spans starting at or after it. */
  since?: string;
  /** Same forms: only spans starting before it. */
  until?: string;
  /** Ignore the remembered high-water mark. */
  full?: boolean;
  /** How far before the high-water mark an incremental pull reads again: `0`, `30s`, `15m`, `2h`, `1d` (default 1h). */
  lookback?: string;
  /** A timestamp column recording when each row landed in the table: the high-water mark is kept on it (default: inserted_at, ingested_at or _loaded_at if the table has one). */
  watermarkColumn?: string;
  /** Give up connecting, or on one statement, after this many seconds (> 0: --timeout is checked by the options layer, src/commands/load-options.ts). */
  timeoutSeconds?: number;
  map?: LoadOptions["map"];
  strict?: boolean;
  /** --config: the cost model stored with the spans (else ./adtrace.config.yaml, else the defaults). */
  config?: string;
  /** Rows per FETCH (default 10,000). */
  batchSize?: number;
  /** The clock for relative --since/--until (tests). */
  now?: Date;
  onProgress?: (progress: LoadProgress) => void;
  /** pull --redact (ingest/redact.ts). */
  redact?: LoadOptions["redact"];
  /** Count the rows first (one more query on the server), so that progress shows a percentage and an ETA. */
  count?: boolean;
}

export interface PullResult {
  db: string;
  /** What `spans.source` and `loads.source` hold: the URL without password, `#schema.table`. */
  source: string;
  table: string;
  format: "postgres" | "redshift";
  startColumn: string;
  /** The column the high-water mark is kept on: the start column, or the table's ingestion-time column. */
  watermarkColumn: string;
  watermarkKind: "start" | "ingestion";
  /** How far before the mark an incremental pull reads again, in ms. */
  lookbackMs: number;
  rowsFetched: number;
  /** Whether a remembered high-water mark narrowed this pull. */
  incremental: boolean;
  /** The start-time window asked of the server (ISO 8601, UTC); on a start-time mark, after the lookback. */
  from?: string;
  until?: string;
  /** On an ingestion-time mark: rows that landed at or after this (ISO 8601, UTC), or with no ingestion time. */
  landedFrom?: string;
  /** The high-water mark (of the watermark column) before and after this pull. */
  highWaterBefore?: string;
  highWaterAfter?: string;
  /** Rows read again from before the previous mark (the lookback window, and the mark itself). */
  overlapRows: number;
  /** Of those, spans not stored before: rows that landed after the previous pull (late). */
  lateRows: number;
  notes: string[];
  load: LoadResult;
  totalSpans: number;
}

const DEFAULT_BATCH = 10_000;
const DEFAULT_CONNECT_TIMEOUT_S = 30;
const REDSHIFT_PORT = "5439";
const TEMP_TABLE = "_pull_rows";
const CURSOR = "adtrace_pull";
const TABLE_NAME = /^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$/;

export async function pullSpans(options: PullOptions): Promise<PullResult> {
  const target = parsePullUrl(options.url);
  const tableName = parseTableName(options.table);
  const now = options.now ?? new Date();
  const since = parseTimeBound(options.since, "--since", now);
  const until = parseTimeBound(options.until, "--until", now);
  if (since !== undefined && until !== undefined && since >= until) throw new UsageError("--since must be before --until");
  const lookbackNs = parseLookback(options.lookback);
  if (options.watermarkColumn !== undefined && !options.watermarkColumn.trim()) throw new UsageError("--watermark-column needs a column name");
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  if (!Number.isInteger(batchSize) || batchSize <= 0) throw new UsageError(`batch size must be a positive integer, got ${batchSize}`);
  const timeout = options.timeoutSeconds;

  const pgCall = <T>(where: string, fn: () => Promise<T>) => guardPg(where, target, timeout, fn);
  // Guarded too: pg reads the files sslrootcert/sslcert/sslkey name while building the client.
  const client = await pgCall(target.url, async () => new pg.Client({
    connectionString: target.connectionString,
    connectionTimeoutMillis: Math.round(1000 * (timeout ?? target.connectTimeoutSeconds ?? DEFAULT_CONNECT_TIMEOUT_S)),
    application_name: "adtrace",
  }));
  // A connection that dies between statements is reported by the next statement; don't crash.
  client.on("error", () => undefined);
  try {
    await pgCall(target.url, async () => {
      await client.connect();
      await client.query("SET TIME ZONE 'UTC'");
      await client.query("SET DateStyle = 'ISO, MDY'");
      if (timeout !== undefined) await client.query("SELECT set_config('statement_timeout', $1, false)", [String(Math.round(timeout * 1000))]);
    });
    const table = await pgCall(target.url, () => resolveTable(client, tableName, target.url));
    const source = `${target.url}#${table.schema}.${table.name}`;
    const qualified = `${pg.escapeIdentifier(table.schema)}.${pg.escapeIdentifier(table.name)}`;
    const columns = table.columns;
    const byFoldedName = new Map<string, string>();
    for (const c of columns) {
      const other = byFoldedName.get(c.name.toLowerCase());
      if (other !== undefined) throw new InputError(source, `columns '${other}' and '${c.name}' differ only in case, which DuckDB cannot hold apart; pull from a view that renames one`);
      byFoldedName.set(c.name.toLowerCase(), c.name);
    }
    // Plan once here so an unmappable table fails before the DuckDB file is touched.
    const duckColumns = columns.map((c) => ({ name: c.name, type: DUCK_TYPE[c.kind] }));
    const planned = planMapping(duckColumns, options.map, source);
    // Units are settled once, from a sample, so the server-side bound and the load agree.
    const plan = await pgCall(source, () => resolvePullUnits(client, columns, duckColumns, planned, qualified));
    const start = columns.find((c) => c.name === planned.columns.start)!;
    const bound = boundPlan(start, plan.mapping);
    const notes: string[] = [];
    const landed = ingestionColumn(columns, start, options.watermarkColumn, source, notes);
    if (bound.kind === "none") {
      if (since !== undefined || until !== undefined) {
        throw new UsageError(`${source}: --since/--until need a timestamp or numeric start column; '${start.name}' is ${start.pgType}`);
      }
      notes.push(landed
        ? `start column '${start.name}' is ${start.pgType}, which the server cannot filter on: the window is asked of '${landed.name}' alone.`
        : `start column '${start.name}' is ${start.pgType}: the server cannot filter on it, so every pull reads the whole table (spans already stored are skipped).`);
    }
    // The mark's own column: what the overlap is measured on, as epoch ns in DuckDB.
    const markColumn = landed ?? start;
    const markInfo = duckColumns.find((c) => c.name === markColumn.name)!;
    const markExpr = epochNsExpr(markInfo, landed ? "ns" : plan.mapping.units.start ?? "auto");

    const path = options.db ?? DEFAULT_DB;
    return await withWritableDb(path, async (db) => {
      let rowsFetched = 0;
      let stored: bigint | undefined;
      let lower: bigint | undefined;
      let landedLower: bigint | undefined;
      let incremental = false;
      let marks: { maxStart?: bigint; maxMark?: bigint } = {};
      let overlap = { rows: 0, late: 0 };
      const stateKey = { source: target.url, table_name: `${table.schema}.${table.name}` };
      const load = await withLoadSession(db, { ...options, storedModel: loadConfig(options.config) }, async (session) => {
        await db.run("pull.create_state");
        const row = (await db.query("pull.watermark", stateKey))[0];
        if (landed) {
          // A mark kept on another column (the start, or another ingestion column) says nothing about this one.
          stored = row && row.mark_column === landed.name && row.mark_ns !== null ? BigInt(String(row.mark_ns)) : undefined;
          if (row && stored === undefined && !options.full) {
            notes.push(`first pull by ingestion time ('${landed.name}'): every row is read once (spans already stored are skipped, late ones are added); later pulls ask only for rows that landed since.`);
          }
          incremental = !options.full && stored !== undefined;
          landedLower = incremental ? atLeastMin(stored! - lookbackNs) : undefined;
          lower = since;
        } else {
          stored = row ? BigInt(String(row.max_start_ns)) : undefined;
          const from = stored === undefined ? undefined : atLeastMin(stored - lookbackNs);
          incremental = bound.kind !== "none" && !options.full && from !== undefined && (since === undefined || from > since);
          lower = incremental ? from : since;
        }

        await db.exec(`CREATE TEMP TABLE ${TEMP_TABLE} (${columns.map((c) => `${quoteIdent(c.name)} ${DUCK_TYPE[c.kind]}`).join(", ")})`);
        const appender = await db.connection.createAppender(TEMP_TABLE, "main", "temp");
        let bytes = 0;
        try {
          const { text, values } = selectSql(columns, qualified, start, bound, lower, until, landed && landedLower !== undefined ? { column: landed, from: landedLower } : undefined);
          let rowsTotal: number | undefined;
          await pgCall(source, async () => {
            await readWithCursor(client, {
              text,
              values,
              cursor: CURSOR,
              batchSize,
              types: RAW_TEXT,
              // In the same read-only transaction as the cursor: the count is of the rows it reads
              // (up to rows that land in between, under the server's isolation level).
              before: async () => {
                rowsTotal = options.count
                  ? Number((await client.query<{ n: string }>(`SELECT count(*) AS n FROM (${text}) AS pulled`, values)).rows[0]?.n ?? 0)
                  : undefined;
                if (rowsTotal !== undefined) options.onProgress?.({ file: source, bytesDone: 0, bytesTotal: 0, spans: 0, rowsTotal });
              },
              onBatch: async (rows) => {
                for (const values of rows) {
                  for (let i = 0; i < columns.length; i++) {
                    const value = values[i] as string | null;
                    if (value !== null) bytes += value.length;
                    appendText(appender, columns[i]!.kind, value);
                  }
                  appender.endRow();
                }
                appender.flushSync();
                rowsFetched += rows.length;
                options.onProgress?.({ file: source, bytesDone: bytes, bytesTotal: 0, spans: rowsFetched, rowsTotal });
                // Tests signal a pull here, mid-way: the first batch appended, the cursor still open.
                if (rowsFetched === rows.length) await testHold("pull-fetched");
              },
            });
          });
        } finally {
          appender.closeSync();
        }
        options.onProgress?.({ file: source, bytesDone: bytes, bytesTotal: bytes, spans: rowsFetched });

        const select = mappingSelect(duckColumns, plan.mapping);
        // Before staging, while `spans` holds only what earlier loads stored: the rows read again
        // from at or before the previous mark, and how many of them are spans not stored yet.
        if (incremental) overlap = await overlapCounts(db, select, markExpr, source, stored!);
        marks = await pulledMarks(db, select, markExpr, source);
        const skippedBefore = session.stats.skipped;
        const staged = await session.stageFlat(TEMP_TABLE, {}, source, target.format, plan);
        if (marks.maxStart !== undefined && (landed || bound.kind !== "none")) {
          await db.run("pull.save_watermark", {
            ...stateKey, max_start_ns: marks.maxStart, mark_column: landed?.name ?? null, mark_ns: landed ? marks.maxMark ?? null : null,
          });
        }
        await db.exec(`DROP TABLE ${TEMP_TABLE}`);
        await session.record({
          source, format: target.format, bytes, sha256: "", spansRead: staged.rows, spansAdded: 0, duplicates: 0, conflicts: 0,
          skipped: session.stats.skipped - skippedBefore,
        });
      });
      const totalSpans = Number(await db.scalar("SELECT count(*) FROM spans"));
      const after = landed ? marks.maxMark : marks.maxStart;
      const highWaterAfter = landed || bound.kind !== "none" ? [stored, after].reduce<bigint | undefined>((a, b) => (b !== undefined && (a === undefined || b > a) ? b : a), undefined) : undefined;
      return {
        db: path, source, table: `${table.schema}.${table.name}`, format: target.format, startColumn: start.name,
        watermarkColumn: markColumn.name, watermarkKind: landed ? "ingestion" : "start", lookbackMs: Number(lookbackNs / 1_000_000n),
        rowsFetched, incremental,
        from: lower === undefined ? undefined : isoFromNs(lower),
        until: until === undefined ? undefined : isoFromNs(until),
        landedFrom: landedLower === undefined ? undefined : isoFromNs(landedLower),
        highWaterBefore: stored === undefined ? undefined : isoFromNs(stored),
        highWaterAfter: highWaterAfter === undefined ? undefined : isoFromNs(highWaterAfter),
        overlapRows: overlap.rows, lateRows: overlap.late,
        notes, load, totalSpans,
      };
    });
  } finally {
    await client.end().catch(() => undefined /* closing a broken connection can fail; nothing is left to do */);
  }
}

/** The highest canonical start and the highest mark-column value among the pulled rows (epoch ns), through the mapping the load uses. */
async function pulledMarks(db: Db, select: string, markExpr: string, source: string): Promise<{ maxStart?: bigint; maxMark?: bigint }> {
  const [row] = await db.all(
    `SELECT CAST(max(start_ns) AS VARCHAR) AS max_start, CAST(max(mark_ns) AS VARCHAR) AS max_mark
     FROM (SELECT ${select}, ${markExpr} AS mark_ns FROM ${TEMP_TABLE})`,
    { source },
  );
  const big = (v: unknown) => (v === null || v === undefined ? undefined : BigInt(String(v)));
  return { maxStart: big(row?.max_start), maxMark: big(row?.max_mark) };
}

/**
 * Of the pulled rows, those at or before the previous mark (read again by the lookback), and how
 * many distinct spans among them are valid and not stored yet: they will be added, and they are
 * the rows that landed late, after the previous pull had passed their mark.
 */
async function overlapCounts(db: Db, select: string, markExpr: string, source: string, mark: bigint): Promise<{ rows: number; late: number }> {
  const [row] = await db.all(
    `SELECT count(*) AS rows,
            count(DISTINCT (m.trace_id, m.span_id)) FILTER (WHERE ${VALID_ROW} AND NOT EXISTS (
              SELECT 1 FROM spans s WHERE s.trace_id = m.trace_id AND s.span_id = m.span_id)) AS late
     FROM (SELECT ${select}, ${markExpr} AS mark_ns FROM ${TEMP_TABLE}) AS m
     WHERE m.mark_ns <= $mark`,
    { source, mark },
  );
  return { rows: Number(row?.rows ?? 0), late: Number(row?.late ?? 0) };
}

/** Column names that say when a row landed in the table, compared case-insensitively. */
const INGESTION_COLUMNS = ["inserted_at", "ingested_at", "_loaded_at"];

/**
 * The table's ingestion-time column, which the high-water mark is kept on instead of the start:
 * the one --watermark-column names (naming the start column keeps the mark on the start), else
 * one named like INGESTION_COLUMNS. It must hold timestamps; a detected one that does not is
 * passed over with a note.
 */
function ingestionColumn(columns: PgColumn[], start: PgColumn, wanted: string | undefined, source: string, notes: string[]): PgColumn | undefined {
  const isTime = (c: PgColumn) => c.kind === "timestamptz" || c.kind === "timestamp";
  if (wanted !== undefined) {
    const column = columns.find((c) => c.name === wanted) ?? columns.find((c) => c.name.toLowerCase() === wanted.toLowerCase());
    if (!column) throw new UsageError(`${source}: --watermark-column ${wanted}: no column '${wanted}' (columns: ${columns.map((c) => c.name).join(", ")})`);
    if (column === start) return undefined;
    if (!isTime(column)) throw new UsageError(`${source}: --watermark-column ${wanted}: '${column.name}' is ${column.pgType}; the watermark needs a timestamp column (when each row landed)`);
    return column;
  }
  const found = columns.find((c) => c !== start && INGESTION_COLUMNS.includes(c.name.toLowerCase()));
  if (!found) return undefined;
  if (isTime(found)) return found;
  notes.push(`column '${found.name}' is ${found.pgType}, not a timestamp: the high-water mark stays on the start time (--watermark-column names another).`);
  return undefined;
}

// ------------------------------------------------------------------ the URL

export interface PullTarget {
  format: "postgres" | "redshift";
  /** The URL without password, query or fragment: `postgres://user@host:port/database`. */
  url: string;
  /** What pg connects with (may hold the password: never shown). */
  connectionString: string;
  user: string;
  host: string;
  port: string;
  database: string;
  connectTimeoutSeconds?: number;
  /** Secrets to scrub from any text that leaves this module. */
  secrets: string[];
}

export function parsePullUrl(text: string, env: NodeJS.ProcessEnv = process.env): PullTarget {
  const scheme = /^(postgres|postgresql|redshift):\/\//i.exec(text);
  if (!scheme) throw new UsageError("expected a postgres://, postgresql:// or redshift:// URL, e.g. postgres://USER@HOST:5432/DATABASE");
  const format = scheme[1]!.toLowerCase() === "redshift" ? "redshift" : "postgres";
  let url: URL;
  try {
    url = new URL(`postgres://${text.slice(scheme[0].length)}`);
  } catch {
    // The URL may hold a password: say what is expected, never echo it.
    throw new UsageError(`cannot parse the ${scheme[1]}:// URL (expected ${scheme[1]}://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=require])`);
  }
  if (format === "redshift" && !url.port) url.port = REDSHIFT_PORT;
  // pg verifies the server's certificate for prefer/require/verify-ca too (stricter than libpq) and
  // warns at length on stderr; say verify-full, which is what happens. no-verify skips the check.
  const sslmode = url.searchParams.get("sslmode");
  if ((sslmode === "prefer" || sslmode === "require" || sslmode === "verify-ca") && !url.searchParams.has("uselibpqcompat")) url.searchParams.set("sslmode", "verify-full");
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw new UsageError(`the ${scheme[1]}:// URL has a bad %-escape`);
    }
  };
  const user = decode(url.username) || env.PGUSER || env.USER || userInfo().username;
  const host = url.hostname || url.searchParams.get("host") || env.PGHOST || "localhost";
  const port = url.port || env.PGPORT || "5432";
  const database = decode(url.pathname.replace(/^\//, "")) || env.PGDATABASE || user;
  const connectTimeout = url.searchParams.get("connect_timeout");
  const connectTimeoutSeconds = connectTimeout !== null && Number(connectTimeout) > 0 ? Number(connectTimeout) : undefined;
  // Every password, however short: an error that echoes it must not show it.
  const secrets = [decode(url.password), url.password, env.PGPASSWORD ?? "", url.searchParams.get("password") ?? ""].filter((s) => s.length > 0);
  return {
    format,
    url: `${format}://${encodeURIComponent(user)}@${host}:${port}/${encodeURIComponent(database)}`,
    connectionString: url.toString(),
    user, host, port, database, connectTimeoutSeconds, secrets,
  };
}

export function parseTableName(text: string): { schema?: string; name: string } {
  if (!TABLE_NAME.test(text)) {
    throw new UsageError(`--table '${text}' is not a table name (expected table or schema.table: letters, digits, _ and $, not starting with a digit)`);
  }
  const dot = text.indexOf(".");
  return dot < 0 ? { name: text } : { schema: text.slice(0, dot), name: text.slice(dot + 1) };
}

// ------------------------------------------------------------------ --since / --until

const AGO_MS: Record<string, number> = { s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION = /^(\d+(?:\.\d+)?)(s|min|m|h|d|w)$/i;

/** The instants a span can have: its start is a 64-bit count of ns since 1970 (1677-09-21 to 2262-04-11). */
const MIN_NS = -(2n ** 63n);
const MAX_NS = 2n ** 63n - 1n;
const SPAN_RANGE = "1677-09-21 to 2262-04-11, the 64-bit nanosecond range of span times";

/** `30m`, `24h`, `7d`, `2w` before `now`, or an ISO-8601 date or time (UTC unless it says otherwise), as epoch ns. */
export function parseTimeBound(text: string | undefined, flag: string, now: Date): bigint | undefined {
  if (text === undefined) return undefined;
  const t = text.trim();
  const ago = DURATION.exec(t);
  let ns: bigint;
  if (ago) {
    ns = BigInt(now.getTime()) * 1_000_000n - durationNs(ago);
  } else {
    const iso = /^(\d{4}-\d\d-\d\d)(?:[T ](\d\d:\d\d(?::\d\d(?:\.\d+)?)?)(Z|[+-]\d\d(?::?\d\d)?)?)?$/i.exec(t);
    const ms = iso ? Date.parse(`${iso[1]}T${iso[2] ?? "00:00:00"}${iso[3] ?? "Z"}`) : NaN;
    if (Number.isNaN(ms)) throw new UsageError(`${flag} expects a time ago (30m, 24h, 7d, 2w) or an ISO-8601 time (2024-05-01, 2024-05-01T12:00:00Z), got '${text}'`);
    ns = BigInt(ms) * 1_000_000n;
  }
  // Checked here, before connecting: a bound no span can reach is a typo, not a question for the server.
  if (ns < MIN_NS || ns > MAX_NS) throw new UsageError(`${flag} '${text}' is out of range: spans start between ${SPAN_RANGE}`);
  return ns;
}

/** --lookback: `0`, or a length like `30s`, `15m`, `2h`, `1d`, `1w`, as ns (default 1 hour). */
export function parseLookback(text: string | undefined): bigint {
  if (text === undefined) return DEFAULT_LOOKBACK_NS;
  const t = text.trim();
  if (/^0+(\.0*)?$/.test(t)) return 0n;
  const length = DURATION.exec(t);
  if (!length) throw new UsageError(`--lookback expects 0 or a length of time (30s, 15m, 2h, 1d, 1w), got '${text}'`);
  const ns = durationNs(length);
  if (ns > MAX_NS) throw new UsageError(`--lookback '${text}' is out of range: at most the ${SPAN_RANGE}`);
  return ns;
}

const DEFAULT_LOOKBACK_NS = 3_600_000_000_000n;

/** A matched DURATION as ns (exact for whole numbers; fractions to a millionth of the unit). */
function durationNs(match: RegExpExecArray): bigint {
  const perUnit = BigInt(AGO_MS[match[2]!.toLowerCase()]!) * 1_000_000n;
  const [whole, fraction = ""] = match[1]!.split(".");
  const micro = BigInt(fraction.slice(0, 6).padEnd(6, "0"));
  return BigInt(whole!) * perUnit + (micro * perUnit) / 1_000_000n;
}

/** A lower bound no earlier than the first instant a span can have. */
function atLeastMin(ns: bigint): bigint {
  return ns < MIN_NS ? MIN_NS : ns;
}

// ------------------------------------------------------------------ the table and its columns

type Kind = "varchar" | "bigint" | "hugeint" | "double" | "boolean" | "timestamptz" | "timestamp" | "interval";

const DUCK_TYPE: Record<Kind, string> = {
  varchar: "VARCHAR", bigint: "BIGINT", hugeint: "HUGEINT", double: "DOUBLE", boolean: "BOOLEAN",
  timestamptz: "TIMESTAMPTZ", timestamp: "TIMESTAMP", interval: "INTERVAL",
};

export interface PgColumn {
  name: string;
  /** The Postgres type as information_schema names it. */
  pgType: string;
  kind: Kind;
}

/** How a Postgres column travels: json/jsonb/SUPER and anything unknown as text. */
function kindOf(udt: string, precision: number | null, scale: number | null): Kind {
  switch (udt) {
    case "int2": case "int4": case "int8": return "bigint";
    case "numeric": return scale === 0 && precision !== null ? (precision <= 18 ? "bigint" : precision <= 38 ? "hugeint" : "double") : "double";
    case "float4": case "float8": return "double";
    case "bool": return "boolean";
    case "timestamptz": return "timestamptz";
    case "timestamp": case "date": return "timestamp";
    case "interval": return "interval";
    default: return "varchar";
  }
}

interface ResolvedTable {
  schema: string;
  name: string;
  columns: PgColumn[];
}

async function resolveTable(client: pg.Client, wanted: { schema?: string; name: string }, where: string): Promise<ResolvedTable> {
  // Unquoted names fold to lower case in Postgres: accept the exact name, else the folded one.
  const found = await client.query<{ table_schema: string; table_name: string; in_path: boolean }>(
    `SELECT table_schema, table_name, table_schema = current_schema() AS in_path
     FROM information_schema.tables
     WHERE table_name IN ($1, $2) AND ($3::text IS NULL OR table_schema IN ($3, $4))`,
    [wanted.name, wanted.name.toLowerCase(), wanted.schema ?? null, wanted.schema?.toLowerCase() ?? null],
  );
  const score = (r: { table_schema: string; table_name: string; in_path: boolean }) =>
    (r.table_name === wanted.name ? 0 : 1) + (wanted.schema === undefined ? (r.in_path ? 0 : 2) : r.table_schema === wanted.schema ? 0 : 2);
  const candidates = [...found.rows].sort((a, b) => score(a) - score(b));
  const best = candidates[0];
  if (!best) {
    const seen = await client.query<{ table_schema: string; table_name: string }>(
      `SELECT table_schema, table_name FROM information_schema.tables
       WHERE table_schema NOT IN ('pg_catalog', 'information_schema')
       ORDER BY table_schema, table_name LIMIT 51`,
    );
    const names = seen.rows.slice(0, 50).map((r) => `${r.table_schema}.${r.table_name}`);
    const listed = names.length ? `tables it can see: ${names.join(", ")}${seen.rows.length > 50 ? ", …" : ""}` : "it can see no tables: check the database name and the user's privileges";
    throw new InputError(where, `no table or view '${wanted.schema ? `${wanted.schema}.` : ""}${wanted.name}' (${listed})`);
  }
  if (wanted.schema === undefined && !best.in_path && candidates.filter((c) => score(c) === score(best)).length > 1) {
    throw new UsageError(`${where}: '${wanted.name}' is in several schemas (${candidates.map((c) => `${c.table_schema}.${c.table_name}`).join(", ")}); give --table schema.table`);
  }
  const described = await client.query<{ column_name: string; udt_name: string; data_type: string; numeric_precision: number | null; numeric_scale: number | null }>(
    `SELECT column_name, udt_name, data_type, numeric_precision, numeric_scale
     FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position`,
    [best.table_schema, best.table_name],
  );
  return {
    schema: best.table_schema,
    name: best.table_name,
    columns: described.rows.map((r) => ({
      name: r.column_name,
      pgType: r.data_type,
      kind: kindOf(r.udt_name, r.numeric_precision === null ? null : Number(r.numeric_precision), r.numeric_scale === null ? null : Number(r.numeric_scale)),
    })),
  };
}

// ------------------------------------------------------------------ the query

/** How a start-time bound (epoch ns) is written as a bound parameter against the start column. */
type BoundPlan = { kind: "time" } | { kind: "integer"; factor: bigint } | { kind: "decimal"; factor: bigint } | { kind: "none" };

/** Where the mapped time columns hold numbers, a sample of them (the first 1,000, not the whole table) settles their units. */
async function resolvePullUnits(client: pg.Client, columns: PgColumn[], duckColumns: ColumnInfo[], planned: Mapping, qualified: string): Promise<ResolvedMapping> {
  const probe: UnitProbe = {};
  for (const target of ["start", "end"] as const) {
    const column = columns.find((c) => c.name === planned.columns[target]);
    if (!column || !["bigint", "hugeint", "double", "varchar"].includes(column.kind)) continue;
    const q = pg.escapeIdentifier(column.name);
    const sample = await client.query<unknown[]>({ text: `SELECT ${q} FROM ${qualified} WHERE ${q} IS NOT NULL LIMIT 1000`, rowMode: "array", types: RAW_TEXT });
    const magnitudes = sample.rows.map((r) => Math.abs(Number(r[0]))).filter(Number.isFinite).sort((a, b) => a - b);
    probe[target] = magnitudes.length ? magnitudes[Math.floor(magnitudes.length / 2)]! : null;
  }
  return resolveUnits(duckColumns, planned, probe);
}

function boundPlan(start: PgColumn, mapping: Mapping): BoundPlan {
  if (start.kind === "timestamptz" || start.kind === "timestamp") return { kind: "time" };
  if (start.kind !== "bigint" && start.kind !== "hugeint" && start.kind !== "double") return { kind: "none" };
  const unit = mapping.units.start;
  const factor = NS_PER_UNIT[unit === undefined || unit === "auto" ? "ns" : unit];
  return start.kind === "double" ? { kind: "decimal", factor } : { kind: "integer", factor };
}

function selectSql(
  columns: PgColumn[], qualified: string, start: PgColumn, bound: BoundPlan, lower: bigint | undefined, upper: bigint | undefined,
  landed?: { column: PgColumn; from: bigint },
) {
  const list = columns
    .map((c) => (c.kind === "interval" ? `EXTRACT(EPOCH FROM ${pg.escapeIdentifier(c.name)}) AS ${pg.escapeIdentifier(c.name)}` : pg.escapeIdentifier(c.name)))
    .join(", ");
  const values: string[] = [];
  const where: string[] = [];
  const q = pg.escapeIdentifier(start.name);
  if (bound.kind !== "none") {
    if (lower !== undefined) {
      values.push(boundValue(bound, lower));
      where.push(`${q} >= $${values.length}`);
    }
    if (upper !== undefined) {
      values.push(boundValue(bound, upper));
      where.push(`${q} < $${values.length}`);
    }
  }
  if (landed) {
    // A row that records no ingestion time cannot be placed before or after the mark: it is read
    // on every pull (and skipped once stored) rather than lost.
    const l = pg.escapeIdentifier(landed.column.name);
    values.push(boundValue({ kind: "time" }, landed.from));
    where.push(`(${l} >= $${values.length} OR ${l} IS NULL)`);
  }
  return { text: `SELECT ${list} FROM ${qualified}${where.length ? ` WHERE ${where.join(" AND ")}` : ""}`, values };
}

/**
 * An epoch-ns bound in the start column's own terms. Integer columns (and timestamps, integer µs)
 * round up: `col >= ceil(x)` and `col < ceil(x)` are exact for whole numbers. Rows at the
 * high-water mark itself are asked for again, so rows that arrive later with the same start are
 * not lost; they are skipped as duplicates when already stored.
 */
function boundValue(bound: BoundPlan, ns: bigint): string {
  if (bound.kind === "time") return pgTimeText(ceilDiv(ns, 1000n));
  if (bound.kind === "integer") return ceilDiv(ns, bound.factor).toString();
  if (bound.kind === "decimal") return decimalDiv(ns, bound.factor);
  throw new Error("no bound on a column the server cannot compare");
}

function ceilDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a > 0n ? q + 1n : q;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

function decimalDiv(ns: bigint, factor: bigint): string {
  const negative = ns < 0n;
  const abs = negative ? -ns : ns;
  const digits = factor.toString().length - 1;
  const fraction = digits ? (abs % factor).toString().padStart(digits, "0").replace(/0+$/, "") : "";
  return `${negative ? "-" : ""}${abs / factor}${fraction ? `.${fraction}` : ""}`;
}

/** Epoch µs as Postgres timestamp text in UTC. */
function pgTimeText(micros: bigint): string {
  const seconds = floorDiv(micros, 1_000_000n);
  const date = new Date(Number(seconds) * 1000).toISOString().slice(0, 19).replace("T", " ");
  return `${date}.${(micros - seconds * 1_000_000n).toString().padStart(6, "0")}+00`;
}

export function isoFromNs(ns: bigint): string {
  const micros = floorDiv(ns, 1000n);
  const seconds = floorDiv(micros, 1_000_000n);
  return `${new Date(Number(seconds) * 1000).toISOString().slice(0, 19)}.${(micros - seconds * 1_000_000n).toString().padStart(6, "0")}Z`;
}

// ------------------------------------------------------------------ rows: Postgres text → DuckDB

/** Every value arrives as the server's text (no JS Date: it would drop microseconds). */
const RAW_TEXT = { getTypeParser: () => (value: string) => value } as unknown as pg.CustomTypesConfig;

const PG_TIME = /^(\d{4,})-(\d\d)-(\d\d)(?:[ T](\d\d):(\d\d):(\d\d)(?:\.(\d{1,6})\d*)?)?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?$/;

/** Postgres timestamp/timestamptz/date text (ISO DateStyle) as epoch µs, or null (infinity, BC). */
export function pgTimeMicros(text: string): bigint | null {
  const m = PG_TIME.exec(text);
  if (!m) return null;
  const day = new Date(0);
  day.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  const offset = m[8] ? (m[8] === "-" ? -1 : 1) * (Number(m[9]) * 3600 + Number(m[10] ?? 0) * 60 + Number(m[11] ?? 0)) : 0;
  const seconds = BigInt(day.getTime() / 1000) + BigInt(Number(m[4] ?? 0) * 3600 + Number(m[5] ?? 0) * 60 + Number(m[6] ?? 0) - offset);
  return seconds * 1_000_000n + BigInt((m[7] ?? "").padEnd(6, "0"));
}

/** Decimal seconds (EXTRACT(EPOCH FROM interval)) as µs. */
function secondsToMicros(text: string): bigint | null {
  const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) {
    const n = Number(text);
    return Number.isFinite(n) ? BigInt(Math.round(n * 1e6)) : null;
  }
  const micros = BigInt(m[2]!) * 1_000_000n + BigInt((m[3] ?? "").slice(0, 6).padEnd(6, "0"));
  return m[1] ? -micros : micros;
}

function appendText(appender: DuckDBAppender, kind: Kind, text: string | null): void {
  if (text === null) return appender.appendNull();
  switch (kind) {
    case "varchar": return appender.appendVarchar(text);
    case "bigint": return appender.appendBigInt(BigInt(text));
    case "hugeint": return appender.appendHugeInt(BigInt(text));
    case "double": return appender.appendDouble(Number(text));
    case "boolean": return appender.appendBoolean(text === "t" || text === "true");
    case "timestamptz":
    case "timestamp": {
      const micros = pgTimeMicros(text);
      if (micros === null) return appender.appendNull();
      // Both as a plain timestamp: the µs are already UTC, the appender stores them unchanged in a
      // TIMESTAMPTZ column (no time-zone conversion), and this path is ~4x faster than appendTimestampTZ.
      return appender.appendTimestamp(duckdbApi().timestampValue(micros));
    }
    case "interval": {
      const micros = secondsToMicros(text);
      return micros === null ? appender.appendNull() : appender.appendInterval(duckdbApi().intervalValue(0, 0, micros));
    }
  }
}

// ------------------------------------------------------------------ errors

/** Run something against the server; turn what can go wrong there into one clear, password-free line. */
export async function guardPg<T>(where: string, target: PullTarget, timeout: number | undefined, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw describePgError(error, where, target, timeout);
  }
}

function describePgError(error: unknown, where: string, target: PullTarget, timeout: number | undefined): unknown {
  if (error instanceof InputError || error instanceof UsageError) return error;
  const e = error as { code?: unknown; message?: unknown; errors?: { code?: unknown }[] };
  const code = typeof e.code === "string" ? e.code : typeof e.errors?.[0]?.code === "string" ? (e.errors[0]!.code as string) : undefined;
  const message = scrub(typeof e.message === "string" ? e.message.split("\n")[0]! : String(error), target);
  const at = `${target.host}:${target.port}`;
  const seconds = timeout ?? target.connectTimeoutSeconds ?? DEFAULT_CONNECT_TIMEOUT_S;
  const fail = (text: string) => new InputError(where, text);
  if (error instanceof pg.DatabaseError) {
    switch (code) {
      case "28P01":
      case "28000":
        return fail(`authentication failed for user '${target.user}' (the password comes from the URL, PGPASSWORD or ~/.pgpass): ${message}`);
      case "3D000":
        return fail(`no database '${target.database}' on ${at}`);
      case "57014":
        return fail(`timed out: the server cancelled a statement after ${seconds}s (--timeout): ${message}`);
      case "42501":
        return fail(`permission denied: ${message}`);
      default:
        return fail(`the server said: ${message}${code ? ` (SQLSTATE ${code})` : ""}`);
    }
  }
  if (code === "ECONNREFUSED") return fail(`connection refused by ${at} (is the server running and accepting TCP connections there?)`);
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return fail(`unknown host '${target.host}'`);
  if (code === "ETIMEDOUT" || /timeout/i.test(message)) return fail(`timed out connecting to ${at} after ${seconds}s (--timeout, or connect_timeout in the URL)`);
  if (/password must be a string|no password/i.test(message)) return fail(`the server asks for a password and none was given (put it in PGPASSWORD, ~/.pgpass or the URL)`);
  if (/ssl|tls|certificate/i.test(message)) return fail(`TLS failed with ${at}: ${message} (see sslmode in the URL)`);
  if (/Connection terminated|ECONNRESET|socket/i.test(message) || code === "ECONNRESET" || code === "EPIPE") return fail(`lost the connection to ${at}: ${message}`);
  // A file the URL names (sslrootcert, sslcert, sslkey) that cannot be read: the path is the user's own.
  const path = (error as { path?: unknown }).path;
  if (typeof path === "string" && code !== undefined) return fail(`cannot read ${path}, which the URL names (sslrootcert, sslcert or sslkey): ${code === "ENOENT" ? "no such file" : code}`);
  if (code !== undefined && /^E[A-Z]+$/.test(code)) return fail(`cannot reach ${at}: ${message}`);
  // Not recognised (a bug, reported as one): still without the password.
  const unknown = new Error(message);
  unknown.stack = scrub(error instanceof Error ? error.stack ?? message : message, target);
  return unknown;
}

function scrub(text: string, target: PullTarget): string {
  let out = text;
  // Longest first, so a password that contains another is replaced whole.
  for (const secret of [...target.secrets].sort((a, b) => b.length - a.length)) out = out.split(secret).join("***");
  return out;
}
