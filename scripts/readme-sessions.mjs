#!/usr/bin/env node
// Re-runs the sessions in README.md and writes their real output back: every fenced block whose
// lines start with `$ npx adtrace` is run, command by command, in one scratch directory (so a
// database loaded in one block serves the next), on a terminal of 100 columns with NO_COLOR=1, and
// the block is rewritten with what the terminal showed. Blocks that reach a server (postgres://)
// are left alone. Usage: npm run build && node scripts/readme-sessions.mjs
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const ROOT = resolve(new URL("..", import.meta.url).pathname);
const README = join(ROOT, "README.md");
const BIN = join(ROOT, "bin/adtrace.js");
const scratch = mkdtempSync(join(tmpdir(), "adtrace-readme-"));
symlinkSync(join(ROOT, "fixtures"), join(scratch, "fixtures"));

/** What a terminal shows for one command: stdout and stderr interleaved, as `script` records them. */
function run(command) {
  const line = command.replace(/^npx adtrace\b/, `node ${JSON.stringify(BIN)}`);
  const shell = `stty cols 100 rows 50; ${line}`;
  let out;
  try {
    out = execFileSync("script", ["-qec", shell, "/dev/null"], { cwd: scratch, env: { ...process.env, NO_COLOR: "1" }, encoding: "utf8" });
  } catch (error) {
    out = error.stdout; // a command that exits 1 or 2 on purpose (a gate) still shows its output
  }
  return out.replace(/\r\n/g, "\n").replace(/\r/g, "").replace(/[ \t]+$/gm, "").replace(/\n+$/, "");
}

const lines = readFileSync(README, "utf8").split("\n");
const out = [];
let rewritten = 0;
for (let i = 0; i < lines.length; i++) {
  out.push(lines[i]);
  if (lines[i] !== "```" || !lines[i + 1]?.startsWith("$ npx adtrace")) continue;
  const end = lines.indexOf("```", i + 1);
  const block = lines.slice(i + 1, end);
  if (block.some((l) => l.includes("postgres://"))) continue;
  for (const command of block.filter((l) => l.startsWith("$ ")).map((l) => l.slice(2))) {
    out.push(`$ ${command}`);
    const shown = run(command);
    if (shown) out.push(shown);
  }
  out.push("```");
  i = end;
  rewritten++;
}
writeFileSync(README, out.join("\n"));
rmSync(scratch, { recursive: true, force: true });
console.error(`readme-sessions: rewrote ${rewritten} block(s) of README.md`);
