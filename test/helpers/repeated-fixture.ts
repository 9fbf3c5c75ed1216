// The fixture's OTLP JSON Lines repeated under new trace ids (copy c's ids end in c + 1, in hex):
// enough spans for an export under a 100 MB memory limit to spill (300 copies, 110,700 spans),
// which durability's SIGTERM and hardening's Ctrl-C tests both interrupt. Written once per test
// run (test/helpers/run-once.ts) and only read after.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { FIXTURE, ROOT } from "./cli.js";
import { builtOnce } from "./run-once.js";

/** The path of the fixture repeated `copies` times, built by the first file of the run to ask. */
export async function repeatedFixture(copies: number): Promise<string> {
  const name = `fixture-x${copies}.jsonl`;
  const dir = await builtOnce(`fixture-x${copies}`, async (into) => {
    const lines = readFileSync(join(ROOT, FIXTURE, "otlp.jsonl"), "utf8").trim().split("\n");
    const out: string[] = [];
    for (let copy = 0; copy < copies; copy++) {
      for (const line of lines) out.push(line.replace(/"traceId":"0{24}ad/g, `"traceId":"${(copy + 1).toString(16).padStart(24, "0")}ad`));
    }
    writeFileSync(join(into, name), out.join("\n") + "\n");
  });
  return join(dir, name);
}
