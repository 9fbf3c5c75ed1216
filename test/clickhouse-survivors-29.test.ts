// Tests for the survivors of the first StrykerJS run over src/analysis/clickhouse.ts with the chDB
// files in its list (issue 25, task chstry29; TESTING.md, "Mutation testing"): each compares the
// ClickHouse path (chDB, in-process) with an independent count, and each was seen to fail with its
// mutant applied by hand. The fixture's chDB copy (test/helpers/chdb.ts).
import { beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chdbDatasets } from "./helpers/chdb.js";
import { recordingChdb } from "./helpers/chdb-record.js";
import { adtraceIn } from "./helpers/in-process.js";

const work = mkdtempSync(join(tmpdir(), "adtrace-ch-surv29-"));
const data: Record<string, { input: string; dir: string }> = {};

beforeAll(async () => {
  await chdbDatasets(work, data);
}, 600_000);

describe("what the engine answered, under --debug", () => {
  // analysis/clickhouse.ts:85 `session.bytesReturned += result.bytes` → `-=` (the bytes went
  // negative; only the --debug line, which the bench reads, shows them).
  it("cost breakdown over chDB: the rows and bytes of every answer the engine gave, added up", async () => {
    const { result: run, executed } = await recordingChdb(() => adtraceIn(["cost", "breakdown", `chdb:${data.fixture!.dir}`, "--format", "json", "--debug"]));
    expect(run.code, run.stderr).toBe(0);
    // Counted from the answers themselves: JSONEachRow is one line per row; bytes as UTF-8.
    const rows = executed.reduce((n, e) => n + e.answer.split("\n").filter((line) => line !== "").length, 0);
    const bytes = executed.reduce((n, e) => n + Buffer.byteLength(e.answer), 0);
    expect(executed.length).toBeGreaterThan(1);
    expect(bytes).toBeGreaterThan(0);
    expect(run.stderr).toContain(`adtrace: clickhouse answered ${rows} rows, ${bytes} bytes\n`);
  }, 300_000);
});
