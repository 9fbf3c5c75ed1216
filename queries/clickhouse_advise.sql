-- `adtrace sampling advise` over a ClickHouse source (issue 17): what queries/advise.sql asks,
-- answered where the spans are, over the same model (clickhouse.costed_spans, put in front as a CTE
-- by src/analysis/clickhouse.ts). The cost moments are aggregates (one row per group); the p95 is
-- resampled locally (src/analysis/advise.ts) from at most $limit events' weight and end-to-end
-- duration; the span size is one row. Sums are exact (scaled, added as Int128). Aliases here start
-- with a_, l_ or v_: ClickHouse sees an alias across the whole statement, the model's CTEs
-- included; window functions, not CTEs read twice, so the model is evaluated once a statement.

-- name: cost_moments
-- Per group of one --by key ($k1 stage, name, service or attr, $a1 the attribute) and for the whole (g1 NULL): cost per event R = Σw·c ÷ Σw over ALL events (an event without the group costs 0 there) and A = Σw²(c−R)², B = Σw(c−R)², with the events (n) and their weight (sw), as advise.cost_moments.
-- params: $k1, $a1
WITH
a_tg AS (
  SELECT trace_id AS a_tid,
         multiIf({k1:String} = 'stage', stage, {k1:String} = 'name', name, {k1:String} = 'service', service,
                 coalesce(attributes[coalesce({a1:Nullable(String)}, '')], '(none)')) AS a_g,
         sum(toInt128(round(cost_usd * weight * 1e18))) AS a_s_wc,
         max(weight) AS a_span_max_w, maxIfOrNull(weight, parent_span_id IS NULL) AS a_root_w
  FROM costed_spans GROUP BY trace_id, a_g
),
a_ev AS (
  -- An event's weight (its root's, else the largest of its spans'), its cost c and each group's weighted cost in it.
  SELECT a_tid, coalesce(maxOrNull(a_root_w), max(a_span_max_w)) AS a_w,
         toFloat64(sum(a_s_wc)) / 1e18 / a_w AS a_c,
         groupArray((a_g, toFloat64(a_s_wc) / 1e18)) AS a_gs
  FROM a_tg GROUP BY a_tid
),
a_all AS (
  SELECT *, count() OVER () AS a_n,
         toFloat64(sum(toInt128(round(a_w * 1e18))) OVER ()) / 1e18 AS a_sw,
         toFloat64(sum(toInt128(round(a_w * a_c * 1e18))) OVER ()) / 1e18 AS a_swc,
         if(max(a_w * a_w) OVER () > 0, pow(2, least(1000, floor(log2(1e37 / (count() OVER () * max(a_w * a_w) OVER ()))))), 1) AS a_sc_w2
  FROM a_ev
),
a_rows AS (
  -- Kind 0: each event with its cost; kind 1: each event and group present in it, with the group's cost per event there.
  SELECT a_tid, a_w, a_n, a_sw, a_swc / a_sw AS a_r0, a_sc_w2, a_p.1 AS a_kind, a_p.2 AS a_grp, a_p.3 AS a_x, a_p.4 AS a_wc
  FROM a_all ARRAY JOIN arrayConcat([(toUInt8(0), '', a_c, toFloat64(0))], arrayMap(g -> (toUInt8(1), g.1, g.2 / a_w, g.2), a_gs)) AS a_p
),
a_centred AS (
  -- R: the whole's, or the group's Σ weighted cost ÷ all events' weight.
  SELECT *, if(a_kind = 0, a_r0, toFloat64(sum(toInt128(round(a_wc * 1e18))) OVER (PARTITION BY a_kind, a_grp)) / 1e18 / a_sw) AS a_r
  FROM a_rows
),
a_dev AS (
  SELECT *, a_w * a_w * ((a_x - a_r) * (a_x - a_r)) AS a_ta, a_w * ((a_x - a_r) * (a_x - a_r)) AS a_tb FROM a_centred
),
a_scaled AS (
  SELECT *,
         if(max(a_ta) OVER q > 0, pow(2, least(1000, floor(log2(1e37 / (count() OVER q * max(a_ta) OVER q))))), 1) AS a_sc_a,
         if(max(a_tb) OVER q > 0, pow(2, least(1000, floor(log2(1e37 / (count() OVER q * max(a_tb) OVER q))))), 1) AS a_sc_b
  FROM a_dev WINDOW q AS (PARTITION BY a_kind, a_grp)
),
a_sums AS (
  SELECT a_kind, a_grp, any(a_r) AS a_rr, any(a_n) AS a_nn, any(a_sw) AS a_all_w,
         toFloat64(sum(toInt128(round(a_ta * a_sc_a)))) / any(a_sc_a) AS a_in,
         toFloat64(sum(toInt128(round(a_tb * a_sc_b)))) / any(a_sc_b) AS b_in,
         toFloat64(sum(toInt128(round(a_w * a_w * a_sc_w2)))) / any(a_sc_w2) AS a_sw2_in,
         toFloat64(sum(toInt128(round(a_w * 1e18)))) / 1e18 AS a_sw_in
  FROM a_scaled GROUP BY a_kind, a_grp
),
a_whole AS (
  SELECT *, anyIf(a_sw2_in, a_kind = 0) OVER () AS a_sw2 FROM a_sums
)
-- Events where a group is absent (c = 0 there) add w²R² and wR² each, summed at once. (Output names
-- prefixed too: the model's lambdas read a, b and r.)
SELECT if(a_kind = 0, NULL, a_grp) AS a_out_group, a_rr AS a_out_r,
       if(a_kind = 0, a_in, a_in + a_rr * a_rr * (a_sw2 - a_sw2_in)) AS a_out_a,
       if(a_kind = 0, b_in, b_in + a_rr * a_rr * (a_all_w - a_sw_in)) AS a_out_b,
       a_nn AS a_out_n, a_all_w AS a_out_sw
FROM a_whole
ORDER BY a_kind, a_grp

-- name: event_latencies
-- End-to-end duration and weight of up to $limit events, sorted by (duration, weight, trace id), for resampling the p95 (advise.event_latencies): every event when there are at most $limit, else the $limit whose trace-id key (the first 53 bits of MD5(trace id), as clickhouse.sample_spans) is largest; each row with the events in the range.
-- params: $limit
WITH
l_ev AS (
  SELECT trace_id AS l_tid, coalesce(maxIfOrNull(weight, parent_span_id IS NULL), max(weight)) AS l_w,
         max(start_ns + duration_ns) - min(start_ns) AS l_e2e
  FROM costed_spans GROUP BY trace_id
),
l_keyed AS (
  SELECT *, count() OVER () AS l_n,
         row_number() OVER (ORDER BY bitShiftRight(reinterpretAsUInt64(reverse(substring(MD5(l_tid), 1, 8))), 11) DESC, l_tid) AS l_rank
  FROM l_ev
)
SELECT l_w AS l_out_w, toString(l_e2e) AS l_out_e2e_ns, l_n AS l_out_events
FROM l_keyed WHERE l_rank <= {limit:UInt64}
ORDER BY l_e2e, l_w, l_tid

-- name: span_volume
-- Stored spans and the mean stored size of a span in bytes (advise.span_volume): its ids, names, kind, status, tracestate and the keys and values of its attributes and resource attributes as text, plus 16 for its two timestamps; of each span the copy the model keeps (the least by its tuple).
WITH
v_spans AS (
  SELECT argMin(16 + length(TraceId) + length(SpanId) + length(ParentSpanId) + length(SpanName) + length(ServiceName)
                + length(SpanKind) + length(StatusCode) + length(TraceState)
                + arraySum(arrayMap((k, v) -> length(k) + length(v), mapKeys(SpanAttributes), mapValues(SpanAttributes)))
                + arraySum(arrayMap((k, v) -> length(k) + length(v), mapKeys(ResourceAttributes), mapValues(ResourceAttributes))),
                (Timestamp, Duration, ParentSpanId, SpanName, ServiceName, TraceState, SpanAttributes)) AS v_bytes
  FROM range_spans
  GROUP BY TraceId, SpanId
)
SELECT count() AS v_out_spans, avg(v_bytes) AS v_out_bytes_per_span FROM v_spans
