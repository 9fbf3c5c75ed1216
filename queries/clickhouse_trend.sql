-- `adtrace cost trend` over a ClickHouse source (issue 17): the ClickHouse statements beside
-- queries/clickhouse.sql that answer queries/trend.sql's questions where the spans are, over the
-- same model (clickhouse.costed_spans, put in front as a CTE by src/analysis/clickhouse.ts). They
-- return one row per bucket and group; the baseline band and the drift are computed from those rows
-- in TypeScript (src/analysis/trend.ts), as over files. Sums are exact (scaled by 1e18, added as an
-- Int128), as trend.buckets' adtrace_sum, so a band and a drift never move with the order a
-- cluster's shards add the rows in; the p95s are exact, as trend.event_p95 and trend.span_p95.

-- name: span
-- The events in the range, the first and last event start, and the coarsest unit (ns, µs, ms, s) every event start is a whole number of (trend.span), read off the table: an event starts at its earliest span, and of a span's copies the model keeps the earliest, so the table's earliest row per trace is the model's.
WITH
trend_starts AS (
  SELECT toUnixTimestamp64Nano(min(Timestamp)) AS trend_start
  FROM range_spans
  GROUP BY TraceId
)
SELECT count() AS traces,
       toString(min(trend_start)) AS first_ns, toString(max(trend_start)) AS last_ns,
       multiIf(countIf(trend_start % 1000000000 != 0) = 0, 1000000000,
               countIf(trend_start % 1000000 != 0) = 0, 1000000,
               countIf(trend_start % 1000 != 0) = 0, 1000, 1) AS resolution_ns
FROM trend_starts

