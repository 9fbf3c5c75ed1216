import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/setup/build.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Child processes, so the in-process CLI runs (test/helpers/in-process.ts) may chdir and set
    // process.env; three at a time on a 2-core machine, since many tests wait on a child CLI, a
    // PostgreSQL server or a held run rather than compute. Files share nothing: every test writes
    // under its own mkdtemp directory and the PostgreSQL helper takes a free port.
    pool: "forks",
    maxWorkers: 3,
  },
});
