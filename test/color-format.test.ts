// Colour off by --no-color and FORCE_COLOR=0 as by NO_COLOR, on a real terminal (a pty from
// util-linux's `script`); --format in any case (issue 21, part 4).
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { adtrace, BIN, FIXTURE, ROOT } from "./helpers/cli.js";
import { colorsFor } from "../src/output/colors.js";

const ESC = "\x1b[";
const hasScript = spawnSync("script", ["--version"]).status === 0;

/** stdout of `adtrace ARGS` run on a pseudo-terminal, with NO_COLOR and FORCE_COLOR as given. */
function onTerminal(args: string[], env: Record<string, string>): string {
  const cmd = [process.execPath, BIN, ...args].map((a) => `'${a}'`).join(" ");
  const base = { ...process.env, TERM: "xterm" } as NodeJS.ProcessEnv;
  delete base.NO_COLOR;
  delete base.FORCE_COLOR;
  const r = spawnSync("script", ["-qec", cmd, "/dev/null"], { cwd: ROOT, encoding: "utf8", env: { ...base, ...env } });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

describe("colour", () => {
  const args = ["cost", "breakdown", `${FIXTURE}/otlp.jsonl`, "--format", "table", "-q"];

  it.skipIf(!hasScript)("a terminal gets colour; NO_COLOR, FORCE_COLOR=0 and --no-color take it away", () => {
    expect(onTerminal(args, {})).toContain(ESC);
    expect(onTerminal(args, { NO_COLOR: "1" })).not.toContain(ESC);
    expect(onTerminal(args, { FORCE_COLOR: "0" })).not.toContain(ESC);
    expect(onTerminal(args, { FORCE_COLOR: "false" })).not.toContain(ESC);
    expect(onTerminal([...args, "--no-color"], {})).not.toContain(ESC);
  });

  it("FORCE_COLOR=1 colours a pipe, unless --no-color", () => {
    expect(adtrace(args, { env: { NO_COLOR: undefined, FORCE_COLOR: "1" } }).stdout).toContain(ESC);
    expect(adtrace([...args, "--no-color"], { env: { NO_COLOR: undefined, FORCE_COLOR: "1" } }).stdout).not.toContain(ESC);
  });

  it("colorsFor: FORCE_COLOR=0 on a TTY is off, as NO_COLOR", () => {
    expect(colorsFor({ isTTY: true }, {}).level).toBe(1);
    expect(colorsFor({ isTTY: true }, { FORCE_COLOR: "0" }).level).toBe(0);
    expect(colorsFor({ isTTY: true }, { FORCE_COLOR: "false" }).level).toBe(0);
    expect(colorsFor({ isTTY: false }, { FORCE_COLOR: "" }).level).toBe(1); // as chalk reads an empty FORCE_COLOR
  });
});

describe("--format in any case", () => {
  it("CSV, Json and MD are csv, json and md; an unknown one is still exit 2", () => {
    const run = (format: string) => adtrace(["inspect", `${FIXTURE}/otlp.jsonl`, "--format", format, "-q"]);
    for (const [given, same] of [["CSV", "csv"], ["Json", "json"], ["MD", "md"], ["TABLE", "table"]]) {
      const r = run(given!);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(run(same!).stdout);
    }
    expect(run("CSV").stdout.split("\r\n")[0]).toMatch(/^[a-z_]+(,[a-z_]+)+$/);
    const bad = run("xml");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--format .*'xml' is invalid\. Allowed choices are table, csv, json, md, arrow, html\./);
  });
});
