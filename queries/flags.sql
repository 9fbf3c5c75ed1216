-- name: stage_profile
-- Per stage: cost share, warehouse query share, bytes and warehouse calls per event, its costliest query fingerprint with its stored calls and distinct raw statements.
-- Sums are exact (adtrace_sum) and ties are broken by name, so the thresholds and the top query
-- are the same whatever order DuckDB's threads add the spans in.
WITH all_events AS (SELECT adtrace_sum(w, 1e18) AS n FROM event_weights),
st AS (
  SELECT stage,
         adtrace_sum(compute_usd * weight, 1e18) + adtrace_sum(query_usd * weight, 1e18) AS cost_usd,
         adtrace_sum(query_usd * weight, 1e18) AS query_usd,
         adtrace_sum(COALESCE(bytes_scanned, 0) * weight, 1) AS bytes,
         string_agg(DISTINCT warehouse, ',' ORDER BY warehouse) AS warehouse
  FROM costed_spans GROUP BY stage
),
-- As the breakdown's: the stages' costs added in the stages' order.
total AS (SELECT sum(cost_usd ORDER BY stage) AS cost_usd FROM st),
fq AS (
  -- Stored calls and distinct raw statements per fingerprint tell a repeated lookup (a cache
  -- hits) from one whose literals change per call (it does not).
  -- A stored model has both computed (query_fingerprint, statement_hash); a session computes them here.
  SELECT stage, COALESCE(query_fingerprint, adtrace_fingerprint(statement, warehouse), '(no query text)') AS fingerprint,
         adtrace_sum(cost_usd * weight, 1e18) AS cost_usd, adtrace_sum(weight, 1e18) AS calls, count(*) AS stored_calls,
         count(DISTINCT COALESCE(statement_hash, hash(adtrace_uncommented(statement, warehouse)))) FILTER (WHERE statement IS NOT NULL) AS statements
  FROM costed_spans WHERE warehouse IS NOT NULL GROUP BY ALL
),
tq AS (
  -- Of fingerprints that cost the same, the one that sorts last is the top query.
  SELECT stage, arg_max(fingerprint, (cost_usd, fingerprint)) AS top_query, max(cost_usd) AS top_cost_usd,
         arg_max(stored_calls, (cost_usd, fingerprint)) AS top_stored_calls, arg_max(statements, (cost_usd, fingerprint)) AS top_statements,
         count(*) AS fingerprints, sum(calls ORDER BY fingerprint) AS calls
  FROM fq GROUP BY stage
)
SELECT st.stage,
       CASE WHEN t.cost_usd > 0 THEN st.cost_usd / t.cost_usd ELSE 0 END AS cost_share,
       st.cost_usd / a.n AS cost_per_event_usd,
       st.query_usd / a.n AS query_per_event_usd,
       CASE WHEN st.cost_usd > 0 THEN st.query_usd / st.cost_usd ELSE 0 END AS warehouse_cost_share,
       st.warehouse,
       tq.top_query,
       CASE WHEN st.cost_usd > 0 THEN tq.top_cost_usd / st.cost_usd END AS top_query_cost_share,
       st.bytes / a.n AS bytes_per_event,
       COALESCE(tq.calls, 0) / a.n AS warehouse_calls_per_event,
       COALESCE(tq.fingerprints, 0) AS fingerprints,
       COALESCE(tq.top_stored_calls, 0) AS top_query_calls,
       COALESCE(tq.top_statements, 0) AS top_query_statements
FROM st LEFT JOIN tq ON tq.stage = st.stage CROSS JOIN all_events a CROSS JOIN total t
ORDER BY st.cost_usd DESC, st.stage;
