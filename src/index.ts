// The entry point: parse the command line, run the command, and map what happened to an exit
// code. The only top-level catch and the only process.exit live here.
import { CommanderError } from "commander";
import { buildProgram } from "./cli.js";
import { exitCodeFor, ExitCode, CheckFailed } from "./errors.js";
import { runInterruptCleanups } from "./core/interrupt.js";

export async function main(argv: string[]): Promise<void> {
  const debug = argv.includes("--debug");
  const program = buildProgram();
  // A reader that stops early (adtrace … | head) is not an error.
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(ExitCode.ok);
    throw error;
  });
  process.on("SIGINT", () => {
    runInterruptCleanups();
    process.stderr.write("\nadtrace: interrupted\n");
    process.exit(ExitCode.interrupted);
  });
  try {
    await program.parseAsync(argv);
    process.exitCode = ExitCode.ok;
  } catch (error) {
    process.exitCode = handleError(error, debug);
  }
}

function handleError(error: unknown, debug: boolean): number {
  if (error instanceof CommanderError) {
    // Commander has already printed help, the version, or its own usage error.
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.badInput;
  }
  const code = exitCodeFor(error);
  if (code === undefined) {
    // A bug, not bad input: say so, with the stack only under --debug.
    process.stderr.write(`adtrace: internal error: ${(error as Error)?.message ?? String(error)}\n`);
    if (debug) process.stderr.write(`${(error as Error)?.stack ?? ""}\n`);
    else process.stderr.write("adtrace: run again with --debug for the stack trace, and please report it\n");
    return 70;
  }
  if (error instanceof CheckFailed) {
    process.stderr.write(`adtrace: check failed: ${error.message}\n`);
    for (const line of error.details) process.stderr.write(`  ${line}\n`);
  } else {
    process.stderr.write(`adtrace: error: ${oneLine((error as Error).message)}\n`);
  }
  if (debug) process.stderr.write(`${(error as Error).stack ?? ""}\n`);
  return code;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").trim();
}
