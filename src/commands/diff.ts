// adtrace diff: the change between a baseline and a current run, with CI gates.
import type { Command } from "commander";
import { globals, note, print } from "./shared.js";
import { CheckFailed } from "../errors.js";
import type { DiffFlags } from "./diff-options.js";
import type { BroughtBySide } from "../analysis/clickhouse-diff.js";

export function registerDiff(program: Command): void {
  program
    .command("diff")
    .description("per-stage change between a baseline and a current run; exit 1 past a gate")
    .argument("<baseline>", "span file/dir/glob, a .duckdb database, a report directory or report.json, or a ClickHouse source: clickhouse://USER@HOST:8123/DB, clickhouses://…, chdb:PATH")
    .argument("<current>", "the same kinds as baseline")
    .option("--by <keys>", "group by stage, name, service or attr:KEY (reports hold stage only)", "stage")
    .option("--max-cost-increase <pct>", "fail when total cost per event rises more than this (5% or 0.05)")
    .option("--max-stage-increase <pct>", "fail when any group's cost per event rises more than this (a new group with ≥1% of cost also fails)")
    .option("--max-p95-increase <pct>", "fail when a p95 rises more than this (end-to-end for the total)")
    .option("--only-increases", "show only the groups whose cost per event rose (or that breached a gate), with the total; nothing at all, exit 0, when nothing rose")
    .option("--significant-only", "ignore changes within noise (95% interval includes 0); the p95 gate uses the p95 test")
    .option("--since <when>", "ClickHouse: the current side's window starts at WHEN (30m, 24h, 7d ago or an ISO-8601 time); also the baseline's, when it is ClickHouse without --baseline-since/--baseline-until")
    .option("--until <when>", "ClickHouse: the current side's window ends before WHEN (same forms; default now when --since is given)")
    .option("--baseline-since <when>", "ClickHouse baseline: its own window starts at WHEN")
    .option("--baseline-until <when>", "ClickHouse baseline: its own window ends before WHEN")
    .option("--table <name>", "ClickHouse: the spans table of each ClickHouse side, NAME or DATABASE.NAME (default otel_traces)")
    .option("--timeout <seconds>", "ClickHouse: give up on a query after this many seconds")
    .addHelpText("after", `
Significance (span data on both sides): cost, a bootstrap 95% interval of the change in mean cost
per event (≤ 5000 events a side, fixed seed), else Welch's normal approximation; p95
(p95_significant), a bootstrap 95% interval of the change in p95 resampling events (≤ 5000 events
a side, else unknown). With a report on either side both are "unknown", and unknown changes count
against gates. Limits: 5% or 0.05; a bare number above 1 is refused.

Examples:
  $ adtrace diff baseline.jsonl current.jsonl --max-cost-increase 5%
  $ adtrace diff report-main/ report-pr/ --max-stage-increase 10% --format md >> "$GITHUB_STEP_SUMMARY"
  $ adtrace diff nightly.duckdb today.parquet --significant-only --max-cost-increase 5%
  $ adtrace diff report-main/ report-pr/ --only-increases --format md   # empty when nothing rose
  $ adtrace diff report-main/ report-pr/ --max-cost-increase 5% --format html --out diff.html  # before/after charts

ClickHouse: either side (or both) may be clickhouse://USER@HOST:8123/DB, clickhouses://… (TLS) or
chdb:PATH; the password comes from CLICKHOUSE_PASSWORD. Groups and the significance sums are
computed in ClickHouse, so only one row per group comes back (one per event for a side of at most
5000 events, the bootstrap's input). --since/--until bound the current side, and the baseline
too unless --baseline-since/--baseline-until give it its own window; a window with a start and no
end ends now. Windows of the same table must not overlap. --format html draws a ClickHouse side
from the report of its window, as adtrace report over that source writes it.
  # the last 24 h against the 24 h before, on the same table: exit 1 past 5%
  $ adtrace diff clickhouse://ci@ch:8123/otel clickhouse://ci@ch:8123/otel \\
      --baseline-since 48h --baseline-until 24h --since 24h --max-cost-increase 5% --format md
  # this PR's spans against the last 24 h in ClickHouse
  $ adtrace diff clickhouse://ci@ch:8123/otel pr.jsonl --since 24h --max-stage-increase 10%
  # a report kept from the release against today, in a local ClickHouse data directory
  $ adtrace diff report-release/ chdb:./ch-data --since 2024-06-01 --until 2024-06-02`)
    .action(async (baseline: string, current: string, flags: DiffFlags, command: Command) => {
      const options = globals(command);
      const { diffOptions } = await import("./diff-options.js");
      const typed = diffOptions(flags, options, { baseline, current });
      const html = await import("./diff-html.js");
      const clickhouse = typed.sources.baseline ?? typed.sources.current;
      // The page reads each ClickHouse side again as a report: the breakdowns the diff brought back are handed on.
      const brought: BroughtBySide = {};
      const { diff, onlyIncreases } = await import("../analysis/diff.js");
      const { diffView } = await import("../output/diff-view.js");
      const result = clickhouse
        ? await (await import("../analysis/clickhouse-diff.js")).diffWithSources(baseline, current, typed.analysis, typed.diff, typed.sources, (a) => {
          if (options.debug) note(options, `${a.side}: clickhouse answered ${a.rows} rows, ${a.bytes} bytes`);
        }, brought)
        : await diff(baseline, current, typed.analysis, typed.diff);
      const shown = typed.onlyIncreases ? onlyIncreases(result) : result;
      // Nothing rose: no output at all (no page either), so that a CI step appends or uploads nothing.
      if (!shown.rows.length) note(options, "--only-increases: nothing rose, so nothing was written");
      else if (html.wantsHtml(options)) await html.writeDiffHtml(shown, baseline, current, typed.analysis, options, typed.sources, brought);
      else await print(diffView(shown), options);
      if (result.breaches.length) {
        throw new CheckFailed(`${result.breaches.length} gate(s) breached`, result.breaches.map((b) => `${b.row}: ${b.gate}: ${b.detail}`));
      }
    });
}
