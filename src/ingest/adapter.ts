// What a JSON adapter is: a function from one parsed JSON record (a whole document, one JSON
// Lines line, or one element of a large document's top-level array) to canonical spans.
import type { IngestStats, SpanRecord } from "./span.js";

export interface RecordContext {
  /** `file:line` or `file:record N`, for messages. */
  where: string;
  stats: IngestStats;
  emit(span: SpanRecord): void;
  /** A record inside the document that is not a usable span: counted (fatal with --strict). */
  skip(reason: string): void;
}

/** The record is valid JSON but not in the shape this adapter reads. */
export class WrongShape extends Error {
  override name = "WrongShape";
}

export type JsonAdapter = (record: unknown, ctx: RecordContext) => void;

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

export function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
