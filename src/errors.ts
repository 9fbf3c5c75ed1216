// The error types the core throws, and the one table that maps them to exit codes.
// 0 success, 1 a check failed on purpose, 2 bad usage or bad input (or no room to write: a full
// disk, a quota, the file-size limit), 70 an internal error (a bug: EX_SOFTWARE), 130 interrupted
// (SIGINT), 143 terminated (SIGTERM).
import { tmpdir } from "node:os";
import { sep } from "node:path";

/** The user asked for something that cannot be done as asked (a wrong flag, a bad value). */
export class UsageError extends Error {
  override name = "UsageError";
}

/** An input (file, record, database, config) is unreadable or malformed. */
export class InputError extends Error {
  override name = "InputError";
  /** Where: a file name, optionally with `:line` or `:record N`. */
  readonly where: string | undefined;
  constructor(where: string | undefined, message: string, options?: { cause?: unknown }) {
    super(where ? `${where}: ${message}` : message, options);
    this.where = where;
  }
}

/** A gate or a flag check fired on purpose (`--fail-on-flag`, diff thresholds). */
export class CheckFailed extends Error {
  override name = "CheckFailed";
  /** Lines for stderr that say what breached. */
  readonly details: string[];
  constructor(message: string, details: string[] = []) {
    super(message);
    this.details = details;
  }
}

/** The user interrupted (SIGINT). */
export class Interrupted extends Error {
  override name = "Interrupted";
  constructor() {
    super("interrupted");
  }
}

export const ExitCode = {
  ok: 0,
  checkFailed: 1,
  badInput: 2,
  /** Anything the core did not throw on purpose: a bug (sysexits.h EX_SOFTWARE). */
  internalError: 70,
  interrupted: 130,
  terminated: 143,
} as const;

// Node's error codes and the OS's words for them (DuckDB's I/O errors carry only the words).
const NO_ROOM: readonly [RegExp, string][] = [
  [/\bENOSPC\b|no space left on device/i, "no space left on device"],
  [/\bEFBIG\b|file too large/i, "file too large for the file-size limit (ulimit -f)"],
  [/\bEDQUOT\b|disk quota exceeded/i, "disk quota exceeded"],
];

/** adtrace's own temporary directories (stdin copies, spools, unpacked Parquet, DuckDB's spill, outputs for a device). */
const TEMPORARY = /^adtrace-(stdin|spool|parquet|duckdb|out)-[^/]*(\/|$)/;

/**
 * A write that failed because the disk, a quota or the file-size limit ran out: the user's to fix,
 * not a bug, so an InputError (exit 2) naming `where` (by default the path the error names; one
 * of adtrace's temporary files is named by the temporary directory). Undefined for anything else.
 */
export function noRoomError(error: unknown, where?: string): InputError | undefined {
  if (error instanceof InputError || error instanceof UsageError || error instanceof CheckFailed) return undefined;
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const message = error instanceof Error ? error.message : String(error);
  const reason = NO_ROOM.find(([pattern]) => (typeof code === "string" && pattern.test(code)) || pattern.test(message))?.[1];
  if (!reason) return undefined;
  if (where !== undefined) return new InputError(where, reason, { cause: error });
  const path = (error as { path?: unknown }).path ?? /"([^"]+)"/.exec(message)?.[1];
  if (typeof path !== "string") return new InputError(undefined, reason, { cause: error });
  const temporary = tmpdir();
  if (path.startsWith(temporary + sep) && TEMPORARY.test(path.slice(temporary.length + 1))) {
    return new InputError(temporary, `${reason}, writing temporary files (TMPDIR moves them)`, { cause: error });
  }
  // DuckDB names its write-ahead log; the user knows the database.
  return new InputError(path.replace(/\.wal$/, ""), reason, { cause: error });
}

/** Exit code for an error the core threw, or undefined for an unexpected one (a bug). */
export function exitCodeFor(error: unknown): number | undefined {
  if (error instanceof CheckFailed) return ExitCode.checkFailed;
  if (error instanceof UsageError || error instanceof InputError) return ExitCode.badInput;
  if (error instanceof Interrupted) return ExitCode.interrupted;
  return undefined;
}

/** How much of a value from the input a message quotes. */
const QUOTED_CHARS = 40;

/**
 * A value from the input as a message quotes it: whole when short, else its start and its
 * length, so a 300-digit timestamp or a megabyte of text never floods a line on stderr.
 */
export function clip(value: unknown, max = QUOTED_CHARS): string {
  const text = typeof value === "string" ? value : String(value);
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

/** Values from the input listed in a message: each clipped, and the first `max` of them. */
export function clipList(values: readonly unknown[], max = 30): string {
  const shown = values.slice(0, max).map((v) => clip(v)).join(", ");
  return values.length > max ? `${shown}, … (${values.length} in all)` : shown;
}
