// Spooling JSON Lines with a worker per core: the main thread only cuts the (decompressed) byte
// stream into chunks of whole lines and hands them out; workers parse and write spool files.
// Where workers cannot run (the TypeScript sources under test, or tiny inputs) the same parser
// runs inline.
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import type { Readable } from "node:stream";
import { Worker } from "node:worker_threads";
import { InputError } from "../errors.js";
import { parseLines, type JsonFormat } from "./json-lines.js";
import { SpoolWriter, type SpoolDir } from "./spool.js";
import { mergeStats, type IngestStats } from "./span.js";
import { READ_BYTES } from "./files.js";
import type { WorkerInit, WorkerReply } from "./parse-worker.js";

const CHUNK_BYTES = 4 << 20;
const IN_FLIGHT_PER_WORKER = 2;
const WORKER_URL = new URL("./parse-worker.js", import.meta.url);

export interface SpoolOptions {
  format: JsonFormat;
  source: string;
  strict?: boolean;
  spool: SpoolDir;
  stats: IngestStats;
  /** Total bytes expected, to decide whether workers are worth starting. */
  sizeHint: number;
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

/** Cut a byte stream into chunks that end on a line break, numbering lines as it goes. */
async function* lineChunks(stream: Readable, buffers: ChunkBuffers): AsyncGenerator<{ bytes: Uint8Array; firstLine: number }> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let line = 1;
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
    for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) line++;
    return { bytes: new Uint8Array(bytes.buffer, 0, upTo), firstLine };
  };
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes >= CHUNK_BYTES) {
      const last = chunk.lastIndexOf(0x0a);
      if (last >= 0) yield take(pendingBytes - (chunk.length - last - 1));
    }
  }
  if (pendingBytes) yield take(pendingBytes);
}

/** Parse JSON Lines from `stream` into spool files; returns the files and the spans written. */
export async function spoolJsonLines(stream: Readable, options: SpoolOptions): Promise<{ files: string[]; rows: number }> {
  const workers = workerCount(options.sizeHint);
  if (workers === 0) {
    const writer = new SpoolWriter(options.spool.file());
    const buffers = new ChunkBuffers();
    try {
      for await (const { bytes, firstLine } of lineChunks(stream, buffers)) {
        parseLines(bytes, firstLine, options.format, options.source, options.stats, options.strict, (span) => writer.write(span));
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

async function spoolWithWorkers(stream: Readable, options: SpoolOptions, count: number): Promise<{ files: string[]; rows: number }> {
  const files: string[] = [];
  const buffers = new ChunkBuffers();
  let rows = 0;
  let failure: Error | undefined;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const pool = Array.from({ length: count }, () => {
    const spoolPath = options.spool.file();
    files.push(spoolPath);
    const init: WorkerInit = { format: options.format, spoolPath, source: options.source, strict: options.strict };
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
      else failure ??= reply.isInput ? new InputError(undefined, reply.message) : Object.assign(new Error(reply.message), { code: reply.code, path: reply.path });
      notify();
    });
    worker.on("error", (error) => {
      failure ??= error;
      notify();
    });
    return state;
  });
  const waitFor = async (ready: () => boolean) => {
    while (!ready() && !failure) await new Promise<void>((resolve) => (wake = resolve));
    if (failure) throw failure;
  };
  try {
    let next = 0;
    let id = 0;
    for await (const { bytes, firstLine } of lineChunks(stream, buffers)) {
      await waitFor(() => pool.some((p) => p.inFlight < IN_FLIGHT_PER_WORKER));
      let target = pool[next % pool.length]!;
      if (target.inFlight >= IN_FLIGHT_PER_WORKER) target = pool.find((p) => p.inFlight < IN_FLIGHT_PER_WORKER)!;
      next++;
      target.inFlight++;
      target.worker.postMessage({ type: "chunk", id: id++, bytes, firstLine }, [bytes.buffer as ArrayBuffer]);
    }
    for (const p of pool) p.worker.postMessage({ type: "end" });
    await waitFor(() => pool.every((p) => p.ended));
    for (const p of pool) {
      const end = p.ended!;
      mergeStats(options.stats, { skipped: end.skipped, skippedExamples: end.skippedExamples, warnings: new Map(end.warnings) });
    }
    return { files, rows: pool.reduce((n, p) => n + p.ended!.rows, 0) };
  } finally {
    await Promise.all(pool.map((p) => p.worker.terminate()));
  }
}
