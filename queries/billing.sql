-- name: create_table
-- The billed_queries table (issue 23): one row per warehouse query the warehouse billed, from Snowflake QUERY_ATTRIBUTION_HISTORY (and QUERY_HISTORY) or BigQuery INFORMATION_SCHEMA.JOBS exports.
-- units in `unit` (credits, bytes, slot_ms) are what the warehouse billed; usd is them priced with
-- the price book in force at load (analyses price them again with theirs); trace_id/span_id come
-- from the query tag or job labels (a W3C traceparent, or trace and span ids) when they carry one.
CREATE TABLE IF NOT EXISTS billed_queries (
  warehouse VARCHAR NOT NULL, query_id VARCHAR NOT NULL, tag VARCHAR, trace_id VARCHAR, span_id VARCHAR,
  warehouse_name VARCHAR, start_ns BIGINT, end_ns BIGINT, units DOUBLE NOT NULL, unit VARCHAR NOT NULL, usd DOUBLE,
  statement VARCHAR, statement_hash VARCHAR, source VARCHAR NOT NULL, record BIGINT NOT NULL, loaded_seq BIGINT NOT NULL
);

-- name: create_history
-- Snowflake QUERY_HISTORY rows (issue 23): the text and parameterized hash of query ids, which the attribution records lack; the latest per query id.
CREATE TABLE IF NOT EXISTS billed_query_history (
  warehouse VARCHAR NOT NULL, query_id VARCHAR NOT NULL, statement VARCHAR, statement_hash VARCHAR, start_ns BIGINT, end_ns BIGINT,
  source VARCHAR NOT NULL, record BIGINT NOT NULL
);

-- name: create_prices
-- The price book's billing rates as rows, each with its [from, to) validity: $ per Snowflake credit, per BigQuery TiB billed (on demand), per BigQuery slot-hour (editions).
CREATE OR REPLACE TEMP TABLE billing_prices (system VARCHAR, from_ns BIGINT, credit_usd DOUBLE, tib_usd DOUBLE, slot_hour_usd DOUBLE);

-- name: insert_price
-- One billing rate row.
-- params: $system, $from_ns, $credit_usd, $tib_usd, $slot_hour_usd
INSERT INTO billing_prices VALUES ($system, $from_ns, $credit_usd, $tib_usd, $slot_hour_usd);

