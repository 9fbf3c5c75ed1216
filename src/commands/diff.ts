// adtrace diff: the change between a baseline and a current run, with CI gates.
import type { Command } from "commander";
import { globals, note, print } from "./shared.js";
import { CheckFailed } from "../errors.js";
import type { DiffFlags } from "./diff-options.js";

export function registerDiff(program: Command): void {
  program
    .command("diff")
    .description("per-stage change between a baseline and a current run; exit 1 past a gate")
    .argument("<baseline>", "span file/dir/glob, a .duckdb database, a report directory or report.json")
    .argument("<current>", "the same kinds as baseline")
    .option("--by <keys>", "group by stage, name, service or attr:KEY (reports hold stage only)", "stage")
    .option("--max-cost-increase <pct>", "fail when total cost per event rises more than this (5% or 0.05)")
    .option("--max-stage-increase <pct>", "fail when any group's cost per event rises more than this (a new group with ≥1% of cost also fails)")
    .option("--max-p95-increase <pct>", "fail when a p95 rises more than this (end-to-end for the total)")
    .option("--only-increases", "show only the groups whose cost per event rose (or that breached a gate), with the total; nothing at all, exit 0, when nothing rose")
    .option("--significant-only", "ignore changes within noise (95% interval includes 0); the p95 gate uses the p95 test")
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
  $ adtrace diff report-main/ report-pr/ --max-cost-increase 5% --format html --out diff.html  # before/after charts`)
    .action(async (baseline: string, current: string, flags: DiffFlags, command: Command) => {
      const options = globals(command);
      const { diffOptions } = await import("./diff-options.js");
      const typed = diffOptions(flags, options);
      const { diff, onlyIncreases } = await import("../analysis/diff.js");
      const { diffView } = await import("../output/diff-view.js");
      const result = await diff(baseline, current, typed.analysis, typed.diff);
      const shown = typed.onlyIncreases ? onlyIncreases(result) : result;
      const html = await import("./diff-html.js");
      // Nothing rose: no output at all (no page either), so that a CI step appends or uploads nothing.
      if (!shown.rows.length) note(options, "--only-increases: nothing rose, so nothing was written");
      else if (html.wantsHtml(options)) await html.writeDiffHtml(shown, baseline, current, typed.analysis, options);
      else await print(diffView(shown), options);
      if (result.breaches.length) {
        throw new CheckFailed(`${result.breaches.length} gate(s) breached`, result.breaches.map((b) => `${b.row}: ${b.gate}: ${b.detail}`));
      }
    });
}
