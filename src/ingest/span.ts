// The canonical span record every adapter produces (one row of the `spans` table, see
// DESIGN.md), and the normalisers they share: ids, enums, epoch times, attribute values.
import { clip } from "../errors.js";

export interface SpanRecord {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  service: string;
  kind: string;
  status: string;
  startNs: bigint;
  durationNs: bigint;
  attributes: Record<string, string>;
  resourceAttributes: Record<string, string>;
  traceState: string | null;
}

/** Counters and diagnostics one load collects across its inputs. */
export interface IngestStats {
  skipped: number;
  /** The first few skipped records, as `file:line: reason`. */
  skippedExamples: string[];
  warnings: Map<string, number>;
}

export function newStats(): IngestStats {
  return { skipped: 0, skippedExamples: [], warnings: new Map() };
}

/** How many skipped records a load names (the rest are counted). */
const MAX_SKIP_EXAMPLES = 5;

/** Count `count` skipped records at `where` (a file, `file:line` or `file:record N`). */
export function recordSkip(stats: IngestStats, where: string, reason: string, count = 1): void {
  stats.skipped += count;
  if (stats.skippedExamples.length < MAX_SKIP_EXAMPLES) stats.skippedExamples.push(`${where}: ${reason}`);
}

export function warn(stats: IngestStats, message: string, count = 1): void {
  stats.warnings.set(message, (stats.warnings.get(message) ?? 0) + count);
}

/** Add what `from` counted to `into` (a worker's or one record's counts into the load's). */
export function mergeStats(into: IngestStats, from: IngestStats): void {
  into.skipped += from.skipped;
  for (const example of from.skippedExamples) if (into.skippedExamples.length < MAX_SKIP_EXAMPLES) into.skippedExamples.push(example);
  for (const [message, n] of from.warnings) warn(into, message, n);
}

/**
 * Thrown when a 64-bit integer arrived as a JSON number beyond 2^53, whose digits JSON.parse has
 * already rounded away. JSON Lines are parsed optimistically (a regex pass quoting big numbers
 * costs as much as a fifth of JSON.parse on every line); a record that throws this is parsed
 * again with `quoteBigNumbers` inside `withNumbersExact(true, …)`, so the same value is then accepted.
 */
export class LostPrecision extends Error {
  override name = "LostPrecision";
}

let numbersAreExact = true;

/** Run fn with big JSON numbers refused (they were parsed without quoting) or accepted. */
export function withNumbersExact<T>(exact: boolean, fn: () => T): T {
  const before = numbersAreExact;
  numbersAreExact = exact;
  try {
    return fn();
  } finally {
    numbersAreExact = before;
  }
}

/** An integer JSON number that cannot be trusted: past 2^53 and parsed without quoting. */
function checkExact(value: number): void {
  if (!numbersAreExact && Number.isInteger(value) && !Number.isSafeInteger(value)) throw new LostPrecision();
}

const HEX = /^[0-9a-f]+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * A trace or span id as lowercase hex. Accepts any hex case, and base64 (what protobuf's JSON
 * mapping writes for bytes). Returns undefined for a missing, empty, all-zero or malformed id.
 */
export function normalizeId(raw: unknown, lengths: readonly number[]): string | undefined {
  if (typeof raw !== "string" || raw.length === 0) return undefined;
  let hex = raw.toLowerCase();
  if (!HEX.test(hex) || !lengths.includes(hex.length)) {
    if (!BASE64.test(raw) || raw.length % 4 !== 0) return undefined;
    hex = Buffer.from(raw, "base64").toString("hex");
    if (!lengths.includes(hex.length)) return undefined;
  }
  if (/^0+$/.test(hex)) return undefined;
  return hex;
}

export const TRACE_ID_LENGTHS = [32, 16] as const;
export const SPAN_ID_LENGTHS = [16] as const;

