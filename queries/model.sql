-- name: create_rule_tables
-- Temporary tables the cost model's rules and prices are loaded into as rows.
CREATE OR REPLACE TEMP TABLE stage_rules (priority INTEGER, stage VARCHAR, name_glob VARCHAR, service_glob VARCHAR, n_attrs INTEGER);
CREATE OR REPLACE TEMP TABLE stage_rule_attrs (priority INTEGER, attr_key VARCHAR, attr_glob VARCHAR);
CREATE OR REPLACE TEMP TABLE sampling_rules (priority INTEGER, name_glob VARCHAR, service_glob VARCHAR, n_attrs INTEGER, rate DOUBLE);
CREATE OR REPLACE TEMP TABLE sampling_rule_attrs (priority INTEGER, attr_key VARCHAR, attr_glob VARCHAR);
CREATE OR REPLACE TEMP TABLE compute_prices (effective_from_ns BIGINT, vcpu_hour_usd DOUBLE, vcpus DOUBLE);
CREATE OR REPLACE TEMP TABLE warehouse_prices (
  system VARCHAR, effective_from_ns BIGINT, credit_usd DOUBLE, credits_per_hour MAP(VARCHAR, DOUBLE), default_size VARCHAR,
  tib_usd DOUBLE, min_bytes DOUBLE, rpu_hour_usd DOUBLE, rpus DOUBLE, hour_usd DOUBLE
);

