// adtrace pull: copy spans from a PostgreSQL or Redshift table into a DuckDB database file.
import type { Command } from "commander";
import { globals, ingestNotes, print, progressReporter, redactOption } from "./shared.js";
import type { PullFlags } from "./load-options.js";

export function registerPull(program: Command): void {
  program
    .command("pull")
    .description("pull spans from a PostgreSQL or Redshift table into a DuckDB database (incremental; one transaction)")
    .argument("<url>", "postgres://USER@HOST[:PORT]/DATABASE (also postgresql://, and redshift:// with port 5439 by default)")
    .requiredOption("--table <name>", "table or view holding one row per span: NAME or SCHEMA.NAME")
    .option("--since <when>", "only spans starting at or after WHEN: 30m, 24h, 7d, 2w ago or an ISO-8601 time")
    .option("--until <when>", "only spans starting before WHEN (same forms)")
    .option("--count", "count the rows first (one more query on the server) so that progress shows a percentage and an ETA")
    .option("--full", "ignore the remembered high-water mark and pull everything again (stored spans are skipped)")
    .option("--lookback <length>", "on an incremental pull, read again this far before the high-water mark, for rows that land late: 0, 15m, 2h, 1d (default 1h)")
    .option("--watermark-column <column>", "a timestamp column saying when each row landed (default: inserted_at, ingested_at or _loaded_at if the table has one): the high-water mark is kept on it")
    .option("--redact [keys]", "replace personal data before it is written, as load --redact does (ADTRACE_REDACT_KEY; auto or KEY,…)")
    .option("--billing", "the table holds billing records (a copy of Snowflake QUERY_ATTRIBUTION_HISTORY or BigQuery INFORMATION_SCHEMA.JOBS), stored in billed_queries")
    .option("--timeout <seconds>", "give up connecting, or on any one statement, after this many seconds (default: 30 to connect)")
    .addHelpText("after", `
The password comes from the URL, PGPASSWORD or ~/.pgpass (prefer the last two: a URL on the
command line is visible to other users of the machine); it is never printed or stored. sslmode
and other libpq parameters go in the URL. Columns are mapped onto the canonical span schema as
for flat files (override with --map); attributes may be a JSON/JSONB column, and columns that
map to nothing become attributes too. Each pull remembers, per URL and table, a high-water mark:
the latest ingestion time (a column inserted_at, ingested_at or _loaded_at, or --watermark-column)
or else the latest span start. The next pull asks only for rows from --lookback (1h) before it on,
so rows that land late are still pulled; rows read again are skipped as already stored.

Examples:
  $ PGPASSWORD=… adtrace pull postgres://analyst@db.internal:5432/telemetry --table traces.spans --db pipeline.duckdb
  $ adtrace pull 'postgres://analyst@db.internal/telemetry?sslmode=require' --table spans --since 24h
  $ adtrace pull redshift://analyst@acme.abc123.eu-west-1.redshift.amazonaws.com/dev --table public.ad_spans --since 7d
  $ adtrace pull postgres://analyst@localhost/telemetry --table spans --map start=ts --map duration_ms=elapsed
  $ adtrace pull postgres://analyst@localhost/telemetry --table spans --full --until 2024-05-01
  $ adtrace pull postgres://analyst@localhost/telemetry --table spans --lookback 6h
  $ adtrace pull postgres://analyst@localhost/telemetry --table spans --count   # progress with % and ETA
  $ adtrace pull postgres://analyst@localhost/telemetry --table spans --watermark-column loaded_ts
  $ ADTRACE_REDACT_KEY=… adtrace pull postgres://analyst@localhost/telemetry --table spans --redact
  $ adtrace pull postgres://analyst@localhost/finops --table billing.query_attribution --billing --db pipeline.duckdb

With --billing the table holds billing records (column names in any case, as COPY INTO writes
them): it is read whole and stored as load --billing stores files (README "Match the bill").`)
    .action(async (url: string, flags: PullFlags, command: Command) => {
      const options = globals(command);
      const { pullOptions } = await import("./load-options.js");
      const typed = pullOptions(flags, options);
      if (typed.billing) {
        const { pullBilling } = await import("../ingest/billing-pull.js");
        const { loadConfig } = await import("../model/config.js");
        const { billingLoadSummary } = await import("../output/reconcile-view.js");
        const result = await pullBilling({ url, table: typed.table, db: options.db, config: loadConfig(options.config), timeoutSeconds: typed.timeoutSeconds });
        ingestNotes(options, { warnings: result.warnings, skippedExamples: [] });
        await print(billingLoadSummary(result), options);
        return;
      }
      const redact = flags.redact === undefined ? undefined : await redactOption(flags.redact, options.config);
      const { pullSpans } = await import("../ingest/pull.js");
      const { pullSummary } = await import("../output/pull-view.js");
      const result = await pullSpans({
        url, table: typed.table, db: options.db, since: flags.since, until: flags.until, full: flags.full, timeoutSeconds: typed.timeoutSeconds, count: flags.count,
        lookback: flags.lookback, watermarkColumn: flags.watermarkColumn, redact,
        map: typed.map, strict: options.strict, config: options.config, onProgress: options.quiet ? undefined : progressReporter(),
      });
      ingestNotes(options, result.load);
      await print(pullSummary(result), options);
    });
}
