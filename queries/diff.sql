-- name: event_durations
-- Per event (trace): its weight and end-to-end duration, for the significance of a p95 change.
SELECT trace_id, w, e2e_ns FROM event_weights ORDER BY trace_id;

-- name: group_span_durations
-- Every span's duration and weight with its event and group keys, for the significance of a group's p95 change.
-- params: $k1, $a1, $k2, $a2, $k3, $a3
SELECT trace_id, duration_ns, weight,
       adtrace_group($k1, $a1, stage, name, service, attributes) AS g1,
       adtrace_group($k2, $a2, stage, name, service, attributes) AS g2,
       adtrace_group($k3, $a3, stage, name, service, attributes) AS g3
FROM costed_spans
-- Ties in duration are ordered by weight: the bootstrap reads each group's durations in this order.
ORDER BY trace_id, duration_ns, weight;

-- name: group_costs
-- Per event and group present in it (and per event, is_total): its weight and the group's cost per event, for diff.group_moments.
-- params: $k1, $a1, $k2, $a2, $k3, $a3
CREATE OR REPLACE TEMP TABLE _diff_eg AS
SELECT c.trace_id, any_value(ew.w) AS w, c.g1, c.g2, c.g3, FALSE AS is_total,
       adtrace_sum(c.cost_usd * c.weight, 1e18) / any_value(ew.w) AS x
FROM (
  SELECT trace_id, cost_usd, weight,
         adtrace_group($k1, $a1, stage, name, service, attributes) AS g1,
         adtrace_group($k2, $a2, stage, name, service, attributes) AS g2,
         adtrace_group($k3, $a3, stage, name, service, attributes) AS g3
  FROM costed_spans
) c JOIN event_weights ew ON ew.trace_id = c.trace_id
GROUP BY c.trace_id, c.g1, c.g2, c.g3
UNION ALL
SELECT trace_id, w, NULL, NULL, NULL, TRUE, event_cost_usd FROM event_weights;

-- name: stage_costs
-- As diff.group_costs for the default grouping (by stage), read from each stage's cost per event (model.event_weights; stored with a stored model): the same values without a pass over the spans.
CREATE OR REPLACE TEMP TABLE _diff_eg AS
SELECT trace_id, w, stage AS g1, CAST(NULL AS VARCHAR) AS g2, CAST(NULL AS VARCHAR) AS g3, FALSE AS is_total, cost_usd AS x
FROM event_stage_costs
UNION ALL
SELECT trace_id, w, NULL, NULL, NULL, TRUE, event_cost_usd FROM event_weights;

-- name: group_moments
-- Per group (and the whole event, is_total) over all events, a group's cost 0 in events without it: Σw, Σw², Σw·x and Σw·(x − mean)², exact sums, into _diff_moments; for Welch's interval without reading every event (diff.group_costs or diff.stage_costs first).
CREATE OR REPLACE TEMP TABLE _diff_moments AS
WITH eg AS (SELECT * FROM _diff_eg),
scales AS (SELECT adtrace_pow2_scale(count(*), max(w)) AS s_w, adtrace_pow2_scale(count(*), max(w * w)) AS s_w2 FROM event_weights),
all_w AS (
  SELECT adtrace_scaled_sum(e.w, s.s_w) AS sw, adtrace_scaled_sum(e.w * e.w, s.s_w2) AS sw2
  FROM event_weights e CROSS JOIN scales s GROUP BY s.s_w, s.s_w2
),
gsc AS (
  SELECT g1, g2, g3, is_total, adtrace_pow2_scale(count(*), max(abs(w * x))) AS s_wx, adtrace_pow2_scale(count(*), max(w)) AS s_w
  FROM eg GROUP BY ALL
),
gm AS (
  SELECT eg.g1, eg.g2, eg.g3, eg.is_total, adtrace_scaled_sum(eg.w * eg.x, s.s_wx) AS swx, adtrace_scaled_sum(eg.w, s.s_w) AS sw_group
  FROM eg JOIN gsc s ON s.g1 IS NOT DISTINCT FROM eg.g1 AND s.g2 IS NOT DISTINCT FROM eg.g2 AND s.g3 IS NOT DISTINCT FROM eg.g3 AND s.is_total = eg.is_total
  GROUP BY eg.g1, eg.g2, eg.g3, eg.is_total, s.s_wx, s.s_w
),
dev AS (
  SELECT eg.g1, eg.g2, eg.g3, eg.is_total, eg.w * ((eg.x - gm.swx / a.sw) * (eg.x - gm.swx / a.sw)) AS d
  FROM eg JOIN gm ON gm.g1 IS NOT DISTINCT FROM eg.g1 AND gm.g2 IS NOT DISTINCT FROM eg.g2 AND gm.g3 IS NOT DISTINCT FROM eg.g3 AND gm.is_total = eg.is_total
  CROSS JOIN all_w a
),
dsc AS (SELECT g1, g2, g3, is_total, adtrace_pow2_scale(count(*), max(d)) AS s FROM dev GROUP BY ALL),
dsum AS (
  SELECT dev.g1, dev.g2, dev.g3, dev.is_total, adtrace_scaled_sum(dev.d, s.s) AS ss
  FROM dev JOIN dsc s ON s.g1 IS NOT DISTINCT FROM dev.g1 AND s.g2 IS NOT DISTINCT FROM dev.g2 AND s.g3 IS NOT DISTINCT FROM dev.g3 AND s.is_total = dev.is_total
  GROUP BY dev.g1, dev.g2, dev.g3, dev.is_total, s.s
)
-- Events without the group add w·mean² each to the squared deviations.
SELECT gm.g1, gm.g2, gm.g3, gm.is_total, a.sw, a.sw2, gm.swx,
       d.ss + (gm.swx / a.sw) * (gm.swx / a.sw) * (a.sw - gm.sw_group) AS ss
