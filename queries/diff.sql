-- name: event_durations
-- Per event (trace): its weight and end-to-end duration, for the significance of a p95 change.
SELECT trace_id, w, e2e_ns FROM event_weights ORDER BY trace_id;

-- name: group_span_durations
-- Every span's duration and weight with its event and group keys, for the significance of a group's p95 change.
-- params: $k1, $a1, $k2, $a2, $k3, $a3
SELECT trace_id, duration_ns, weight,
       CASE $k1 WHEN 'stage' THEN stage WHEN 'name' THEN name WHEN 'service' THEN service WHEN 'attr' THEN COALESCE(attributes[$a1], '(none)') END AS g1,
       CASE $k2 WHEN 'stage' THEN stage WHEN 'name' THEN name WHEN 'service' THEN service WHEN 'attr' THEN COALESCE(attributes[$a2], '(none)') END AS g2,
       CASE $k3 WHEN 'stage' THEN stage WHEN 'name' THEN name WHEN 'service' THEN service WHEN 'attr' THEN COALESCE(attributes[$a3], '(none)') END AS g3
FROM costed_spans
ORDER BY trace_id, duration_ns;
