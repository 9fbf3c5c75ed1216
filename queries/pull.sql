-- name: create_state
-- Per warehouse source (URL without password) and table, the high-water marks of the pulls so far.
-- max_start_ns: the highest span start pulled. mark_column, mark_ns: the table's ingestion-time
-- column and the highest value pulled from it (epoch ns), when the mark is kept on that column; NULL
-- when it is kept on the start. The two ALTERs add them to a database an older adtrace wrote.
CREATE TABLE IF NOT EXISTS pull_state (
  source VARCHAR NOT NULL,
  table_name VARCHAR NOT NULL,
  max_start_ns BIGINT NOT NULL,
  pulled_at TIMESTAMP NOT NULL,
  mark_column VARCHAR,
  mark_ns BIGINT,
  PRIMARY KEY (source, table_name)
);
ALTER TABLE pull_state ADD COLUMN IF NOT EXISTS mark_column VARCHAR;
ALTER TABLE pull_state ADD COLUMN IF NOT EXISTS mark_ns BIGINT;

-- name: watermark
-- The high-water marks of earlier pulls of one table: the next incremental pull starts a lookback before one of them.
-- params: $source, $table_name
SELECT max_start_ns, mark_column, mark_ns FROM pull_state WHERE source = $source AND table_name = $table_name;

-- name: save_watermark
-- Raises a table's high-water marks: they never go down, whatever --since, --until or --full did; a mark on another column replaces the old one.
-- params: $source, $table_name, $max_start_ns, $mark_column, $mark_ns
INSERT INTO pull_state (source, table_name, max_start_ns, pulled_at, mark_column, mark_ns)
VALUES ($source, $table_name, $max_start_ns, now()::TIMESTAMP, $mark_column, $mark_ns)
ON CONFLICT (source, table_name) DO UPDATE
SET max_start_ns = greatest(pull_state.max_start_ns, excluded.max_start_ns),
    mark_ns = CASE WHEN pull_state.mark_column IS NOT DISTINCT FROM excluded.mark_column
                   THEN greatest(pull_state.mark_ns, excluded.mark_ns) ELSE excluded.mark_ns END,
    mark_column = excluded.mark_column,
    pulled_at = excluded.pulled_at;
