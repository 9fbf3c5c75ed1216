// Loading span files into the canonical `spans` table. Everything one call reads goes in as one
// transaction: rows are staged, de-duplicated on (trace_id, span_id) — the first copy wins, a
// span already stored is kept — and moved into `spans`; any error rolls the whole load back.
import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import type { DuckDBAppender } from "@duckdb/node-api";
import { firstLine, type Db, type Params } from "../core/db.js";
import { InputError, UsageError } from "../errors.js";
import { WrongShape, isObject, type JsonAdapter, type RecordContext } from "./adapter.js";
import { expandInputs, openBytes, readContentHead, type InputFile } from "./files.js";
import { documentElements, jsonLines, LARGE_DOCUMENT_BYTES, parseJson, readWholeDocument } from "./json-reader.js";
import { readJaegerRecord, readJaegerTrace } from "./jaeger.js";
import { mappingSelect, planMapping, type ColumnInfo } from "./mapping.js";
import { readOtlpRecord, readResourceSpans } from "./otlp.js";
import { INPUT_FORMATS, sniff, type InputFormat } from "./sniff.js";
import { newStats, type IngestStats, type SpanRecord } from "./span.js";
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

const JSON_ADAPTERS: Record<"otlp" | "jaeger" | "zipkin", JsonAdapter> = {
  otlp: readOtlpRecord,
  jaeger: readJaegerRecord,
  zipkin: readZipkinRecord,
};

export async function ensureSchema(db: Db, options: { spansTable?: boolean } = {}): Promise<void> {
  if (options.spansTable !== false) await db.run("spans.create_spans");
  await db.run("spans.create_loads");
}

export async function loadInputs(db: Db, options: LoadOptions): Promise<LoadResult> {
  if (options.inputs.length === 0) throw new UsageError("no inputs: give span files, directories, globs or - for stdin");
  const files = await expandInputs(options.inputs);
  return withLoadSession(db, options, async (session) => {
    for (const file of files) {
      const load = await loadFile(db, file, options, session.stats);
      if (load) session.record(load);
      else session.ignore(file.name);
    }
  });
}

/** What a source of spans (files, a warehouse pull) does inside one load transaction. */
export interface LoadSession {
  stats: IngestStats;
  /** Count a source's staged rows under `load.source` once staging is done. */
  record(load: FileLoad): void;
  /** A file found in a directory that holds no span format. */
  ignore(name: string): void;
  /** Stage the rows of a flat relation (a DuckDB table function or table) through the column mapping. */
  stageFlat(relation: string, params: Params, source: string, format: string): Promise<void>;
}

/**
 * One load as one transaction: `stage` appends rows to `_stage` through the session; then rows
 * are de-duplicated, moved into `spans`, and every source is recorded in `loads`. Any error rolls
 * everything back, leaving the database as it was.
 */
