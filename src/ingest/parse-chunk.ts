// One chunk of JSON Lines or OTLP protobuf parsed into span rows: what a parse worker
// (parse-worker.ts) runs, and parallel.ts inline. A module of its own so that the worker does not
// import parallel.ts, which starts the workers.
import { parseLines } from "./json-lines.js";
import { isReadAs, readOf, type ChunkFormatName } from "./formats/index.js";
import type { IngestStats } from "./span.js";

/** What the workers parse: a JSON span format's lines, or a binary format's chunks (OTLP protobuf's resource_spans entries). */
export type ChunkFormat = ChunkFormatName;

/** Parse one chunk (in a worker or inline); `firstLine` is its first line, or first record for protobuf. */
export function parseChunk(
  bytes: Uint8Array, firstLine: number, options: { format: ChunkFormat; source: string; strict?: boolean; maxRecordBytes: number },
  stats: IngestStats, emit: Parameters<typeof parseLines>[4],
): void {
  const format = options.format;
  if (isReadAs(format, "json")) parseLines(bytes, firstLine, { ...options, format }, stats, emit);
  else readOf(format, "chunks").parseChunk(bytes, firstLine, options, stats, emit);
}
