// StrykerJS over the analysis, model and output code and the commands' options layers (issue 25; `npm run mutate`, not in CI: it
// takes hours on two cores). Each mutant is type-checked first (the TypeScript checker drops the
// ones that do not compile), then only the tests that cover it run, from the in-process layers
// (vitest.mutate.config.ts). `npm run mutate -- --mutate src/analysis/diff.ts` runs one file.
// TESTING.md has the scores.
/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  vitest: { configFile: "vitest.mutate.config.ts", related: false },
  checkers: ["typescript"],
  tsconfigFile: "tsconfig.json",
  mutate: ["src/db/**/*.ts", "src/analysis/**/*.ts", "src/model/**/*.ts", "src/output/**/*.ts", "src/numbers.ts", "src/commands/options.ts", "src/commands/*-options.ts"],
  coverageAnalysis: "perTest",
  ignoreStatic: true,
  concurrency: 2,
  timeoutMS: 60_000,
  thresholds: { high: 90, low: 80, break: null },
  reporters: ["clear-text", "progress", "json"],
  jsonReporter: { fileName: "reports/mutation/mutation.json" },
  tempDirName: ".stryker-tmp",
  cleanTempDir: "always",
};
