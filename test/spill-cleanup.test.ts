// A load that spills (DuckDB writes DB.tmp beside the database when its work passes the memory
// limit) and is ended by a signal before it closes leaves no spill directory behind: DuckDB
// removes it only when it closes, and a 10M-span load left 3.4 GB there. One built-CLI run held
// at a known point (ADTRACE_TEST_HOLD), with a small memory limit so that it spills.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startHeld } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";

const dir = mkdtempSync(join(tmpdir(), "adtrace-spill-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("a signalled load that spilled", () => {
  it("SIGTERM before the commit: exit 143, neither the new database nor its spill directory left", async () => {
    const input = join(dir, "spans.jsonl");
    // About 17 MB of spans: past a 100 MB limit while staging and storing the model.
    expect((await adtraceIn(["generate", "--events", "3000", "--out", input, "-q"])).code).toBe(0);
    const db = join(dir, "new.duckdb");
    // Two threads, as a load of this size ran before small databases stored their model on one
    // (storeModel, below 50,000 spans): on one it stays under the limit and spills nothing.
    const held = await startHeld(["load", input, "--db", db, "-q"], "before-commit", { env: { ADTRACE_MEMORY_LIMIT: "100MB", ADTRACE_THREADS: "2" } });
    expect(readdirSync(dir).sort(), "the load spilled into new.duckdb.tmp").toContain("new.duckdb.tmp");
    held.child.kill("SIGTERM");
    const r = await held.done;
    expect(r.code, r.stderr).toBe(143);
    expect(readdirSync(dir).sort()).toEqual(["spans.jsonl"]);
  });
});
