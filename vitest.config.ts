import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/setup/build.ts"],
    // Each file gets process.env and the working directory back as they were when it started.
    setupFiles: ["test/setup/restore-process.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Child processes, so the in-process CLI runs (test/helpers/in-process.ts) may chdir and set
    // process.env; three at a time on a 2-core machine, since many tests wait on a child CLI, a
    // PostgreSQL server or a held run rather than compute. Files share nothing: every test writes
    // under its own mkdtemp directory and the PostgreSQL helper takes a free port.
    pool: "forks",
    maxWorkers: 3,
    // A worker runs file after file without restarting: Node, vitest, the transformed src/ modules
    // and DuckDB's library load once per worker, not once per file (TESTING.md, "The fixed cost").
    // What a file changes in process.env or the cwd is put back by the setup file above; the
    // in-process CLI (test/helpers/in-process.ts) puts back its own on every run.
    isolate: false,
  },
});
