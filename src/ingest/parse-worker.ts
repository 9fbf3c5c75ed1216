// A parse worker: receives chunks of whole JSON Lines, parses them with the format's adapter and
// appends the canonical spans to its own spool file. Posts its counts back for each chunk.
import { parentPort, workerData } from "node:worker_threads";
import { parseChunk, type ChunkFormat } from "./parse-chunk.js";
import { SpoolWriter } from "./spool.js";
import { newStats } from "./span.js";
import { InputError } from "../errors.js";

export interface WorkerInit {
  format: ChunkFormat;
  spoolPath: string;
  source: string;
  strict?: boolean;
  maxRecordBytes: number;
}

export type WorkerReply =
  | { type: "chunk"; id: number; rows: number; buffer: ArrayBuffer }
  | { type: "end"; rows: number; skipped: number; skippedExamples: string[]; warnings: [string, number][] }
  | {
    type: "error"; where?: string; message: string; isInput: boolean; code?: string; path?: string;
    /** The chunk whose parse failed. */
    id?: number;
  };

const init = workerData as WorkerInit;
const writer = new SpoolWriter(init.spoolPath);
const stats = newStats();
const port = parentPort!;

port.on("message", (message: { type: "chunk"; id: number; bytes: Uint8Array; firstLine: number } | { type: "end" }) => {
  try {
    if (message.type === "chunk") {
      const before = writer.rows;
      parseChunk(message.bytes, message.firstLine, init, stats, (span) => writer.write(span));
      // The chunk's buffer goes back to the main thread to carry another chunk.
      const buffer = message.bytes.buffer as ArrayBuffer;
      port.postMessage({ type: "chunk", id: message.id, rows: writer.rows - before, buffer } satisfies WorkerReply, [buffer]);
    } else {
      writer.close();
      port.postMessage({
        type: "end", rows: writer.rows, skipped: stats.skipped, skippedExamples: stats.skippedExamples, warnings: [...stats.warnings],
      } satisfies WorkerReply);
    }
  } catch (error) {
    const isInput = error instanceof InputError;
    // A system error keeps its code and file (a full disk is reported where it happened, not as a bug).
    const { code, path } = error as { code?: unknown; path?: unknown };
    port.postMessage({
      type: "error", where: isInput ? error.where : undefined, message: (error as Error).message, isInput,
      code: typeof code === "string" ? code : undefined, path: typeof path === "string" ? path : undefined,
      id: message.type === "chunk" ? message.id : undefined,
    } satisfies WorkerReply);
  }
});
