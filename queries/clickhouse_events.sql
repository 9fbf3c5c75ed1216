-- `adtrace trace ID` over a ClickHouse source (issue 17): the statements that find one trace in the
-- table and bring back its spans, whole, for the local waterfall (src/analysis/clickhouse-events.ts).
-- They read the table itself, narrowed to the trace id (a bound parameter, never SQL text), so a
-- primary key or skip index on TraceId serves them; no model runs in the engine for one trace.

-- name: trace_exists
-- Whether a trace id is in the range (critical_path.trace_exists).
-- params: $db, $tbl, $has_since, $since_ns, $has_until, $until_ns, $trace_id
WITH
found_trace AS (
  SELECT TraceId FROM {db:Identifier}.{tbl:Identifier}
  WHERE TraceId = {trace_id:String}
    AND (NOT {has_since:Bool} OR Timestamp >= fromUnixTimestamp64Nano({since_ns:Int64}))
    AND (NOT {has_until:Bool} OR Timestamp < fromUnixTimestamp64Nano({until_ns:Int64}))
  LIMIT 1
)
SELECT count() AS n FROM found_trace

-- name: nearest_traces
-- The trace ids just before and after $trace_id in sorted order, three each way (critical_path.nearest_traces): among them are those sharing its longest prefix.
-- params: $db, $tbl, $has_since, $since_ns, $has_until, $until_ns, $trace_id
WITH
near_before AS (
  SELECT DISTINCT TraceId AS near_id FROM {db:Identifier}.{tbl:Identifier}
  WHERE TraceId < {trace_id:String}
    AND (NOT {has_since:Bool} OR Timestamp >= fromUnixTimestamp64Nano({since_ns:Int64}))
    AND (NOT {has_until:Bool} OR Timestamp < fromUnixTimestamp64Nano({until_ns:Int64}))
  ORDER BY near_id DESC LIMIT 3
),
near_after AS (
  SELECT DISTINCT TraceId AS near_id FROM {db:Identifier}.{tbl:Identifier}
  WHERE TraceId > {trace_id:String}
    AND (NOT {has_since:Bool} OR Timestamp >= fromUnixTimestamp64Nano({since_ns:Int64}))
    AND (NOT {has_until:Bool} OR Timestamp < fromUnixTimestamp64Nano({until_ns:Int64}))
  ORDER BY near_id LIMIT 3
)
SELECT toString(near_id) AS trace_id FROM (SELECT near_id FROM near_before UNION ALL SELECT near_id FROM near_after)

-- name: trace_spans
-- One trace's spans in the range, one copy of each (as the model keeps: of copies that differ, the least by (Timestamp, Duration, ParentSpanId, SpanName, ServiceName, TraceState, SpanAttributes)), in sample.insert_spans' columns (the waterfall reads no resource attribute), times as decimal text.
-- params: $db, $tbl, $has_since, $since_ns, $has_until, $until_ns, $trace_id
WITH
trace_copies AS (
  SELECT TraceId AS one_trace, SpanId AS one_span,
         arraySort(groupArray((Timestamp, Duration, ParentSpanId, SpanName, ServiceName, TraceState, SpanAttributes)))[1] AS kept
  FROM {db:Identifier}.{tbl:Identifier}
  WHERE TraceId = {trace_id:String}
    AND (NOT {has_since:Bool} OR Timestamp >= fromUnixTimestamp64Nano({since_ns:Int64}))
    AND (NOT {has_until:Bool} OR Timestamp < fromUnixTimestamp64Nano({until_ns:Int64}))
  GROUP BY one_trace, one_span
)
SELECT toString(one_trace) AS trace_id, toString(one_span) AS span_id, nullIf(toString(kept.3), '') AS parent_span_id,
       toString(kept.4) AS name, toString(kept.5) AS service,
       toString(toUnixTimestamp64Nano(kept.1)) AS start_ns, toString(toInt64(kept.2)) AS duration_ns,
       kept.7 AS attributes, toString(kept.6) AS trace_state
FROM trace_copies
ORDER BY start_ns, span_id
