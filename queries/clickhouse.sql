-- The cost model pushed down to ClickHouse (issue 17): the same question as queries/model.sql and
-- queries/cost.sql, written for ClickHouse, run over the OpenTelemetry Collector’s `otel_traces`
-- table by a server over HTTP or by chDB in-process. Rules, prices and lists are typed query
-- parameters ({name:Type}), bound by the engine; table and database are {…:Identifier}. Globs are
-- turned into anchored RE2 patterns by src/analysis/clickhouse.ts (a value, never SQL text).
-- Every query returns aggregates, one row per group: no span leaves the engine. costed_spans is
-- the per-span model; the others read it as a CTE (src/analysis/clickhouse.ts puts it in front).
-- Sums are exact: each value scaled (1e18 for dollars and weights) and added as an Int128, so no
-- figure depends on the order a cluster’s shards and threads add the rows in.

-- name: costed_spans
-- The model per span (model.sql’s _costed): stage, self time, sampling weight, priced compute and query cost, the cost source; billing records are not joined here.
-- params: $db, $tbl, $has_since, $since_ns, $has_until, $until_ns, $stage_rules, $attr_stage_rules, $stage_rule_attrs, $sampling_rules, $sampling_rule_attrs, $compute_prices, $warehouse_prices, $cost_attrs, $bytes_attrs, $warehouses, $weighted, $assume_weight
WITH
spans AS (
  -- The exporter’s columns as the canonical span: a root’s ParentSpanId is ’’; a missing
  -- attribute is NULL (the map’s values made Nullable), as a DuckDB map lookup gives.
  -- One row per (TraceId, SpanId), as a local load keeps one copy (src/ingest/load.ts): an
  -- exporter’s retry writes identical copies, and any of them is the same span. A table has no
  -- read order to say which copy came first, so of copies that differ the least is kept, by
  -- (Timestamp, Duration, ParentSpanId, SpanName, ServiceName, TraceState, SpanAttributes).
  SELECT trace_id, span_id, nullIf(c.3, '') AS parent_span_id,
         toString(c.4) AS name, toString(c.5) AS service,
         toUnixTimestamp64Nano(c.1) AS start_ns, toInt64(c.2) AS duration_ns,
         CAST(c.7, 'Map(String, Nullable(String))') AS attributes,
         c.6 AS trace_state
  FROM (
    SELECT TraceId AS trace_id, SpanId AS span_id,
           min((Timestamp, Duration, ParentSpanId, SpanName, ServiceName, TraceState, SpanAttributes)) AS c
    FROM {db:Identifier}.{tbl:Identifier}
    WHERE (NOT {has_since:Bool} OR Timestamp >= fromUnixTimestamp64Nano({since_ns:Int64}))
      AND (NOT {has_until:Bool} OR Timestamp < fromUnixTimestamp64Nano({until_ns:Int64}))
    GROUP BY TraceId, SpanId
  )
),
covered AS (
  -- Self time: the union of the children’s intervals clipped to the parent’s, each child adding
  -- only what lies past every earlier child’s end (model.sql’s _covered).
  SELECT ct, cs, sum(greatest(0, e_ns - greatest(s_ns, coalesce(prev_end, s_ns)))) AS covered_ns
  FROM (
    SELECT ct, cs, s_ns, e_ns,
           max(toNullable(e_ns)) OVER (PARTITION BY ct, cs ORDER BY s_ns, e_ns ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
    FROM (
      SELECT c.trace_id AS ct, c.parent_span_id AS cs,
             greatest(c.start_ns, p.start_ns) AS s_ns,
             least(c.start_ns + c.duration_ns, p.start_ns + p.duration_ns) AS e_ns
      FROM spans AS c INNER JOIN spans AS p ON p.trace_id = c.trace_id AND p.span_id = c.parent_span_id
      WHERE c.span_id != c.parent_span_id
    )
    WHERE e_ns > s_ns
  )
  GROUP BY ct, cs
),
key_stage AS (
  -- Stage rules without attribute conditions, matched once per distinct (name, service): the
  -- rules come sorted by priority, so the first that matches wins.
  SELECT kn, ks,
         arrayFirstIndex(r -> (isNull(r.3) OR match(kn, assumeNotNull(r.3))) AND (isNull(r.4) OR match(ks, assumeNotNull(r.4))),
           {stage_rules:Array(Tuple(UInt32, String, Nullable(String), Nullable(String)))}) AS ki,
         if(ki = 0, NULL, {stage_rules:Array(Tuple(UInt32, String, Nullable(String), Nullable(String)))}[ki].2) AS base_stage,
         if(ki = 0, NULL, {stage_rules:Array(Tuple(UInt32, String, Nullable(String), Nullable(String)))}[ki].1) AS base_priority
  FROM (SELECT DISTINCT name AS kn, service AS ks FROM spans)
),
base AS (
  SELECT s.trace_id AS trace_id, s.span_id AS span_id, s.parent_span_id AS parent_span_id, s.name AS name, s.service AS service,
         s.start_ns AS start_ns, s.duration_ns AS duration_ns, s.attributes AS attributes,
         k.base_stage AS base_stage, k.base_priority AS base_priority,
         -- Sampling: tracestate ot=th:HEX (threshold) or legacy ot=p:N; sampler attributes.
         extract(s.trace_state, '(?:^|,)\\s*ot=([^,]*)') AS ot,
         extract(ot, '(?:^|;)th:([^;]*)') AS th,
         extract(ot, '(?:^|;)p:([^;]*)') AS p,
         toFloat64OrNull(s.attributes['sampleRate']) AS sr_a,
         toFloat64OrNull(s.attributes['SampleRate']) AS sr_b,
         coalesce(if(isFinite(sr_a) AND sr_a >= 1 AND sr_a <= 4611686018427387904, sr_a, NULL),
                  if(isFinite(sr_b) AND sr_b >= 1 AND sr_b <= 4611686018427387904, sr_b, NULL)) AS one_in_n,
         toFloat64OrNull(s.attributes['_sample_rate']) AS dd_raw,
         if(isFinite(dd_raw) AND dd_raw >= 2.168404344971009e-19 AND dd_raw <= 1, dd_raw, NULL) AS dd_rate,
         toFloat64OrNull(s.attributes['sampler.param']) AS jg_raw,
         if(s.attributes['sampler.type'] = 'probabilistic' AND isFinite(jg_raw) AND jg_raw >= 2.168404344971009e-19 AND jg_raw <= 1, jg_raw, NULL) AS jaeger_rate,
         multiIf(
           th != '' AND match(th, '^[0-9a-f]{1,14}$'),
             72057594037927936.0 / (72057594037927936.0 - toFloat64(reinterpretAsUInt64(reverse(unhex(rightPad(th, 14, '0')))))),
           p != '' AND match(p, '^[0-9]{1,2}$') AND toInt32OrZero(p) <= 62, pow(2, toInt32OrZero(p)),
           one_in_n IS NOT NULL, one_in_n,
           dd_rate IS NOT NULL, 1 / dd_rate,
           jaeger_rate IS NOT NULL, 1 / jaeger_rate,
           NULL) AS carried,
         coalesce(th != '' OR p != '' OR s.attributes['sampleRate'] IS NOT NULL OR s.attributes['SampleRate'] IS NOT NULL
           OR s.attributes['_sample_rate'] IS NOT NULL OR s.attributes['sampler.type'] = 'probabilistic', false) AND carried IS NULL AS says_sampled,
         -- The model’s attributes: the config’s cost and bytes lists, first value in range wins.
         lower(coalesce(s.attributes['db.system'], s.attributes['db.system.name'])) AS db_system,
         arrayMap(x -> if(isFinite(x) AND x >= 0 AND x <= 1e9, x, NULL),
           arrayMap(k -> toFloat64OrNull(s.attributes[k]), {cost_attrs:Array(String)})) AS cost_values,
         arrayCount(k -> s.attributes[k] IS NOT NULL, {cost_attrs:Array(String)}) AS cost_texts,
         arrayFirst(x -> x IS NOT NULL, cost_values) AS explicit_usd,
         toFloat64OrNull(s.attributes['cost.compute_usd']) AS scu_raw,
         if(isFinite(scu_raw) AND scu_raw >= 0 AND scu_raw <= 1e9, scu_raw, NULL) AS split_compute_usd,
         s.attributes['cost.compute_usd'] IS NOT NULL AND split_compute_usd IS NULL AS bad_split_compute,
         toFloat64OrNull(s.attributes['cost.query_usd']) AS squ_raw,
         if(isFinite(squ_raw) AND squ_raw >= 0 AND squ_raw <= 1e9, squ_raw, NULL) AS split_query_usd,
         s.attributes['cost.query_usd'] IS NOT NULL AND split_query_usd IS NULL AS bad_split_query,
         (explicit_usd IS NULL AND cost_texts > 0) OR bad_split_compute OR bad_split_query AS invalid_cost,
         coalesce(s.attributes['db.statement'], s.attributes['db.query.text']) AS statement_text,
         arrayFirst(x -> x IS NOT NULL, arrayMap(x -> if(isFinite(x) AND x >= 0 AND x <= 1152921504606846976, x, NULL),
           arrayMap(k -> toFloat64OrNull(s.attributes[k]), {bytes_attrs:Array(String)}))) AS bytes_attr,
         toFloat64OrNull(s.attributes['snowflake.credits_used']) AS cr_a,
         toFloat64OrNull(s.attributes['db.credits_used']) AS cr_b,
         coalesce(if(isFinite(cr_a) AND cr_a >= 0 AND cr_a <= 1e6, cr_a, NULL), if(isFinite(cr_b) AND cr_b >= 0 AND cr_b <= 1e6, cr_b, NULL)) AS credits_attr,
         upper(coalesce(s.attributes['snowflake.warehouse.size'], s.attributes['db.warehouse.size'])) AS size_attr,
         toFloat64OrNull(s.attributes['redshift.rpu_seconds']) AS rs_a,
         toFloat64OrNull(s.attributes['db.rpu_seconds']) AS rs_b,
         coalesce(if(isFinite(rs_a) AND rs_a >= 0 AND rs_a <= 1e9, rs_a, NULL), if(isFinite(rs_b) AND rs_b >= 0 AND rs_b <= 1e9, rs_b, NULL)) AS rpu_seconds_attr,
         toFloat64OrNull(s.attributes['compute.vcpus']) AS vc_a,
         toFloat64OrNull(s.attributes['host.cpu.count']) AS vc_b,
         coalesce(if(isFinite(vc_a) AND vc_a >= 0.001 AND vc_a <= 1e6, vc_a, NULL), if(isFinite(vc_b) AND vc_b >= 0.001 AND vc_b <= 1e6, vc_b, NULL)) AS vcpus_attr
  FROM spans AS s LEFT JOIN key_stage AS k ON k.kn = s.name AND k.ks = s.service
),
trace_weight AS (
  -- Head sampling decides per trace: the root’s rate, else the largest any span carries.
  SELECT trace_id AS tt, coalesce(maxIfOrNull(carried, parent_span_id IS NULL), max(carried)) AS tw
  FROM base WHERE carried IS NOT NULL GROUP BY trace_id
),
enriched AS (
  SELECT b.*, 1 AS one,
         -- Attribute stage rules (rare) per span, only those ranked before the (name, service) rule.
         arrayFirstIndex(r -> (isNull(b.base_priority) OR r.1 < b.base_priority)
             AND (isNull(r.3) OR match(b.name, assumeNotNull(r.3))) AND (isNull(r.4) OR match(b.service, assumeNotNull(r.4)))
             AND r.5 = arrayCount(a -> a.1 = r.1 AND b.attributes[a.2] IS NOT NULL AND match(assumeNotNull(b.attributes[a.2]), a.3),
                                  {stage_rule_attrs:Array(Tuple(UInt32, String, String))}),
           {attr_stage_rules:Array(Tuple(UInt32, String, Nullable(String), Nullable(String), UInt32))}) AS ai,
         coalesce(if(ai = 0, NULL, {attr_stage_rules:Array(Tuple(UInt32, String, Nullable(String), Nullable(String), UInt32))}[ai].2), b.base_stage, 'other') AS stage,
         greatest(0, b.duration_ns - coalesce(cv.covered_ns, 0)) AS self_ns,
         -- Config and --sample-rate rules (rare): 1 / the first matching rule’s rate.
         arrayFirstIndex(r -> (isNull(r.2) OR match(b.name, assumeNotNull(r.2))) AND (isNull(r.3) OR match(b.service, assumeNotNull(r.3)))
             AND r.4 = arrayCount(a -> a.1 = r.1 AND b.attributes[a.2] IS NOT NULL AND match(assumeNotNull(b.attributes[a.2]), a.3),
                                  {sampling_rule_attrs:Array(Tuple(UInt32, String, String))}),
           {sampling_rules:Array(Tuple(UInt32, Nullable(String), Nullable(String), UInt32, Float64))}) AS si,
         if(si = 0, NULL, 1.0 / {sampling_rules:Array(Tuple(UInt32, Nullable(String), Nullable(String), UInt32, Float64))}[si].5) AS rule_weight,
         b.says_sampled AND tw.tw IS NULL AND rule_weight IS NULL AS unknown_weight,
         toFloat64(multiIf(NOT {weighted:Bool}, 1.0,
                           b.says_sampled AND tw.tw IS NULL AND rule_weight IS NULL, {assume_weight:Float64},
                           coalesce(b.carried, tw.tw, rule_weight, 1.0))) AS weight,
         if(has({warehouses:Array(String)}, b.db_system), b.db_system, NULL) AS warehouse
  FROM base AS b
  LEFT JOIN covered AS cv ON cv.ct = b.trace_id AND cv.cs = b.span_id
  LEFT JOIN trace_weight AS tw ON tw.tt = b.trace_id
),
cprices AS (
  SELECT 1 AS ck, c.1 AS c_from, c.2 AS c_vcpu_hour_usd, c.3 AS c_vcpus
  FROM (SELECT arrayJoin({compute_prices:Array(Tuple(Int64, Nullable(Float64), Float64))}) AS c)
),
wprices AS (
  SELECT w.1 AS w_system, w.2 AS w_from, w.3 AS w_credit_usd, w.4 AS w_sizes, w.5 AS w_credits, w.6 AS w_default_size,
         w.7 AS w_tib_usd, w.8 AS w_min_bytes, w.9 AS w_rpu_hour_usd, w.10 AS w_rpus, w.11 AS w_hour_usd
  FROM (SELECT arrayJoin({warehouse_prices:Array(Tuple(String, Int64, Nullable(Float64), Array(String), Array(Float64), String, Nullable(Float64), Float64, Nullable(Float64), Float64, Nullable(Float64)))}) AS w)
),
priced AS (
  -- Each price book holds from its date until the next one (per warehouse): an ASOF join takes
  -- the latest book that starts at or before the span, as model.sql’s [from, to) range join does.
  SELECT f.*,
         f.self_ns / 3.6e12 * coalesce(f.vcpus_attr, cp.c_vcpus) * cp.c_vcpu_hour_usd AS derived_compute_usd,
         indexOf(wp.w_sizes, coalesce(f.size_attr, wp.w_default_size)) AS size_i,
         multiIf(
           f.warehouse IS NULL OR wp.w_system IS NULL, NULL,
           wp.w_credit_usd IS NOT NULL, coalesce(f.credits_attr, if(size_i = 0, NULL, wp.w_credits[size_i]) * f.duration_ns / 3.6e12) * wp.w_credit_usd,
           wp.w_tib_usd IS NOT NULL, if(f.bytes_attr IS NOT NULL, greatest(f.bytes_attr, coalesce(wp.w_min_bytes, 0)) / 1099511627776.0 * wp.w_tib_usd, NULL),
           wp.w_rpu_hour_usd IS NOT NULL, coalesce(f.rpu_seconds_attr, wp.w_rpus * f.duration_ns / 1e9) / 3600.0 * wp.w_rpu_hour_usd,
           wp.w_hour_usd IS NOT NULL, f.duration_ns / 3.6e12 * wp.w_hour_usd,
           NULL) AS derived_query_usd
  FROM enriched AS f
  ASOF LEFT JOIN cprices AS cp ON cp.ck = f.one AND f.start_ns >= cp.c_from
  ASOF LEFT JOIN wprices AS wp ON wp.w_system = f.warehouse AND f.start_ns >= wp.w_from
),
costed AS (
  SELECT p.*,
         multiIf(explicit_usd IS NOT NULL, 'explicit',
                 split_compute_usd IS NOT NULL OR split_query_usd IS NOT NULL, 'split',
                 derived_compute_usd IS NULL, 'none',
                 warehouse IS NOT NULL AND derived_query_usd IS NULL, 'partial',
                 'derived') AS cost_source
  FROM priced AS p
)
SELECT trace_id, span_id, parent_span_id, name, service, start_ns, duration_ns, attributes,
       stage, self_ns, weight, unknown_weight,
       toFloat64(multiIf(cost_source = 'explicit', if(warehouse IS NULL, explicit_usd, 0),
                         cost_source = 'split', if(bad_split_compute, coalesce(derived_compute_usd, 0), coalesce(split_compute_usd, 0)),
                         coalesce(derived_compute_usd, 0))) AS compute_usd,
       toFloat64(multiIf(cost_source = 'explicit', if(warehouse IS NULL, 0, explicit_usd),
                         cost_source = 'split', if(bad_split_query, coalesce(derived_query_usd, 0), coalesce(split_query_usd, 0)),
                         coalesce(derived_query_usd, 0))) AS query_usd,
       compute_usd + query_usd AS cost_usd,
       warehouse,
       toInt64(round(bytes_attr)) AS bytes_scanned,
       if(warehouse IS NOT NULL, statement_text, NULL) AS statement,
       cost_source,
       cost_source IN ('none', 'partial') AS is_unpriced,
       invalid_cost
FROM costed

-- name: summary
-- Whole-input figures in one row: events and their end-to-end latency (exact and weighted quantiles), spans, weights, cost sources, totals, time range (cost.totals, cost.weight_summary, cost.cost_sources).
WITH
ev AS (
  SELECT trace_id,
         coalesce(maxIfOrNull(weight, parent_span_id IS NULL), max(weight)) AS w,
         max(start_ns + duration_ns) - min(start_ns) AS e2e_ns,
         min(weight) != max(weight) AS disagree
  FROM costed_spans GROUP BY trace_id
),
evs AS (
  SELECT toFloat64(sum(toInt128(round(w * 1e18)))) / 1e18 AS events, count() AS stored_traces,
         min(w) != max(w) AS weighted_events,
         quantilesExactInclusive(0.5, 0.95, 0.99)(e2e_ns) AS eq,
         arraySort(groupArray((e2e_ns, w))) AS ew,
         arrayCumSum(arrayMap(x -> x.2, ew)) AS ecw,
         countIf(disagree) AS disagreeing_traces
  FROM ev
),
sp AS (
  SELECT count() AS stored_spans,
         toFloat64(sum(toInt128(round(weight * 1e18)))) / 1e18 AS estimated_spans,
         min(weight) AS min_weight, max(weight) AS max_weight,
         countIf(unknown_weight) AS unknown_weight_spans,
         countIf(cost_source IN ('explicit', 'split')) AS explicit_spans,
         countIf(cost_source = 'derived') AS price_book_spans,
         countIf(is_unpriced) AS unpriced_spans,
         toFloat64(sum(toInt128(round(compute_usd * weight * 1e18)))) / 1e18 AS compute_usd,
         toFloat64(sum(toInt128(round(query_usd * weight * 1e18)))) / 1e18 AS query_usd,
         countIf(invalid_cost) AS invalid_cost_spans,
         toString(min(start_ns)) AS first_start_ns,
         toString(max(start_ns + duration_ns)) AS last_end_ns
  FROM costed_spans
)
SELECT evs.events AS events, evs.stored_traces AS stored_traces, evs.weighted_events AS weighted_events,
       evs.eq[1] / 1e6 AS e2e_p50_ms, evs.eq[2] / 1e6 AS e2e_p95_ms, evs.eq[3] / 1e6 AS e2e_p99_ms,
       evs.ew[arrayFirstIndex(x -> x >= 0.5 * evs.ecw[-1], evs.ecw)].1 / 1e6 AS e2e_weighted_p50_ms,
       evs.ew[arrayFirstIndex(x -> x >= 0.95 * evs.ecw[-1], evs.ecw)].1 / 1e6 AS e2e_weighted_p95_ms,
       evs.ew[arrayFirstIndex(x -> x >= 0.99 * evs.ecw[-1], evs.ecw)].1 / 1e6 AS e2e_weighted_p99_ms,
       evs.disagreeing_traces AS disagreeing_traces,
       sp.*
FROM evs CROSS JOIN sp
SETTINGS join_use_nulls = 1

-- name: breakdown
-- Cost and latency per group (up to three keys: stage, name, service or an attribute), one row per group (cost.breakdown, with cost.weighted_percentiles when $weighted_pct).
-- params: $k1, $a1, $k2, $a2, $k3, $a3, $weighted_pct
WITH
c AS (
  SELECT *,
    multiIf({k1:Nullable(String)} = 'stage', stage, {k1:Nullable(String)} = 'name', name, {k1:Nullable(String)} = 'service', service,
            {k1:Nullable(String)} = 'attr', coalesce(attributes[coalesce({a1:Nullable(String)}, '')], '(none)'), NULL) AS g1,
    multiIf({k2:Nullable(String)} = 'stage', stage, {k2:Nullable(String)} = 'name', name, {k2:Nullable(String)} = 'service', service,
            {k2:Nullable(String)} = 'attr', coalesce(attributes[coalesce({a2:Nullable(String)}, '')], '(none)'), NULL) AS g2,
    multiIf({k3:Nullable(String)} = 'stage', stage, {k3:Nullable(String)} = 'name', name, {k3:Nullable(String)} = 'service', service,
            {k3:Nullable(String)} = 'attr', coalesce(attributes[coalesce({a3:Nullable(String)}, '')], '(none)'), NULL) AS g3
  FROM costed_spans
),
-- A group’s events: the traces it occurs in, each counted by the largest weight of the group’s spans there.
group_events AS (
  SELECT eg1, eg2, eg3, toFloat64(sum(toInt128(round(w * 1e18)))) / 1e18 AS events
  FROM (SELECT g1 AS eg1, g2 AS eg2, g3 AS eg3, trace_id, max(weight) AS w FROM c GROUP BY g1, g2, g3, trace_id)
  GROUP BY eg1, eg2, eg3
),
all_events AS (
  SELECT toFloat64(sum(toInt128(round(w * 1e18)))) / 1e18 AS n
  FROM (SELECT coalesce(maxIfOrNull(weight, parent_span_id IS NULL), max(weight)) AS w FROM costed_spans GROUP BY trace_id)
),
per_group AS (
  SELECT g1, g2, g3,
         toFloat64(sum(toInt128(round(weight * 1e18)))) / 1e18 AS spans,
         toFloat64(sum(toInt128(round(compute_usd * weight * 1e18)))) / 1e18 AS group_compute_usd,
         toFloat64(sum(toInt128(round(query_usd * weight * 1e18)))) / 1e18 AS group_query_usd,
         quantilesExactInclusive(0.5, 0.95, 0.99)(duration_ns) AS dq,
         quantilesExactInclusive(0.5, 0.95)(self_ns) AS sq,
         -- Sampled data: the smallest value whose cumulative weight, in (value, weight) order, reaches q of the group’s.
         arraySort(groupArrayIf((duration_ns, weight), {weighted_pct:Bool})) AS dw,
         arrayCumSum(arrayMap(x -> x.2, dw)) AS dcw,
         arraySort(groupArrayIf((self_ns, weight), {weighted_pct:Bool})) AS sw,
         arrayCumSum(arrayMap(x -> x.2, sw)) AS scw,
         nullIf(arrayStringConcat(arraySort(groupUniqArrayIf(assumeNotNull(warehouse), warehouse IS NOT NULL)), ','), '') AS warehouse_list,
         countIf(is_unpriced) AS unpriced_spans
  FROM c GROUP BY g1, g2, g3
)
SELECT g.g1 AS g1, g.g2 AS g2, g.g3 AS g3,
       g.spans AS spans,
       e.events AS events,
       (g.group_compute_usd + g.group_query_usd) / a.n AS cost_per_event_usd,
       if(e.events > 0, (g.group_compute_usd + g.group_query_usd) / e.events, NULL) AS cost_per_group_event_usd,
       sum(g.group_compute_usd + g.group_query_usd) OVER () AS all_cost_usd,
       if(all_cost_usd > 0, (g.group_compute_usd + g.group_query_usd) / all_cost_usd, 0) AS cost_share,
       g.group_compute_usd / a.n AS compute_per_event_usd,
       g.group_query_usd / a.n AS query_per_event_usd,
       if({weighted_pct:Bool}, g.dw[arrayFirstIndex(x -> x >= 0.5 * g.dcw[-1], g.dcw)].1 / 1e6, g.dq[1] / 1e6) AS p50_ms,
       if({weighted_pct:Bool}, g.dw[arrayFirstIndex(x -> x >= 0.95 * g.dcw[-1], g.dcw)].1 / 1e6, g.dq[2] / 1e6) AS p95_ms,
       if({weighted_pct:Bool}, g.dw[arrayFirstIndex(x -> x >= 0.99 * g.dcw[-1], g.dcw)].1 / 1e6, g.dq[3] / 1e6) AS p99_ms,
       if({weighted_pct:Bool}, g.sw[arrayFirstIndex(x -> x >= 0.5 * g.scw[-1], g.scw)].1 / 1e6, g.sq[1] / 1e6) AS self_p50_ms,
       if({weighted_pct:Bool}, g.sw[arrayFirstIndex(x -> x >= 0.95 * g.scw[-1], g.scw)].1 / 1e6, g.sq[2] / 1e6) AS self_p95_ms,
       g.warehouse_list AS warehouse,
       g.group_compute_usd + g.group_query_usd AS total_cost_usd,
       g.unpriced_spans AS unpriced_spans
FROM per_group AS g
LEFT JOIN group_events AS e ON isNotDistinctFrom(e.eg1, g.g1) AND isNotDistinctFrom(e.eg2, g.g2) AND isNotDistinctFrom(e.eg3, g.g3)
CROSS JOIN all_events AS a
ORDER BY total_cost_usd DESC, g1, g2, g3
SETTINGS join_use_nulls = 1

-- name: queries
-- Warehouse queries by fingerprint (and warehouse, stage): calls, events, cost, bytes and latency, weighted by sampling (cost.queries); fingerprints as model.sql’s adtrace_fingerprint, the same RE2 patterns.
-- params: $weighted_pct
WITH
fq AS (
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
                 replaceRegexpAll(uncommented0, '\\b[Ee]''(?:[^''\\\\]|\\\\(?s:.)|'''')*(?:''|$)|(?:\\b(?:[EeNnBbXxRr]|[RrBb]{2}))?(?:''(?:[^'']|'''')*(?:''|$)|\\$(?:[A-Za-z_][A-Za-z0-9_]*)?\\$(?s:.*?)(?:\\$(?:[A-Za-z_][A-Za-z0-9_]*)?\\$|$))', '?')) AS literals0
  FROM costed_spans WHERE warehouse IS NOT NULL
),
w AS (
  SELECT coalesce(if(statement IS NOT NULL, trimBoth(
    replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(replaceRegexpAll(literals0,
      '(^|[^A-Za-z0-9_.\\"$])(?:0[xX][0-9A-Fa-f]+|[0-9]+(?:\\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|\\.[0-9]+(?:[eE][-+]?[0-9]+)?)', '\\1?'),
      '\\s+', ' '),
      '(?i)\\bIN\\s*\\(\\s*\\?(?:\\s*,\\s*\\?)*\\s*\\)', 'IN (?)'),
      '(?i)\\bVALUES\\s*(?:\\(\\s*\\?(?:\\s*,\\s*\\?)*\\s*\\)\\s*,?\\s*)+', 'VALUES (…)')), NULL), '(no query text)') AS query,
         assumeNotNull(warehouse) AS wh, stage, trace_id, weight, cost_usd, bytes_scanned, duration_ns
  FROM fq
),
all_events AS (
  SELECT toFloat64(sum(toInt128(round(ew * 1e18)))) / 1e18 AS n
  FROM (SELECT coalesce(maxIfOrNull(weight, parent_span_id IS NULL), max(weight)) AS ew FROM costed_spans GROUP BY trace_id)
),
total AS (
  SELECT toFloat64(sum(toInt128(round(compute_usd * weight * 1e18)))) / 1e18 + toFloat64(sum(toInt128(round(query_usd * weight * 1e18)))) / 1e18 AS cost_usd
  FROM costed_spans
),
ev AS (
  SELECT eq, ewh, est, toFloat64(sum(toInt128(round(tw * 1e18)))) / 1e18 AS events
  FROM (SELECT query AS eq, wh AS ewh, stage AS est, trace_id, max(weight) AS tw FROM w GROUP BY query, wh, stage, trace_id)
  GROUP BY eq, ewh, est
),
q AS (
  SELECT query, wh, stage,
         toFloat64(sum(toInt128(round(weight * 1e18)))) / 1e18 AS calls,
         toFloat64(sum(toInt128(round(cost_usd * weight * 1e18)))) / 1e18 AS total_cost_usd,
         toFloat64(sum(toInt128(round(bytes_scanned * weight)))) / (toFloat64(sum(toInt128(round(if(bytes_scanned IS NOT NULL, weight, NULL) * 1e18)))) / 1e18) AS bytes_scanned_per_call,
         quantilesExactInclusive(0.5, 0.95)(duration_ns) AS dq,
         arraySort(groupArrayIf((duration_ns, weight), {weighted_pct:Bool})) AS dw,
         arrayCumSum(arrayMap(x -> x.2, dw)) AS dcw
  FROM w GROUP BY query, wh, stage
)
SELECT q.stage AS stage, q.wh AS warehouse, q.calls AS calls, ev.events AS events,
       q.total_cost_usd / a.n AS cost_per_event_usd,
       if(t.cost_usd > 0, q.total_cost_usd / t.cost_usd, 0) AS cost_share,
       q.total_cost_usd AS total_cost_usd,
       q.bytes_scanned_per_call AS bytes_scanned_per_call,
       if({weighted_pct:Bool}, q.dw[arrayFirstIndex(x -> x >= 0.5 * q.dcw[-1], q.dcw)].1, q.dq[1]) / 1e6 AS p50_ms,
       if({weighted_pct:Bool}, q.dw[arrayFirstIndex(x -> x >= 0.95 * q.dcw[-1], q.dcw)].1, q.dq[2]) / 1e6 AS p95_ms,
       q.query AS query
