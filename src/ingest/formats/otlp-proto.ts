// OTLP traces in the protobuf binary encoding, format `otlp-proto`: one `TracesData` or
// `ExportTraceServiceRequest` message (.binpb, .pb; the two have the same fields), or the
// Collector file exporter's `format: proto` files, where each message is preceded by its length
// as a 4-byte big-endian unsigned integer. Decoding is protobufjs's, with the OTLP schema of
// otlp-schema.ts; what is written here only finds the messages' top-level fields (each one
// `resource_spans` entry) so the stream can be cut into chunks for the parse workers, and turns
// the decoded messages into canonical spans by the rules the OTLP JSON reader follows.
import { clip, InputError } from "../../errors.js";
import { recordContext, type RecordContext } from "../adapter.js";
import { normalizeKind, normalizeStatus, spanTimes, warn, warnTimes, type IngestStats, type SpanRecord } from "../span.js";
import { formatRecordLimit } from "../text.js";
import { otlpType } from "./otlp-schema.js";
import type { ChunkAllocator, InputFormat, ProtobufChunk, ProtobufFraming } from "./format.js";

// ------------------------------------------------------------------ sniffing

/** Wire types: varint, 64-bit, length-delimited, 32-bit (groups, 3 and 4, are not in OTLP). */
const VARINT = 0;
const I64 = 1;
const LEN = 2;
const I32 = 5;

interface FieldRule {
  wire: number;
  /** A nested message to look into. */
  message?: MessageRule;
  /** Allowed byte lengths of a bytes field. */
  lengths?: number[];
  /** This field holds a span id: a span is counted when it and the trace id are valid. */
  isSpanId?: boolean;
}
type MessageRule = Record<number, FieldRule>;

const ANY_MESSAGE: MessageRule = {};
const SPAN_RULE: MessageRule = {
  1: { wire: LEN, lengths: [16, 8] }, 2: { wire: LEN, lengths: [8], isSpanId: true }, 3: { wire: LEN }, 4: { wire: LEN, lengths: [0, 8] },
  5: { wire: LEN }, 6: { wire: VARINT }, 7: { wire: I64 }, 8: { wire: I64 }, 9: { wire: LEN, message: ANY_MESSAGE }, 10: { wire: VARINT },
  11: { wire: LEN, message: ANY_MESSAGE }, 12: { wire: VARINT }, 13: { wire: LEN, message: ANY_MESSAGE }, 14: { wire: VARINT },
  15: { wire: LEN, message: ANY_MESSAGE }, 16: { wire: I32 },
};
const SCOPE_SPANS_RULE: MessageRule = { 1: { wire: LEN, message: ANY_MESSAGE }, 2: { wire: LEN, message: SPAN_RULE }, 3: { wire: LEN } };
const RESOURCE_SPANS_RULE: MessageRule = {
  1: { wire: LEN, message: ANY_MESSAGE }, 2: { wire: LEN, message: SCOPE_SPANS_RULE }, 3: { wire: LEN }, 1000: { wire: LEN, message: SCOPE_SPANS_RULE },
};
const REQUEST_RULE: MessageRule = { 1: { wire: LEN, message: RESOURCE_SPANS_RULE } };

/** Reads a varint at `at` below `end`: [value, next offset], or undefined when it is cut off or too long. */
function varintAt(bytes: Uint8Array, at: number, end: number): [number, number] | undefined {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10 && at + i < end; i++) {
    const b = bytes[at + i]!;
    value += (b & 0x7f) * scale;
    scale *= 128;
    if (b < 0x80) return [value, at + i + 1];
  }
  return undefined;
}

type Walk = { ok: boolean; spans: number };

/**
 * Whether bytes[start, limit) follow `rule` as far as they are there (`avail`, the end of what
 * was read, may cut the message short): known fields with their wire types, ids of the right
 * length, nested messages well formed. Counts the spans with valid ids met.
 */
