// adtrace diff's options layer: commander's raw values in, the typed options of the analysis out,
// or a UsageError in the one message style (`--flag expects what, got 'value'`: src/commands/options.ts). Pure: no
// DuckDB, no files, no output, so its tests run in-process in milliseconds
// (test/diff-options.test.ts). The action (diff.ts) only calls it, the analysis and the view.
import { UsageError } from "../errors.js";
import { parseGroupKeys } from "../analysis/breakdown.js";
import type { AnalysisOptions } from "../analysis/analysis.js";
import type { DiffOptions } from "../analysis/diff.js";
import type { DiffSources } from "../analysis/clickhouse-diff.js";
import { spanSource, type GlobalOptions } from "./shared.js";
import { ifGiven, parseLimit } from "./options.js";
import { diffSources, type DiffClickHouseFlags } from "./diff-sources.js";

/** The flags of `adtrace diff` as commander hands them over. */
export interface DiffFlags extends DiffClickHouseFlags {
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
  /** The ClickHouse source of each side that names one. */
  sources: DiffSources;
}

/** `sides`: the BASELINE and CURRENT arguments (ClickHouse sources among them are parsed here, relative times against `now`). */
export function diffOptions(flags: DiffFlags, globals: GlobalOptions, sides: { baseline: string; current: string } = { baseline: "", current: "" }, now = new Date()): DiffCommandOptions {
  if (globals.db) throw new UsageError("diff reads its two sides from its arguments; pass the .duckdb file as BASELINE or CURRENT instead of --db");
  const { inputs: _inputs, db: _db, ...analysis } = spanSource([], globals);
  return {
    analysis,
    diff: {
      by: parseGroupKeys(flags.by),
      significantOnly: flags.significantOnly,
      gates: {
        maxCostIncrease: ifGiven("--max-cost-increase", flags.maxCostIncrease, parseLimit),
        maxStageIncrease: ifGiven("--max-stage-increase", flags.maxStageIncrease, parseLimit),
        maxP95Increase: ifGiven("--max-p95-increase", flags.maxP95Increase, parseLimit),
      },
    },
    onlyIncreases: Boolean(flags.onlyIncreases),
    sources: diffSources(sides, flags, globals, now),
  };
}
