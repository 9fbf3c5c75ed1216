// Colour off by --no-color and FORCE_COLOR=0 as by NO_COLOR, on a real terminal (a pty from
// util-linux's `script`); --format in any case (issue 21, part 4).
import { spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { FIXTURE, ROOT } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";
import { colorsFor } from "../src/output/colors.js";

const ESC = "\x1b[";
const hasScript = spawnSync("script", ["--version"]).status === 0;
const TTY_RUNS = fileURLToPath(new URL("./helpers/tty-runs.mjs", import.meta.url));

/**
 * stdout of each `adtrace ARGS` run on a pseudo-terminal, with NO_COLOR and FORCE_COLOR as given
 * for that run: all in one process of the built program (test/helpers/tty-runs.mjs), each run
 * deciding colour for itself from its own process.stdout and environment.
 */
function onTerminal(runs: { args: string[]; env: Record<string, string> }[]): string[] {
  const list = join(mkdtempSync(join(tmpdir(), "adtrace-colour-")), "runs.json");
  writeFileSync(list, JSON.stringify(runs));
  const cmd = [process.execPath, TTY_RUNS, list].map((a) => `'${a}'`).join(" ");
  const base = { ...process.env, TERM: "xterm" } as NodeJS.ProcessEnv;
  delete base.NO_COLOR;
  delete base.FORCE_COLOR;
  const r = spawnSync("script", ["-qec", cmd, "/dev/null"], { cwd: ROOT, encoding: "utf8", env: base });
  expect(r.status, r.stderr).toBe(0);
  const parts = r.stdout.replace(/\r/g, "").split(/\n@@adtrace-run-end (\d+) (\d+)\n/);
  expect(parts.length, r.stdout.slice(-500)).toBe(3 * runs.length + 1);
  return runs.map(({ args }, i) => {
    expect([parts[3 * i + 1], parts[3 * i + 2]], args.join(" ")).toEqual([String(i), "0"]);
    return parts[3 * i]!;
  });
}

describe("colour", () => {
  const args = ["cost", "breakdown", `${FIXTURE}/otlp.jsonl`, "--format", "table", "-q"];

  it.skipIf(!hasScript)("a terminal gets colour; NO_COLOR, FORCE_COLOR=0 and --no-color take it away", () => {
    const [plain, noColor, force0, forceFalse, flag] = onTerminal([
      { args, env: {} },
      { args, env: { NO_COLOR: "1" } },
      { args, env: { FORCE_COLOR: "0" } },
      { args, env: { FORCE_COLOR: "false" } },
      { args: [...args, "--no-color"], env: {} },
    ]);
    expect(plain).toContain(ESC);
    expect(noColor).not.toContain(ESC);
    expect(force0).not.toContain(ESC);
    expect(forceFalse).not.toContain(ESC);
    expect(flag).not.toContain(ESC);
    // The same table, colour apart.
    expect(plain!.replace(/\x1b\[[0-9;]*m/g, "")).toBe(noColor);
  });

  it("FORCE_COLOR=1 colours a pipe, unless --no-color", async () => {
    expect((await adtraceIn(args, { env: { NO_COLOR: undefined, FORCE_COLOR: "1" } })).stdout).toContain(ESC);
    expect((await adtraceIn([...args, "--no-color"], { env: { NO_COLOR: undefined, FORCE_COLOR: "1" } })).stdout).not.toContain(ESC);
  });

  it("colorsFor: FORCE_COLOR=0 on a TTY is off, as NO_COLOR", () => {
    expect(colorsFor({ isTTY: true }, {}).level).toBe(1);
    expect(colorsFor({ isTTY: true }, { FORCE_COLOR: "0" }).level).toBe(0);
    expect(colorsFor({ isTTY: true }, { FORCE_COLOR: "false" }).level).toBe(0);
    expect(colorsFor({ isTTY: false }, { FORCE_COLOR: "" }).level).toBe(1); // as chalk reads an empty FORCE_COLOR
  });
});

describe("--format in any case", () => {
  it("CSV, Json and MD are csv, json and md; an unknown one is still exit 2", async () => {
    const run = (format: string) => adtraceIn(["inspect", `${FIXTURE}/otlp.jsonl`, "--format", format, "-q"]);
    for (const [given, same] of [["CSV", "csv"], ["Json", "json"], ["MD", "md"], ["TABLE", "table"]]) {
      const r = await run(given!);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe((await run(same!)).stdout);
    }
    expect((await run("CSV")).stdout.split("\r\n")[0]).toMatch(/^[a-z_]+(,[a-z_]+)+$/);
    const bad = await run("xml");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--format .*'xml' is invalid\. Allowed choices are table, csv, json, md, arrow, html\./);
  });
});
