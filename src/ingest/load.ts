// Loading span files into the canonical `spans` table. Everything one call reads goes in as one
// transaction: rows are staged, de-duplicated on (trace_id, span_id) — the first copy wins, a
// span already stored is kept — and moved into `spans`; any error rolls the whole load back.
import { createHash } from "node:crypto";
import { createWriteStream, statSync } from "node:fs";
import { pipeline } from "node:stream/promises";
import type { Readable } from "node:stream";
import { firstLine, fitModelMemory, type Db, type Params } from "../db/db.js";
import { clip, InputError, UsageError } from "../errors.js";
import { recordContext, WrongShape } from "./adapter.js";
import { expandInputs, laterLineStartsJson, openBytes, openInput, type InputFile, type OpenInput } from "./files.js";
import { LARGE_DOCUMENT_BYTES, readDocument } from "./json-reader.js";
import { mappingSelect, planMapping, resolveUnits, unitProbeSelect, type ColumnInfo, type Mapping } from "./mapping.js";
import { jsonLinesFromHead, notText, sniff } from "./sniff.js";
import { newStats, recordSkip, warn, type IngestStats } from "./span.js";
import { formatRecordLimit, stripBomText } from "./text.js";
import { spoolJsonLines, type ChunkFormat } from "./parallel.js";
import { FORMAT_WORDS, INPUT_FORMAT_LIST, inputFormat, isReadAs, JSON_SHAPES, readOf } from "./formats/index.js";
import type { ProtobufFraming } from "./formats/format.js";
import type { InputFormatName } from "./formats/names.js";
import { DUCKDB_QUOTE_CHARS } from "./formats/flat.js";
import { otelTracesTextRelation } from "./formats/clickhouse-otel.js";
import { SpoolDir, SpoolWriter } from "./spool.js";
import { onInterrupt, testHold } from "../db/interrupt.js";
import { countCyclicSpans } from "./cycles.js";
import { beginRedaction, flushRedaction, endRedaction, type RedactPlan } from "./redact.js";
import type { Config } from "../model/config.js";
import { storedModelState, storeModel } from "../model/stored.js";

export interface LoadOptions {
  inputs: readonly string[];
  /** Skip sniffing and read every input as this format. */
  inputFormat?: InputFormatName;
  /** Records that parse but are not spans are an error instead of being skipped. */
  strict?: boolean;
  /** Flat-table column overrides (`canonical → column`). */
  map?: Record<string, string>;
  /**
   * The largest single record read (a JSON Lines line, an element of a large document), in
   * bytes, with runs of white space counted as one; a larger one is bad input (--max-record-size).
   */
  maxRecordBytes?: number;
  /**
   * Count the spans in parent cycles among the traces the load touched (default). Analyses, which
   * do not report it, turn it off and save the search (inspect counts over all spans itself).
   */
  countCyclic?: boolean;
  /** Replace detected personal data before it is written (load --redact, pull --redact; ingest/redact.ts). */
  redact?: RedactPlan;
  /**
   * A database file's cost model: computed over all its spans and stored in the load's
   * transaction (model/stored.ts), so analyses read it instead of computing it. Unset for the
   * in-memory loads of an analysis, which compute their own.
   */
  storedModel?: Config;
  onProgress?: (progress: LoadProgress) => void;
}

export interface LoadProgress {
  file: string;
  bytesDone: number;
  bytesTotal: number;
  spans: number;
  /** Rows a pull will read, when the source counted them first (the percentage then follows rows). */
  rowsTotal?: number;
}

export interface FileLoad {
  source: string;
  /** otlp, jaeger, zipkin, parquet, csv, ndjson, or the warehouse a pull read from. */
  format: string;
  bytes: number;
  sha256: string;
  spansRead: number;
  spansAdded: number;
  duplicates: number;
  conflicts: number;
  skipped: number;
}

export interface LoadResult {
  files: FileLoad[];
  spansRead: number;
  spansAdded: number;
  duplicates: number;
  /** Duplicates whose content differed from the copy kept. */
  conflicts: number;
  skipped: number;
  /** Spans, in the traces this load touched, that lie on a parent cycle or are their own parent (kept, see cycles.ts); undefined when not counted. */
  cyclic?: number;
  skippedExamples: string[];
  warnings: { message: string; count: number }[];
  /** Files found in directories that hold no span format, skipped. */
  ignoredFiles: string[];
}