function walkMessage(bytes: Uint8Array, start: number, limit: number, avail: number, rule: MessageRule, depth: number): Walk {
  let spans = 0;
  let at = start;
  const end = Math.min(limit, avail);
  let sawSpanIds = 0;
  while (at < end) {
    const tag = varintAt(bytes, at, end);
    if (!tag) return { ok: end === avail, spans };
    const field = Math.floor(tag[0] / 8);
    const wire = tag[0] % 8;
    at = tag[1];
    if (field === 0 || (wire !== VARINT && wire !== I64 && wire !== LEN && wire !== I32)) return { ok: false, spans };
    const known = rule[field];
    if (known && known.wire !== wire) return { ok: false, spans };
    if (wire === VARINT) {
      const v = varintAt(bytes, at, end);
      if (!v) return { ok: end === avail && avail - at < 10, spans };
      at = v[1];
    } else if (wire === I64 || wire === I32) {
      at += wire === I64 ? 8 : 4;
      if (at > limit) return { ok: false, spans };
    } else {
      const len = varintAt(bytes, at, end);
      if (!len) return { ok: end === avail, spans };
      const payloadEnd = len[1] + len[0];
      if (payloadEnd > limit) return { ok: false, spans };
      if (known?.lengths && payloadEnd <= avail && !known.lengths.includes(len[0])) return { ok: false, spans };
      if (known?.isSpanId && payloadEnd <= avail) sawSpanIds++;
      if (known?.message && known.message !== ANY_MESSAGE && depth < 8) {
        const inner = walkMessage(bytes, len[1], payloadEnd, avail, known.message, depth + 1);
        if (!inner.ok) return { ok: false, spans };
        spans += inner.spans;
      }
      at = payloadEnd;
    }
  }
  // A span counts when its id (and, if it has one, its trace id of the right length) was seen whole.
  if (rule === SPAN_RULE && sawSpanIds > 0) spans++;
  return { ok: true, spans };
}

/**
 * Whether the head of an input is OTLP traces in protobuf, and how the messages are laid out.
 * Only a head that parses as the OTLP trace messages as far as it goes, with at least one span
 * whose ids have the right lengths, is taken: text never starts with a zero byte (framed) and a
 * text line never reads as nested well-formed messages with 8- and 16-byte ids.
 */
export function sniffOtlpProtobuf(head: Uint8Array, isWholeFile: boolean): ProtobufFraming | undefined {
  if (head.length < 8) return undefined;
  const avail = head.length;
  if (head[0] === 0 && head[1]! < 0x80) {
    const length = ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0;
    const limit = 4 + length;
    if (length > 0 && (!isWholeFile || limit <= avail)) {
      const walk = walkMessage(head, 4, limit, avail, REQUEST_RULE, 0);
      if (walk.ok && walk.spans > 0) return "length-prefixed";
    }
    return undefined;
  }
  if (head[0] !== 0x0a) return undefined;
  const walk = walkMessage(head, 0, isWholeFile ? avail : Number.MAX_SAFE_INTEGER, avail, REQUEST_RULE, 0);
  return walk.ok && walk.spans > 0 ? "plain" : undefined;
}

// ------------------------------------------------------------------ cutting a stream into chunks

/** Reads a byte stream in pieces of a wanted size, tracking the offset. */
class ByteStream {
  private chunks: Buffer[] = [];
  private available = 0;
  private done = false;
  /** Bytes consumed so far. */
  offset = 0;

  constructor(private readonly source: AsyncIterator<Buffer>) {}

  /** Read until `n` bytes are held or the stream ends; returns how many are held (up to n). */
  async fill(n: number): Promise<number> {
    while (this.available < n && !this.done) {
      const next = await this.source.next();
      if (next.done) this.done = true;
      else if (next.value.length > 0) {
        this.chunks.push(next.value);
        this.available += next.value.length;
      }
    }
    return Math.min(n, this.available);
  }

  /** The first `n` held bytes as one buffer (n at most what is held, and small). */
  peek(n: number): Buffer {
    if (this.chunks[0]!.length < n) this.chunks = [Buffer.concat(this.chunks)];
    return this.chunks[0]!.subarray(0, n);
  }

