// adtrace cost breakdown | queries | critical-path | flags: where the money and the time go per ad event.
// Each action turns its flags into typed options through ./cost-options.ts, then runs one analysis.
import type { Command } from "commander";
import { globals, ingestNotes, note, print } from "./shared.js";
import type { BreakdownFlags, CriticalPathFlags, FlagsFlags, OutliersFlags, QueriesFlags, ReconcileFlags, TrendFlags } from "./cost-options.js";
import { addClickHouseOptions, clickhouseBreakdown, clickhouseFlags, clickhouseQueries, isClickHouseRun } from "./clickhouse.js";

export function registerCost(program: Command): Command {
  const cost = program.command("cost").description("per-event cost: breakdown by stage, warehouse queries, warehouse-heavy flags, outliers, trend, the critical path");

  addClickHouseOptions(cost
    .command("breakdown")
    .description("cost and latency per ad event, split by stage (or name, service, attribute)")
    .argument("[inputs...]", "span files (else --db, else ./adtrace.duckdb), or a ClickHouse source: clickhouse://USER@HOST:8123/DB, chdb:PATH")
    .option("--by <keys>", "group by stage, name, service or attr:KEY; a comma list for several", "stage")
    .option("--top <n>", "show the N most expensive groups (the rest are summed in a footnote)")
    .option("--min-share <share>", "hide groups below this share of cost (0.05 or 5%)"))
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
    .action(async (inputs: string[], flags: BreakdownFlags, command: Command) => {
      const options = globals(command);
      const { breakdownOptions } = await import("./cost-options.js");
      const typed = breakdownOptions(inputs, flags, options);
      if (isClickHouseRun(inputs, options)) {
        const { breakdownView } = await import("../output/cost-views.js");
        const pushed = await clickhouseBreakdown(inputs, options, typed.breakdown, typed.analysis.model ?? {});
        return print(breakdownView(pushed.result, { config: pushed.config, label: pushed.label }), options);
      }
      const { breakdown } = await import("../analysis/breakdown.js");
      const { withAnalysis } = await import("../analysis/analysis.js");
      const { breakdownView } = await import("../output/cost-views.js");
      const result = await withAnalysis(typed.analysis, async (a) => ({
        result: await breakdown(a.db, { ...typed.breakdown, by: a.by }),
        config: a.config.source,
        label: a.label,
      }));
      await print(breakdownView(result.result, { config: result.config, label: result.label }), options);
    });

  addClickHouseOptions(cost
    .command("queries")
    .description("the warehouse queries behind the cost, by fingerprint (literals removed)")
    .argument("[inputs...]", "span files (else --db, else ./adtrace.duckdb), or a ClickHouse source: clickhouse://USER@HOST:8123/DB, chdb:PATH")
    .option("--top <n>", "show the N most expensive queries"))
    .addHelpText("after", `
Query texts are fingerprints: string and number literals become ?, IN (…) lists and VALUES rows
collapse, whitespace is squeezed, so user ids and other values never reach a report.

Examples:
  $ adtrace cost queries fixtures/auction/otlp.jsonl
  $ adtrace cost queries --db pipeline.duckdb --top 5 --format json`)
    .action(async (inputs: string[], flags: QueriesFlags, command: Command) => {
      const options = globals(command);
      const { queriesOptions } = await import("./cost-options.js");
      const typed = queriesOptions(inputs, flags, options);
      const { warehouseQueries } = await import("../analysis/breakdown.js");
      const { withAnalysis } = await import("../analysis/analysis.js");
      const { queriesView } = await import("../output/cost-views.js");
      if (isClickHouseRun(inputs, options)) return print(queriesView(await clickhouseQueries(inputs, options, typed.queries.top, typed.analysis.model ?? {})), options);
      const result = await withAnalysis(typed.analysis, (a) => warehouseQueries(a.db, typed.queries));
      await print(queriesView(result), options);
    });
  addClickHouseOptions(cost
    .command("critical-path")
    .description("how much of each stage's time sets event latency (the critical path), next to its share of cost")
    .argument("[inputs...]", "span files (else --db, else ./adtrace.duckdb), or a ClickHouse source: clickhouse://USER@HOST:8123/DB, chdb:PATH"))
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
  $ adtrace cost critical-path --db pipeline.duckdb --costly-share 20% --critical-share 0.8
  $ adtrace cost critical-path chdb:/var/lib/clickhouse --table otel.otel_traces --since 1d   # walks up to 20,000 whole events locally`)
    .action(async (inputs: string[], flags: CriticalPathFlags, command: Command) => {
      const options = globals(command);
      const { criticalPathOptions } = await import("./cost-options.js");
      const typed = criticalPathOptions(inputs, flags, options);
      const { costCriticalPath } = await import("../analysis/path-cost.js");
      const { withAnalysis } = await import("../analysis/analysis.js");
      const { criticalPathView } = await import("../output/path-views.js");
      const result = isClickHouseRun(inputs, options)
        ? await (await import("./clickhouse-events.js")).clickhouseCriticalPath(inputs, options, typed.criticalPath, typed.analysis.model ?? {})
        : await withAnalysis(typed.analysis, async (a) => ({ result: await costCriticalPath(a.db, { ...typed.criticalPath, by: a.by }), label: a.label }));
      await print(criticalPathView(result.result, { label: result.label }), options);
    });

  addClickHouseOptions(cost
    .command("flags")
    .description("the warehouse-heavy stages: why each is flagged and the lever that fits")
    .argument("[inputs...]", "span files (else --db, else ./adtrace.duckdb), or a ClickHouse source: clickhouse://USER@HOST:8123/DB, chdb:PATH"))
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
  $ adtrace cost flags --db pipeline.duckdb --fail-on-flag --format md >> "$GITHUB_STEP_SUMMARY"
  $ adtrace cost flags chdb:/var/lib/clickhouse --table otel.otel_traces --since 7d   # profiles pushed down to ClickHouse`)
    .action(async (inputs: string[], flags: FlagsFlags, command: Command) => {
      const options = globals(command);
      const { flagsOptions } = await import("./cost-options.js");
      const typed = flagsOptions(inputs, flags, options);
      const { costFlags } = await import("../analysis/flags.js");
      const { withAnalysis } = await import("../analysis/analysis.js");
      const { flagsView } = await import("../output/decision-views.js");
      const { CheckFailed } = await import("../errors.js");
      const { result, label } = isClickHouseRun(inputs, options)
        ? await clickhouseFlags(inputs, options, typed.analysis.eventsPerDay, typed.analysis.model ?? {})
        : await withAnalysis(typed.analysis, async (a) => ({ result: await costFlags(a.db, a.config), label: a.label }));
      await print(flagsView(result, { label }), options);
      if (typed.failOnFlag && result.flags.length) {
        throw new CheckFailed(`${result.flags.length} warehouse-heavy stage(s) flagged`, result.flags.map((f) => `${f.stage}: ${f.reason}`));
      }
    });
  addClickHouseOptions(cost
    .command("outliers")
    .description("why some events cost more: attribute values over-represented among the costliest (or slowest) events")
    .argument("[inputs...]", "span files (else --db, else ./adtrace.duckdb), or a ClickHouse source: clickhouse://USER@HOST:8123/DB, chdb:PATH"))
    .option("--metric <metric>", "cost (USD per event) or latency (end-to-end ms)", "cost")
    .option("--stage <stage>", "that stage's cost, or its time within the event (first start to last end of its spans)")
    .option("--top <share>", "the share of events selected, in (0, 50%]: 10% or 0.1", "10%")
    .option("--keys <keys>", "only these attribute keys (a comma list)")
    .option("--max-values <n>", "values per key before the rest fold into (other)", "50")
    .addHelpText("after", `
The top --top of events by the metric (weighted by sampling: events above the weighted 1 − top
quantile; ties at it stay in the baseline) are compared with the rest. Every span and resource
attribute is rolled up to its event: an event carries key=value if any of its spans does. Keys
unique per event (ids: most events carrying the key have a value no other has) are skipped and
named; the attributes the cost model prices from (cost.usd, compute.vcpus, db.bytes_billed…),
sampling rates and statements are not candidates (they are the metric's inputs, not its drivers).
Per value: selected_share and baseline_share (weighted), lift = their ratio, mean_with and
mean_without (USD per event or ms) and a two-proportion z-test (normal approximation with
Yates' continuity correction), each
side's n replaced by the effective sample size (Σw)²/Σw² (Kish), so sampled data is weighed as
what it is; q_value adjusts p_value for the number of values tested (Benjamini–Hochberg); values
with fewer than 5 expected events in a cell are not tested. Significant values (q < 0.05) come
first, by lift. The table shows 15 rows; CSV and JSON carry them all.

Examples:
  $ adtrace cost outliers spans.jsonl
  $ adtrace cost outliers --db pipeline.duckdb --metric latency --top 5%
  $ adtrace cost outliers --db pipeline.duckdb --stage aggregation --keys user_locale,device.type --format csv
  $ adtrace cost outliers chdb:/var/lib/clickhouse --table otel.otel_traces --since 7d   # pushed down to ClickHouse`)
    .action(async (inputs: string[], flags: OutliersFlags, command: Command) => {
      const options = globals(command);
      const { outliersOptions } = await import("./cost-options.js");
      const typed = outliersOptions(inputs, flags, options);
      const { outliers } = await import("../analysis/outliers.js");
      const { withAnalysis } = await import("../analysis/analysis.js");
      const { outliersView } = await import("../output/outliers-view.js");
      const result = isClickHouseRun(inputs, options)
        ? await (await import("./clickhouse-stats.js")).clickhouseOutliers(inputs, options, typed.outliers, typed.analysis.model ?? {})
        : await withAnalysis(typed.analysis, async (a) => ({
          result: await outliers(a.db, a.config, typed.outliers),
          label: a.label,
        }));
      await print(outliersView(result.result, { label: result.label }), options);
    });
  addClickHouseOptions(cost
    .command("trend")
    .description("cost per event, events and p95 per time bucket (and group), with drift against a baseline band")
    .argument("[inputs...]", "span files (else --db, else ./adtrace.duckdb), or a ClickHouse source: clickhouse://USER@HOST:8123/DB, chdb:PATH"))
    .option("--every <duration>", "bucket width: 15m, 1h, 1d (units ms, s, m, h, d, w)", "1h")
    .option("--by <keys>", "group by stage, name, service or attr:KEY; a comma list for several (default: all events together)")
    .option("--baseline <duration>", "how far back the baseline of a bucket reaches (at least 3 × --every)", "7d")
    .option("--fail-on-drift", "exit with code 1 when the last bucket drifted (up or down) in any group (for cron or CI); a warning on stderr where its drift is unknown")
    .addHelpText("after", `
Each event counts, whole, in the bucket its first span starts in. Per bucket and group:
events (the group's, weighted), cost_per_event_usd (the group's cost ÷ ALL the bucket's events, so
groups add up to the bucket's total, as in cost breakdown), p95_ms (end-to-end event latency
without --by, else the group's span durations; weighted on sampled data), and
baseline_cost_per_event_usd: the mean over the preceding buckets within --baseline, weighted by
their events. A bucket drifted (drift up or down) when its cost per event lies outside the
baseline's 99% band, a prediction interval mean ± t(0.995, k − 1) · s · √(1 + 1/k) over the k
preceding buckets (s their spread, weighted by events); none inside it; unknown with fewer than 3
preceding buckets with events, or none of its own. JSON adds band_low_usd and band_high_usd.
The table shows one row per group: a sparkline of its cost per event and its last bucket.
More than 10,000 buckets, or an --every finer than the data's timestamps, is refused (exit 2).

Examples:
  $ adtrace cost trend spans.jsonl --every 1h
  $ adtrace cost trend --db pipeline.duckdb --every 1h --by stage --baseline 7d --format csv
  $ adtrace cost trend --db pipeline.duckdb --every 1d --baseline 28d --fail-on-drift   # a nightly cron job
  $ adtrace cost trend chdb:/var/lib/clickhouse --table otel.otel_traces --since 7d --every 1h --by stage   # sums pushed down to ClickHouse`)
    .action(async (inputs: string[], flags: TrendFlags, command: Command) => {
      const options = globals(command);
      const { trendOptions } = await import("./cost-options.js");
      const typed = trendOptions(inputs, flags, options);
      const { trend } = await import("../analysis/trend.js");
      const { withAnalysis } = await import("../analysis/analysis.js");
      const { trendView } = await import("../output/trend-view.js");
      const { CheckFailed } = await import("../errors.js");
      const { result, label } = isClickHouseRun(inputs, options)
        ? await (await import("./clickhouse-events.js")).clickhouseTrend(inputs, options, typed.trend, typed.analysis.model ?? {})
        : await withAnalysis(typed.analysis, async (a) => ({ result: await trend(a.db, { ...typed.trend, by: a.by }), label: a.label }));
      await print(trendView(result, { label }), options);
      if (typed.failOnDrift) {
        const drifted = result.groups.filter((g) => ["up", "down"].includes(g.rows[g.rows.length - 1]!.drift));
        if (drifted.length) {
          throw new CheckFailed(`the last bucket drifted in ${drifted.length} group(s)`, drifted.map((g) => {
            const last = g.rows[g.rows.length - 1]!;
            return `${Object.values(g.keys).join("/") || "all events"}: ${last.drift}, $${last.cost_per_event_usd} per event against a band of $${last.band_low_usd}–$${last.band_high_usd} (${last.bucket_start})`;
          }));
        }
        // A gate that could not look must say so: exit 0 here means "not checked", not "no drift".
        const unknown = result.groups.filter((g) => g.rows[g.rows.length - 1]!.drift === "unknown");
        if (unknown.length) {
          note(options, `warning: --fail-on-drift: the last bucket's drift is unknown in ${unknown.length} of ${result.groups.length} group(s) (fewer than 3 preceding buckets with events within --baseline, or no events of its own); not checked there`);
        }
      }
    });
  // cost reconcile (issue 23): estimates against the warehouses' billing records.
  addClickHouseOptions(cost
    .command("reconcile")
    .description("estimated against billed warehouse cost per warehouse, stage and query fingerprint; the join rate; billed spend no span explains")
    .argument("[inputs...]", "span files (else --db, else ./adtrace.duckdb), or a ClickHouse source with --billing-file: clickhouse://USER@HOST:8123/DB, chdb:PATH"))
    .option("--fail-under-join-rate <share>", "exit 1 when fewer than this share of warehouse spans join a billing record (0.9 or 90%), for CI")
    .addHelpText("after", `
Billing records come from the database (adtrace load --billing FILE… / pull --billing) or, with
span files, from --billing-file FILE. A record joins the span that issued its query by, in order:
a span attribute holding the query or job id (db.query.id, snowflake.query_id, bigquery.job_id;
config query_id_attributes); the Snowflake QUERY_TAG or BigQuery job labels carrying the span's
traceparent or trace_id and span_id; with --match-by-time, the same warehouse, statement
fingerprint and overlapping times, accepted only when unambiguous (a weaker match).
Over a ClickHouse source (with --billing-file, which it needs): every warehouse span of the range
comes back into a local DuckDB (and any span a bill's id or tag could join), so what crosses the
network grows with the range; --since/--until bound it.

Columns: spans (warehouse spans, stored, unweighted), joined_spans, estimated_usd (the price book's
query cost of all of them), billed_usd (the bills of the joined ones), billed_over_estimated (on the
joined spans alone), join_rate. One row per warehouse with stage (untraced): billed records no
span explains within the spans' time range. Untraced spend = the bill − the joined spans' bills.

Examples:
  $ adtrace load --billing query_attribution.csv jobs.parquet --db pipeline.duckdb
  $ adtrace cost reconcile --db pipeline.duckdb
  $ adtrace cost reconcile spans.jsonl --billing-file jobs.csv --match-by-time --format csv
  $ adtrace cost reconcile --db pipeline.duckdb --fail-under-join-rate 0.9
  $ adtrace cost reconcile chdb:/var/lib/clickhouse --table otel.otel_traces --since 1d --billing-file jobs.csv   # the day's warehouse spans come back`)
    .action(async (inputs: string[], flags: ReconcileFlags, command: Command) => {
      const options = globals(command);
      const { reconcileOptions } = await import("./cost-options.js");
      const typed = reconcileOptions(inputs, flags, options);
      const { reconcile, checkJoinRate } = await import("../analysis/reconcile.js");
      const { pricingSummary } = await import("../analysis/breakdown.js");
      const { withAnalysis } = await import("../analysis/analysis.js");
      const { pricingJson, pricingNotes } = await import("../output/cost-views.js");
      const { reconcileView } = await import("../output/reconcile-view.js");
      const { isClickHouseReconcile, clickhouseReconcile } = await import("./clickhouse-reconcile.js");
      const { result, pricing, billing } = isClickHouseReconcile(inputs, options)
        ? await clickhouseReconcile(inputs, options, typed.analysis.model ?? {})
        : await withAnalysis(typed.analysis, async (a) => ({
          result: await reconcile(a.db), pricing: await pricingSummary(a.db), billing: a.billing,
        }));
      if (billing) ingestNotes(options, { warnings: billing.warnings, skippedExamples: [] });
      await print(reconcileView(result, { notes: pricingNotes(pricing), json: pricingJson(pricing) }), options);
      checkJoinRate(result.totals, typed.minJoinRate);
    });
  return cost;
}
