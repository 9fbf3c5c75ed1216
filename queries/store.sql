-- name: has_model
-- Whether this database holds a stored cost model (a model_info table).
SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'main' AND table_name = 'model_info';

-- name: info
-- The stored model's digest, the adtrace version that computed it, the spans it covers, and the spans there are now.
SELECT i.digest, i.adtrace_version, i.spans, (SELECT count(*) FROM spans) AS spans_now, i.billing FROM model_info i;

-- name: has_billing
-- Whether this database holds billing records (a billed_queries table, issue 23).
SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'main' AND table_name = 'billed_queries';

-- name: billing_stamp
-- The billing records a stored model priced spans from: their count and an order-independent hash of their rows.
SELECT count(*) || ':' || COALESCE(bit_xor(hash(b)), 0) AS stamp FROM billed_queries b;

-- name: model_spans
-- Stores the model's per-span rows (model.costed_parts first), with what queries would otherwise compute per run: each warehouse statement's fingerprint and hash, and the weight each span adds to its stage's and its query's events.
-- The wide rows are written once, as _costed gives them; the columns below are computed over
-- narrow rows and written into them by row id: windows over the whole row (every column sorted
-- with it) took 4× the CPU time of the same windows over these few columns (BENCHMARKS.md).
CREATE OR REPLACE TABLE model_spans AS SELECT * EXCLUDE (attributes) FROM _costed;
-- Spans of a trace that carries a sampling rate take it (as model.trace_weights in a session).
CREATE OR REPLACE TEMP TABLE _trace_weight AS
SELECT trace_id, COALESCE(max(carried) FILTER (WHERE parent_span_id IS NULL), max(carried)) AS weight
FROM model_spans WHERE carried IS NOT NULL GROUP BY trace_id;
UPDATE model_spans SET weight = CASE WHEN getvariable('adtrace_lists').weighted THEN tw.weight ELSE 1.0 END, unknown_weight = FALSE
FROM _trace_weight tw WHERE model_spans.trace_id = tw.trace_id AND model_spans.carried IS NULL;
DROP TABLE _trace_weight;
-- Each distinct statement (per warehouse) is fingerprinted once: a third of the time per span.
CREATE OR REPLACE TEMP TABLE _statement_keys AS
SELECT statement, warehouse,
       COALESCE(adtrace_fingerprint(statement, warehouse), '(no query text)') AS query_fingerprint,
       CASE WHEN statement IS NOT NULL THEN hash(adtrace_uncommented(statement, warehouse)) END AS statement_hash
FROM (SELECT DISTINCT statement, warehouse FROM model_spans WHERE warehouse IS NOT NULL);
-- A stage's (a query's) events are its traces, each counted with the largest weight among its
-- spans there (cost.breakdown): one span per trace and stage (per trace and query) carries that
-- weight, the others 0, so the sum over a stage's spans is its events without a per-trace pass.
CREATE OR REPLACE TEMP TABLE _span_keys AS
WITH m AS (
  SELECT m.rowid AS rid, m.trace_id, m.span_id, m.stage, m.weight, m.warehouse, k.query_fingerprint, k.statement_hash
  FROM model_spans m LEFT JOIN _statement_keys k ON k.warehouse = m.warehouse AND k.statement IS NOT DISTINCT FROM m.statement
)
SELECT rid, query_fingerprint, statement_hash,
       CASE WHEN row_number() OVER (PARTITION BY trace_id, stage ORDER BY weight DESC, span_id) = 1 THEN weight ELSE 0 END AS stage_event_w,
       CASE WHEN warehouse IS NOT NULL THEN
         CASE WHEN row_number() OVER (PARTITION BY trace_id, query_fingerprint, warehouse, stage ORDER BY weight DESC, span_id) = 1 THEN weight ELSE 0 END
       END AS query_event_w
