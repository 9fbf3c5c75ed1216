-- `adtrace report`, `slo check` and `audit pii` over a ClickHouse source (issue 17): the ClickHouse
-- statements these add beside queries/clickhouse.sql, over the same model (clickhouse.costed_spans,
-- put in front as a CTE by src/analysis/clickhouse.ts) and the fragments of queries/clickhouse_fragments.sql. Parameters are typed ({name:Type}), bound by
-- the engine: the SLOs are rows of an array parameter, never SQL text.

-- name: slo_indicators
-- For each SLO of $slos (stage or NULL, latency threshold in ns), over all events and over those starting at or after the window's start (the last $window_ns of the range when $has_window, else the whole range): weighted events, events with the stage, slow events (the stage's extent, else end to end, above the threshold), events with an error span (of the stage), weighted cost (of the stage), as slo.indicator; one row per SLO, with the window's start. Sums exact: scaled by 1e18, added as Int128.
-- params: $slos, $has_window, $window_ns
WITH
errs AS (
  -- Errors are read from the table's StatusCode (the exporter writes Error; STATUS_CODE_ERROR and 2
  -- are the same status, as a local load normalises it); any copy of a span with an error counts.
  SELECT TraceId AS et, SpanId AS es
  FROM range_spans
  WHERE (replaceRegexpOne(upper(toString(StatusCode)), '^STATUS_CODE_', '') = 'ERROR' OR toInt32OrNull(toString(StatusCode)) = 2)
  GROUP BY TraceId, SpanId
),
ts AS (
  SELECT trace_id, stage, min(start_ns) AS s0, max(start_ns + duration_ns) AS s1,
         max((trace_id, span_id) IN (SELECT et, es FROM errs)) AS err,
         sum(toInt128(round(cost_usd * weight * 1e18))) AS s_cost,
         max(weight) AS span_max_w, maxIfOrNull(weight, parent_span_id IS NULL) AS root_w
  FROM costed_spans GROUP BY trace_id, stage
),
ev AS (
  -- An event's weight (its root's, else the largest of its spans'), its start, its stages.
  SELECT trace_id, coalesce(maxOrNull(root_w), max(span_max_w)) AS w, min(s0) AS t0,
         groupArray((stage, s0, s1, err, toInt128(coalesce(s_cost, 0)))) AS st
  FROM ts GROUP BY trace_id
),
bounds AS (
  SELECT if({has_window:Bool}, max(t0) - {window_ns:Int64}, min(t0)) AS from_ns FROM ev
),
slo_list AS (
  -- The SLOs as rows: stage, latency threshold, index from 1.
  SELECT z.1.1 AS slo_stage, z.1.2 AS slo_latency_ns, z.2 AS i
  FROM (SELECT arrayJoin(arrayZip({slos:Array(Tuple(Nullable(String), Int64))}, arrayEnumerate({slos:Array(Tuple(Nullable(String), Int64))}))) AS z)
),
per AS (
  -- Each event once per SLO.
  SELECT i, w, t0 >= (SELECT from_ns FROM bounds) AS in_window,
         -- The SLO's stage passed to the lambda as an array beside st (a lambda here must not capture a column).
         -- (Aliases are visible across the whole statement, the model's CTEs included: these names are their own.)
         arrayFilter((x, y) -> isNull(y) OR x.1 = assumeNotNull(y), st, arrayResize([slo_stage], length(st), slo_stage)) AS slo_f,
         length(slo_f) > 0 AS has_stage,
         has_stage AND arrayMax(x -> x.3, slo_f) - arrayMin(x -> x.2, slo_f) > slo_latency_ns AS slow,
         arrayExists(x -> x.4 = 1, slo_f) AS has_error,
         arraySum(x -> x.5, slo_f) AS cost
  FROM ev CROSS JOIN slo_list
)
SELECT toUInt32(i - 1) AS slo_index,
       toFloat64(sum(toInt128(round(w * 1e18)))) / 1e18 AS events,
       toFloat64(sumIf(toInt128(round(w * 1e18)), has_stage)) / 1e18 AS stage_events,
       toFloat64(sumIf(toInt128(round(w * 1e18)), slow)) / 1e18 AS slow_events,
       toFloat64(sumIf(toInt128(round(w * 1e18)), has_error)) / 1e18 AS error_events,
       toFloat64(sum(cost)) / 1e18 AS cost_usd,
       toFloat64(sumIf(toInt128(round(w * 1e18)), in_window)) / 1e18 AS window_events,
       toFloat64(sumIf(toInt128(round(w * 1e18)), in_window AND has_stage)) / 1e18 AS window_stage_events,
       toFloat64(sumIf(toInt128(round(w * 1e18)), in_window AND slow)) / 1e18 AS window_slow_events,
       toFloat64(sumIf(toInt128(round(w * 1e18)), in_window AND has_error)) / 1e18 AS window_error_events,
       toFloat64(sumIf(cost, in_window)) / 1e18 AS window_cost_usd,
       toString(any((SELECT from_ns FROM bounds))) AS from_ns
FROM per GROUP BY i ORDER BY i

-- name: sample_spans
-- clickhouse.sample_spans with each span's resource attributes, for what scans whole events locally (audit pii reads resource attributes): the events of clickhouse_fragments.sample_traces (at most $limit); each row with how many events the range holds.
WITH
res AS (
  -- The copy the model keeps (the least by its tuple) gives the resource attributes too.
  SELECT TraceId AS rt, SpanId AS rs,
         argMin(ResourceAttributes, (Timestamp, Duration, ParentSpanId, SpanName, ServiceName, TraceState, SpanAttributes)) AS resource_attributes
  FROM range_spans
  WHERE TraceId IN (SELECT chosen_id FROM sample_traces)
  GROUP BY TraceId, SpanId
)
SELECT c.trace_id AS trace_id, c.span_id AS span_id, c.parent_span_id AS parent_span_id, c.name AS name, c.service AS service,
       toString(c.start_ns) AS start_ns, toString(c.duration_ns) AS duration_ns,
       c.attributes AS attributes, c.trace_state AS trace_state, r.resource_attributes AS resource_attributes,
       (SELECT traces FROM range_trace_count) AS all_traces
FROM costed_spans AS c
LEFT JOIN res AS r ON r.rt = c.trace_id AND r.rs = c.span_id
WHERE c.trace_id IN (SELECT chosen_id FROM sample_traces)
ORDER BY trace_id, start_ns, span_id
