// `sampling advise` over a ClickHouse source (issue 17). Its per-event questions are aggregates
// and go where the spans are (queries/clickhouse_advise.sql): the cost moments per group and for
// the whole (R, Σw²(c−R)², Σw(c−R)²) and the span count and mean size. The p95's resampling is a
// procedure: it runs locally, in advise.ts, on the weight and end-to-end duration of at most
// latencyEvents events (20,000 by default) brought back, every event when the range holds no more
// (then the advice equals the local path's), else those with the largest MD5 trace-id key, and the
// method says "N of M events". Weights and cost sources come from clickhouse.summary.
import { UsageError } from "../errors.js";
import { closest } from "../model/suggest.js";
import { adviseFrom, tooFewEvents, type AdviseOptions, type AdviseResult } from "./advise.js";
import { modelQuery, summary, type ClickHouseSession } from "./clickhouse.js";

const DEFAULT_LATENCY_EVENTS = 20_000;

/** `sampling advise` over a ClickHouse source: the same result as advise.ts's advise() when the range holds at most the latency sample. */
export async function clickhouseAdvise(session: ClickHouseSession, options: AdviseOptions): Promise<AdviseResult> {
  const label = session.source.label;
  // The span size is read off the exporter's columns (kind, status, resource attributes), which a --map table does not present.
  if (session.mapped) throw new UsageError(`${label}: sampling advise does not read a --map table yet (it measures spans by the exporter's columns); give the table in the exporter's schema`);
  const { by } = options;
  if (by.kind === "attr") {
    const known = (await modelQuery(session, "clickhouse_outliers.attribute_keys")).map((r) => String(r.key));
    if (!known.includes(by.key)) {
      const hint = closest(by.key, known);
      throw new UsageError(`--by: no attribute '${by.key}' on these spans${hint ? ` (did you mean 'attr:${hint}'?)` : ""}`);
    }
  }
  const moments = (await modelQuery(session, "clickhouse_advise.cost_moments", { k1: by.kind, a1: by.kind === "attr" ? by.key : null })).map((r) => ({
    g1: r.a_out_group === null ? null : String(r.a_out_group), r: Number(r.a_out_r), a: Number(r.a_out_a), b: Number(r.a_out_b), n: Number(r.a_out_n), sw: Number(r.a_out_sw),
  }));
  tooFewEvents(label, moments[0]?.n ?? 0);
  const limit = options.latencyEvents ?? DEFAULT_LATENCY_EVENTS;
  const rows = await modelQuery(session, "clickhouse_advise.event_latencies", { limit });
  const latencies = rows.map((r) => ({ w: Number(r.l_out_w), e2e_ns: Number(r.l_out_e2e_ns) }));
  const [volume] = await modelQuery(session, "clickhouse_advise.span_volume");
  const whole = await summary(session);
  const result = adviseFrom(label, options, {
    moments, latencies, volume: { spans: Number(volume!.v_out_spans), bytes_per_span: Number(volume!.v_out_bytes_per_span) },
    weights: whole.weights, pricing: whole.pricing,
  });
  const allEvents = rows.length ? Number(rows[0]!.l_out_events) : 0;
  if (allEvents <= latencies.length) return result;
  // Past the sample: the p95's figures come from some of the events, and the method says how many.
  const count = (n: number) => n.toLocaleString("en-US");
  return { ...result, method: { ...result.method, p95: `${result.method.p95} (${count(latencies.length)} of ${count(allEvents)} events, those with the largest MD5 trace-id key)` } };
}