export async function withLoadSession(
  db: Db, options: Pick<LoadOptions, "strict" | "map">, stage: (session: LoadSession) => Promise<void>,
): Promise<LoadResult> {
  await ensureSchema(db);
  return db.transaction(async () => {
    await db.run("spans.create_stage");
    const stats = newStats();
    const loads: FileLoad[] = [];
    const ignoredFiles: string[] = [];
    await stage({
      stats,
      record: (load) => loads.push(load),
      ignore: (name) => ignoredFiles.push(name),
      stageFlat: (relation, params, source, format) => stageFlatRelation(db, relation, params, source, format, options, stats),
    });
    const counts = new Map((await db.query("spans.stage_counts")).map((r) => [String(r.source), r]));
    await db.run("spans.insert_stage");
    for (const load of loads) {
      const c = counts.get(load.source);
      load.spansRead = Number(c?.spans_read ?? 0);
      load.spansAdded = Number(c?.spans_added ?? 0);
      load.duplicates = Number(c?.duplicates ?? 0);
      load.conflicts = Number(c?.conflicts ?? 0);
      await db.run("spans.record_load", {
        source: load.source, format: load.format, bytes: load.bytes, sha256: load.sha256,
        spans_read: load.spansRead, spans_added: load.spansAdded, duplicates: load.duplicates,
        conflicts: load.conflicts, skipped: load.skipped,
      });
    }
    await db.run("spans.drop_stage");
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

async function loadFile(db: Db, file: InputFile, options: LoadOptions, stats: IngestStats): Promise<FileLoad | undefined> {
  let bytes: number;
  try {
    bytes = statSync(file.path).size;
  } catch (error) {
    throw new InputError(file.name, `cannot read (${(error as Error).message})`);
  }
  let head: Buffer;
  let gzip: boolean;
  try {
    ({ head, gzip } = await readContentHead(file.path, 1 << 20));
  } catch (error) {
    throw new InputError(file.name, `cannot read (${firstLine((error as Error).message)})`);
  }
  const sniffed = options.inputFormat ? { format: options.inputFormat, jsonLines: undefined } : sniff(head);
  if (!sniffed) {
    if (file.fromDirectory) return undefined;
    if (head.length === 0) throw new InputError(file.name, "empty file (expected spans in OTLP JSON, Jaeger JSON, Zipkin JSON, Parquet, CSV or NDJSON)");
    throw new InputError(file.name, "unknown format: expected OTLP JSON, Jaeger JSON, Zipkin v2 JSON, Parquet, CSV or NDJSON spans (override with --input-format)");
  }
  const load: FileLoad = {
    source: file.name, format: sniffed.format, bytes, sha256: "", spansRead: 0, spansAdded: 0, duplicates: 0, conflicts: 0, skipped: 0,
  };
  const skippedBefore = stats.skipped;
  const hash = createHash("sha256");
  const progress = (done: number, spans: number) => options.onProgress?.({ file: file.name, bytesDone: done, bytesTotal: bytes, spans });
  if (sniffed.format === "parquet" || sniffed.format === "csv" || sniffed.format === "ndjson") {
    await loadFlat(db, file, sniffed.format, gzip, options, stats);
    load.sha256 = await hashFile(file.path, hash);
  } else {
    const jsonLines = sniffed.jsonLines ?? /^\s*[{[][^\n]*\n\s*[{[]/.test(head.toString("utf8"));
    await loadJson(db, file, sniffed.format, gzip, jsonLines, bytes, options, stats, hash, progress);
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

class StageWriter {
  rows = 0;
  constructor(private readonly appender: DuckDBAppender, private readonly source: string) {}

  static async open(db: Db, source: string): Promise<StageWriter> {
    return new StageWriter(await db.connection.createAppender("_stage", "main", "temp"), source);
  }

  write(span: SpanRecord): void {
    const a = this.appender;
    a.appendVarchar(span.traceId);
    a.appendVarchar(span.spanId);
    if (span.parentSpanId === null) a.appendNull();
    else a.appendVarchar(span.parentSpanId);
    a.appendVarchar(span.name);
    a.appendVarchar(span.service);
    a.appendVarchar(span.kind);
    a.appendVarchar(span.status);
    a.appendBigInt(span.startNs);
    a.appendBigInt(span.durationNs);
    a.appendVarchar(JSON.stringify(span.attributes));
    a.appendVarchar(JSON.stringify(span.resourceAttributes));
    if (span.traceState === null) a.appendNull();
    else a.appendVarchar(span.traceState);
    a.appendVarchar(this.source);
    a.endRow();
    this.rows++;
  }

  close(): void {
    this.appender.flushSync();
    this.appender.closeSync();
  }
}

const MAX_SKIP_EXAMPLES = 5;

function recordContext(where: string, stats: IngestStats, strict: boolean | undefined, writer: StageWriter): RecordContext {
  return {
    where,
    stats,
    emit: (span) => writer.write(span),
    skip(reason) {
      if (strict) throw new InputError(where, `${reason} (--strict)`);
      stats.skipped++;
      if (stats.skippedExamples.length < MAX_SKIP_EXAMPLES) stats.skippedExamples.push(`${where}: ${reason}`);
    },
  };
}

async function loadJson(
  db: Db, file: InputFile, format: "otlp" | "jaeger" | "zipkin", gzip: boolean, isJsonLines: boolean, bytes: number,
  options: LoadOptions, stats: IngestStats, hash: ReturnType<typeof createHash>, progress: (done: number, spans: number) => void,
): Promise<void> {
  const adapter = JSON_ADAPTERS[format];
  const writer = await StageWriter.open(db, file.name);
  let done = 0;
  let lastReport = Date.now();
  const raw = openBytes(file.path, false);
  raw.on("data", (chunk: Buffer) => {
    hash.update(chunk);
    done += chunk.length;
    const now = Date.now();
    if (now - lastReport > 250) {
      lastReport = now;
      progress(done, writer.rows);
    }
  });
  const content = gzip ? raw.pipe((await import("node:zlib")).createGunzip()) : raw;
  raw.on("error", (error) => content.destroy(error));
  try {
    if (isJsonLines) {
      for await (const line of jsonLines(content)) {
        const where = `${file.name}:${line.line}`;
        const ctx = recordContext(where, stats, options.strict, writer);
        if (line.invalidUtf8) {
          ctx.skip("line is not valid UTF-8");
          continue;
        }
        let record: unknown;
        try {
          record = parseJson(line.text, where);
        } catch (error) {
          ctx.skip(error instanceof InputError ? error.message.slice(where.length + 2) : "invalid JSON");
          continue;
        }
        try {
          adapter(record, ctx);
        } catch (error) {
          if (!(error instanceof WrongShape)) throw error;
          ctx.skip(`not a ${format} record: ${error.message}`);
        }
      }
    } else if (bytes > LARGE_DOCUMENT_BYTES) {
      for await (const element of documentElements(content, file.name)) {
        const ctx = recordContext(`${file.name}:record ${element.index + 1}`, stats, options.strict, writer);
        readDocumentElement(format, element.path, element.value, ctx);
      }
    } else {
      const doc = await readWholeDocument(content, file.name);
      const ctx = recordContext(file.name, stats, options.strict, writer);
      try {
        adapter(doc, ctx);
      } catch (error) {
        if (error instanceof WrongShape) throw new InputError(file.name, `JSON document of the wrong shape: ${error.message}`);
        throw error;
      }
    }
  } catch (error) {
    if (error instanceof InputError || error instanceof WrongShape) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "Z_BUF_ERROR" || code === "Z_DATA_ERROR" || /unexpected end of file|incorrect header/i.test(String((error as Error).message))) {
      throw new InputError(file.name, "truncated or corrupt gzip data");
    }
    throw error;
  } finally {
    writer.close();
  }
  progress(done, writer.rows);
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

const VALID_ROW = "regexp_full_match(trace_id, '[0-9a-f]{32}|[0-9a-f]{16}') AND regexp_full_match(span_id, '[0-9a-f]{16}') AND start_ns IS NOT NULL";

async function loadFlat(db: Db, file: InputFile, format: "parquet" | "csv" | "ndjson", gzip: boolean, options: LoadOptions, stats: IngestStats): Promise<void> {
  const params: Params = format === "parquet" ? { path: file.path } : { path: file.path, compression: gzip ? "gzip" : "none" };
  await stageFlatRelation(db, RELATIONS[format], params, file.name, format, options, stats);
}

/**
 * Stage the rows of a flat relation (`read_parquet($path)`, a temp table…) through the column
 * mapping. Rows without a usable trace id, span id or start time are skipped and counted.
 */
async function stageFlatRelation(
  db: Db, relation: string, params: Params, source: string, format: string, options: Pick<LoadOptions, "strict" | "map">, stats: IngestStats,
): Promise<void> {
  try {
    const described = await db.all(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM ${relation})`, params);
    const columns: ColumnInfo[] = described.map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
    const mapping = planMapping(columns, options.map, source);
    const select = `SELECT ${mappingSelect(columns, mapping)} FROM ${relation}`;
    const total = Number(await db.scalar(`SELECT count(*) FROM ${relation}`, params));
    const before = Number(await db.scalar("SELECT count(*) FROM _stage WHERE source = $source", { source }));
    await db.exec(
      `INSERT INTO _stage SELECT trace_id, span_id,
         CASE WHEN regexp_full_match(parent_span_id, '[0-9a-f]{16}') AND parent_span_id <> '0000000000000000' THEN parent_span_id END,
         name, service, kind, status, start_ns, greatest(COALESCE(duration_ns, 0), 0), attributes, resource_attributes, trace_state, source
       FROM (${select}) WHERE ${VALID_ROW}`,
      { ...params, source },
    );
    const staged = Number(await db.scalar("SELECT count(*) FROM _stage WHERE source = $source", { source })) - before;
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
