-- name: groups
-- Per group: its events (with a path, by event weight), the weighted share of them with the group on the path, the critical time's percentiles and share of all path time, and its share of cost; from the walk's columns (src/model/span-path.ts).
-- params: $k1, $a1, $k2, $a2, $k3, $a3
WITH ev AS (
  SELECT trace_id, path_ns, w FROM event_weights WHERE path_ns IS NOT NULL
),
is_weighted AS (SELECT COALESCE(min(w) <> max(w), false) AS yes FROM ev),
-- Per event and group: the group's spans' critical time and whether any is on the path (spans the
-- walk did not reach, NULL, are in no event with a path or repeat a span id).
per_event AS (
  SELECT trace_id,
         adtrace_group($k1, $a1, stage, name, service, attributes) AS g1,
         adtrace_group($k2, $a2, stage, name, service, attributes) AS g2,
         adtrace_group($k3, $a3, stage, name, service, attributes) AS g3,
         sum(critical_ns) AS critical_ns, bool_or(on_path) AS on_path
  FROM costed_spans WHERE critical_ns IS NOT NULL GROUP BY ALL
),
g AS (
  SELECT p.g1, p.g2, p.g3, p.critical_ns, p.on_path, ev.w
  FROM per_event p JOIN ev USING (trace_id)
),
-- Running sums in one order of (value, weight), as in cost.weighted_e2e.
cum AS (
  SELECT g1, g2, g3, critical_ns,
         sum(w) OVER (PARTITION BY g1, g2, g3 ORDER BY critical_ns, w ROWS UNBOUNDED PRECEDING) AS cw,
         sum(w) OVER (PARTITION BY g1, g2, g3 ORDER BY critical_ns, w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS tw
  FROM g
),
wq AS (
  SELECT g1, g2, g3,
         min(critical_ns) FILTER (WHERE cw >= 0.5 * tw) AS p50_ns,
         min(critical_ns) FILTER (WHERE cw >= 0.95 * tw) AS p95_ns
  FROM cum GROUP BY g1, g2, g3
),
per_group AS (
  SELECT g1, g2, g3,
         adtrace_sum(w, 1e18) AS events,
         adtrace_sum(CASE WHEN on_path THEN w ELSE 0 END, 1e18) AS on_path_events,
         adtrace_sum(critical_ns * w, 1) AS critical_ns,
         quantile_cont(critical_ns, [0.5, 0.95]) AS q
  FROM g GROUP BY g1, g2, g3
),
path_total AS (SELECT adtrace_sum(path_ns * w, 1) AS ns FROM ev),
cost AS (
  SELECT adtrace_group($k1, $a1, stage, name, service, attributes) AS g1,
         adtrace_group($k2, $a2, stage, name, service, attributes) AS g2,
         adtrace_group($k3, $a3, stage, name, service, attributes) AS g3,
         adtrace_sum(compute_usd * weight, 1e18) + adtrace_sum(query_usd * weight, 1e18) AS cost_usd
  FROM costed_spans GROUP BY ALL
),
total_cost AS (SELECT sum(cost_usd ORDER BY g1, g2, g3) AS usd FROM cost)
SELECT p.g1, p.g2, p.g3, p.events,
       CASE WHEN p.events > 0 THEN p.on_path_events / p.events END AS on_path_share,
       CASE WHEN i.yes THEN q.p50_ns ELSE p.q[1] END / 1e6 AS critical_p50_ms,
       CASE WHEN i.yes THEN q.p95_ns ELSE p.q[2] END / 1e6 AS critical_p95_ms,
       CASE WHEN t.ns > 0 THEN p.critical_ns / t.ns ELSE 0 END AS share_of_e2e,
       CASE WHEN tc.usd > 0 THEN COALESCE(c.cost_usd, 0) / tc.usd ELSE 0 END AS cost_share
FROM per_group p
JOIN wq q ON q.g1 IS NOT DISTINCT FROM p.g1 AND q.g2 IS NOT DISTINCT FROM p.g2 AND q.g3 IS NOT DISTINCT FROM p.g3
LEFT JOIN cost c ON c.g1 IS NOT DISTINCT FROM p.g1 AND c.g2 IS NOT DISTINCT FROM p.g2 AND c.g3 IS NOT DISTINCT FROM p.g3
CROSS JOIN path_total t CROSS JOIN total_cost tc CROSS JOIN is_weighted i
ORDER BY share_of_e2e DESC, cost_share DESC, p.g1, p.g2, p.g3;

-- name: totals
-- All events with a path: their weighted count, the path's (end-to-end) p50/p95, and the spans and events left out.
WITH ev AS (
  SELECT path_ns, orphan_spans, extra_root_spans, cyclic_spans, w FROM event_weights
),
p AS (SELECT * FROM ev WHERE path_ns IS NOT NULL),
cum AS (
  SELECT path_ns,
         sum(w) OVER (ORDER BY path_ns, w ROWS UNBOUNDED PRECEDING) AS cw,
         sum(w) OVER (ORDER BY path_ns, w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS tw
  FROM p
)
SELECT (SELECT adtrace_sum(w, 1e18) FROM p) AS events,
       (SELECT count(*) FROM ev WHERE path_ns IS NULL) AS rootless_events,
       (SELECT COALESCE(min(w) <> max(w), false) FROM p) AS weighted,
       (SELECT quantile_cont(path_ns, [0.5, 0.95]) FROM p) AS q,
       (SELECT min(path_ns) FILTER (WHERE cw >= 0.5 * tw) FROM cum) AS wp50_ns,
       (SELECT min(path_ns) FILTER (WHERE cw >= 0.95 * tw) FROM cum) AS wp95_ns,
       (SELECT COALESCE(sum(orphan_spans), 0) FROM ev) AS orphan_spans,
       (SELECT COALESCE(sum(extra_root_spans), 0) FROM ev) AS extra_root_spans,
       (SELECT COALESCE(sum(cyclic_spans), 0) FROM ev) AS cyclic_spans;

-- name: on_path_by_stage
-- Per stage, its events with a path and those with the stage on the path (both by event weight), from the walk's one carrier span per stage and event: what cost critical-path's on_path_share by stage is, in one pass.
SELECT stage, adtrace_sum(stage_path_w, 1e18) AS events, adtrace_sum(stage_on_path_w, 1e18) AS on_path_events
FROM costed_spans WHERE stage_path_w IS NOT NULL GROUP BY stage;

-- name: trace_spans
-- One trace's spans for its waterfall: start relative to the trace's first span, duration, self time, cost, stage.
-- params: $trace_id
SELECT span_id, parent_span_id, name, service, stage,
       CAST(start_ns - min(start_ns) OVER () AS DOUBLE) AS start_ns,
       CAST(duration_ns AS DOUBLE) AS duration_ns, CAST(self_ns AS DOUBLE) AS self_ns, cost_usd
FROM costed_spans WHERE trace_id = $trace_id
ORDER BY start_ns, span_id, duration_ns;

-- name: pick_trace
-- The trace $pick names: costliest (event cost, then trace id), slowest (end-to-end, then id) or median (the smallest end-to-end time whose cumulative event weight reaches half, then id).
-- params: $pick
WITH e AS (
  SELECT ew.trace_id, ew.e2e_ns, ew.w, c.cost_usd
  FROM event_weights ew JOIN (SELECT trace_id, sum(cost_usd ORDER BY span_id) AS cost_usd FROM costed_spans GROUP BY trace_id) c USING (trace_id)
),
ranked AS (
  SELECT trace_id, e2e_ns, cost_usd,
         sum(w) OVER (ORDER BY e2e_ns, trace_id ROWS UNBOUNDED PRECEDING) AS cw,
         sum(w) OVER () AS tw
  FROM e
)
SELECT trace_id FROM ranked
WHERE $pick <> 'median' OR cw >= 0.5 * tw
ORDER BY CASE WHEN $pick = 'costliest' THEN -cost_usd END, CASE WHEN $pick = 'slowest' THEN -e2e_ns END, CASE WHEN $pick = 'median' THEN e2e_ns END, trace_id
LIMIT 1;

-- name: trace_exists
-- Whether a trace id is in the input.
-- params: $trace_id
SELECT count(*) AS n FROM event_weights WHERE trace_id = $trace_id;

-- name: nearest_traces
-- The trace ids just before and after $trace_id in sorted order: among them are those sharing its longest prefix.
-- params: $trace_id
SELECT trace_id FROM (SELECT trace_id FROM event_weights WHERE trace_id < $trace_id ORDER BY trace_id DESC LIMIT 3)
UNION ALL
SELECT trace_id FROM (SELECT trace_id FROM event_weights WHERE trace_id > $trace_id ORDER BY trace_id LIMIT 3);