export { parseInputFormat } from "./formats/names.js";


export async function ensureSchema(db: Db, options: { spansTable?: boolean } = {}): Promise<void> {
  if (options.spansTable !== false) await db.run("spans.create_spans");
  await db.run("spans.create_loads");
}

export async function loadInputs(db: Db, options: LoadOptions): Promise<LoadResult> {
  if (options.inputs.length === 0) throw new UsageError("no inputs: give span files, directories, globs or - for stdin");
  const files = await expandInputs(options.inputs);
  return withLoadSession(db, options, async (session) => {
    const directoriesWithSpans = new Set<string | undefined>();
    for (const file of files) {
      const load = await loadFile(db, file, options, session);
      if (load) {
        await session.record(load);
        directoriesWithSpans.add(file.directory);
      } else session.ignore(file.name);
    }
    // A directory named on the command line in which nothing is spans: the wrong directory.
    const barren = files.find((f) => f.directory !== undefined && !directoriesWithSpans.has(f.directory));
    if (barren) throw new InputError(barren.directory!, `holds no span files (e.g. ${barren.name} is no span format we know)`);
  });
}

/** What a source of spans (files, a warehouse pull) does inside one load transaction. */
export interface LoadSession {
  stats: IngestStats;
  /** Where JSON adapters write canonical NDJSON for DuckDB to read. */
  spool: SpoolDir;
  /**
   * Record an input once its rows are staged (`load.spansRead` of them): its duplicates are
   * counted by the rows it staged, whatever their source column says.
   */
  record(load: FileLoad): Promise<void>;
  /** A file found in a directory that holds no span format. */
  ignore(name: string): void;
  /**
   * Stage the rows of a flat relation (a DuckDB table function or table) through the column
   * mapping (`plan`: one already resolved, else planned here from the relation and its data).
   */
  stageFlat(relation: string, params: Params, source: string, format: string, plan?: ResolvedMapping): Promise<StagedFlat>;
}

/** A mapping whose units are settled (resolveUnits), with the warnings settling them gave. */
export interface ResolvedMapping {
  mapping: Mapping;
  warnings: string[];
}

export interface StagedFlat extends ResolvedMapping {
  /** Rows inserted into spans. */
  rows: number;
  columns: ColumnInfo[];
}

/**
 * One load as one transaction: `stage` inserts rows into `spans` through the session; then rows
 * are de-duplicated (later copies of a (trace_id, span_id) removed) and every source is recorded in `loads`. Any error rolls
 * everything back, leaving the database as it was.
 */