  /** Move `n` held bytes into `target` at `at` (or drop them when there is no target). */
  take(n: number, target?: Uint8Array, at = 0): void {
    let left = n;
    while (left > 0) {
      const first = this.chunks[0]!;
      const k = Math.min(left, first.length);
      if (target) target.set(first.subarray(0, k), at + n - left);
      left -= k;
      if (k === first.length) this.chunks.shift();
      else this.chunks[0] = first.subarray(k);
    }
    this.available -= n;
    this.offset += n;
  }

  async varint(): Promise<[number, number] | undefined> {
    const held = await this.fill(10);
    if (held === 0) return undefined;
    return varintAt(this.peek(held), 0, held);
  }
}

const CHUNK_BYTES = 4 << 20;

/**
 * Cut an OTLP protobuf stream into chunks of whole top-level `resource_spans` fields (each chunk
 * a valid ExportTraceServiceRequest), about CHUNK_BYTES each. Memory stays bounded: no entry may
 * be larger than `maxRecordBytes`. A stream that breaks the framing (a length past its end, a
 * malformed field tag) is bad input, named by byte offset.
 */
export async function* protobufChunks(
  stream: AsyncIterable<Buffer>, framing: ProtobufFraming, buffers: ChunkAllocator, limit: { maxRecordBytes: number; source: string },
): AsyncGenerator<ProtobufChunk> {
  const input = new ByteStream(stream[Symbol.asyncIterator]());
  let chunk: Uint8Array | undefined;
  let used = 0;
  let records = 0;
  let chunkFirst = 1;
  let message = 0;
  // A framed file's messages are named too: the Collector writes one per export.
  const bad = (at: number, what: string) =>
    new InputError(`${limit.source}:byte ${at}`, framing === "length-prefixed" && !what.startsWith("message") ? `message ${message}: ${what}` : what);
  const flush = (): ProtobufChunk | undefined => {
    if (!chunk || used === 0) return undefined;
    const out = { bytes: chunk.subarray(0, used), firstLine: chunkFirst };
    chunk = undefined;
    used = 0;
    chunkFirst = records + 1;
    return out;
  };
  for (;;) {
    let end = Infinity;
    if (framing === "length-prefixed") {
      const held = await input.fill(4);
      if (held === 0) break;
      const at = input.offset;
      message++;
      if (held < 4) throw bad(at, `message ${message}: the file ends inside its 4-byte length prefix (truncated?)`);
      const length = input.peek(4).readUInt32BE(0);
      if (length > limit.maxRecordBytes) throw bad(at, `message ${message} is ${length} bytes, larger than ${formatRecordLimit(limit.maxRecordBytes)} (--max-record-size)`);
      input.take(4);
      end = input.offset + length;
    }
    // The message's top-level fields, up to its end (the stream's end when unframed).
    while (input.offset < end) {
      const at = input.offset;
      const tag = await input.varint();
      if (!tag) {
        if (end === Infinity) break;
        throw bad(at, `message ${message} declares ${end - at} more bytes than the file holds (truncated?)`);
      }
      const field = Math.floor(tag[0] / 8);
      const wire = tag[0] % 8;
      if (field === 0 || (wire !== VARINT && wire !== I64 && wire !== LEN && wire !== I32)) {
        throw bad(at, `not OTLP protobuf: malformed field tag (field ${field}, wire type ${wire})`);
      }
      let header = tag[1];
      let payload: number;
      if (wire === LEN) {
        const held = await input.fill(header + 10);
        const len = varintAt(input.peek(held), header, held);
        if (!len) throw bad(at, "not OTLP protobuf: a field's length is cut off or malformed");
        header = len[1];
        payload = len[0];
      } else if (wire === VARINT) {
        const held = await input.fill(header + 10);
        const v = varintAt(input.peek(held), header, held);
        if (!v) throw bad(at, "not OTLP protobuf: a varint field is cut off or malformed");
        header = v[1];
        payload = 0;
      } else payload = wire === I64 ? 8 : 4;
      const size = header + payload;
      if (at + size > end) throw bad(at, `a field runs past the end of message ${message}`);
      if (field === 1 && wire === LEN && payload > limit.maxRecordBytes) {
        throw bad(at, `resource_spans entry ${records + 1} is ${payload} bytes, larger than ${formatRecordLimit(limit.maxRecordBytes)} (--max-record-size)`);
      }
      if ((await input.fill(size)) < size) {
        throw bad(at, `${field === 1 ? `resource_spans entry ${records + 1}` : `field ${field}`} declares ${size} bytes, but the file ends after ${input.offset + (await input.fill(size)) - at} (truncated?)`);
      }
      if (field !== 1 || wire !== LEN) {
        // Another top-level field (none is defined today): skipped, as protobuf readers do.
        input.take(size);
        continue;
      }
      if (chunk && used + size > chunk.length) yield flush()!;
      chunk ??= new Uint8Array(buffers.get(Math.max(size, CHUNK_BYTES)));
      input.take(size, chunk, used);
      used += size;
      records++;
      if (used >= CHUNK_BYTES) yield flush()!;
    }
    if (framing === "plain") break;
  }
  const last = flush();
  if (last) yield last;
}

