// adtrace trace's options layer: the arguments (TRACE_ID then inputs, or with --pick only inputs)
// and flags in, which trace to draw and from what out, or a UsageError (src/commands/options.ts).
// Pure (test/command-options.test.ts).
import { UsageError } from "../errors.js";
import type { AnalysisOptions } from "../analysis/analysis.js";
import { PICKS, type Pick } from "../analysis/trace.js";
import { spanSource, type GlobalOptions } from "./shared.js";
import { ifGiven, parseChoice } from "./options.js";

export interface TraceFlags {
  pick?: string;
}

export function traceOptions(args: string[], flags: TraceFlags, globals: GlobalOptions): { analysis: AnalysisOptions; traceId: string | undefined; pick: Pick | undefined } {
  const pick = ifGiven("--pick", flags.pick, (flag, text) => parseChoice(flag, text, PICKS));
  const traceId = pick ? undefined : args[0];
  if (traceId === undefined && !pick) throw new UsageError("give a TRACE_ID, or --pick costliest|slowest|median");
  return { analysis: spanSource(pick ? args : args.slice(1), globals), traceId, pick };
}
