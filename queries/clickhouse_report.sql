-- `adtrace report`, `slo check` and `audit pii` over a ClickHouse source (issue 17): the ClickHouse
-- statements these add beside queries/clickhouse.sql, over the same model (clickhouse.costed_spans,
-- put in front as a CTE by src/analysis/clickhouse.ts). Parameters are typed ({name:Type}), bound by
-- the engine: the SLOs are rows of an array parameter, never SQL text.

-- name: slo_indicators
-- For each SLO of $slos (stage or NULL, latency threshold in ns), over all events and over those starting at or after the window's start (the last $window_ns of the range when $has_window, else the whole range): weighted events, events with the stage, slow events (the stage's extent, else end to end, above the threshold), events with an error span (of the stage), weighted cost (of the stage), as slo.indicator; one row per SLO, with the window's start. Sums exact: scaled by 1e18, added as Int128.
-- params: $db, $tbl, $has_since, $since_ns, $has_until, $until_ns, $slos, $has_window, $window_ns
-- Errors are read from the table's StatusCode (the exporter writes Error; STATUS_CODE_ERROR and 2
-- are the same status, as a local load normalises it); any copy of a span with an error counts.
WITH
errs AS (
  SELECT TraceId AS et, SpanId AS es
  FROM {db:Identifier}.{tbl:Identifier}
  WHERE (NOT {has_since:Bool} OR Timestamp >= fromUnixTimestamp64Nano({since_ns:Int64}))
    AND (NOT {has_until:Bool} OR Timestamp < fromUnixTimestamp64Nano({until_ns:Int64}))
    AND (replaceRegexpOne(upper(toString(StatusCode)), '^STATUS_CODE_', '') = 'ERROR' OR toInt32OrNull(toString(StatusCode)) = 2)
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
         groupArray((stage, s0, s1, err, s_cost)) AS st
  FROM ts GROUP BY trace_id
),
bounds AS (
  SELECT if({has_window:Bool}, max(t0) - {window_ns:Int64}, min(t0)) AS from_ns FROM ev
),
per AS (
  SELECT i, w, t0 >= (SELECT from_ns FROM bounds) AS in_window,
         {slos:Array(Tuple(Nullable(String), Int64))}[i] AS slo,
         arrayFilter(x -> isNull(slo.1) OR x.1 = assumeNotNull(slo.1), st) AS f,
         length(f) > 0 AS has_stage,
         has_stage AND arrayMax(x -> x.3, f) - arrayMin(x -> x.2, f) > slo.2 AS slow,
         arrayExists(x -> x.4 = 1, f) AS has_error,
         arraySum(x -> x.5, f) AS cost
  FROM ev ARRAY JOIN arrayEnumerate({slos:Array(Tuple(Nullable(String), Int64))}) AS i
)
SELECT toUInt32(i - 1) AS slo,
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
-- clickhouse.sample_spans with each span's resource attributes, for what scans whole events locally (audit pii reads resource attributes): every event when there are at most $limit, else the $limit whose trace-id key (the first 53 bits of MD5(trace id)) is largest, ties by the smaller trace id; each row with how many events the range holds.
-- params: $db, $tbl, $has_since, $since_ns, $has_until, $until_ns, $limit
WITH
chosen AS (
  SELECT TraceId AS chosen_id
  FROM {db:Identifier}.{tbl:Identifier}
  WHERE (NOT {has_since:Bool} OR Timestamp >= fromUnixTimestamp64Nano({since_ns:Int64}))
    AND (NOT {has_until:Bool} OR Timestamp < fromUnixTimestamp64Nano({until_ns:Int64}))
  GROUP BY TraceId
  ORDER BY bitShiftRight(reinterpretAsUInt64(reverse(substring(MD5(TraceId), 1, 8))), 11) DESC, TraceId
  LIMIT {limit:UInt64}
),
res AS (
  -- The copy the model keeps (the least by its tuple) gives the resource attributes too.
  SELECT TraceId AS rt, SpanId AS rs,
         argMin(ResourceAttributes, (Timestamp, Duration, ParentSpanId, SpanName, ServiceName, TraceState, SpanAttributes)) AS resource_attributes
  FROM {db:Identifier}.{tbl:Identifier}
  WHERE (NOT {has_since:Bool} OR Timestamp >= fromUnixTimestamp64Nano({since_ns:Int64}))
    AND (NOT {has_until:Bool} OR Timestamp < fromUnixTimestamp64Nano({until_ns:Int64}))
    AND TraceId IN (SELECT chosen_id FROM chosen)
  GROUP BY TraceId, SpanId
)
SELECT c.trace_id AS trace_id, c.span_id AS span_id, c.parent_span_id AS parent_span_id, c.name AS name, c.service AS service,
       toString(c.start_ns) AS start_ns, toString(c.duration_ns) AS duration_ns,
       c.attributes AS attributes, c.trace_state AS trace_state, r.resource_attributes AS resource_attributes,
       (SELECT uniqExact(TraceId) FROM {db:Identifier}.{tbl:Identifier}
        WHERE (NOT {has_since:Bool} OR Timestamp >= fromUnixTimestamp64Nano({since_ns:Int64}))
          AND (NOT {has_until:Bool} OR Timestamp < fromUnixTimestamp64Nano({until_ns:Int64}))) AS all_traces
FROM costed_spans AS c
LEFT JOIN res AS r ON r.rt = c.trace_id AND r.rs = c.span_id
WHERE c.trace_id IN (SELECT chosen_id FROM chosen)
ORDER BY trace_id, start_ns, span_id
