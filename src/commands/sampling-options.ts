// adtrace sampling advise's options layer: commander's raw values in, the analysis's typed options
// out (the model told which attribute keys --by reads), or a UsageError naming the flag
// (src/commands/options.ts). Pure: no DuckDB, no files (test/command-options.test.ts).
import { UsageError } from "../errors.js";
import { grouped, type AnalysisOptions, type Grouped } from "../analysis/analysis.js";
import { WINDOWS, type WindowName } from "../analysis/advise.js";
import { parseGroupKeys, type GroupKey } from "../analysis/breakdown.js";
import { readShare } from "../numbers.js";
import { spanSource, type GlobalOptions } from "./shared.js";
import { ifGiven, parseChoice, parseEventsPerDay } from "./options.js";

/** The flags of `adtrace sampling advise` as commander hands them over. */
export interface AdviseFlags {
  rates: string;
  targetError: string;
  by: string;
  window: string;
  eventsPerDay?: string;
}

export interface AdviseCommandOptions {
  analysis: Grouped<AnalysisOptions>;
  advise: { rates: number[]; targetError: number; by: GroupKey; window: WindowName };
}

/** `--rates 1,0.5,0.1` or `100%,50%,10%`: each in (0, 1], strictly decreasing. */
export function parseRates(flag: string, text: string): number[] {
  const parts = text.split(",").map((p) => p.trim());
  const rates = parts.map((part) => {
    const rate = readShare(part);
    if (rate === undefined || !(rate > 0 && rate <= 1)) throw new UsageError(`${flag}: each rate must be in (0, 1] (a fraction like 0.01 or a percentage like 1%), got '${part}'`);
    return rate;
  });
  for (let i = 1; i < rates.length; i++) {
    if (rates[i] === rates[i - 1]) throw new UsageError(`${flag}: '${parts[i]}' is given twice; list each rate once, highest first (e.g. 1,0.5,0.1,0.01,0.001)`);
    if (rates[i]! > rates[i - 1]!) throw new UsageError(`${flag} must go from the highest rate down (e.g. 1,0.5,0.1,0.01,0.001): '${parts[i]}' comes after '${parts[i - 1]}'`);
  }
  return rates;
}

/** `--target-error 2%` or `0.02`: in (0, 100%]; a bare number above 1 is refused with the percentage it would be. */
export function parseTargetError(flag: string, text: string): number {
  const value = readShare(text);
  const bare = value !== undefined && !text.includes("%") && value > 1;
  if (value === undefined || !(value > 0 && value <= 1) || bare) {
    throw new UsageError(`${flag} expects a relative error above 0 and at most 100%, like 2% or 0.02, got '${text}'${bare ? ` (for ${text.trim()} percent write ${text.trim()}%)` : ""}`);
  }
  return value;
}

export function adviseOptions(inputs: string[], flags: AdviseFlags, globals: GlobalOptions): AdviseCommandOptions {
  const rates = parseRates("--rates", flags.rates);
  const targetError = parseTargetError("--target-error", flags.targetError);
  const window = parseChoice("--window", flags.window, Object.keys(WINDOWS) as WindowName[]);
  const by = parseGroupKeys(flags.by);
  if (by.length !== 1) throw new UsageError(`--by takes one key for sampling advise (stage, name, service or attr:KEY), got '${flags.by}'`);
  const eventsPerDay = ifGiven("--events-per-day", flags.eventsPerDay, parseEventsPerDay);
  const source = spanSource(inputs, globals);
  return {
    analysis: { ...grouped(source, by), eventsPerDay },
    advise: { rates, targetError, by: by[0]!, window },
  };
}
