// adtrace inspect: what a span source holds.
import type { Command } from "commander";
import { globals, print, spanSource } from "./shared.js";

export function registerInspect(program: Command): void {
  program
    .command("inspect")
    .description("what was loaded: spans, traces, roots, orphans, services, time range, duplicates, skipped records")
    .argument("[inputs...]", "span files (else --db, else ./adtrace.duckdb)")
    .addHelpText("after", `
Examples:
  $ adtrace inspect fixtures/auction/otlp.jsonl
  $ adtrace inspect --db pipeline.duckdb --format json`)
    .action(async (inputs: string[], _opts: unknown, command: Command) => {
      const options = globals(command);
      const { withAnalysis } = await import("../analysis/analysis.js");
      const { inspectSpans } = await import("../analysis/inspect.js");
      const { inspectView } = await import("../output/views.js");
      const result = await withAnalysis({ ...spanSource(inputs, options), allowEmpty: true }, ({ db, load }) => inspectSpans(db, load));
      await print(inspectView(result), options);
    });
}
