-- name: create_spans
-- The canonical spans table (DESIGN.md).
CREATE TABLE IF NOT EXISTS spans (
  trace_id VARCHAR NOT NULL,
  span_id VARCHAR NOT NULL,
  parent_span_id VARCHAR,
  name VARCHAR NOT NULL,
  service VARCHAR NOT NULL,
  kind VARCHAR NOT NULL,
  status VARCHAR NOT NULL,
  start_ns BIGINT NOT NULL,
  duration_ns BIGINT NOT NULL,
  attributes MAP(VARCHAR, VARCHAR) NOT NULL,
  resource_attributes MAP(VARCHAR, VARCHAR) NOT NULL,
  trace_state VARCHAR,
  source VARCHAR NOT NULL
);

-- name: create_loads
-- The record of what each load read, one row per input file.
CREATE TABLE IF NOT EXISTS loads (
  source VARCHAR NOT NULL,
  format VARCHAR NOT NULL,
  bytes BIGINT,
  sha256 VARCHAR,
  spans_read BIGINT NOT NULL,
  spans_added BIGINT NOT NULL,
  duplicates BIGINT NOT NULL,
  conflicts BIGINT NOT NULL,
  skipped BIGINT NOT NULL,
  loaded_at TIMESTAMP NOT NULL
);

-- name: next_rowid
-- The first rowid a load's new rows will get: rows at or past it are this load's.
SELECT COALESCE(max(rowid) + 1, 0) AS base FROM spans;

-- name: spool_macro
-- adtrace_spool(files): spool files (canonical NDJSON written by the JSON adapters, one-letter keys: spool.ts) as canonical rows, without the source.
CREATE OR REPLACE TEMP MACRO adtrace_spool(files) AS TABLE
SELECT t AS trace_id, s AS span_id, p AS parent_span_id, n AS name, v AS service, k AS kind, c AS status,
       b AS start_ns, d AS duration_ns, a AS attributes, r AS resource_attributes, x AS trace_state
FROM read_json(files, format = 'newline_delimited', maximum_object_size = 16777216, columns = {
  t: 'VARCHAR', s: 'VARCHAR', p: 'VARCHAR', n: 'VARCHAR', v: 'VARCHAR', k: 'VARCHAR', c: 'VARCHAR',
  b: 'BIGINT', d: 'BIGINT', a: 'MAP(VARCHAR, VARCHAR)', r: 'MAP(VARCHAR, VARCHAR)', x: 'VARCHAR'
});

-- name: stage_spool
-- Reads spool files straight into spans (spool_macro first), a span's service from its resource when the adapter found none.
-- params: $files, $source
INSERT INTO spans
SELECT * REPLACE (COALESCE(NULLIF(service, ''), resource_attributes['service.name'], '') AS service), $source
FROM adtrace_spool($files);

-- name: spool_to_parquet
-- A spool file as canonical Parquet, for adtrace generate (spool_macro first).
-- params: $spool, $out
COPY (SELECT *, 'generated' AS source FROM adtrace_spool([$spool])) TO $out (FORMAT parquet, COMPRESSION zstd);

-- name: spool_to_csv
-- A spool file as a canonical CSV table (attributes as JSON text), for adtrace generate (spool_macro first); $compression 'gzip' or 'none'.
-- params: $spool, $out, $compression
COPY (
  SELECT * REPLACE (CAST(to_json(attributes) AS VARCHAR) AS attributes, CAST(to_json(resource_attributes) AS VARCHAR) AS resource_attributes),
         'generated' AS source
  FROM adtrace_spool([$spool])
) TO $out (FORMAT csv, HEADER true, COMPRESSION $compression);

-- name: last_rowid
-- The last rowid this load has staged so far (as text: rowids of a transaction's rows pass 2^53), NULL before any.
-- params: $base
SELECT CAST(max(rowid) AS VARCHAR) AS last_rowid FROM spans WHERE rowid >= $base;

-- name: find_duplicates
-- Every later copy of a (trace_id, span_id) that this load touched; the first copy (lowest rowid, so a stored span) wins.
-- params: $base
CREATE OR REPLACE TEMP TABLE _duplicates AS
WITH touched AS (
  SELECT trace_id, span_id FROM spans GROUP BY trace_id, span_id HAVING count(*) > 1 AND max(rowid) >= $base
),
copies AS (
  SELECT s.rowid AS rid,
         row_number() OVER w AS rn,
         hash(s.parent_span_id, s.name, s.service, s.start_ns, s.duration_ns, s.attributes) AS h,
         first(hash(s.parent_span_id, s.name, s.service, s.start_ns, s.duration_ns, s.attributes)) OVER w AS first_h
  FROM spans s SEMI JOIN touched t ON t.trace_id = s.trace_id AND t.span_id = s.span_id
  WINDOW w AS (PARTITION BY s.trace_id, s.span_id ORDER BY s.rowid)
)
SELECT rid, h <> first_h AS conflict FROM copies WHERE rn > 1;

-- name: delete_duplicates
-- Removes the later copies found by find_duplicates.
DELETE FROM spans WHERE rowid IN (SELECT rid FROM _duplicates);

-- name: load_counts
-- Duplicates and conflicting duplicates per input of this load, by the rows each input staged.
-- params: $lasts
-- Not by the rows' source column, which a canonical table carries over. $lasts: per input that staged
-- rows, in staging order, the last rowid it staged; a duplicate belongs to the first input at or past it.
WITH bounds AS (SELECT CAST(unnest($lasts) AS BIGINT) AS last_rowid, unnest(range(len($lasts))) AS input)
SELECT b.input, count(*) AS duplicates, count(*) FILTER (WHERE d.conflict) AS conflicts
FROM _duplicates d ASOF JOIN bounds b ON d.rid <= b.last_rowid
GROUP BY b.input;

-- name: drop_duplicates
-- Drops the temporary duplicates table.
DROP TABLE IF EXISTS _duplicates;

-- name: record_load
-- One row per input file read by a load.
-- params: $source, $format, $bytes, $sha256, $spans_read, $spans_added, $duplicates, $conflicts, $skipped
INSERT INTO loads VALUES ($source, $format, $bytes, $sha256, $spans_read, $spans_added, $duplicates, $conflicts, $skipped, now()::TIMESTAMP);

-- name: export_parquet
-- Writes the canonical table to a Parquet file, in a stable order.
-- params: $path
COPY (SELECT * FROM spans ORDER BY trace_id, start_ns, span_id) TO $path (FORMAT parquet, COMPRESSION zstd);

-- name: export_csv
-- Writes the canonical table to a CSV file (maps as JSON text), in a stable order; $compression 'gzip' or 'none'.
-- params: $path, $compression
-- Compression is stated: the file is written under a temporary name, so DuckDB cannot infer it from '.gz'.
COPY (
  SELECT * REPLACE (CAST(to_json(attributes) AS VARCHAR) AS attributes, CAST(to_json(resource_attributes) AS VARCHAR) AS resource_attributes)
  FROM spans ORDER BY trace_id, start_ns, span_id
) TO $path (FORMAT csv, HEADER true, COMPRESSION $compression);
