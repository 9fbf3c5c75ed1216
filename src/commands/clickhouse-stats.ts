// `cost outliers` and `sampling advise` over a ClickHouse source (issue 17): each opens the source
// through onClickHouse (src/commands/clickhouse.ts) and hands the session to its pushed-down
// analysis (src/analysis/clickhouse-outliers.ts, clickhouse-advise.ts). Nothing heavy at import.
import type { ModelOptions } from "../model/install.js";
import type { OutliersOptions } from "../analysis/outliers.js";
import type { AdviseOptions } from "../analysis/advise.js";
import { onClickHouse, type ClickHouseFlags } from "./clickhouse.js";
import type { GlobalOptions } from "./shared.js";

/** `cost outliers` over a ClickHouse source: the same result and view as over files or --db. */
export async function clickhouseOutliers(inputs: string[], flags: ClickHouseFlags & GlobalOptions, options: OutliersOptions, model: ModelOptions) {
  const { clickhouseOutliers: run } = await import("../analysis/clickhouse-outliers.js");
  return onClickHouse(inputs, flags, model, (session) => run(session, options));
}

/** `sampling advise` over a ClickHouse source: the moments pushed down, the p95 resampled locally on at most 20,000 events' durations. */
export async function clickhouseAdvise(
  inputs: string[], flags: ClickHouseFlags & GlobalOptions, options: Omit<AdviseOptions, "config">, eventsPerDay: number | undefined, model: ModelOptions,
) {
  const { clickhouseAdvise: run } = await import("../analysis/clickhouse-advise.js");
  return onClickHouse(inputs, flags, model, (session, config) => run(session, { ...options, config }), eventsPerDay);
}
