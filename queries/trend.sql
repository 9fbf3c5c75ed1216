-- name: span
-- The first and last event start, and the coarsest unit (ns, µs, ms, s) every event start is a whole number of: the data's time resolution.
WITH ev AS (SELECT trace_id, min(start_ns) AS start_ns FROM costed_spans GROUP BY trace_id)
SELECT min(start_ns) AS first_ns, max(start_ns) AS last_ns,
       CASE WHEN bool_and(start_ns % 1000000000 = 0) THEN 1000000000
            WHEN bool_and(start_ns % 1000000 = 0) THEN 1000000
            WHEN bool_and(start_ns % 1000 = 0) THEN 1000
            ELSE 1 END AS resolution_ns
FROM ev;

-- name: buckets
-- Per time bucket (of $every_ns, by the start of each event) and group: the group's events, its cost, all events in the bucket, and whether weights differ.
-- params: $every_ns, $k1, $a1, $k2, $a2, $k3, $a3
-- An event belongs to the bucket its first span starts in, whole: a trace across a boundary is not
-- split. Sums are exact (adtrace_sum), so a band and a drift never move with thread order.
WITH ev AS (
  SELECT trace_id, (min(start_ns) // $every_ns) * $every_ns AS bucket_ns FROM costed_spans GROUP BY trace_id
),
eb AS (SELECT ev.trace_id, ev.bucket_ns, w.w FROM ev JOIN event_weights w ON w.trace_id = ev.trace_id),
bucket_events AS (SELECT bucket_ns, adtrace_sum(w, 1e18) AS n FROM eb GROUP BY bucket_ns),
c AS (
  SELECT eb.bucket_ns, s.trace_id, s.weight, s.cost_usd,
         adtrace_group($k1, $a1, s.stage, s.name, s.service, s.attributes) AS g1,
         adtrace_group($k2, $a2, s.stage, s.name, s.service, s.attributes) AS g2,
         adtrace_group($k3, $a3, s.stage, s.name, s.service, s.attributes) AS g3
  FROM costed_spans s JOIN eb ON eb.trace_id = s.trace_id
),
-- A group's events are the traces it occurs in, as in cost.breakdown.
per_trace AS (SELECT bucket_ns, g1, g2, g3, trace_id, max(weight) AS w FROM c GROUP BY ALL),
group_events AS (SELECT bucket_ns, g1, g2, g3, adtrace_sum(w, 1e18) AS events FROM per_trace GROUP BY ALL),
group_cost AS (SELECT bucket_ns, g1, g2, g3, adtrace_sum(cost_usd * weight, 1e18) AS cost_usd FROM c GROUP BY ALL)
SELECT g.bucket_ns, g.g1, g.g2, g.g3, e.events, g.cost_usd, b.n AS bucket_events
FROM group_cost g
JOIN group_events e ON e.bucket_ns = g.bucket_ns AND e.g1 IS NOT DISTINCT FROM g.g1 AND e.g2 IS NOT DISTINCT FROM g.g2 AND e.g3 IS NOT DISTINCT FROM g.g3
JOIN bucket_events b ON b.bucket_ns = g.bucket_ns
ORDER BY g.bucket_ns, g.g1, g.g2, g.g3;

-- name: event_p95
-- Per time bucket: the p95 of end-to-end event latency (weighted on sampled data: the smallest duration whose cumulative weight reaches 0.95; else linear interpolation, as cost.totals).
-- params: $every_ns
WITH ev AS (
  SELECT trace_id, (min(start_ns) // $every_ns) * $every_ns AS bucket_ns FROM costed_spans GROUP BY trace_id
),
eb AS (SELECT ev.bucket_ns, w.w, w.e2e_ns FROM ev JOIN event_weights w ON w.trace_id = ev.trace_id),
is_weighted AS (SELECT min(w) <> max(w) AS yes FROM event_weights),
cum AS (
  SELECT bucket_ns, e2e_ns,
         sum(w) OVER (PARTITION BY bucket_ns ORDER BY e2e_ns, w ROWS UNBOUNDED PRECEDING) AS cw,
         sum(w) OVER (PARTITION BY bucket_ns ORDER BY e2e_ns, w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS tw
  FROM eb
),
wq AS (SELECT bucket_ns, min(e2e_ns) FILTER (WHERE cw >= 0.95 * tw) AS p95_ns FROM cum GROUP BY bucket_ns),
q AS (SELECT bucket_ns, quantile_cont(e2e_ns, 0.95) AS p95_ns FROM eb GROUP BY bucket_ns)
SELECT q.bucket_ns, CASE WHEN iw.yes THEN wq.p95_ns ELSE q.p95_ns END / 1e6 AS p95_ms
FROM q JOIN wq ON wq.bucket_ns = q.bucket_ns CROSS JOIN is_weighted iw
ORDER BY q.bucket_ns;

-- name: span_p95
-- Per time bucket and group: the p95 of the group's span durations (weighted on sampled data, as cost.weighted_percentiles; else linear interpolation, as cost.breakdown).
-- params: $every_ns, $k1, $a1, $k2, $a2, $k3, $a3
WITH ev AS (
  SELECT trace_id, (min(start_ns) // $every_ns) * $every_ns AS bucket_ns FROM costed_spans GROUP BY trace_id
),
c AS (
  SELECT ev.bucket_ns, s.duration_ns, s.weight,
         adtrace_group($k1, $a1, s.stage, s.name, s.service, s.attributes) AS g1,
         adtrace_group($k2, $a2, s.stage, s.name, s.service, s.attributes) AS g2,
         adtrace_group($k3, $a3, s.stage, s.name, s.service, s.attributes) AS g3
  FROM costed_spans s JOIN ev ON ev.trace_id = s.trace_id
),
is_weighted AS (SELECT min(weight) <> max(weight) AS yes FROM costed_spans),
cum AS (
  SELECT bucket_ns, g1, g2, g3, duration_ns,
         sum(weight) OVER (PARTITION BY bucket_ns, g1, g2, g3 ORDER BY duration_ns, weight ROWS UNBOUNDED PRECEDING) AS cw,
         sum(weight) OVER (PARTITION BY bucket_ns, g1, g2, g3 ORDER BY duration_ns, weight ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS tw
  FROM c
),
wq AS (SELECT bucket_ns, g1, g2, g3, min(duration_ns) FILTER (WHERE cw >= 0.95 * tw) AS p95_ns FROM cum GROUP BY ALL),
q AS (SELECT bucket_ns, g1, g2, g3, quantile_cont(duration_ns, 0.95) AS p95_ns FROM c GROUP BY ALL)
SELECT q.bucket_ns, q.g1, q.g2, q.g3, CASE WHEN iw.yes THEN wq.p95_ns ELSE q.p95_ns END / 1e6 AS p95_ms
FROM q JOIN wq ON wq.bucket_ns = q.bucket_ns AND wq.g1 IS NOT DISTINCT FROM q.g1 AND wq.g2 IS NOT DISTINCT FROM q.g2 AND wq.g3 IS NOT DISTINCT FROM q.g3
CROSS JOIN is_weighted iw
ORDER BY q.bucket_ns, q.g1, q.g2, q.g3;
