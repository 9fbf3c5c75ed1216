-- name: event_stage_costs
-- Per event (trace) and stage: compute and query cost, with the event's weight; every event appears at least once.
SELECT c.trace_id, c.stage, any_value(ew.w) AS w,
       adtrace_sum(compute_usd * weight, 1e18) / any_value(ew.w) AS compute_usd, adtrace_sum(query_usd * weight, 1e18) / any_value(ew.w) AS query_usd
FROM costed_spans c JOIN event_weights ew ON ew.trace_id = c.trace_id
GROUP BY c.trace_id, c.stage
ORDER BY c.trace_id, c.stage;

-- name: latency_spans
-- The spans of up to $limit events (a deterministic hash-ordered choice), for re-timing their latency.
-- params: $limit
WITH chosen AS (
  SELECT trace_id FROM (SELECT DISTINCT trace_id FROM costed_spans) ORDER BY hash(trace_id), trace_id LIMIT $limit
)
-- Start times relative to the event's first span, so they stay exact as JS numbers.
SELECT s.trace_id, s.span_id, s.parent_span_id, s.stage, ew.w AS event_weight,
       s.start_ns - min(s.start_ns) OVER (PARTITION BY s.trace_id) AS start_ns, s.duration_ns, s.weight
FROM costed_spans s JOIN chosen USING (trace_id) JOIN event_weights ew ON ew.trace_id = s.trace_id
ORDER BY s.trace_id, s.start_ns, s.span_id;

-- name: stages
-- The stages present, for validating lever targets.
SELECT DISTINCT stage FROM costed_spans ORDER BY stage;
