// Parsing JSON Lines span records, shared by the main thread and the parse workers: each line is
// parsed, handed to the format's adapter, and its spans written to a spool. Bad lines are skipped
// and counted with their line number (fatal with --strict).
import { InputError } from "../errors.js";
import { recordContext, WrongShape, type RecordContext } from "./adapter.js";
import { jsonProblem } from "./json-reader.js";
import { formatRecordLimit, lineColumn, runLength } from "./text.js";
import { readOf, type JsonFormatName } from "./formats/index.js";
import type { JsonRead } from "./formats/format.js";
import {
  LostPrecision, mergeStats, newStats, quoteBigNumbers, withNumbersExact, type IngestStats, type SpanRecord,
} from "./span.js";

const fatalDecoder = new TextDecoder("utf-8", { fatal: true });

/** How the lines of one input are read. */
export interface LineOptions {
  format: JsonFormatName;
  /** The input's name, for `file:line` in messages. */
  source: string;
  strict?: boolean;
  /** A longer line is bad input (--max-record-size). */
  maxRecordBytes: number;
}

/**
 * Parse the complete lines in `bytes` (which starts at line `firstLine`), emitting spans.
 * Returns the number of lines seen.
 */
export function parseLines(bytes: Uint8Array, firstLine: number, options: LineOptions, stats: IngestStats, emit: (span: SpanRecord) => void): number {
  const { format, source, strict, maxRecordBytes } = options;
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parser = new LineParser(format, stats, strict, emit);
  let number = firstLine;
  let start = 0;
  while (start < buffer.length) {
    // A blank line costs no search: a run of them (a bomb of newlines) is walked byte by byte.
    if (buffer[start] === 0x0a) {
      const run = runLength(buffer, start, buffer.length, 0x0a);
      number += run;
      start += run;
      continue;
    }
    let end = buffer.indexOf(0x0a, start);
    if (end < 0) end = buffer.length;
    let stop = end;
    if (stop > start && buffer[stop - 1] === 0x0d) stop--;
    if (stop - start > maxRecordBytes) throw new InputError(`${source}:${number}`, `line is longer than ${formatRecordLimit(maxRecordBytes)} (--max-record-size)`);
    if (stop > start) {
      const slice = buffer.subarray(start, stop);
      let text = slice.toString("utf8");
      if (number === 1 && text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      if (text.trim() !== "") parser.parse(text, slice, `${source}:${number}`);
    }
    number++;
    start = end + 1;
  }
  return number - firstLine;
}

/**
 * One JSON Lines record at a time. A line is parsed without the big-number pass first; its spans,
 * skips and warnings are held until the adapter has read it all, so a record that turns out to
 * carry a 64-bit number past 2^53 (LostPrecision) can be parsed again exactly, counted once.
 */
class LineParser {
  private readonly format: JsonRead;
  private readonly held: SpanRecord[] = [];
  private readonly heldStats = newStats();

  constructor(
    format: JsonFormatName,
    private readonly stats: IngestStats,
    private readonly strict: boolean | undefined,
    private readonly emit: (span: SpanRecord) => void,
  ) {
    this.format = readOf(format, "json");
  }

  parse(text: string, bytes: Buffer, where: string): void {
    const ctx = recordContext(where, this.heldStats, this.strict, (span) => this.held.push(span));
    try {
      this.read(text, bytes, ctx, false);
    } catch (error) {
      if (!(error instanceof LostPrecision)) throw error;
      this.held.length = 0;
      resetStats(this.heldStats);
      this.read(text, bytes, ctx, true);
    }
    for (const span of this.held) this.emit(span);
    this.held.length = 0;
    if (this.heldStats.skipped || this.heldStats.warnings.size) {
      mergeStats(this.stats, this.heldStats);
      resetStats(this.heldStats);
    }
  }

  private read(text: string, bytes: Buffer, ctx: RecordContext, exact: boolean): void {
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
      record = JSON.parse(exact ? quoteBigNumbers(text) : text);
    } catch {
      const problem = jsonProblem(text, true);
      ctx.skip(problem.truncated ? problem.reason : `${problem.reason} at column ${lineColumn(text, problem.offset).column}`);
      return;
    }
    try {
      withNumbersExact(exact, () => this.format.adapter(record, ctx));
    } catch (error) {
      if (!(error instanceof WrongShape)) throw error;
      ctx.skip(`not ${this.format.recordWords} record: ${error.message}`);
    }
  }
}

function resetStats(stats: IngestStats): void {
  stats.skipped = 0;
  stats.skippedExamples.length = 0;
  stats.warnings.clear();
}
