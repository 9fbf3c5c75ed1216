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

const include = [...(sample.test?.include ?? []), ...WIDE];

export default defineConfig({
  plugins: chdbInForks(include),
  test: {
    ...sample.test,
    globalSetup: [...[sample.test?.globalSetup ?? []].flat(), "test/setup/mutation-sandbox.ts"],
    include,
  },
});
