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
traces AS (
  -- Everything the model joins stays inside one trace (a span with its parent, a span with its
  -- trace’s weight), so the spans are gathered once per trace, with no join over the whole table:
  -- one aggregation by TraceId, which a server spills to disk by buckets of traces under
  -- max_bytes_before_external_group_by (src/db/clickhouse.ts), then arrays within each trace.
  -- One row per (TraceId, SpanId), as a local load keeps one copy (src/ingest/load.ts): an
  -- exporter’s retry writes identical copies, and any of them is the same span. A table has no
  -- read order to say which copy came first, so of copies that differ the least is kept, by
  -- (Timestamp, Duration, ParentSpanId, SpanName, ServiceName, TraceState, SpanAttributes): the
  -- rows sorted by SpanId and that tuple, the first of each SpanId.
  -- Each step below is a subquery of its own, with one new array per step: ClickHouse's analyzer
  -- copies an alias's whole expression wherever the alias is used, so aliases built on aliases
  -- in one SELECT make a query tree that grows with every use (the breakdown's took seconds of
  -- server CPU to plan, whatever the data); a subquery's columns are used as columns. The steps
  -- run from the innermost SELECT outwards: each span's row and sampling rate, the rows gathered
  -- per trace, then st and the trace's weight (tw), en and pix, ends, open, by_parent, covered.
  -- Self time (model.sql’s _covered): the union of the children’s intervals clipped to the
  -- parent’s, by a sweep over their ends sorted by (parent, time): the open count after each
  -- end, and the time to the next end of the same parent wherever the count is above 0.
  SELECT trace_id, rows, tw,
         arrayMap(i -> if(indexOfAssumeSorted(by_parent.1, i) = 0, 0, by_parent.2[indexOfAssumeSorted(by_parent.1, i)]), arrayEnumerate(rows)) AS covered
  FROM (
  SELECT trace_id, rows, tw,
         arrayReduce('sumMap', [arrayMap(x -> x.1, ends)],
           [arrayMap((x, o, i) -> if(i < length(ends) AND ends[i + 1].1 = x.1 AND o > 0, ends[i + 1].2 - x.2, 0), ends, open, arrayEnumerate(ends))]) AS by_parent
  FROM (
  SELECT trace_id, rows, tw, ends, arrayCumSum(arrayMap(x -> toInt64(x.3), ends)) AS open
  FROM (
  SELECT trace_id, rows, tw,
         arraySort(arrayFlatten(arrayMap((j, s, e) -> if(j = 0 OR least(e, en[j]) <= greatest(s, st[j]), [],
                                                         [(j, greatest(s, st[j]), 1), (j, least(e, en[j]), -1)]), pix, st, en))) AS ends
  FROM (
  SELECT trace_id, rows, tw, st,
         arrayMap((r, s) -> s + toInt64(r.3), rows, st) AS en,
         -- Each span’s parent as its index in rows (sorted by SpanId), 0 for a root, an orphan or its own parent.
         arrayMap(r -> if(r.4 = '' OR r.4 = r.1, 0, indexOfAssumeSorted(arrayMap(x -> x.1, rows), r.4)), rows) AS pix
  FROM (
  SELECT trace_id, rows,
         arrayMap(r -> toUnixTimestamp64Nano(r.2), rows) AS st,
         -- Head sampling decides per trace: the root’s rate, else the largest any span carries.
         arrayFilter(x -> x IS NOT NULL, arrayMap(r -> r.9, rows)) AS all_rates,
         arrayFilter(x -> x IS NOT NULL, arrayMap(r -> if(r.4 = '', r.9, NULL), rows)) AS root_rates,
         if(empty(all_rates), NULL, coalesce(if(empty(root_rates), NULL, arrayMax(root_rates)), arrayMax(all_rates))) AS tw
  FROM (
    SELECT trace_id, arrayFilter((r, i) -> i = 1 OR r.1 != sorted[i - 1].1, sorted, arrayEnumerate(sorted)) AS rows
    FROM (
      SELECT TraceId AS trace_id,
             arraySort(groupArray((SpanId, Timestamp, Duration, ParentSpanId, SpanName, ServiceName, TraceState, SpanAttributes, carried, says_sampled))) AS sorted
      FROM (
        -- Sampling, read off each row (a copy carries the same): tracestate ot=th:HEX (threshold)
        -- or legacy ot=p:N; sampler attributes. A missing attribute is NULL, as a DuckDB map lookup gives.
        SELECT TraceId, SpanId, Timestamp, Duration, ParentSpanId, SpanName, ServiceName, TraceState, SpanAttributes,
               multiIf(
                 th != '' AND match(th, '^[0-9a-f]{1,14}$'),
                   72057594037927936.0 / (72057594037927936.0 - toFloat64(reinterpretAsUInt64(reverse(unhex(rightPad(th, 14, '0')))))),
                 p != '' AND match(p, '^[0-9]{1,2}$') AND toInt32OrZero(p) <= 62, pow(2, toInt32OrZero(p)),
                 one_in_n IS NOT NULL, one_in_n,
                 dd_rate IS NOT NULL, 1 / dd_rate,
                 jaeger_rate IS NOT NULL, 1 / jaeger_rate,
                 NULL) AS carried,
               says_any AND carried IS NULL AS says_sampled
        FROM (
        SELECT TraceId, SpanId, Timestamp, Duration, ParentSpanId, SpanName, ServiceName, TraceState, SpanAttributes, th, p, says_any,
               coalesce(if(isFinite(sr_a) AND sr_a >= 1 AND sr_a <= 4611686018427387904, sr_a, NULL),
                        if(isFinite(sr_b) AND sr_b >= 1 AND sr_b <= 4611686018427387904, sr_b, NULL)) AS one_in_n,
               if(isFinite(dd_raw) AND dd_raw >= 2.168404344971009e-19 AND dd_raw <= 1, dd_raw, NULL) AS dd_rate,
               if(jg_probabilistic AND isFinite(jg_raw) AND jg_raw >= 2.168404344971009e-19 AND jg_raw <= 1, jg_raw, NULL) AS jaeger_rate
        FROM (
        SELECT TraceId, SpanId, Timestamp, Duration, ParentSpanId, SpanName, ServiceName, TraceState, SpanAttributes,
               CAST(SpanAttributes, 'Map(String, Nullable(String))') AS a,
               extract(TraceState, '(?:^|,)\\s*ot=([^,]*)') AS ot,
               extract(ot, '(?:^|;)th:([^;]*)') AS th,
               extract(ot, '(?:^|;)p:([^;]*)') AS p,
               toFloat64OrNull(a['sampleRate']) AS sr_a,
               toFloat64OrNull(a['SampleRate']) AS sr_b,
               toFloat64OrNull(a['_sample_rate']) AS dd_raw,
               toFloat64OrNull(a['sampler.param']) AS jg_raw,
               a['sampler.type'] = 'probabilistic' AS jg_probabilistic,
               coalesce(th != '' OR p != '' OR a['sampleRate'] IS NOT NULL OR a['SampleRate'] IS NOT NULL
                 OR a['_sample_rate'] IS NOT NULL OR jg_probabilistic, false) AS says_any
        FROM {db:Identifier}.{tbl:Identifier}
        WHERE (NOT {has_since:Bool} OR Timestamp >= fromUnixTimestamp64Nano({since_ns:Int64}))
          AND (NOT {has_until:Bool} OR Timestamp < fromUnixTimestamp64Nano({until_ns:Int64}))
        ))
      )
      GROUP BY TraceId
    )
  )
  )))))
),
spans AS (
  -- The exporter’s columns as the canonical span: a root’s ParentSpanId is ’’; a missing
  -- attribute is NULL (the map’s values made Nullable), as a DuckDB map lookup gives.
  SELECT trace_id, r.1 AS span_id, nullIf(r.4, '') AS parent_span_id,
         toString(r.5) AS name, toString(r.6) AS service,
         toUnixTimestamp64Nano(r.2) AS start_ns, toInt64(r.3) AS duration_ns,
         CAST(r.8, 'Map(String, Nullable(String))') AS attributes,
         r.7 AS trace_state, r.9 AS carried, r.10 AS says_sampled, cv AS covered_ns, tw
  FROM traces ARRAY JOIN rows AS r, covered AS cv
),
key_stage AS (
  -- Stage rules without attribute conditions, matched once per distinct (name, service): the
  -- rules come sorted by priority, so the first that matches wins.
  SELECT kn, ks,
         arrayFirstIndex(r -> (isNull(r.3) OR match(kn, assumeNotNull(r.3))) AND (isNull(r.4) OR match(ks, assumeNotNull(r.4))),
           {stage_rules:Array(Tuple(UInt32, String, Nullable(String), Nullable(String)))}) AS ki,
         if(ki = 0, NULL, {stage_rules:Array(Tuple(UInt32, String, Nullable(String), Nullable(String)))}[ki].2) AS base_stage,
         if(ki = 0, NULL, {stage_rules:Array(Tuple(UInt32, String, Nullable(String), Nullable(String)))}[ki].1) AS base_priority
  -- The table’s own (name, service) pairs, read apart from the spans (a copy dropped above only
  -- adds a pair no span looks up).
  FROM (SELECT DISTINCT toString(SpanName) AS kn, toString(ServiceName) AS ks
        FROM {db:Identifier}.{tbl:Identifier}
        WHERE (NOT {has_since:Bool} OR Timestamp >= fromUnixTimestamp64Nano({since_ns:Int64}))
          AND (NOT {has_until:Bool} OR Timestamp < fromUnixTimestamp64Nano({until_ns:Int64})))
),
base AS (
  SELECT s.trace_id AS trace_id, s.span_id AS span_id, s.parent_span_id AS parent_span_id, s.name AS name, s.service AS service,
         s.start_ns AS start_ns, s.duration_ns AS duration_ns, s.attributes AS attributes, s.trace_state AS trace_state,
         k.base_stage AS base_stage, k.base_priority AS base_priority,
         s.carried AS carried, s.says_sampled AS says_sampled, s.covered_ns AS covered_ns, s.tw AS tw,
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
enriched AS (
  -- In three steps, each a query of its own: an alias's expression is copied into every use.
  SELECT e.*,
         e.says_sampled AND e.tw IS NULL AND e.rule_weight IS NULL AS unknown_weight,
         toFloat64(multiIf(NOT {weighted:Bool}, 1.0,
                           e.says_sampled AND e.tw IS NULL AND e.rule_weight IS NULL, {assume_weight:Float64},
                           coalesce(e.carried, e.tw, e.rule_weight, 1.0))) AS weight
  FROM (
  SELECT m.*,
         coalesce(if(m.ai = 0, NULL, {attr_stage_rules:Array(Tuple(UInt32, String, Nullable(String), Nullable(String), UInt32))}[m.ai].2), m.base_stage, 'other') AS stage,
         greatest(0, m.duration_ns - m.covered_ns) AS self_ns,
         if(m.si = 0, NULL, 1.0 / {sampling_rules:Array(Tuple(UInt32, Nullable(String), Nullable(String), UInt32, Float64))}[m.si].5) AS rule_weight,
         if(has({warehouses:Array(String)}, m.db_system), m.db_system, NULL) AS warehouse
  FROM (
  SELECT b.*, 1 AS one,
         -- Attribute stage rules (rare) per span, only those ranked before the (name, service) rule.
         arrayFirstIndex(r -> (isNull(b.base_priority) OR r.1 < b.base_priority)
             AND (isNull(r.3) OR match(b.name, assumeNotNull(r.3))) AND (isNull(r.4) OR match(b.service, assumeNotNull(r.4)))
             AND r.5 = arrayCount(a -> a.1 = r.1 AND b.attributes[a.2] IS NOT NULL AND match(assumeNotNull(b.attributes[a.2]), a.3),
                                  {stage_rule_attrs:Array(Tuple(UInt32, String, String))}),
           {attr_stage_rules:Array(Tuple(UInt32, String, Nullable(String), Nullable(String), UInt32))}) AS ai,
         -- Config and --sample-rate rules (rare): 1 / the first matching rule’s rate.
         arrayFirstIndex(r -> (isNull(r.2) OR match(b.name, assumeNotNull(r.2))) AND (isNull(r.3) OR match(b.service, assumeNotNull(r.3)))
             AND r.4 = arrayCount(a -> a.1 = r.1 AND b.attributes[a.2] IS NOT NULL AND match(assumeNotNull(b.attributes[a.2]), a.3),
                                  {sampling_rule_attrs:Array(Tuple(UInt32, String, String))}),
           {sampling_rules:Array(Tuple(UInt32, Nullable(String), Nullable(String), UInt32, Float64))}) AS si
  FROM base AS b
  ) AS m
  ) AS e
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
SELECT trace_id, span_id, parent_span_id, name, service, start_ns, duration_ns, attributes, trace_state,
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
-- Whole-input figures in one row (clickhouse_fragments.whole_input's all_ columns): events and their end-to-end latency (exact and weighted quantiles), spans, weights, cost sources, totals, time range, the stages present (cost.totals, cost.weight_summary, cost.cost_sources, savings.stages); the model evaluated once: per event, then one row.
WITH
kt AS (
  SELECT 2 AS kind, trace_id, count() AS n_spans,
         sum(toInt128(round(weight * 1e18))) AS s_w,
         sum(toInt128(round(compute_usd * weight * 1e18))) AS s_compute,
         sum(toInt128(round(query_usd * weight * 1e18))) AS s_query,
         min(weight) AS min_w, max(weight) AS max_w,
         -- An event’s weight: its root’s, else the largest of its spans’.
         coalesce(maxIfOrNull(weight, parent_span_id IS NULL), max(weight)) AS w,
         min(start_ns) AS t0, max(start_ns + duration_ns) AS t1,
         countIf(unknown_weight) AS n_unknown, countIf(cost_source IN ('explicit', 'split')) AS n_explicit,
         countIf(cost_source = 'derived') AS n_price_book, countIf(is_unpriced) AS n_unpriced, countIf(invalid_cost) AS n_invalid,
         groupUniqArray(stage) AS stage_list, emptyArrayUInt8() AS item
  FROM costed_spans GROUP BY trace_id
)
SELECT COLUMNS('^all_') FROM whole_input

-- name: breakdown
-- Cost and latency per group (up to three keys: stage, name, service or an attribute, clickhouse_fragments.grouped_spans), one row per group (cost.breakdown, with cost.weighted_percentiles when the spans’ weights differ), each also carrying the whole input’s figures (clickhouse_fragments.whole_input’s all_ columns): the model evaluated once, per event and group, then per group and per event (each row under both), then one row spread back into the groups.
WITH
tg AS (
  SELECT trace_id, g1, g2, g3,
    count() AS n_spans,
    sum(toInt128(round(weight * 1e18))) AS s_w,
    sum(toInt128(round(compute_usd * weight * 1e18))) AS s_compute,
    sum(toInt128(round(query_usd * weight * 1e18))) AS s_query,
    min(weight) AS span_min_w, max(weight) AS span_max_w,
    maxIfOrNull(weight, parent_span_id IS NULL) AS root_w,
    min(start_ns) AS t0, max(start_ns + duration_ns) AS t1,
    groupArray(duration_ns) AS d, groupArray(self_ns) AS s, groupArray(weight) AS ws,
    groupUniqArrayIf(assumeNotNull(warehouse), warehouse IS NOT NULL) AS wh,
    countIf(unknown_weight) AS n_unknown, countIf(cost_source IN ('explicit', 'split')) AS n_explicit,
    countIf(cost_source = 'derived') AS n_price_book, countIf(is_unpriced) AS n_unpriced, countIf(invalid_cost) AS n_invalid
  FROM grouped_spans GROUP BY trace_id, g1, g2, g3
),
kt_sums AS (
  -- Kind 1: a group; kind 2: an event.
  SELECT kind, if(kind = 1, g1, NULL) AS k1, if(kind = 1, g2, NULL) AS k2, if(kind = 1, g3, NULL) AS k3, if(kind = 2, trace_id, '') AS kt,
         sum(n_spans) AS n_spans, sum(s_w) AS s_w, sum(s_compute) AS s_compute, sum(s_query) AS s_query,
         min(span_min_w) AS min_w, max(span_max_w) AS max_w,
         -- A group’s events: the traces it occurs in, each counted by the largest weight of the group’s spans there.
         sum(toInt128(round(span_max_w * 1e18))) AS s_events,
         -- An event’s weight: its root’s, else the largest of its spans’.
         coalesce(maxOrNull(root_w), max(span_max_w)) AS w,
         min(t0) AS t0, max(t1) AS t1,
         -- A group's (value, weight) pairs sorted once serve both percentile rules (below), exact and weighted.
         arraySort(groupArrayArrayIf(arrayZip(d, ws), kind = 1)) AS dw,
         arraySort(groupArrayArrayIf(arrayZip(s, ws), kind = 1)) AS sw,
         arrayStringConcat(arraySort(groupUniqArrayArrayIf(wh, kind = 1)), ',') AS wh,
         sum(n_unknown) AS n_unknown, sum(n_explicit) AS n_explicit, sum(n_price_book) AS n_price_book, sum(n_unpriced) AS n_unpriced, sum(n_invalid) AS n_invalid,
         CAST([], 'Array(String)') AS stage_list
  FROM tg ARRAY JOIN [1, 2] AS kind
  GROUP BY kind, k1, k2, k3, kt
),
kt AS (
  SELECT *,
         -- Each group's percentiles as scalars, so its sorted values go no further than its row (not
         -- gathered into whole_input's one row with every group's). Exact (dq, sq): quantileExactInclusive's
         -- rule (quantile_cont's), read off the values sorted in dw and sw: h = q·(n − 1) + 1, the h-th
         -- value (1-based, truncated) plus (h − ⌊h⌋) of the step to the next. Weighted (dwq, swq): the
         -- smallest value whose cumulative weight, in (value, weight) order, reaches q of the group's.
         toInt64(length(dw)) AS dn, toInt64(length(sw)) AS sn,
         arrayMap(q -> if(toUInt64(q * (dn - 1) + 1) >= dn, toFloat64(dw[dn].1),
                          toFloat64(dw[toUInt64(q * (dn - 1) + 1)].1) + (q * (dn - 1) + 1 - toUInt64(q * (dn - 1) + 1))
                            * toFloat64(dw[toUInt64(q * (dn - 1) + 1) + 1].1 - dw[toUInt64(q * (dn - 1) + 1)].1)), [0.5, 0.95, 0.99]) AS dq,
         arrayMap(q -> if(toUInt64(q * (sn - 1) + 1) >= sn, toFloat64(sw[sn].1),
                          toFloat64(sw[toUInt64(q * (sn - 1) + 1)].1) + (q * (sn - 1) + 1 - toUInt64(q * (sn - 1) + 1))
                            * toFloat64(sw[toUInt64(q * (sn - 1) + 1) + 1].1 - sw[toUInt64(q * (sn - 1) + 1)].1)), [0.5, 0.95]) AS sq,
         arrayCumSum(arrayMap(x -> x.2, dw)) AS dcw,
         arrayCumSum(arrayMap(x -> x.2, sw)) AS scw,
         arrayMap(q -> dw[arrayFirstIndex(x -> x >= q * dcw[-1], dcw)].1, [0.5, 0.95, 0.99]) AS dwq,
         arrayMap(q -> sw[arrayFirstIndex(x -> x >= q * scw[-1], scw)].1, [0.5, 0.95]) AS swq,
         if(kind = 1, [(k1, k2, k3, toFloat64(s_w) / 1e18, toFloat64(s_events) / 1e18, toFloat64(s_compute) / 1e18, toFloat64(s_query) / 1e18,
                        dq, sq, dwq, swq, nullIf(wh, ''), n_unpriced)], []) AS item
  -- A query of its own: an alias's expression is copied into every use, and dw and sw are aggregates.
  FROM kt_sums
)
SELECT g.1 AS g1, g.2 AS g2, g.3 AS g3,
       g.4 AS spans,
       g.5 AS events,
       (g.6 + g.7) / all_events AS cost_per_event_usd,
       if(g.5 > 0, (g.6 + g.7) / g.5, NULL) AS cost_per_group_event_usd,
       if(all_cost_usd > 0, (g.6 + g.7) / all_cost_usd, 0) AS cost_share,
       g.6 / all_events AS compute_per_event_usd,
       g.7 / all_events AS query_per_event_usd,
       -- Sampled data (the spans’ weights differ): the smallest value whose cumulative weight, in (value, weight) order, reaches q of the group’s.
       all_min_weight != all_max_weight AS weighted_pct,
       if(weighted_pct, g.10[1], g.8[1]) / 1e6 AS p50_ms,
       if(weighted_pct, g.10[2], g.8[2]) / 1e6 AS p95_ms,
       if(weighted_pct, g.10[3], g.8[3]) / 1e6 AS p99_ms,
       if(weighted_pct, g.11[1], g.9[1]) / 1e6 AS self_p50_ms,
       if(weighted_pct, g.11[2], g.9[2]) / 1e6 AS self_p95_ms,
       g.12 AS warehouse,
       g.6 + g.7 AS total_cost_usd,
       g.13 AS unpriced_spans,
       COLUMNS('^all_')
FROM whole_input ARRAY JOIN items AS g
ORDER BY total_cost_usd DESC, g1, g2, g3

-- name: queries
-- Warehouse queries by fingerprint (and warehouse, stage): calls, events, cost, bytes and latency, weighted by sampling (cost.queries), each row also carrying the whole input’s figures (clickhouse_fragments.whole_input’s all_ columns): the model evaluated once, per event and query, then per query and per event, then one row spread back into the queries.
WITH
tq AS (
  SELECT trace_id, query, if(query IS NULL, NULL, warehouse) AS wh, if(query IS NULL, NULL, stage) AS st,
         count() AS n_spans,
         sum(toInt128(round(weight * 1e18))) AS s_w,
         sum(toInt128(round(compute_usd * weight * 1e18))) AS s_compute,
         sum(toInt128(round(query_usd * weight * 1e18))) AS s_query,
         sum(toInt128(round(cost_usd * weight * 1e18))) AS s_cost,
         sum(toInt128(round(bytes_scanned * weight))) AS s_bytes,
         sum(toInt128(round(if(bytes_scanned IS NOT NULL, weight, NULL) * 1e18))) AS s_bytes_w,
         min(weight) AS span_min_w, max(weight) AS span_max_w,
         maxIfOrNull(weight, parent_span_id IS NULL) AS root_w,
         min(start_ns) AS t0, max(start_ns + duration_ns) AS t1,
         groupArrayIf(duration_ns, query IS NOT NULL) AS d, groupArrayIf(weight, query IS NOT NULL) AS ws,
         countIf(unknown_weight) AS n_unknown, countIf(cost_source IN ('explicit', 'split')) AS n_explicit,
         countIf(cost_source = 'derived') AS n_price_book, countIf(is_unpriced) AS n_unpriced, countIf(invalid_cost) AS n_invalid
  FROM fingerprinted_spans GROUP BY trace_id, query, wh, st
),
kt AS (
  -- Kind 1: a query (of warehouse spans); kind 2: an event.
  SELECT kind, if(kind = 1, query, NULL) AS k1, if(kind = 1, wh, NULL) AS k2, if(kind = 1, st, NULL) AS k3, if(kind = 2, trace_id, '') AS kt,
         sum(n_spans) AS n_spans, sum(s_w) AS s_w, sum(s_compute) AS s_compute, sum(s_query) AS s_query, sum(s_cost) AS s_cost,
         sum(s_bytes) AS s_bytes, sum(s_bytes_w) AS s_bytes_w,
         min(span_min_w) AS min_w, max(span_max_w) AS max_w,
         -- A query’s events: the traces it runs in, each counted by the largest weight of its spans there.
         sum(toInt128(round(span_max_w * 1e18))) AS s_events,
         -- An event’s weight: its root’s, else the largest of its spans’.
         coalesce(maxOrNull(root_w), max(span_max_w)) AS w,
         min(t0) AS t0, max(t1) AS t1,
         quantilesExactInclusiveArrayIf(0.5, 0.95)(d, kind = 1) AS dq,
         arraySort(groupArrayArrayIf(arrayZip(d, ws), kind = 1)) AS dw,
         sum(n_unknown) AS n_unknown, sum(n_explicit) AS n_explicit, sum(n_price_book) AS n_price_book, sum(n_unpriced) AS n_unpriced, sum(n_invalid) AS n_invalid,
         CAST([], 'Array(String)') AS stage_list,
         if(kind = 1, [(assumeNotNull(k1), assumeNotNull(k2), assumeNotNull(k3), toFloat64(s_w) / 1e18, toFloat64(s_events) / 1e18, toFloat64(s_cost) / 1e18,
                        toFloat64(s_bytes) / (toFloat64(s_bytes_w) / 1e18), dq, dw, arrayCumSum(arrayMap(x -> x.2, dw)))], []) AS item
  FROM tq ARRAY JOIN [1, 2] AS kind
  WHERE kind = 2 OR query IS NOT NULL
  GROUP BY kind, k1, k2, k3, kt
)
SELECT q.3 AS stage, q.2 AS warehouse, q.4 AS calls, q.5 AS events,
       q.6 / all_events AS cost_per_event_usd,
       if(all_compute_usd + all_query_usd > 0, q.6 / (all_compute_usd + all_query_usd), 0) AS cost_share,
       q.6 AS total_cost_usd,
       q.7 AS bytes_scanned_per_call,
       -- Sampled data (the spans’ weights differ): the smallest value whose cumulative weight, in (value, weight) order, reaches q of the query’s.
       all_min_weight != all_max_weight AS weighted_pct,
       if(weighted_pct, q.9[arrayFirstIndex(x -> x >= 0.5 * q.10[-1], q.10)].1, q.8[1]) / 1e6 AS p50_ms,
       if(weighted_pct, q.9[arrayFirstIndex(x -> x >= 0.95 * q.10[-1], q.10)].1, q.8[2]) / 1e6 AS p95_ms,
       q.1 AS query,
       COLUMNS('^all_')
FROM whole_input ARRAY JOIN items AS q
ORDER BY total_cost_usd DESC, stage, warehouse, query

-- name: flags
-- Per stage (flags.stage_profile): cost share, warehouse query share, bytes and warehouse calls per event, its costliest query fingerprint with its stored calls and distinct statements; each row also carrying the whole input’s figures (clickhouse_fragments.whole_input’s all_ columns): the model evaluated once, per event, stage and fingerprint, then per stage, per fingerprint and per event, then one row spread back into the stages.
WITH
tf AS (
  SELECT trace_id, stage, query,
         count() AS n_spans,
         sum(toInt128(round(weight * 1e18))) AS s_w,
         sum(toInt128(round(compute_usd * weight * 1e18))) AS s_compute,
         sum(toInt128(round(query_usd * weight * 1e18))) AS s_query,
         sum(toInt128(round(cost_usd * weight * 1e18))) AS s_cost,
         sum(toInt128(round(coalesce(bytes_scanned, 0) * weight))) AS s_bytes,
         min(weight) AS span_min_w, max(weight) AS span_max_w,
         maxIfOrNull(weight, parent_span_id IS NULL) AS root_w,
         min(start_ns) AS t0, max(start_ns + duration_ns) AS t1,
         groupUniqArrayIf(assumeNotNull(warehouse), warehouse IS NOT NULL) AS wh,
         groupUniqArrayIf(assumeNotNull(uncommented), uncommented IS NOT NULL) AS statements,
         countIf(unknown_weight) AS n_unknown, countIf(cost_source IN ('explicit', 'split')) AS n_explicit,
         countIf(cost_source = 'derived') AS n_price_book, countIf(is_unpriced) AS n_unpriced, countIf(invalid_cost) AS n_invalid
  FROM fingerprinted_spans GROUP BY trace_id, stage, query
),
kt AS (
  -- Kind 1: a stage; kind 2: an event; kind 3: a stage’s warehouse query (fingerprint).
  SELECT kind, if(kind != 2, stage, NULL) AS k1, if(kind = 3, query, NULL) AS k2, if(kind = 2, trace_id, '') AS kt,
         sum(n_spans) AS n_spans, sum(s_w) AS s_w, sum(s_compute) AS s_compute, sum(s_query) AS s_query, sum(s_cost) AS s_cost, sum(s_bytes) AS s_bytes,
         min(span_min_w) AS min_w, max(span_max_w) AS max_w,
         -- An event’s weight: its root’s, else the largest of its spans’.
         coalesce(maxOrNull(root_w), max(span_max_w)) AS w,
         min(t0) AS t0, max(t1) AS t1,
         arrayStringConcat(arraySort(groupUniqArrayArrayIf(wh, kind = 1)), ',') AS wh,
         uniqExactArrayIf(statements, kind = 3) AS n_statements,
         sum(n_unknown) AS n_unknown, sum(n_explicit) AS n_explicit, sum(n_price_book) AS n_price_book, sum(n_unpriced) AS n_unpriced, sum(n_invalid) AS n_invalid,
         CAST([], 'Array(String)') AS stage_list,
         -- A stage: (stage, cost, query cost, bytes, warehouses); a fingerprint: (stage, fingerprint, cost, calls, stored calls, statements).
         if(kind = 2, [], [(if(kind = 1, [(assumeNotNull(k1), toFloat64(s_compute) / 1e18 + toFloat64(s_query) / 1e18, toFloat64(s_query) / 1e18, toFloat64(s_bytes), nullIf(wh, ''))], []),
                            if(kind = 3, [(assumeNotNull(k1), assumeNotNull(k2), toFloat64(s_cost) / 1e18, toFloat64(s_w) / 1e18, n_spans, n_statements)], []))]) AS item
  FROM tf ARRAY JOIN [1, 2, 3] AS kind
  WHERE kind != 3 OR query IS NOT NULL
  GROUP BY kind, k1, k2, kt
),
one AS (
  SELECT *,
         arraySort(x -> x.1, arrayFlatten(arrayMap(i -> i.1, items))) AS stages,
         arraySort(x -> (x.1, x.2), arrayFlatten(arrayMap(i -> i.2, items))) AS fps,
         -- As the breakdown’s: the stages’ costs added in the stages’ order.
         arraySum(x -> assumeNotNull(x.2), stages) AS stages_cost_usd
  FROM whole_input
)
SELECT * EXCEPT (sf, top, stage_cost_usd) FROM (
SELECT st.1 AS stage, st.2 AS stage_cost_usd,
       if(one.stages_cost_usd > 0, st.2 / one.stages_cost_usd, 0) AS cost_share,
       st.2 / one.all_events AS cost_per_event_usd,
       st.3 / one.all_events AS query_per_event_usd,
       if(st.2 > 0, st.3 / st.2, 0) AS warehouse_cost_share,
       st.5 AS warehouse,
       arrayFilter(f -> f.1 = st.1, one.fps) AS sf,
       -- Of fingerprints that cost the same, the one that sorts last is the top query.
       arrayReverseSort(f -> (f.3, f.2), sf)[1] AS top,
       if(length(sf) = 0, NULL, top.2) AS top_query,
       if(length(sf) = 0 OR NOT st.2 > 0, NULL, top.3 / st.2) AS top_query_cost_share,
       st.4 / one.all_events AS bytes_per_event,
       arraySum(f -> assumeNotNull(f.4), sf) / one.all_events AS warehouse_calls_per_event,
       length(sf) AS fingerprints,
       if(length(sf) = 0, 0, top.5) AS top_query_calls,
       if(length(sf) = 0, 0, top.6) AS top_query_statements,
       COLUMNS('^all_')
FROM one ARRAY JOIN one.stages AS st
)
ORDER BY stage_cost_usd DESC, stage

-- name: sample_spans
-- The spans of a bounded, deterministic sample of whole events (clickhouse_fragments.sample_traces: at most $limit, chosen by a hash of the trace id as savings.latency_spans keys its sample), for what runs locally on them (the critical-path walk, savings’ re-timing); each row with how many events the range holds.
SELECT trace_id, span_id, parent_span_id, name, service, toString(start_ns) AS start_ns, toString(duration_ns) AS duration_ns,
       attributes, trace_state, (SELECT traces FROM range_trace_count) AS all_traces
FROM costed_spans
WHERE trace_id IN (SELECT chosen_id FROM sample_traces)
ORDER BY trace_id, start_ns, span_id

-- name: savings_moments
-- Savings’ interval sums (savings.moments) per functional fn in [0, $fns): over all events weighted by their weight w, Σw, Σw², Σw·x and Σw·(x − mean)², where x is the event’s value of the functional, its terms ($terms: fn, step, stage, a1, b1, kp1, ka1, a2, b2, kp2, ka2) added in step order, each cost(m1) − cost(m2) of its stage (src/analysis/savings.ts, Term); the sums exact as savings.moments’ (each value scaled by a power of two that keeps n of the largest below 1e37, added as an Int128). The model evaluated once: per event and stage, per event, then per functional and event.
-- params: $fns, $terms
WITH
ts AS (
  SELECT trace_id, stage,
         sum(toInt128(round(compute_usd * weight * 1e18))) AS s_compute,
         sum(toInt128(round(query_usd * weight * 1e18))) AS s_query,
         max(weight) AS span_max_w, maxIfOrNull(weight, parent_span_id IS NULL) AS root_w
  FROM costed_spans GROUP BY trace_id, stage
),
ev AS (
  -- An event’s weight (its root’s, else the largest of its spans’) and each stage’s compute and query cost per event there (model.event_stage_costs).
  SELECT trace_id, coalesce(maxOrNull(root_w), max(span_max_w)) AS w,
         arrayMap(x -> (x.1, x.2 / w, x.3 / w), groupArray((stage, toFloat64(assumeNotNull(s_compute)) / 1e18, toFloat64(assumeNotNull(s_query)) / 1e18))) AS sc
  FROM ts GROUP BY trace_id
),
fx AS (
  -- Each functional’s value in each event: its terms, where the stage is absent k_all1 − k_all2.
  SELECT w, toUInt32(i - 1) AS fn, x
  FROM (
    SELECT w,
           arrayMap(t -> if(arrayFirstIndex(s -> s.1 = t.3, sc) = 0, t.7 - t.11,
                            (t.4 * sc[arrayFirstIndex(s -> s.1 = t.3, sc)].2 + t.5 * sc[arrayFirstIndex(s -> s.1 = t.3, sc)].3 + t.6 + t.7)
                          - (t.8 * sc[arrayFirstIndex(s -> s.1 = t.3, sc)].2 + t.9 * sc[arrayFirstIndex(s -> s.1 = t.3, sc)].3 + t.10 + t.11)),
                    {terms:Array(Tuple(UInt32, UInt32, String, Float64, Float64, Float64, Float64, Float64, Float64, Float64, Float64))}) AS vs,
           arrayMap(f -> arraySum(arrayFilter((v, t) -> t.1 = f, vs,
                    {terms:Array(Tuple(UInt32, UInt32, String, Float64, Float64, Float64, Float64, Float64, Float64, Float64, Float64))})),
                    range({fns:UInt32})) AS xs
    FROM ev
  )
  ARRAY JOIN xs AS x, arrayEnumerate(xs) AS i
  WHERE has(arrayMap(t -> t.1, {terms:Array(Tuple(UInt32, UInt32, String, Float64, Float64, Float64, Float64, Float64, Float64, Float64, Float64))}), toUInt32(i - 1))
),
scaled AS (
  SELECT fn, w, x,
         if(max(w) OVER p > 0, pow(2, least(1000, floor(log2(1e37 / (count() OVER p * max(w) OVER p))))), 1) AS s_w,
         if(max(w * w) OVER p > 0, pow(2, least(1000, floor(log2(1e37 / (count() OVER p * max(w * w) OVER p))))), 1) AS s_w2,
         if(max(abs(w * x)) OVER p > 0, pow(2, least(1000, floor(log2(1e37 / (count() OVER p * max(abs(w * x)) OVER p))))), 1) AS s_wx
  FROM fx WINDOW p AS (PARTITION BY fn)
),
m AS (
  SELECT fn, w, x,
         toFloat64(sum(toInt128(round(w * s_w))) OVER p) / s_w AS sw,
         toFloat64(sum(toInt128(round(w * w * s_w2))) OVER p) / s_w2 AS sw2,
         toFloat64(sum(toInt128(round(w * x * s_wx))) OVER p) / s_wx AS swx
  FROM scaled WINDOW p AS (PARTITION BY fn)
),
dev AS (
  SELECT fn, sw, sw2, swx, w * ((x - swx / sw) * (x - swx / sw)) AS d FROM m
),
dev_scaled AS (
  SELECT fn, sw, sw2, swx, d,
         if(max(abs(d)) OVER p > 0, pow(2, least(1000, floor(log2(1e37 / (count() OVER p * max(abs(d)) OVER p))))), 1) AS s_d
  FROM dev WINDOW p AS (PARTITION BY fn)
)
SELECT fn, any(sw) AS sw, any(sw2) AS sw2, any(swx) AS swx, toFloat64(sum(toInt128(round(d * s_d)))) / s_d AS ss
FROM dev_scaled GROUP BY fn, s_d ORDER BY fn

-- name: inspect
-- What the table holds in the range (inspect.summary): spans, traces, roots, orphans (parent not in the trace), services, names, time range; one row, the model read once: per trace, then one row.
WITH
t AS (
  SELECT trace_id, count() AS n_spans, countIf(parent_span_id IS NULL) AS n_roots,
         groupArray(span_id) AS ids,
         groupArrayIf(assumeNotNull(parent_span_id), parent_span_id IS NOT NULL) AS parents,
         groupUniqArray(service) AS trace_services, groupUniqArray(name) AS trace_names,
         min(start_ns) AS t0, max(start_ns + duration_ns) AS t1
  FROM costed_spans GROUP BY trace_id
)
SELECT sum(n_spans) AS spans,
       count() AS traces,
       sum(n_roots) AS roots,
       -- A span whose parent is not a span of its trace.
       sum(arrayCount(p -> NOT has(ids, p), parents)) AS orphans,
       length(groupUniqArrayArray(trace_services)) AS services,
       length(groupUniqArrayArray(trace_names)) AS names,
       if(count() = 0, NULL, toString(min(t0))) AS first_start_ns,
       if(count() = 0, NULL, toString(max(t1))) AS last_end_ns
FROM t

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
