// adtrace load: ingest span files into a DuckDB database file.
import type { Command } from "commander";
import { globals, ingestNotes, print, redactOption } from "./shared.js";
import type { LoadFlags } from "./load-options.js";

export function registerLoad(program: Command): void {
  program
    .command("load")
    .description("load span files into a DuckDB database (one transaction; spans already there are skipped)")
    .argument("<inputs...>", "files, directories (recursive), globs, or - for stdin")
    .option("--redact [keys]", "replace personal data before it is written, by keyed hashes under ADTRACE_REDACT_KEY: auto (the default) covers every audit pii detector; KEY,… replaces those attributes' values whole")
    .option("--billing", "the inputs are warehouse billing exports (Snowflake QUERY_ATTRIBUTION_HISTORY, BigQuery INFORMATION_SCHEMA.JOBS), stored in billed_queries")
    .addHelpText("after", `
Formats are detected from the content (gzip too): OTLP JSON or JSON Lines (also Jaeger's
/api/v3 and Grafana Tempo's trace JSON, read as otlp), OTLP protobuf (one message, or the
Collector file exporter's length-prefixed ones), Jaeger JSON, Zipkin v2 JSON, Parquet, CSV,
NDJSON. Grafana Tempo vParquet4 blocks (data.parquet beside meta.json) and the Collector's
ClickHouse otel_traces columns (Parquet or CSV) are recognised with no --map. Standard input and
named pipes are read once, as they arrive. A file that holds no span is an error. Re-loading a
file adds nothing.

Examples:
  $ adtrace load fixtures/auction/otlp.jsonl
  $ adtrace load exports/ --db pipeline.duckdb
  $ adtrace load 'exports/**/*.json.gz' --db pipeline.duckdb
  $ otelcol-export | adtrace load - --db pipeline.duckdb
  $ adtrace load spans.csv --map start_ms=ts --map name=span
  $ ADTRACE_REDACT_KEY=… adtrace load exports/ --redact --db analytics.duckdb
  $ ADTRACE_REDACT_KEY=… adtrace load spans.jsonl --redact user.id,client.address
  $ adtrace load --billing snowflake_attribution.csv bigquery_jobs.parquet --db pipeline.duckdb
  $ adtrace load collector-output.binpb tempo/single-tenant/ --db pipeline.duckdb

--redact: each detected value becomes its kind and a keyed hash (HMAC-SHA-256 under
ADTRACE_REDACT_KEY, 16 hex digits: email:3f9a…); the same value under the same key gives the same
token, so grouping and joins still work, and the value cannot be recovered. Statements become
their fingerprint. Ids, times and costs are untouched: every count and cost figure is the same.
Internal IPs are kept. Without ADTRACE_REDACT_KEY, --redact is exit 2. adtrace inspect shows
whether a database was redacted, how, and the key's id (not the key).

With --billing, the files are billing records (CSV, JSON/NDJSON or Parquet; column names in any
case): Snowflake's QUERY_ID, CREDITS_ATTRIBUTED_COMPUTE (+ QUERY_TAG, START_TIME, END_TIME…) or
BigQuery's job_id, total_bytes_billed or total_slot_ms (+ labels, reservation_id, creation_time…).
Per query id the latest record wins. Analyses then price the spans they join as "billed", and
adtrace cost reconcile compares the bill with the estimates (README "Match the bill").`)
    .action(async (inputs: string[], flags: LoadFlags, command: Command) => {
      const options = globals(command);
      const { loadOptions } = await import("./load-options.js");
      const typed = loadOptions(inputs, flags, options);
      if (typed.billing) {
        const { loadBillingIntoDatabase } = await import("../ingest/billing.js");
        const { loadConfig } = await import("../model/config.js");
        const { billingLoadSummary } = await import("../output/reconcile-view.js");
        const result = await loadBillingIntoDatabase({ db: options.db, inputs: typed.inputs, config: loadConfig(options.config) });
        ingestNotes(options, { warnings: result.warnings, skippedExamples: [] });
        await print(billingLoadSummary(result), options);
        return;
      }
      const { loadIntoDatabase } = await import("../ingest/load-db.js");
      const { loadSummary } = await import("../output/views.js");
      const redact = typed.redact === undefined ? undefined : await redactOption(typed.redact, options.config);
      const result = await loadIntoDatabase({ ...typed.source, db: options.db, redact });
      ingestNotes(options, result.load);
      await print(loadSummary(result), options);
    });
}