FROM gm JOIN dsum d ON d.g1 IS NOT DISTINCT FROM gm.g1 AND d.g2 IS NOT DISTINCT FROM gm.g2 AND d.g3 IS NOT DISTINCT FROM gm.g3 AND d.is_total = gm.is_total
CROSS JOIN all_w a;

-- name: stored_stage_moments
-- diff.group_moments by stage as the stored model keeps them (store.stage_moments): computed at load by the same queries.
CREATE OR REPLACE TEMP TABLE _diff_moments AS SELECT * FROM model_stage_moments;

-- name: has_stored_moments
-- Whether this session reads a stored model, which keeps the moments by stage.
SELECT COALESCE(getvariable('adtrace_stored_events'), FALSE) AS stored;

-- name: moments
-- The moments diff.group_moments (or diff.stored_stage_moments) made, in group order.
SELECT * FROM _diff_moments ORDER BY is_total, g1, g2, g3;

-- name: drop
-- diff's working tables, once read.
DROP TABLE IF EXISTS _diff_eg; DROP TABLE IF EXISTS _diff_moments;

-- name: side_groups
-- What diff reads of a side's breakdown (cost.breakdown), where the spans are not weighted: per group its cost per event, its share of the cost and its span p95, the same numbers by the same sums and quantile; without the figures diff does not show (self-time and other quantiles, warehouses, events), which took two thirds of cost.breakdown's time.
-- params: $k1, $a1, $k2, $a2, $k3, $a3
WITH c AS NOT MATERIALIZED (
  SELECT compute_usd, query_usd, weight, duration_ns,
    adtrace_group($k1, $a1, stage, name, service, attributes) AS g1,
    adtrace_group($k2, $a2, stage, name, service, attributes) AS g2,
    adtrace_group($k3, $a3, stage, name, service, attributes) AS g3
  FROM costed_spans
),
all_events AS (SELECT adtrace_sum(w, 1e18) AS n FROM event_weights),
per_group AS (
  SELECT g1, g2, g3,
         adtrace_sum(compute_usd * weight, 1e18) AS group_compute_usd,
         adtrace_sum(query_usd * weight, 1e18) AS group_query_usd,
         quantile_cont(duration_ns, 0.95) AS p95
  FROM c GROUP BY g1, g2, g3
),
total AS (SELECT sum(group_compute_usd + group_query_usd ORDER BY g1, g2, g3) AS cost_usd FROM per_group)
SELECT g.g1, g.g2, g.g3,
       (g.group_compute_usd + g.group_query_usd) / a.n AS cost_per_event_usd,
       CASE WHEN t.cost_usd > 0 THEN (g.group_compute_usd + g.group_query_usd) / t.cost_usd ELSE 0 END AS cost_share,
       g.p95 / 1e6 AS p95_ms
FROM per_group g CROSS JOIN all_events a CROSS JOIN total t
ORDER BY g.group_compute_usd + g.group_query_usd DESC, g.g1, g.g2, g.g3;
