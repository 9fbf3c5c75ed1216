// Standard input for an in-process run (test/helpers/in-process.ts): process.stdin replaced for
// the run by a stream of the given bytes (what `-` reads), and the real one put back after. What
// only a real process shows (its own stdin, a signal while it is read) stays a child process.
import { Readable } from "node:stream";

/** Run fn with process.stdin reading `input`, and the real one put back after. */
export async function withStdin<T>(input: string | Buffer, fn: () => Promise<T>): Promise<T> {
  const saved = Object.getOwnPropertyDescriptor(process, "stdin")!;
  Object.defineProperty(process, "stdin", { value: Readable.from([Buffer.from(input)]), configurable: true, enumerable: true });
  try {
    return await fn();
  } finally {
    Object.defineProperty(process, "stdin", saved);
  }
}
