// The CLI surface: --help and --version start without DuckDB, usage errors exit 2, every
// command has help with examples.
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { adtrace, FIXTURE } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";

// A preload that reports every module whose name mentions duckdb as it is required.
const probe = join(mkdtempSync(join(tmpdir(), "adtrace-probe-")), "probe.cjs");
writeFileSync(probe, `const M = require("module"); const load = M._load;
M._load = function (request) { if (/duckdb/i.test(request)) process.stderr.write("PROBE duckdb\\n"); return load.apply(this, arguments); };`);
const withProbe = { env: { NODE_OPTIONS: `--require ${probe}` } };

describe("cli", () => {
  it("--help and --version do not load DuckDB; an analysis does", async () => {
    const help = adtrace(["--help"], withProbe);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: adtrace/);
    expect(help.stderr).not.toMatch(/PROBE duckdb/);
    expect(adtrace(["--version"], withProbe).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(adtrace(["inspect", `${FIXTURE}/otlp.jsonl`, "--format", "json"], withProbe).stderr).toMatch(/PROBE duckdb/);
  });

  it("every command's help has examples", async () => {
    for (const command of [["load"], ["pull"], ["inspect"], ["export"], ["cost", "breakdown"], ["cost", "queries"], ["cost", "flags"], ["savings"], ["report"], ["diff"], ["generate"], ["init"], ["sampling", "advise"], ["cost", "critical-path"], ["cost", "outliers"], ["cost", "trend"], ["slo", "check"], ["trace"]]) {
      const r = await adtraceIn([...command, "--help"]);
      expect(r.code, command.join(" ")).toBe(0);
      expect(r.stdout, command.join(" ")).toMatch(/Examples:\n\s+\$ .*adtrace /);
    }
  });

  it("usage errors exit 2 with one line and a hint", async () => {
    // The process's own exit code needs the process; the options layers' other refusals are
    // tested in-process (test/command-options.test.ts, cost-options, diff-options).
    const r = adtrace(["cost", "breakdown", `${FIXTURE}/otlp.jsonl`, "--by", "colour"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("adtrace: error: --by: unknown key 'colour' (expected stage, name, service or attr:KEY)\n");
    // Commander's own refusals (an unknown option, a --format outside its choices) go through run() alike.
    expect((await adtraceIn(["cost", "breakdown", "--nope"])).code).toBe(2);
    expect((await adtraceIn(["--format", "xml", "inspect"])).code).toBe(2);
  });

  it("an input without spans (and nothing skipped) is bad input for every command, never zeros printed with success", async () => {
    const dir = mkdtempSync(join(tmpdir(), "adtrace-empty-"));
    const empty = join(dir, "empty.json");
    writeFileSync(empty, '{"resourceSpans": []}');
    for (const command of [["inspect"], ["cost", "breakdown"], ["cost", "flags"], ["savings", "--suggest"], ["load", "--db", join(dir, "x.duckdb")]]) {
      const r = await adtraceIn([...command, empty]);
      expect(r.code, command.join(" ")).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe(`adtrace: error: ${empty}: no spans found (read as otlp)\n`);
    }
  });

  it("stdout is data: CSV piped is clean, notes go to stderr", async () => {
    const r = await adtraceIn(["cost", "breakdown", `${FIXTURE}/otlp.jsonl`]);
    expect(r.stdout.split("\r\n")[0]).toBe("stage,spans,events,cost_per_event_usd,cost_per_group_event_usd,cost_share,compute_per_event_usd,query_per_event_usd,p50_ms,p95_ms,p99_ms,self_p50_ms,self_p95_ms,warehouse");
    expect(r.stderr).toMatch(/^note: /m);
    expect(r.stdout).not.toMatch(/note:|\u001b/);
  });
});
