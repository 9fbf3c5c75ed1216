-- Fragments of the ClickHouse SQL (issue 17): each a named CTE written once and spliced by
-- src/db/clickhouse-fragments.ts into every statement of queries/clickhouse*.sql that reads it by
-- name, just before the first of the statement's own CTEs (or its final SELECT) that does. So a
-- fragment may read costed_spans (always first), the fragments it names (spliced before it) and the
-- CTEs a statement defines before that point (whole_input reads the statement's kt). Fragments are
-- SQL text from the repo; values stay typed parameters, declared by the fragment that binds them.

-- name: range_spans
-- The table's rows in the range: --since and --until bound Timestamp (the model's own span source, clickhouse.costed_spans, reads the same rows).
-- params: $db, $tbl, $has_since, $since_ns, $has_until, $until_ns
SELECT *
FROM {db:Identifier}.{tbl:Identifier}
WHERE (NOT {has_since:Bool} OR Timestamp >= fromUnixTimestamp64Nano({since_ns:Int64}))
  AND (NOT {has_until:Bool} OR Timestamp < fromUnixTimestamp64Nano({until_ns:Int64}))

-- name: range_trace_count
-- How many events (distinct trace ids) the range holds, in one row (traces).
SELECT uniqExact(TraceId) AS traces FROM range_spans

-- name: sample_traces
-- A bounded, deterministic sample of whole events (chosen_id): every event of the range when there are at most $limit, else the $limit whose trace-id key u is largest (ties: the smaller trace id), u = the first 53 bits of MD5(trace id), as savings.latency_spans keys its sample.
-- params: $limit
SELECT TraceId AS chosen_id
FROM range_spans
GROUP BY TraceId
ORDER BY bitShiftRight(reinterpretAsUInt64(reverse(substring(MD5(TraceId), 1, 8))), 11) DESC, TraceId
LIMIT {limit:UInt64}

-- name: grouped_spans
-- The model per span with its group keys g1, g2, g3 (breakdown's and diff's): $k1..$k3 each 'stage', 'name', 'service' or 'attr' (the attribute $a1..$a3, '(none)' where a span lacks it), NULL for a key not used.
-- params: $k1, $a1, $k2, $a2, $k3, $a3
SELECT *,
  multiIf({k1:Nullable(String)} = 'stage', stage, {k1:Nullable(String)} = 'name', name, {k1:Nullable(String)} = 'service', service,
          {k1:Nullable(String)} = 'attr', coalesce(attributes[coalesce({a1:Nullable(String)}, '')], '(none)'), NULL) AS g1,
  multiIf({k2:Nullable(String)} = 'stage', stage, {k2:Nullable(String)} = 'name', name, {k2:Nullable(String)} = 'service', service,
          {k2:Nullable(String)} = 'attr', coalesce(attributes[coalesce({a2:Nullable(String)}, '')], '(none)'), NULL) AS g2,
  multiIf({k3:Nullable(String)} = 'stage', stage, {k3:Nullable(String)} = 'name', name, {k3:Nullable(String)} = 'service', service,
          {k3:Nullable(String)} = 'attr', coalesce(attributes[coalesce({a3:Nullable(String)}, '')], '(none)'), NULL) AS g3
FROM costed_spans

-- name: whole_input
-- The whole input's figures in one row, as columns prefixed all_ (events and their end-to-end latency, exact and weighted quantiles; spans, weights, cost sources, totals, time range, stages: cost.totals, cost.weight_summary, cost.cost_sources), from the statement's kt, whose kind-2 rows are its events (w, t0, t1, n_spans, s_w, s_compute, s_query, min_w, max_w, n_unknown, n_explicit, n_price_book, n_unpriced, n_invalid, stage_list); each kt row's item (an array of the statement's own group rows, [] on an event) gathered in items, so a statement reads its kt, and the model, once.
SELECT toFloat64(sumIf(toInt128(round(w * 1e18)), kind = 2)) / 1e18 AS all_events, countIf(kind = 2) AS all_stored_traces,
       minIf(w, kind = 2) != maxIf(w, kind = 2) AS all_weighted_events,
       quantilesExactInclusiveIf(0.5, 0.95, 0.99)(t1 - t0, kind = 2) AS eq,
       eq[1] / 1e6 AS all_e2e_p50_ms, eq[2] / 1e6 AS all_e2e_p95_ms, eq[3] / 1e6 AS all_e2e_p99_ms,
       -- Sampled events (weights that differ): the smallest duration whose cumulative weight, in (duration, weight) order, reaches q of all.
       arraySort(groupArrayIf((t1 - t0, w), kind = 2)) AS ew,
       arrayCumSum(arrayMap(x -> x.2, ew)) AS ecw,
       ew[arrayFirstIndex(x -> x >= 0.5 * ecw[-1], ecw)].1 / 1e6 AS all_e2e_weighted_p50_ms,
       ew[arrayFirstIndex(x -> x >= 0.95 * ecw[-1], ecw)].1 / 1e6 AS all_e2e_weighted_p95_ms,
       ew[arrayFirstIndex(x -> x >= 0.99 * ecw[-1], ecw)].1 / 1e6 AS all_e2e_weighted_p99_ms,
       countIf(kind = 2 AND min_w != max_w) AS all_disagreeing_traces,
       sumIf(n_spans, kind = 2) AS all_stored_spans, toFloat64(sumIf(s_w, kind = 2)) / 1e18 AS all_estimated_spans,
       minIf(min_w, kind = 2) AS all_min_weight, maxIf(max_w, kind = 2) AS all_max_weight,
       sumIf(n_unknown, kind = 2) AS all_unknown_weight_spans, sumIf(n_explicit, kind = 2) AS all_explicit_spans,
       sumIf(n_price_book, kind = 2) AS all_price_book_spans, sumIf(n_unpriced, kind = 2) AS all_unpriced_spans,
       sumIf(n_invalid, kind = 2) AS all_invalid_cost_spans,
       toFloat64(sumIf(s_compute, kind = 2)) / 1e18 AS all_compute_usd, toFloat64(sumIf(s_query, kind = 2)) / 1e18 AS all_query_usd,
       toFloat64(sumIf(s_compute + s_query, kind = 2)) / 1e18 AS all_cost_usd,
       toString(minIf(t0, kind = 2)) AS all_first_start_ns, toString(maxIf(t1, kind = 2)) AS all_last_end_ns,
       arraySort(groupUniqArrayArrayIf(stage_list, kind = 2)) AS all_stages,
       groupArrayArray(item) AS items
