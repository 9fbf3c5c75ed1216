// `slo check` pushed down to ClickHouse (issue 17): every SLO figure is a weighted count or sum over
// events (slo.ts), so clickhouse_report.slo_indicators answers all of the config's SLOs in one
// statement, one row per SLO, the SLOs bound as a typed array parameter (stage, latency threshold);
// slo.ts turns each row into the same SloRow as over DuckDB. Error status comes from the table's
// StatusCode, which a --map table does not present: an error_rate SLO there is refused.
import { TupleParam } from "@clickhouse/client";
import { UsageError } from "../errors.js";
import { modelQuery, summary, type ClickHouseSession } from "./clickhouse.js";
import { checkSloStages, sloLatencyNs, sloResult, sloRow, type SloResult } from "./slo.js";

/** The config's SLOs over a ClickHouse source; `stages`, the stages present, when the caller has them (else asked of the engine). */
export async function clickhouseSlos(session: ClickHouseSession, options: { windowNs?: bigint; stages?: string[] } = {}): Promise<SloResult> {
  const { config } = session;
  if (session.mapped) {
    // The errors subquery reads StatusCode, which the mapped table does not present.
    throw new UsageError("slos over a ClickHouse table read through --map are not supported yet (the mapped table has no StatusCode column); run slo check without --map, or on span files");
  }
  checkSloStages(config, options.stages ?? (await summary(session)).stages);
  const windowNs = options.windowNs ?? null;
  const rows = await modelQuery(session, "clickhouse_report.slo_indicators", {
    slos: config.slos.map((slo) => new TupleParam([slo.stage ?? null, sloLatencyNs(slo)])),
    has_window: windowNs !== null,
    window_ns: String(windowNs ?? 0n),
  });
  if (rows.length !== config.slos.length) throw new Error(`clickhouse_report.slo_indicators: ${rows.length} rows for ${config.slos.length} SLOs`);
  const fromNs = BigInt(String(rows[0]?.from_ns ?? "0"));
  return sloResult(config.slos.map((slo, i) => sloRow(slo, rows[i]!)), windowNs, fromNs);
}
