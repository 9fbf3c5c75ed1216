// Vitest global setup: build dist/ once, so tests that run the CLI as a child process test the
// code under test, not a stale build; and give the run a temporary directory of its own (TMPDIR,
// which the test workers and every CLI they start inherit), removed when the run ends, so the
// files tests write and the runs they kill on purpose leave nothing behind. The run's PostgreSQL
// server (test/helpers/postgres.ts, postgresDatabase: one for all files) lives there too, and is
// stopped here at the end.
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stopSharedPostgres } from "../helpers/postgres.js";

export default function setup(): () => void {
  // scripts/mutate-sql.mjs builds once and runs the tests once per mutation: it skips the build.
  // So does a run whose dist/ is already newer than every source file and tsconfig.json (after
  // `npm install`'s prepare, or a build by hand): tsc would write the same files again, about
  // 13 CPU-seconds for nothing.
  const skip = process.env.ADTRACE_TEST_SKIP_BUILD === "1" && existsSync("dist/index.js");
  if (!skip && !distIsCurrent()) {
    execFileSync(process.execPath, ["node_modules/typescript/bin/tsc", "-p", "tsconfig.json"], { stdio: "inherit" });
  }
  const dir = mkdtempSync(join(tmpdir(), "adtrace-tests-"));
  // Like /tmp: the PostgreSQL and permission tests run programs as user nobody inside it.
  chmodSync(dir, 0o1777);
  process.env.TMPDIR = dir;
  process.env.ADTRACE_TEST_RUN_DIR = dir;
  return () => {
    try {
      stopSharedPostgres(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

/**
 * Whether every src/**\/*.ts has its dist/**\/*.js, written after both it and tsconfig.json were
 * last changed (tsc rewrites every output on each build, so an output older than its source, or
 * missing, means the build is behind).
 */
export function distIsCurrent(src = "src", dist = "dist", config = "tsconfig.json"): boolean {
  const configTime = statSync(config).mtimeMs;
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.isDirectory() ? walk(join(dir, entry.name)) : entry.name.endsWith(".ts") ? [join(dir, entry.name)] : []);
  return walk(src).every((file) => {
    const out = join(dist, file.slice(src.length).replace(/\.ts$/, ".js"));
    if (!existsSync(out)) return false;
    const built = statSync(out).mtimeMs;
    return built >= statSync(file).mtimeMs && built >= configTime;
  });
}
