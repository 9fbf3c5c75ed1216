// Same input, same bytes, whatever the thread count: the spans loaded on one thread and on four
// (the load's sums too) into the same database path (the Markdown names it), then the analysis
// run `repeats` times in CSV, JSON and Markdown on that thread count, in-process. The outputs of
// each format, as a set: one element when every run wrote the same bytes.
import { rmSync } from "node:fs";
import { expect } from "vitest";
import { adtraceIn } from "./in-process.js";

export async function outputsAcrossThreads(spans: string, analysis: string[], repeats = 2): Promise<Record<string, Set<string>>> {
  const db = `${spans}.duckdb`;
  const outputs: Record<string, Set<string>> = { csv: new Set(), json: new Set(), md: new Set() };
  for (const threads of ["1", "4"]) {
    rmSync(db, { force: true });
    const load = await adtraceIn(["load", spans, "--db", db, "-q"], { env: { ADTRACE_THREADS: threads } });
    expect(load.code, load.stderr).toBe(0);
    for (const format of ["csv", "json", "md"] as const) {
      for (let i = 0; i < repeats; i++) {
        const run = await adtraceIn([...analysis, "--db", db, "--format", format, "-q"], { env: { ADTRACE_THREADS: threads } });
        expect(run.code, run.stderr).toBe(0);
        outputs[format]!.add(run.stdout);
      }
    }
  }
  return outputs;
}
