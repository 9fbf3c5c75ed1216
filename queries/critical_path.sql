-- name: prepare_traces
-- The events in trace-id order, numbered from 0, with their first start (times become relative to it, exact as JS numbers) and their weight.
CREATE OR REPLACE TEMP TABLE _cp_traces AS
SELECT CAST(row_number() OVER (ORDER BY t.trace_id) - 1 AS INTEGER) AS ord, t.trace_id, t.t0, ew.w
FROM (SELECT trace_id, min(start_ns) AS t0 FROM costed_spans GROUP BY trace_id) t JOIN event_weights ew USING (trace_id);

-- name: prepare_groups
-- The groups (up to three keys), numbered from 0 in key order.
-- params: $k1, $a1, $k2, $a2, $k3, $a3
CREATE OR REPLACE TEMP TABLE _cp_group_keys AS
SELECT CAST(row_number() OVER (ORDER BY g1, g2, g3) - 1 AS INTEGER) AS gid, g1, g2, g3
FROM (
  SELECT DISTINCT adtrace_group($k1, $a1, stage, name, service, attributes) AS g1,
         adtrace_group($k2, $a2, stage, name, service, attributes) AS g2,
         adtrace_group($k3, $a3, stage, name, service, attributes) AS g3
  FROM costed_spans
);

-- name: prepare_spans
-- The spans as numbers for the walk, in batches of $batch_traces events: the event's number, the span's number in its event (in span-id order, so comparing numbers compares ids), its parent's (NULL when not in the event), whether it has no parent, its times relative to the event's first start, and its group.
-- params: $batch_traces, $k1, $a1, $k2, $a2, $k3, $a3
CREATE OR REPLACE TEMP TABLE _cp_spans AS
WITH s AS (
  SELECT t.ord, c.span_id, c.parent_span_id, c.start_ns - t.t0 AS rel_start, c.duration_ns,
         adtrace_group($k1, $a1, c.stage, c.name, c.service, c.attributes) AS g1,
         adtrace_group($k2, $a2, c.stage, c.name, c.service, c.attributes) AS g2,
         adtrace_group($k3, $a3, c.stage, c.name, c.service, c.attributes) AS g3
  FROM costed_spans c JOIN _cp_traces t USING (trace_id)
),
-- A span id given twice in one trace counts once: its earliest (then shortest) row, as adtrace trace keeps the first.
d AS (
  SELECT * FROM s QUALIFY row_number() OVER (PARTITION BY ord, span_id ORDER BY rel_start, duration_ns) = 1
),
i AS (
  SELECT *, CAST(row_number() OVER (PARTITION BY ord ORDER BY span_id) - 1 AS INTEGER) AS idx FROM d
)
SELECT i.ord // $batch_traces AS batch, i.ord, i.idx, p.idx AS parent_idx,
       (i.parent_span_id IS NULL OR i.parent_span_id = '') AS is_root,
       CAST(i.rel_start AS DOUBLE) AS start_ns, CAST(i.rel_start + i.duration_ns AS DOUBLE) AS end_ns, k.gid
FROM i
LEFT JOIN i p ON p.ord = i.ord AND p.span_id = i.parent_span_id
JOIN _cp_group_keys k ON k.g1 IS NOT DISTINCT FROM i.g1 AND k.g2 IS NOT DISTINCT FROM i.g2 AND k.g3 IS NOT DISTINCT FROM i.g3
-- Stored in batch order, so each batch's rows sit in few row groups and its scan skips the rest.
ORDER BY batch, i.ord, i.idx;

-- name: create_results
-- Per event and group the critical time and whether the group is on the path; per event the path's length (NULL without a root) and the spans left out of it.
CREATE OR REPLACE TEMP TABLE _cp_groups (ord INTEGER, gid INTEGER, critical_ns DOUBLE, on_path BOOLEAN);
CREATE OR REPLACE TEMP TABLE _cp_events (ord INTEGER, path_ns DOUBLE, orphan_spans INTEGER, extra_root_spans INTEGER, cyclic_spans INTEGER);

-- name: batches
-- How many batches prepare_spans made.
SELECT COALESCE(max(batch) + 1, 0) AS n FROM _cp_spans;

-- name: batch
-- One batch of spans, event by event, each event's spans by number.
-- params: $batch
SELECT ord, idx, parent_idx, is_root, start_ns, end_ns, gid
FROM _cp_spans WHERE batch = $batch
ORDER BY ord, idx;

-- name: groups
-- Per group: its events (with a path, by event weight), the weighted share of them with the group on the path, the critical time's percentiles and share of all path time, and its share of cost.
-- params: $k1, $a1, $k2, $a2, $k3, $a3
WITH ev AS (
  SELECT e.ord, e.path_ns, t.w FROM _cp_events e JOIN _cp_traces t USING (ord) WHERE e.path_ns IS NOT NULL
),
is_weighted AS (SELECT COALESCE(min(w) <> max(w), false) AS yes FROM ev),
g AS (
  SELECT k.g1, k.g2, k.g3, c.critical_ns, c.on_path, ev.w
  FROM _cp_groups c JOIN ev USING (ord) JOIN _cp_group_keys k USING (gid)
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
  SELECT e.*, t.w FROM _cp_events e JOIN _cp_traces t USING (ord)
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

-- name: drop
-- The session's critical-path tables, once read.
DROP TABLE IF EXISTS _cp_spans; DROP TABLE IF EXISTS _cp_groups; DROP TABLE IF EXISTS _cp_events; DROP TABLE IF EXISTS _cp_traces; DROP TABLE IF EXISTS _cp_group_keys;

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
