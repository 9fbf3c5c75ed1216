-- name: window_start
-- The start of the last $window_ns of the data: the last event start minus the window (NULL window: the whole range).
-- params: $window_ns
WITH ev AS (SELECT trace_id, min(start_ns) AS start_ns FROM costed_spans GROUP BY trace_id)
SELECT CASE WHEN $window_ns IS NULL THEN min(start_ns) ELSE max(start_ns) - $window_ns END AS from_ns FROM ev;

-- name: indicator
-- For one SLO, over all events and over those starting after $from_ns: weighted events, events with the stage, slow events (the stage's time within the event, else end-to-end latency, above $latency_ns), events with an error span (in the stage), and weighted cost (of the stage).
-- params: $stage, $latency_ns, $from_ns
-- Sums run in trace order: the same float every run.
WITH errors AS (SELECT DISTINCT trace_id, span_id FROM spans WHERE status = 'ERROR'),
per AS (
  SELECT c.trace_id,
         min(c.start_ns) AS start_ns,
         count(*) FILTER (WHERE $stage IS NULL OR c.stage = $stage) AS stage_spans,
         max(c.start_ns + c.duration_ns) FILTER (WHERE $stage IS NULL OR c.stage = $stage)
           - min(c.start_ns) FILTER (WHERE $stage IS NULL OR c.stage = $stage) AS extent_ns,
         COALESCE(bool_or(e.span_id IS NOT NULL) FILTER (WHERE $stage IS NULL OR c.stage = $stage), FALSE) AS has_error,
         adtrace_sum(CASE WHEN $stage IS NULL OR c.stage = $stage THEN c.cost_usd * c.weight ELSE 0 END, 1e18) AS weighted_cost_usd
  FROM costed_spans c LEFT JOIN errors e ON e.trace_id = c.trace_id AND e.span_id = c.span_id
  GROUP BY c.trace_id
),
ev AS (SELECT p.*, w.w, p.start_ns >= $from_ns AS in_window FROM per p JOIN event_weights w ON w.trace_id = p.trace_id)
SELECT sum(w ORDER BY trace_id) AS events,
       COALESCE(sum(w ORDER BY trace_id) FILTER (WHERE stage_spans > 0), 0) AS stage_events,
       COALESCE(sum(w ORDER BY trace_id) FILTER (WHERE stage_spans > 0 AND extent_ns > $latency_ns), 0) AS slow_events,
       COALESCE(sum(w ORDER BY trace_id) FILTER (WHERE has_error), 0) AS error_events,
       sum(weighted_cost_usd ORDER BY trace_id) AS cost_usd,
       COALESCE(sum(w ORDER BY trace_id) FILTER (WHERE in_window), 0) AS window_events,
       COALESCE(sum(w ORDER BY trace_id) FILTER (WHERE in_window AND stage_spans > 0), 0) AS window_stage_events,
       COALESCE(sum(w ORDER BY trace_id) FILTER (WHERE in_window AND stage_spans > 0 AND extent_ns > $latency_ns), 0) AS window_slow_events,
       COALESCE(sum(w ORDER BY trace_id) FILTER (WHERE in_window AND has_error), 0) AS window_error_events,
       COALESCE(sum(weighted_cost_usd ORDER BY trace_id) FILTER (WHERE in_window), 0) AS window_cost_usd
FROM ev;
