// adtrace generate: synthetic ad-auction traces to try adtrace on, and to benchmark it.
import type { Command } from "commander";
import { collect, globals, note } from "./shared.js";
import { UsageError } from "../errors.js";
import { clearProgress, progress, stderrIsTerminal } from "../diagnostics.js";

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
    .action(async (opts: { events: string; exportFormat?: string; seed: string; scenario?: string[]; sampleRate?: string; truth?: string; explicitCost?: boolean; billingOut?: string }, command: Command) => {
      const options = globals(command);
      if (!options.out) throw new UsageError("generate needs --out FILE");
      if (opts.truth === "") throw new UsageError("--truth needs a file name (it was empty)");
      const { generate, GENERATE_FORMATS } = await import("../generate/generate.js");
      const { parseCount } = await import("../model/numbers.js");
      const events = parseCount(opts.events);
      if (!Number.isInteger(events) || events < 1) throw new UsageError(`--events expects a whole number like 10000, 1e6 or 2M, got '${opts.events}'`);
      if (opts.exportFormat && !(GENERATE_FORMATS as readonly string[]).includes(opts.exportFormat)) {
        throw new UsageError(`--export-format must be one of ${GENERATE_FORMATS.join(", ")}, got '${opts.exportFormat}'`);
      }
      const seed = Number(opts.seed);
      if (!Number.isInteger(seed)) throw new UsageError(`--seed expects a whole number, got '${opts.seed}'`);
      const scenario: Record<string, string> = {};
      for (const knob of opts.scenario ?? []) {
        const eq = knob.indexOf("=");
        if (eq <= 0) throw new UsageError(`--scenario expects knob=value, got '${knob}'`);
        scenario[knob.slice(0, eq)] = knob.slice(eq + 1);
      }
      // The program-wide --sample-rate (PATTERN=RATE, for weighting) is parsed first and takes the
      // value, so generate reads its probability from there when its own option is empty.
      const sampleRate = opts.sampleRate ?? options.sampleRate?.[0];
      if (sampleRate !== undefined && !(Number(sampleRate) > 0 && Number(sampleRate) <= 1)) {
        throw new UsageError(`--sample-rate for generate is a probability in (0, 1], got '${sampleRate}'`);
      }
      const result = await generate({
        events, out: options.out, format: opts.exportFormat as never, seed, scenario,
        sampleRate: sampleRate === undefined ? undefined : Number(sampleRate), truth: opts.truth, explicitCost: opts.explicitCost, billingOut: opts.billingOut,
        onProgress: options.quiet || !stderrIsTerminal() ? undefined : (n) => progress(`${n} events…`),
      });
      if (!options.quiet) clearProgress();
      note(options, `wrote ${result.spansWritten} spans in ${result.eventsWritten} events to ${result.path} (${result.format})`);
    });
}
