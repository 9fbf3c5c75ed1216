-- Spans brought back from a ClickHouse source for what runs locally on a sample of whole events
-- (src/analysis/clickhouse-sample.ts): clickhouse.sample_spans' rows, as JSON lines, into the
-- canonical spans table of an in-memory DuckDB.

-- name: insert_spans
-- The sample's spans (JSON lines at $path: trace_id … trace_state, times as decimal text) as canonical spans from $source; kind, status and resource attributes are not read by the model, so they stay empty.
-- params: $path, $source
INSERT INTO spans
SELECT trace_id, span_id, parent_span_id, name, service, '' AS kind, '' AS status,
       CAST(start_ns AS BIGINT), CAST(duration_ns AS BIGINT), attributes, MAP {}, NULLIF(trace_state, ''), $source
FROM read_json($path, format = 'newline_delimited', columns = {
  trace_id: 'VARCHAR', span_id: 'VARCHAR', parent_span_id: 'VARCHAR', name: 'VARCHAR', service: 'VARCHAR',
  start_ns: 'VARCHAR', duration_ns: 'VARCHAR', attributes: 'MAP(VARCHAR, VARCHAR)', trace_state: 'VARCHAR'
});

-- name: insert_whole_spans
-- clickhouse_report.sample_spans' rows (JSON lines at $path, with resource attributes; a row without them, from a --map table, has none) as canonical spans from $source; kind and status stay empty.
-- params: $path, $source
INSERT INTO spans
SELECT trace_id, span_id, parent_span_id, name, service, '' AS kind, '' AS status,
       CAST(start_ns AS BIGINT), CAST(duration_ns AS BIGINT), attributes, COALESCE(resource_attributes, MAP {}), NULLIF(trace_state, ''), $source
FROM read_json($path, format = 'newline_delimited', columns = {
  trace_id: 'VARCHAR', span_id: 'VARCHAR', parent_span_id: 'VARCHAR', name: 'VARCHAR', service: 'VARCHAR',
  start_ns: 'VARCHAR', duration_ns: 'VARCHAR', attributes: 'MAP(VARCHAR, VARCHAR)', trace_state: 'VARCHAR',
  resource_attributes: 'MAP(VARCHAR, VARCHAR)'
});
