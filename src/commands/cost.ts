// adtrace cost breakdown | queries | critical-path | flags: where the money and the time go per ad event.
import type { Command } from "commander";
import { globals, print, spanSource } from "./shared.js";
import { UsageError } from "../errors.js";
import { parseShare } from "../model/numbers.js";

/** A share option: 0.1 or 10%, from 0 to 1. */
export function parseShareOption(value: string, flag: string): number {
  const share = parseShare(value);
  if (!(share >= 0 && share <= 1)) throw new UsageError(`${flag} expects a share like 0.1 or 10%, got '${value}'`);
  return share;
}

export function registerCost(program: Command): Command {
  const cost = program.command("cost").description("per-event cost: breakdown by stage, warehouse queries, warehouse-heavy flags, the critical path");

  cost
    .command("breakdown")
    .description("cost and latency per ad event, split by stage (or name, service, attribute)")
    .argument("[inputs...]", "span files (else --db, else ./adtrace.duckdb)")
    .option("--by <keys>", "group by stage, name, service or attr:KEY; a comma list for several", "stage")
    .option("--top <n>", "show the N most expensive groups (the rest are summed in a footnote)")
    .option("--min-share <share>", "hide groups below this share of cost (0.05 or 5%)")
    .addHelpText("after", `
Definitions: an event is a trace. cost_per_event_usd = the group's cost ÷ ALL events, so the
groups add up to the total; cost_per_group_event_usd = the group's cost ÷ its OWN events (the
traces it occurs in, weighted), what one of its events costs: the table shows it ("$/own event")
when --by has an attribute. cost_share = the group's cost ÷ total cost. p50/p95/p99 are span
durations (linear interpolation; on sampled data, weighted: the smallest duration whose
cumulative weight reaches the quantile); self time is a span's duration minus the union of its
children's intervals. The total row's percentiles are end-to-end event latency.
A statement attribute (attr:db.statement, attr:db.query.text) groups by the statement's
fingerprint, literals removed as in cost queries: no value from a statement reaches the output.

Examples:
  $ adtrace cost breakdown fixtures/auction/otlp.jsonl
  $ adtrace cost breakdown --db pipeline.duckdb --by stage,attr:user_locale --top 10
  $ adtrace cost breakdown spans.parquet --format csv > breakdown.csv`)
    .action(async (inputs: string[], opts: { by: string; top?: string; minShare?: string }, command: Command) => {
      const options = globals(command);
      const { parseGroupKeys, breakdown, attributeKeysOf } = await import("../core/breakdown.js");
      const { withAnalysis } = await import("../core/analysis.js");
      const { breakdownView } = await import("../output/cost-views.js");
      const { parseShare } = await import("../model/numbers.js");
      const by = parseGroupKeys(opts.by);
      const top = parsePositiveInt(opts.top, "--top");
      const minShare = opts.minShare === undefined ? undefined : parseShare(opts.minShare);
      if (minShare !== undefined && !(minShare >= 0 && minShare <= 1)) throw new UsageError(`--min-share expects a share like 0.05 or 5%, got '${opts.minShare}'`);
      const source = spanSource(inputs, options);
      const model = { ...source.model, attributeKeys: attributeKeysOf(by) };
      const result = await withAnalysis({ ...source, model }, async (a) => ({
        result: await breakdown(a.db, { by, top, minShare }),
        config: a.config.source,
        label: a.label,
      }));
      print(breakdownView(result.result, { config: result.config, label: result.label }), options);
    });

  cost
    .command("queries")
    .description("the warehouse queries behind the cost, by fingerprint (literals removed)")
    .argument("[inputs...]", "span files (else --db, else ./adtrace.duckdb)")
    .option("--top <n>", "show the N most expensive queries")
    .addHelpText("after", `
Query texts are fingerprints: string and number literals become ?, IN (…) lists and VALUES rows
collapse, whitespace is squeezed, so user ids and other values never reach a report.

Examples:
  $ adtrace cost queries fixtures/auction/otlp.jsonl
  $ adtrace cost queries --db pipeline.duckdb --top 5 --format json`)
    .action(async (inputs: string[], opts: { top?: string }, command: Command) => {
      const options = globals(command);
      const { warehouseQueries } = await import("../core/breakdown.js");
      const { withAnalysis } = await import("../core/analysis.js");
      const { queriesView } = await import("../output/cost-views.js");
      const top = parsePositiveInt(opts.top, "--top");
      const result = await withAnalysis(spanSource(inputs, options), (a) => warehouseQueries(a.db, { top }));
      print(queriesView(result), options);
    });
  cost
    .command("critical-path")
    .description("how much of each stage's time sets event latency (the critical path), next to its share of cost")
    .argument("[inputs...]", "span files (else --db, else ./adtrace.duckdb)")
    .option("--by <keys>", "group by stage, name, service or attr:KEY; a comma list for several", "stage")
    .option("--costly-share <share>", "a group is costly from this share of cost on (0.1 or 10%)", "10%")
    .option("--critical-share <share>", "a group is critical when on the path in at least this share of its events (0.5 or 50%)", "50%")
    .addHelpText("after", `
The critical path of an event: walk back from the end of its root span; at each span the
critical child is the one that ends last at or before the current point (ties: the earlier
start, then the smaller span id); its time is taken, and the walk goes on from its start. Time
no child covers is the span's own. Children are clipped to their parent's interval; orphan
sub-trees, second roots and parent cycles are excluded and counted. (README, "The critical path".)

Columns, per group, over the events with a root, each counted with its sampling weight:
  events           the events the group occurs in
  on_path_share    the share of those in which some span of the group is on the path
  critical_p50/p95 the group's own time on the path per event (0 where it is off it)
  share_of_e2e     the group's time on the path ÷ all events' path time (groups add up to 1)
  cost_share       the group's cost ÷ total cost (as cost breakdown)
  quadrant         costly+critical, costly+off-path, cheap+critical or cheap+off-path: costly
                   when cost_share ≥ --costly-share (default 10%), critical when
                   on_path_share ≥ --critical-share (default 50%)
A costly+off-path stage saves money when made cheaper, but not latency; a costly+critical one
is worth more than its cost alone.

Examples:
  $ adtrace cost critical-path fixtures/auction/otlp.jsonl
  $ adtrace cost critical-path --db pipeline.duckdb --by stage,service --format csv
  $ adtrace cost critical-path --db pipeline.duckdb --costly-share 20% --critical-share 0.8`)
    .action(async (inputs: string[], opts: { by: string; costlyShare: string; criticalShare: string }, command: Command) => {
      const options = globals(command);
      const { parseGroupKeys, attributeKeysOf } = await import("../core/breakdown.js");
      const { costCriticalPath } = await import("../core/path-cost.js");
      const { withAnalysis } = await import("../core/analysis.js");
      const { criticalPathView } = await import("../output/path-views.js");
      const by = parseGroupKeys(opts.by);
      const costlyShare = parseShareOption(opts.costlyShare, "--costly-share");
      const criticalShare = parseShareOption(opts.criticalShare, "--critical-share");
      const source = spanSource(inputs, options);
      const model = { ...source.model, attributeKeys: attributeKeysOf(by) };
      const result = await withAnalysis({ ...source, model }, async (a) => ({
        result: await costCriticalPath(a.db, { by, costlyShare, criticalShare }),
        label: a.label,
      }));
      print(criticalPathView(result.result, { label: result.label }), options);
    });

  cost
    .command("flags")
    .description("the warehouse-heavy stages: why each is flagged and the lever that fits")
    .argument("[inputs...]", "span files (else --db, else ./adtrace.duckdb)")
    .option("--fail-on-flag", "exit with code 1 when any stage is flagged (for CI)")
    .option("--events-per-day <n>", "daily volume for the estimates: 2000000000, 2e9, 2B, 500M (default: config events_per_day)")
    .addHelpText("after", `
A stage is flagged when it carries ≥ flags.min_cost_share (0.25) of per-event cost and most of
that (> flags.min_warehouse_share, 0.5) is warehouse query cost; or when one query fingerprint
carries ≥ flags.top_query_share (0.6) of a warehouse stage's cost; or when it scans ≥
flags.bytes_ratio (10)× the median warehouse stage's bytes per event. The lever comes from the
costliest query's shape: aggregates → preaggregate, row-by-row writes → tune, reads → cache when
at least 25% of its calls repeat an identical earlier statement (from the data: calls vs
distinct raw statements), else tune (literals change per call, so a cache would rarely hit).
est_savings_per_event_usd assumes 25% cache hits, −30% query cost from pre-aggregation, −10%
from tuning (conservative on purpose; model your own with adtrace savings).

Examples:
  $ adtrace cost flags fixtures/auction/otlp.jsonl
  $ adtrace cost flags --db pipeline.duckdb --fail-on-flag --format md >> "$GITHUB_STEP_SUMMARY"`)
    .action(async (inputs: string[], opts: { failOnFlag?: boolean; eventsPerDay?: string }, command: Command) => {
      const options = globals(command);
      const { costFlags } = await import("../core/flags.js");
      const { withAnalysis } = await import("../core/analysis.js");
      const { flagsView } = await import("../output/decision-views.js");
      const { parseEventsPerDay } = await import("../core/savings.js");
      const { CheckFailed } = await import("../errors.js");
      const eventsPerDay = opts.eventsPerDay === undefined ? undefined : parseEventsPerDay(opts.eventsPerDay);
      const { result, label } = await withAnalysis({ ...spanSource(inputs, options), eventsPerDay }, async (a) => ({
        result: await costFlags(a.db, a.config), label: a.label,
      }));
      print(flagsView(result, { label }), options);
      if (opts.failOnFlag && result.flags.length) {
        throw new CheckFailed(`${result.flags.length} warehouse-heavy stage(s) flagged`, result.flags.map((f) => `${f.stage}: ${f.reason}`));
      }
    });
  return cost;
}

export function parsePositiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new UsageError(`${flag} expects a whole number ≥ 1, got '${value}'`);
  return Number(value);
}