-- name: price_ranges
-- The billing rates with the end of their validity, and the macros that read bills: adtrace_bill_time(text) → epoch ns; adtrace_bill_usd(warehouse, unit, units, start_ns), a bill in USD.
CREATE OR REPLACE TEMP TABLE billing_price_ranges AS
SELECT *, lead(from_ns, 1, 9223372036854775807) OVER (PARTITION BY system ORDER BY from_ns) AS to_ns FROM billing_prices;
-- A time as exports write it: ISO 8601, Snowflake's '2026-01-01 00:00:00.000 +0000', BigQuery's
-- '… UTC', or epoch seconds / ms / µs / ns told apart by magnitude.
CREATE OR REPLACE TEMP MACRO adtrace_bill_time(t) AS (
  CASE
    WHEN regexp_full_match(trim(t), '[0-9]+(\.[0-9]+)?') THEN
      CASE WHEN TRY_CAST(t AS DOUBLE) < 1e11 THEN CAST(TRY_CAST(t AS DOUBLE) * 1e9 AS BIGINT)
           WHEN TRY_CAST(t AS DOUBLE) < 1e14 THEN CAST(TRY_CAST(t AS DOUBLE) * 1e6 AS BIGINT)
           WHEN TRY_CAST(t AS DOUBLE) < 1e17 THEN CAST(TRY_CAST(t AS DOUBLE) * 1e3 AS BIGINT)
           ELSE TRY_CAST(t AS BIGINT) END
    -- strptime first: a failing TRY_CAST to TIMESTAMPTZ (Snowflake's '+0000') costs milliseconds a value.
    WHEN try_strptime(t, ['%Y-%m-%d %H:%M:%S.%f %z', '%Y-%m-%d %H:%M:%S %z']) IS NOT NULL
      THEN epoch_ns(try_strptime(t, ['%Y-%m-%d %H:%M:%S.%f %z', '%Y-%m-%d %H:%M:%S %z']))
    ELSE epoch_ns(TRY_CAST(t AS TIMESTAMPTZ))
  END
);
CREATE OR REPLACE TEMP MACRO adtrace_bill_usd(warehouse, unit, units, start_ns) AS ((
  SELECT CASE unit
           WHEN 'credits' THEN units * p.credit_usd
           WHEN 'bytes' THEN units / 1099511627776.0 * p.tib_usd
           WHEN 'slot_ms' THEN units / 3.6e6 * p.slot_hour_usd
         END
  FROM billing_price_ranges p
  WHERE p.system = warehouse AND COALESCE(start_ns, 0) >= p.from_ns AND COALESCE(start_ns, 0) < p.to_ns
));

-- name: create_staging
-- Where one load's billing records are staged, file by file, before they replace stored ones.
CREATE OR REPLACE TEMP TABLE _bill_staged (
  seq BIGINT, source VARCHAR, record BIGINT, warehouse VARCHAR, query_id VARCHAR, tag VARCHAR, warehouse_name VARCHAR,
  start_ns BIGINT, end_ns BIGINT, units DOUBLE, unit VARCHAR, statement VARCHAR, statement_hash VARCHAR, skip VARCHAR
);

-- name: create_history_staging
-- Where one load's QUERY_HISTORY rows are staged.
CREATE OR REPLACE TEMP TABLE _hist_staged (seq BIGINT, source VARCHAR, record BIGINT, query_id VARCHAR, statement VARCHAR, statement_hash VARCHAR, start_ns BIGINT, end_ns BIGINT);

-- name: read_csv
-- A billing file as CSV, every column as text (its names as the export wrote them).
-- params: $path, $compression
CREATE OR REPLACE TEMP TABLE _bill_raw AS SELECT COLUMNS(*)::VARCHAR FROM read_csv($path, all_varchar = true, header = true, compression = $compression);

-- name: read_json
-- A billing file as JSON (an array of records) or NDJSON, every column as text.
-- params: $path, $compression
CREATE OR REPLACE TEMP TABLE _bill_raw AS SELECT COLUMNS(*)::VARCHAR FROM read_json($path, format = 'auto', compression = $compression);

-- name: read_parquet
-- A billing file as Parquet, every column as text.
-- params: $path
CREATE OR REPLACE TEMP TABLE _bill_raw AS SELECT COLUMNS(*)::VARCHAR FROM read_parquet($path);

-- name: raw_columns
-- The columns of the file just read, for recognising its kind.
SELECT column_name FROM (DESCRIBE _bill_raw);

-- name: raw_count
-- The records of the file just read.
SELECT count(*) AS n FROM _bill_raw;

-- name: stage
-- The file just read, as billing records of its kind ($kind: snowflake or bigquery), names compared case-insensitively; a record without an id or a usable amount is kept with the reason it is skipped.
-- params: $kind, $source, $file_index
INSERT INTO _bill_staged
WITH long AS (
  -- Only the columns read below, as (record, lower-case name, value); the rest of the export is left alone.
  UNPIVOT (SELECT rowid - (SELECT min(rowid) FROM _bill_raw) AS _rec, * FROM _bill_raw)
  ON COLUMNS(c -> lower(c) IN (
    'query_id', 'query_tag', 'warehouse_name', 'start_time', 'end_time', 'credits_attributed_compute', 'credits_used_query_acceleration',
    'query_parameterized_hash', 'query_text',
    'job_id', 'labels', 'query', 'total_bytes_billed', 'total_slot_ms', 'cache_hit', 'reservation_id', 'creation_time', 'statement_type'))
  INTO NAME name VALUE value
),
wide AS (
  SELECT _rec,
         max(value) FILTER (WHERE lower(name) IN ('query_id', 'job_id')) AS query_id,
         max(value) FILTER (WHERE lower(name) IN ('query_tag', 'labels')) AS tag,
         max(value) FILTER (WHERE lower(name) IN ('warehouse_name', 'reservation_id')) AS warehouse_name,
         max(value) FILTER (WHERE lower(name) = 'start_time') AS start_text,
         max(value) FILTER (WHERE lower(name) = 'creation_time') AS creation_text,
         max(value) FILTER (WHERE lower(name) = 'end_time') AS end_text,
         max(value) FILTER (WHERE lower(name) = 'credits_attributed_compute') AS credits_text,
         max(value) FILTER (WHERE lower(name) = 'credits_used_query_acceleration') AS acceleration_text,
         max(value) FILTER (WHERE lower(name) = 'total_bytes_billed') AS bytes_text,
         max(value) FILTER (WHERE lower(name) = 'total_slot_ms') AS slot_ms_text,
         max(value) FILTER (WHERE lower(name) IN ('query_text', 'query')) AS statement,
         max(value) FILTER (WHERE lower(name) = 'query_parameterized_hash') AS statement_hash,
         max(value) FILTER (WHERE lower(name) = 'statement_type') AS statement_type
  FROM long GROUP BY _rec
),
all_records AS (
  -- UNPIVOT leaves out records whose read columns are all empty: they are skipped too.
  SELECT r._rec, w.* EXCLUDE (_rec) FROM (SELECT rowid - (SELECT min(rowid) FROM _bill_raw) AS _rec FROM _bill_raw) r LEFT JOIN wide w ON w._rec = r._rec
),
amounts AS (
  SELECT *,
         CASE WHEN $kind = 'snowflake' THEN 'credits'
              -- BigQuery: a job in a reservation is billed by slot time (editions), else by bytes (on demand).
              WHEN NULLIF(trim(warehouse_name), '') IS NOT NULL THEN 'slot_ms' ELSE 'bytes' END AS unit,
         CASE WHEN $kind = 'snowflake' THEN TRY_CAST(credits_text AS DOUBLE) + COALESCE(TRY_CAST(NULLIF(trim(acceleration_text), '') AS DOUBLE), 0)
              WHEN NULLIF(trim(warehouse_name), '') IS NOT NULL THEN TRY_CAST(slot_ms_text AS DOUBLE)
              ELSE TRY_CAST(bytes_text AS DOUBLE) END AS units,
         CASE WHEN $kind = 'snowflake' THEN NULLIF(trim(credits_text), '') IS NULL
              WHEN NULLIF(trim(warehouse_name), '') IS NOT NULL THEN NULLIF(trim(slot_ms_text), '') IS NULL
              ELSE NULLIF(trim(bytes_text), '') IS NULL END AS no_amount
  FROM all_records
)
SELECT $file_index * 4294967296 + _rec AS seq, $source, _rec + 1 AS record, $kind AS warehouse, NULLIF(trim(query_id), ''), NULLIF(tag, ''),
       NULLIF(trim(warehouse_name), ''),
       adtrace_bill_time(COALESCE(NULLIF(trim(start_text), ''), creation_text)), adtrace_bill_time(end_text),
       units, unit, statement, statement_hash,
       CASE
         WHEN NULLIF(trim(query_id), '') IS NULL THEN 'no query or job id'
         -- A BigQuery script's parent job bills what its child jobs billed: the children are counted.
         WHEN upper(statement_type) = 'SCRIPT' THEN 'script parent job (its child jobs carry the bill)'
         WHEN no_amount THEN 'no billed amount'
         WHEN units IS NULL OR NOT isfinite(units) THEN 'amount not a finite number'
         WHEN units < 0 THEN 'negative amount'
       END AS skip
FROM amounts;

-- name: stage_history
-- A Snowflake QUERY_HISTORY file just read: query id, text, parameterized hash, times ($kind is snowflake_history; names compared case-insensitively).
-- params: $kind, $source, $file_index
INSERT INTO _hist_staged
WITH long AS (
  UNPIVOT (SELECT rowid - (SELECT min(rowid) FROM _bill_raw) AS _rec, * FROM _bill_raw)
  ON COLUMNS(c -> lower(c) IN ('query_id', 'query_text', 'query_parameterized_hash', 'start_time', 'end_time'))
  INTO NAME name VALUE value
),
wide AS (
  SELECT _rec,
         max(value) FILTER (WHERE lower(name) = 'query_id') AS query_id,
         max(value) FILTER (WHERE lower(name) = 'query_text') AS statement,
         max(value) FILTER (WHERE lower(name) = 'query_parameterized_hash') AS statement_hash,
         max(value) FILTER (WHERE lower(name) = 'start_time') AS start_text,
         max(value) FILTER (WHERE lower(name) = 'end_time') AS end_text
  FROM long GROUP BY _rec
)
SELECT $file_index * 4294967296 + _rec, $source, _rec + 1, trim(query_id), statement, statement_hash,
       adtrace_bill_time(start_text), adtrace_bill_time(end_text)
FROM wide WHERE $kind = 'snowflake_history' AND NULLIF(trim(query_id), '') IS NOT NULL;

-- name: skipped
-- The staged records skipped, by reason, with the first one's file and record.
SELECT skip AS reason, count(*) AS records, arg_min(source || ':record ' || record, seq) AS example
FROM _bill_staged WHERE skip IS NOT NULL GROUP BY skip ORDER BY skip;

-- name: store
-- The staged records into billed_queries: per (warehouse, query id) the latest record wins (later file, later row; a new load over stored rows); duplicates and conflicting duplicates (different amounts) counted; then stored ones replaced.
-- params: $loaded_seq
CREATE OR REPLACE TEMP TABLE _bill_new AS
SELECT s.*,
       count(*) OVER w AS copies,
       count(DISTINCT units) OVER w AS amounts,
       row_number() OVER (PARTITION BY warehouse, query_id ORDER BY seq DESC) AS recency
FROM _bill_staged s WHERE skip IS NULL
WINDOW w AS (PARTITION BY warehouse, query_id);
CREATE OR REPLACE TEMP TABLE _bill_store_stats AS
SELECT (SELECT count(*) FROM _bill_staged) AS records_read,
       (SELECT count(*) FROM _bill_new WHERE recency = 1) AS records_kept,
       (SELECT count(*) FROM _bill_new WHERE recency > 1) AS duplicates,
       (SELECT count(*) FROM _bill_new WHERE recency = 1 AND amounts > 1) AS conflicting_in_load,
       (SELECT count(*) FROM _bill_new n JOIN billed_queries b ON b.warehouse = n.warehouse AND b.query_id = n.query_id WHERE n.recency = 1) AS replaced,
       (SELECT count(*) FROM _bill_new n JOIN billed_queries b ON b.warehouse = n.warehouse AND b.query_id = n.query_id
         WHERE n.recency = 1 AND (b.units <> n.units OR b.unit <> n.unit)) AS conflicting_stored,
       (SELECT arg_min(n.source || ':record ' || n.record, n.seq) FROM _bill_new n WHERE n.recency = 1 AND n.amounts > 1) AS conflict_example,
       (SELECT count(*) FROM _hist_staged) AS history_read;
DELETE FROM billed_queries b USING _bill_new n WHERE n.recency = 1 AND b.warehouse = n.warehouse AND b.query_id = n.query_id;
INSERT INTO billed_queries
SELECT warehouse, query_id, tag, t.trace_id, t.span_id, warehouse_name, start_ns, end_ns, units, unit,
       adtrace_bill_usd(warehouse, unit, units, start_ns), statement, statement_hash, source, record, $loaded_seq
FROM (
  SELECT n.*,
         -- A traceparent first; else trace and span ids under names such as trace_id / span_id
         -- (a Snowflake tag in JSON; BigQuery labels, as key/value pairs).
         {'trace_id': NULLIF(COALESCE(NULLIF(tp.trace_id, ''), regexp_extract(t_text, '\btrace[_.-]?id\W+(?:value\W+)?([0-9a-f]{32})\b', 1)), ''),
          'span_id': NULLIF(COALESCE(NULLIF(tp.span_id, ''), regexp_extract(t_text, '\bspan[_.-]?id\W+(?:value\W+)?([0-9a-f]{16})\b', 1)), '')} AS t
  FROM (
    SELECT n.*, lower(n.tag) AS t_text,
           regexp_extract(lower(n.tag), '\b00-([0-9a-f]{32})-([0-9a-f]{16})-[0-9a-f]{2}\b', ['trace_id', 'span_id']) AS tp
    FROM _bill_new n WHERE n.recency = 1
  ) n
)
ORDER BY seq;

-- name: store_history
-- The staged QUERY_HISTORY rows into billed_query_history, the latest per query id replacing stored ones.
DELETE FROM billed_query_history h USING _hist_staged s WHERE h.query_id = s.query_id;
INSERT INTO billed_query_history
SELECT 'snowflake', query_id, statement, statement_hash, start_ns, end_ns, source, record
FROM (SELECT *, row_number() OVER (PARTITION BY query_id ORDER BY seq DESC) AS recency FROM _hist_staged) WHERE recency = 1
ORDER BY seq;
DELETE FROM _hist_staged;

-- name: store_stats
-- What the last store did.
SELECT * FROM _bill_store_stats;

-- name: stored_summary
-- The stored billing records per warehouse: records, billed USD (at load's prices), how many carry trace context in their tag or labels, how many could not be priced.
SELECT warehouse, count(*) AS records, sum(usd ORDER BY query_id) AS billed_usd, count(*) FILTER (WHERE trace_id IS NOT NULL AND span_id IS NOT NULL) AS tagged,
       count(*) FILTER (WHERE usd IS NULL) AS unpriced
FROM billed_queries GROUP BY warehouse ORDER BY warehouse;

-- name: next_loaded_seq
-- The number of this load among billing loads (for "the latest wins" across loads).
SELECT COALESCE(max(loaded_seq), 0) + 1 AS seq FROM billed_queries;

-- name: no_bills
-- A session without billing records: no bills, none joined (the tables bills and span_bills make, empty, with their types, without pricing or reading anything).
CREATE OR REPLACE TEMP TABLE _bills (warehouse VARCHAR, query_id VARCHAR, trace_id VARCHAR, span_id VARCHAR, start_ns BIGINT, end_ns BIGINT, statement VARCHAR, usd DOUBLE);
CREATE OR REPLACE TEMP TABLE _bill_joins (warehouse VARCHAR, query_id VARCHAR, trace_id VARCHAR, span_id VARCHAR, match VARCHAR);
CREATE OR REPLACE TEMP TABLE _span_bills (trace_id VARCHAR, span_id VARCHAR, billed_usd DOUBLE, bills BIGINT, match VARCHAR, warehouse VARCHAR);

-- name: bills
-- The stored billing records priced with the session's price book (NULL when it has no rate for their unit), with the text Snowflake's QUERY_HISTORY gives a record that has none.
CREATE OR REPLACE TEMP TABLE _bills AS
SELECT b.warehouse, b.query_id, b.trace_id, b.span_id, COALESCE(b.start_ns, h.start_ns) AS start_ns, COALESCE(b.end_ns, h.end_ns) AS end_ns,
       COALESCE(b.statement, h.statement) AS statement, adtrace_bill_usd(b.warehouse, b.unit, b.units, b.start_ns) AS usd
FROM billed_queries b LEFT JOIN billed_query_history h ON h.warehouse = b.warehouse AND h.query_id = b.query_id;

-- name: set_join_options
-- The join's options, as a session variable span_bills reads: the id attributes, and whether to match by time.
-- params: $id_attrs, $match_by_time
SET VARIABLE adtrace_billing = {'id_attrs': $id_attrs, 'match_by_time': $match_by_time};

-- name: bill_joins
-- Bills joined to spans (`_bill_joins`: one row per joined bill, with how: id, tag, time); a bill the price book cannot price joins nothing.
CREATE OR REPLACE TEMP TABLE _bill_joins AS
WITH
ids AS (
  -- Only spans carrying one of the id attributes: usually the warehouse CLIENT spans.
  SELECT trace_id, span_id, unnest(ids) AS qid FROM (
    SELECT s.trace_id, s.span_id, list_distinct(list_filter(list_transform(getvariable('adtrace_billing').id_attrs, k -> s.attributes[k]), v -> v IS NOT NULL)) AS ids
    FROM spans s WHERE (SELECT count(*) FROM _bills) > 0
  ) WHERE len(ids) > 0
),
by_id AS (
  -- Several spans naming one query id (a parent and its child copying it): the first by id takes the bill.
  SELECT b.warehouse, b.query_id, i.trace_id, i.span_id, 'id' AS match,
         row_number() OVER (PARTITION BY b.warehouse, b.query_id ORDER BY i.trace_id, i.span_id) AS nth
  FROM _bills b JOIN ids i ON i.qid = b.query_id
  WHERE b.usd IS NOT NULL
),
by_tag AS (
  SELECT b.warehouse, b.query_id, s.trace_id, s.span_id, 'tag' AS match
  FROM _bills b JOIN spans s ON s.trace_id = b.trace_id AND s.span_id = b.span_id
  WHERE b.usd IS NOT NULL AND NOT EXISTS (SELECT 1 FROM by_id i WHERE i.nth = 1 AND i.warehouse = b.warehouse AND i.query_id = b.query_id)
)
SELECT warehouse, query_id, trace_id, span_id, match FROM by_id WHERE nth = 1
UNION ALL
SELECT * FROM by_tag;
-- The weaker match, asked for with --match-by-time: a bill and a warehouse span of the same
-- warehouse whose statements have the same fingerprint and whose times overlap, accepted only
-- when each is the only candidate of the other.
INSERT INTO _bill_joins
WITH
open_bills AS (
  SELECT b.warehouse, b.query_id, b.start_ns, COALESCE(b.end_ns, b.start_ns) AS end_ns, adtrace_fingerprint(b.statement, b.warehouse) AS fingerprint
  FROM _bills b
  WHERE getvariable('adtrace_billing').match_by_time AND b.usd IS NOT NULL AND b.statement IS NOT NULL AND b.start_ns IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM _bill_joins j WHERE j.warehouse = b.warehouse AND j.query_id = b.query_id)
),
open_spans AS (
  SELECT trace_id, span_id, wh, start_ns, end_ns, adtrace_fingerprint(statement, wh) AS fingerprint FROM (
    SELECT s.trace_id, s.span_id, s.start_ns, s.start_ns + s.duration_ns AS end_ns,
           regexp_replace(lower(COALESCE(s.attributes['db.system'], s.attributes['db.system.name'])), '^(gcp|aws|azure)\.', '') AS wh,
           COALESCE(s.attributes['db.statement'], s.attributes['db.query.text']) AS statement
    FROM spans s WHERE getvariable('adtrace_billing').match_by_time AND (SELECT count(*) FROM open_bills) > 0
  ) s
  WHERE wh IN ('snowflake', 'bigquery') AND statement IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM _bill_joins j WHERE j.trace_id = s.trace_id AND j.span_id = s.span_id)
),
candidates AS (
  SELECT b.warehouse, b.query_id, s.trace_id, s.span_id,
         count(*) OVER (PARTITION BY b.warehouse, b.query_id) AS spans_for_bill,
         count(*) OVER (PARTITION BY s.trace_id, s.span_id) AS bills_for_span
  FROM open_bills b JOIN open_spans s
    ON s.wh = b.warehouse AND s.fingerprint = b.fingerprint AND s.start_ns <= b.end_ns AND b.start_ns <= s.end_ns
)
SELECT warehouse, query_id, trace_id, span_id, 'time' FROM candidates WHERE spans_for_bill = 1 AND bills_for_span = 1;

