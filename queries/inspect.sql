-- name: summary
-- What is loaded: spans, traces, roots, orphans (parent not in the trace), services, names, time range.
SELECT
  (SELECT count(*) FROM spans) AS spans,
  (SELECT count(DISTINCT trace_id) FROM spans) AS traces,
  (SELECT count(*) FROM spans WHERE parent_span_id IS NULL) AS roots,
  (SELECT count(*) FROM spans s WHERE parent_span_id IS NOT NULL
     AND NOT EXISTS (SELECT 1 FROM spans p WHERE p.trace_id = s.trace_id AND p.span_id = s.parent_span_id)) AS orphans,
  (SELECT count(DISTINCT service) FROM spans) AS services,
  (SELECT count(DISTINCT name) FROM spans) AS names,
  (SELECT strftime(make_timestamp(min(start_ns) // 1000), '%Y-%m-%dT%H:%M:%S.%fZ') FROM spans) AS start,
  (SELECT strftime(make_timestamp(max(start_ns + duration_ns) // 1000), '%Y-%m-%dT%H:%M:%S.%fZ') FROM spans) AS "end";

-- name: loads
-- Per format: files read, spans read, duplicates, conflicting duplicates and skipped records.
SELECT format, count(*) AS files, sum(spans_read) AS spans_read, sum(spans_added) AS spans_added,
       sum(duplicates) AS duplicates, sum(conflicts) AS conflicts, sum(skipped) AS skipped
FROM loads GROUP BY format ORDER BY format;

-- name: services
-- Spans per service, most first.
-- params: $limit
SELECT service, count(*) AS spans, count(DISTINCT trace_id) AS traces
FROM spans GROUP BY service ORDER BY spans DESC, service LIMIT $limit;
