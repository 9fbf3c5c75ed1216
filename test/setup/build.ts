// Vitest global setup: build dist/ once, so tests that run the CLI as a child process test the
// code under test, not a stale build; and give the run a temporary directory of its own (TMPDIR,
// which the test workers and every CLI they start inherit), removed when the run ends, so the
// files tests write and the runs they kill on purpose leave nothing behind.
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export default function setup(): () => void {
  // scripts/mutate-sql.mjs builds once and runs the tests once per mutation: it skips the build.
  if (process.env.ADTRACE_TEST_SKIP_BUILD !== "1" || !existsSync("dist/index.js")) {
    execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.json"], { stdio: "inherit" });
  }
  const dir = mkdtempSync(join(tmpdir(), "adtrace-tests-"));
  // Like /tmp: the PostgreSQL and permission tests run programs as user nobody inside it.
  chmodSync(dir, 0o1777);
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true });
}
