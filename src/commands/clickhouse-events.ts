// `cost trend`, `trace ID` and `cost critical-path` over a ClickHouse source (issue 17): each opens
// the source through onClickHouse (src/commands/clickhouse.ts) and hands the session to its
// analysis: trend pushed down (src/analysis/clickhouse-trend.ts); one trace, and the critical-path
// walk over a bounded sample of whole events, modelled locally (src/analysis/clickhouse-events.ts).
// Nothing heavy at import.
import type { ModelOptions } from "../model/install.js";
import type { TrendOptions } from "../analysis/trend.js";
import type { CriticalPathOptions } from "../analysis/path-cost.js";
import { UsageError } from "../errors.js";
import { onClickHouse, type ClickHouseFlags } from "./clickhouse.js";
import type { GlobalOptions } from "./shared.js";

/** `cost trend` over a ClickHouse source: the result and the source's label. */
export async function clickhouseTrend(inputs: string[], flags: ClickHouseFlags & GlobalOptions, options: TrendOptions, model: ModelOptions) {
  const { clickhouseTrend: run } = await import("../analysis/clickhouse-trend.js");
  const { result, label } = await onClickHouse(inputs, flags, model, (session) => run(session, options));
  return { result, label };
}

/** `trace ID` over a ClickHouse source: that trace's spans brought back whole, drawn locally. */
export async function clickhouseTrace(inputs: string[], flags: ClickHouseFlags & GlobalOptions, traceId: string | undefined, model: ModelOptions) {
  if (traceId === undefined) throw new UsageError("--pick is not supported with a ClickHouse source yet: name the trace (adtrace trace ID chdb:PATH)");
  const { clickhouseTrace: run } = await import("../analysis/clickhouse-events.js");
  const { result, label } = await onClickHouse(inputs, flags, model, (session) => run(session, traceId));
  return { result, label };
}

/** `cost critical-path` over a ClickHouse source: walked locally on a sample of whole events. */
export async function clickhouseCriticalPath(inputs: string[], flags: ClickHouseFlags & GlobalOptions, options: CriticalPathOptions, model: ModelOptions) {
  const { clickhouseCriticalPath: run } = await import("../analysis/clickhouse-events.js");
  const { result, label } = await onClickHouse(inputs, flags, model, (session) => run(session, options));
  return { result, label };
}
