// DuckDB running out of memory while reading a span file is said as that, naming the file, with
// the setting that raises the limit: not "not a readable Parquet file (truncated or corrupt?)",
// which sent users to check a file that was fine. Nothing is left behind (a failed load leaves no
// database). The limit here is absurdly low so that the fixture alone exceeds it.
import { describe, expect, it } from "vitest";
import { existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adtrace } from "./helpers/cli.js";

describe("out of memory while reading a file", () => {
  it("one line naming the file and ADTRACE_MEMORY_LIMIT, exit 2, no database left", () => {
    const db = join(mkdtempSync(join(tmpdir(), "adtrace-oom-")), "spans.duckdb");
    const run = adtrace(["load", "fixtures/auction/spans.parquet", "--db", db], { env: { ADTRACE_MEMORY_LIMIT: "1MB", ADTRACE_THREADS: "1" } });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr.trim()).toMatch(/^adtrace: error: fixtures\/auction\/spans\.parquet: DuckDB ran out of memory reading it \(ADTRACE_MEMORY_LIMIT raises its limit\): Out of Memory Error: /);
    expect(run.stderr).not.toMatch(/corrupt/);
    expect(existsSync(db)).toBe(false);
  });
});

// Past staging, DuckDB running out of memory while storing the model (issue 16: 10M spans under
// load's 256MB) was "internal error: Out of Memory Error", exit 70; at some limits a clean-up after
// it hid it behind "Current transaction is aborted". It is the limit's doing: one line naming the
// database, the limit and the setting, exit 2, and the load's one transaction leaves nothing.
describe("out of memory while storing what was read", () => {
  for (const limit of ["8MB", "24MB"]) {
    it(`at ${limit}: one line naming the database, the limit and ADTRACE_MEMORY_LIMIT, exit 2, no database left`, () => {
      const db = join(mkdtempSync(join(tmpdir(), "adtrace-oom-")), "spans.duckdb");
      const run = adtrace(["load", "fixtures/auction/spans.parquet", "--db", db], { env: { ADTRACE_MEMORY_LIMIT: limit, ADTRACE_THREADS: "1" } });
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
      expect(run.stderr).not.toMatch(/internal error|transaction is aborted/i);
      expect(run.stderr.trim()).toMatch(new RegExp(`^adtrace: error: ${db.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: DuckDB ran out of memory within its ${limit} limit, so nothing was written \\(ADTRACE_MEMORY_LIMIT raises the limit, e\\.g\\. ADTRACE_MEMORY_LIMIT=4GB\\): Out of Memory Error: `));
      expect(existsSync(db)).toBe(false);
      expect(existsSync(`${db}.wal`)).toBe(false);
    });
  }
});
