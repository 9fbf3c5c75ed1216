// Parsing JSON Lines span records, shared by the main thread and the parse workers: each line is
// parsed, handed to the format's adapter, and its spans written to a spool. Bad lines are skipped
// and counted with their line number (fatal with --strict).
import { InputError } from "../errors.js";
import { WrongShape, type RecordContext } from "./adapter.js";
import { jsonProblem } from "./json-reader.js";
import { lineColumn } from "./text.js";
import { readJaegerRecord } from "./jaeger.js";
import { readOtlpRecord } from "./otlp.js";
import { readZipkinRecord } from "./zipkin.js";
import { quoteBigNumbers, recordSkip, type IngestStats, type SpanRecord } from "./span.js";
import type { JsonFormat } from "./sniff.js";

export type { JsonFormat };


const FORMAT_NAMES: Record<JsonFormat, string> = { otlp: "an OTLP", jaeger: "a Jaeger", zipkin: "a Zipkin" };

export const JSON_ADAPTERS = { otlp: readOtlpRecord, jaeger: readJaegerRecord, zipkin: readZipkinRecord } as const;

const fatalDecoder = new TextDecoder("utf-8", { fatal: true });

/**
 * The context adapters report through. `elementWhere` numbers the elements of a whole document's
 * span array (`file:record N`); without it (JSON Lines, one element of a large document) every
 * element is reported at `where`.
 */
export function recordContext(
  where: string, stats: IngestStats, strict: boolean | undefined, emit: (span: SpanRecord) => void, elementWhere?: (index: number) => string,
): RecordContext {
  const ctx: RecordContext = {
    where,
    stats,
    emit,
    skip(reason) {
      if (strict) throw new InputError(where, `${reason} (--strict)`);
      recordSkip(stats, where, reason);
    },
    element: (index) => (elementWhere ? recordContext(elementWhere(index), stats, strict, emit) : ctx),
  };
  return ctx;
}

/**
 * Parse the complete lines in `bytes` (which starts at line `firstLine`), emitting spans.
 * Returns the number of lines seen.
 */
export function parseLines(
  bytes: Uint8Array, firstLine: number, format: JsonFormat, source: string, stats: IngestStats,
  strict: boolean | undefined, emit: (span: SpanRecord) => void,
): number {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const adapter = JSON_ADAPTERS[format];
  let line = firstLine;
  let start = 0;
  while (start < buffer.length) {
    let end = buffer.indexOf(0x0a, start);
    if (end < 0) end = buffer.length;
    let stop = end;
    if (stop > start && buffer[stop - 1] === 0x0d) stop--;
    if (stop > start) {
      const slice = buffer.subarray(start, stop);
      let text = slice.toString("utf8");
      if (line === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      const where = `${source}:${line}`;
      const ctx = recordContext(where, stats, strict, emit);
      if (text.trim() !== "") handleLine(text, slice, where, format, adapter, ctx);
    }
    line++;
    start = end + 1;
  }
  return line - firstLine;
}

function handleLine(text: string, bytes: Buffer, where: string, format: JsonFormat, adapter: (r: unknown, c: RecordContext) => void, ctx: RecordContext): void {
  if (text.includes("\ufffd")) {
    try {
      fatalDecoder.decode(bytes);
    } catch {
      ctx.skip("line is not valid UTF-8");
      return;
    }
  }
  let record: unknown;
  try {
    record = JSON.parse(quoteBigNumbers(text));
  } catch {
    const problem = jsonProblem(text, true);
    ctx.skip(problem.truncated ? problem.reason : `${problem.reason} at column ${lineColumn(text, problem.offset).column}`);
    return;
  }
  try {
    adapter(record, ctx);
  } catch (error) {
    if (!(error instanceof WrongShape)) throw error;
    ctx.skip(`not ${FORMAT_NAMES[format]} record: ${error.message}`);
  }
}
