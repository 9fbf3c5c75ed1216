// What ClickHouse is asked to plan (issue 25, and every pushed-down analysis's server CPU): the
// statements each command sends, recorded from an in-process run over the fixture in chDB
// (test/helpers/chdb-record.ts), and for each the size of the query tree ClickHouse's analyzer
// makes of it (EXPLAIN QUERY TREE, lines). The analyzer copies an alias's whole expression into
// every place the alias is used, so aliases built on aliases in one SELECT multiply the tree; the
// model's steps are subqueries of their own for that reason (queries/clickhouse.sql, traces and
// enriched). Planning the tree is what a statement costs on a small input: before that change
// the breakdown's tree had 14,925 lines and cost 1.9–2.2 CPU s to plan, whatever the data; the
// smallest tree of a statement reading the model was 8,822 lines. A size, not a time: the same
// statements give the same tree on any machine with this chDB version (package-lock.json).
import { beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adtraceIn } from "./helpers/in-process.js";
import { chdbDatasets } from "./helpers/chdb.js";
import { recordingChdb } from "./helpers/chdb-record.js";

const work = mkdtempSync(join(tmpdir(), "adtrace-ch-plan-"));
const data: Record<string, { input: string; dir: string }> = {};

beforeAll(async () => {
  await chdbDatasets(work, data);
}, 600_000);

// Under the smallest tree any statement reading the model had before (8,822 lines): a statement
// that goes back to aliases on aliases in one SELECT grows past it.
const MAX_TREE_LINES = 8_000;

const COMMANDS: string[][] = [
  ["cost", "breakdown"],
  ["cost", "queries"],
  ["cost", "flags"],
  ["savings", "--suggest"],
  ["inspect"],
  ["cost", "outliers"],
  ["cost", "trend", "--every", "10s", "--by", "stage"],
  ["sampling", "advise"],
];

describe("the query trees ClickHouse plans for each command stay small", () => {
  for (const command of COMMANDS) {
    it(`${command.join(" ")}: every statement's tree under ${MAX_TREE_LINES} lines`, async () => {
      const { result, executed } = await recordingChdb(() => adtraceIn([...command, `chdb:${data.fixture!.dir}`, "--format", "json"]), { explain: true });
      expect(result.stderr).not.toMatch(/^adtrace: error/m);
      expect(result.code).toBe(0);
      // The model is the statement's first CTE: at least one statement reads it.
      const model = executed.filter((e) => /\bcosted_spans AS \(/.test(e.sql));
      expect(model.length).toBeGreaterThan(0);
      const large = executed.filter((e) => e.treeLines! > MAX_TREE_LINES).map((e) => `${e.treeLines} lines: ${e.sql.slice(-200).replace(/\s+/g, " ")}`);
      expect(large).toEqual([]);
    }, 600_000);
  }
});
