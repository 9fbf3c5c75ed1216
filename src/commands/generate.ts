// adtrace generate: synthetic ad-auction traces to try adtrace on, and to benchmark it.
import type { Command } from "commander";
import { collect, globals, note } from "./shared.js";
import type { GenerateFlags } from "./generate-options.js";

export function registerGenerate(program: Command): void {
  program
    .command("generate")
    .description("write realistic synthetic ad-auction traces (one trace per ad event)")
    .requiredOption("--events <n>", "number of ad events (traces): 1000, 1e6, 2M")
    .option("--export-format <format>", "otlp (JSON Lines), jaeger, zipkin, parquet or csv (default: from --out, else otlp)")
    .option("--seed <n>", "random seed; the same seed gives the same file", "1")
    .option("--scenario <knob=value>", "scenario knob (repeatable): tracking_cache_hit_rate=0.6, slow_locale=de-DE, slow_factor=3, cost_regression=aggregation:1.3, cost_regression_from=ISO-TIME, costly_locale=fr:3", collect)
    .option("--sample-rate <p>", "head-sample whole traces with probability p, recorded as tracestate ot=th:…")
    .option("--explicit-cost", "write each span's cost as a cost.usd attribute instead of the usage the price book prices")
    .option("--truth <file>", "write the ground truth (events, spans, cost per stage and name) as JSON")
    .option("--billing-out <dir>", "also write the warehouses' billing records of the same queries: DIR/snowflake.csv (QUERY_ATTRIBUTION_HISTORY) and DIR/bigquery.jsonl (INFORMATION_SCHEMA.JOBS); --truth says what they reconcile to")
    .addHelpText("after", `
Writes to --out (required). Spans say what they used, and the price book prices them: vCPUs on
service spans (compute.vcpus: self time × vCPUs × vcpu_hour_usd), Snowflake lookups under
tracking (snowflake.credits_used on most, else warehouse size × query time), BigQuery aggregates
under aggregation (db.bytes_billed). --truth holds the costs the built-in price book implies
(a --config's prices change the analysis, not the truth). --explicit-cost writes cost.usd on
every span instead (the same spans; prices then change nothing). Warehouse spans carry db.system
and db.statement (a handful of templates with varying literals).

Examples:
  $ adtrace generate --events 10000 --out spans.jsonl
  $ adtrace generate --events 1M --out spans.parquet --seed 7 --truth truth.json
  $ adtrace generate --events 5000 --out sampled.jsonl --sample-rate 0.1
  $ adtrace generate --events 5000 --out regress.jsonl --scenario cost_regression=aggregation:1.3
  $ adtrace generate --events 5000 --out priced.jsonl --explicit-cost
  $ adtrace generate --events 20000 --out fr.jsonl --scenario costly_locale=fr:3 --truth truth.json
    (French events cost 3×; truth.json says which locale was planted: planted.costly_locale)
  $ adtrace generate --events 20000 --out drift.jsonl --scenario cost_regression=aggregation:1.3 \
      --scenario cost_regression_from=2024-06-01T18:00:00Z   (aggregation costs 1.3× from 18:00)
  $ adtrace generate --events 5000 --out spans.jsonl --billing-out bill --truth truth.json
  $ adtrace cost reconcile spans.jsonl --billing-file bill/snowflake.csv --billing-file bill/bigquery.jsonl
    (half the warehouse spans carry the query id, most others are found by their query tag or job
    labels, a few lost their tag; idle time, cache hits and batch jobs make the bill differ)`)
    .action(async (flags: GenerateFlags, command: Command) => {
      const options = globals(command);
      const { generateOptions } = await import("./generate-options.js");
      const typed = generateOptions(flags, options);
      const { generate } = await import("../generate/generate.js");
      const { eventProgress } = await import("./progress.js");
      const progress = options.quiet ? undefined : eventProgress(typed.events);
      const result = await generate({ ...typed, onProgress: progress });
      progress?.(typed.events, true);
      note(options, `wrote ${result.spansWritten} spans in ${result.eventsWritten} events to ${result.path} (${result.format})`);
    });
}
