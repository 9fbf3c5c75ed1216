// adtrace savings: what caching, pre-aggregation or tuning would save at your volume.
import type { Command } from "commander";
import { globals, print } from "./shared.js";
import { UsageError } from "../errors.js";
import type { LeverKind } from "../analysis/savings.js";
import type { SavingsFlags } from "./savings-options.js";
import { addClickHouseOptions, clickhouseSavings, isClickHouseRun } from "./clickhouse.js";

export function registerSavings(program: Command): void {
  // Levers from all three options, in the order given on the command line.
  const levers: { kind: LeverKind; spec: string }[] = [];
  const lever = (kind: LeverKind) => (spec: string) => {
    levers.push({ kind, spec });
    return spec;
  };
  addClickHouseOptions(program
    .command("savings")
    .description("model what a cache, a pre-aggregation or query tuning would save, per day and per year")
    .argument("[inputs...]", "span files (else --db, else ./adtrace.duckdb), or a ClickHouse source: clickhouse://USER@HOST:8123/DB, chdb:PATH"))
    .option("--cache <stage=hit[:cost]>", "cache in front of a stage: hit rate 0..1, optional USD per hit (repeatable)", lever("cache"))
    .option("--preagg <stage=reduction>", "pre-aggregate: fraction of the stage's query cost removed (repeatable)", lever("preagg"))
    .option("--tune <stage=reduction>", "tune: fraction of the stage's cost removed (repeatable)", lever("tune"))
    .option("--scenario <file>", "YAML file of named scenarios to compare side by side")
    .option("--suggest", "one scenario built from cost flags with conservative assumptions")
    .option("--optimize <goal>", "with --suggest: cost (default; cost flags' order) or latency (levers on critical-path stages first)")
    .option("--events-per-day <n>", "your daily volume: 2000000000, 2e9, 2B, 500M (default: config events_per_day)")
    .option("--latency-sample <n>", "events re-timed for the end-to-end p95 (default 20000): past that many, a deterministic sample weighted by sampling weight")
    .addHelpText("after", `
The model, per stage with per-event cost C = compute + query:
  cache  h[:c]   C → (1−h)·C + h·c          a hit also takes cache.hit_latency_ms (1 ms)
  preagg r       C → C − r·C_query + refresh_cost_usd × refreshes_per_day ÷ events_per_day
  tune   r       C → (1−r)·C
Levers on the same stage compose in the order given. Savings per day = saving per event ×
events per day; the 95% interval is the normal approximation over per-event savings.

End-to-end p95: a cache lever hits round(h·n) of the n events that have the stage (ranked by a
hash of the trace id: reproducible). In a hit event the stage's top spans take the hit latency
and their children do not run; the event is then re-timed: a span that started after some of
its siblings had ended waits for all of them and keeps its delay after the last; one that
started before any sibling ended keeps its offset from its parent's start; a parent ends its
original tail after the last child that ended within it. So work that followed a shortened span
moves up, work beside it does not, and another branch may become critical. Preagg and tune
leave latency as it is. Past --latency-sample events (20,000), the p95 is taken over a sample of
that many, chosen by the trace id's hash and weighted by sampling weight (the notes say so);
costs and intervals always cover every event.

--suggest --optimize latency puts the levers on stages on the critical path (on it in at least
half their events, see adtrace cost critical-path) first and those off it last: a cache on a
stage off the path saves money but cannot change p95.

Scenario file:
  scenarios:
    cache-tracking: [ { cache: "tracking=0.6" } ]
    full: [ { cache: "tracking=0.6:0.000001" }, { preagg: "aggregation=0.7" } ]

Examples:
  $ adtrace savings fixtures/auction/otlp.jsonl --suggest
  $ adtrace savings --db pipeline.duckdb --cache tracking=0.6 --preagg aggregation=0.7 --events-per-day 2B
  $ adtrace savings --db pipeline.duckdb --scenario scenarios.yaml --format md
  $ adtrace savings --db pipeline.duckdb --suggest --optimize latency
  $ adtrace savings --db pipeline.duckdb --suggest --latency-sample 100000
  $ adtrace savings clickhouse://analyst@ch.internal:8123/otel --since 24h --suggest   # sums in ClickHouse, re-timing on a sample`)
    .action(async (inputs: string[], flags: SavingsFlags, command: Command) => {
      const options = globals(command);
      const { savingsOptions, NOTHING_TO_MODEL } = await import("./savings-options.js");
      const typed = savingsOptions(inputs, levers, flags, options);
      const core = await import("../analysis/savings.js");
      const { withAnalysis } = await import("../analysis/analysis.js");
      const { savingsView } = await import("../output/decision-views.js");
      const scenarios = [...typed.scenarios, ...(typed.scenarioFile === undefined ? [] : core.loadScenarioFile(typed.scenarioFile))];
      if (!scenarios.length && !typed.suggest) throw new UsageError(NOTHING_TO_MODEL);
      const result = isClickHouseRun(inputs, options)
        ? await clickhouseSavings(inputs, options, { scenarios, suggest: typed.suggest ? typed.optimize : undefined, latencyEvents: typed.latencyEvents }, typed.analysis.eventsPerDay, typed.analysis.model ?? {})
        : await withAnalysis(typed.analysis, async (a) => {
          if (typed.suggest) scenarios.push(await core.suggestedScenario(a.db, a.config, typed.optimize));
          return core.savings(a.db, { scenarios, config: a.config, latencyEvents: typed.latencyEvents });
        });
      await print(savingsView(result), options);
    });
}