FROM m;
UPDATE model_spans SET query_fingerprint = k.query_fingerprint, statement_hash = k.statement_hash, stage_event_w = k.stage_event_w, query_event_w = k.query_event_w
FROM _span_keys k WHERE model_spans.rowid = k.rid;
DROP TABLE _statement_keys; DROP TABLE _span_keys;

-- name: spans_view
-- The session reads the stored per-span rows: costed_spans is a view over model_spans, keeping no attribute (no --by attr:KEY).
CREATE OR REPLACE TEMP VIEW costed_spans AS SELECT *, CAST(NULL AS MAP(VARCHAR, VARCHAR)) AS attributes FROM model_spans;

-- name: spans_view_with_attributes
-- As store.spans_view, with the attributes the session groups by (--by attr:KEY) read from spans: joined once per session into a temporary table, as a session's own model would be.
CREATE OR REPLACE TEMP TABLE costed_spans AS
SELECT m.*, adtrace_kept_attributes(s.attributes) AS attributes
FROM model_spans m JOIN spans s ON s.trace_id = m.trace_id AND s.span_id = m.span_id;

-- name: event_views
-- The session reads the stored per-event rows and summaries as views, and whether sums may be exact as the model found.
CREATE OR REPLACE TEMP VIEW event_weights AS SELECT * FROM model_events;
CREATE OR REPLACE TEMP VIEW event_stage_costs AS SELECT * FROM model_event_stages;
CREATE OR REPLACE TEMP VIEW _span_summary AS SELECT * EXCLUDE (exact_sums) FROM model_summary;
CREATE OR REPLACE TEMP VIEW _bad_values AS SELECT * FROM model_bad_values;
SET VARIABLE adtrace_exact_sums = (SELECT exact_sums FROM model_summary);
SET VARIABLE adtrace_weighted_spans = (SELECT COALESCE(min_weight <> max_weight, FALSE) FROM model_summary);
SET VARIABLE adtrace_stored_events = TRUE;
SET VARIABLE adtrace_paths_walked = TRUE;

-- name: model_tables
-- Stores the per-event rows (weight, end-to-end duration, cost, critical path), each stage's cost per event, and the summaries every analysis reports (model.event_weights and model.span_summary first).
CREATE OR REPLACE TABLE model_events AS SELECT * FROM event_weights;
CREATE OR REPLACE TABLE model_event_stages AS SELECT * FROM event_stage_costs;
CREATE OR REPLACE TABLE model_summary AS SELECT *, getvariable('adtrace_exact_sums') AS exact_sums FROM _span_summary;
CREATE OR REPLACE TABLE model_bad_values AS SELECT * FROM _bad_values;

-- name: write_info
-- Records the digest of the model the stored tables were computed with ($model: the digested parts as JSON, for people).
-- params: $digest, $version, $model, $billing
CREATE OR REPLACE TABLE model_info AS
SELECT CAST($digest AS VARCHAR) AS digest, CAST($version AS VARCHAR) AS adtrace_version, CAST($model AS VARCHAR) AS model,
       CAST($billing AS VARCHAR) AS billing,
       now() AS computed_at, (SELECT count(*) FROM model_spans) AS spans;

-- name: stage_moments
-- Stores diff's moments by stage (diff.stage_costs and diff.group_moments first), so diff by stage on a stored model reads them.
CREATE OR REPLACE TABLE model_stage_moments AS SELECT * FROM _diff_moments;
DROP TABLE IF EXISTS _diff_eg; DROP TABLE IF EXISTS _diff_moments;

-- name: stage_costs_stored
-- Once store.model_tables has stored each stage's cost per event, what reads event_stage_costs next (diff.stage_costs, at load) reads the stored rows rather than recomputing the view over every span.
CREATE OR REPLACE TEMP VIEW event_stage_costs AS SELECT * FROM model_event_stages;

-- name: memory_limit
-- Raises DuckDB's memory limit before the model of many spans is stored (src/db/db.ts fitModelMemory: $limit such as '1915MiB', computed from the span count, never a user's text).
-- params: $limit
SET memory_limit = $limit;
