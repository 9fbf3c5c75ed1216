// adtrace slo check: the config's service-level objectives on the spans, exit 1 when one is breached.
import type { Command } from "commander";
import { globals, print } from "./shared.js";
import { addClickHouseOptions, isClickHouseRun } from "./clickhouse.js";
import type { SloFlags } from "./slo-options.js";

export function registerSlo(program: Command): void {
  const slo = program.command("slo").description("service-level objectives (latency, errors, cost per event) from the config's slos:");
  addClickHouseOptions(slo
    .command("check")
    .description("measure each SLO of the config: objective, actual, error budget used, burn rate, status; exit 1 on a breach")
    .argument("[inputs...]", "span files (else --db, else ./adtrace.duckdb), or a ClickHouse source: clickhouse://USER@HOST:8123/DB, chdb:PATH")
    .option("--window <duration>", "burn rate over the last DURATION of the data: 1h, 1d (default: the whole range)"))
    .addHelpText("after", `
In adtrace.config.yaml (or --config), each entry takes a name and exactly one indicator:

  slos:
    - name: auction-latency      # 99% of events spend at most 50 ms in the auction stage
      stage: auction
      latency_ms: 50
      objective: 0.99            # latency only; default 0.99
    - name: event-cost           # mean cost per event at most $0.0012
      cost_per_event_usd: 0.0012
    - name: errors               # at most 1% of events carry a span with status ERROR
      error_rate: 0.01

With stage, latency is the stage's time within the event (first start to last end of its spans,
over events that have it), cost the stage's cost ÷ all events, errors those of its spans.
Everything is weighted by sampling. budget used = bad share ÷ allowed bad share (cost: actual ÷
ceiling) over the whole data; burn rate = the same over --window; breached when budget used > 100%.
Unknown fields, an objective outside (0, 1), two indicators in one entry: exit 2 with file:line.
adtrace report adds these figures (slos.csv, report.json, summary.md) when the config has slos.

Examples:
  $ adtrace slo check --db pipeline.duckdb
  $ adtrace slo check spans.jsonl --config slos.yaml --window 1h --format json
  $ adtrace slo check chdb:/var/lib/clickhouse --since 7d --window 1h   # computed in ClickHouse`)
    .action(async (inputs: string[], flags: SloFlags, command: Command) => {
      const options = globals(command);
      const { sloOptions } = await import("./slo-options.js");
      const typed = sloOptions(inputs, flags, options);
      const { checkSlos } = await import("../analysis/slo.js");
      const { withAnalysis } = await import("../analysis/analysis.js");
      const { sloView } = await import("../output/slo-view.js");
      const { CheckFailed, UsageError } = await import("../errors.js");
      const result = isClickHouseRun(inputs, options)
        ? await (await import("./clickhouse-report.js")).clickhouseSloCheck(inputs, options, typed.windowNs, typed.analysis.model ?? {})
        : await withAnalysis(typed.analysis, async (a) => {
          if (!a.config.slos.length) throw new UsageError(`${a.config.source}: no slos: to check (adtrace slo check --help shows how to write them)`);
          return checkSlos(a.db, a.config, { windowNs: typed.windowNs });
        });
      await print(sloView(result), options);
      const breached = result.rows.filter((r) => r.status === "breached");
      if (breached.length) {
        throw new CheckFailed(`${breached.length} SLO(s) breached`, breached.map((r) => `${r.name}: ${(100 * r.error_budget_used!).toFixed(1)}% of the error budget used`));
      }
    });
}
