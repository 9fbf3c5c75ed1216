-- `adtrace cost reconcile` over a ClickHouse source (issue 17): reconcile is per warehouse span (a
-- bill is one query), so it needs those spans themselves, not aggregates or a sample. This brings
-- back, whole, every span of the range that a billing record could join or that reconcile counts,
-- and src/analysis/clickhouse-reconcile.ts models them in a local DuckDB with the same config and
-- runs reconcile() on them unchanged. The rows grow with the range's warehouse spans; --since and
-- --until bound them. Every value is a bound parameter, never SQL text.

-- name: warehouse_spans
-- The spans of the range reconcile reads (queries/reconcile.sql, queries/billing.sql's bill_joins), one copy of each as the model keeps: those the model gives a warehouse; those carrying a query or job id attribute ($id_attrs, config query_id_attributes: a bill joins them by id); those a bill's tag names ($tagged: (trace id, span id) pairs); with $match_by_time those whose db.system is Snowflake or BigQuery and that carry a statement (the time match's candidates). Also the span that starts first and the one that ends last (ties: the least trace and span id), so the local spans' time range, which decides which unjoined bills are untraced, is the range's: any other span is one reconcile neither counts nor joins (each span's stage, warehouse and query cost are its own). In sample.insert_spans' columns, times as decimal text.
-- params: $id_attrs, $tagged, $match_by_time
WITH
edge_spans AS (
  -- Of a span's copies the model keeps the least by (Timestamp, Duration, …): its start and end.
  SELECT argMin((TraceId, SpanId), (edge_start, TraceId, SpanId)) AS first_span,
         argMax((TraceId, SpanId), (edge_start + edge_duration, TraceId, SpanId)) AS last_span
  FROM (
    SELECT TraceId, SpanId, toUnixTimestamp64Nano(min((Timestamp, Duration)).1) AS edge_start, toInt64(min((Timestamp, Duration)).2) AS edge_duration
    FROM range_spans
    GROUP BY TraceId, SpanId
  )
)
SELECT toString(trace_id) AS trace_id, toString(span_id) AS span_id, parent_span_id, name, service,
       toString(start_ns) AS start_ns, toString(duration_ns) AS duration_ns, attributes, trace_state
FROM costed_spans
WHERE warehouse IS NOT NULL
   OR arrayExists(k -> attributes[k] IS NOT NULL, {id_attrs:Array(String)})
   OR has({tagged:Array(Tuple(String, String))}, (toString(trace_id), toString(span_id)))
   OR ({match_by_time:Bool}
       AND replaceRegexpAll(lower(coalesce(attributes['db.system'], attributes['db.system.name'])), '^(gcp|aws|azure)\\.', '') IN ('snowflake', 'bigquery')
       AND coalesce(attributes['db.statement'], attributes['db.query.text']) IS NOT NULL)
   OR (trace_id, span_id) IN (SELECT edge.1, edge.2 FROM edge_spans ARRAY JOIN [first_span, last_span] AS edge)
ORDER BY trace_id, start_ns, span_id
