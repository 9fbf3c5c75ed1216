-- `adtrace cost outliers` over a ClickHouse source (issue 17): the sums of queries/outliers.sql
-- answered where the spans are, over the same model (clickhouse.costed_spans, put in front as a
-- CTE by src/analysis/clickhouse.ts). One statement returns the two groups' sums and one row per
-- key=value (a key's values past $max_values folded into '(other)'):
-- aggregates, never spans; the z-tests and Benjamini–Hochberg stay in src/analysis/outliers.ts.
-- Sums are exact (scaled, added as Int128), so the selection and the figures do not move with
-- the order a cluster adds rows in. Aliases here start with o_: ClickHouse sees an alias across
-- the whole statement, the model's CTEs included.

-- name: outliers
-- Each event's weight and metric ($metric cost or latency, of the whole event or of $stage within it; events without the stage left out), the selection above the weighted (1 − $top) quantile, then: kind 0, per side (selected or not) Σw, Σw², Σw·metric and the largest metric; kind 2, per attribute key and value (span and resource attributes rolled up to the event, keys in $skip left out, only $keys when given; a key's values past $max_values folded into '(other)') the selected and baseline Σw and Σw·metric of the events carrying it, with its key's events, values and values only one event carries. The model evaluated once: per event, then per event and pair.
-- params: $metric, $stage, $top, $skip, $keys, $max_values
WITH
o_res AS (
  -- Each event's resource attributes: of each span, those of the copy the model keeps (the least
  -- by its tuple, as clickhouse_report.sample_spans), as (key, value) pairs.
  SELECT o_rt, groupUniqArrayArray(o_rkv) AS o_res_kv
  FROM (
    SELECT TraceId AS o_rt,
           arrayZip(mapKeys(o_ra), mapValues(o_ra)) AS o_rkv
    FROM (
      SELECT TraceId, CAST(argMin(ResourceAttributes, (Timestamp, Duration, ParentSpanId, SpanName, ServiceName, TraceState, SpanAttributes)), 'Map(String, Nullable(String))') AS o_ra
      FROM range_spans
      GROUP BY TraceId, SpanId
    )
  )
  GROUP BY o_rt
),
o_ev AS (
  -- Per event: its weight (its root's, else the largest of its spans'), its end-to-end extent,
  -- and of its spans of $stage (all of them without one) the count, the weighted cost and the
  -- extent (first start to last end); its span attributes as distinct (key, value) pairs.
  SELECT trace_id AS o_tid,
         coalesce(maxIfOrNull(weight, parent_span_id IS NULL), max(weight)) AS o_w,
         max(start_ns + duration_ns) - min(start_ns) AS o_e2e_ns,
         countIf(stage = coalesce({stage:Nullable(String)}, stage)) AS o_n_stage,
         sumIf(toInt128(round(cost_usd * weight * 1e18)), stage = coalesce({stage:Nullable(String)}, stage)) AS o_s_cost,
         maxIf(start_ns + duration_ns, stage = coalesce({stage:Nullable(String)}, stage))
           - minIf(start_ns, stage = coalesce({stage:Nullable(String)}, stage)) AS o_extent_ns,
         groupUniqArrayArray(arrayZip(mapKeys(attributes), mapValues(attributes))) AS o_span_kv
  FROM costed_spans GROUP BY trace_id
),
o_m AS (
  -- The metric (outliers.events): cost per event is the event's weighted cost over its weight.
  SELECT o_tid, o_w,
         multiIf({metric:String} = 'cost', (toFloat64(o_s_cost) / 1e18) / o_w,
                 isNull({stage:Nullable(String)}), o_e2e_ns / 1e6,
                 o_extent_ns / 1e6) AS o_metric,
         arrayFilter(kv -> kv.2 IS NOT NULL AND NOT has({skip:Array(String)}, kv.1) AND (empty({keys:Array(String)}) OR has({keys:Array(String)}, kv.1)),
                     arrayDistinct(arrayConcat(o_span_kv, o_res_kv))) AS o_kv
  FROM o_ev LEFT JOIN o_res ON o_res.o_rt = o_ev.o_tid
  WHERE o_n_stage > 0
),
o_cum AS (
  -- The weighted (1 − top) quantile: the smallest metric whose cumulative weight, in (metric,
  -- weight) order, reaches (1 − top) of the total; events above it are selected, ties stay in the
  -- baseline. With it, the scales that keep Σw² and Σw·metric exact (a power of two that keeps
  -- n of the largest below 1e37). Window functions, not a CTE read twice: ClickHouse inlines a
  -- CTE wherever it is read, and the model would be evaluated again each time.
  SELECT *,
         sum(o_w) OVER (ORDER BY o_metric, o_w ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS o_cw,
         if(max(o_w * o_w) OVER () > 0, pow(2, least(1000, floor(log2(1e37 / (count() OVER () * max(o_w * o_w) OVER ()))))), 1) AS o_sc_w2,
         if(max(abs(o_w * o_metric)) OVER () > 0, pow(2, least(1000, floor(log2(1e37 / (count() OVER () * max(abs(o_w * o_metric)) OVER ()))))), 1) AS o_sc_wm
  FROM o_m
),
o_e AS (
  SELECT *, o_metric > min(if(o_cw >= (1 - {top:Float64}) * o_total, o_metric, NULL)) OVER () AS o_selected
  FROM (SELECT *, max(o_cw) OVER () AS o_total FROM o_cum)
),
o_rows AS (
  -- Kind 0: each event once; kind 2: each event and pair it carries (an event carries key=value
  -- when any of its spans does).
  SELECT o_tid, o_w, o_metric, o_selected, o_sc_w2, o_sc_wm, o_p.1 AS o_kind, o_p.2 AS o_key, o_p.3 AS o_value
  FROM o_e ARRAY JOIN arrayConcat([(toUInt8(0), '', '')], arrayMap(kv -> (toUInt8(2), kv.1, assumeNotNull(kv.2)), o_kv)) AS o_p
),
o_valued AS (
  -- Per key and value: its events and their weight.
  SELECT *, count() OVER (PARTITION BY o_kind, o_key, o_value) AS o_ve,
         toFloat64(sum(toInt128(round(o_w * 1e18))) OVER (PARTITION BY o_kind, o_key, o_value)) / 1e18 AS o_vw
  FROM o_rows
),
o_ranked AS (
  -- A key's values by weighted events, most first, ties by value; the key's events, values and
  -- values that only one event carries (for telling ids apart).
  SELECT *, dense_rank() OVER (PARTITION BY o_kind, o_key ORDER BY o_vw DESC, o_value) AS o_rank,
         uniqExact(o_tid) OVER (PARTITION BY o_kind, o_key) AS o_k_events,
         uniqExact(o_value) OVER (PARTITION BY o_kind, o_key) AS o_k_values,
         uniqExactIf(o_value, o_ve = 1) OVER (PARTITION BY o_kind, o_key) AS o_k_unique
  FROM o_valued
),
o_folded AS (
  -- Past $max_values, a key's values fold into '(other)': each event once per key and folded value.
  SELECT o_kind, o_key, if(o_kind = 2 AND o_rank > {max_values:UInt32}, '(other)', o_value) AS o_fv, o_tid,
         any(o_w) AS o_fw, any(o_metric) AS o_fm, any(o_selected) AS o_fs, any(o_sc_w2) AS o_fsc_w2, any(o_sc_wm) AS o_fsc_wm,
         any(o_k_events) AS o_fk_events, any(o_k_values) AS o_fk_values, any(o_k_unique) AS o_fk_unique
  FROM o_ranked GROUP BY o_kind, o_key, o_fv, o_tid
)
-- Kind 0: per side; kind 2: per key and folded value, with its key's figures.
SELECT o_kind AS kind, if(o_kind = 0, o_fs, NULL) AS selected, o_key AS key, o_fv AS value,
       toFloat64(sum(toInt128(round(o_fw * 1e18)))) / 1e18 AS w,
       toFloat64(sum(toInt128(round(o_fw * o_fw * o_fsc_w2)))) / any(o_fsc_w2) AS w2,
       toFloat64(sum(toInt128(round(o_fw * o_fm * o_fsc_wm)))) / any(o_fsc_wm) AS wm,
       max(o_fm) AS max_metric,
       toFloat64(sumIf(toInt128(round(o_fw * 1e18)), o_fs)) / 1e18 AS selected_w,
       toFloat64(sumIf(toInt128(round(o_fw * 1e18)), NOT o_fs)) / 1e18 AS baseline_w,
       any(o_fk_events) AS key_events, any(o_fk_values) AS n_values, any(o_fk_unique) AS unique_value_events
FROM o_folded
GROUP BY o_kind, o_key, o_fv, selected
ORDER BY kind, selected, key, value

-- name: attribute_keys
-- Every span and resource attribute key in the range, for suggesting one when --keys names a key no event carries (outliers.attribute_keys).
WITH
o_keys AS (
  SELECT arrayJoin(arrayConcat(mapKeys(SpanAttributes), mapKeys(CAST(ResourceAttributes, 'Map(String, String)')))) AS o_key
  FROM range_spans
)
SELECT DISTINCT o_key AS key FROM o_keys ORDER BY key
