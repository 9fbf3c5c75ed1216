-- name: event_durations
-- Per event (trace): its weight and end-to-end duration, for the significance of a p95 change.
SELECT trace_id, w, e2e_ns FROM event_weights ORDER BY trace_id;

-- name: group_span_durations
-- Every span's duration and weight with its event and group keys, for the significance of a group's p95 change.
-- params: $k1, $a1, $k2, $a2, $k3, $a3
SELECT trace_id, duration_ns, weight,
       adtrace_group($k1, $a1, stage, name, service, attributes) AS g1,
       adtrace_group($k2, $a2, stage, name, service, attributes) AS g2,
       adtrace_group($k3, $a3, stage, name, service, attributes) AS g3
FROM costed_spans
-- Ties in duration are ordered by weight: the bootstrap reads each group's durations in this order.
ORDER BY trace_id, duration_ns, weight;
