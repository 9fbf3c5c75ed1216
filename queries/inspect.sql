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

-- name: cycle_scope
-- The traces whose spans are searched for parent cycles: those a load touched (rows at or past $base).
-- params: $base
CREATE OR REPLACE TEMP TABLE _cycle_traces AS SELECT DISTINCT trace_id FROM spans WHERE rowid >= $base;

-- name: cycle_scope_all
-- Every trace is searched for parent cycles (an empty scope table, with $all in stuck_spans).
CREATE OR REPLACE TEMP TABLE _cycle_traces (trace_id VARCHAR);

-- name: cycle_candidates
-- Spans that could lie on a parent cycle, pruned twice: on a cycle every span has its parent present and is itself a parent. Traces up to five levels deep leave none, and the full search is skipped; deeper ones still get the exact search.
-- params: $all
WITH k AS (
  SELECT hash(trace_id, span_id) AS id, hash(trace_id, parent_span_id) AS pid
  FROM spans WHERE parent_span_id IS NOT NULL AND ($all OR trace_id IN (SELECT trace_id FROM _cycle_traces))
),
c0 AS (SELECT id, pid FROM k WHERE id IN (SELECT pid FROM k) AND pid IN (SELECT id FROM k)),
c1 AS (SELECT id, pid FROM c0 WHERE id IN (SELECT pid FROM c0) AND pid IN (SELECT id FROM c0))
SELECT count(*) AS n FROM c1;

-- name: stuck_spans
-- Spans no root or orphan leads down to: those in a parent cycle, or below one. Spans are keyed by a 64-bit hash of (trace_id, span_id).
-- params: $all
-- Reachability walks down from every root and orphan; UNION (not UNION ALL) makes it end whatever the data.
CREATE OR REPLACE TEMP TABLE _stuck AS
WITH RECURSIVE k AS (
  SELECT hash(trace_id, span_id) AS id, CASE WHEN parent_span_id IS NOT NULL THEN hash(trace_id, parent_span_id) END AS pid
  FROM spans WHERE $all OR trace_id IN (SELECT trace_id FROM _cycle_traces)
),
reach(id) AS (
  SELECT id FROM k WHERE pid IS NULL OR pid NOT IN (SELECT id FROM k)
  UNION
  SELECT k.id FROM k JOIN reach r ON k.pid = r.id
)
SELECT id, any_value(pid) AS anc FROM k WHERE id NOT IN (SELECT id FROM reach) GROUP BY id;

-- name: stuck_count
-- How many spans stuck_spans found (usually none).
SELECT count(*) AS n FROM _stuck;

-- name: stuck_jump
-- Pointer doubling: each stuck span's ancestor twice as far up (every stuck span's parent is stuck too).
CREATE OR REPLACE TEMP TABLE _stuck AS SELECT s.id, a.anc FROM _stuck s JOIN _stuck a ON a.id = s.anc;

-- name: cyclic_count
-- Spans in a parent cycle: once ancestors are further up than any chain leading into a cycle, they all lie on one.
SELECT count(DISTINCT anc) AS n FROM _stuck;

-- name: drop_cycle_tables
-- Drops the temporary tables of the cycle search.
DROP TABLE IF EXISTS _stuck;
DROP TABLE IF EXISTS _cycle_traces;
