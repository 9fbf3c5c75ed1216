-- `adtrace trace ID` over a ClickHouse source (issue 17): the statements that find one trace in the
-- table and bring back its spans, whole, for the local waterfall (src/analysis/clickhouse-events.ts).
-- They read the table's rows in the range (clickhouse_fragments.range_spans), narrowed to the trace
-- id (a bound parameter, never SQL text), so a primary key or skip index on TraceId serves them;
-- no model runs in the engine for one trace.

-- name: trace_exists
-- Whether a trace id is in the range (critical_path.trace_exists).
-- params: $trace_id
WITH
found_trace AS (
  SELECT TraceId FROM range_spans
  WHERE TraceId = {trace_id:String}
  LIMIT 1
)
SELECT count() AS n FROM found_trace

-- name: nearest_traces
-- The trace ids just before and after $trace_id in sorted order, three each way (critical_path.nearest_traces): among them are those sharing its longest prefix.
-- params: $trace_id
WITH
near_before AS (
  SELECT DISTINCT TraceId AS near_id FROM range_spans
  WHERE TraceId < {trace_id:String}
  ORDER BY near_id DESC LIMIT 3
),
near_after AS (
  SELECT DISTINCT TraceId AS near_id FROM range_spans
  WHERE TraceId > {trace_id:String}
  ORDER BY near_id LIMIT 3
)
SELECT toString(near_id) AS trace_id FROM (SELECT near_id FROM near_before UNION ALL SELECT near_id FROM near_after)

-- name: trace_spans
-- One trace's spans in the range, one copy of each (as the model keeps: of copies that differ, the least by (Timestamp, Duration, ParentSpanId, SpanName, ServiceName, TraceState, SpanAttributes)), in sample.insert_spans' columns (the waterfall reads no resource attribute), times as decimal text.
-- params: $trace_id
WITH
trace_copies AS (
  SELECT TraceId AS one_trace, SpanId AS one_span,
         arraySort(groupArray((Timestamp, Duration, ParentSpanId, SpanName, ServiceName, TraceState, SpanAttributes)))[1] AS kept
  FROM range_spans
  WHERE TraceId = {trace_id:String}
  GROUP BY one_trace, one_span
)
SELECT toString(one_trace) AS trace_id, toString(one_span) AS span_id, nullIf(toString(kept.3), '') AS parent_span_id,
       toString(kept.4) AS name, toString(kept.5) AS service,
       toString(toUnixTimestamp64Nano(kept.1)) AS start_ns, toString(toInt64(kept.2)) AS duration_ns,
       kept.7 AS attributes, toString(kept.6) AS trace_state
FROM trace_copies
ORDER BY start_ns, span_id

-- name: pick_trace
-- The trace $pick names (critical_path.pick_trace): costliest (its spans' costs added in span id order, then the smaller id), slowest (end to end, then id) or median (the smallest end-to-end time whose cumulative event weight, in (end-to-end time, id) order, reaches half, then id); '' when the range holds no trace. One row; the model evaluated once, per event then one row.
-- params: $pick
WITH
pick_events AS (
  SELECT trace_id AS pick_id,
         coalesce(maxIfOrNull(weight, parent_span_id IS NULL), max(weight)) AS pick_w,
         max(start_ns + duration_ns) - min(start_ns) AS pick_e2e,
         -- Added one by one in span id order, as sum(cost_usd ORDER BY span_id) adds them: equal costs stay equal.
         arrayFold((acc, x) -> acc + ifNull(x.2, 0), arraySort(groupArray((span_id, cost_usd))), toFloat64(0)) AS pick_cost
  FROM costed_spans GROUP BY trace_id
),
pick_one AS (
  SELECT argMin(pick_id, (-pick_cost, pick_id)) AS costliest,
         argMin(pick_id, (-pick_e2e, pick_id)) AS slowest,
         arraySort(groupArray((pick_e2e, pick_id, pick_w))) AS by_e2e,
         arrayCumSum(arrayMap(x -> x.3, by_e2e)) AS cum_w
  FROM pick_events
)
SELECT toString(multiIf({pick:String} = 'costliest', costliest, {pick:String} = 'slowest', slowest,
                        by_e2e[arrayFirstIndex(x -> x >= 0.5 * cum_w[-1], cum_w)].2)) AS trace_id
FROM pick_one