// ------------------------------------------------------------------ decoding (in the workers)

/** How the chunks of one input are read (the subset of LineOptions that applies). */
export interface ProtobufChunkOptions {
  source: string;
  strict?: boolean;
}

/** Decoded messages, as protobufjs gives them (fields set on the instance, defaults on its prototype). */
type Decoded = Record<string, unknown>;
interface LongBits { low: number; high: number }

const hasOwn = Object.prototype.hasOwnProperty;
const MAX_DEPTH = 32;

/**
 * Decode the `resource_spans` entries of a chunk (or of a whole request body), emitting spans.
 * An entry protobufjs cannot decode is skipped and counted (fatal with --strict), as a broken
 * JSON Lines line is. Returns the number of entries seen.
 */
export function parseProtobufChunk(
  bytes: Uint8Array, firstRecord: number, options: ProtobufChunkOptions, stats: IngestStats, emit: (span: SpanRecord) => void,
): number {
  const type = otlpType("ResourceSpans");
  let record = firstRecord;
  let at = 0;
  while (at < bytes.length) {
    const tag = varintAt(bytes, at, bytes.length);
    if (!tag) throw new InputError(`${options.source}:record ${record}`, "not OTLP protobuf: malformed field tag");
    const field = Math.floor(tag[0] / 8);
    const wire = tag[0] % 8;
    let next: number;
    let payload: [number, number] | undefined;
    if (wire === LEN) {
      payload = varintAt(bytes, tag[1], bytes.length);
      if (!payload) throw new InputError(`${options.source}:record ${record}`, "not OTLP protobuf: a field's length is cut off");
      next = payload[1] + payload[0];
    } else if (wire === VARINT) next = (varintAt(bytes, tag[1], bytes.length) ?? [0, bytes.length + 1])[1];
    else if (wire === I64 || wire === I32) next = tag[1] + (wire === I64 ? 8 : 4);
    else throw new InputError(`${options.source}:record ${record}`, `not OTLP protobuf: malformed field tag (field ${field}, wire type ${wire})`);
    if (field === 0 || next > bytes.length) throw new InputError(`${options.source}:record ${record}`, "not OTLP protobuf: a field runs past the end of the message");
    if (field === 1 && payload) {
      const ctx = recordContext(`${options.source}:record ${record}`, stats, options.strict, emit);
      let rs: Decoded;
      try {
        rs = type.decode(bytes.subarray(payload[1], next)) as unknown as Decoded;
      } catch (error) {
        ctx.skip(`not an OTLP ResourceSpans message (${(error as Error).message})`);
        rs = {};
      }
      readResourceSpans(rs, ctx);
      record++;
    }
    at = next;
  }
  return record - firstRecord;
}

