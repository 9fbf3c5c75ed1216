-- name: csv_to_parquet
-- Converts the canonical CSV that `adtrace generate` streams out into Parquet in exactly the canonical schema (read in place by adtrace).
-- params: $csv, $out
COPY (
  SELECT trace_id, span_id, NULLIF(parent_span_id, '') AS parent_span_id, name, service, kind, status, start_ns, duration_ns,
         CAST(CAST(attributes AS JSON) AS MAP(VARCHAR, VARCHAR)) AS attributes,
         CAST(CAST(resource_attributes AS JSON) AS MAP(VARCHAR, VARCHAR)) AS resource_attributes,
         NULLIF(trace_state, '') AS trace_state, source
  FROM read_csv($csv, header = true, delim = ',', quote = '"', escape = '"', auto_detect = false, columns = {
    'trace_id': 'VARCHAR', 'span_id': 'VARCHAR', 'parent_span_id': 'VARCHAR', 'name': 'VARCHAR', 'service': 'VARCHAR',
    'kind': 'VARCHAR', 'status': 'VARCHAR', 'start_ns': 'BIGINT', 'duration_ns': 'BIGINT', 'attributes': 'VARCHAR',
    'resource_attributes': 'VARCHAR', 'trace_state': 'VARCHAR', 'source': 'VARCHAR'
  })
) TO $out (FORMAT parquet, COMPRESSION zstd);
