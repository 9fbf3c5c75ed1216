// adtrace report's options layer: commander's raw values in, the analysis's typed options and the
// bundle's directory out, or a UsageError naming the flag (src/commands/options.ts). Pure: whether
// --out-dir may be written is the action's to check (test/command-options.test.ts).
import { UsageError } from "../errors.js";
import type { AnalysisOptions } from "../analysis/analysis.js";
import { spanSource, type GlobalOptions } from "./shared.js";
import { ifGiven, parseEventsPerDay } from "./options.js";

/** The flags of `adtrace report` as commander hands them over. */
export interface ReportFlags {
  outDir: string;
  scenario?: string;
  eventsPerDay?: string;
  /** false under --no-timestamp. */
  timestamp: boolean;
}

export interface ReportCommandOptions {
  analysis: AnalysisOptions;
  outDir: string;
  scenario: string | undefined;
  timestamp: boolean;
}

export function reportOptions(inputs: string[], flags: ReportFlags, globals: GlobalOptions): ReportCommandOptions {
  if (globals.out) throw new UsageError("report writes a directory: use --out-dir, not --out");
  const eventsPerDay = ifGiven("--events-per-day", flags.eventsPerDay, parseEventsPerDay);
  return { analysis: { ...spanSource(inputs, globals), eventsPerDay }, outDir: flags.outDir, scenario: flags.scenario, timestamp: flags.timestamp };
}