-- name: create_macros
-- The macros queries share: adtrace_group(k, a, …), a span's --by group; adtrace_sum(v, scale), an order-independent sum; adtrace_scaled_sum(v, adtrace_pow2_scale(n, largest)), one for any doubles; adtrace_fingerprint(statement, dialect), the statement without comments and literals, so no user value reaches a report; adtrace_uncommented(statement, dialect), the statement without comments, whitespace squeezed, to tell repeated statements apart; adtrace_in_range(v, lo, hi), a number the model may use.
-- A number read from an attribute is used only when finite and within [lo, hi]; anything else
-- (text, NaN, Infinity, 1e400, a value no real span could carry) is NULL: ignored, and named in a
-- note (the ranges: README, "Cost model").
CREATE OR REPLACE TEMP MACRO adtrace_in_range(v, lo, hi) AS (CASE WHEN isfinite(v) AND v >= lo AND v <= hi THEN v END);
-- The ranges, one per kind of value (src/output/cost-views.ts words them, kept in step). Upper
-- bounds lie far past any real span and keep every product and sum finite and every cast exact.
-- $ per span: a billion.
CREATE OR REPLACE TEMP MACRO adtrace_usd(t) AS (adtrace_in_range(TRY_CAST(t AS DOUBLE), 0, 1e9));
-- Bytes a query scanned or billed: 2^60 (1 EiB) fits a BIGINT, 1e30 does not.
CREATE OR REPLACE TEMP MACRO adtrace_bytes(t) AS (adtrace_in_range(TRY_CAST(t AS DOUBLE), 0, 1152921504606846976));
-- Snowflake credits one query used: a million (a 6XLARGE warehouse burns 512 an hour).
CREATE OR REPLACE TEMP MACRO adtrace_credits(t) AS (adtrace_in_range(TRY_CAST(t AS DOUBLE), 0, 1e6));
-- Redshift Serverless RPU-seconds one query used: a billion (1024 RPUs for 11 days).
CREATE OR REPLACE TEMP MACRO adtrace_rpu_seconds(t) AS (adtrace_in_range(TRY_CAST(t AS DOUBLE), 0, 1e9));
-- vCPUs behind a span: from a millicore (Kubernetes' smallest CPU unit) to a million.
CREATE OR REPLACE TEMP MACRO adtrace_vcpus(t) AS (adtrace_in_range(TRY_CAST(t AS DOUBLE), 0.001, 1e6));
-- A sampling weight (1-in-N) from 1 to 2^62, legacy ot=p's largest; a probability its inverse.
CREATE OR REPLACE TEMP MACRO adtrace_one_in_n(t) AS (adtrace_in_range(TRY_CAST(t AS DOUBLE), 1, 4611686018427387904));
CREATE OR REPLACE TEMP MACRO adtrace_probability(t) AS (adtrace_in_range(TRY_CAST(t AS DOUBLE), 2.168404344971009e-19, 1));
-- How a dialect quotes: 'dq' — double quotes delimit strings, backslashes escape, # starts a
-- comment, triple quotes (BigQuery, MySQL, Spark SQL, Hive); 'bs' — backslashes escape in '…'
-- (Snowflake, ClickHouse, Redshift); 'std' — only '' escapes a quote, but for E'…' strings (Trino,
-- Presto, Athena, PostgreSQL and the rest). A cloud prefix (gcp.bigquery, aws.redshift) is dropped.
CREATE OR REPLACE TEMP MACRO adtrace_quoting(dialect) AS (
  CASE
    WHEN regexp_replace(lower(dialect), '^(gcp|aws|azure)\.', '') IN ('bigquery', 'mysql', 'mariadb', 'databricks', 'spark', 'hive') THEN 'dq'
    WHEN regexp_replace(lower(dialect), '^(gcp|aws|azure)\.', '') IN ('snowflake', 'clickhouse', 'redshift') THEN 'bs'
    ELSE 'std'
  END
);
-- An exact sum, the same whatever the order the rows arrive in: DuckDB adds floats in a different
-- order from run to run (its threads split the rows as they come), and a share, a ranking or a
-- threshold must not move with that. Each value is scaled to an integer (1e18 for dollars and
-- weights, 1 for bytes) and added as a HUGEINT. Exact only while Σ|v|·scale fits in 128 bits,
-- which the model checks once per session (event_weights sets adtrace_exact_sums); past that
-- (weighted costs of 1e20 USD, no real data) it falls back to a float sum rather than fail.
CREATE OR REPLACE TEMP MACRO adtrace_sum(v, scale) AS (
  CASE WHEN getvariable('adtrace_exact_sums')
    THEN CAST(sum(CAST(CASE WHEN getvariable('adtrace_exact_sums') THEN v * scale END AS HUGEINT)) AS DOUBLE) / scale
    ELSE sum(v) FILTER (WHERE NOT getvariable('adtrace_exact_sums'))
  END
);
-- An exact sum of doubles, the same whatever order the rows come in, without sorting them: each
-- value is scaled by a power of two (adtrace_pow2_scale) that keeps n of the largest below 1e37,
-- rounded to an integer and added as a HUGEINT. The rounding is 2^-126 of the largest value's
-- scale, far below the 12 digits any output shows.
CREATE OR REPLACE TEMP MACRO adtrace_pow2_scale(n, largest) AS (
  CASE WHEN largest > 0 THEN pow(2, least(1000, floor(log2(1e37 / (n * largest))))) ELSE 1 END
);
CREATE OR REPLACE TEMP MACRO adtrace_scaled_sum(v, scale) AS (CAST(sum(CAST(v * scale AS HUGEINT)) AS DOUBLE) / scale);
-- A span's group for a --by key: $k is stage, name, service or attr (then $a names the attribute).
CREATE OR REPLACE TEMP MACRO adtrace_group(k, a, stage, name, service, attributes) AS (
  CASE k WHEN 'stage' THEN stage WHEN 'name' THEN name WHEN 'service' THEN service WHEN 'attr' THEN COALESCE(attributes[a], '(none)') END
);
-- Comments go, strings stay whole (a '--' inside a string is not a comment). An unterminated
-- string or comment (a statement the SDK cut short) runs to the end.
CREATE OR REPLACE TEMP MACRO adtrace_strip_comments(statement, dialect) AS (
  CASE adtrace_quoting(dialect)
    WHEN 'dq' THEN regexp_replace(statement, '(''''''(?s:.*?)(?:''''''|$)|"""(?s:.*?)(?:"""|$)|''(?:[^''\\]|\\(?s:.)|'''')*(?:''|$)|"(?:[^"\\]|\\(?s:.)|"")*(?:"|$))|--[^\n]*|/\*(?s:.*?)(?:\*/|$)|#[^\n]*', '\1', 'g')
    WHEN 'bs' THEN regexp_replace(statement, '(''(?:[^''\\]|\\(?s:.)|'''')*(?:''|$)|"(?:[^"]|"")*(?:"|$)|\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$(?s:.*?)(?:\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$|$))|--[^\n]*|/\*(?s:.*?)(?:\*/|$)', '\1', 'g')
    ELSE regexp_replace(statement, '(\b[Ee]''(?:[^''\\]|\\(?s:.)|'''')*(?:''|$)|''(?:[^'']|'''')*(?:''|$)|"(?:[^"]|"")*(?:"|$)|\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$(?s:.*?)(?:\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$|$))|--[^\n]*|/\*(?s:.*?)(?:\*/|$)', '\1', 'g')
  END
);
CREATE OR REPLACE TEMP MACRO adtrace_uncommented(statement, dialect) AS (
  trim(regexp_replace(adtrace_strip_comments(statement, dialect), '\s+', ' ', 'g'))
);
-- A span's attributes as the session keeps them: only the keys it groups by (--by attr:KEY; NULL
-- when none), one that holds a statement (db.statement, db.query.text) as its fingerprint.
CREATE OR REPLACE TEMP MACRO adtrace_kept_attributes(attrs) AS (
  CASE WHEN len(getvariable('adtrace_lists').group_attrs) > 0 THEN
    map_from_entries(list_transform(
      list_filter(map_entries(attrs), e -> list_contains(getvariable('adtrace_lists').group_attrs, e.key)),
      e -> CASE WHEN list_contains(getvariable('adtrace_lists').statements, e.key)
                THEN {'key': e.key, 'value': adtrace_fingerprint(e.value, lower(COALESCE(attrs['db.system'], attrs['db.system.name'])))}
                ELSE e END))
  END
);
-- Then the literals: strings of the dialect's quoting (and E'', N'', r"" prefixes), numbers
-- (decimal, exponent, hex; digits in identifiers and $1 placeholders stay), IN lists and VALUES
-- rows. Over-stripping is acceptable; leaking a value is not.
CREATE OR REPLACE TEMP MACRO adtrace_fingerprint(statement, dialect) AS (
  CASE WHEN statement IS NOT NULL THEN trim(
    regexp_replace(regexp_replace(regexp_replace(regexp_replace(
    CASE adtrace_quoting(dialect)
    WHEN 'dq' THEN regexp_replace(adtrace_strip_comments(statement, dialect), '(?:\b(?:[EeNnBbXxRr]|[RrBb]{2}))?(?:''''''(?s:.*?)(?:''''''|$)|"""(?s:.*?)(?:"""|$)|''(?:[^''\\]|\\(?s:.)|'''')*(?:''|$)|"(?:[^"\\]|\\(?s:.)|"")*(?:"|$))', '?', 'g')
    WHEN 'bs' THEN regexp_replace(adtrace_strip_comments(statement, dialect), '(?:\b(?:[EeNnBbXxRr]|[RrBb]{2}))?(?:''(?:[^''\\]|\\(?s:.)|'''')*(?:''|$)|\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$(?s:.*?)(?:\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$|$))', '?', 'g')
    ELSE regexp_replace(adtrace_strip_comments(statement, dialect), '\b[Ee]''(?:[^''\\]|\\(?s:.)|'''')*(?:''|$)|(?:\b(?:[EeNnBbXxRr]|[RrBb]{2}))?(?:''(?:[^'']|'''')*(?:''|$)|\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$(?s:.*?)(?:\$(?:[A-Za-z_][A-Za-z0-9_]*)?\$|$))', '?', 'g')
  END,
      '(^|[^A-Za-z0-9_.\"$])(?:0[xX][0-9A-Fa-f]+|[0-9]+(?:\.[0-9]*)?(?:[eE][-+]?[0-9]+)?|\.[0-9]+(?:[eE][-+]?[0-9]+)?)', '\1?', 'g'),
      '\s+', ' ', 'g'),
      '(?i)\bIN\s*\(\s*\?(?:\s*,\s*\?)*\s*\)', 'IN (?)', 'g'),
      '(?i)\bVALUES\s*(?:\(\s*\?(?:\s*,\s*\?)*\s*\)\s*,?\s*)+', 'VALUES (…)', 'g'))
  END
);

-- name: insert_stage_rule
-- One stage rule (first match wins: lowest priority).
-- params: $priority, $stage, $name_glob, $service_glob, $n_attrs
INSERT INTO stage_rules VALUES ($priority, $stage, $name_glob, $service_glob, $n_attrs);

-- name: insert_stage_rule_attr
-- One attribute condition of a stage rule.
-- params: $priority, $key, $glob
INSERT INTO stage_rule_attrs VALUES ($priority, $key, $glob);

-- name: insert_sampling_rule
-- One sampling rule (first match wins): spans it matches were kept with probability $rate.
-- params: $priority, $name_glob, $service_glob, $n_attrs, $rate
INSERT INTO sampling_rules VALUES ($priority, $name_glob, $service_glob, $n_attrs, $rate);

-- name: insert_sampling_rule_attr
-- One attribute condition of a sampling rule.
-- params: $priority, $key, $glob
INSERT INTO sampling_rule_attrs VALUES ($priority, $key, $glob);

-- name: insert_compute_price
-- The compute rate in force from a date.
-- params: $from_ns, $vcpu_hour_usd, $vcpus
INSERT INTO compute_prices VALUES ($from_ns, $vcpu_hour_usd, $vcpus);

-- name: insert_warehouse_price
-- One warehouse's rates in force from a date.
-- params: $system, $from_ns, $credit_usd, $sizes, $credits, $default_size, $tib_usd, $min_bytes, $rpu_hour_usd, $rpus, $hour_usd
INSERT INTO warehouse_prices VALUES (
  $system, $from_ns, $credit_usd, map($sizes, $credits), $default_size, $tib_usd, $min_bytes, $rpu_hour_usd, $rpus, $hour_usd
);

-- name: price_ranges
-- Each price book row with the end of its validity (the next book's start), for range joins.
CREATE OR REPLACE TEMP TABLE compute_price_ranges AS
SELECT *, lead(effective_from_ns, 1, 9223372036854775807) OVER (ORDER BY effective_from_ns) AS effective_to_ns FROM compute_prices;
CREATE OR REPLACE TEMP TABLE warehouse_price_ranges AS
SELECT *, lead(effective_from_ns, 1, 9223372036854775807) OVER (PARTITION BY system ORDER BY effective_from_ns) AS effective_to_ns FROM warehouse_prices;

-- name: set_attribute_lists
-- The attribute-name lists and the warehouse list, as session variables the view reads.
-- params: $cost_attrs, $bytes_attrs, $statement_attrs, $warehouses, $weighted, $assume_weight, $group_attrs
SET VARIABLE adtrace_lists = {
  'cost': $cost_attrs, 'bytes': $bytes_attrs, 'statements': $statement_attrs, 'warehouses': $warehouses,
  'weighted': $weighted, 'assume_weight': $assume_weight, 'group_attrs': $group_attrs
};

-- name: kept_attributes
-- The attribute keys costed_spans keeps (the session's --by attr: keys).
SELECT getvariable('adtrace_lists').group_attrs AS keys;

-- name: costed_parts
-- The cost model's per-span query as the temp view _costed (stage, self time, weight and cost), with the small tables it joins; costed_spans (per session) or store.model_spans (stored) materialises it once.
-- Self time first, as its own table: the optimizer then sees its real size when joining it.
CREATE OR REPLACE TEMP TABLE _covered AS
WITH
child_iv AS (
  SELECT c.trace_id, c.parent_span_id AS span_id,
         greatest(c.start_ns, p.start_ns) AS s_ns,
         least(c.start_ns + c.duration_ns, p.start_ns + p.duration_ns) AS e_ns
  FROM spans c JOIN spans p ON p.trace_id = c.trace_id AND p.span_id = c.parent_span_id
  WHERE c.span_id <> c.parent_span_id
),
child_ordered AS (
  SELECT trace_id, span_id, s_ns, e_ns,
         max(e_ns) OVER (PARTITION BY trace_id, span_id ORDER BY s_ns, e_ns ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS prev_end
  FROM child_iv WHERE e_ns > s_ns
),
covered_ns AS (
  -- The union of the children's clipped intervals: each adds only what lies past every earlier end.
  SELECT trace_id, span_id, sum(greatest(0, e_ns - greatest(s_ns, COALESCE(prev_end, s_ns)))) AS covered_ns
  FROM child_ordered GROUP BY trace_id, span_id
)
SELECT * FROM covered_ns;
-- Stage rules are matched once per distinct (name, service), into small tables.
CREATE OR REPLACE TEMP TABLE _key_rules AS
SELECT k.name, k.service, r.priority, r.stage, r.n_attrs
FROM (SELECT DISTINCT name, service FROM spans) k JOIN stage_rules r
  ON (r.name_glob IS NULL OR k.name GLOB r.name_glob) AND (r.service_glob IS NULL OR k.service GLOB r.service_glob);
CREATE OR REPLACE TEMP TABLE _key_stage AS
SELECT name, service,
       arg_min(stage, priority) FILTER (WHERE n_attrs = 0) AS base_stage,
       min(priority) FILTER (WHERE n_attrs = 0) AS base_priority
FROM _key_rules GROUP BY name, service;
CREATE OR REPLACE TEMP TABLE _attr_rules AS
SELECT r.* FROM _key_rules r JOIN _key_stage k ON k.name = r.name AND k.service = r.service
WHERE r.n_attrs > 0 AND (k.base_priority IS NULL OR r.priority < k.base_priority);
-- Attribute stage rules and sampling rules (usually none) as their own small tables.
CREATE OR REPLACE TEMP TABLE _attr_stage AS
  SELECT s.trace_id, s.span_id, arg_min(r.stage, r.priority) AS stage
  FROM spans s JOIN _attr_rules r ON r.name = s.name AND r.service = s.service
  WHERE r.n_attrs = (SELECT count(*) FROM stage_rule_attrs a WHERE a.priority = r.priority AND s.attributes[a.attr_key] GLOB a.attr_glob)
  GROUP BY s.trace_id, s.span_id;
CREATE OR REPLACE TEMP TABLE _rule_weight AS
  -- Config and --sample-rate rules (rare): only spans they match.
  SELECT s.trace_id, s.span_id, 1.0 / arg_min(r.rate, r.priority) AS weight
  FROM spans s JOIN sampling_rules r
    ON (r.name_glob IS NULL OR s.name GLOB r.name_glob) AND (r.service_glob IS NULL OR s.service GLOB r.service_glob)
  WHERE r.n_attrs = (SELECT count(*) FROM sampling_rule_attrs a WHERE a.priority = r.priority AND s.attributes[a.attr_key] GLOB a.attr_glob)
  GROUP BY s.trace_id, s.span_id;
-- One row per span, only the columns analyses read.
CREATE OR REPLACE TEMP VIEW _costed AS
WITH
-- The config's cost and bytes attributes, read once (texts), then as numbers in range (NULL
-- when absent or out of range): each layer is computed once per span, and both the pricing and the
-- count of ignored values read them.
config_texts AS NOT MATERIALIZED (
  SELECT s.*,
         list_transform(getvariable('adtrace_lists').cost, x -> s.attributes[x]) AS cost_texts,
         list_transform(getvariable('adtrace_lists').bytes, x -> s.attributes[x]) AS bytes_texts
  FROM spans s
),
config_values AS NOT MATERIALIZED (
  SELECT t.*, list_transform(t.cost_texts, x -> adtrace_usd(x)) AS cost_values, list_transform(t.bytes_texts, x -> adtrace_bytes(x)) AS bytes_values
  FROM config_texts t
),
-- Per-span columns in one pass over spans: sampling information (OpenTelemetry tracestate
-- ot=th:HEX threshold or legacy ot=p:N; sampler attributes), and the attributes the cost model reads.
base AS NOT MATERIALIZED (
  SELECT s.trace_id, s.span_id, s.parent_span_id, s.name, s.service, s.start_ns, s.duration_ns,
         -- Only the attributes the session groups by (--by attr:KEY) are kept; one that holds a
         -- statement (db.statement, db.query.text) is kept as its fingerprint, so a grouping by it
         -- shows no literal (a user id, an email) in any output.
         adtrace_kept_attributes(s.attributes) AS attributes,
         regexp_extract(s.trace_state, '(?:^|,)\s*ot=([^,]*)', 1) AS ot,
         regexp_extract(ot, '(?:^|;)th:([^;]*)', 1) AS th,
         regexp_extract(ot, '(?:^|;)p:([^;]*)', 1) AS p,
         -- Rates outside their range (NaN, Infinity, 0, text) are no rate: the span says it was
         -- sampled without a usable one (unknown weight), and the value is named in a note.
         COALESCE(adtrace_one_in_n(s.attributes['sampleRate']), adtrace_one_in_n(s.attributes['SampleRate'])) AS one_in_n,
         adtrace_probability(s.attributes['_sample_rate']) AS dd_rate,
         CASE WHEN s.attributes['sampler.type'] = 'probabilistic' THEN adtrace_probability(s.attributes['sampler.param']) END AS jaeger_rate,
         CASE
           WHEN th <> '' AND regexp_full_match(th, '[0-9a-f]{1,14}') THEN 72057594037927936.0 / (72057594037927936.0 - CAST(('0x' || rpad(th, 14, '0')) AS UBIGINT))
           WHEN p <> '' AND regexp_full_match(p, '[0-9]{1,2}') AND CAST(p AS INTEGER) <= 62 THEN pow(2, CAST(p AS INTEGER))
           WHEN one_in_n IS NOT NULL THEN one_in_n
           WHEN dd_rate IS NOT NULL THEN 1 / dd_rate
           WHEN jaeger_rate IS NOT NULL THEN 1 / jaeger_rate
         END AS carried,
         COALESCE(th <> '' OR p <> '' OR s.attributes['sampleRate'] IS NOT NULL OR s.attributes['SampleRate'] IS NOT NULL
           OR s.attributes['_sample_rate'] IS NOT NULL OR s.attributes['sampler.type'] = 'probabilistic', FALSE) AND carried IS NULL AS says_sampled,
         -- The OpenTelemetry names below are ours, not user input; only config lists go through variables.
         lower(COALESCE(s.attributes['db.system'], s.attributes['db.system.name'])) AS db_system,
         list_filter(s.cost_values, v -> v IS NOT NULL)[1] AS explicit_usd,
         -- A cost attribute that is there but not a number in range is ignored (that part is
         -- priced from usage instead), and counted.
         adtrace_usd(s.attributes['cost.compute_usd']) AS split_compute_usd,
         s.attributes['cost.compute_usd'] IS NOT NULL AND split_compute_usd IS NULL AS bad_split_compute,
         adtrace_usd(s.attributes['cost.query_usd']) AS split_query_usd,
         s.attributes['cost.query_usd'] IS NOT NULL AND split_query_usd IS NULL AS bad_split_query,
         (explicit_usd IS NULL AND list_count(s.cost_texts) > 0) OR bad_split_compute OR bad_split_query AS invalid_cost,
         COALESCE(s.attributes['db.statement'], s.attributes['db.query.text']) AS statement,
         -- Usage: the first attribute of each list with a value in range; one out of range is
         -- ignored as if absent (so the next one, or the price book's default, applies).
         list_filter(s.bytes_values, v -> v IS NOT NULL)[1] AS bytes_attr,
         COALESCE(adtrace_credits(s.attributes['snowflake.credits_used']), adtrace_credits(s.attributes['db.credits_used'])) AS credits_attr,
         upper(COALESCE(s.attributes['snowflake.warehouse.size'], s.attributes['db.warehouse.size'])) AS size_attr,
         COALESCE(adtrace_rpu_seconds(s.attributes['redshift.rpu_seconds']), adtrace_rpu_seconds(s.attributes['db.rpu_seconds'])) AS rpu_seconds_attr,
         COALESCE(adtrace_vcpus(s.attributes['compute.vcpus']), adtrace_vcpus(s.attributes['host.cpu.count'])) AS vcpus_attr,
         -- Attributes that are there with a value out of range, named with the kind of value the
         -- note explains; NULL for nearly every span. Cheap tests first; the names only where one fails.
         list_count(s.cost_texts) > list_count(s.cost_values) OR list_count(s.bytes_texts) > list_count(s.bytes_values)
           OR bad_split_compute OR bad_split_query
           OR (s.attributes['snowflake.credits_used'] IS NOT NULL AND adtrace_credits(s.attributes['snowflake.credits_used']) IS NULL)
           OR (s.attributes['db.credits_used'] IS NOT NULL AND adtrace_credits(s.attributes['db.credits_used']) IS NULL)
           OR (s.attributes['redshift.rpu_seconds'] IS NOT NULL AND adtrace_rpu_seconds(s.attributes['redshift.rpu_seconds']) IS NULL)
           OR (s.attributes['db.rpu_seconds'] IS NOT NULL AND adtrace_rpu_seconds(s.attributes['db.rpu_seconds']) IS NULL)
           OR (s.attributes['compute.vcpus'] IS NOT NULL AND adtrace_vcpus(s.attributes['compute.vcpus']) IS NULL)
           OR (s.attributes['host.cpu.count'] IS NOT NULL AND adtrace_vcpus(s.attributes['host.cpu.count']) IS NULL)
           OR (s.attributes['sampleRate'] IS NOT NULL AND adtrace_one_in_n(s.attributes['sampleRate']) IS NULL)
           OR (s.attributes['SampleRate'] IS NOT NULL AND adtrace_one_in_n(s.attributes['SampleRate']) IS NULL)
           OR (s.attributes['_sample_rate'] IS NOT NULL AND dd_rate IS NULL)
           OR (s.attributes['sampler.type'] = 'probabilistic' AND s.attributes['sampler.param'] IS NOT NULL AND jaeger_rate IS NULL) AS any_bad,
         CASE WHEN any_bad THEN list_concat(
           list_transform(list_filter(getvariable('adtrace_lists').cost, x -> s.attributes[x] IS NOT NULL AND adtrace_usd(s.attributes[x]) IS NULL), x -> {'attribute': x, 'kind': 'usd'}),
           list_transform(list_filter(['cost.compute_usd', 'cost.query_usd'], x -> s.attributes[x] IS NOT NULL AND adtrace_usd(s.attributes[x]) IS NULL), x -> {'attribute': x, 'kind': 'usd'}),
           list_transform(list_filter(getvariable('adtrace_lists').bytes, x -> s.attributes[x] IS NOT NULL AND adtrace_bytes(s.attributes[x]) IS NULL), x -> {'attribute': x, 'kind': 'bytes'}),
           list_transform(list_filter(['snowflake.credits_used', 'db.credits_used'], x -> s.attributes[x] IS NOT NULL AND adtrace_credits(s.attributes[x]) IS NULL), x -> {'attribute': x, 'kind': 'credits'}),
           list_transform(list_filter(['redshift.rpu_seconds', 'db.rpu_seconds'], x -> s.attributes[x] IS NOT NULL AND adtrace_rpu_seconds(s.attributes[x]) IS NULL), x -> {'attribute': x, 'kind': 'rpu_seconds'}),
           list_transform(list_filter(['compute.vcpus', 'host.cpu.count'], x -> s.attributes[x] IS NOT NULL AND adtrace_vcpus(s.attributes[x]) IS NULL), x -> {'attribute': x, 'kind': 'vcpus'}),
           list_transform(list_filter(['sampleRate', 'SampleRate'], x -> s.attributes[x] IS NOT NULL AND adtrace_one_in_n(s.attributes[x]) IS NULL), x -> {'attribute': x, 'kind': 'one_in_n'}),
           list_transform(list_filter(['_sample_rate', CASE WHEN s.attributes['sampler.type'] = 'probabilistic' THEN 'sampler.param' END],
             x -> s.attributes[x] IS NOT NULL AND adtrace_probability(s.attributes[x]) IS NULL), x -> {'attribute': x, 'kind': 'probability'})
         ) END AS bad_list
  FROM config_values s
),
enriched AS (
  SELECT b.*,
         COALESCE(a.stage, k.base_stage, 'other') AS stage,
         greatest(0, b.duration_ns - COALESCE(cv.covered_ns, 0)) AS self_ns,
         -- The weight as if the span's trace carried no rate: model.trace_weights (stored:
         -- store.model_spans) then gives the trace's rate to the spans of a trace that carries one,
         -- over the materialised rows, rather than a second scan of every span's attributes here.
         b.says_sampled AND rw.weight IS NULL AS unknown_weight,
         CASE WHEN NOT getvariable('adtrace_lists').weighted THEN 1.0
              WHEN b.says_sampled AND rw.weight IS NULL THEN getvariable('adtrace_lists').assume_weight
              ELSE COALESCE(b.carried, rw.weight, 1.0) END AS weight,
         CASE WHEN list_contains(getvariable('adtrace_lists').warehouses, b.db_system) THEN b.db_system END AS warehouse
  FROM base b
  LEFT JOIN _key_stage k ON k.name = b.name AND k.service = b.service
  LEFT JOIN _attr_stage a ON a.trace_id = b.trace_id AND a.span_id = b.span_id
  LEFT JOIN _covered cv ON cv.trace_id = b.trace_id AND cv.span_id = b.span_id
  LEFT JOIN _rule_weight rw ON rw.trace_id = b.trace_id AND rw.span_id = b.span_id
),
priced AS (
  -- Price books are few rows with a [from, to) validity range: a range join, not a sort.
  SELECT f.*,
         f.self_ns / 3.6e12 * COALESCE(f.vcpus_attr, cp.vcpus) * cp.vcpu_hour_usd AS derived_compute_usd,
         CASE
           WHEN f.warehouse IS NULL OR wp.system IS NULL THEN NULL
           WHEN wp.credit_usd IS NOT NULL THEN
             COALESCE(f.credits_attr, wp.credits_per_hour[COALESCE(f.size_attr, wp.default_size)] * f.duration_ns / 3.6e12) * wp.credit_usd
           WHEN wp.tib_usd IS NOT NULL THEN CASE WHEN f.bytes_attr IS NOT NULL THEN greatest(f.bytes_attr, COALESCE(wp.min_bytes, 0)) / 1099511627776.0 * wp.tib_usd END
           WHEN wp.rpu_hour_usd IS NOT NULL THEN COALESCE(f.rpu_seconds_attr, wp.rpus * f.duration_ns / 1e9) / 3600.0 * wp.rpu_hour_usd
           WHEN wp.hour_usd IS NOT NULL THEN f.duration_ns / 3.6e12 * wp.hour_usd
         END AS derived_query_usd
  FROM enriched f
  LEFT JOIN compute_price_ranges cp ON f.start_ns >= cp.effective_from_ns AND f.start_ns < cp.effective_to_ns
  LEFT JOIN warehouse_price_ranges wp ON wp.system = f.warehouse AND f.start_ns >= wp.effective_from_ns AND f.start_ns < wp.effective_to_ns
),
costed AS (
  SELECT p.*,
         CASE
           WHEN explicit_usd IS NOT NULL THEN 'explicit'
           WHEN split_compute_usd IS NOT NULL OR split_query_usd IS NOT NULL THEN 'split'
           WHEN derived_compute_usd IS NULL THEN 'none'
           WHEN warehouse IS NOT NULL AND derived_query_usd IS NULL THEN 'partial'
           ELSE 'derived'
         END AS cost_source
  FROM priced p
)
-- Billing (issue 23), the one place the bill enters: a span a billing record joins
-- (`_span_bills`, queries/billing.sql) takes the bill as its query cost and cost source `billed`,
-- over explicit and estimated costs; its compute cost stays the model's, and the query cost it had
-- before is kept as estimated_query_usd (NULL for spans no bill joins) for cost reconcile.
SELECT c.* REPLACE (
         CASE WHEN sb.billed_usd IS NOT NULL THEN sb.billed_usd ELSE c.query_usd END AS query_usd,
         CASE WHEN sb.billed_usd IS NOT NULL THEN c.compute_usd + sb.billed_usd ELSE c.cost_usd END AS cost_usd,
         CASE WHEN sb.billed_usd IS NOT NULL THEN 'billed' ELSE c.cost_source END AS cost_source,
         c.is_unpriced AND sb.billed_usd IS NULL AS is_unpriced),
       CASE WHEN sb.billed_usd IS NOT NULL THEN c.query_usd END AS estimated_query_usd
FROM (
SELECT trace_id, span_id, parent_span_id, name, service, start_ns, duration_ns, attributes,
       stage, self_ns,
       CAST(weight AS DOUBLE) AS weight, unknown_weight,
       CASE cost_source
         WHEN 'explicit' THEN CASE WHEN warehouse IS NULL THEN explicit_usd ELSE 0 END
         WHEN 'split' THEN CASE WHEN bad_split_compute THEN COALESCE(derived_compute_usd, 0) ELSE COALESCE(split_compute_usd, 0) END
         ELSE COALESCE(derived_compute_usd, 0)
       END AS compute_usd,
       CASE cost_source
         WHEN 'explicit' THEN CASE WHEN warehouse IS NULL THEN 0 ELSE explicit_usd END
         WHEN 'split' THEN CASE WHEN bad_split_query THEN COALESCE(derived_query_usd, 0) ELSE COALESCE(split_query_usd, 0) END
         ELSE COALESCE(derived_query_usd, 0)
       END AS query_usd,
       compute_usd + query_usd AS cost_usd,
       warehouse,
       CAST(bytes_attr AS BIGINT) AS bytes_scanned,
       -- The raw statement stays inside the session: queries show only adtrace_fingerprint(statement,
       -- warehouse), computed where they need it (a view column doing so was not pruned from
       -- the queries that never read it, and cost every scan a regex pass).
       CASE WHEN warehouse IS NOT NULL THEN statement END AS statement,
       cost_source,
       cost_source IN ('none', 'partial') AS is_unpriced,
       invalid_cost,
       bad_list AS bad_values,
       -- The sampling rate the span carries itself (NULL for nearly every span): model.trace_weights reads it.
       carried,
       -- Stored models fill these once (store.model_spans); a session's queries compute them
       -- where they need them (COALESCE(query_fingerprint, adtrace_fingerprint(…))).
       CAST(NULL AS VARCHAR) AS query_fingerprint,
       CAST(NULL AS UBIGINT) AS statement_hash,
       CAST(NULL AS DOUBLE) AS stage_event_w,
       CAST(NULL AS DOUBLE) AS query_event_w,
       -- The critical path's columns (src/model/span-path.ts): filled by its walk, at load for a
       -- stored model, on first need in a session.
       CAST(NULL AS DOUBLE) AS critical_ns,
       CAST(NULL AS BOOLEAN) AS on_path,
       CAST(NULL AS DOUBLE) AS stage_path_w,
       CAST(NULL AS DOUBLE) AS stage_on_path_w
FROM costed
) c LEFT JOIN _span_bills sb ON sb.trace_id = c.trace_id AND sb.span_id = c.span_id;

-- name: costed_spans
-- The spans with stage, self time, weight and cost, computed once per session into the table every analysis reads (DESIGN.md, "Cost model"); costed_parts first.
-- What a 10M-span session keeps in memory.
CREATE OR REPLACE TEMP TABLE costed_spans AS SELECT * FROM _costed;


-- name: trace_weights
-- Head sampling decides per trace: a span that carries no rate of its own takes the one its trace carries (the root's, else the largest any span carries), over the session's costed_spans once written. Config rules apply only to spans whose trace carries nothing: they describe per-span sampling policies.
-- Nothing to do, and no more than a scan of one mostly-NULL column, when no span carries a rate.
CREATE OR REPLACE TEMP TABLE _trace_weight AS
SELECT trace_id, COALESCE(max(carried) FILTER (WHERE parent_span_id IS NULL), max(carried)) AS weight
FROM costed_spans WHERE carried IS NOT NULL GROUP BY trace_id;
UPDATE costed_spans SET weight = CASE WHEN getvariable('adtrace_lists').weighted THEN tw.weight ELSE 1.0 END, unknown_weight = FALSE
FROM _trace_weight tw WHERE costed_spans.trace_id = tw.trace_id AND costed_spans.carried IS NULL;
DROP TABLE _trace_weight;

-- name: event_weights
-- Whether adtrace_sum can be exact in this session; then each event's (trace's) weight — its root span's, else the largest of its spans'; events = Σ these — its end-to-end duration, its own cost and whether its spans' weights differ; and each stage's cost in each event (event_stage_costs).
-- Every sum adds at most count(*) terms no larger than the largest weighted value: scaled, that
-- must stay below 2^127 ≈ 1.7e38 (1e20 × 1e18 for dollars and weights, 1e38 × 1 for bytes).
-- NaN or infinite values (max is then NaN or inf) make the comparison false: float sums.
-- A session's model has no stored per-group event weights (store.model_spans): queries count events per trace.
SET VARIABLE adtrace_stored_events = FALSE;
-- Nor its critical paths until they are walked (src/model/span-path.ts).
SET VARIABLE adtrace_paths_walked = FALSE;
SET VARIABLE adtrace_exact_sums = (
  SELECT COALESCE(count(*) * max(greatest(weight, abs(compute_usd) * weight, abs(query_usd) * weight, abs(cost_usd) * weight)) < 1e20, TRUE)
     AND COALESCE(count(*) * max(abs(bytes_scanned) * weight) < 1e37, TRUE)
  FROM costed_spans
);
CREATE OR REPLACE TEMP TABLE event_weights AS
SELECT trace_id, COALESCE(max(weight) FILTER (WHERE parent_span_id IS NULL), max(weight)) AS w,
       max(start_ns + duration_ns) - min(start_ns) AS e2e_ns,
       -- Spans whose own rates differ, or a sampling rule that matched some spans and not the
       -- others (a child carrying the attribute, its root not): each span keeps its weight and
       -- the event counts with w, so such traces are counted and reported.
       min(weight) <> max(weight) AS weights_disagree,
       -- What one event of this kind costs: its spans' weighted cost over the event's weight.
       adtrace_sum(cost_usd * weight, 1e18) / COALESCE(max(weight) FILTER (WHERE parent_span_id IS NULL), max(weight)) AS event_cost_usd,
       -- The critical path's length and the spans left out of it, once walked (src/model/span-path.ts).
       CAST(NULL AS DOUBLE) AS path_ns, CAST(NULL AS INTEGER) AS orphan_spans,
       CAST(NULL AS INTEGER) AS extra_root_spans, CAST(NULL AS INTEGER) AS cyclic_spans
FROM costed_spans GROUP BY trace_id;
-- Per event and stage present in it: the event's weight and the stage's cost, compute and query
-- cost per event (its spans' weighted costs over the event's weight, as cost.event_group_costs):
-- what diff's and savings' intervals sum over events. A view here, evaluated where read; a stored
-- model keeps it as a table (store.model_tables).
CREATE OR REPLACE TEMP VIEW event_stage_costs AS
SELECT c.trace_id, c.stage, any_value(ew.w) AS w,
       adtrace_sum(c.cost_usd * c.weight, 1e18) / any_value(ew.w) AS cost_usd,
       adtrace_sum(c.compute_usd * c.weight, 1e18) / any_value(ew.w) AS compute_usd,
       adtrace_sum(c.query_usd * c.weight, 1e18) / any_value(ew.w) AS query_usd
FROM costed_spans c JOIN event_weights ew ON ew.trace_id = c.trace_id
GROUP BY c.trace_id, c.stage;

-- name: span_summary
-- Once per session, the counts every analysis reports: sampling weights, how spans were priced (explicit cost attributes, the price book, not at all), and attributes whose values were out of range.
CREATE OR REPLACE TEMP TABLE _span_summary AS
SELECT count(*) AS stored_spans,
       adtrace_sum(weight, 1e18) AS estimated_spans,
       min(weight) AS min_weight,
       max(weight) AS max_weight,
       count(*) FILTER (WHERE unknown_weight) AS unknown_weight_spans,
       (SELECT count(*) FROM event_weights WHERE weights_disagree) AS disagreeing_traces,
       count(*) FILTER (WHERE cost_source = 'billed') AS billed_spans,
       count(*) FILTER (WHERE cost_source IN ('explicit', 'split')) AS explicit_spans,
       count(*) FILTER (WHERE cost_source = 'derived') AS price_book_spans,
       count(*) FILTER (WHERE is_unpriced) AS unpriced_spans,
       -- The whole input's figures (cost.totals, cost.queries), so no analysis scans the spans for them.
       adtrace_sum(compute_usd * weight, 1e18) AS compute_usd,
       adtrace_sum(query_usd * weight, 1e18) AS query_usd,
       count(*) FILTER (WHERE invalid_cost) AS invalid_cost_spans,
       min(start_ns) AS first_start_ns,
       max(start_ns + duration_ns) AS last_end_ns
FROM costed_spans;
SET VARIABLE adtrace_weighted_spans = (SELECT COALESCE(min_weight <> max_weight, FALSE) FROM _span_summary);
CREATE OR REPLACE TEMP TABLE _bad_values AS
SELECT b.attribute, b.kind, count(*) AS spans
FROM (SELECT unnest(bad_values) AS b FROM costed_spans WHERE bad_values IS NOT NULL)
GROUP BY b.attribute, b.kind;
