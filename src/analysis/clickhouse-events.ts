// `trace ID` and `cost critical-path` over a ClickHouse source (issue 17). Both are procedures over
// each event's span tree (the critical-path walk), not aggregates, so they run locally on spans
// brought back whole, with the session's cost model installed in an in-memory DuckDB
// (clickhouse-sample.ts), and the local code runs on them unchanged. `trace` brings back one
// trace, found by its id (a bound parameter; a prefix and an unknown id answered as locally, from
// the table): exact, since the event is whole.
import { modelQuery, type ClickHouseSession } from "./clickhouse.js";
import { modelLocally } from "./clickhouse-sample.js";
import { findTrace, traceWaterfall, type TraceResult } from "./trace.js";

/** One trace's waterfall from a ClickHouse source: the same result as traceWaterfall() over files. */
export async function clickhouseTrace(session: ClickHouseSession, traceId: string): Promise<TraceResult> {
  const label = session.source.label;
  const id = await findTrace(traceId, {
    exists: async (candidate) => Number((await modelQuery(session, "clickhouse_events.trace_exists", { trace_id: candidate }))[0]?.n ?? 0) > 0,
    // Sorted here: the engine's UNION ALL keeps no order.
    nearest: async (wanted) => (await modelQuery(session, "clickhouse_events.nearest_traces", { trace_id: wanted })).map((r) => String(r.trace_id)).sort(),
  }, label);
  const rows = await modelQuery(session, "clickhouse_events.trace_spans", { trace_id: id });
  const local = await modelLocally(session, rows);
  try {
    return await traceWaterfall(local.db, { traceId: id }, label);
  } finally {
    local.close();
  }
}
