// The session every analysis command runs in: spans (from files or --db) with the cost model
// installed, so queries can read `costed_spans`.
import { withSpans, type SpanSource, type SpanSourceOptions } from "./inputs.js";
import { loadConfig, type Config } from "../model/config.js";
import { installModel, type ModelOptions } from "../model/install.js";

export interface AnalysisOptions extends SpanSourceOptions {
  /** --config FILE; else ./adtrace.config.yaml; else the built-in defaults. */
  config?: string;
  model?: ModelOptions;
}

export interface Analysis extends SpanSource {
  config: Config;
}

export async function withAnalysis<T>(options: AnalysisOptions, fn: (analysis: Analysis) => Promise<T>): Promise<T> {
  const config = loadConfig(options.config);
  return withSpans(options, async (source) => {
    await installModel(source.db, config, options.model);
    return fn({ ...source, config });
  });
}
