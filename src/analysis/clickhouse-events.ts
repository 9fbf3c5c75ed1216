// `trace ID` and `cost critical-path` over a ClickHouse source (issue 17). Both are procedures over
// each event's span tree (the critical-path walk), not aggregates, so they run locally on spans
// brought back whole, with the session's cost model installed in an in-memory DuckDB
// (clickhouse-sample.ts), and the local code runs on them unchanged. `trace` brings back one
// trace, found by its id (a bound parameter; a prefix and an unknown id answered as locally, from
// the table; or --pick, chosen by one pushed-down statement): exact, since the event is whole. `cost critical-path` walks up to
// DEFAULT_SAMPLE_EVENTS whole events (as cost flags' on-path shares do) and says how many of how
// many when that is not all of them.
import { modelQuery, type ClickHouseSession } from "./clickhouse.js";
import { DEFAULT_SAMPLE_EVENTS, modelLocally, withLocalSample } from "./clickhouse-sample.js";
import { costCriticalPath, type CriticalPathOptions, type CriticalPathResult } from "./path-cost.js";
import { InputError } from "../errors.js";
import { findTrace, traceWaterfall, type Pick, type TraceOptions, type TraceResult } from "./trace.js";

/** One trace's waterfall from a ClickHouse source, named by id or chosen with --pick: the same result as traceWaterfall() over files. */
export async function clickhouseTrace(session: ClickHouseSession, options: TraceOptions): Promise<TraceResult> {
  const label = session.source.label;
  const id = options.traceId === undefined ? await pickTrace(session, options.pick ?? "costliest") : await findTrace(options.traceId, {
    exists: async (candidate) => Number((await modelQuery(session, "clickhouse_events.trace_exists", { trace_id: candidate }))[0]?.n ?? 0) > 0,
    // In the engine's order: findTrace sorts what it shows.
    nearest: async (wanted) => (await modelQuery(session, "clickhouse_events.nearest_traces", { trace_id: wanted })).map((r) => String(r.trace_id)),
  }, label);
  const rows = await modelQuery(session, "clickhouse_events.trace_spans", { trace_id: id });
  const local = await modelLocally(session, rows);
  try {
    const drawn = await traceWaterfall(local.db, { traceId: id }, label);
    return options.traceId === undefined ? { ...drawn, pick: options.pick ?? "costliest" } : drawn;
  } finally {
    local.close();
  }
}

/** The trace --pick names, chosen where the spans are (one row back); none in the range is bad input. */
async function pickTrace(session: ClickHouseSession, pick: Pick): Promise<string> {
  const [row] = await modelQuery(session, "clickhouse_events.pick_trace", { pick });
  const id = String(row?.trace_id ?? "");
  if (!id) throw new InputError(session.source.label, "holds no spans in this range: nothing to analyse");
  return id;
}

/**
 * `cost critical-path` over a ClickHouse source: the same result as costCriticalPath() over files,
 * every figure from the walk of a bounded, deterministic sample of whole events (all of them when
 * the range holds at most `sampleEvents`: then equal to the local path); path_sample says how many
 * were walked of how many.
 */
export async function clickhouseCriticalPath(session: ClickHouseSession, options: CriticalPathOptions & { sampleEvents?: number } = {}): Promise<CriticalPathResult> {
  const { sampleEvents, ...walk } = options;
  return withLocalSample(session, sampleEvents ?? DEFAULT_SAMPLE_EVENTS, async (sample) => {
    if (!sample.events) throw new InputError(session.source.label, "holds no spans in this range: nothing to analyse");
    return { ...(await costCriticalPath(sample.db, walk)), path_sample: { events: sample.events, of_events: sample.allEvents } };
  });
}
