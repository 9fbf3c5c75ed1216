// Vitest global setup for the mutation runs' widest list (vitest.mutate-wide.config.ts): Stryker
// makes its sandbox with mkdtemp, readable by its owner only, and bad-input's permission test runs
// the built CLI as user nobody from the sandbox's own test/helpers and dist/. So the sandbox and the
// .stryker-tmp folder holding it are opened for others to read, as a clone's folders are. Outside
// a Stryker sandbox this does nothing.
import { chmodSync } from "node:fs";
import { basename, dirname } from "node:path";

export default function setup(): void {
  const sandbox = process.cwd();
  const tmp = dirname(sandbox);
  if (basename(tmp) !== ".stryker-tmp" || !basename(sandbox).startsWith("sandbox-")) return;
  chmodSync(tmp, 0o755);
  chmodSync(sandbox, 0o755);
}
