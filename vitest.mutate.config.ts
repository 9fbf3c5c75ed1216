// The test layers StrykerJS runs for each mutant (`npm run mutate`, stryker.config.mjs): the core,
// output and in-process CLI tests, which import src/ and so see its mutants. Files that mostly
// spawn the built CLI (dist/, which Stryker does not mutate), start PostgreSQL, or measure a
// process are left out: they would cost minutes per mutant and kill none.
// MUTATE_TESTS=prices,weights narrows the run to those files (test/prices.test.ts…): the initial
// run of all of them takes minutes on a loaded machine, and a file's mutants are mostly covered by
// a few of them. The score then counts only what those files kill.
// MUTATE_TESTS may name chDB files (MUTATE_TESTS=clickhouse-source,clickhouse): the list then runs
// in forks (chdbInForks below).
import { defineConfig, type Plugin } from "vitest/config";

const ALL = [
  "test/self-time.test.ts", "test/prices.test.ts", "test/event-weight.test.ts", "test/diff-gates.test.ts",
  "test/cost-model.test.ts", "test/weights.test.ts", "test/decisions.test.ts", "test/breakdown-groups.test.ts",
  "test/csv-guard.test.ts", "test/output.test.ts", "test/parsing.test.ts", "test/queries.test.ts",
  "test/fixture.test.ts", "test/decisions-cli.test.ts", "test/events-per-day.test.ts", "test/report-diff.test.ts",
  "test/retime.test.ts", "test/time-units.test.ts", "test/input-shapes.test.ts", "test/ingest-edge.test.ts",
  "test/command-options.test.ts", "test/cost-options.test.ts", "test/diff-options.test.ts", "test/statistics.test.ts",
];
/** The files MUTATE_TESTS names (prices,weights → test/prices.test.ts, test/weights.test.ts), if it is set. */
export const mutateTests = (): string[] | undefined => process.env.MUTATE_TESTS?.split(",").map((name) => `test/${name.trim()}.test.ts`);
const only = mutateTests();

/** The test files that load chDB (the ClickHouse engine as a native library) in the test process (mutate-sample.test.ts checks that every file importing test/helpers/chdb.ts is here). */
export const CHDB_FILES = [
  "clickhouse", "clickhouse-advise", "clickhouse-diff", "clickhouse-duplicates", "clickhouse-events", "clickhouse-flags",
  "clickhouse-http", "clickhouse-inspect", "clickhouse-map", "clickhouse-outliers", "clickhouse-plan", "clickhouse-reconcile",
  "clickhouse-report", "clickhouse-savings", "clickhouse-survivors-28", "clickhouse-survivors-29", "clickhouse-33", "chdb-missing",
].map((name) => `test/${name}.test.ts`);

/**
 * For a list that holds a chDB file, a plugin that runs the list in forks. StrykerJS's vitest
 * runner sets `pool: "threads"` over any config (one worker thread, a new one for each run), and a
 * process that loaded chDB in a worker thread segfaults when vitest ends that thread at the end of
 * the run: the dry run passes, then Stryker's test runner process dies (SIGSEGV) before it reports.
 * In a child process (vitest's forks, as `npm test` runs) chDB ends with the process, cleanly.
 * Stryker's override reaches each project's config before any plugin hook, so the pool is set
 * back in `configureVitest`, which runs after; Stryker's setup file, its coverage and the active
 * mutant travel to a fork as to a thread (vitest's provide/inject and the files' meta).
 */
export function chdbInForks(include: string[]): Plugin[] {
  if (!include.some((file) => CHDB_FILES.includes(file))) return [];
  return [{ name: "adtrace:chdb-in-forks", configureVitest({ project }) { project.config.pool = "forks"; } }];
}

export default defineConfig({
  plugins: chdbInForks(only ?? ALL),
  test: {
    include: only ?? ALL,
    globalSetup: ["test/setup/build.ts"],
    // Generous: Stryker times each mutant by the dry run's own times, so a test time-out here is
    // never a finding, and one hit while DuckDB is mid-query takes the worker (and the dry run) down
    // with it (TESTING.md, "The seed-26 sample"). The default suite keeps vitest.config.ts's limits.
    testTimeout: 300_000,
    hookTimeout: 600_000,
  },
});
