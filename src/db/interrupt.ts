// What a signal that ends the run must do, and the one moment it must not end it.
// Ctrl-C (SIGINT) and SIGTERM (what a CI cancel, `kill` or a container stop sends) both run the
// clean-ups registered here, so temporary files (spools, partial outputs, a database file this run
// created, DuckDB spill directories) are not left behind, then src/index.ts exits 130 or 143.
// Once a commit to a database file has begun, though, the data is stored (or about to be): a
// signal then would report "interrupted" about data that is there. From that point the signal is
// noted and the run finishes and reports what it stored. Either the interrupt wins and nothing is
// committed, or the commit wins and the run says so; never one said and the other done.
import { notice, testHoldReached } from "../diagnostics.js";

const cleanups = new Set<() => void>();
let commitBegun = false;
let stopHandler: ((signal: "SIGINT" | "SIGTERM") => void) | undefined;

/**
 * A long-running command that stops cleanly (adtrace collect: stop accepting, commit, exit 0)
 * handles SIGINT and SIGTERM itself while registered, instead of the run ending at once.
 */
export function onStopSignal(handler: (signal: "SIGINT" | "SIGTERM") => void): () => void {
  stopHandler = handler;
  return () => {
    if (stopHandler === handler) stopHandler = undefined;
  };
}

export function stopSignalHandler(): ((signal: "SIGINT" | "SIGTERM") => void) | undefined {
  return stopHandler;
}

export function onInterrupt(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

export function runInterruptCleanups(): void {
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch (error) {
      notice(`clean-up after interrupt failed: ${(error as Error).message}`);
    }
  }
  cleanups.clear();
}

/** A new run starts with no clean-ups and no commit begun (src/index.ts `run`, which tests call more than once in one process). */
export function resetInterruptState(): void {
  cleanups.clear();
  commitBegun = false;
  stopHandler = undefined;
}

/** Called just before a database file's COMMIT: from here on a signal no longer ends the run. */
export function beginCommit(): void {
  commitBegun = true;
}

/** Whether a commit to a database file has begun (a signal now lets the run finish). */
export function hasCommitBegun(): boolean {
  return commitBegun;
}

/**
 * Test-only: when ADTRACE_TEST_HOLD names `point`, write `adtrace: test hold: POINT` to stderr and
 * wait there until SIGINT or SIGTERM arrives (or a minute passes), so a test can signal the run at
 * a known point instead of racing it. Without the variable it returns at once.
 */
export async function testHold(point: string): Promise<void> {
  if (process.env.ADTRACE_TEST_HOLD !== point) return;
  testHoldReached(point);
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      process.off("SIGINT", done);
      process.off("SIGTERM", done);
      resolve();
    };
    const timer = setTimeout(done, 60_000);
    process.on("SIGINT", done);
    process.on("SIGTERM", done);
  });
}
