// The wide list (vitest.mutate-wide.config.ts) and the ClickHouse files, for the mutants of
// src/analysis/clickhouse*.ts and src/output/clickhouse-inspect-view.ts, which only the chDB files
// reach (issue 25): every other list leaves them "no coverage". The chDB files load the ClickHouse
// engine in the test process, so the list runs in forks (chdbInForks, vitest.mutate.config.ts).
// Without MUTATE_TESTS it is the wide list's files and these (the wide list's dry run, about 30
// minutes, and the chDB files', about 15 more), so a --retry over a sample gives every mutant at
// least the wide list's tests:
//   node scripts/mutate-sample.mjs --retry reports/mutation-sample --tests vitest.mutate-clickhouse.config.ts
// MUTATE_TESTS names the files alone, as in vitest.mutate.config.ts (there too the chDB files run
// in forks), for one file's mutants:
//   MUTATE_TESTS=clickhouse-source,clickhouse npm run mutate -- --mutate src/analysis/clickhouse.ts --concurrency 1 --timeoutMS 300000
// A mutant's time limit is its covering tests' dry-run time × 1.5 + timeoutMS (60 s in
// stryker.config.mjs). A mutant that survives clickhouse.test.ts runs all 11 of its tests, about
// 100 s in the dry run and 200 s at load 15 (task chstry29): at 60 s, three mutants that do not
// hang (two killed, one survived, by hand) came back "timeout", which Stryker counts as detected.
import { defineConfig } from "vitest/config";
import wide from "./vitest.mutate-wide.config";
import { CHDB_FILES, chdbInForks, mutateTests } from "./vitest.mutate.config";

/** The ClickHouse files no other list runs: the chDB files, and the fragments' and otel_traces' files. */
export const CLICKHOUSE = [...CHDB_FILES, "test/clickhouse-fragments.test.ts", "test/clickhouse-otel.test.ts"];
const only = mutateTests();
const include = only ?? [...new Set([...(wide.test?.include ?? []), ...CLICKHOUSE])];

export default defineConfig({
  plugins: chdbInForks(include),
  test: {
    ...wide.test,
    include,
  },
});
