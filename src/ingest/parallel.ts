// Spooling JSON Lines with a worker per core: the main thread only cuts the (decompressed) byte
// stream into chunks of whole lines and hands them out; workers parse and write spool files.
// Where workers cannot run (the TypeScript sources under test, or tiny inputs) the same parser
// runs inline.
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { InputError } from "../errors.js";
import { SpoolWriter, type SpoolDir } from "./spool.js";
import { mergeStats, warn, type IngestStats } from "./span.js";
import { READ_BYTES } from "./files.js";
import { countNewlines, formatRecordLimit, runLength } from "./text.js";
import type { WorkerInit, WorkerReply } from "./parse-worker.js";
import { isReadAs, readOf } from "./formats/index.js";
import type { ProtobufFraming } from "./formats/format.js";

const CHUNK_BYTES = 4 << 20;
const IN_FLIGHT_PER_WORKER = 2;
const WORKER_URL = new URL("./parse-worker.js", import.meta.url);

// parseChunk is in parse-chunk.ts, which the worker imports without importing this module.
import { parseChunk, type ChunkFormat } from "./parse-chunk.js";
export { parseChunk, type ChunkFormat };

export interface SpoolOptions {
  format: ChunkFormat;
  /** How an otlp-proto input lays out its messages. */
  framing?: ProtobufFraming;
  source: string;
  strict?: boolean;
  spool: SpoolDir;
  stats: IngestStats;
  /** Total bytes expected, to decide whether workers are worth starting. */
  sizeHint: number;
  /** No line may be longer (--max-record-size). */
  maxRecordBytes: number;
  onRows?: (rows: number) => void;
}

export function workerCount(sizeHint: number): number {
  if (process.env.ADTRACE_WORKERS !== undefined) return Math.max(0, Number(process.env.ADTRACE_WORKERS));
  if (sizeHint < 16 << 20 || !existsSync(fileURLToPath(WORKER_URL))) return 0;
  return Math.max(1, availableParallelism());
}

/**
 * Chunk buffers, handed back by the workers once parsed and used again: allocating a fresh 4 MB
 * buffer per chunk leaves the allocator holding freed ones (on glibc, past its mmap threshold),
 * which kept ~130 MB of resident memory after the parse.
 */
class ChunkBuffers {
  private readonly free: ArrayBuffer[] = [];

  get(bytes: number): ArrayBuffer {
    const i = this.free.findIndex((b) => b.byteLength >= bytes);
    if (i >= 0) return this.free.splice(i, 1)[0]!;
    // A chunk is cut at the first line break once CHUNK_BYTES have arrived: up to one read past it.
    return new ArrayBuffer(Math.max(bytes, CHUNK_BYTES + READ_BYTES));
  }

  release(buffer: ArrayBuffer): void {
    this.free.push(buffer);
  }
}

/** A line longer than this is read with its runs of white space collapsed (see lineChunks). */
const LONG_LINE_BYTES = 4 << 20;

/**
 * Cut a byte stream into chunks that end on a line break, numbering lines as it goes. Memory is
 * bounded whatever the input: complete lines go out in chunks of about CHUNK_BYTES, and the line
 * still open may not outgrow `maxRecordBytes` (an InputError naming its line; the parser checks
 * every complete line against the same limit). A line that grows past LONG_LINE_BYTES (or the
 * limit, when smaller) while it is read has each run of white space outside its strings collapsed
 * to one space as it arrives, which changes nothing a JSON parser sees (only the column of an
 * error on that line), so gigabytes of spaces after a record, or a blank line of them, stream at
 * constant memory and count one byte towards the limit.
 */