-- name: no_bill_joins
-- A session without bills joins none: billing.bill_joins would still read every span's attributes (1 CPU s per million spans).
CREATE OR REPLACE TEMP TABLE _bill_joins (warehouse VARCHAR, query_id VARCHAR, trace_id VARCHAR, span_id VARCHAR, match VARCHAR);

-- name: span_bills
-- Per span, the USD of the bills joined to it (`_span_bills`, from `_bill_joins`).
CREATE OR REPLACE TEMP TABLE _span_bills AS
SELECT j.trace_id, j.span_id, sum(b.usd ORDER BY b.query_id) AS billed_usd, count(*) AS bills,
       -- The weakest way any of its bills was matched: id, then tag, then time.
       max(j.match) AS match, min(b.warehouse) AS warehouse
FROM _bill_joins j JOIN _bills b ON b.warehouse = j.warehouse AND b.query_id = j.query_id
GROUP BY j.trace_id, j.span_id;

-- name: bill_tags
-- The (trace id, span id) pairs the stored billing records' tags name, distinct and sorted: cost reconcile over a ClickHouse source brings back the spans they name (queries/clickhouse_reconcile.sql).
SELECT DISTINCT trace_id, span_id FROM billed_queries WHERE trace_id IS NOT NULL AND span_id IS NOT NULL ORDER BY trace_id, span_id;
