// A chdb: source on a machine without the optional chdb package (issue 17): the CLI says how to
// install it, in one line, exit 2, for every command that takes the source. The package is made
// absent by a resolve hook (test/helpers/no-chdb.mjs, loaded with node --import), not by mocking
// the engine; and Node's own error for a package that is really not there is checked to be the
// one the hook imitates.
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adtrace } from "./helpers/cli.js";

const work = mkdtempSync(join(tmpdir(), "adtrace-no-chdb-"));
const dir = join(work, "ch-data");
mkdirSync(dir);
const HOOK = join(import.meta.dirname, "helpers", "no-chdb.mjs");
const withoutChdb = (extra: NodeJS.ProcessEnv = {}) => ({ env: { NODE_OPTIONS: `--import ${HOOK}`, ...extra } });
const HINT = /^adtrace: error: chdb: sources need the chdb package, the ClickHouse engine as a library \(about 540 MB\): npm install chdb@\d+\.\d+\.\d+$/;

describe("a chdb: source without the chdb package", () => {
  it("Node's real error for an absent package is the one the hook raises (ERR_MODULE_NOT_FOUND naming 'chdb')", () => {
    // A fresh temporary directory: no node_modules on the way up to find chdb in.
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", "import('chdb').then(() => console.log('found'), (e) => console.log(e.code, e.message))"], { cwd: work, encoding: "utf8" });
    expect(run.stdout).toMatch(/^ERR_MODULE_NOT_FOUND Cannot find package 'chdb' imported from /);
  });

  it("inspect, cost breakdown and cost queries: the install hint in one line, exit 2, nothing on stdout", () => {
    for (const args of [["inspect"], ["cost", "breakdown"], ["cost", "queries"]]) {
      const run = adtrace([...args, `chdb:${dir}`], withoutChdb());
      expect(run.code, args.join(" ")).toBe(2);
      expect(run.stdout, args.join(" ")).toBe("");
      expect(run.stderr.trim(), args.join(" ")).toMatch(HINT);
    }
  }, 120_000);

  it("installed but failing to load: the same hint, with why", () => {
    const run = adtrace(["inspect", `chdb:${dir}`], withoutChdb({ ADTRACE_TEST_CHDB: "broken" }));
    expect(run.code).toBe(2);
    expect(run.stderr.trim().split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(/\(it is there but failed to load: libchdb\.so: cannot open shared object file\): npm install chdb@/);
  }, 120_000);

  it("span files need no chdb: the hook leaves everything else alone", () => {
    const run = adtrace(["inspect", "fixtures/auction/otlp.jsonl", "--format", "json"], withoutChdb());
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).spans).toBe(369);
  }, 120_000);
});
