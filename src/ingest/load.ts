// Loading span files into the canonical `spans` table. Everything one call reads goes in as one
// transaction: rows are staged, de-duplicated on (trace_id, span_id) — the first copy wins, a
// span already stored is kept — and moved into `spans`; any error rolls the whole load back.
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import type { DuckDBAppender } from "@duckdb/node-api";
import { firstLine, type Db, type Params } from "../core/db.js";
import { InputError, UsageError } from "../errors.js";
import { WrongShape, isObject, type RecordContext } from "./adapter.js";
import { expandInputs, laterLineStartsJson, openBytes, readContentHead, type InputFile } from "./files.js";
import { documentElements, LARGE_DOCUMENT_BYTES, readWholeDocument } from "./json-reader.js";
import { readJaegerTrace } from "./jaeger.js";
import { mappingSelect, planMapping, type ColumnInfo } from "./mapping.js";
import { readResourceSpans } from "./otlp.js";
import { INPUT_FORMATS, jsonLinesFromHead, sniff, type InputFormat } from "./sniff.js";
import { newStats, type IngestStats } from "./span.js";
import { JSON_ADAPTERS, recordContext, type JsonFormat } from "./json-lines.js";
import { spoolJsonLines } from "./parallel.js";
import { SpoolDir, SpoolWriter } from "./spool.js";
import { onInterrupt } from "../core/interrupt.js";
import { createGunzip } from "node:zlib";
import { readZipkinRecord } from "./zipkin.js";

export interface LoadOptions {
  inputs: readonly string[];
  /** Skip sniffing and read every input as this format. */
  inputFormat?: InputFormat;
  /** Records that parse but are not spans are an error instead of being skipped. */
  strict?: boolean;
  /** Flat-table column overrides (`canonical → column`). */
  map?: Record<string, string>;
  onProgress?: (progress: LoadProgress) => void;
}

export interface LoadProgress {
  file: string;
  bytesDone: number;
  bytesTotal: number;
  spans: number;
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
  skippedExamples: string[];
  warnings: { message: string; count: number }[];
  /** Files found in directories that hold no span format, skipped. */
  ignoredFiles: string[];
}

export function parseInputFormat(value: string | undefined): InputFormat | undefined {
  if (value === undefined) return undefined;
  if ((INPUT_FORMATS as readonly string[]).includes(value)) return value as InputFormat;
  throw new UsageError(`unknown --input-format '${value}' (expected one of ${INPUT_FORMATS.join(", ")})`);
}


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
        session.record(load);
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
  /** Count a source's staged rows under `load.source` once staging is done. */
  record(load: FileLoad): void;
  /** A file found in a directory that holds no span format. */
  ignore(name: string): void;
  /** Stage the rows of a flat relation (a DuckDB table function or table) through the column mapping. */
  stageFlat(relation: string, params: Params, source: string, format: string): Promise<void>;
}

/**
 * One load as one transaction: `stage` inserts rows into `spans` through the session; then rows
 * are de-duplicated (later copies of a (trace_id, span_id) removed) and every source is recorded in `loads`. Any error rolls
 * everything back, leaving the database as it was.
 */
export async function withLoadSession(
  db: Db, options: Pick<LoadOptions, "strict" | "map">, stage: (session: LoadSession) => Promise<void>,
): Promise<LoadResult> {
  await ensureSchema(db);
  return db.transaction(async () => {
    const base = Number(await db.scalar("SELECT COALESCE(max(rowid) + 1, 0) FROM spans"));
    const stats = newStats();
    const loads: FileLoad[] = [];
    const ignoredFiles: string[] = [];
    const spool = new SpoolDir();
    const release = onInterrupt(() => spool.remove());
    try {
      await stage({
        stats,
        spool,
        record: (load) => loads.push(load),
        ignore: (name) => ignoredFiles.push(name),
        stageFlat: (relation, params, source, format) => stageFlatRelation(db, relation, params, source, format, options, stats, base),
      });
    } finally {
      spool.remove();
      release();
    }
    // Rows went straight into spans; now the later copies of any (trace_id, span_id) go.
    await db.run("spans.find_duplicates", { base });
    const counts = new Map((await db.query("spans.load_counts", { base })).map((r) => [String(r.source), r]));
    await db.run("spans.delete_duplicates");
    await db.run("spans.drop_duplicates");
    for (const load of loads) {
      const c = counts.get(load.source);
      load.spansRead = Number(c?.spans_read ?? 0);
      load.duplicates = Number(c?.duplicates ?? 0);
      load.spansAdded = load.spansRead - load.duplicates;
      load.conflicts = Number(c?.conflicts ?? 0);
      await db.run("spans.record_load", {
        source: load.source, format: load.format, bytes: load.bytes, sha256: load.sha256,
        spans_read: load.spansRead, spans_added: load.spansAdded, duplicates: load.duplicates,
        conflicts: load.conflicts, skipped: load.skipped,
      });
    }
    const sum = (key: "spansRead" | "spansAdded" | "duplicates" | "conflicts" | "skipped") => loads.reduce((n, l) => n + l[key], 0);
    return {
      files: loads,
      spansRead: sum("spansRead"),
      spansAdded: sum("spansAdded"),
      duplicates: sum("duplicates"),
      conflicts: sum("conflicts"),
      skipped: sum("skipped"),
      skippedExamples: stats.skippedExamples,
      warnings: [...stats.warnings].map(([message, count]) => ({ message, count })),
      ignoredFiles,
    };
  });
}

