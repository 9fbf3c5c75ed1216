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
