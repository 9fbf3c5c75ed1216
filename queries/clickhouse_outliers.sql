-- `adtrace cost outliers` over a ClickHouse source (issue 17): the sums of queries/outliers.sql
-- answered where the spans are, over the same model (clickhouse.costed_spans, put in front as a
-- CTE by src/analysis/clickhouse.ts). One statement returns the two groups' sums, one row per
-- attribute key and one per key=value (a key's values past $max_values folded into '(other)'):
-- aggregates, never spans; the z-tests and Benjamini–Hochberg stay in src/analysis/outliers.ts.
-- Sums are exact (scaled, added as Int128), so the selection and the figures do not move with
-- the order a cluster adds rows in. Aliases here start with o_: ClickHouse sees an alias across
-- the whole statement, the model's CTEs included.

-- name: outliers
-- Each event's weight and metric ($metric cost or latency, of the whole event or of $stage within it; events without the stage left out), the selection above the weighted (1 − $top) quantile, then: kind 0, per side (selected or not) Σw, Σw², Σw·metric and the largest metric; kind 1, per attribute key (span and resource attributes rolled up to the event, keys in $skip left out, only $keys when given) the events carrying it, its values and the values only one event carries; kind 2, per key and value (folded past $max_values) the selected and baseline Σw and Σw·metric of the events carrying it.
-- params: $db, $tbl, $has_since, $since_ns, $has_until, $until_ns, $metric, $stage, $top, $skip, $keys, $max_values
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
      FROM {db:Identifier}.{tbl:Identifier}
      WHERE (NOT {has_since:Bool} OR Timestamp >= fromUnixTimestamp64Nano({since_ns:Int64}))
        AND (NOT {has_until:Bool} OR Timestamp < fromUnixTimestamp64Nano({until_ns:Int64}))
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
o_cut AS (
  -- The weighted (1 − top) quantile: the smallest metric whose cumulative weight, in (metric,
  -- weight) order, reaches (1 − top) of the total; events above it are selected, ties stay in the
  -- baseline. With it, the scales that keep Σw² and Σw·metric exact (a power of two that keeps
  -- n of the largest below 1e37).
  SELECT arraySort(groupArray((o_metric, o_w))) AS o_mw,
         arrayCumSum(arrayMap(x -> x.2, o_mw)) AS o_cw,
         arrayFirstIndex(x -> x >= (1 - {top:Float64}) * o_cw[-1], o_cw) AS o_ti,
         if(o_ti = 0, NULL, o_mw[o_ti].1) AS o_threshold,
         if(max(o_w * o_w) > 0, pow(2, least(1000, floor(log2(1e37 / (count() * max(o_w * o_w)))))), 1) AS o_s_w2,
         if(max(abs(o_w * o_metric)) > 0, pow(2, least(1000, floor(log2(1e37 / (count() * max(abs(o_w * o_metric))))))), 1) AS o_s_wm
  FROM o_m
),
o_e AS (
  SELECT o_tid, o_w, o_metric, o_kv, o_metric > (SELECT o_threshold FROM o_cut) AS o_selected,
         (SELECT o_s_w2 FROM o_cut) AS o_sc_w2, (SELECT o_s_wm FROM o_cut) AS o_sc_wm
  FROM o_m
),
o_kv_rows AS (
  -- An event carries key=value when any of its spans does: one row per event and pair.
  SELECT o_tid, o_w, o_metric, o_selected, o_sc_wm, o_pair.1 AS o_key, assumeNotNull(o_pair.2) AS o_value
  FROM o_e ARRAY JOIN o_kv AS o_pair
),
o_vals AS (
  SELECT o_key, o_value, count() AS o_value_events, toFloat64(sum(toInt128(round(o_w * 1e18)))) / 1e18 AS o_vw
  FROM o_kv_rows GROUP BY o_key, o_value
),
o_ranked AS (
  -- A key's values by weighted events, most first, ties by value; past $max_values, '(other)'.
  SELECT o_key AS o_rk, o_value AS o_rv,
         if(row_number() OVER (PARTITION BY o_key ORDER BY o_vw DESC, o_value) <= {max_values:UInt32}, o_value, '(other)') AS o_folded
  FROM o_vals
),
o_folded_rows AS (
  -- Each event once per key and folded value.
  SELECT o_key, o_folded, o_tid, any(o_w) AS o_fw, any(o_metric) AS o_fm, any(o_selected) AS o_fs, any(o_sc_wm) AS o_fsc
  FROM o_kv_rows JOIN o_ranked ON o_ranked.o_rk = o_kv_rows.o_key AND o_ranked.o_rv = o_kv_rows.o_value
  GROUP BY o_key, o_folded, o_tid
),
o_key_events AS (
  SELECT o_key AS o_kk, uniqExact(o_tid) AS o_k_events FROM o_kv_rows GROUP BY o_key
)
SELECT * FROM (
  SELECT toUInt8(0) AS kind, CAST(o_selected, 'Nullable(Bool)') AS selected, '' AS key, '' AS value,
         toFloat64(sum(toInt128(round(o_w * 1e18)))) / 1e18 AS w,
         toFloat64(sum(toInt128(round(o_w * o_w * o_sc_w2)))) / any(o_sc_w2) AS w2,
         toFloat64(sum(toInt128(round(o_w * o_metric * o_sc_wm)))) / any(o_sc_wm) AS wm,
         CAST(max(o_metric), 'Nullable(Float64)') AS max_metric,
         toFloat64(0) AS selected_w, toFloat64(0) AS baseline_w,
         toUInt64(count()) AS events, toUInt64(0) AS n_values, toUInt64(0) AS unique_value_events
  FROM o_e GROUP BY o_selected
  UNION ALL
  SELECT toUInt8(1), CAST(NULL, 'Nullable(Bool)'), o_key, '', toFloat64(0), toFloat64(0), toFloat64(0), CAST(NULL, 'Nullable(Float64)'), toFloat64(0), toFloat64(0),
         toUInt64(any(o_k_events)), toUInt64(count()), toUInt64(countIf(o_value_events = 1))
  FROM o_vals JOIN o_key_events ON o_key_events.o_kk = o_vals.o_key GROUP BY o_key
  UNION ALL
  SELECT toUInt8(2), CAST(NULL, 'Nullable(Bool)'), o_key, o_folded, toFloat64(0), toFloat64(0),
         toFloat64(sum(toInt128(round(o_fw * o_fm * o_fsc)))) / any(o_fsc),
         CAST(NULL, 'Nullable(Float64)'),
         toFloat64(sumIf(toInt128(round(o_fw * 1e18)), o_fs)) / 1e18,
         toFloat64(sumIf(toInt128(round(o_fw * 1e18)), NOT o_fs)) / 1e18,
         toUInt64(count()), toUInt64(0), toUInt64(0)
  FROM o_folded_rows GROUP BY o_key, o_folded
)
ORDER BY kind, selected, key, value

-- name: attribute_keys
-- Every span and resource attribute key in the range, for suggesting one when --keys names a key no event carries (outliers.attribute_keys).
-- params: $db, $tbl, $has_since, $since_ns, $has_until, $until_ns
WITH
o_keys AS (
  SELECT arrayJoin(arrayConcat(mapKeys(SpanAttributes), mapKeys(CAST(ResourceAttributes, 'Map(String, String)')))) AS o_key
  FROM {db:Identifier}.{tbl:Identifier}
  WHERE (NOT {has_since:Bool} OR Timestamp >= fromUnixTimestamp64Nano({since_ns:Int64}))
    AND (NOT {has_until:Bool} OR Timestamp < fromUnixTimestamp64Nano({until_ns:Int64}))
)
SELECT DISTINCT o_key AS key FROM o_keys ORDER BY key
