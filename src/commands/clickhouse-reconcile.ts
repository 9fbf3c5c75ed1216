// `cost reconcile` over a ClickHouse source (issue 17): the billing records come from
// --billing-file (a ClickHouse source holds spans only), and the analysis brings back the range's
// warehouse spans into a local DuckDB (src/analysis/clickhouse-reconcile.ts). Nothing heavy at import.
import type { ModelOptions } from "../model/install.js";
import { UsageError } from "../errors.js";
import { isClickHouseRun, onClickHouse, type ClickHouseFlags } from "./clickhouse.js";
import type { GlobalOptions } from "./shared.js";

/** Whether reconcile's inputs name a ClickHouse source (where --billing-file is what it needs, not refused). */
export function isClickHouseReconcile(inputs: readonly string[], flags: ClickHouseFlags & GlobalOptions): boolean {
  return isClickHouseRun(inputs, { ...flags, billingFile: undefined });
}

/** `cost reconcile` over a ClickHouse source against --billing-file: the result, the cost sources, what the files loaded, the label. */
export async function clickhouseReconcile(inputs: string[], flags: ClickHouseFlags & GlobalOptions, model: ModelOptions) {
  const files = flags.billingFile ?? [];
  if (!files.length) {
    throw new UsageError("no billing records: a ClickHouse source holds spans only; give --billing-file FILE (Snowflake QUERY_ATTRIBUTION_HISTORY or BigQuery JOBS export)");
  }
  const { clickhouseReconcile: run } = await import("../analysis/clickhouse-reconcile.js");
  const { result, label } = await onClickHouse(inputs, flags, model, (session) => run(session, files));
  return { ...result, label };
}