function readResourceSpans(rs: Decoded, ctx: RecordContext): void {
  const resource = rs.resource as Decoded | null | undefined;
  const resourceAttributes = resource ? attributesOf(resource.attributes as Decoded[] | undefined, ctx) : {};
  const service = resourceAttributes["service.name"] ?? "";
  const lists = [[rs.scope_spans, "scopeSpans"], [rs.instrumentation_library_spans, "instrumentationLibrarySpans"]] as [Decoded[] | undefined, string][];
  for (const [list, key] of lists) {
    (list ?? []).forEach((scope, i) => {
      ((scope.spans as Decoded[] | undefined) ?? []).forEach((span, j) => readSpan(span, service, resourceAttributes, ctx, `${key}[${i}].spans[${j}]`));
    });
  }
}

/** Which span of its record a message means, when it has no id to go by: its place, and its name if it has one. */
function spanPlace(span: Decoded, at: string): string {
  return typeof span.name === "string" && span.name !== "" ? `${at}, name '${clip(span.name)}'` : at;
}

const TRACE_ID_BYTES = [16, 8];

function idHex(raw: unknown, lengths: readonly number[]): string | undefined {
  const bytes = raw as Uint8Array | undefined;
  if (!bytes || !lengths.includes(bytes.length)) return undefined;
  const hex = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString("hex");
  return /^0+$/.test(hex) ? undefined : hex;
}

function describeId(raw: unknown): string {
  const bytes = raw as Uint8Array | undefined;
  return !bytes || bytes.length === 0 ? "missing" : `${bytes.length} bytes`;
}