const KIND_NAMES = ["UNSPECIFIED", "INTERNAL", "SERVER", "CLIENT", "PRODUCER", "CONSUMER"];
const STATUS_NAMES = ["UNSET", "OK", "ERROR"];

export function normalizeKind(raw: unknown): string {
  return enumName(raw, KIND_NAMES, "SPAN_KIND_") ?? "UNSPECIFIED";
}

export function normalizeStatus(raw: unknown): string {
  return enumName(raw, STATUS_NAMES, "STATUS_CODE_") ?? "UNSET";
}

function enumName(raw: unknown, names: string[], prefix: string): string | undefined {
  if (raw === undefined || raw === null || raw === "") return undefined;
  if (typeof raw === "number") return names[raw];
  const text = String(raw).toUpperCase().replace(prefix, "");
  if (/^\d+$/.test(text)) return names[Number(text)];
  return names.includes(text) ? text : undefined;
}

/** Parse a 64-bit integer given as a JSON number or a decimal string. */
export function toBigInt(raw: unknown): bigint | undefined {
  if (typeof raw === "bigint") return raw;
  if (typeof raw === "number") {
    checkExact(raw);
    return Number.isFinite(raw) ? BigInt(Math.trunc(raw)) : undefined;
  }
  if (typeof raw === "string" && /^-?\d+$/.test(raw.trim())) return BigInt(raw.trim());
  return undefined;
}

// Epoch magnitudes: now is ~1.7e18 ns, ~1.7e15 µs, ~1.7e12 ms, ~1.7e9 s. Below 1e8 a value is no
// epoch after 1973 in any unit: relative times (a clock that starts at 0), kept in the format's unit.
const NS_FLOOR = 10n ** 17n;
const US_FLOOR = 10n ** 14n;
const MS_FLOOR = 10n ** 11n;
const S_FLOOR = 10n ** 8n;

/** The unit a time value (already converted to ns as the format defines it) turned out to be in. */
type DetectedUnit = "ns" | "us" | "ms" | "s" | "relative";

type EpochUnit = Exclude<DetectedUnit, "relative">;

/** ns per unit: what multiplies a value in `unit` into nanoseconds. */
export const NS_PER_UNIT: Record<EpochUnit, bigint> = { ns: 1n, us: 1_000n, ms: 1_000_000n, s: 1_000_000_000n };

/** How a unit is written for people. */
export const UNIT_WORD: Record<EpochUnit, TimeUnitName> = { ns: "ns", us: "µs", ms: "ms", s: "s" };

/** Whether a value, read as ns, is an epoch this tool takes for real: from 1973 to the end of 64 bits. */
export function isEpochNs(ns: number): boolean {
  return ns >= Number(NS_FLOOR) && ns <= Number(INT64_MAX);
}

/**
 * What a value that should be epoch ns looks like from its magnitude alone, and the factor that
 * makes it ns. Values clearly in µs, ms or s are scaled; relative times (and 0) are kept.
 * The same rule serves flat tables (mapping.ts) and the warehouse pull.
 */
export function epochUnit(valueNs: bigint | number): { unit: DetectedUnit; factor: bigint } {
  // Not a number at all (a median over values like 1e400): nothing to scale.
  if (typeof valueNs === "number" && !Number.isFinite(valueNs)) return { unit: "ns", factor: 1n };
  const abs = typeof valueNs === "bigint" ? (valueNs < 0n ? -valueNs : valueNs) : BigInt(Math.trunc(Math.abs(valueNs)));
  if (abs === 0n || abs >= NS_FLOOR) return { unit: "ns", factor: 1n };
  if (abs >= US_FLOOR) return { unit: "us", factor: NS_PER_UNIT.us };
  if (abs >= MS_FLOOR) return { unit: "ms", factor: NS_PER_UNIT.ms };
  if (abs >= S_FLOOR) return { unit: "s", factor: NS_PER_UNIT.s };
  return { unit: "relative", factor: 1n };
}

