// adtrace generate's options layer: commander's raw values in, the generator's typed options out,
// or a UsageError naming the flag (src/commands/options.ts). Pure: nothing is written here
// (test/command-options.test.ts).
import { UsageError } from "../errors.js";
import { GENERATE_FORMATS, type GenerateOptions } from "../generate/generate.js";
import { readCount } from "../numbers.js";
import type { GlobalOptions } from "./shared.js";

/** The flags of `adtrace generate` as commander hands them over. */
export interface GenerateFlags {
  events: string;
  exportFormat?: string;
  seed: string;
  scenario?: string[];
  sampleRate?: string;
  truth?: string;
  explicitCost?: boolean;
  billingOut?: string;
}

export function generateOptions(flags: GenerateFlags, globals: GlobalOptions): Omit<GenerateOptions, "onProgress"> {
  if (!globals.out) throw new UsageError("generate needs --out FILE");
  if (flags.truth === "") throw new UsageError("--truth needs a file name (it was empty)");
  const events = readCount(flags.events);
  if (events === undefined || !Number.isInteger(events) || events < 1) throw new UsageError(`--events expects a whole number like 10000, 1e6 or 2M, got '${flags.events}'`);
  if (flags.exportFormat && !(GENERATE_FORMATS as readonly string[]).includes(flags.exportFormat)) {
    throw new UsageError(`--export-format must be one of ${GENERATE_FORMATS.join(", ")}, got '${flags.exportFormat}'`);
  }
  const seed = Number(flags.seed);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed expects a whole number, got '${flags.seed}'`);
  const scenario: Record<string, string> = {};
  for (const knob of flags.scenario ?? []) {
    const eq = knob.indexOf("=");
    if (eq <= 0) throw new UsageError(`--scenario expects knob=value, got '${knob}'`);
    scenario[knob.slice(0, eq)] = knob.slice(eq + 1);
  }
  // The program-wide --sample-rate (PATTERN=RATE, for weighting) is parsed first and takes the
  // value, so generate reads its probability from there when its own option is empty.
  const sampleRate = flags.sampleRate ?? globals.sampleRate?.[0];
  if (sampleRate !== undefined && !(Number(sampleRate) > 0 && Number(sampleRate) <= 1)) {
    throw new UsageError(`--sample-rate for generate is a probability in (0, 1], got '${sampleRate}'`);
  }
  return {
    events, out: globals.out, format: flags.exportFormat as GenerateOptions["format"], seed, scenario,
    sampleRate: sampleRate === undefined ? undefined : Number(sampleRate), truth: flags.truth, explicitCost: flags.explicitCost, billingOut: flags.billingOut,
  };
}
