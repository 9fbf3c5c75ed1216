-- name: stages
-- The stages the model gave the spans, for checking --stage.
SELECT DISTINCT stage FROM costed_spans ORDER BY stage;

-- name: events
-- Each event's weight and metric (cost USD or latency ms, of the whole event or of one stage within it), then whether it is among the top $top of events by the metric (weighted).
-- params: $metric, $stage, $top
-- The latency of a stage within an event is the wall-clock extent of its spans (first start to last
-- end); its cost is the sum of the costs of its spans. Events without the stage have no metric and
-- are left out. Costs are summed exactly (adtrace_sum), so the selection never moves with the
-- order in which the threads of DuckDB add spans.
CREATE OR REPLACE TEMP TABLE _outlier_events AS
WITH per_event AS (
  SELECT c.trace_id,
         adtrace_sum(c.cost_usd * c.weight, 1e18) AS weighted_cost_usd,
         max(c.start_ns + c.duration_ns) - min(c.start_ns) AS extent_ns
  FROM costed_spans c
  WHERE $stage IS NULL OR c.stage = $stage
  GROUP BY c.trace_id
),
m AS (
  SELECT p.trace_id, ew.w,
         CASE WHEN $metric = 'cost' THEN p.weighted_cost_usd / ew.w
              WHEN $stage IS NULL THEN ew.e2e_ns / 1e6
              ELSE p.extent_ns / 1e6 END AS metric
  FROM per_event p JOIN event_weights ew ON ew.trace_id = p.trace_id
),
-- The weighted (1 − top) quantile: the smallest metric whose cumulative weight reaches (1 − top)
-- of the total weight (the rule of cost.weighted_e2e). Events above it are selected; ties at it stay
-- in the baseline.
cum AS (
  SELECT metric,
         sum(w) OVER (ORDER BY metric, w ROWS UNBOUNDED PRECEDING) AS cw,
         sum(w) OVER (ORDER BY metric, w ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS tw
  FROM m
),
threshold AS (SELECT min(metric) FILTER (WHERE cw >= (1 - $top) * tw) AS t FROM cum)
SELECT m.trace_id, m.w, m.metric, m.metric > threshold.t AS selected
FROM m CROSS JOIN threshold;

-- name: groups
-- The selected and baseline events' weights (Σw, Σw² for the effective sample size) and weighted metric sums, and the threshold.
-- Ordered sums: the same float every run.
SELECT selected,
       sum(w ORDER BY trace_id) AS w,
       sum(w * w ORDER BY trace_id) AS w2,
       sum(w * metric ORDER BY trace_id) AS wm,
       count(*) AS stored_events,
       max(metric) AS max_metric
FROM _outlier_events GROUP BY selected ORDER BY selected;

-- name: attributes
-- Every span and resource attribute rolled up to the events: an event carries key=value if any of its spans does (keys in $skip left out).
-- params: $skip, $keys
CREATE OR REPLACE TEMP TABLE _outlier_attrs AS
WITH kv AS (
  SELECT s.trace_id, unnest(map_keys(s.attributes)) AS key, unnest(map_values(s.attributes)) AS value FROM spans s
  UNION ALL
  SELECT s.trace_id, unnest(map_keys(s.resource_attributes)) AS key, unnest(map_values(s.resource_attributes)) AS value FROM spans s
)
SELECT DISTINCT e.trace_id, kv.key, kv.value, e.w, e.metric, e.selected
FROM kv JOIN _outlier_events e ON e.trace_id = kv.trace_id
WHERE NOT list_contains($skip, kv.key) AND (len($keys) = 0 OR list_contains($keys, kv.key)) AND kv.value IS NOT NULL;

-- name: keys
-- Per attribute key: the events that carry it, its distinct values and the events that carry a value no other event carries (for telling ids apart).
SELECT key, count(DISTINCT trace_id) AS events, count(DISTINCT value) AS n_values,
       count(*) FILTER (WHERE value_events = 1) AS unique_value_events
FROM (SELECT key, value, trace_id, count(*) OVER (PARTITION BY key, value) AS value_events FROM _outlier_attrs)
GROUP BY key ORDER BY key;

-- name: values
-- Per kept key and value (past the $max_values most common values of a key, folded into '(other)'): the selected and baseline events' weights and the weighted metric of the events that carry it.
-- params: $kept, $max_values
WITH ranked AS (
  SELECT key, value, dense_rank() OVER (PARTITION BY key ORDER BY ew DESC, value) AS r
  FROM (SELECT key, value, adtrace_sum(w, 1e18) AS ew FROM _outlier_attrs WHERE list_contains($kept, key) GROUP BY key, value)
),
folded AS (
  SELECT DISTINCT a.trace_id, a.key, CASE WHEN r.r <= $max_values THEN a.value ELSE '(other)' END AS value, a.w, a.metric, a.selected
  FROM _outlier_attrs a JOIN ranked r ON r.key = a.key AND r.value = a.value
)
SELECT key, value,
       adtrace_sum(CASE WHEN selected THEN w ELSE 0 END, 1e18) AS selected_w,
       adtrace_sum(CASE WHEN selected THEN 0 ELSE w END, 1e18) AS baseline_w,
       adtrace_sum(w * metric, 1e18) AS wm,
       count(*) AS stored_events
FROM folded GROUP BY key, value ORDER BY key, value;

-- name: attribute_keys
-- Every span and resource attribute key in the data, for suggesting one when a key is mistyped.
SELECT DISTINCT key FROM (
  SELECT unnest(map_keys(attributes)) AS key FROM spans UNION ALL SELECT unnest(map_keys(resource_attributes)) AS key FROM spans
) ORDER BY key;
