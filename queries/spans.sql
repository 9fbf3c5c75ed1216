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

-- name: create_stage
-- A temporary staging table that one load appends to before its rows join `spans`.
CREATE OR REPLACE TEMP TABLE _stage (
  trace_id VARCHAR,
  span_id VARCHAR,
  parent_span_id VARCHAR,
  name VARCHAR,
  service VARCHAR,
  kind VARCHAR,
  status VARCHAR,
  start_ns BIGINT,
  duration_ns BIGINT,
  attributes VARCHAR,
  resource_attributes VARCHAR,
  trace_state VARCHAR,
  source VARCHAR
);

-- name: stage_counts
-- Rows staged per source, and how many are new, exact duplicates, or the same ids with other content.
WITH ranked AS (
  SELECT s.source, s.trace_id, s.span_id,
         row_number() OVER (PARTITION BY s.trace_id, s.span_id ORDER BY s.rowid) AS rn,
         hash(s.parent_span_id, s.name, s.service, s.start_ns, s.duration_ns) AS h,
         first(hash(s.parent_span_id, s.name, s.service, s.start_ns, s.duration_ns)) OVER (PARTITION BY s.trace_id, s.span_id ORDER BY s.rowid) AS first_h
  FROM _stage s
),
existing AS (
  SELECT r.source, r.rn, r.h, r.first_h,
         x.trace_id IS NOT NULL AS in_db,
         hash(x.parent_span_id, x.name, x.service, x.start_ns, x.duration_ns) AS db_h
  FROM ranked r LEFT JOIN spans x ON x.trace_id = r.trace_id AND x.span_id = r.span_id
)
SELECT source,
       count(*) AS spans_read,
       count(*) FILTER (WHERE rn = 1 AND NOT in_db) AS spans_added,
       count(*) FILTER (WHERE rn > 1 OR in_db) AS duplicates,
       count(*) FILTER (WHERE (in_db AND h <> db_h) OR (NOT in_db AND rn > 1 AND h <> first_h)) AS conflicts
FROM existing
GROUP BY source;

-- name: insert_stage
-- Moves staged rows into spans: the first copy of each (trace_id, span_id) wins, ids already stored are kept as they are.
INSERT INTO spans
SELECT trace_id, span_id, parent_span_id, name,
       COALESCE(NULLIF(service, ''), json_extract_string(resource_attributes, '$."service.name"'), '') AS service,
       kind, status, start_ns, duration_ns,
       CAST(CAST(attributes AS JSON) AS MAP(VARCHAR, VARCHAR)),
       CAST(CAST(resource_attributes AS JSON) AS MAP(VARCHAR, VARCHAR)),
       trace_state, source
FROM (
  SELECT s.*, row_number() OVER (PARTITION BY s.trace_id, s.span_id ORDER BY s.rowid) AS rn
  FROM _stage s
) s
WHERE rn = 1
  AND NOT EXISTS (SELECT 1 FROM spans x WHERE x.trace_id = s.trace_id AND x.span_id = s.span_id);

-- name: drop_stage
-- Drops the staging table.
DROP TABLE IF EXISTS _stage;

-- name: record_load
-- One row per input file read by a load.
-- params: $source, $format, $bytes, $sha256, $spans_read, $spans_added, $duplicates, $conflicts, $skipped
INSERT INTO loads VALUES ($source, $format, $bytes, $sha256, $spans_read, $spans_added, $duplicates, $conflicts, $skipped, now()::TIMESTAMP);

-- name: export_parquet
-- Writes the canonical table to a Parquet file, in a stable order.
-- params: $path
COPY (SELECT * FROM spans ORDER BY trace_id, start_ns, span_id) TO $path (FORMAT parquet, COMPRESSION zstd);

-- name: export_csv
-- Writes the canonical table to a CSV file (maps as JSON text), in a stable order.
-- params: $path
COPY (
  SELECT * REPLACE (CAST(to_json(attributes) AS VARCHAR) AS attributes, CAST(to_json(resource_attributes) AS VARCHAR) AS resource_attributes)
  FROM spans ORDER BY trace_id, start_ns, span_id
) TO $path (FORMAT csv, HEADER true);
