// adtrace load: ingest span files into a DuckDB database file.
import type { Command } from "commander";
import { UsageError } from "../errors.js";
import { globals, ingestNotes, print, spanSource } from "./shared.js";

export function registerLoad(program: Command): void {
  program
    .command("load")
    .description("load span files into a DuckDB database (one transaction; spans already there are skipped)")
    .argument("<inputs...>", "files, directories (recursive), globs, or - for stdin")
    .option("--billing", "the inputs are warehouse billing exports (Snowflake QUERY_ATTRIBUTION_HISTORY, BigQuery INFORMATION_SCHEMA.JOBS), stored in billed_queries")
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
  $ adtrace load --billing snowflake_attribution.csv bigquery_jobs.parquet --db pipeline.duckdb

With --billing, the files are billing records (CSV, JSON/NDJSON or Parquet; column names in any
case): Snowflake's QUERY_ID, CREDITS_ATTRIBUTED_COMPUTE (+ QUERY_TAG, START_TIME, END_TIME…) or
BigQuery's job_id, total_bytes_billed or total_slot_ms (+ labels, reservation_id, creation_time…).
Per query id the latest record wins. Analyses then price the spans they join as "billed", and
adtrace cost reconcile compares the bill with the estimates (README "Match the bill").`)
    .action(async (inputs: string[], flags: { billing?: boolean }, command: Command) => {
      const options = globals(command);
      // --billing-file joins records to span files for one analysis; a database stores them with --billing.
      if (options.billingFile?.length) throw new UsageError("--billing-file is for analyses of span files; to store billing records: adtrace load --billing FILE… (or pull --billing)");
      if (flags.billing) {
        const { loadBillingIntoDatabase } = await import("../ingest/billing.js");
        const { loadConfig } = await import("../model/config.js");
        const { billingLoadSummary } = await import("../output/reconcile-view.js");
        const result = await loadBillingIntoDatabase({ db: options.db, inputs, config: loadConfig(options.config) });
        ingestNotes(options, { warnings: result.warnings, skippedExamples: [] });
        print(billingLoadSummary(result), options);
        return;
      }
      const { loadIntoDatabase } = await import("../core/load-db.js");
      const { loadSummary } = await import("../output/views.js");
      const result = await loadIntoDatabase({ ...spanSource(inputs, options), db: options.db });
      ingestNotes(options, result.load);
      print(loadSummary(result), options);
    });
}
