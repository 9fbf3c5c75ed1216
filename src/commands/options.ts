// The flag parsers the commands' options layers (src/commands/<name>-options.ts) share, in one
// style: `parseX(flag, text)` returns the typed value or throws a UsageError worded
// `FLAG expects WHAT, got 'TEXT'` (the CLI prints it after "adtrace: error: ", exit 2). Pure and
// light: text in, a value out, nothing read, nothing loaded (cli.ts reaches this through
// shared.ts when it registers the commands). The readers of counts and shares below them,
// shared with the config and scenario files, are src/numbers.ts.
import { UsageError } from "../errors.js";
import type { SamplingRule } from "../model/config.js";
import { readCount, readShare } from "../numbers.js";

/** `--top N` and the like: a whole number ≥ 1 (spaces around it allowed). `what` names it in the message. */
export function parsePositiveInt(flag: string, text: string, what = "a whole number"): number {
  const value = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !(value >= 1) || !Number.isSafeInteger(value)) throw new UsageError(`${flag} expects ${what} ≥ 1, got '${text}'`);
  return value;
}

/** A share from 0 to 1, typed as a fraction or a percentage; `example` is how the message writes one. */
export function parseShareFlag(flag: string, text: string, example = "0.1 or 10%"): number {
  const share = readShare(text);
  if (share === undefined || !(share >= 0 && share <= 1)) throw new UsageError(`${flag} expects a share like ${example}, got '${text}'`);
  return share;
}

/**
 * A relative limit such as `5%` or `0.05`. A bare number above 1 is refused rather than read as
 * a fraction (`5` would be 500%): the message suggests `5%`.
 */
export function parseLimit(flag: string, text: string): number {
  const value = readShare(text);
  if (value === undefined || value < 0) throw new UsageError(`${flag} expects a percentage like 5% or a fraction like 0.05, got '${text}'`);
  if (!text.includes("%") && value > 1) throw new UsageError(`${flag} '${text}' would mean ${+(value * 100).toFixed(4)}%: write ${text.trim()}% for ${text.trim()} percent (a bare number is a fraction ≤ 1)`);
  return value;
}

/** `--events-per-day`: a count of at least one event, as 2000000000, 2e9, 2B or 500M. */
export function parseEventsPerDay(flag: string, text: string): number {
  const value = readCount(text);
  if (value === undefined || !(value >= 1)) throw new UsageError(`${flag} expects a count like 2000000000, 2e9, 2B or 500M, got '${text}'`);
  return value;
}

/** `--timeout`: a number of seconds above 0. */
export function parseSeconds(flag: string, text: string): number {
  const seconds = Number(text);
  if (!(seconds > 0 && Number.isFinite(seconds))) throw new UsageError(`${flag} expects a number of seconds > 0, got '${text}'`);
  return seconds;
}

const BYTE_UNITS: Record<string, number> = { "": 1, b: 1, k: 1 << 10, kb: 1e3, kib: 1 << 10, m: 1 << 20, mb: 1e6, mib: 1 << 20, g: 1 << 30, gb: 1e9, gib: 1 << 30 };

/** A size such as 256MiB, 64MB, 1G or 4096 (bytes). */
export function parseByteSize(flag: string, text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const factor = match ? BYTE_UNITS[match[2]!.toLowerCase()] : undefined;
  const bytes = match && factor !== undefined ? Math.floor(Number(match[1]) * factor) : NaN;
  if (!(bytes >= 1) || !Number.isSafeInteger(bytes)) throw new UsageError(`${flag} expects a size such as 256MiB, 64MB or 1048576 (bytes), got '${text}'`);
  return bytes;
}

const DAY_NS = 86_400_000_000_000n;
const DURATION_UNITS: Record<string, bigint> = {
  ns: 1n, us: 1000n, µs: 1000n, ms: 1_000_000n, s: 1_000_000_000n, m: 60_000_000_000n, min: 60_000_000_000n,
  h: 3_600_000_000_000n, d: DAY_NS, w: 7n * DAY_NS,
};

/** A whole duration such as `1h`, `15m`, `30s`, `500ms`, `7d`, `1w`, in nanoseconds (cost trend, slo check). */
export function parseDurationNs(flag: string, text: string): bigint {
  const match = /^\s*([0-9]+)\s*([a-zµ]+)\s*$/i.exec(text);
  const unit = match ? DURATION_UNITS[match[2]!.toLowerCase()] : undefined;
  if (!match || unit === undefined || BigInt(match[1]!) === 0n) {
    throw new UsageError(`${flag} expects a whole duration such as 15m, 1h or 7d (units: ms, s, m, h, d, w), got '${text}'`);
  }
  return BigInt(match[1]!) * unit;
}

/** 2s, 500ms, 1m or a number of seconds, at least 10 ms, in milliseconds (collect's flushes). */
export function parseDurationMs(flag: string, text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/i.exec(text);
  const ms = match ? Number(match[1]) * ({ ms: 1, s: 1000, m: 60_000 }[(match[2] ?? "s").toLowerCase() as "ms" | "s" | "m"]) : NaN;
  if (!(ms >= 10) || !Number.isFinite(ms)) throw new UsageError(`${flag} expects a duration such as 2s, 500ms or 1m (at least 10ms), got '${text}'`);
  return Math.round(ms);
}

/** `--assume-weight`: a number ≥ 1. */
export function parseAssumeWeight(flag: string, text: string): number {
  const weight = Number(text);
  if (!(weight >= 1) || !Number.isFinite(weight)) throw new UsageError(`${flag} expects a number ≥ 1, got '${text}'`);
  return weight;
}

/** `--sample-rate PATTERN=RATE`: PATTERN globs the span name, or `service:GLOB`, or `attr:KEY=GLOB`. */
export function parseSampleRate(flag: string, text: string): SamplingRule {
  const eq = text.lastIndexOf("=");
  const rate = Number(text.slice(eq + 1));
  if (eq <= 0 || !(rate > 0 && rate <= 1)) throw new UsageError(`${flag} expects PATTERN=RATE with 0 < RATE ≤ 1, e.g. 'db.*=0.1', got '${text}'`);
  const pattern = text.slice(0, eq);
  if (pattern.startsWith("service:")) return { match: { service: pattern.slice(8) }, rate };
  if (pattern.startsWith("attr:")) {
    const inner = pattern.slice(5);
    const sep = inner.indexOf("=");
    if (sep <= 0) throw new UsageError(`${flag} attr:KEY=GLOB=RATE, got '${text}'`);
    return { match: { attribute: { [inner.slice(0, sep)]: inner.slice(sep + 1) } }, rate };
  }
  return { match: { name: pattern }, rate };
}

/** One of a fixed list of words (`--metric cost|latency`). */
export function parseChoice<T extends string>(flag: string, text: string, choices: readonly T[]): T {
  if ((choices as readonly string[]).includes(text)) return text as T;
  throw new UsageError(`${flag} expects ${choices.length === 2 ? choices.join(" or ") : `one of ${choices.join(", ")}`}, got '${text}'`);
}

/** `parse(flag, text)` when the flag was given, else undefined. */
export function ifGiven<T>(flag: string, text: string | undefined, parse: (flag: string, text: string) => T): T | undefined {
  return text === undefined ? undefined : parse(flag, text);
}