FROM kt

-- name: fingerprinted_spans
-- The model per span with its statement as a fingerprint (query: model.sql’s adtrace_fingerprint, the same RE2 patterns, '(no query text)' without one) and uncommented (adtrace_uncommented, to tell repeated statements apart), on warehouse spans; NULL on the others. Read by clickhouse.queries and clickhouse.flags.
SELECT *,
         -- The dialect’s quoting (model.sql’s adtrace_quoting): dq, bs or std.
         multiIf(replaceRegexpAll(lower(warehouse), '^(gcp|aws|azure)\\.', '') IN ('bigquery', 'mysql', 'mariadb', 'databricks', 'spark', 'hive'), 'dq',
                 replaceRegexpAll(lower(warehouse), '^(gcp|aws|azure)\\.', '') IN ('snowflake', 'clickhouse', 'redshift'), 'bs', 'std') AS quoting,
         -- Comments go, strings stay whole (adtrace_strip_comments).
         multiIf(quoting = 'dq', replaceRegexpAll(statement, '(''''''(?s:.*?)(?:''''''|$)|"""(?s:.*?)(?:"""|$)|''(?:[^''\\\\]|\\\\(?s:.)|'''')*(?:''|$)|"(?:[^"\\\\]|\\\\(?s:.)|"")*(?:"|$))|--[^\\n]*|/\\*(?s:.*?)(?:\\*/|$)|#[^\\n]*', '\\1'),
                 quoting = 'bs', replaceRegexpAll(statement, '(''(?:[^''\\\\]|\\\\(?s:.)|'''')*(?:''|$)|"(?:[^"]|"")*(?:"|$)|\\$(?:[A-Za-z_][A-Za-z0-9_]*)?\\$(?s:.*?)(?:\\$(?:[A-Za-z_][A-Za-z0-9_]*)?\\$|$))|--[^\\n]*|/\\*(?s:.*?)(?:\\*/|$)', '\\1'),
                 replaceRegexpAll(statement, '(\\b[Ee]''(?:[^''\\\\]|\\\\(?s:.)|'''')*(?:''|$)|''(?:[^'']|'''')*(?:''|$)|"(?:[^"]|"")*(?:"|$)|\\$(?:[A-Za-z_][A-Za-z0-9_]*)?\\$(?s:.*?)(?:\\$(?:[A-Za-z_][A-Za-z0-9_]*)?\\$|$))|--[^\\n]*|/\\*(?s:.*?)(?:\\*/|$)', '\\1')) AS uncommented0,
         -- Then the literals, numbers, whitespace, IN lists and VALUES rows (adtrace_fingerprint).
         multiIf(quoting = 'dq', replaceRegexpAll(uncommented0, '(?:\\b(?:[EeNnBbXxRr]|[RrBb]{2}))?(?:''''''(?s:.*?)(?:''''''|$)|"""(?s:.*?)(?:"""|$)|''(?:[^''\\\\]|\\\\(?s:.)|'''')*(?:''|$)|"(?:[^"\\\\]|\\\\(?s:.)|"")*(?:"|$))', '?'),
                 quoting = 'bs', replaceRegexpAll(uncommented0, '(?:\\b(?:[EeNnBbXxRr]|[RrBb]{2}))?(?:''(?:[^''\\\\]|\\\\(?s:.)|'''')*(?:''|$)|\\$(?:[A-Za-z_][A-Za-z0-9_]*)?\\$(?s:.*?)(?:\\$(?:[A-Za-z_][A-Za-z0-9_]*)?\\$|$))', '?'),
                 replaceRegexpAll(uncommented0, '\\b[Ee]''(?:[^''\\\\]|\\\\(?s:.)|'''')*(?:''|$)|(?:\\b(?:[EeNnBbXxRr]|[RrBb]{2}))?(?:''(?:[^'']|'''')*(?:''|$)|\\$(?:[A-Za-z_][A-Za-z0-9_]*)?\\$(?s:.*?)(?:\\$(?:[A-Za-z_][A-Za-z0-9_]*)?\\$|$))', '?')) AS literals0,
       if(warehouse IS NULL, NULL, coalesce(if(statement IS NOT NULL, trimBoth(
      replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(literals0,
        '(^|[^A-Za-z0-9_.\\"$])(?:0[xX][0-9A-Fa-f]+|[0-9]+(?:\\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|\\.[0-9]+(?:[eE][-+]?[0-9]+)?)', '\\1?'),
        '\\s+', ' '),
        '(?i)\\bIN\\s*\\(\\s*\\?(?:\\s*,\\s*\\?)*\\s*\\)', 'IN (?)'),
        '(?i)\\bVALUES\\s*(?:\\(\\s*\\?(?:\\s*,\\s*\\?)*\\s*\\)\\s*,?\\s*)+', 'VALUES (…)')), NULL), '(no query text)')) AS query,
       if(statement IS NULL, NULL, trimBoth(replaceRegexpAll(uncommented0, '\\s+', ' '))) AS uncommented
FROM costed_spans
