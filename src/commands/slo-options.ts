// adtrace slo check's options layer: commander's raw values in, the analysis's typed options out,
// or a UsageError naming the flag (src/commands/options.ts). Pure (test/command-options.test.ts).
import type { AnalysisOptions } from "../analysis/analysis.js";
import { spanSource, type GlobalOptions } from "./shared.js";
import { ifGiven, parseDurationNs } from "./options.js";

export interface SloFlags {
  window?: string;
}

export function sloOptions(inputs: string[], flags: SloFlags, globals: GlobalOptions): { analysis: AnalysisOptions; windowNs: bigint | undefined } {
  const windowNs = ifGiven("--window", flags.window, parseDurationNs);
  return { analysis: spanSource(inputs, globals), windowNs };
}
