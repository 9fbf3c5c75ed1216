// What an input format is (issue 15): everything adtrace knows of one --input-format, in its own
// file formats/<name>.ts, which exports one InputFormat. formats/index.ts lists them; sniffing
// (sniff.ts), reading (load.ts, json-lines.ts, json-reader.ts, parse-chunk.ts) and the messages
// that list what adtrace reads are built from that list, so no other module names a format.
import type { Params } from "../../db/db.js";
import type { InputError } from "../../errors.js";
import type { RecordContext } from "../adapter.js";
import type { IngestStats, SpanRecord } from "../span.js";
import type { SpoolDir } from "../spool.js";
import type { InputFormatName } from "./names.js";

export interface InputFormat {
  name: InputFormatName;
  /** How messages name it in the list of what adtrace reads ("Jaeger JSON"). */
  words: string;
  sniff: InputSniff;
  read: InputRead;
}

/**
 * How the format is told from the head of an input's (decompressed) content. Sniffing runs in
 * phases, and within each phase in the registry's order: first the binary formats on the bytes;
 * then, for text that opens with `{` or `[`, the JSON formats on its first whole record (else on
 * the next few lines when the first is broken, then on the keys the document opens with); then
 * the text formats on their first line.
 */
export type InputSniff =
  | {
      kind: "bytes";
      /** Whether the head is this format (undefined if not); `framing` for a framed binary format. */
      test(head: Buffer, isWholeFile: boolean): { framing?: ProtobufFraming } | undefined;
      /**
       * What to say of binary data that starts like this format but did not sniff as it (the
       * whole message after the file's name), or undefined.
       */
      hint?(head: Buffer): string | undefined;
    }
  | {
      kind: "json";
      /** Whether one parsed JSON record (a line, or a whole document) is this format's. */
      record(value: unknown): boolean;
      /**
       * Whether a document whose first line is not a whole value (pretty-printed, or a first
       * line longer than the head) is this format's, from the keys in `text`, the head from its
       * first `{` or `[` (`first`).
       */
      document?(text: string, first: "{" | "["): boolean;
    }
  | {
      kind: "text";
      /** Whether the first line of text (that is not JSON) makes the input this format's. */
      firstLine(line: string): boolean;
    };

/** How the format's records become rows of `spans`. */
export type InputRead =
  | {
      /**
       * A JSON span format, read by its adapter: one document (whole, or element by element of
       * its span array when large) or JSON Lines (each line a record, parsed by the workers).
       */
      kind: "json";
      /** One parsed record (a line, or a whole document) to spans; throws WrongShape when it is not one. */
      adapter(record: unknown, ctx: RecordContext): void;
      /** The keys whose array holds a large document's span records (a root array always does). */
      splitKeys: readonly string[];
      /** One element of a large document's span array, found under `key` (undefined: a root array). */
      element(key: string | undefined, value: unknown, ctx: RecordContext): void;
      /** "an OTLP": a skipped line is "not an OTLP record: …". */
      recordWords: string;
      /** The shapes a JSON document of the wrong shape was expected to have, for the message. */
      shapes: string;
    }
  | {
      /** A binary format cut into chunks of whole records by the main thread and decoded by the parse workers. */
      kind: "chunks";
      chunks(stream: AsyncIterable<Buffer>, framing: ProtobufFraming, buffers: ChunkAllocator, limit: { maxRecordBytes: number; source: string }): AsyncGenerator<ProtobufChunk>;
      parseChunk(bytes: Uint8Array, firstRecord: number, options: { source: string; strict?: boolean }, stats: IngestStats, emit: (span: SpanRecord) => void): number;
    }
  | {
      /** A flat table of one span per row, read by DuckDB and mapped by column name (mapping.ts). */
      kind: "flat";
      stage(input: FlatInput): Promise<FlatStaged>;
      /** DuckDB's reader error as one line of bad input, when the format knows how to say it. */
      error?(source: string, duckdbMessage: string): InputError | undefined;
    };

export type JsonRead = Extract<InputRead, { kind: "json" }>;
export type ChunksRead = Extract<InputRead, { kind: "chunks" }>;
export type FlatRead = Extract<InputRead, { kind: "flat" }>;

/** A flat table on disk, and what staging its rows needs. */
export interface FlatInput {
  /** The file DuckDB reads: the input itself, or (`isCopy`) the spool's unpacked copy of a stream. */
  path: string;
  isCopy: boolean;
  /** The user's name for the input, for messages. */
  name: string;
  /** `path` is gzipped. */
  gzip: boolean;
  /** The head of the (unpacked) content. */
  head: Buffer;
  strict?: boolean;
  stats: IngestStats;
  spool: SpoolDir;
  /** Stage the rows of a relation (a DuckDB table function over $path…) through the column mapping; the rows staged. */
  stage(relation: string, params: Params): Promise<number>;
}

export interface FlatStaged {
  rows: number;
  /** What the input is recorded as, when not the format's name (a Tempo block: tempo-vParquet4). */
  format?: string;
}

/** How an OTLP protobuf input lays out its messages: one, or each preceded by its length (4 bytes, big-endian). */
export type ProtobufFraming = "plain" | "length-prefixed";

/** Where chunks are written: buffers of at least the size asked for, handed back once parsed. */
export interface ChunkAllocator {
  get(bytes: number): ArrayBuffer;
}

export interface ProtobufChunk {
  bytes: Uint8Array;
  /** The number (from 1) of the first resource_spans entry in the chunk, for `file:record N`. */
  firstLine: number;
}
