// adtrace load: ingest span files into a DuckDB database file.
import type { Command } from "commander";
import { globals, ingestNotes, print, spanSource } from "./shared.js";

export function registerLoad(program: Command): void {
  program
    .command("load")
    .description("load span files into a DuckDB database (one transaction; spans already there are skipped)")
    .argument("<inputs...>", "files, directories (recursive), globs, or - for stdin")
    .addHelpText("after", `
Formats are detected from the content (gzip too): OTLP JSON or JSON Lines (also Jaeger's
/api/v3 and Grafana Tempo's trace JSON, read as otlp), Jaeger JSON, Zipkin v2 JSON, Parquet, CSV,
NDJSON. Standard input and named pipes are read once, as they arrive. A file that holds no span
is an error. Re-loading a file adds nothing.

Examples:
  $ adtrace load fixtures/auction/otlp.jsonl
  $ adtrace load exports/ --db pipeline.duckdb
  $ adtrace load 'exports/**/*.json.gz' --db pipeline.duckdb
  $ otelcol-export | adtrace load - --db pipeline.duckdb
  $ adtrace load spans.csv --map start_ms=ts --map name=span`)
    .action(async (inputs: string[], _opts: unknown, command: Command) => {
      const options = globals(command);
      const { loadIntoDatabase } = await import("../ingest/load-db.js");
      const { loadSummary } = await import("../output/views.js");
      const result = await loadIntoDatabase({ ...spanSource(inputs, options), db: options.db });
      ingestNotes(options, result.load);
      await print(loadSummary(result), options);
    });
}
