// The session every analysis command runs in: spans (from files or --db) with the cost model
// installed, so queries can read `costed_spans`.
import { withSpans, type SpanSource, type SpanSourceOptions } from "./inputs.js";
import { loadConfig, type Config } from "../model/config.js";
import { installModel, type ModelOptions } from "../model/install.js";
import { InputError, UsageError } from "../errors.js";
import { loadBilling, type BillingLoadResult } from "../ingest/billing.js";

export interface AnalysisOptions extends SpanSourceOptions {
  /** --config FILE; else ./adtrace.config.yaml; else the built-in defaults. */
  config?: string;
  model?: ModelOptions;
  /** Accept a source without spans (inspect); analyses refuse one rather than print zeros. */
  allowEmpty?: boolean;
  /**
   * --events-per-day: replaces the config's events_per_day for the whole session, so every part
   * of a command (flag estimates, savings, a report's headline) projects to the same volume.
   */
  eventsPerDay?: number;
  /** --billing-file: billing records loaded beside the span files of this run (issue 23). */
  billingFiles?: string[];
}

export interface Analysis extends SpanSource {
  config: Config;
  /** What --billing-file loaded, when given. */
  billing?: BillingLoadResult;
}

export async function withAnalysis<T>(options: AnalysisOptions, fn: (analysis: Analysis) => Promise<T>): Promise<T> {
  const loaded = loadConfig(options.config);
  const config = options.eventsPerDay === undefined ? loaded : { ...loaded, events_per_day: options.eventsPerDay };
  if (options.billingFiles?.length && !options.inputs.length) {
    throw new UsageError("--billing-file joins billing records to span files given here; for a database, load them into it: adtrace load --billing FILE --db DB");
  }
  return withSpans(options, async (source) => {
    const billing = options.billingFiles?.length ? await loadBilling(source.db, options.billingFiles, config) : undefined;
    await installModel(source.db, config, options.model);
    if (!options.allowEmpty && !Number(await source.db.scalar("SELECT count(*) FROM costed_spans"))) {
      throw new InputError(source.label, "holds no spans: nothing to analyse (adtrace inspect shows what was read)");
    }
    return fn({ ...source, config, billing });
  });
}
