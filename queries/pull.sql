-- name: create_state
-- Per warehouse source (URL without password) and table, the highest span start pulled so far.
CREATE TABLE IF NOT EXISTS pull_state (
  source VARCHAR NOT NULL,
  table_name VARCHAR NOT NULL,
  max_start_ns BIGINT NOT NULL,
  pulled_at TIMESTAMP NOT NULL,
  PRIMARY KEY (source, table_name)
);

-- name: watermark
-- The high-water mark of earlier pulls of one table: the next incremental pull starts there.
-- params: $source, $table_name
SELECT max_start_ns FROM pull_state WHERE source = $source AND table_name = $table_name;

-- name: save_watermark
-- Raises a table's high-water mark (it never goes down, whatever --since or --full did).
-- params: $source, $table_name, $max_start_ns
INSERT INTO pull_state VALUES ($source, $table_name, $max_start_ns, now()::TIMESTAMP)
ON CONFLICT (source, table_name) DO UPDATE
SET max_start_ns = greatest(pull_state.max_start_ns, excluded.max_start_ns), pulled_at = excluded.pulled_at;