FROM q
LEFT JOIN ev ON ev.eq = q.query AND ev.ewh = q.wh AND ev.est = q.stage
CROSS JOIN all_events AS a CROSS JOIN total AS t
ORDER BY total_cost_usd DESC, stage, warehouse, query
SETTINGS join_use_nulls = 1

-- name: inspect
-- What the table holds in the range (inspect.summary): spans, traces, roots, orphans (parent not in the trace), services, names, time range; one row.
WITH
s AS (SELECT trace_id, span_id, parent_span_id, name, service, start_ns, duration_ns FROM costed_spans)
SELECT count() AS spans,
       uniqExact(trace_id) AS traces,
       countIf(parent_span_id IS NULL) AS roots,
       countIf(parent_span_id IS NOT NULL AND (trace_id, assumeNotNull(parent_span_id)) NOT IN (SELECT trace_id, span_id FROM s)) AS orphans,
       uniqExact(service) AS services,
       uniqExact(name) AS names,
       if(count() = 0, NULL, toString(min(start_ns))) AS first_start_ns,
       if(count() = 0, NULL, toString(max(start_ns + duration_ns))) AS last_end_ns
FROM s

-- name: inspect_services
-- Spans and traces per service, most spans first (inspect.services).
-- params: $limit
WITH
s AS (SELECT trace_id, service FROM costed_spans)
SELECT service, count() AS spans, uniqExact(trace_id) AS traces
FROM s GROUP BY service ORDER BY spans DESC, service LIMIT {limit:UInt32}

