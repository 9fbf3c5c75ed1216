-- name: create_terms
-- The per-event functionals savings averages (means, and the interval's moments) as rows: in an event, term (fn, step) adds cost(m1) − cost(m2) of its stage, where cost(m) = a·compute + b·query + k_present + k_all when the stage is in the event, else k_all (src/analysis/savings.ts, Term).
CREATE OR REPLACE TEMP TABLE _savings_terms (
  fn INTEGER, step INTEGER, stage VARCHAR,
  a1 DOUBLE, b1 DOUBLE, kp1 DOUBLE, ka1 DOUBLE, a2 DOUBLE, b2 DOUBLE, kp2 DOUBLE, ka2 DOUBLE
);
-- name: insert_term
-- One term of a functional.
-- params: $fn, $step, $stage, $a1, $b1, $kp1, $ka1, $a2, $b2, $kp2, $ka2
INSERT INTO _savings_terms VALUES ($fn, $step, $stage, $a1, $b1, $kp1, $ka1, $a2, $b2, $kp2, $ka2);

-- name: moments
-- Per functional, over all events weighted by their weight w: Σw, Σw², Σw·x and Σw·(x − mean)², exact sums (adtrace_scaled_sum: the same every run and thread count, with no sort).
-- Memory is DuckDB's (it spills): no per-event array leaves the database.
WITH es AS (
  -- Per event and stage in a term: its compute and query cost per event (model.event_weights; stored with a stored model).
  SELECT trace_id, stage, compute_usd AS cc, query_usd AS cq
  FROM event_stage_costs WHERE stage IN (SELECT stage FROM _savings_terms)
),
-- The events numbered (any order: the number only tells them apart), so the functionals of several
-- terms are added up by an integer key rather than the trace id.
ev AS (SELECT row_number() OVER () AS eid, trace_id, w FROM event_weights),
terms AS (SELECT fn, count(*) AS n FROM _savings_terms GROUP BY fn),
-- Each term in each event: its stage's value there, or k_all where the stage is absent.
tv AS (
  SELECT e.eid, e.w, t.fn, t.step,
         CASE WHEN s.trace_id IS NULL THEN t.ka1 - t.ka2
              ELSE (t.a1 * s.cc + t.b1 * s.cq + t.kp1 + t.ka1) - (t.a2 * s.cc + t.b2 * s.cq + t.kp2 + t.ka2) END AS v
  FROM ev e CROSS JOIN _savings_terms t
  LEFT JOIN es s ON s.trace_id = e.trace_id AND s.stage = t.stage
),
tv_scale AS (SELECT fn, adtrace_pow2_scale(count(*), max(abs(v))) AS scale FROM tv GROUP BY fn),
-- A functional's value in an event: its terms added (adtrace_scaled_sum). Most functionals have
-- one term: the scaled sum of its one value, the same number, without grouping by event.
x AS (
  SELECT tv.w, tv.fn, CAST(CAST(tv.v * s.scale AS HUGEINT) AS DOUBLE) / s.scale AS x
  FROM tv JOIN tv_scale s ON s.fn = tv.fn JOIN terms n ON n.fn = tv.fn WHERE n.n = 1
  UNION ALL
  SELECT any_value(tv.w) AS w, tv.fn, adtrace_scaled_sum(tv.v, s.scale) AS x
  FROM tv JOIN tv_scale s ON s.fn = tv.fn JOIN terms n ON n.fn = tv.fn WHERE n.n > 1 GROUP BY tv.eid, tv.fn, s.scale
),
big AS (
  SELECT fn, adtrace_pow2_scale(count(*), max(w)) AS s_w, adtrace_pow2_scale(count(*), max(w * w)) AS s_w2,
         adtrace_pow2_scale(count(*), max(abs(w * x))) AS s_wx
  FROM x GROUP BY fn
),
m AS (
  SELECT x.fn, adtrace_scaled_sum(x.w, b.s_w) AS sw, adtrace_scaled_sum(x.w * x.w, b.s_w2) AS sw2, adtrace_scaled_sum(x.w * x.x, b.s_wx) AS swx
  FROM x JOIN big b ON b.fn = x.fn GROUP BY x.fn, b.s_w, b.s_w2, b.s_wx
),
dev AS (SELECT x.fn, x.w * ((x.x - m.swx / m.sw) * (x.x - m.swx / m.sw)) AS d FROM x JOIN m ON m.fn = x.fn),
dev_scale AS (SELECT fn, adtrace_pow2_scale(count(*), max(abs(d))) AS scale FROM dev GROUP BY fn),
ss AS (SELECT dev.fn, adtrace_scaled_sum(dev.d, s.scale) AS ss FROM dev JOIN dev_scale s ON s.fn = dev.fn GROUP BY dev.fn, s.scale)
SELECT m.fn, m.sw, m.sw2, m.swx, ss.ss FROM m JOIN ss ON ss.fn = m.fn ORDER BY m.fn;

-- name: latency_events
-- The events the latency model re-times, numbered in trace-id order (eid): every event when there are at most $limit, else a deterministic sample of $limit weighted by the events' sampling weights (keyed on the trace id), whose events then count once each.
-- params: $limit
CREATE OR REPLACE TEMP TABLE _latency_events AS
WITH keyed AS (
  -- Weighted sampling without replacement (Efraimidis–Spirakis): key ln(u)/w with u in (0, 1)
  -- from the trace id's MD5 (its first 53 bits), the $limit largest keys; ties broken by trace id.
  -- ClickHouse computes the same u (clickhouse.sample_spans), so a sample pulled from there holds
  -- the same events whenever the weights are equal.
  SELECT trace_id, w, ln((CAST(CAST('0x' || left(md5(trace_id), 16) AS UBIGINT) >> 11 AS DOUBLE) + 0.5) / 9007199254740992.0) / w AS k FROM event_weights
),
n AS (SELECT count(*) AS events FROM event_weights),
chosen AS (
  SELECT trace_id, CASE WHEN n.events > $limit THEN 1.0 ELSE w END AS event_weight
  FROM keyed CROSS JOIN n
  QUALIFY n.events <= $limit OR row_number() OVER (ORDER BY k DESC, trace_id) <= $limit
)
SELECT CAST(row_number() OVER (ORDER BY trace_id) - 1 AS INTEGER) AS eid, trace_id, CAST(event_weight AS DOUBLE) AS event_weight FROM chosen;

-- name: latency_event_rows
-- The sampled events (savings.latency_events first), by number: the trace id (cache hits are chosen by it) and the weight.
SELECT eid, trace_id, event_weight FROM _latency_events ORDER BY eid;

-- name: latency_sample_spans
-- The sampled events' spans (savings.latency_events first), into a temporary table that savings.latency_spans and savings.latency_stages read.
CREATE OR REPLACE TEMP TABLE _latency_spans AS
SELECT e.eid, c.span_id, c.parent_span_id, c.stage, c.start_ns, c.duration_ns
FROM costed_spans c JOIN _latency_events e USING (trace_id);

-- name: latency_spans
-- The sampled events' spans as numbers (savings.latency_sample_spans first), by event and start: the event's number; the span's id as a number in its event, in span-id order, the same for a repeated id (−2 for a NULL id); its parent's (NULL without a parent, −1 when the parent is not in the event); its stage's number in savings.latency_stages; its start relative to the event's first span and its duration.
-- Numbers rather than the id strings: turning 3 strings per span into JavaScript strings cost twice the query (BENCHMARKS.md, fourth round).
WITH ids AS (
  SELECT eid, span_id, CAST(row_number() OVER (PARTITION BY eid ORDER BY span_id) - 1 AS INTEGER) AS idx
  FROM (SELECT DISTINCT eid, span_id FROM _latency_spans WHERE span_id IS NOT NULL)
),
-- Each event's first start (a GROUP BY joined back: min() OVER (PARTITION BY eid) took 4× as long).
t0 AS (SELECT eid, min(start_ns) AS t0 FROM _latency_spans GROUP BY eid),
stages AS (SELECT CAST(row_number() OVER (ORDER BY stage) - 1 AS INTEGER) AS sid, stage FROM (SELECT DISTINCT stage FROM _latency_spans))
-- Start times relative to the event's first span, so they stay exact as JS numbers (read as DOUBLE columns).
SELECT s.eid, COALESCE(i.idx, -2) AS idx,
       CASE WHEN s.parent_span_id IS NULL OR s.parent_span_id = '' THEN NULL ELSE COALESCE(p.idx, -1) END AS parent_idx,
       k.sid, CAST(s.start_ns - t.t0 AS DOUBLE) AS start_ns, CAST(s.duration_ns AS DOUBLE) AS duration_ns
FROM _latency_spans s JOIN t0 t USING (eid)
LEFT JOIN ids i ON i.eid = s.eid AND i.span_id = s.span_id
LEFT JOIN ids p ON p.eid = s.eid AND p.span_id = s.parent_span_id
JOIN stages k ON k.stage IS NOT DISTINCT FROM s.stage
ORDER BY s.eid, s.start_ns, s.span_id;

-- name: latency_stages
-- The sampled spans' stages by the numbers savings.latency_spans gives them.
SELECT CAST(row_number() OVER (ORDER BY stage) - 1 AS INTEGER) AS sid, stage FROM (SELECT DISTINCT stage FROM _latency_spans) ORDER BY sid;

-- name: latency_drop
-- The latency model's working tables, once read.
DROP TABLE IF EXISTS _latency_events; DROP TABLE IF EXISTS _latency_spans;

-- name: event_count
-- Stored events (traces): how many the latency model could re-time.
SELECT count(*) AS events FROM event_weights;

-- name: stages
-- The stages present, for validating lever targets.
SELECT DISTINCT stage FROM costed_spans ORDER BY stage;
