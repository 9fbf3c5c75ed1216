// The widest test list `npm run mutate:sample` can run for a mutant in reasonable time: the
// sample's list (vitest.mutate-sample.config.ts) plus every other file that runs src/ in-process,
// PostgreSQL's included (the tests start their own server). Earlier passes moved most end-to-end
// claims in-process (adtraceIn, test/helpers/in-process.ts), where Stryker sees them; in a narrower
// list the mutants only those files reach come back "no coverage" though the suite kills them.
// Still left out: the chDB/ClickHouse files (minutes of set-up each; vitest.mutate-clickhouse.config.ts
// is this list with them, in forks), the browser, and the files that only measure a process or the repository (package,
// self-contained, layers, ci-workflow). stable-output is in: it runs in-process in every pool
// (its CLI check once ran the built CLI as a child, which recomputed the model of a database the
// in-process code had loaded; the model's digest now holds the walk's WALK_REVISION, not its
// compiled text, so dist/ and src/ agree).
//   node scripts/mutate-sample.mjs --retry reports/mutation-sample --tests vitest.mutate-wide.config.ts
import { defineConfig } from "vitest/config";
import sample from "./vitest.mutate-sample.config";
import { chdbInForks } from "./vitest.mutate.config";

export const WIDE = [
  "hardening", "durability", "bad-input", "hostile-input", "ingest-formats", "generate", "ci-markdown",
  "billing", "billing-pull", "pull", "json-v1", "cli", "arrow-format", "atomic-out", "color-format",
  "ingest-adapters", "tempo-block", "input-format-registry", "collect", "collect-load",
  "otlp-protobuf", "fuzz", "diff-sources", "diagnostics", "progress", "model-memory", "load-model",
  "by-attribute", "spill-cleanup", "memory-limit", "fixed-cost-lazy", "parsing", "stable-output",
].map((name) => `test/${name}.test.ts`);

/**
 * The test files no mutation list runs, and why (mutate-sample.test.ts checks that every test file
 * is in vitest.mutate-clickhouse.config.ts's list or here, so a new file is put in one or the other).
 */
export const NOT_MUTATED: Record<string, string> = {
  "test/package.test.ts": "installs the packed tarball (dist/, not mutated)",
  "test/report-browser.test.ts": "drives Chromium over report.html; the page's text is checked in-process by report-html and units-29",
  "test/self-contained.test.ts": "reads the repository's files, not src/'s behaviour",
  "test/layers.test.ts": "reads src/'s import lines",
  "test/ci-workflow.test.ts": "runs the CI recipe's shell steps",
  "test/mutate-sample.test.ts": "tests scripts/mutate-sample.mjs, not src/",
  "test/lazy-commands.test.ts": "tests src/cli.ts, which Stryker does not mutate",
  "test/walk-revision.test.ts": "hashes the walk's source text: any mutant of it fails the hash, a kill that says nothing",
  "test/yaml-collection-keys.test.ts": "the yaml package's process warning, through the built CLI (dist/)",
};

const include = [...(sample.test?.include ?? []), ...WIDE];

export default defineConfig({
  plugins: chdbInForks(include),
  test: {
    ...sample.test,
    globalSetup: [...[sample.test?.globalSetup ?? []].flat(), "test/setup/mutation-sandbox.ts"],
    include,
  },
});
