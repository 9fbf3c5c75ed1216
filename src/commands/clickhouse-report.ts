// `report`, `slo check` and `audit pii` over a ClickHouse source (issue 17): each opens the source
// through onClickHouse (src/commands/clickhouse.ts) and hands the session to the pushed-down
// analysis (src/analysis/clickhouse-report.ts, clickhouse-slo.ts). Nothing heavy at import.
import type { ModelOptions } from "../model/install.js";
import type { PiiKind } from "../model/pii.js";
import { onClickHouse, type ClickHouseFlags } from "./clickhouse.js";
import { UsageError } from "../errors.js";
import type { GlobalOptions } from "./shared.js";

/** `report` over a ClickHouse source: the report's data, computed where the spans are. */
export async function clickhouseReportData(
  inputs: string[], flags: ClickHouseFlags & GlobalOptions,
  options: { scenario?: string; timestamp: boolean; version: string; eventsPerDay?: number }, model: ModelOptions,
) {
  const { clickhouseReport } = await import("../analysis/clickhouse-report.js");
  const { result } = await onClickHouse(inputs, flags, model, (session) =>
    clickhouseReport(session, { scenario: options.scenario, timestamp: options.timestamp, version: options.version }), options.eventsPerDay);
  return result;
}

/** `slo check` over a ClickHouse source. */
export async function clickhouseSloCheck(inputs: string[], flags: ClickHouseFlags & GlobalOptions, windowNs: bigint | undefined, model: ModelOptions) {
  const { clickhouseSlos } = await import("../analysis/clickhouse-slo.js");
  const { result } = await onClickHouse(inputs, flags, model, (session, config) => {
    if (!config.slos.length) throw new UsageError(`${config.source}: no slos: to check (adtrace slo check --help shows how to write them)`);
    return clickhouseSlos(session, { windowNs });
  });
  return result;
}

/** `audit pii` over a ClickHouse source: the detectors on a sample of whole events, which the result says when it is not all of them. */
export async function clickhousePiiAudit(inputs: string[], flags: ClickHouseFlags & GlobalOptions, kinds: PiiKind[], model: ModelOptions) {
  const { clickhousePii } = await import("../analysis/clickhouse-report.js");
  const { result } = await onClickHouse(inputs, flags, model, (session) => clickhousePii(session, { kinds }));
  return result;
}
