// adtrace savings's options layer: the levers given on the command line (--cache, --preagg,
// --tune, in their order) and the flags in, the analysis's typed options out, or a UsageError
// naming the flag (src/commands/options.ts). Pure: the scenario file is only named here; the
// action reads it (test/command-options.test.ts).
import { UsageError } from "../errors.js";
import type { AnalysisOptions } from "../analysis/analysis.js";
import { parseLever, type LeverKind, type Optimize, type Scenario } from "../analysis/savings.js";
import { spanSource, type GlobalOptions } from "./shared.js";
import { ifGiven, parseChoice, parseEventsPerDay, parsePositiveInt } from "./options.js";

/** The flags of `adtrace savings` as commander hands them over (the levers come apart, in order). */
export interface SavingsFlags {
  scenario?: string;
  suggest?: boolean;
  optimize?: string;
  eventsPerDay?: string;
  latencySample?: string;
}

export interface SavingsCommandOptions {
  analysis: AnalysisOptions;
  /** The command line's levers as one scenario, when any were given. */
  scenarios: Scenario[];
  /** --scenario FILE, read by the action. */
  scenarioFile: string | undefined;
  suggest: boolean;
  optimize: Optimize;
  latencyEvents: number | undefined;
}

export function savingsOptions(inputs: string[], levers: readonly { kind: LeverKind; spec: string }[], flags: SavingsFlags, globals: GlobalOptions): SavingsCommandOptions {
  const scenarios: Scenario[] = levers.length ? [{ name: "command line", levers: levers.map((l) => parseLever(l.kind, l.spec)) }] : [];
  const eventsPerDay = ifGiven("--events-per-day", flags.eventsPerDay, parseEventsPerDay);
  const optimize = ifGiven("--optimize", flags.optimize, (flag, text) => parseChoice(flag, text, ["cost", "latency"] as const));
  if (optimize !== undefined && !flags.suggest) throw new UsageError("--optimize applies to --suggest");
  if (!scenarios.length && !flags.scenario && !flags.suggest) throw new UsageError(NOTHING_TO_MODEL);
  const latencyEvents = ifGiven("--latency-sample", flags.latencySample, (flag, text) => parsePositiveInt(flag, text, "a whole number of events"));
  return {
    analysis: { ...spanSource(inputs, globals), eventsPerDay },
    scenarios, scenarioFile: flags.scenario || undefined, suggest: Boolean(flags.suggest), optimize: optimize ?? "cost", latencyEvents,
  };
}

/** Neither levers, nor a scenario (a file may hold none), nor --suggest. */
export const NOTHING_TO_MODEL = "give levers (--cache, --preagg, --tune), --scenario FILE or --suggest";
