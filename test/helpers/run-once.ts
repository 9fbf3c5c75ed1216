// Something expensive built once per test run and read by every file that needs it (issue 25):
// the first file to ask builds it under the run's own directory (test/setup/build.ts sets
// ADTRACE_TEST_RUN_DIR), the others wait on a lock for it, as test/helpers/postgres.ts shares one
// PostgreSQL server. Outside vitest's global setup (no run directory) each caller builds its own.
// What is built is read-only once built: a caller that writes, or opens a directory another
// process may open (a chDB data directory holds a lock), copies it first.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** How long a waiting file waits for the builder (a build on a busy machine can take a minute). */
const WAIT_MS = 300_000;

/**
 * The directory `build` filled, once per run under the name `name` (a fresh directory of the
 * caller's own when there is no run directory). A build that throws makes every waiter throw the
 * same message.
 */
export async function builtOnce(name: string, build: (dir: string) => Promise<void>): Promise<string> {
  const runDir = process.env.ADTRACE_TEST_RUN_DIR;
  if (!runDir) {
    const dir = mkdtempSync(join(tmpdir(), `adtrace-${name}-`));
    await build(dir);
    return dir;
  }
  const dir = join(runDir, name);
  const ready = join(runDir, `${name}.ready`);
  const failed = join(runDir, `${name}.error`);
  try {
    mkdirSync(join(runDir, `${name}.lock`));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    // Another file is building it: wait.
    for (let waited = 0; !existsSync(ready); waited += 100) {
      if (existsSync(failed)) throw new Error(`building the run's shared ${name} failed in another file: ${readFileSync(failed, "utf8")}`);
      if (waited > WAIT_MS) throw new Error(`the run's shared ${name} was not built within ${waited / 1000}s (${dir})`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return dir;
  }
  try {
    mkdirSync(dir);
    await build(dir);
  } catch (error) {
    writeFileSync(failed, (error as Error).stack ?? String(error));
    throw error;
  }
  writeFileSync(`${ready}.tmp`, "");
  renameSync(`${ready}.tmp`, ready);
  return dir;
}
