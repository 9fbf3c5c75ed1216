// What a JSON adapter is: a function from one parsed JSON record (a whole document, one JSON
// Lines line, or one element of a large document's top-level array) to canonical spans.
import { InputError } from "../errors.js";
import { recordSkip, type IngestStats, type SpanRecord } from "./span.js";

export interface RecordContext {
  /** `file:line` or `file:record N`, for messages. */
  where: string;
  stats: IngestStats;
  emit(span: SpanRecord): void;
  /** A record inside the document that is not a usable span: counted (fatal with --strict). */
  skip(reason: string): void;
  /**
   * The context for element `index` of the record's span array (resourceSpans, Jaeger traces,
   * Zipkin spans): `file:record N` in a whole document, where records are numbered as in a large
   * one; the same context in JSON Lines, whose line number says where.
   */
  element(index: number): RecordContext;
}

/** The record is valid JSON but not in the shape this adapter reads. */
export class WrongShape extends Error {
  override name = "WrongShape";
}

export type JsonAdapter = (record: unknown, ctx: RecordContext) => void;

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

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The first of several spellings of a key (lowerCamelCase, snake_case…) that is present. */
export function field(obj: Record<string, unknown>, ...keys: string[]): unknown {
  for (const key of keys) {
    const value = obj[key];
    if (value !== undefined) return value;
  }
  return undefined;
}

/** A value as a list: itself when it is an array, else empty (callers check the shape first where a non-list is an error). */
export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}

/** What a JSON value is, for messages ("a number", "an object"…). */
export function jsonKind(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return "a string";
  return `a ${typeof value}`;
}

/**
 * The array under one of `keys`: [] when the key is absent, undefined (after skipping the
 * record as the wrong shape) when it holds something else.
 */
export function listField(obj: Record<string, unknown>, ctx: RecordContext, what: string, ...keys: string[]): unknown[] | undefined {
  const value = field(obj, ...keys);
  if (value === undefined || Array.isArray(value)) return value ?? [];
  ctx.skip(`${what}: "${keys[0]}" is ${jsonKind(value)}, expected an array`);
  return undefined;
}
