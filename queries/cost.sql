-- name: breakdown
-- Cost and latency per group (up to three keys: stage, name, service or an attribute), over all events and over the group's own events.
-- params: $k1, $a1, $k2, $a2, $k3, $a3
WITH c AS (
  SELECT *,
    adtrace_group($k1, $a1, stage, name, service, attributes) AS g1,
    adtrace_group($k2, $a2, stage, name, service, attributes) AS g2,
    adtrace_group($k3, $a3, stage, name, service, attributes) AS g3
  FROM costed_spans
),
-- A group's events: the traces it occurs in, each counted by the largest weight among the
-- group's spans there (the trace's weight under head sampling; 1/rate under per-span rules).
per_trace AS (
  SELECT g1, g2, g3, trace_id, max(weight) AS w FROM c GROUP BY g1, g2, g3, trace_id
),
group_events AS (
  SELECT g1, g2, g3, adtrace_sum(w, 1e18) AS events FROM per_trace GROUP BY g1, g2, g3
),
all_events AS (SELECT adtrace_sum(w, 1e18) AS n FROM event_weights),
-- Sums are exact (adtrace_sum): the order of the groups and their shares never depend on the
-- order DuckDB's threads add the spans in. A group's cost is its compute plus its query cost.
per_group AS (
  SELECT g1, g2, g3,
         adtrace_sum(weight, 1e18) AS spans,
         adtrace_sum(compute_usd * weight, 1e18) AS group_compute_usd,
         adtrace_sum(query_usd * weight, 1e18) AS group_query_usd,
         quantile_cont(duration_ns, [0.5, 0.95, 0.99]) AS dq,
         quantile_cont(self_ns, [0.5, 0.95]) AS sq,
         string_agg(DISTINCT warehouse, ',' ORDER BY warehouse) AS warehouse,
         count(*) FILTER (WHERE is_unpriced) AS unpriced_spans
  FROM c GROUP BY g1, g2, g3
),
-- The total adds the groups' costs in the groups' order, so it is the same float every run.
total AS (SELECT sum(group_compute_usd + group_query_usd ORDER BY g1, g2, g3) AS cost_usd FROM per_group)
SELECT g.g1, g.g2, g.g3,
       g.spans,
       e.events,
       (g.group_compute_usd + g.group_query_usd) / a.n AS cost_per_event_usd,
       CASE WHEN e.events > 0 THEN (g.group_compute_usd + g.group_query_usd) / e.events END AS cost_per_group_event_usd,
       CASE WHEN t.cost_usd > 0 THEN (g.group_compute_usd + g.group_query_usd) / t.cost_usd ELSE 0 END AS cost_share,
       g.group_compute_usd / a.n AS compute_per_event_usd,
       g.group_query_usd / a.n AS query_per_event_usd,
       g.dq[1] / 1e6 AS p50_ms, g.dq[2] / 1e6 AS p95_ms, g.dq[3] / 1e6 AS p99_ms,
       g.sq[1] / 1e6 AS self_p50_ms, g.sq[2] / 1e6 AS self_p95_ms,
       g.warehouse,
       g.group_compute_usd + g.group_query_usd AS total_cost_usd,
       g.unpriced_spans
FROM per_group g
JOIN group_events e ON e.g1 IS NOT DISTINCT FROM g.g1 AND e.g2 IS NOT DISTINCT FROM g.g2 AND e.g3 IS NOT DISTINCT FROM g.g3
CROSS JOIN all_events a CROSS JOIN total t
ORDER BY total_cost_usd DESC, g.g1, g.g2, g.g3;

