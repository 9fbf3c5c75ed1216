// adtrace diff's options layer: commander's raw values in, the typed options of the analysis out,
// or a UsageError in the one message style (`--flag what was expected, got 'value'`). Pure: no
// DuckDB, no files, no output, so its tests run in-process in milliseconds
// (test/diff-options.test.ts). The action (diff.ts) only calls it, the analysis and the view.
import { UsageError } from "../errors.js";
import { parseLimit } from "../model/numbers.js";
import { parseGroupKeys } from "../analysis/breakdown.js";
import type { AnalysisOptions } from "../analysis/analysis.js";
import type { DiffOptions } from "../analysis/diff.js";
import { spanSource, type GlobalOptions } from "./shared.js";

/** The flags of `adtrace diff` as commander hands them over. */
export interface DiffFlags {
  by: string;
  maxCostIncrease?: string;
  maxStageIncrease?: string;
  maxP95Increase?: string;
  significantOnly?: boolean;
  onlyIncreases?: boolean;
}

export interface DiffCommandOptions {
  /** How each side's spans are read and modelled (the global options; the sides name their own sources). */
  analysis: Omit<AnalysisOptions, "inputs" | "db">;
  diff: DiffOptions;
  onlyIncreases: boolean;
}

export function diffOptions(flags: DiffFlags, globals: GlobalOptions): DiffCommandOptions {
  if (globals.db) throw new UsageError("diff reads its two sides from its arguments; pass the .duckdb file as BASELINE or CURRENT instead of --db");
  const { inputs: _inputs, db: _db, ...analysis } = spanSource([], globals);
  return {
    analysis,
    diff: {
      by: parseGroupKeys(flags.by),
      significantOnly: flags.significantOnly,
      gates: {
        maxCostIncrease: limit(flags.maxCostIncrease, "--max-cost-increase"),
        maxStageIncrease: limit(flags.maxStageIncrease, "--max-stage-increase"),
        maxP95Increase: limit(flags.maxP95Increase, "--max-p95-increase"),
      },
    },
    onlyIncreases: Boolean(flags.onlyIncreases),
  };
}

/** A gate's limit (5% or 0.05), or undefined when the gate is not set. */
function limit(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const parsed = parseLimit(value);
  if ("error" in parsed) throw new UsageError(`${flag} ${parsed.error}`);
  return parsed.value;
}