type TimeUnitName = "ns" | "µs" | "ms" | "s";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/** Whether a value fits the BIGINT columns of the spans table. */
function fitsInt64(value: bigint): boolean {
  return value >= INT64_MIN && value <= INT64_MAX;
}

export type SpanTimes =
  | { ok: true; startNs: bigint; durationNs: bigint; readAs: TimeUnitName; relative: boolean; endBeforeStart: boolean }
  | { ok: false; reason: string };

/**
 * A span's start and duration in ns from the times a format gives, in its own unit (`nsPerUnit`:
 * 1 for OTLP's ns, 1000 for Jaeger's and Zipkin's µs). ONE unit decision, taken from the start,
 * scales the start and the end or duration alike, so a span in ms keeps its length and relative
 * times stay relative. A span whose times do not fit 64-bit ns is refused with the reason.
 */
export function spanTimes(start: bigint, nsPerUnit: bigint, end?: bigint, duration?: bigint): SpanTimes {
  let { unit, factor } = epochUnit(start * nsPerUnit);
  // Nothing coarser than seconds: a µs format's value that would need more is a relative time.
  if (factor * nsPerUnit > NS_PER_UNIT.s) ({ unit, factor } = { unit: "relative", factor: 1n });
  const scale = factor * nsPerUnit;
  const readAs = UNIT_WORD[(Object.keys(NS_PER_UNIT) as EpochUnit[]).find((u) => NS_PER_UNIT[u] === scale)!];
  const startNs = start * scale;
  if (!fitsInt64(startNs)) return { ok: false, reason: `start time ${clip(start)} (read as ${readAs}) is past the 64-bit nanosecond range` };
  let durationNs = end !== undefined ? end * scale - startNs : (duration ?? 0n) * scale;
  const endBeforeStart = durationNs < 0n;
  if (endBeforeStart) durationNs = 0n;
  if (!fitsInt64(durationNs) || !fitsInt64(startNs + durationNs)) {
    return { ok: false, reason: `${end !== undefined ? `end time ${clip(end)}` : `duration ${clip(duration)}`} (read as ${readAs}) is past the 64-bit nanosecond range` };
  }
  return { ok: true, startNs, durationNs, readAs, relative: unit === "relative", endBeforeStart };
}

/** The warnings one span's times call for (`what`: "OTLP times", "Zipkin timestamps"…). */
export function warnTimes(stats: IngestStats, times: Extract<SpanTimes, { ok: true }>, what: string, formatUnit: TimeUnitName): void {
  if (times.relative) warn(stats, `${what} too small to be Unix epoch times (relative times?) were kept as ${formatUnit} from 1970`);
  else if (times.readAs !== formatUnit) warn(stats, `${what} that looked like ${times.readAs} rather than ${formatUnit} were scaled to ns (ends and durations alike)`);
  if (times.endBeforeStart) warn(stats, "spans with a negative duration (end before start) were given duration 0");
  if (times.startNs < 0n) warn(stats, `${what} before 1970 (negative epoch times) were kept as given`);
}

/** Attribute value as text: strings as they are, other scalars in their JSON spelling. */
export function attributeText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number") checkExact(value);
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/**
 * Where JSON numbers for 64-bit fields exceed 2^53, quote them before JSON.parse so no precision
 * is lost: OTLP times and intValue, Jaeger's typed tag `value` (an int64 tag is a bare number),
 * Jaeger's and Zipkin's times. Only integers: a number with a fraction or exponent is left alone.
 */
const BIG_NUMBER_FIELDS =
  /("(?:startTimeUnixNano|endTimeUnixNano|start_time_unix_nano|end_time_unix_nano|timeUnixNano|time_unix_nano|intValue|int_value|value|startTime|start_time|timestamp|duration)"\s*:\s*)(-?\d{16,})(?![\d.eE])/g;

export function quoteBigNumbers(text: string): string {
  return text.replace(BIG_NUMBER_FIELDS, '$1"$2"');
}
