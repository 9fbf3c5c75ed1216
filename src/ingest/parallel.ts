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
import { MAX_SKIP_EXAMPLES, type IngestStats } from "./span.js";
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

/** Cut a byte stream into chunks that end on a line break, numbering lines as it goes. */
async function* lineChunks(stream: Readable): AsyncGenerator<{ bytes: Uint8Array; firstLine: number }> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let line = 1;
  const take = (upTo: number) => {
    const all = Buffer.concat(pending, pendingBytes);
    const bytes = new Uint8Array(upTo);
    bytes.set(all.subarray(0, upTo));
    const rest = all.subarray(upTo);
    pending = rest.length ? [Buffer.from(rest)] : [];
    pendingBytes = rest.length;
    const firstLine = line;
    for (let i = bytes.indexOf(0x0a); i >= 0; i = bytes.indexOf(0x0a, i + 1)) line++;
    return { bytes, firstLine };
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
    try {
      for await (const { bytes, firstLine } of lineChunks(stream)) {
        parseLines(bytes, firstLine, options.format, options.source, options.stats, options.strict, (span) => writer.write(span));
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
        rows += reply.rows;
        options.onRows?.(rows);
      } else if (reply.type === "end") state.ended = reply;
      else failure ??= reply.isInput ? new InputError(undefined, reply.message) : new Error(reply.message);
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
    for await (const { bytes, firstLine } of lineChunks(stream)) {
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
      options.stats.skipped += end.skipped;
      for (const example of end.skippedExamples) if (options.stats.skippedExamples.length < MAX_SKIP_EXAMPLES) options.stats.skippedExamples.push(example);
      for (const [message, n] of end.warnings) options.stats.warnings.set(message, (options.stats.warnings.get(message) ?? 0) + n);
    }
    return { files, rows: pool.reduce((n, p) => n + p.ended!.rows, 0) };
  } finally {
    await Promise.all(pool.map((p) => p.worker.terminate()));
  }
}