async function* lineChunks(
  stream: AsyncIterable<Buffer>, buffers: ChunkBuffers, limit: { maxRecordBytes: number; source: string },
): AsyncGenerator<{ bytes: Uint8Array; firstLine: number }> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let line = 1;
  // Bytes at the end of `pending` that belong to the line still open (after its last line break).
  let openBytes = 0;
  let squeezer: WhitespaceSqueezer | undefined;
  // Squeezed before the limit could be reached by white space alone.
  const squeezeFrom = Math.min(LONG_LINE_BYTES, limit.maxRecordBytes);
  const take = (upTo: number) => {
    // One copy, straight into the chunk a worker gets (its buffer is transferred, not copied).
    const bytes = Buffer.from(buffers.get(upTo), 0, upTo);
    const rest: Buffer[] = [];
    let at = 0;
    for (const chunk of pending) {
      const n = Math.min(chunk.length, upTo - at);
      if (n > 0) chunk.copy(bytes, at, 0, n);
      at += n;
      if (n < chunk.length) rest.push(n > 0 ? chunk.subarray(n) : chunk);
    }
    pending = rest;
    pendingBytes -= upTo;
    const firstLine = line;
    line += countNewlines(bytes, bytes.length);
    return { bytes: new Uint8Array(bytes.buffer, 0, upTo), firstLine };
  };
  const append = (bytes: Buffer) => {
    if (bytes.length === 0) return;
    pending.push(bytes);
    pendingBytes += bytes.length;
  };
  /** The open line, squeezed from its first byte, replaces its raw bytes at the end of `pending`. */
  const startSqueezing = () => {
    const all = Buffer.concat(pending);
    const open = all.subarray(pendingBytes - openBytes);
    pending = [];
    pendingBytes = 0;
    append(all.subarray(0, all.length - openBytes));
    squeezer = new WhitespaceSqueezer();
    const squeezed = squeezer.push(open);
    append(squeezed);
    openBytes = squeezed.length;
  };
  const checkOpenLine = () => {
    if (openBytes <= limit.maxRecordBytes) return;
    // The complete lines still held come first: the first line over the limit is the one named.
    const held = Buffer.concat(pending);
    let number = line;
    for (let start = 0, end = held.indexOf(0x0a); end >= 0 && end < held.length - openBytes; start = end + 1, end = held.indexOf(0x0a, start), number++) {
      const stop = end > start && held[end - 1] === 0x0d ? end - 1 : end;
      if (stop - start > limit.maxRecordBytes) break;
    }
    throw new InputError(`${limit.source}:${number}`, `line is longer than ${formatRecordLimit(limit.maxRecordBytes)} (--max-record-size)`);
  };
  for await (const chunk of stream) {
    let rest: Buffer = chunk;
    if (squeezer) {
      const newline = rest.indexOf(0x0a);
      const squeezed = squeezer.push(newline < 0 ? rest : rest.subarray(0, newline));
      append(squeezed);
      openBytes += squeezed.length;
      if (newline < 0) {
        checkOpenLine();
        continue;
      }
      squeezer = undefined;
      rest = rest.subarray(newline);
    }
    append(rest);
    const last = rest.lastIndexOf(0x0a);
    openBytes = last < 0 ? openBytes + rest.length : rest.length - last - 1;
    if (openBytes > squeezeFrom) startSqueezing();
    checkOpenLine();
    if (pendingBytes - openBytes >= CHUNK_BYTES) yield take(pendingBytes - openBytes);
  }
  if (pendingBytes) yield take(pendingBytes);
}

/** Collapses each run of white space outside JSON strings to one space, across the pieces of one line. */
class WhitespaceSqueezer {
  private inString = false;
  private escaped = false;
  private afterSpace = false;

  push(bytes: Buffer): Buffer {
    const out = Buffer.allocUnsafe(bytes.length);
    let n = 0;
    for (let i = 0; i < bytes.length; i++) {
      const c = bytes[i]!;
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (c === 0x5c) this.escaped = true;
        else if (c === 0x22) this.inString = false;
      } else if (c === 0x20 || c === 0x09 || c === 0x0d) {
        if (c === 0x20 && bytes[i + 1] === 0x20) i += runLength(bytes, i, bytes.length, 0x20) - 1;
        if (this.afterSpace) continue;
        this.afterSpace = true;
        out[n++] = 0x20;
        continue;
      } else if (c === 0x22) this.inString = true;
      this.afterSpace = false;
      out[n++] = c;
    }
    return n === bytes.length ? out : Buffer.from(out.subarray(0, n));
  }
}

/** The chunks of whole records an input is cut into: lines, or whole protobuf resource_spans entries. */
function chunksOf(stream: AsyncIterable<Buffer>, buffers: ChunkBuffers, options: SpoolOptions): AsyncGenerator<{ bytes: Uint8Array; firstLine: number }> {
  const limit = { maxRecordBytes: options.maxRecordBytes, source: options.source };
  return isReadAs(options.format, "json") ? lineChunks(stream, buffers, limit) : readOf(options.format, "chunks").chunks(stream, options.framing ?? "plain", buffers, limit);
}

/** Parse JSON Lines (or OTLP protobuf) from `stream` into spool files; returns the files and the spans written. */
export async function spoolJsonLines(stream: AsyncIterable<Buffer>, options: SpoolOptions): Promise<{ files: string[]; rows: number }> {
  const workers = workerCount(options.sizeHint);
  if (workers === 0) {
    const writer = new SpoolWriter(options.spool.file());
    const buffers = new ChunkBuffers();
    try {
      for await (const { bytes, firstLine } of chunksOf(stream, buffers, options)) {
        parseChunk(bytes, firstLine, options, options.stats, (span) => writer.write(span));
        buffers.release(bytes.buffer as ArrayBuffer);
        options.onRows?.(writer.rows);
      }
    } finally {
      writer.close();
    }
    return { files: [writer.path], rows: writer.rows };
  }
  return spoolWithWorkers(stream, options, workers);
}

