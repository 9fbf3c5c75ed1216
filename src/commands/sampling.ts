// adtrace sampling advise: the lowest sampling rate that still measures cost per event and p95
// to a target error, against what tracing at each rate costs.
import type { Command } from "commander";
import { globals, print } from "./shared.js";
import { addClickHouseOptions, isClickHouseRun } from "./clickhouse.js";
import type { AdviseFlags } from "./sampling-options.js";

export function registerSampling(program: Command): void {
  const sampling = program.command("sampling").description("how much to trace: accuracy against the tracing bill");
  addClickHouseOptions(sampling
    .command("advise")
    .description("per candidate sampling rate: the 95% error of cost per event, per stage and of p95, and the tracing bill")
    .argument("[inputs...]", "span files (else --db, else ./adtrace.duckdb), or a ClickHouse source: clickhouse://USER@HOST:8123/DB, chdb:PATH"))
    .option("--rates <list>", "candidate rates, highest first, as fractions of the events kept now", "1,0.5,0.1,0.01,0.001")
    .option("--target-error <e>", "the 95% relative error every figure must stay within: 2% or 0.02", "2%")
    .option("--by <key>", "the groups whose cost per event is checked: stage, name, service or attr:KEY", "stage")
    .option("--window <w>", "the window one figure covers: 1h or 1d", "1d")
    .option("--events-per-day <n>", "your daily volume: 2000000000, 2e9, 2B, 500M (default: config events_per_day)")
    .addHelpText("after", `
A rate r keeps r of the events kept now (on already sampled data, r composes with the weights: an
event of weight w would weigh w/r). For each rate, over one window of --events-per-day traffic:
  cost per event   95% relative error 1.96·√Var ÷ R, with Var the ratio estimator's variance
                   under Poisson thinning at r, from this data's own per-event costs
  each --by group  the same for its cost per event (the worst is shown)
  end-to-end p95   1,000 resamples with a fixed seed, each event traced Binomial(M, r/w) times;
                   the 95th percentile of the p95's relative error
  tracing $/day    spans/day × bytes per span × tracing.usd_per_gb
                   + spans/day ÷ 1e6 × tracing.usd_per_million_spans (config; bytes per span
                   measured from the data unless tracing.bytes_per_span is set)
The recommendation is the lowest rate, going down the list, before the first that misses the
target; a window must hold at least 30 events at a rate for it to count. Data with fewer than 30
events is refused: its variance, and so the advice, would be noise.

Examples:
  $ adtrace sampling advise spans.jsonl
  $ adtrace sampling advise --db pipeline.duckdb --events-per-day 2B --window 1h --target-error 1%
  $ adtrace sampling advise --db pipeline.duckdb --rates 100%,20%,5%,1% --by service --format csv
  $ adtrace sampling advise chdb:/var/lib/clickhouse --table otel.otel_traces --since 1d   # moments pushed down to ClickHouse`)
    .action(async (inputs: string[], flags: AdviseFlags, command: Command) => {
      const options = globals(command);
      const { adviseOptions } = await import("./sampling-options.js");
      const typed = adviseOptions(inputs, flags, options);
      const { advise } = await import("../analysis/advise.js");
      const { withAnalysis } = await import("../analysis/analysis.js");
      const { adviseView } = await import("../output/advise-view.js");
      const { result, label } = isClickHouseRun(inputs, options)
        ? await (await import("./clickhouse-stats.js")).clickhouseAdvise(inputs, options, typed.advise, typed.analysis.eventsPerDay, typed.analysis.model ?? {})
        : await withAnalysis(typed.analysis, async (a) => ({
          result: await advise(a.db, a.label, { ...typed.advise, by: a.by[0]!, config: a.config }),
          label: a.label,
        }));
      await print(adviseView(result, { label }), options);
    });
}
