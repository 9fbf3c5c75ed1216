-- `adtrace diff` with a ClickHouse side (issue 17): what diff's significance tests read, pushed
-- down over the model of queries/clickhouse.sql (clickhouse.costed_spans, put in front as a CTE by
-- src/analysis/clickhouse.ts, with the fragments of queries/clickhouse_fragments.sql). The same definitions as queries/diff.sql and cost.event_group_costs:
-- an event's weight w is its root span's, else the largest of its spans'; a group's cost in an
-- event x is its spans' Σ cost·weight (exact, scaled by 1e18, added as an Int128) over w. Group
-- keys g1..g3 as clickhouse.breakdown's (clickhouse_fragments.grouped_spans).

-- name: moments
-- Welch's input (diff.group_moments): per group and for the whole event (is_total) over all events, a group's cost 0 in events without it, Σw, Σw², Σw·x and Σw·(x − mean)², each an exact sum (scaled by a power of two that keeps n of the largest below 1e37, added as an Int128); one row per group, in diff.moments' order.
WITH
tg AS (
  SELECT trace_id, g1, g2, g3,
         sum(toInt128(round(cost_usd * weight * 1e18))) AS s_cost,
         max(weight) AS span_max_w, maxIfOrNull(weight, parent_span_id IS NULL) AS root_w
  FROM grouped_spans
  GROUP BY trace_id, g1, g2, g3
),
ev AS (
  SELECT trace_id, coalesce(maxOrNull(root_w), max(span_max_w)) AS w, groupArray((g1, g2, g3, s_cost)) AS gc, sum(s_cost) AS s_total
  FROM tg GROUP BY trace_id
),
eg AS (
  -- Per event and group present in it, and per event (is_total): the event's weight and x. Each
  -- statement below reads the one before once, so the model is evaluated once.
  SELECT e.1 AS g1, e.2 AS g2, e.3 AS g3, e.4 AS is_total, w, e.5 AS x
  FROM ev
  ARRAY JOIN arrayPushBack(arrayMap(g -> (g.1, g.2, g.3, false, toFloat64(g.4) / 1e18 / w), gc),
                           (CAST(NULL, 'Nullable(String)'), CAST(NULL, 'Nullable(String)'), CAST(NULL, 'Nullable(String)'), true, toFloat64(s_total) / 1e18 / w)) AS e
),
scaled AS (
  -- The scales: Σw and Σw² over all events (the is_total rows, one per event: diff.group_moments' all_w), Σw·x and Σw per group.
  SELECT g1, g2, g3, is_total, w, x,
         if(maxIf(w, is_total) OVER () > 0, pow(2, least(1000, floor(log2(1e37 / (countIf(is_total) OVER () * maxIf(w, is_total) OVER ()))))), 1) AS s_aw,
         if(maxIf(w * w, is_total) OVER () > 0, pow(2, least(1000, floor(log2(1e37 / (countIf(is_total) OVER () * maxIf(w * w, is_total) OVER ()))))), 1) AS s_aw2,
         if(max(abs(w * x)) OVER p > 0, pow(2, least(1000, floor(log2(1e37 / (count() OVER p * max(abs(w * x)) OVER p))))), 1) AS s_wx,
         if(max(w) OVER p > 0, pow(2, least(1000, floor(log2(1e37 / (count() OVER p * max(w) OVER p))))), 1) AS s_w
  FROM eg WINDOW p AS (PARTITION BY g1, g2, g3, is_total)
),
gm AS (
  SELECT g1, g2, g3, is_total, w, x,
         toFloat64(sumIf(toInt128(round(w * s_aw)), is_total) OVER ()) / s_aw AS sw,
         toFloat64(sumIf(toInt128(round(w * w * s_aw2)), is_total) OVER ()) / s_aw2 AS sw2,
         toFloat64(sum(toInt128(round(w * x * s_wx))) OVER p) / s_wx AS swx,
         toFloat64(sum(toInt128(round(w * s_w))) OVER p) / s_w AS sw_group
  FROM scaled WINDOW p AS (PARTITION BY g1, g2, g3, is_total)
),
dev AS (
  SELECT g1, g2, g3, is_total, swx, sw_group, sw, sw2, w * ((x - swx / sw) * (x - swx / sw)) AS d
  FROM gm
),
dev_scaled AS (
  SELECT g1, g2, g3, is_total, swx, sw_group, sw, sw2, d,
         if(max(d) OVER p > 0, pow(2, least(1000, floor(log2(1e37 / (count() OVER p * max(d) OVER p))))), 1) AS s_d
  FROM dev WINDOW p AS (PARTITION BY g1, g2, g3, is_total)
)
-- Events without the group add w·mean² each to the squared deviations.
SELECT g1, g2, g3, is_total, m_sw AS sw, m_sw2 AS sw2, m_swx AS swx, s_dev + (m_swx / m_sw) * (m_swx / m_sw) * (m_sw - m_swg) AS ss
FROM (
  SELECT g1, g2, g3, is_total, any(sw) AS m_sw, any(sw2) AS m_sw2, any(swx) AS m_swx, any(sw_group) AS m_swg,
         toFloat64(sum(toInt128(round(d * s_d)))) / any(s_d) AS s_dev
  FROM dev_scaled GROUP BY g1, g2, g3, is_total
)
ORDER BY is_total, g1, g2, g3

-- name: events
-- The bootstrap's input for a side of at most {max_events} events (cost.event_group_costs, diff.event_durations, diff.group_span_durations), one row per event in trace-id order: its weight, end-to-end duration, its cost in each group present (sorted by group) and its spans' durations and weights with their groups (sorted by duration, then weight); no row at all when the range holds more events, so no more than that many ever leave the engine.
-- params: $max_events
WITH
tg AS (
  SELECT trace_id, g1, g2, g3,
         sum(toInt128(round(cost_usd * weight * 1e18))) AS s_cost,
         max(weight) AS span_max_w, maxIfOrNull(weight, parent_span_id IS NULL) AS root_w,
         min(start_ns) AS t0, max(start_ns + duration_ns) AS t1,
         groupArray((duration_ns, weight)) AS spans
  FROM grouped_spans GROUP BY trace_id, g1, g2, g3
),
ev AS (
  SELECT trace_id, coalesce(maxOrNull(root_w), max(span_max_w)) AS w, max(t1) - min(t0) AS e2e_ns,
         arraySort(groupArray((g1, g2, g3, s_cost))) AS gc,
         arraySort(arrayFlatten(groupArray(arrayMap(s -> (s.1, s.2, g1, g2, g3), spans)))) AS sd
  FROM tg GROUP BY trace_id
)
SELECT trace_id, w, toString(e2e_ns) AS e2e_ns,
       arrayMap(g -> (g.1, g.2, g.3, toFloat64(g.4) / 1e18 / w), gc) AS group_costs,
       arrayMap(s -> (toString(s.1), s.2, s.3, s.4, s.5), sd) AS span_durations
FROM (SELECT *, count() OVER () AS n_events FROM ev)
WHERE n_events <= {max_events:UInt64}
ORDER BY trace_id