export async function withLoadSession(
  db: Db, options: Pick<LoadOptions, "strict" | "map" | "countCyclic" | "redact" | "storedModel">, stage: (session: LoadSession) => Promise<void>,
): Promise<LoadResult> {
  await ensureSchema(db);
  return db.transaction(async () => {
    const base = Number(await db.scalar("SELECT COALESCE(max(rowid) + 1, 0) FROM spans"));
    const stats = newStats();
    const loads: FileLoad[] = [];
    // Per recorded input that staged rows: the last rowid it staged (inputs stage one after another).
    const lastRowids: { load: FileLoad; lastRowid: string }[] = [];
    const ignoredFiles: string[] = [];
    const spool = new SpoolDir();
    const release = onInterrupt(() => spool.remove());
    // A redacting load stages into a temporary table and moves each input's rows into spans redacted.
    if (options.redact) await beginRedaction(db, options.redact);
    try {
      await stage({
        stats,
        spool,
        record: async (load) => {
          if (options.redact) await flushRedaction(db, options.redact, load.source);
          loads.push(load);
          if (load.spansRead === 0) return;
          const [row] = await db.query("spans.last_rowid", { base });
          lastRowids.push({ load, lastRowid: String(row!.last_rowid) });
        },
        ignore: (name) => ignoredFiles.push(name),
        stageFlat: (relation, params, source, format, plan) => stageFlatRelation(db, relation, params, source, format, options, stats, plan),
      });
    } finally {
      spool.remove();
      release();
    }
    if (options.redact) await endRedaction(db);
    // Rows went straight into spans; now the later copies of any (trace_id, span_id) go.
    await db.run("spans.find_duplicates", { base });
    for (const row of await db.query("spans.load_counts", { lasts: lastRowids.map((l) => l.lastRowid) })) {
      const load = lastRowids[Number(row.input)]!.load;
      load.duplicates = Number(row.duplicates);
      load.conflicts = Number(row.conflicts);
    }
    await db.run("spans.delete_duplicates");
    await db.run("spans.drop_duplicates");
    for (const load of loads) {
      load.spansAdded = load.spansRead - load.duplicates;
      await db.run("spans.record_load", {
        source: load.source, format: load.format, bytes: load.bytes, sha256: load.sha256,
        spans_read: load.spansRead, spans_added: load.spansAdded, duplicates: load.duplicates,
        conflicts: load.conflicts, skipped: load.skipped,
      });
    }
    const sum = (key: "spansRead" | "spansAdded" | "duplicates" | "conflicts" | "skipped") => loads.reduce((n, l) => n + l[key], 0);
    // A load into an empty table touched every trace: no scope table needed.
    const cyclic = options.countCyclic === false ? undefined : await countCyclicSpans(db, base === 0 ? "all" : { base });
    if (cyclic) warn(stats, "spans in a parent cycle (or their own parent) were kept: they are neither roots nor orphans", cyclic);
    // A load that added no span (every one was stored already) leaves the spans as they were, so a
    // model stored for them under the same config is still theirs: it is kept, not computed again.
    if (options.storedModel && (sum("spansAdded") > 0 || (await storedModelState(db, options.storedModel)) !== "current")) {
      await fitModelMemory(db, base + sum("spansAdded"));
      await storeModel(db, options.storedModel);
    }
    return {
      files: loads,
      spansRead: sum("spansRead"),
      spansAdded: sum("spansAdded"),
      duplicates: sum("duplicates"),
      conflicts: sum("conflicts"),
      skipped: sum("skipped"),
      cyclic,
      skippedExamples: stats.skippedExamples,
      // In message order: parser workers meet them in an order that depends on timing.
      warnings: [...stats.warnings].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([message, count]) => ({ message, count })),
      ignoredFiles,
    };
  });
}

/** How much of a file's (decompressed) content is sniffed. */
const HEAD_BYTES = 1 << 20;

/** The largest record read by default: a JSON Lines line, an element of a large document. */
export const DEFAULT_MAX_RECORD_BYTES = 256 * 1024 * 1024;