async function spoolWithWorkers(stream: AsyncIterable<Buffer>, options: SpoolOptions, count: number): Promise<{ files: string[]; rows: number }> {
  const files: string[] = [];
  const buffers = new ChunkBuffers();
  let rows = 0;
  // A worker that crashed; and the chunks whose parse failed (bad input), by chunk number.
  let failure: Error | undefined;
  const chunkFailures: { id: number; error: Error }[] = [];
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const pool = Array.from({ length: count }, () => {
    const spoolPath = options.spool.file();
    files.push(spoolPath);
    const init: WorkerInit = { format: options.format, spoolPath, source: options.source, strict: options.strict, maxRecordBytes: options.maxRecordBytes };
    // A larger young generation: parsing makes many short-lived objects, and the default scavenges too often.
    const worker = new Worker(WORKER_URL, { workerData: init, resourceLimits: { maxYoungGenerationSizeMb: Number(process.env.ADTRACE_YOUNG_MB ?? 64) } });
    const state = { worker, inFlight: 0, ended: undefined as Extract<WorkerReply, { type: "end" }> | undefined };
    worker.on("message", (reply: WorkerReply) => {
      if (reply.type === "chunk") {
        state.inFlight--;
        buffers.release(reply.buffer);
        rows += reply.rows;
        options.onRows?.(rows);
      } else if (reply.type === "end") state.ended = reply;
      else {
        const error = reply.isInput ? new InputError(undefined, reply.message) : Object.assign(new Error(reply.message), { code: reply.code, path: reply.path });
        if (reply.id !== undefined) state.inFlight--;
        // Bad input is reported in the input's order (see firstChunkFailure); anything else at once.
        if (reply.isInput && reply.id !== undefined) chunkFailures.push({ id: reply.id, error });
        else failure ??= error;
      }
      notify();
    });
    worker.on("error", (error) => {
      failure ??= error;
      notify();
    });
    return state;
  });
  const sleep = () => new Promise<void>((resolve) => (wake = resolve));
  /**
   * Once a chunk has failed, the chunks before it (in flight on other workers) settle first, and
   * the first failure in the input's order is the one reported: the same line, whichever worker
   * finished first.
   */
  const firstChunkFailure = async (): Promise<Error | undefined> => {
    while (!failure && pool.some((p) => p.inFlight > 0)) await sleep();
    if (failure) return failure;
    return chunkFailures.sort((a, b) => a.id - b.id)[0]?.error;
  };
  const waitFor = async (ready: () => boolean) => {
    while (!ready() && !failure && !chunkFailures.length) await sleep();
    if (failure) throw failure;
    if (chunkFailures.length) throw (await firstChunkFailure())!;
  };
  try {
    let next = 0;
    let id = 0;
    try {
      for await (const { bytes, firstLine } of chunksOf(stream, buffers, options)) {
        await waitFor(() => pool.some((p) => p.inFlight < IN_FLIGHT_PER_WORKER));
        let target = pool[next % pool.length]!;
        if (target.inFlight >= IN_FLIGHT_PER_WORKER) target = pool.find((p) => p.inFlight < IN_FLIGHT_PER_WORKER)!;
        next++;
        target.inFlight++;
        target.worker.postMessage({ type: "chunk", id: id++, bytes, firstLine }, [bytes.buffer as ArrayBuffer]);
      }
    } catch (error) {
      // A line the cutter refused comes after every chunk already handed out: theirs come first.
      if (!(error instanceof InputError)) throw error;
      throw (await firstChunkFailure()) ?? error;
    }
    for (const p of pool) p.worker.postMessage({ type: "end" });
    await waitFor(() => pool.every((p) => p.ended));
    // Which worker parsed which chunk depends on timing: the examples are merged in line order,
    // so the load's summary names the same records every run (warnings are sorted by the load).
    const ends = pool.map((p) => p.ended!);
    const lineOf = (example: string) => Number(/^(\d+)/.exec(example.slice(options.source.length + 1).replace(/^record /, ""))?.[1] ?? Infinity);
    mergeStats(options.stats, {
      skipped: ends.reduce((n, end) => n + end.skipped, 0),
      skippedExamples: ends.flatMap((end) => end.skippedExamples).sort((a, b) => lineOf(a) - lineOf(b)),
      warnings: new Map(),
    });
    for (const [message, count] of ends.flatMap((end) => end.warnings)) warn(options.stats, message, count);
    return { files, rows: pool.reduce((n, p) => n + p.ended!.rows, 0) };
  } finally {
    await Promise.all(pool.map((p) => p.worker.terminate()));
  }
}
