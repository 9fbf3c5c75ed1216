// adtrace audit pii's options layer: commander's raw values in, the kinds to report and the span
// source out, or a UsageError naming the flag (src/commands/options.ts). Pure
// (test/command-options.test.ts).
import { UsageError } from "../errors.js";
import type { AnalysisOptions } from "../analysis/analysis.js";
import { PII_KINDS, type PiiKind } from "../model/pii.js";
import { spanSource, type GlobalOptions } from "./shared.js";

export interface PiiFlags {
  failOnPii?: boolean;
  kinds?: string;
}

/** `--kinds K,…`: known kinds, else a usage error naming them; [] (every kind) when not given. */
export function parseKinds(flag: string, text: string | undefined): PiiKind[] {
  if (text === undefined) return [];
  const kinds = text.split(",").map((k) => k.trim()).filter(Boolean);
  for (const kind of kinds) {
    if (!(PII_KINDS as readonly string[]).includes(kind)) throw new UsageError(`${flag}: unknown kind '${kind}' (expected one of ${PII_KINDS.join(", ")})`);
  }
  if (!kinds.length) throw new UsageError(`${flag} expects a comma list of ${PII_KINDS.join(", ")}`);
  return kinds as PiiKind[];
}

export function piiOptions(inputs: string[], flags: PiiFlags, globals: GlobalOptions): { source: AnalysisOptions & { countCyclic: false }; kinds: PiiKind[]; failOnPii: boolean } {
  const kinds = parseKinds("--kinds", flags.kinds);
  return { source: { ...spanSource(inputs, globals), countCyclic: false }, kinds, failOnPii: Boolean(flags.failOnPii) };
}
