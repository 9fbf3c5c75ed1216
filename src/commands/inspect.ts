// adtrace inspect: what a span source holds.
import type { Command } from "commander";
import { globals, print, spanSource } from "./shared.js";
import { addClickHouseOptions, clickhouseInspect, isClickHouseRun } from "./clickhouse.js";

export function registerInspect(program: Command): void {
  addClickHouseOptions(program
    .command("inspect")
    .description("what was loaded: spans, traces, roots, orphans, services, time range, duplicates, skipped records")
    .argument("[inputs...]", "span files (else --db, else ./adtrace.duckdb), or a ClickHouse source: clickhouse://USER@HOST:8123/DB, chdb:PATH"))
    .addHelpText("after", `
Examples:
  $ adtrace inspect fixtures/auction/otlp.jsonl
  $ adtrace inspect --db pipeline.duckdb --format json
  $ adtrace inspect chdb:./ch-data --since 24h`)
    .action(async (inputs: string[], _opts: unknown, command: Command) => {
      const options = globals(command);
      if (isClickHouseRun(inputs, options)) {
        const { clickhouseInspectView } = await import("../output/clickhouse-inspect-view.js");
        const source = spanSource(inputs, options);
        return print(clickhouseInspectView(await clickhouseInspect(inputs, options, source.model ?? {})), options);
      }
      const { withAnalysis } = await import("../analysis/analysis.js");
      const { inspectSpans } = await import("../analysis/inspect.js");
      const { inspectView } = await import("../output/views.js");
      const result = await withAnalysis({ ...spanSource(inputs, options), allowEmpty: true }, ({ db, load }) => inspectSpans(db, load));
      await print(inspectView(result), options);
    });
}
