// `cost outliers` and `sampling advise` over a ClickHouse source (issue 17): each opens the source
// through onClickHouse (src/commands/clickhouse.ts) and hands the session to its pushed-down
// analysis (src/analysis/clickhouse-outliers.ts, clickhouse-advise.ts). Nothing heavy at import.
import type { ModelOptions } from "../model/install.js";
import type { OutliersOptions } from "../analysis/outliers.js";
import { onClickHouse, type ClickHouseFlags } from "./clickhouse.js";
import type { GlobalOptions } from "./shared.js";

/** `cost outliers` over a ClickHouse source: the same result and view as over files or --db. */
export async function clickhouseOutliers(inputs: string[], flags: ClickHouseFlags & GlobalOptions, options: OutliersOptions, model: ModelOptions) {
  const { clickhouseOutliers: run } = await import("../analysis/clickhouse-outliers.js");
  return onClickHouse(inputs, flags, model, (session) => run(session, options));
}