/** How much of a file's (decompressed) content is sniffed. */
const HEAD_BYTES = 1 << 20;

async function loadFile(db: Db, file: InputFile, options: LoadOptions, session: LoadSession): Promise<FileLoad | undefined> {
  const stats = session.stats;
  let bytes: number;
  try {
    bytes = statSync(file.path).size;
  } catch (error) {
    throw new InputError(file.name, `cannot read (${(error as Error).message})`);
  }
  let head: Buffer;
  let gzip: boolean;
  try {
    ({ head, gzip } = await readContentHead(file.path, HEAD_BYTES));
  } catch (error) {
    throw new InputError(file.name, `cannot read (${firstLine((error as Error).message)})`);
  }
  const isWholeFile = head.length < HEAD_BYTES;
  const sniffed = options.inputFormat ? { format: options.inputFormat, jsonLines: undefined } : sniff(head, isWholeFile);
  if (!sniffed) {
    if (file.fromDirectory) return undefined;
    if (head.length === 0) throw new InputError(file.name, "empty file (expected spans in OTLP JSON, Jaeger JSON, Zipkin JSON, Parquet, CSV or NDJSON)");
    if (/^\s*[{[]/.test(head.toString("utf8").replace(/^\uFEFF/, ""))) {
      throw new InputError(file.name, 'JSON of the wrong shape: expected OTLP ({"resourceSpans":[…]}), Jaeger ({"data":[…]}) or Zipkin v2 ([{"traceId",…}]) spans (override with --input-format)');
    }
    throw new InputError(file.name, "unknown format: expected OTLP JSON, Jaeger JSON, Zipkin v2 JSON, Parquet, CSV or NDJSON spans (override with --input-format)");
  }
  const load: FileLoad = {
    source: file.name, format: sniffed.format, bytes, sha256: "", spansRead: 0, spansAdded: 0, duplicates: 0, conflicts: 0, skipped: 0,
  };
  const skippedBefore = stats.skipped;
  const hash = createHash("sha256");
  const progress = (done: number, spans: number) => options.onProgress?.({ file: file.name, bytesDone: done, bytesTotal: bytes, spans });
  if (sniffed.format === "parquet" || sniffed.format === "csv" || sniffed.format === "ndjson") {
    await loadFlat(file, sniffed.format, gzip, session);
    load.sha256 = await hashFile(file.path, hash);
  } else {
    const jsonLines = sniffed.jsonLines ?? jsonLinesFromHead(head.toString("utf8"), isWholeFile) ?? (await laterLineStartsJson(file.path, gzip));
    await loadJson(db, file, sniffed.format, gzip, jsonLines, bytes, options, session, hash, progress);
    load.sha256 = hash.digest("hex");
  }
  load.skipped = stats.skipped - skippedBefore;
  return load;
}

async function hashFile(path: string, hash: ReturnType<typeof createHash>): Promise<string> {
  for await (const chunk of openBytes(path, false)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

// ------------------------------------------------------------------ JSON span formats

async function loadJson(
  db: Db, file: InputFile, format: JsonFormat, gzip: boolean, isJsonLines: boolean, bytes: number,
  options: LoadOptions, session: LoadSession, hash: ReturnType<typeof createHash>, progress: (done: number, spans: number) => void,
): Promise<void> {
  const { stats, spool } = session;
  let done = 0;
  let spans = 0;
  let lastReport = Date.now();
  const raw = openBytes(file.path, false);
  raw.on("data", (chunk: Buffer) => {
    hash.update(chunk);
    done += chunk.length;
    const now = Date.now();
    if (now - lastReport > 250) {
      lastReport = now;
      progress(done, spans);
    }
  });
  const content = gzip ? raw.pipe(createGunzip()) : raw;
  raw.on("error", (error) => content.destroy(error));
  let files: string[] = [];
  try {
    if (isJsonLines) {
      const result = await spoolJsonLines(content, {
        format, source: file.name, strict: options.strict, spool, stats, sizeHint: gzip ? bytes * 8 : bytes, onRows: (n) => (spans = n),
      });
      files = result.files;
    } else {
      const writer = new SpoolWriter(spool.file());
      files = [writer.path];
      try {
        if (bytes > LARGE_DOCUMENT_BYTES) {
          for await (const element of documentElements(content, file.name)) {
            const ctx = recordContext(`${file.name}:record ${element.index + 1}`, stats, options.strict, (span) => writer.write(span));
            readDocumentElement(format, element.path, element.value, ctx);
            spans = writer.rows;
          }
        } else {
          const doc = await readWholeDocument(content, file.name);
          const ctx = recordContext(file.name, stats, options.strict, (span) => writer.write(span));
          try {
            JSON_ADAPTERS[format](doc, ctx);
          } catch (error) {
            if (error instanceof WrongShape) throw new InputError(file.name, `JSON document of the wrong shape: ${error.message}`);
            throw error;
          }
        }
      } finally {
        writer.close();
      }
    }
  } catch (error) {
    if (error instanceof InputError || error instanceof WrongShape) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "Z_BUF_ERROR" || code === "Z_DATA_ERROR" || /unexpected end of file|incorrect header/i.test(String((error as Error).message))) {
      throw new InputError(file.name, "truncated or corrupt gzip data");
    }
    throw error;
  }
  progress(done, spans);
  try {
    await db.run("spans.stage_spool", { files, source: file.name });
  } catch (error) {
    throw new InputError(file.name, `could not stage the parsed spans: ${firstLine((error as Error).message)}`);
  }
}

function readDocumentElement(format: "otlp" | "jaeger" | "zipkin", path: string[], value: unknown, ctx: RecordContext): void {
  const key = path[path.length - 1];
  if (format === "otlp" && (key === "resourceSpans" || key === "resource_spans")) return readResourceSpans(value, ctx);
  if (format === "jaeger") return isObject(value) && Array.isArray(value.spans) ? readJaegerTrace(value, ctx) : ctx.skip("not a Jaeger trace");
  if (format === "zipkin") return readZipkinRecord(value, ctx);
  throw new InputError(ctx.where, `unexpected ${format} document layout`);
}

// ------------------------------------------------------------------ flat tables (DuckDB reads them)

const RELATIONS: Record<"parquet" | "csv" | "ndjson", string> = {
  parquet: "read_parquet($path)",
  csv: "read_csv($path, header = true, all_varchar = true, compression = $compression)",
  ndjson: "read_json($path, format = 'newline_delimited', compression = $compression)",
};

// JSON object text → MAP without the keys whose value is null: read_json unifies an NDJSON file's
// attribute objects into one STRUCT (every row gets every key), and empty cells are NULL.
const TEXT_MAP = (column: string) =>
  `map_from_entries(list_filter(map_entries(CAST(CAST(${column} AS JSON) AS MAP(VARCHAR, VARCHAR))), e -> e.value IS NOT NULL))`;

const VALID_ROW = "regexp_full_match(trace_id, '[0-9a-f]{32}|[0-9a-f]{16}') AND regexp_full_match(span_id, '[0-9a-f]{16}') AND start_ns IS NOT NULL";

async function loadFlat(file: InputFile, format: "parquet" | "csv" | "ndjson", gzip: boolean, session: LoadSession): Promise<void> {
  // read_json spells "no compression" 'uncompressed' (it refuses 'none', which read_csv takes).
  const none = format === "ndjson" ? "uncompressed" : "none";
  const params: Params = format === "parquet" ? { path: file.path } : { path: file.path, compression: gzip ? "gzip" : none };
  await session.stageFlat(RELATIONS[format], params, file.name, format);
}

/**
 * Stage the rows of a flat relation (`read_parquet($path)`, a temp table…) through the column
 * mapping. Rows without a usable trace id, span id or start time are skipped and counted.
 */
const MAX_SKIP_EXAMPLES = 5;

async function stageFlatRelation(
  db: Db, relation: string, params: Params, source: string, format: string, options: Pick<LoadOptions, "strict" | "map">, stats: IngestStats, base: number,
): Promise<void> {
  try {
    const described = await db.all(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM ${relation})`, params);
    const columns: ColumnInfo[] = described.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
    const mapping = planMapping(columns, options.map, source);
    const select = `SELECT ${mappingSelect(columns, mapping)} FROM ${relation}`;
    const total = Number(await db.scalar(`SELECT count(*) FROM ${relation}`, params));
    const before = Number((await db.query("spans.count_source", { base, source }))[0]!.n);
    await db.exec(
      `INSERT INTO spans SELECT trace_id, span_id,
         CASE WHEN regexp_full_match(parent_span_id, '[0-9a-f]{16}') AND parent_span_id <> '0000000000000000' THEN parent_span_id END,
         name, COALESCE(NULLIF(service, ''), json_extract_string(resource_attributes, '$."service.name"'), ''),
         kind, status, start_ns, greatest(COALESCE(duration_ns, 0), 0),
         ${TEXT_MAP("attributes")}, ${TEXT_MAP("resource_attributes")},
         trace_state, source
       FROM (${select}) WHERE ${VALID_ROW}`,
      { ...params, source },
    );
    const staged = Number((await db.query("spans.count_source", { base, source }))[0]!.n) - before;
    const bad = total - staged;
    if (bad > 0) {
      if (options.strict) throw new InputError(source, `${bad} row(s) without a valid trace id, span id or start time (--strict)`);
      stats.skipped += bad;
      if (stats.skippedExamples.length < MAX_SKIP_EXAMPLES) stats.skippedExamples.push(`${source}: ${bad} row(s) without a valid trace id, span id or start time`);
    }
  } catch (error) {
    if (error instanceof InputError || error instanceof UsageError) throw error;
    throw new InputError(source, `cannot read as ${format}: ${firstLine((error as Error).message)}`);
  }
}