async function loadFile(db: Db, file: InputFile, options: LoadOptions, session: LoadSession): Promise<FileLoad | undefined> {
  const stats = session.stats;
  let size: number | undefined;
  if (!file.isStream) {
    try {
      size = statSync(file.path).size;
    } catch (error) {
      throw new InputError(file.name, `cannot read (${(error as Error).message})`);
    }
  }
  // Every raw byte read passes here once: the input's hash, its size when it is a stream, progress.
  const hash = createHash("sha256");
  let rawBytes = 0;
  let spans = 0;
  let lastReport = Date.now();
  const progress = (force = false) => {
    const now = Date.now();
    if (!force && now - lastReport <= 250) return;
    lastReport = now;
    options.onProgress?.({ file: file.name, bytesDone: rawBytes, bytesTotal: size ?? 0, spans });
  };
  let input: OpenInput;
  try {
    input = await openInput(file, HEAD_BYTES, (chunk) => {
      hash.update(chunk);
      rawBytes += chunk.length;
      progress();
    });
  } catch (error) {
    throw new InputError(file.name, `cannot read (${firstLine((error as Error).message)})`);
  }
  try {
    const { head, gzip, isWhole } = input;
    const sniffed = options.inputFormat ? { format: options.inputFormat, jsonLines: undefined, framing: undefined } : sniff(head, isWhole);
    const format = sniffed && inputFormat(sniffed.format);
    const found = format?.sniff.kind === "bytes" ? undefined : notText(head);
    // UTF-16 is no format's encoding, whatever --input-format says; binary data is named when nothing matched.
    if (!format || found?.startsWith("UTF-16")) {
      if (file.fromDirectory) return undefined;
      if (head.length === 0) throw new InputError(file.name, `empty file (expected spans in ${FORMAT_WORDS})`);
      // Binary data that starts like a binary format is named as that.
      const hint = found === "binary data" ? INPUT_FORMAT_LIST.map((f) => (f.sniff.kind === "bytes" ? f.sniff.hint?.(head) : undefined)).find(Boolean) : undefined;
      if (hint) throw new InputError(file.name, hint);
      if (found) throw new InputError(file.name, found);
      const text = stripBomText(head.toString("utf8"));
      if (isWhole && text.trim() === "") throw new InputError(file.name, `empty file: only white space (expected spans in ${FORMAT_WORDS})`);
      if (/^\s*[{[]/.test(text)) throw new InputError(file.name, `JSON of the wrong shape: expected ${JSON_SHAPES} spans (override with --input-format)`);
      throw new InputError(file.name, `unknown format: expected ${FORMAT_WORDS} spans (override with --input-format)`);
    }
    const load: FileLoad = {
      source: file.name, format: sniffed.format, bytes: size ?? 0, sha256: "", spansRead: 0, spansAdded: 0, duplicates: 0, conflicts: 0, skipped: 0,
    };
    const skippedBefore = stats.skipped;
    const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    const sizeHint = isWhole ? head.length : size === undefined ? Infinity : gzip ? size * 8 : size;
    const onSpans = (n: number) => {
      spans = n;
      progress();
    };
    const name = format.name;
    if (isReadAs(name, "flat")) {
      const read = readOf(name, "flat");
      const stage = async (relation: string, params: Params) => (await session.stageFlat(relation, params, file.name, name)).rows;
      const flat = { name: file.name, head, strict: options.strict, stats, spool: session.spool, stage };
      let staged;
      if (file.isStream) {
        // DuckDB reads a file by its path: a stream's content is copied, unpacked, into the spool
        // as it is read (its one pass), and read from there.
        const copy = session.spool.file(name);
        await readFully(file.name, gzip, () => pipeline(input.content(), createWriteStream(copy)));
        staged = await read.stage({ ...flat, path: copy, isCopy: true, gzip: false });
        load.sha256 = hash.digest("hex");
      } else {
        input.close();
        staged = await read.stage({ ...flat, path: file.path, isCopy: false, gzip });
        load.sha256 = await hashFile(file.path);
      }
      load.spansRead = staged.rows;
      load.format = staged.format ?? load.format;
    } else if (!isReadAs(name, "json")) {
      // A binary format goes through the same chunked workers as JSON Lines (formats/otlp-proto.ts).
      const framing = sniffed.framing ?? (format.sniff.kind === "bytes" ? format.sniff.test(head, isWhole)?.framing : undefined) ?? "plain";
      load.spansRead = await loadJson(db, file.name, name, input.content(), gzip, true, sizeHint, maxRecordBytes, options, session, onSpans, framing);
      load.sha256 = hash.digest("hex");
    } else {
      let jsonLines = sniffed.jsonLines ?? jsonLinesFromHead(head.toString("utf8"), isWhole);
      if (jsonLines === undefined) {
        // The first line runs past the head: what follows it tells JSON Lines from one document.
        // A file is read again to see; a stream, which cannot be, is read on and held, up to the
        // record limit (the first line is a record either way).
        if (!file.isStream) jsonLines = await laterLineStartsJson(file.path, gzip);
        else if (await input.extendHeadPastFirstLine(maxRecordBytes)) jsonLines = jsonLinesFromHead(input.head.toString("utf8"), input.isWhole) ?? false;
        else {
          throw new InputError(`${file.name}:1`, `line is longer than ${formatRecordLimit(maxRecordBytes)} (--max-record-size), and a pipe cannot be read twice to tell JSON Lines from one JSON document: save it to a file and load that`);
        }
      }
      load.spansRead = await loadJson(db, file.name, name, input.content(), gzip, jsonLines, sizeHint, maxRecordBytes, options, session, onSpans);
      load.sha256 = hash.digest("hex");
    }
    if (file.isStream) load.bytes = rawBytes;
    progress(true);
    load.skipped = stats.skipped - skippedBefore;
    // A file that gave nothing and skipped nothing was read as the wrong thing (or holds nothing): never a silent success.
    if (load.spansRead === 0 && load.skipped === 0) throw new InputError(file.name, `no spans found (read as ${load.format})`);
    return load;
  } finally {
    input.close();
  }
}

async function hashFile(path: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of openBytes(path, false)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Run a read of an input's content, turning a broken gzip stream into bad input. */
async function readFully<T>(name: string, gzip: boolean, read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof InputError || error instanceof WrongShape || error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (gzip && (code === "Z_BUF_ERROR" || code === "Z_DATA_ERROR" || /unexpected end of file|incorrect header/i.test(String((error as Error).message)))) {
      throw new InputError(name, "truncated or corrupt gzip data");
    }
    throw error;
  }
}

// ------------------------------------------------------------------ JSON span formats

async function loadJson(
  db: Db, name: string, format: ChunkFormat, content: Readable, gzip: boolean, isJsonLines: boolean, sizeHint: number, maxRecordBytes: number,
  options: LoadOptions, session: LoadSession, onSpans: (spans: number) => void, framing?: ProtobufFraming,
): Promise<number> {
  const { stats, spool } = session;
  let files: string[] = [];
  await readFully(name, gzip, async () => {
    if (isJsonLines) {
      const result = await spoolJsonLines(content, {
        format, framing, source: name, strict: options.strict, spool, stats, sizeHint, maxRecordBytes, onRows: onSpans,
      });
      files = result.files;
      return;
    }
    if (!isReadAs(format, "json")) throw new Error(`${format} is read in chunks`);
    const read = readOf(format, "json");
    const writer = new SpoolWriter(spool.file());
    files = [writer.path];
    try {
      // A document larger than the record limit is read element by element too, each within it.
      const document = await readDocument(content, name, { wholeBytes: Math.min(LARGE_DOCUMENT_BYTES, maxRecordBytes), maxRecordBytes });
      if ("elements" in document) {
        for await (const element of document.elements) {
          const ctx = recordContext(`${name}:record ${element.index + 1}`, stats, options.strict, (span) => writer.write(span));
          read.element(element.path.at(-1), element.value, ctx);
          onSpans(writer.rows);
        }
      } else {
        // Elements of the span array are numbered records, as in a large document.
        const ctx = recordContext(name, stats, options.strict, (span) => writer.write(span), (i) => `${name}:record ${i + 1}`);
        try {
          read.adapter(document.whole, ctx);
        } catch (error) {
          if (error instanceof WrongShape) throw new InputError(name, `JSON document of the wrong shape: ${error.message}`);
          throw error;
        }
        onSpans(writer.rows);
      }
    } finally {
      writer.close();
    }
  });
  await testHold("spooled");
  try {
    await db.run("spans.spool_macro");
    const [row] = await db.query(options.redact ? "pii.stage_spool" : "spans.stage_spool", { files, source: name });
    return Number(row?.Count ?? 0);
  } catch (error) {
    // The spool is ours: its temporary file names mean nothing to the user.
    throw new InputError(name, `could not stage the parsed spans: ${firstLine((error as Error).message).replace(/ in file "[^"]*"/, "")}`);
  }
}

// ------------------------------------------------------------------ flat tables (DuckDB reads them)

// JSON object text → MAP without the keys whose value is null: read_json unifies an NDJSON file's
// attribute objects into one STRUCT (every row gets every key), and empty cells are NULL.
const TEXT_MAP = (column: string) =>
  `map_from_entries(list_filter(map_entries(CAST(CAST(${column} AS JSON) AS MAP(VARCHAR, VARCHAR))), e -> e.value IS NOT NULL))`;

// A row must have ids, a start, a duration or end that is a usable number when it has one
// (times_ok), and an end (start + duration) that fits the 64-bit column.
export const VALID_ROW =
  "regexp_full_match(trace_id, '[0-9a-f]{32}|[0-9a-f]{16}') AND regexp_full_match(span_id, '[0-9a-f]{16}') AND start_ns IS NOT NULL AND times_ok " +
  "AND TRY_CAST(CAST(start_ns AS HUGEINT) + greatest(COALESCE(duration_ns, 0), 0) AS BIGINT) IS NOT NULL";

/**
 * Stage the rows of a flat relation (`read_parquet($path)`, a temp table…) through the column
 * mapping. Rows without a usable trace id, span id or start time are skipped and counted.
 */
async function stageFlatRelation(
  db: Db, relation: string, params: Params, source: string, format: string, options: Pick<LoadOptions, "strict" | "map" | "redact">, stats: IngestStats,
  plan?: ResolvedMapping,
): Promise<StagedFlat> {
  try {
    const describe = async () => (await db.all(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM ${relation})`, params))
      .map((r): ColumnInfo => ({ name: String(r.column_name), type: String(r.column_type) }));
    let columns = await describe();
    // otel_traces written by ClickHouse with its strings as bytes: read them as text.
    const asText = otelTracesTextRelation(relation, columns);
    if (asText) {
      relation = asText;
      columns = await describe();
    }
    const planned = plan?.mapping ?? planMapping(columns, options.map, source);
    // One pass for the row count and the magnitudes the time units are decided from.
    const probe = plan ? undefined : unitProbeSelect(columns, planned);
    const [counted] = await db.all(`SELECT count(*) AS total${probe ? `, ${probe}` : ""} FROM ${relation}`, params);
    const total = Number(counted!.total);
    const resolved = plan ?? resolveUnits(columns, planned, { start: numberOrNull(counted!.start), end: numberOrNull(counted!.end) });
    for (const message of resolved.warnings) warn(stats, `${source}: ${message}`);
    const select = `SELECT ${mappingSelect(columns, resolved.mapping)} FROM ${relation}`;
    const [inserted] = await db.all(
      `INSERT INTO ${options.redact ? "_pii_stage" : "spans"} SELECT trace_id, span_id,
         CASE WHEN regexp_full_match(parent_span_id, '[0-9a-f]{16}') AND parent_span_id <> '0000000000000000' THEN parent_span_id END,
         name, COALESCE(NULLIF(service, ''), json_extract_string(resource_attributes, '$."service.name"'), ''),
         kind, status, start_ns, greatest(COALESCE(duration_ns, 0), 0),
         ${TEXT_MAP("attributes")}, ${TEXT_MAP("resource_attributes")},
         trace_state, source
       FROM (${select}) WHERE ${VALID_ROW}`,
      { ...params, source },
    );
    const rows = Number(inserted?.Count ?? 0);
    const bad = total - rows;
    if (bad > 0) {
      const reason = `${bad} row${bad === 1 ? "" : "s"} without a valid trace id, span id or start time, with a duration or end that is not a number in range, or ending past the 64-bit ns range`;
      if (options.strict) throw new InputError(source, `${reason} (--strict)`);
      recordSkip(stats, source, reason, bad);
    }
    return { rows, columns, ...resolved };
  } catch (error) {
    if (error instanceof InputError || error instanceof UsageError) throw error;
    // A temporary copy (an unpacked .parquet.gz) is called by the user's name for it.
    const message = error instanceof Error ? error.message : String(error);
    // Memory is not the file's fault: say so rather than call the file unreadable.
    if (/^Out of Memory Error/.test(message)) {
      throw new InputError(source, `DuckDB ran out of memory reading it (ADTRACE_MEMORY_LIMIT raises its limit): ${clip(firstLine(message), DUCKDB_QUOTE_CHARS)}`, { cause: error });
    }
    throw flatReadError(source, format, typeof params.path === "string" ? message.split(params.path).join(source) : message);
  }
}

function numberOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : Number(value);
}

/** DuckDB's multi-line reader errors as one line that says where and what (in the words of the input's format, when it has them). */
function flatReadError(source: string, format: string, message: string): InputError {
  const read = INPUT_FORMAT_LIST.find((f) => f.name === format)?.read;
  const said = read?.kind === "flat" ? read.error?.(source, message) : undefined;
  return said ?? new InputError(source, `cannot read as ${format}: ${clip(firstLine(message), DUCKDB_QUOTE_CHARS)}`);
}