-- name: totals
-- Whole-input figures: events, spans, cost per event, end-to-end event latency, time range, unpriced spans.
WITH ev AS (
  SELECT adtrace_sum(w, 1e18) AS events, count(*) AS stored_traces, min(w) <> max(w) AS weighted_events,
         quantile_cont(e2e_ns, 0.5) / 1e6 AS e2e_p50_ms,
         quantile_cont(e2e_ns, 0.95) / 1e6 AS e2e_p95_ms,
         quantile_cont(e2e_ns, 0.99) / 1e6 AS e2e_p99_ms
  FROM event_weights
),
sp AS (
  SELECT adtrace_sum(weight, 1e18) AS spans, count(*) AS stored_spans,
         adtrace_sum(compute_usd * weight, 1e18) AS compute_usd,
         adtrace_sum(query_usd * weight, 1e18) AS query_usd,
         count(*) FILTER (WHERE is_unpriced) AS unpriced_spans,
         count(*) FILTER (WHERE invalid_cost) AS invalid_cost_spans,
         strftime(make_timestamp(min(start_ns) // 1000), '%Y-%m-%dT%H:%M:%SZ') AS start,
         strftime(make_timestamp(max(start_ns + duration_ns) // 1000), '%Y-%m-%dT%H:%M:%SZ') AS "end"
  FROM costed_spans
)
SELECT ev.events, sp.spans, sp.stored_spans, ev.stored_traces,
       sp.compute_usd + sp.query_usd AS total_cost_usd,
       (sp.compute_usd + sp.query_usd) / ev.events AS cost_per_event_usd,
       sp.compute_usd / ev.events AS compute_per_event_usd,
       sp.query_usd / ev.events AS query_per_event_usd,
       ev.e2e_p50_ms, ev.e2e_p95_ms, ev.e2e_p99_ms,
       sp.unpriced_spans, sp.invalid_cost_spans, ev.weighted_events, sp.start, sp."end"
FROM ev CROSS JOIN sp;

-- name: weighted_e2e
-- Weighted end-to-end event latency: the smallest duration whose cumulative event weight reaches q of all events'.
-- Cumulative sums run in one order of (duration, weight): rows tied on both are interchangeable,
-- so the running float sums, and the thresholds they cross, are the same every run.
WITH cum AS (
  SELECT e2e_ns,
         sum(w) OVER (ORDER BY e2e_ns, w ROWS UNBOUNDED PRECEDING) AS cw,
         sum(w) OVER (ORDER BY e2e_ns, w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS tw
  FROM event_weights
)
SELECT min(e2e_ns) FILTER (WHERE cw >= 0.5 * tw) / 1e6 AS e2e_p50_ms,
       min(e2e_ns) FILTER (WHERE cw >= 0.95 * tw) / 1e6 AS e2e_p95_ms,
       min(e2e_ns) FILTER (WHERE cw >= 0.99 * tw) / 1e6 AS e2e_p99_ms
FROM cum;

-- name: queries
-- Warehouse queries by fingerprint (and warehouse, stage): calls, events, cost, bytes and latency, weighted by sampling.
WITH all_events AS (SELECT adtrace_sum(w, 1e18) AS n FROM event_weights),
total AS (SELECT adtrace_sum(compute_usd * weight, 1e18) + adtrace_sum(query_usd * weight, 1e18) AS cost_usd FROM costed_spans),
-- Sampled data takes weighted percentiles (as the breakdown does); unsampled, linear interpolation.
is_weighted AS (SELECT min(weight) <> max(weight) AS yes FROM costed_spans),
-- Fingerprints are computed once, for warehouse spans only.
w AS MATERIALIZED (
  SELECT COALESCE(adtrace_fingerprint(statement, warehouse), '(no query text)') AS query, warehouse, stage, trace_id, weight, cost_usd, bytes_scanned, duration_ns
  FROM costed_spans WHERE warehouse IS NOT NULL
),
-- Running sums in one order of (duration, weight), as in cost.weighted_e2e.
cum AS (
  SELECT query, warehouse, stage, duration_ns,
         sum(weight) OVER (PARTITION BY query, warehouse, stage ORDER BY duration_ns, weight ROWS UNBOUNDED PRECEDING) AS cw,
         sum(weight) OVER (PARTITION BY query, warehouse, stage ORDER BY duration_ns, weight ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS tw
  FROM w
),
wq AS (
  SELECT query, warehouse, stage,
         min(duration_ns) FILTER (WHERE cw >= 0.5 * tw) AS p50_ns,
         min(duration_ns) FILTER (WHERE cw >= 0.95 * tw) AS p95_ns
  FROM cum GROUP BY ALL
),
-- A query's events, counted as the breakdown counts a group's.
ev AS (
  SELECT query, warehouse, stage, adtrace_sum(tw, 1e18) AS events
  FROM (SELECT query, warehouse, stage, trace_id, max(weight) AS tw FROM w GROUP BY ALL) GROUP BY ALL
),
q AS (
  SELECT query, warehouse, stage,
         adtrace_sum(weight, 1e18) AS calls,
         adtrace_sum(cost_usd * weight, 1e18) AS total_cost_usd,
         adtrace_sum(bytes_scanned * weight, 1) / adtrace_sum(CASE WHEN bytes_scanned IS NOT NULL THEN weight END, 1e18) AS bytes_scanned_per_call,
         quantile_cont(duration_ns, 0.5) AS p50_ns,
         quantile_cont(duration_ns, 0.95) AS p95_ns
  FROM w GROUP BY ALL
)
SELECT q.stage, q.warehouse, q.calls, ev.events,
       q.total_cost_usd / a.n AS cost_per_event_usd,
       CASE WHEN t.cost_usd > 0 THEN q.total_cost_usd / t.cost_usd ELSE 0 END AS cost_share,
       q.total_cost_usd,
       q.bytes_scanned_per_call,
       CASE WHEN iw.yes THEN wq.p50_ns ELSE q.p50_ns END / 1e6 AS p50_ms,
       CASE WHEN iw.yes THEN wq.p95_ns ELSE q.p95_ns END / 1e6 AS p95_ms,
       q.query
FROM q JOIN ev USING (query, warehouse, stage) JOIN wq USING (query, warehouse, stage)
CROSS JOIN all_events a CROSS JOIN total t CROSS JOIN is_weighted iw
ORDER BY q.total_cost_usd DESC, q.stage, q.warehouse, q.query;

-- name: event_group_costs
-- Per event (trace): its weight and its cost in each group of the breakdown keys, for significance tests.
-- params: $k1, $a1, $k2, $a2, $k3, $a3
SELECT c.trace_id, any_value(ew.w) AS w,
       adtrace_group($k1, $a1, stage, name, service, attributes) AS g1,
       adtrace_group($k2, $a2, stage, name, service, attributes) AS g2,
       adtrace_group($k3, $a3, stage, name, service, attributes) AS g3,
       adtrace_sum(cost_usd * weight, 1e18) / any_value(ew.w) AS cost_usd
FROM costed_spans c JOIN event_weights ew ON ew.trace_id = c.trace_id
GROUP BY c.trace_id, g1, g2, g3
ORDER BY c.trace_id, g1, g2, g3;

-- name: weighted_percentiles
-- Weighted quantiles of span and self durations per group: the smallest value whose cumulative weight reaches q of the group's.
-- params: $k1, $a1, $k2, $a2, $k3, $a3
-- Running sums in one order of (value, weight), as in cost.weighted_e2e.
WITH c AS (
  SELECT duration_ns, self_ns, weight,
    adtrace_group($k1, $a1, stage, name, service, attributes) AS g1,
    adtrace_group($k2, $a2, stage, name, service, attributes) AS g2,
    adtrace_group($k3, $a3, stage, name, service, attributes) AS g3
  FROM costed_spans
),
d AS (
  SELECT g1, g2, g3, duration_ns AS v,
         sum(weight) OVER (PARTITION BY g1, g2, g3 ORDER BY duration_ns, weight ROWS UNBOUNDED PRECEDING) AS cw,
         sum(weight) OVER (PARTITION BY g1, g2, g3 ORDER BY duration_ns, weight ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS tw
  FROM c
),
s AS (
  SELECT g1, g2, g3, self_ns AS v,
         sum(weight) OVER (PARTITION BY g1, g2, g3 ORDER BY self_ns, weight ROWS UNBOUNDED PRECEDING) AS cw,
         sum(weight) OVER (PARTITION BY g1, g2, g3 ORDER BY self_ns, weight ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS tw
  FROM c
),
dq AS (
  SELECT g1, g2, g3,
         min(v) FILTER (WHERE cw >= 0.5 * tw) / 1e6 AS p50_ms,
         min(v) FILTER (WHERE cw >= 0.95 * tw) / 1e6 AS p95_ms,
         min(v) FILTER (WHERE cw >= 0.99 * tw) / 1e6 AS p99_ms
  FROM d GROUP BY g1, g2, g3
),
sq AS (
  SELECT g1, g2, g3,
         min(v) FILTER (WHERE cw >= 0.5 * tw) / 1e6 AS self_p50_ms,
         min(v) FILTER (WHERE cw >= 0.95 * tw) / 1e6 AS self_p95_ms
  FROM s GROUP BY g1, g2, g3
)
SELECT dq.*, sq.self_p50_ms, sq.self_p95_ms
FROM dq JOIN sq ON dq.g1 IS NOT DISTINCT FROM sq.g1 AND dq.g2 IS NOT DISTINCT FROM sq.g2 AND dq.g3 IS NOT DISTINCT FROM sq.g3;

-- name: weight_summary
-- Sampling weights: stored traces and spans, estimated events and spans, unknown and disagreeing weights, and the session's mode (--unweighted, --assume-weight).
SELECT (SELECT count(*) FROM event_weights) AS stored_traces,
       (SELECT adtrace_sum(w, 1e18) FROM event_weights) AS estimated_events,
       stored_spans, estimated_spans, min_weight, max_weight, unknown_weight_spans, disagreeing_traces,
       getvariable('adtrace_lists').weighted AS weighted,
       getvariable('adtrace_lists').assume_weight AS assume_weight
FROM _span_summary;

-- name: cost_sources
-- How the stored spans were priced: from billing records, from explicit cost attributes, from the price book, not at all.
SELECT billed_spans, explicit_spans, price_book_spans, unpriced_spans FROM _span_summary;

-- name: bad_values
-- Attributes that carried a value out of range (ignored for pricing or weighting), with the kind of value and the spans, most first.
SELECT attribute, kind, spans FROM _bad_values ORDER BY spans DESC, attribute, kind;
