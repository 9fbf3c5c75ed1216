// adtrace cost breakdown's options layer: commander's raw values in, the analysis's typed options
// out (the model told which attribute keys the grouping reads), or a UsageError naming the flag.
// Pure: no DuckDB, no files (test/cost-options.test.ts). As diff-options.ts for adtrace diff.
import { UsageError } from "../errors.js";
import { parseShare } from "../model/numbers.js";
import { parseGroupKeys, type BreakdownOptions } from "../analysis/breakdown.js";
import { grouped, type AnalysisOptions, type Grouped } from "../analysis/analysis.js";
import { parsePositiveInt, spanSource, type GlobalOptions } from "./shared.js";

/** The flags of `adtrace cost breakdown` as commander hands them over. */
export interface BreakdownFlags {
  by: string;
  top?: string;
  minShare?: string;
}

export function breakdownOptions(inputs: string[], flags: BreakdownFlags, globals: GlobalOptions): { analysis: Grouped<AnalysisOptions>; breakdown: BreakdownOptions } {
  const by = parseGroupKeys(flags.by);
  const top = parsePositiveInt(flags.top, "--top");
  const minShare = flags.minShare === undefined ? undefined : parseShare(flags.minShare);
  if (minShare !== undefined && !(minShare >= 0 && minShare <= 1)) throw new UsageError(`--min-share expects a share like 0.05 or 5%, got '${flags.minShare}'`);
  const source = spanSource(inputs, globals);
  return { analysis: grouped(source, by), breakdown: { by, top, minShare } };
}
