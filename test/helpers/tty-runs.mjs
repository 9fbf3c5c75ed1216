// Several adtrace command lines in one process of the built program (dist/), one after another,
// with the process's own stdout: under `script` that is a real terminal, so each run reads
// process.stdout.columns and isTTY from it as the CLI does (issue 25: one Node and DuckDB start
// for the lot instead of one per command). Used by table-width (a width per terminal), hardening
// (control characters), color-format (colour under NO_COLOR, FORCE_COLOR, --no-color),
// arrow-format (binary output refused on a terminal) and durability (--out /dev/stdout onto a
// pipe and onto a file opened for appending). The JSON file named by the first argument lists the
// runs: each an argument array, or { args, env } with variables set for that run alone (null
// unsets one). After each run a line `@@adtrace-run-end N CODE` on stdout marks where its output
// ends and its exit code.
import { readFileSync } from "node:fs";
import { run } from "../../dist/index.js";

const lines = JSON.parse(readFileSync(process.argv[2], "utf8"));
let failed = 0;
for (const [i, entry] of lines.entries()) {
  const { args, env = {} } = Array.isArray(entry) ? { args: entry } : entry;
  const saved = Object.fromEntries(Object.keys(env).map((key) => [key, process.env[key]]));
  for (const [key, value] of Object.entries(env)) {
    if (value === null) delete process.env[key];
    else process.env[key] = value;
  }
  let code;
  try {
    code = await run([process.execPath, "adtrace", ...args]);
  } finally {
    for (const [key, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
  if (code !== 0) failed++;
  process.stdout.write(`\n@@adtrace-run-end ${i} ${code}\n`);
}
process.exitCode = failed ? 1 : 0;
