// The entry point: parse the command line, run the command, and map what happened to an exit
// code. The only top-level catch and the only process.exit live here. `run` is the program as a
// function (argv in, exit code out, no process-wide handlers, no exit), which `main` wraps with
// the process's signal and stream handling; tests call `run` in-process (test/helpers/in-process.ts).
import { CommanderError } from "commander";
import { buildProgram, StubReached } from "./cli.js";
import { exitCodeFor, ExitCode, CheckFailed, noRoomError } from "./errors.js";
import { hasCommitBegun, resetInterruptState, runInterruptCleanups, stopSignalHandler } from "./db/interrupt.js";
import * as diagnostics from "./diagnostics.js";

/**
 * Parse `argv` (as process.argv: node, script, arguments…), run the command and return its exit
 * code: 0 ok, 1 a check failed, 2 bad usage or input, 70 a bug. Errors are reported on stderr
 * here; nothing exits and no process-wide handler is installed, so it can run more than once in
 * one process.
 */
export async function run(argv: string[]): Promise<number> {
  resetInterruptState();
  const debug = argv.includes("--debug");
  try {
    try {
      await (await buildProgram(argv)).parseAsync(argv);
    } catch (error) {
      // The arguments did not tell which command runs (cli.ts commandNamed): define them all and parse again.
      if (!(error instanceof StubReached)) throw error;
      await (await buildProgram(argv, { full: true })).parseAsync(argv);
    }
    return ExitCode.ok;
  } catch (error) {
    return handleError(error, debug);
  }
}

export async function main(argv: string[]): Promise<void> {
  // A reader that stops early (adtrace … | head, with or without 2>&1) is not an error: what
  // cannot be written is dropped and the command ends with its own exit code (0 when it worked,
  // still 1 for a breached gate), never a crash on EPIPE.
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EPIPE" || error.code === "ERR_STREAM_DESTROYED") return;
      throw error;
    });
  }
  // Ctrl-C and SIGTERM (a CI cancel) end the run alike: clean up, then exit 130 or 143 — unless a
  // load's commit has begun, which then finishes and is reported (src/db/interrupt.ts).
  for (const [signal, word, code] of [["SIGINT", "interrupted", ExitCode.interrupted], ["SIGTERM", "terminated", ExitCode.terminated]] as const) {
    process.on(signal, () => {
      const stop = stopSignalHandler();
      if (stop) return stop(signal);
      if (hasCommitBegun()) {
        diagnostics.signalled(word, true);
        return;
      }
      runInterruptCleanups();
      diagnostics.signalled(word, false);
      process.exit(code);
    });
  }
  // A file-size limit (ulimit -f) makes a write fail with EFBIG, reported like a full disk, instead
  // of the signal killing the run with its temporary files left behind.
  process.on("SIGXFSZ", () => undefined);
  process.exitCode = await run(argv);
}

function handleError(error: unknown, debug: boolean): number {
  if (error instanceof CommanderError) {
    // Commander has already printed help, the version, or its own usage error.
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.badInput;
  }
  // A full disk, a quota or the file-size limit is not a bug: one line naming where, exit 2.
  error = noRoomError(error) ?? error;
  const code = exitCodeFor(error);
  const message = (error as Error)?.message ?? String(error);
  if (code === undefined) {
    // A bug, not bad input: one line, the whole message and the stack only under --debug.
    diagnostics.internalError(message, (error as Error)?.stack, debug, (error as { queryName?: string } | undefined)?.queryName);
    return ExitCode.internalError;
  }
  if (error instanceof CheckFailed) diagnostics.checkFailed(message, error.details);
  else diagnostics.error(message);
  if (debug) diagnostics.debugTrace(error);
  return code;
}
