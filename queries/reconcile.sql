-- name: rows
-- cost reconcile (issue 23): per warehouse, stage and statement fingerprint, the stored warehouse spans (and any span a bill joined), how many a bill joined, their estimated query USD (all spans), billed USD (joined spans), billed ÷ estimated on the joined spans alone, and the join rate; then per warehouse one (untraced) row: billed records no span explains, within the spans' time range. Unweighted: a bill is one query, a stored span is one query.
WITH
span_range AS (SELECT min(start_ns) AS lo, max(start_ns + duration_ns) AS hi FROM costed_spans),
sp AS (
  SELECT COALESCE(c.warehouse, sb.warehouse) AS warehouse, c.stage,
         COALESCE(adtrace_fingerprint(c.statement, c.warehouse), '') AS fingerprint,
         sb.billed_usd IS NOT NULL AS joined,
         COALESCE(sb.billed_usd, 0) AS billed_usd,
         -- The query cost the model gives without the bill.
         COALESCE(c.estimated_query_usd, c.query_usd) AS estimated_usd
  FROM costed_spans c LEFT JOIN _span_bills sb ON sb.trace_id = c.trace_id AND sb.span_id = c.span_id
  WHERE c.warehouse IS NOT NULL OR sb.billed_usd IS NOT NULL
),
traced AS (
  SELECT warehouse, stage, fingerprint, count(*) AS spans, count(*) FILTER (WHERE joined) AS joined_spans,
         adtrace_sum(estimated_usd, 1e18) AS estimated_usd,
         adtrace_sum(billed_usd, 1e18) AS billed_usd,
         adtrace_sum(CASE WHEN joined THEN estimated_usd ELSE 0 END, 1e18) AS joined_estimated_usd
  FROM sp GROUP BY warehouse, stage, fingerprint
),
untraced AS (
  SELECT b.warehouse, '(untraced)' AS stage, '' AS fingerprint, 0 AS spans, 0 AS joined_spans, 0.0 AS estimated_usd,
         adtrace_sum(b.usd, 1e18) AS billed_usd, 0.0 AS joined_estimated_usd
  FROM _bills b, span_range r
  WHERE b.usd IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM _bill_joins j WHERE j.warehouse = b.warehouse AND j.query_id = b.query_id)
    AND (b.start_ns IS NULL OR (b.start_ns <= r.hi AND COALESCE(b.end_ns, b.start_ns) >= r.lo))
  GROUP BY b.warehouse
)
SELECT warehouse, stage, fingerprint, spans, joined_spans, estimated_usd, billed_usd,
       CASE WHEN joined_spans > 0 AND joined_estimated_usd > 0 THEN billed_usd / joined_estimated_usd END AS billed_over_estimated,
       CASE WHEN spans > 0 THEN joined_spans / spans END AS join_rate
FROM (SELECT * FROM traced UNION ALL SELECT * FROM untraced)
ORDER BY warehouse, stage = '(untraced)', stage, fingerprint;

-- name: totals
-- What reconcile sums up: warehouse spans and those a bill joined (by id, tag, time), the bills (joined, untraced within the spans' time range, outside it, unpriced) and their USD.
WITH span_range AS (SELECT min(start_ns) AS lo, max(start_ns + duration_ns) AS hi FROM costed_spans),
joined AS (SELECT j.*, b.usd FROM _bill_joins j JOIN _bills b ON b.warehouse = j.warehouse AND b.query_id = j.query_id),
open_bills AS (
  SELECT b.*, (b.start_ns IS NULL OR (b.start_ns <= r.hi AND COALESCE(b.end_ns, b.start_ns) >= r.lo)) AS in_range
  FROM _bills b, span_range r
  WHERE NOT EXISTS (SELECT 1 FROM _bill_joins j WHERE j.warehouse = b.warehouse AND j.query_id = b.query_id)
)
SELECT (SELECT count(*) FROM costed_spans c LEFT JOIN _span_bills sb ON sb.trace_id = c.trace_id AND sb.span_id = c.span_id
         WHERE c.warehouse IS NOT NULL OR sb.billed_usd IS NOT NULL) AS spans,
       (SELECT count(*) FROM _span_bills) AS joined_spans,
       (SELECT count(*) FROM _span_bills WHERE match = 'id') AS spans_by_id,
       (SELECT count(*) FROM _span_bills WHERE match = 'tag') AS spans_by_tag,
       (SELECT count(*) FROM _span_bills WHERE match = 'time') AS spans_by_time,
       (SELECT count(*) FROM _bills) AS bills,
       (SELECT count(*) FROM joined) AS joined_bills,
       (SELECT adtrace_sum(usd, 1e18) FROM joined) AS joined_billed_usd,
       (SELECT count(*) FROM open_bills WHERE usd IS NOT NULL AND in_range) AS untraced_bills,
       (SELECT adtrace_sum(usd, 1e18) FROM open_bills WHERE usd IS NOT NULL AND in_range) AS untraced_billed_usd,
       (SELECT count(*) FROM open_bills WHERE usd IS NOT NULL AND NOT in_range) AS out_of_range_bills,
       (SELECT count(*) FROM _bills WHERE usd IS NULL) AS unpriced_bills;