/** An unsigned 64-bit value (protobufjs's Long, or a number where long.js is absent) as bigint. */
function unsigned64(value: unknown): bigint {
  if (typeof value === "number") return BigInt(value);
  const { low, high } = value as LongBits;
  return (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
}

/** A signed 64-bit value as decimal text. */
function signed64Text(value: unknown): string {
  if (typeof value === "number") return String(value);
  const { low, high } = value as LongBits;
  const n = high * 4294967296 + (low >>> 0);
  return Number.isSafeInteger(n) ? String(n) : BigInt.asIntN(64, (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0)).toString();
}

function readSpan(span: Decoded, service: string, resourceAttributes: Record<string, string>, ctx: RecordContext, at: string): void {
  const traceId = idHex(span.trace_id, TRACE_ID_BYTES);
  const spanId = idHex(span.span_id, [8]);
  if (!traceId) return ctx.skip(`span without a valid traceId (${describeId(span.trace_id)}; ${spanPlace(span, at)})`);
  if (!spanId) return ctx.skip(`span without a valid spanId (${describeId(span.span_id)}; ${spanPlace(span, at)})`);
  const rawParent = span.parent_span_id as Uint8Array | undefined;
  const parentSpanId = rawParent && rawParent.length > 0 ? idHex(rawParent, [8]) ?? null : null;
  // An all-zero parent is how some exporters write "no parent": a root, nothing to warn about.
  if (rawParent && rawParent.length > 0 && parentSpanId === null && rawParent.some((b) => b !== 0)) {
    warn(ctx.stats, "parent span ids that are not 16 hex digits were dropped (span kept as a root)");
  }
  // proto3 cannot tell an absent time from 0: a zero start is no start, a zero end no end.
  const start = hasOwn.call(span, "start_time_unix_nano") ? unsigned64(span.start_time_unix_nano) : 0n;
  const end = hasOwn.call(span, "end_time_unix_nano") ? unsigned64(span.end_time_unix_nano) : 0n;
  if (start === 0n) return ctx.skip(`span ${spanId} has no startTimeUnixNano`);
  if (end === 0n) warn(ctx.stats, "spans without an end time were given duration 0");
  // fixed64 is unsigned: a value past the int64 range is refused by spanTimes as it is in JSON.
  const times = spanTimes(start, 1n, end === 0n ? undefined : end);
  if (!times.ok) return ctx.skip(`span ${spanId}: ${times.reason}`);
  warnTimes(ctx.stats, times, "OTLP times", "ns");
  const status = span.status as Decoded | null | undefined;
  const traceState = span.trace_state as string;
  ctx.emit({
    traceId,
    spanId,
    parentSpanId,
    name: span.name as string,
    service,
    kind: normalizeKind(span.kind),
    status: normalizeStatus(status ? status.code : undefined),
    startNs: times.startNs,
    durationNs: times.durationNs,
    attributes: attributesOf(span.attributes as Decoded[] | undefined, ctx),
    resourceAttributes,
    traceState: traceState === "" ? null : traceState,
  });
}

/** KeyValue list → text map, as the JSON reader writes it (arrays and kvlists as JSON text). */
function attributesOf(list: Decoded[] | undefined, ctx: RecordContext): Record<string, string> {
  const out: Record<string, string> = {};
  if (!list) return out;
  for (const kv of list) {
    const value = anyValue(kv.value as Decoded | null, 0, ctx);
    out[kv.key as string] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return out;
}

type Plain = string | number | boolean | null | Plain[] | { [key: string]: Plain };

function anyValue(value: Decoded | null | undefined, depth: number, ctx: RecordContext): Plain {
  if (!value) return null;
  if (depth > MAX_DEPTH) {
    warn(ctx.stats, `attribute values nested deeper than ${MAX_DEPTH} levels were cut`);
    return "…";
  }
  if (hasOwn.call(value, "string_value")) return value.string_value as string;
  if (hasOwn.call(value, "bool_value")) return value.bool_value as boolean;
  if (hasOwn.call(value, "int_value")) return signed64Text(value.int_value);
  if (hasOwn.call(value, "double_value")) {
    // As protobuf's JSON mapping writes them: NaN and the infinities as text.
    const d = value.double_value as number;
    return Number.isFinite(d) ? d : String(d);
  }
  if (hasOwn.call(value, "bytes_value")) {
    const b = value.bytes_value as Uint8Array;
    return Buffer.from(b.buffer, b.byteOffset, b.length).toString("base64");
  }
  if (hasOwn.call(value, "array_value")) {
    const arr = value.array_value as Decoded;
    return ((arr.values as Decoded[] | undefined) ?? []).map((v) => anyValue(v, depth + 1, ctx));
  }
  if (hasOwn.call(value, "kvlist_value")) {
    const obj: { [key: string]: Plain } = {};
    for (const entry of ((value.kvlist_value as Decoded).values as Decoded[] | undefined) ?? []) obj[entry.key as string] = anyValue(entry.value as Decoded | null, depth + 1, ctx);
    return obj;
  }
  return null;
}

/**
 * What to say about an input that did not sniff as OTLP protobuf but starts like it: a first
 * resource_spans field (or a 4-byte length prefix and one) whose length fits, or the Collector
 * file exporter's zstd-compressed messages. Undefined when it does not look like protobuf at all.
 */
export function protobufHint(head: Uint8Array): string | undefined {
  if (head.length >= 8 && head[0] === 0 && head[4] === 0x28 && head[5] === 0xb5 && head[6] === 0x2f && head[7] === 0xfd) {
    return "length-prefixed zstd frames (the Collector file exporter with compression: zstd), which adtrace does not read: export with compression off, or gzip the whole file";
  }
  const at = head[0] === 0 ? 4 : 0;
  if (head[at] !== 0x0a) return undefined;
  const len = varintAt(head, at + 1, head.length);
  if (!len || len[0] === 0 || (head[len[1]] !== 0x0a && head[len[1]] !== 0x12)) return undefined;
  return "starts like OTLP protobuf but is not well formed (corrupt or truncated?): --input-format otlp-proto reads what can be read and names what cannot";
}

export const otlpProto = {
  name: "otlp-proto",
  words: "OTLP protobuf",
  sniff: {
    kind: "bytes",
    test(head, isWholeFile) {
      const framing = sniffOtlpProtobuf(head, isWholeFile);
      return framing && { framing };
    },
    hint: protobufHint,
  },
  // Cut into chunks of whole resource_spans entries here, decoded by the parse workers as JSON Lines are.
  read: { kind: "chunks", chunks: protobufChunks, parseChunk: parseProtobufChunk },
} satisfies InputFormat;
