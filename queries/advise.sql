-- name: cost_moments
-- Per group of one --by key and for the whole (g1 NULL): cost per event R = Σw·c ÷ Σw over ALL events (an event without the group costs 0 there) and the sums the thinning variance needs, A = Σw²(c−R)² and B = Σw(c−R)², with c an event's cost and w its weight.
-- params: $k1, $a1
-- Var(R at rate r) = (A/r − B) ÷ (N_window · Σw) (src/analysis/advise.ts). The deviations are taken
-- from R (two passes, no cancellation); sums of squares add in trace order, so the same data
-- gives the same floats whatever order DuckDB's threads deliver the rows in.
WITH per_group AS (
  SELECT trace_id, adtrace_group($k1, $a1, stage, name, service, attributes) AS g1, adtrace_sum(cost_usd * weight, 1e18) AS wc
  FROM costed_spans GROUP BY trace_id, g1
),
per_event AS (
  SELECT ew.trace_id, ew.w, COALESCE(adtrace_sum(p.wc, 1e18), 0) / ew.w AS c
  FROM event_weights ew LEFT JOIN per_group p ON p.trace_id = ew.trace_id
  GROUP BY ew.trace_id, ew.w
),
all_events AS (
  SELECT count(*) AS n, adtrace_sum(w, 1e18) AS sw, sum(w * w ORDER BY trace_id) AS sw2, adtrace_sum(w * c, 1e18) / adtrace_sum(w, 1e18) AS r
  FROM per_event
),
whole AS (
  SELECT NULL::VARCHAR AS g1, a.r, sum(e.w * e.w * (e.c - a.r) ^ 2 ORDER BY e.trace_id) AS a, sum(e.w * (e.c - a.r) ^ 2 ORDER BY e.trace_id) AS b, a.n, a.sw
  FROM per_event e CROSS JOIN all_events a GROUP BY a.r, a.n, a.sw
),
group_r AS (
  SELECT g1, adtrace_sum(wc, 1e18) / any_value(a.sw) AS r FROM per_group CROSS JOIN all_events a GROUP BY g1
),
-- Events where the group occurs add w(c−R)²; the others (c = 0) add w·R² each, summed at once.
present AS (
  SELECT p.g1, g.r,
         sum(ew.w * ew.w * (p.wc / ew.w - g.r) ^ 2 ORDER BY p.trace_id) AS a_in,
         sum(ew.w * (p.wc / ew.w - g.r) ^ 2 ORDER BY p.trace_id) AS b_in,
         sum(ew.w * ew.w ORDER BY p.trace_id) AS sw2_in,
         adtrace_sum(ew.w, 1e18) AS sw_in
  FROM per_group p JOIN event_weights ew ON ew.trace_id = p.trace_id JOIN group_r g ON g.g1 IS NOT DISTINCT FROM p.g1
  GROUP BY p.g1, g.r
)
SELECT g1, r, a, b, n, sw FROM whole
UNION ALL
SELECT p.g1, p.r, p.a_in + p.r * p.r * (a.sw2 - p.sw2_in), p.b_in + p.r * p.r * (a.sw - p.sw_in), a.n, a.sw
FROM present p CROSS JOIN all_events a
ORDER BY g1 NULLS FIRST;

-- name: event_latencies
-- End-to-end duration and weight of up to $limit events (a deterministic hash-ordered choice), for resampling the p95; with the count and weight of all events.
-- params: $limit
WITH chosen AS (
  SELECT trace_id, w, e2e_ns FROM event_weights ORDER BY hash(trace_id), trace_id LIMIT $limit
)
SELECT c.w, c.e2e_ns, a.n, a.sw
FROM chosen c CROSS JOIN (SELECT count(*) AS n, adtrace_sum(w, 1e18) AS sw FROM event_weights) a
ORDER BY c.e2e_ns, c.w, c.trace_id;

-- name: span_volume
-- Stored spans and events, and the mean stored size of a span in bytes: its ids, names, kind, status, tracestate and the keys and values of its attributes and resource attributes as text, plus 16 for its two timestamps.
SELECT (SELECT count(*) FROM spans) AS spans,
       (SELECT count(*) FROM event_weights) AS events,
       (SELECT avg(16 + strlen(trace_id) + strlen(span_id) + COALESCE(strlen(parent_span_id), 0)
                   + strlen(name) + strlen(service) + strlen(kind) + strlen(status)
                   + COALESCE(strlen(trace_state), 0)
                   + COALESCE(list_sum(list_transform(map_entries(attributes), e -> strlen(e.key) + COALESCE(strlen(e.value), 0))), 0)
                   + COALESCE(list_sum(list_transform(map_entries(resource_attributes), e -> strlen(e.key) + COALESCE(strlen(e.value), 0))), 0))
        FROM spans) AS bytes_per_span;
