// The error types the core throws, and the one table that maps them to exit codes.
// 0 success, 1 a check failed on purpose, 2 bad usage or bad input, 130 interrupted.

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
  interrupted: 130,
} as const;

/** Exit code for an error the core threw, or undefined for an unexpected one (a bug). */
export function exitCodeFor(error: unknown): number | undefined {
  if (error instanceof CheckFailed) return ExitCode.checkFailed;
  if (error instanceof UsageError || error instanceof InputError) return ExitCode.badInput;
  if (error instanceof Interrupted) return ExitCode.interrupted;
  return undefined;
}