-- name: inspect_cyclic
-- Spans on a parent cycle or their own parent (inspect.cycle_candidates … cyclic_count): per trace, each span's parent as an index (0: none, a root or an orphan), then pointer doubling 32 times, so every span's ancestor is 2^32 steps up, past any chain into a cycle; the spans on cycles are the distinct ancestors that are not 0.
WITH
u AS (SELECT trace_id, span_id, any(parent_span_id) AS parent FROM costed_spans GROUP BY trace_id, span_id),
j0 AS (
  -- Pairs in one array (groupArray skips NULLs, so a separate array of parents would not line up).
  SELECT trace_id, arrayMap(t -> if(isNull(t.2), 0, indexOf(ids, assumeNotNull(t.2))), sp) AS a
  FROM (SELECT trace_id, groupArray((span_id, parent)) AS sp, arrayMap(t -> t.1, sp) AS ids FROM u GROUP BY trace_id)
),
j1 AS (SELECT trace_id, arrayMap(x -> if(x = 0, 0, a[x]), a) AS a FROM j0),
j2 AS (SELECT trace_id, arrayMap(x -> if(x = 0, 0, a[x]), a) AS a FROM j1),
j3 AS (SELECT trace_id, arrayMap(x -> if(x = 0, 0, a[x]), a) AS a FROM j2),
j4 AS (SELECT trace_id, arrayMap(x -> if(x = 0, 0, a[x]), a) AS a FROM j3),
j5 AS (SELECT trace_id, arrayMap(x -> if(x = 0, 0, a[x]), a) AS a FROM j4),
j6 AS (SELECT trace_id, arrayMap(x -> if(x = 0, 0, a[x]), a) AS a FROM j5),
j7 AS (SELECT trace_id, arrayMap(x -> if(x = 0, 0, a[x]), a) AS a FROM j6),
j8 AS (SELECT trace_id, arrayMap(x -> if(x = 0, 0, a[x]), a) AS a FROM j7),
j9 AS (SELECT trace_id, arrayMap(x -> if(x = 0, 0, a[x]), a) AS a FROM j8),
j10 AS (SELECT trace_id, arrayMap(x -> if(x = 0, 0, a[x]), a) AS a FROM j9),
j11 AS (SELECT trace_id, arrayMap(x -> if(x = 0, 0, a[x]), a) AS a FROM j10),
j12 AS (SELECT trace_id, arrayMap(x -> if(x = 0, 0, a[x]), a) AS a FROM j11),
j13 AS (SELECT trace_id, arrayMap(x -> if(x = 0, 0, a[x]), a) AS a FROM j12),
j14 AS (SELECT trace_id, arrayMap(x -> if(x = 0, 0, a[x]), a) AS a FROM j13),
j15 AS (SELECT trace_id, arrayMap(x -> if(x = 0, 0, a[x]), a) AS a FROM j14),
j16 AS (SELECT trace_id, arrayMap(x -> if(x = 0, 0, a[x]), a) AS a FROM j15),
j17 AS (SELECT trace_id, arrayMap(x -> if(x = 0, 0, a[x]), a) AS a FROM j16),
j18 AS (SELECT trace_id, arrayMap(x -> if(x = 0, 0, a[x]), a) AS a FROM j17),
j19 AS (SELECT trace_id, arrayMap(x -> if(x = 0, 0, a[x]), a) AS a FROM j18),
j20 AS (SELECT trace_id, arrayMap(x -> if(x = 0, 0, a[x]), a) AS a FROM j19),
j21 AS (SELECT trace_id, arrayMap(x -> if(x = 0, 0, a[x]), a) AS a FROM j20),
j22 AS (SELECT trace_id, arrayMap(x -> if(x = 0, 0, a[x]), a) AS a FROM j21),
j23 AS (SELECT trace_id, arrayMap(x -> if(x = 0, 0, a[x]), a) AS a FROM j22),
j24 AS (SELECT trace_id, arrayMap(x -> if(x = 0, 0, a[x]), a) AS a FROM j23),
j25 AS (SELECT trace_id, arrayMap(x -> if(x = 0, 0, a[x]), a) AS a FROM j24),
j26 AS (SELECT trace_id, arrayMap(x -> if(x = 0, 0, a[x]), a) AS a FROM j25),
j27 AS (SELECT trace_id, arrayMap(x -> if(x = 0, 0, a[x]), a) AS a FROM j26),
j28 AS (SELECT trace_id, arrayMap(x -> if(x = 0, 0, a[x]), a) AS a FROM j27),
j29 AS (SELECT trace_id, arrayMap(x -> if(x = 0, 0, a[x]), a) AS a FROM j28),
j30 AS (SELECT trace_id, arrayMap(x -> if(x = 0, 0, a[x]), a) AS a FROM j29),
j31 AS (SELECT trace_id, arrayMap(x -> if(x = 0, 0, a[x]), a) AS a FROM j30),
j32 AS (SELECT trace_id, arrayMap(x -> if(x = 0, 0, a[x]), a) AS a FROM j31)
SELECT toUInt64(sum(length(arrayDistinct(arrayFilter(x -> x != 0, a))))) AS cyclic FROM j32
