// The test layers StrykerJS runs for each mutant (`npm run mutate`, stryker.config.mjs): the core,
// output and in-process CLI tests, which import src/ and so see its mutants. Files that mostly
// spawn the built CLI (dist/, which Stryker does not mutate), start PostgreSQL, or measure a
// process are left out: they would cost minutes per mutant and kill none.
// MUTATE_TESTS=prices,weights narrows the run to those files (test/prices.test.ts…): the initial
// run of all of them takes minutes on a loaded machine, and a file's mutants are mostly covered by
// a few of them. The score then counts only what those files kill.
import { defineConfig } from "vitest/config";

const ALL = [
  "test/self-time.test.ts", "test/prices.test.ts", "test/event-weight.test.ts", "test/diff-gates.test.ts",
  "test/cost-model.test.ts", "test/weights.test.ts", "test/decisions.test.ts", "test/breakdown-groups.test.ts",
  "test/csv-guard.test.ts", "test/output.test.ts", "test/parsing.test.ts", "test/queries.test.ts",
  "test/fixture.test.ts", "test/decisions-cli.test.ts", "test/events-per-day.test.ts", "test/report-diff.test.ts",
  "test/retime.test.ts", "test/time-units.test.ts", "test/input-shapes.test.ts", "test/ingest-edge.test.ts",
  "test/command-options.test.ts", "test/cost-options.test.ts", "test/diff-options.test.ts", "test/statistics.test.ts",
];
const only = process.env.MUTATE_TESTS?.split(",").map((name) => `test/${name.trim()}.test.ts`);

export default defineConfig({
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
