-- The critical path of every event, walked once per model (src/model/span-path.ts): stored with the
-- model at load (store.model_spans' rows), or walked in a session whose model is computed per run,
-- and written into the same per-span and per-event columns either way, which cost critical-path,
-- cost flags and savings then aggregate in SQL.

-- name: source_stored
-- The rows the walk reads when storing the model: model_spans, each with its row id (the walk writes back by it).
CREATE OR REPLACE TEMP VIEW _path_source AS
SELECT rowid AS row_id, trace_id, span_id, parent_span_id, start_ns, duration_ns, stage FROM model_spans;

-- name: source_session
-- The rows the walk reads in a session that computed its own model: costed_spans (a table there), each with its row id.
CREATE OR REPLACE TEMP VIEW _path_source AS
SELECT rowid AS row_id, trace_id, span_id, parent_span_id, start_ns, duration_ns, stage FROM costed_spans;

-- name: prepare
-- The events in trace-id order, numbered from 0, with their first start (times become relative to it, exact as JS numbers) and weight; the stages, numbered; the tables the walk writes.
CREATE OR REPLACE TEMP TABLE _path_traces AS
SELECT CAST(row_number() OVER (ORDER BY t.trace_id) - 1 AS INTEGER) AS ord, t.trace_id, t.t0, ew.w
FROM (SELECT trace_id, min(start_ns) AS t0 FROM _path_source GROUP BY trace_id) t JOIN event_weights ew USING (trace_id);
-- Row ids as offsets from the smallest, exact as JS numbers (rows a transaction has not yet
-- committed are numbered from 2^62).
CREATE OR REPLACE TEMP TABLE _path_base AS SELECT COALESCE(min(row_id), 0) AS base FROM _path_source;
CREATE OR REPLACE TEMP TABLE _path_stages AS
SELECT CAST(row_number() OVER (ORDER BY stage) - 1 AS INTEGER) AS sid, stage FROM (SELECT DISTINCT stage FROM _path_source);
-- What the walk writes: per walked span, its own critical time, whether it is on the path, and on
-- one span per stage and event its event's weight (0 on the others), then again when that stage is
-- on the path (flags' on-path share by stage, one pass: critical_path.on_path_by_stage); per
-- event, the path's length (NULL without a root) and the spans left out of it.
CREATE OR REPLACE TEMP TABLE _path_span_out (row_id DOUBLE, critical_ns DOUBLE, on_path BOOLEAN, stage_path_w DOUBLE, stage_on_path_w DOUBLE);
CREATE OR REPLACE TEMP TABLE _path_event_out (ord INTEGER, path_ns DOUBLE, orphan_spans INTEGER, extra_root_spans INTEGER, cyclic_spans INTEGER);

-- name: prepare_spans
-- The spans as numbers for the walk, in batches of $batch_traces events: the event's number, the span's number in its event (in span-id order, so comparing numbers compares ids), its parent's (NULL when not in the event), whether it has no parent, its times relative to the event's first start, its stage's number, its row (from the smallest) and its event's weight.
-- params: $batch_traces
CREATE OR REPLACE TEMP TABLE _path_spans AS
WITH s AS (
  SELECT t.ord, t.w, c.row_id, c.span_id, c.parent_span_id, c.start_ns - t.t0 AS rel_start, c.duration_ns, k.sid
  FROM _path_source c JOIN _path_traces t USING (trace_id) JOIN _path_stages k USING (stage)
),
-- A span id given twice in one trace counts once: its earliest (then shortest, then first stored)
-- row, as adtrace trace keeps the first; the others are not walked (their columns stay NULL).
d AS (
  SELECT * FROM s QUALIFY row_number() OVER (PARTITION BY ord, span_id ORDER BY rel_start, duration_ns, row_id) = 1
),
i AS (
  SELECT *, CAST(row_number() OVER (PARTITION BY ord ORDER BY span_id) - 1 AS INTEGER) AS idx FROM d
)
SELECT i.ord // $batch_traces AS batch, i.ord, i.idx, p.idx AS parent_idx,
       (i.parent_span_id IS NULL OR i.parent_span_id = '') AS is_root,
       CAST(i.rel_start AS DOUBLE) AS start_ns, CAST(i.rel_start + i.duration_ns AS DOUBLE) AS end_ns, i.sid,
       CAST(i.row_id - (SELECT base FROM _path_base) AS DOUBLE) AS row_id, CAST(i.w AS DOUBLE) AS w
FROM i
LEFT JOIN i p ON p.ord = i.ord AND p.span_id = i.parent_span_id
-- Stored in batch order, so each batch's rows sit in few row groups and its scan skips the rest.
ORDER BY batch, i.ord, i.idx;

-- name: batches
-- How many batches path.prepare_spans made.
SELECT COALESCE(max(batch) + 1, 0) AS n FROM _path_spans;

-- name: batch
-- One batch of spans, event by event, each event's spans by number.
-- params: $batch
SELECT ord, idx, parent_idx, is_root, start_ns, end_ns, sid, row_id, w
FROM _path_spans WHERE batch = $batch
ORDER BY ord, idx;

-- name: write_results
-- The walk's results keyed for writing (per span by row id, per event by trace id), and per event into event_weights (before store.model_tables copies it, for a stored model); path.update_stored or path.update_session then writes the spans.
CREATE OR REPLACE TEMP TABLE _path_rows AS
SELECT CAST(o.row_id AS BIGINT) + b.base AS rid, o.* EXCLUDE (row_id) FROM _path_span_out o CROSS JOIN _path_base b;
CREATE OR REPLACE TEMP TABLE _path_events AS SELECT t.trace_id, e.* EXCLUDE (ord) FROM _path_event_out e JOIN _path_traces t USING (ord);
UPDATE event_weights SET
  path_ns = e.path_ns, orphan_spans = e.orphan_spans, extra_root_spans = e.extra_root_spans, cyclic_spans = e.cyclic_spans
FROM _path_events e WHERE event_weights.trace_id = e.trace_id;

-- name: update_stored
-- The walk's per-span results into the stored model (rows the walk did not reach keep NULL).
UPDATE model_spans SET critical_ns = o.critical_ns, on_path = o.on_path, stage_path_w = o.stage_path_w, stage_on_path_w = o.stage_on_path_w
FROM _path_rows o WHERE model_spans.rowid = o.rid;

-- name: update_session
-- As path.update_stored, into the session's own costed_spans.
UPDATE costed_spans SET critical_ns = o.critical_ns, on_path = o.on_path, stage_path_w = o.stage_path_w, stage_on_path_w = o.stage_on_path_w
FROM _path_rows o WHERE costed_spans.rowid = o.rid;

-- name: drop
-- The walk's working tables, once written.
DROP TABLE IF EXISTS _path_spans; DROP TABLE IF EXISTS _path_span_out; DROP TABLE IF EXISTS _path_event_out;
DROP TABLE IF EXISTS _path_traces; DROP TABLE IF EXISTS _path_stages; DROP TABLE IF EXISTS _path_base; DROP TABLE IF EXISTS _path_rows; DROP TABLE IF EXISTS _path_events; DROP VIEW IF EXISTS _path_source;
SET VARIABLE adtrace_paths_walked = TRUE;

-- name: walked
-- Whether this session's costed_spans carries the walk's columns (a stored model always does; a session's own model once walked).
SELECT COALESCE(getvariable('adtrace_paths_walked'), FALSE) AS walked;
