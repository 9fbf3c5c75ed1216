// The one module that writes to stderr: notes and warnings for a person, progress on a terminal,
// and the error report of src/index.ts. stdout is data; everything else comes through here, one
// line at a time, cleaned of control and format characters (messages name files and quote input,
// which can carry escape sequences or bidi tricks). It sits at the bottom of the layers beside
// errors.ts, so any layer may report; it imports nothing of adtrace's and nothing heavy.
//
// The stream is read at each call (never captured at import), so a test that replaces
// process.stderr.write (test/helpers/in-process.ts) sees every line.

/** Where diagnostics go: process.stderr, or a stream a caller was given (printResult's tests). */
export type DiagnosticStream = { write(text: string | Uint8Array): unknown; isTTY?: boolean };

/** What quietens notes, warnings and progress: --quiet. Errors are never quiet. */
export interface Quiet {
  quiet?: boolean;
}

// C0 and C1 controls and DEL (\p{Cc}); format characters such as U+202A–U+202E, U+2066–U+2069,
// U+200B–U+200F, U+FEFF (\p{Cf}); U+2028 and U+2029, which some terminals take as line breaks.
const UNSAFE = /[\p{Cc}\p{Cf}\u2028\u2029]/gu;

/** Replace unsafe characters with U+FFFD, so no escape sequence or bidi trick from span data reaches a terminal. */
export function stripControl(text: string): string {
  return text.replace(UNSAFE, "\uFFFD");
}

/** A message for stderr: one line, no control or format characters (file names and errors carry data). */
export function messageLine(text: string): string {
  return stripControl(text.replace(/\s*[\r\n]+\s*/g, " ").trim());
}

/** Erase to the end of the line: what a progress line on a terminal ends with. */
const ERASE_LINE = "\u001b[K";

/** The one place bytes reach stderr. Text given here is written as is: callers below build it from messageLine. */
export function writeStderr(text: string | Uint8Array, stream: DiagnosticStream = process.stderr): void {
  stream.write(text);
}

/** `adtrace: MESSAGE` for a person, unless --quiet. */
export function note(options: Quiet, message: string): void {
  if (!options.quiet) writeStderr(`adtrace: ${messageLine(message)}\n`);
}

/** `adtrace: warning: MESSAGE`, unless --quiet. */
export function warning(options: Quiet, message: string): void {
  note(options, `warning: ${message}`);
}

/**
 * `note: MESSAGE` under a result written for a machine (printResult's footnotes). `style` colours
 * the line (dim on a terminal, unchanged otherwise: output/colors.ts decides).
 */
export function resultNote(message: string, style: (text: string) => string, stream: DiagnosticStream = process.stderr): void {
  writeStderr(style(`note: ${messageLine(message)}`) + "\n", stream);
}

/**
 * A progress line, `adtrace: MESSAGE`: on a terminal it overwrites itself (carriage return, then
 * the line, then erase to the end); elsewhere it is a line of its own (callers write one every
 * few seconds, or none).
 */
export function progress(message: string, stream: DiagnosticStream = process.stderr): void {
  const line = `adtrace: ${messageLine(message)}`;
  writeStderr(stream.isTTY ? `\r${line}${ERASE_LINE}` : `${line}\n`, stream);
}

/** Keep the last progress line on a terminal (end it with a newline). */
export function endProgress(stream: DiagnosticStream = process.stderr): void {
  if (stream.isTTY) writeStderr("\n", stream);
}

/** Erase the last progress line on a terminal, so the next note starts on a clean line. */
export function clearProgress(stream: DiagnosticStream = process.stderr): void {
  if (stream.isTTY) writeStderr(`\r${ERASE_LINE}`, stream);
}

/** Whether stderr is a terminal (progress is drawn only there, by callers that count fast). */
export function stderrIsTerminal(): boolean {
  return Boolean(process.stderr.isTTY);
}

/** `adtrace: error: MESSAGE`: bad usage or bad input. */
export function error(message: string): void {
  writeStderr(`adtrace: error: ${messageLine(message)}\n`);
}

/** `adtrace: check failed: MESSAGE` and its indented details: a gate that fired on purpose. */
export function checkFailed(message: string, details: readonly string[]): void {
  writeStderr(`adtrace: check failed: ${messageLine(message)}\n`);
  for (const line of details) writeStderr(`  ${messageLine(line)}\n`);
}

/**
 * A bug: one line (DuckDB's messages run to several: "LINE 1: … ^", "Possible solutions"), or
 * under --debug the whole message and the stack, unsanitised, for whoever debugs it.
 */
export function internalError(message: string, stack: string | undefined, debug: boolean, queryName?: string): void {
  if (debug) writeStderr(`adtrace: internal error: ${message}\n${queryName ? `in the query ${queryName} (queries/${queryName.split(".")[0]}.sql)\n` : ""}${stack ?? ""}\n`);
  else writeStderr(`adtrace: internal error: ${messageLine(message.trim().split("\n")[0]!)} (run again with --debug for details, and please report it)\n`);
}

/** --debug's stack and cause under an error already reported. */
export function debugTrace(error: unknown): void {
  writeStderr(`${(error as Error).stack ?? ""}\n`);
  const cause = (error as Error).cause;
  if (cause) writeStderr(`caused by: ${cause instanceof Error ? cause.stack ?? cause.message : String(cause)}\n`);
}

/** What a signal did: `adtrace: interrupted` on a line of its own (after any progress), or that the run finishes a commit. */
export function signalled(word: string, isFinishing: boolean): void {
  if (isFinishing) writeStderr(`adtrace: ${word} after the data was committed: finishing (the summary is what was stored)\n`);
  else writeStderr(`\nadtrace: ${word}\n`);
}

/** Commander's own messages: its usage errors as one clean `adtrace: error: …` line, help and the rest as they are. */
export function commanderMessage(text: string): void {
  writeStderr(text.startsWith("error:") ? `adtrace: ${messageLine(text)}\n` : text);
}

/** `adtrace: MESSAGE` whatever --quiet says: what the run must tell even a quiet user (a clean-up that failed). */
export function notice(message: string): void {
  writeStderr(`adtrace: ${messageLine(message)}\n`);
}

/** Test-only: the line test/helpers/cli.ts waits for before it signals the run (db/interrupt.ts testHold). */
export function testHoldReached(point: string): void {
  writeStderr(`adtrace: test hold: ${messageLine(point)}\n`);
}
