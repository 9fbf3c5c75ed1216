// Atomic --out and --out-dir (issue 25), through the built CLI since the contract is what another
// process sees on disk. README: output files and report directories are written to a temporary
// name and renamed. So while a run writes, the target still holds the old file (the run is held
// there with ADTRACE_TEST_HOLD=output-written and then terminated); and when the write fails (the
// file-size limit, ulimit -f) the old file or report is left exactly as it was, with no partial
// file beside it.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adtrace, BIN, FIXTURE, ROOT, startHeld, type CliResult } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";
import { adtraceRuns } from "./helpers/runs.js";

const dir = mkdtempSync(join(tmpdir(), "adtrace-atomic-"));
const fixture = join(ROOT, FIXTURE, "otlp.jsonl");
/** The fixture as canonical Parquet: read in place, so a run writes nothing but its output. */
const parquet = join(dir, "spans.parquet");
const OLD = "the old file\n";

beforeAll(async () => {
  expect((await adtraceIn(["export", fixture, "--out", parquet, "-q"])).code).toBe(0);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A directory holding only `name` with the old content. */
function withOld(name: string): { where: string; target: string } {
  const where = mkdtempSync(join(dir, "out-"));
  const target = join(where, name);
  writeFileSync(target, OLD);
  return { where, target };
}

/** Every file of a report directory, by name. */
const bundle = (path: string) => Object.fromEntries(readdirSync(path).sort().map((f) => [f, readFileSync(join(path, f), "utf8")]));

describe("while the output is written, the target holds the old file", () => {
  for (const [what, name, args] of [
    ["export", "spans.csv", (out: string) => ["export", parquet, "--out", out, "-q"]],
    ["generate", "spans.jsonl", (out: string) => ["generate", "--events", "20", "--out", out, "-q"]],
  ] as const) {
    it(`${what} --out: the new file is written beside it and renamed over it only when complete`, async () => {
      const { where, target } = withOld(name);
      const held = await startHeld(args(target), "output-written");
      expect(readFileSync(target, "utf8")).toBe(OLD);
      const partial = readdirSync(where).filter((f) => f !== name);
      expect(partial).toEqual([`.${name}.${held.child.pid}.tmp`]);
      expect(readFileSync(join(where, partial[0]!), "utf8").length).toBeGreaterThan(OLD.length);
      held.child.kill("SIGTERM");
      expect((await held.done).code).toBe(143);
      expect(readdirSync(where)).toEqual([name]);
      expect(readFileSync(target, "utf8")).toBe(OLD);
      // Not held, the run replaces it.
      expect((await adtraceIn(args(target))).code).toBe(0);
      expect(readdirSync(where)).toEqual([name]);
      expect(readFileSync(target, "utf8")).not.toBe(OLD);
    });
  }

  it("report --out-dir: an earlier report stays whole until the new one is complete", async () => {
    const parent = mkdtempSync(join(dir, "report-"));
    const out = join(parent, "report");
    expect((await adtraceIn(["report", parquet, "--out-dir", out, "--no-timestamp", "-q"])).code).toBe(0);
    writeFileSync(join(out, "summary.md"), "## the earlier report\n");
    const before = bundle(out);
    const held = await startHeld(["report", parquet, "--out-dir", out, "--no-timestamp", "-q"], "output-written");
    expect(bundle(out)).toEqual(before);
    expect(readdirSync(parent).filter((f) => f !== "report")).toHaveLength(1); // the new one, beside it
    held.child.kill("SIGTERM");
    expect((await held.done).code).toBe(143);
    expect(readdirSync(parent)).toEqual(["report"]);
    expect(bundle(out)).toEqual(before);
  });
});

describe("when the write fails, the old file is left as it was", () => {
  /** Run the CLI under a file-size limit of 512-byte blocks (sh's ulimit -f). */
  const limited = (blocks: number, args: string[]): CliResult => {
    const r = spawnSync("sh", ["-c", `ulimit -f ${blocks} && exec "$@"`, "sh", process.execPath, BIN, ...args], {
      cwd: ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" },
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };

  it("--out of an analysis, export --out: exit 2 naming the file, the old file intact, nothing beside it", async () => {
    const cases = ([
      ["breakdown.json", (out: string) => ["cost", "breakdown", parquet, "--by", "name", "--format", "json", "--out", out]],
      ["spans.csv", (out: string) => ["export", parquet, "--out", out]],
    ] as const).map(([name, args]) => ({ name, args, ...withOld(name) }));
    // Both runs in one process under the limit (test/helpers/runs.mjs, each through main as bin/adtrace.js calls it).
    const results = adtraceRuns(cases.map(({ args, target }) => ({ args: args(target) })), { fileSizeBlocks: 1 });
    for (const [i, { name, where, target }] of cases.entries()) {
      const r = results[i]!;
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toBe(`adtrace: error: ${target}: file too large for the file-size limit (ulimit -f)\n`);
      expect(readdirSync(where), name).toEqual([name]);
      expect(readFileSync(target, "utf8"), name).toBe(OLD);
    }
  });

  it("report --out-dir over an earlier report: exit 2, the earlier report whole", async () => {
    const parent = mkdtempSync(join(dir, "report-fail-"));
    const out = join(parent, "report");
    expect((await adtraceIn(["report", parquet, "--out-dir", out, "-q"])).code).toBe(0);
    const before = bundle(out);
    const r = limited(1, ["report", parquet, "--out-dir", out, "-q"]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toBe(`adtrace: error: ${out}: file too large for the file-size limit (ulimit -f)\n`);
    expect(readdirSync(parent)).toEqual(["report"]);
    expect(bundle(out)).toEqual(before);
  });
});
