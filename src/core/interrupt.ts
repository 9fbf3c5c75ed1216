// Clean-ups to run if the user interrupts (Ctrl-C): temporary files that must not be left behind.
const cleanups = new Set<() => void>();

export function onInterrupt(cleanup: () => void): () => void {
  cleanups.add(cleanup);
  return () => cleanups.delete(cleanup);
}

export function runInterruptCleanups(): void {
  for (const cleanup of cleanups) {
    try {
      cleanup();
    } catch (error) {
      process.stderr.write(`adtrace: clean-up after interrupt failed: ${(error as Error).message}\n`);
    }
  }
  cleanups.clear();
}
