// The canonical span record every adapter produces (one row of the `spans` table, see
// DESIGN.md), and the normalisers they share: ids, enums, epoch times, attribute values.

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

export function warn(stats: IngestStats, message: string): void {
  stats.warnings.set(message, (stats.warnings.get(message) ?? 0) + 1);
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
  if (typeof raw === "number") return Number.isFinite(raw) ? BigInt(Math.trunc(raw)) : undefined;
  if (typeof raw === "string" && /^-?\d+$/.test(raw.trim())) return BigInt(raw.trim());
  return undefined;
}

// Epoch magnitudes: now is ~1.7e18 ns, ~1.7e15 µs, ~1.7e12 ms, ~1.7e9 s.
const NS_FLOOR = 10n ** 17n;
const US_FLOOR = 10n ** 14n;
const MS_FLOOR = 10n ** 11n;

/**
 * Epoch nanoseconds from a value that should be ns. Values clearly in µs, ms or s (a nanosecond
 * epoch before 1973) are scaled, and the caller is told which unit it found so it can warn.
 */
export function epochNs(value: bigint): { ns: bigint; unit: "ns" | "us" | "ms" | "s" } {
  const abs = value < 0n ? -value : value;
  if (abs >= NS_FLOOR || abs === 0n) return { ns: value, unit: "ns" };
  if (abs >= US_FLOOR) return { ns: value * 1_000n, unit: "us" };
  if (abs >= MS_FLOOR) return { ns: value * 1_000_000n, unit: "ms" };
  return { ns: value * 1_000_000_000n, unit: "s" };
}

/** Attribute value as text: strings as they are, other scalars in their JSON spelling. */
export function attributeText(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === null || value === undefined) return "";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

/**
 * Where JSON numbers for 64-bit fields exceed 2^53, quote them before JSON.parse so no precision
 * is lost: OTLP times and intValue, and Jaeger's typed tag `value` (an int64 tag is a bare number).
 * Only integers: a number with a fraction or exponent is left alone.
 */
const BIG_NUMBER_FIELDS = /("(?:startTimeUnixNano|endTimeUnixNano|start_time_unix_nano|end_time_unix_nano|timeUnixNano|time_unix_nano|intValue|int_value|value)"\s*:\s*)(-?\d{16,})(?![\d.eE])/g;

export function quoteBigNumbers(text: string): string {
  return text.replace(BIG_NUMBER_FIELDS, '$1"$2"');
}