-- name: buckets
-- Per time bucket (of $every_ns, by the start of each event, whole) and group (up to three keys, none without --by): the group's events (the traces it occurs in, each by the largest weight of its spans there), its weighted cost, all the bucket's events, and the p95 (without --by the bucket's end-to-end event latency, else the group's span durations; weighted when the weights differ, else interpolated), as trend.buckets, trend.event_p95 and trend.span_p95; each row also carrying the whole input's figures as clickhouse.summary's columns prefixed all_. The model evaluated once: per event and group, per event, then per bucket and group and per bucket, then one row spread back into the groups.
-- params: $every_ns, $k1
WITH
tg AS (
  SELECT trace_id, g1, g2, g3,
    count() AS n_spans,
    sum(toInt128(round(weight * 1e18))) AS s_w,
    sum(toInt128(round(compute_usd * weight * 1e18))) AS s_compute,
    sum(toInt128(round(query_usd * weight * 1e18))) AS s_query,
    sum(toInt128(round(cost_usd * weight * 1e18))) AS s_cost,
    min(weight) AS span_min_w, max(weight) AS span_max_w,
    maxIfOrNull(weight, parent_span_id IS NULL) AS root_w,
    min(start_ns) AS t0, max(start_ns + duration_ns) AS t1,
    -- The spans' durations only with --by: without it the p95 is the events'.
    groupArrayIf((duration_ns, weight), {k1:Nullable(String)} IS NOT NULL) AS dw,
    countIf(unknown_weight) AS n_unknown, countIf(cost_source IN ('explicit', 'split')) AS n_explicit,
    countIf(cost_source = 'derived') AS n_price_book, countIf(is_unpriced) AS n_unpriced, countIf(invalid_cost) AS n_invalid
  FROM grouped_spans GROUP BY trace_id, g1, g2, g3
),
te AS (
  -- Per event: its weight (its root's, else the largest of its spans'), start, end, bucket, and its groups' parts.
  SELECT trace_id,
         coalesce(maxOrNull(root_w), max(span_max_w)) AS w,
         min(t0) AS e0, max(t1) AS e1,
         intDiv(e0, {every_ns:Int64}) * {every_ns:Int64} AS bucket,
         groupArray((g1, g2, g3, span_max_w, s_cost, dw)) AS gs,
         sum(n_spans) AS e_spans, sum(s_w) AS e_w, sum(s_compute) AS e_compute, sum(s_query) AS e_query,
         min(span_min_w) AS e_min_w, max(span_max_w) AS e_max_w,
         sum(n_unknown) AS e_unknown, sum(n_explicit) AS e_explicit, sum(n_price_book) AS e_price_book,
         sum(n_unpriced) AS e_unpriced, sum(n_invalid) AS e_invalid
  FROM tg GROUP BY trace_id
),
kt AS (
  -- Kind 1: a group in a bucket (j > 0: the event's j-th group); kind 2: a bucket (j = 0: the event itself).
  SELECT if(j = 0, 2, 1) AS kind, bucket AS kb,
         if(j = 0, NULL, gs[j].1) AS k1, if(j = 0, NULL, gs[j].2) AS k2, if(j = 0, NULL, gs[j].3) AS k3,
         -- A group's events: each trace by the largest weight of the group's spans there; a bucket's: each by its weight.
         sum(toInt128(round(if(j = 0, w, gs[j].4) * 1e18))) AS s_events,
         sumIf(gs[j].5, j > 0) AS s_cost,
         quantileExactInclusiveArrayIf(0.95)(arrayMap(x -> x.1, gs[j].6), j > 0) AS gq,
         arraySort(groupArrayArrayIf(gs[j].6, j > 0)) AS gdw,
         arrayCumSum(arrayMap(x -> x.2, gdw)) AS gcw,
         gdw[arrayFirstIndex(x -> x >= 0.95 * gcw[-1], gcw)].1 AS gwq,
         groupArrayIf(e1 - e0, j = 0) AS e2e,
         quantileExactInclusiveIf(0.95)(e1 - e0, j = 0) AS eq,
         arraySort(groupArrayIf((e1 - e0, w), j = 0)) AS edw,
         arrayCumSum(arrayMap(x -> x.2, edw)) AS ecw_b,
         edw[arrayFirstIndex(x -> x >= 0.95 * ecw_b[-1], ecw_b)].1 AS ewq,
         -- The whole input's parts, off the events.
         countIf(j = 0) AS b_traces, countIf(j = 0 AND e_min_w != e_max_w) AS b_disagreeing,
         minIf(w, j = 0) AS b_min_ew, maxIf(w, j = 0) AS b_max_ew,
         sumIf(e_spans, j = 0) AS b_spans, sumIf(e_w, j = 0) AS b_w, sumIf(e_compute, j = 0) AS b_compute, sumIf(e_query, j = 0) AS b_query,
         minIf(e_min_w, j = 0) AS b_min_w, maxIf(e_max_w, j = 0) AS b_max_w,
         sumIf(e_unknown, j = 0) AS b_unknown, sumIf(e_explicit, j = 0) AS b_explicit, sumIf(e_price_book, j = 0) AS b_price_book,
         sumIf(e_unpriced, j = 0) AS b_unpriced, sumIf(e_invalid, j = 0) AS b_invalid,
         minIf(e0, j = 0) AS b_first, maxIf(e1, j = 0) AS b_last_end
  FROM te ARRAY JOIN range(toUInt64(length(gs) + 1)) AS j
  GROUP BY kind, kb, k1, k2, k3
),
one AS (
  SELECT toFloat64(sumIf(s_events, kind = 2)) / 1e18 AS events, sumIf(b_traces, kind = 2) AS stored_traces,
         minIf(b_min_ew, kind = 2) != maxIf(b_max_ew, kind = 2) AS weighted_events,
         quantilesExactInclusiveArrayIf(0.5, 0.95, 0.99)(e2e, kind = 2) AS eq_all,
         arraySort(groupArrayArrayIf(edw, kind = 2)) AS ew,
         arrayCumSum(arrayMap(x -> x.2, ew)) AS ecw,
         sumIf(b_disagreeing, kind = 2) AS disagreeing_traces,
         sumIf(b_spans, kind = 2) AS stored_spans, toFloat64(sumIf(b_w, kind = 2)) / 1e18 AS estimated_spans,
         minIf(b_min_w, kind = 2) AS min_weight, maxIf(b_max_w, kind = 2) AS max_weight,
         sumIf(b_unknown, kind = 2) AS unknown_weight_spans, sumIf(b_explicit, kind = 2) AS explicit_spans, sumIf(b_price_book, kind = 2) AS price_book_spans,
         sumIf(b_unpriced, kind = 2) AS unpriced_spans, sumIf(b_invalid, kind = 2) AS invalid_cost_spans,
         toFloat64(sumIf(b_compute, kind = 2)) / 1e18 AS compute_usd, toFloat64(sumIf(b_query, kind = 2)) / 1e18 AS query_usd,
         toString(minIf(b_first, kind = 2)) AS first_start_ns, toString(maxIf(b_last_end, kind = 2)) AS last_end_ns,
         -- Buckets (sorted by start, for a binary search): (start, events, interpolated p95, weighted p95).
         arraySort(groupArrayIf((kb, toFloat64(s_events) / 1e18, eq, ewq), kind = 2)) AS bk,
         arrayMap(x -> x.1, bk) AS bk_starts,
         groupArrayIf((kb, k1, k2, k3, toFloat64(s_events) / 1e18, toFloat64(s_cost) / 1e18, gq, gwq), kind = 1) AS gr
  FROM kt
)
SELECT toString(g.1) AS bucket_ns, g.2 AS g1, g.3 AS g2, g.4 AS g3,
       g.5 AS events, g.6 AS cost_usd,
       one.bk[indexOfAssumeSorted(one.bk_starts, g.1)] AS trend_bucket,
       trend_bucket.2 AS bucket_events,
       -- Weighted on sampled data: the events' weights differ (without --by), the spans' (with it).
       if({k1:Nullable(String)} IS NULL, if(one.weighted_events, trend_bucket.4, trend_bucket.3), if(one.min_weight != one.max_weight, g.8, g.7)) / 1e6 AS p95_ms,
       one.events AS all_events, one.stored_traces AS all_stored_traces, one.weighted_events AS all_weighted_events,
       one.eq_all[1] / 1e6 AS all_e2e_p50_ms, one.eq_all[2] / 1e6 AS all_e2e_p95_ms, one.eq_all[3] / 1e6 AS all_e2e_p99_ms,
       one.ew[arrayFirstIndex(x -> x >= 0.5 * one.ecw[-1], one.ecw)].1 / 1e6 AS all_e2e_weighted_p50_ms,
       one.ew[arrayFirstIndex(x -> x >= 0.95 * one.ecw[-1], one.ecw)].1 / 1e6 AS all_e2e_weighted_p95_ms,
       one.ew[arrayFirstIndex(x -> x >= 0.99 * one.ecw[-1], one.ecw)].1 / 1e6 AS all_e2e_weighted_p99_ms,
       one.disagreeing_traces AS all_disagreeing_traces, one.stored_spans AS all_stored_spans, one.estimated_spans AS all_estimated_spans,
       one.min_weight AS all_min_weight, one.max_weight AS all_max_weight, one.unknown_weight_spans AS all_unknown_weight_spans,
       one.explicit_spans AS all_explicit_spans, one.price_book_spans AS all_price_book_spans, one.unpriced_spans AS all_unpriced_spans,
       one.invalid_cost_spans AS all_invalid_cost_spans, one.compute_usd AS all_compute_usd, one.query_usd AS all_query_usd,
       one.first_start_ns AS all_first_start_ns, one.last_end_ns AS all_last_end_ns
FROM one ARRAY JOIN one.gr AS g
ORDER BY g.1, g1, g2, g3

-- name: attribute_keys
-- Every span attribute key in the range (outliers.attribute_keys, for a mistyped --by attr:KEY), read only when every group of such a key came out '(none)'.
WITH
trend_keys AS (SELECT DISTINCT arrayJoin(mapKeys(attributes)) AS trend_key FROM costed_spans)
SELECT trend_key AS key FROM trend_keys ORDER BY key
