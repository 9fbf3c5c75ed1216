// adtrace load: ingest span files into a DuckDB database file.
import type { Command } from "commander";
import { globals, ingestNotes, print, redactOption, spanSource } from "./shared.js";

export function registerLoad(program: Command): void {
  program
    .command("load")
    .description("load span files into a DuckDB database (one transaction; spans already there are skipped)")
    .argument("<inputs...>", "files, directories (recursive), globs, or - for stdin")
    .option("--redact [keys]", "replace personal data before it is written, by keyed hashes under ADTRACE_REDACT_KEY: auto (the default) covers every audit pii detector; KEY,… replaces those attributes' values whole")
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
  $ adtrace load spans.csv --map start_ms=ts --map name=span
  $ ADTRACE_REDACT_KEY=… adtrace load exports/ --redact --db analytics.duckdb
  $ ADTRACE_REDACT_KEY=… adtrace load spans.jsonl --redact user.id,client.address

--redact: each detected value becomes its kind and a keyed hash (HMAC-SHA-256 under
ADTRACE_REDACT_KEY, 16 hex digits: email:3f9a…); the same value under the same key gives the same
token, so grouping and joins still work, and the value cannot be recovered. Statements become
their fingerprint. Ids, times and costs are untouched: every count and cost figure is the same.
Internal IPs are kept. Without ADTRACE_REDACT_KEY, --redact is exit 2. adtrace inspect shows
whether a database was redacted, how, and the key's id (not the key).`)
    .action(async (inputs: string[], opts: { redact?: string | boolean }, command: Command) => {
      const options = globals(command);
      const { loadIntoDatabase } = await import("../core/load-db.js");
      const { loadSummary } = await import("../output/views.js");
      const redact = opts.redact === undefined ? undefined : await redactOption(opts.redact, options.config);
      const result = await loadIntoDatabase({ ...spanSource(inputs, options), db: options.db, redact });
      ingestNotes(options, result.load);
      print(loadSummary(result), options);
    });
}
