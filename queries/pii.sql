-- name: create_macros
-- The personal-data detectors (issue 20) as macros: adtrace_pii_hmac(text), a keyed hash; adtrace_pii_luhn(digits), the card checksum; adtrace_pii_mask(kind, text), a redacted example. Needs model.create_macros (adtrace_fingerprint) and the adtrace_pii variable (set_rules).
-- HMAC-SHA-256 (RFC 2104) under the key set_key bound as its inner and outer padded blocks,
-- truncated to 64 bits: sha256(K ⊕ opad ‖ sha256(K ⊕ ipad ‖ m)).
CREATE OR REPLACE TEMP MACRO adtrace_pii_hmac(m) AS (
  left(sha256(getvariable('adtrace_pii_key').o || unhex(sha256(getvariable('adtrace_pii_key').i || encode(m)))), 16)
);
-- A keyed-hash token: the kind, a colon, 16 hex digits. audit pii reports these as kind hashed.
CREATE OR REPLACE TEMP MACRO adtrace_pii_token(kind, m) AS (kind || ':' || adtrace_pii_hmac(m));
-- the Luhn checksum over the digits of a text (separators ignored).
CREATE OR REPLACE TEMP MACRO adtrace_pii_luhn(text) AS (
  list_sum(list_transform(
    string_split(reverse(regexp_replace(text, '[^0-9]', '', 'g')), ''),
    (d, i) -> CASE WHEN i % 2 = 0 THEN (2 * CAST(d AS INTEGER)) % 10 + (2 * CAST(d AS INTEGER)) // 10 ELSE CAST(d AS INTEGER) END
  )) % 10 = 0
);
-- Card numbers: 13–19 digits (17–19 only when grouped by spaces or dashes), an issuer prefix (Visa 4; Mastercard 51–55, 2221–2720; Amex 34, 37;
-- Discover 6011, 65, 644–649; JCB 35; Diners 36, 38, 300–305; UnionPay 62) and a valid checksum.
CREATE OR REPLACE TEMP MACRO adtrace_pii_is_card(text) AS (
  length(regexp_replace(text, '[^0-9]', '', 'g')) BETWEEN 13 AND 19
  -- Unbroken runs of 17 to 19 digits are more often numeric ids (64-bit hashes, timestamps) than cards.
  AND (length(regexp_replace(text, '[^0-9]', '', 'g')) <= 16 OR regexp_matches(text, '[ -]'))
  AND regexp_matches(regexp_replace(text, '[^0-9]', '', 'g'), '^(?:4|5[1-5]|2(?:2[2-9]|[3-6]\d|7[01]|720)|3[47]|6011|65|64[4-9]|35|36|38|30[0-5]|62)')
  AND adtrace_pii_luhn(text)
);
-- Internal IPv4: private, loopback, link-local, shared (CGNAT), unspecified, multicast, reserved.
CREATE OR REPLACE TEMP MACRO adtrace_pii_ipv4_internal(ip) AS (
  regexp_matches(ip, '^(?:10\.|127\.|0\.|192\.168\.|169\.254\.|172\.(?:1[6-9]|2\d|3[01])\.|100\.(?:6[4-9]|[7-9]\d|1[01]\d|12[0-7])\.|22[4-9]\.|2[3-5]\d\.)')
);
-- A candidate is IPv6 when it has 8 groups, or one :: and at most 7 groups, and a hex digit.
CREATE OR REPLACE TEMP MACRO adtrace_pii_is_ipv6(c) AS (
  regexp_matches(c, '[0-9A-Fa-f]') AND NOT contains(c, ':::') AND (
    (length(c) - length(replace(c, ':', '')) = 7 AND NOT contains(c, '::') AND NOT starts_with(c, ':') AND NOT ends_with(c, ':'))
    OR (length(c) - length(replace(c, '::', '')) = 2 AND length(c) - length(replace(c, ':', '')) BETWEEN 2 AND 7))
);
-- Internal IPv6: loopback, unique local (fc00::/7), link-local (fe80::/10).
CREATE OR REPLACE TEMP MACRO adtrace_pii_ipv6_internal(ip) AS (
  regexp_matches(lower(ip), '^(?:::1|f[cd][0-9a-f]{2}:.*|fe[89ab][0-9a-f]:.*)$')
);
-- Phones: E.164 (+ and 8–15 digits) or national forms (a trunk 0 and 9–12 digits; NANP 3-3-4).
CREATE OR REPLACE TEMP MACRO adtrace_pii_is_phone(c) AS (
  CASE WHEN starts_with(c, '+') THEN length(regexp_replace(c, '[^0-9]', '', 'g')) BETWEEN 8 AND 15
       WHEN starts_with(regexp_replace(c, '[^0-9]', '', 'g'), '0') THEN length(regexp_replace(c, '[^0-9]', '', 'g')) BETWEEN 9 AND 12
       ELSE length(regexp_replace(c, '[^0-9]', '', 'g')) = 10 END
);
-- A text with each of the texts found in it blanked out (chr(31)), for the detectors after.
CREATE OR REPLACE TEMP MACRO adtrace_pii_blank(w, texts) AS (
  CASE WHEN len(texts) = 0 THEN w ELSE list_reduce(list_prepend(w, texts), (a, t) -> replace(a, t, chr(31))) END
);
-- Replace each found text by its token (found in precedence order; ip_internal and hashed stay).
CREATE OR REPLACE TEMP MACRO adtrace_pii_replace(value, found) AS (
  list_reduce(
    list_prepend({'t': value, 'r': ''}, list_transform(list_filter(found, f -> f.kind NOT IN ('ip_internal', 'hashed')), f -> {'t': f.text, 'r': adtrace_pii_token(f.kind, f.text)})),
    (acc, e) -> {'t': replace(acc.t, e.t, e.r), 'r': ''}
  ).t
);
-- A redacted example of a detected value: enough to recognise the kind, never the value.
CREATE OR REPLACE TEMP MACRO adtrace_pii_mask(kind, text) AS (
  CASE
    WHEN kind = 'hashed' THEN text
    WHEN kind = 'email' AND regexp_matches(text, '^[^@]+@[^@.]+.*\.[A-Za-z]{2,}$')
      THEN left(text, 1) || '***@' || left(split_part(text, '@', 2), 1) || '***.' || regexp_extract(text, '\.([A-Za-z]{2,})$', 1)
    WHEN kind IN ('ipv4', 'ip_internal') AND regexp_matches(text, '^\d+\.\d+\.\d+\.\d+$') THEN regexp_extract(text, '^(\d+\.\d+)\.', 1) || '.x.x'
    WHEN kind IN ('ipv6', 'ip_internal') AND contains(text, ':') THEN regexp_extract(text, '^([0-9A-Fa-f]*)', 1) || ':x:…'
    WHEN kind = 'card' AND length(regexp_replace(text, '[^0-9]', '', 'g')) >= 13 THEN '**** **** **** ' || right(regexp_replace(text, '[^0-9]', '', 'g'), 4)
    WHEN kind = 'phone' AND length(regexp_replace(text, '[^0-9]', '', 'g')) >= 8 THEN '*** *** **' || right(regexp_replace(text, '[^0-9]', '', 'g'), 2)
    WHEN kind = 'device_id' AND regexp_matches(text, '^[0-9A-Fa-f-]{36}$') THEN '********-…-' || right(text, 4)
    WHEN kind = 'geo' AND regexp_matches(text, '^[\s\d.,+-]+$') THEN regexp_replace(text, '(\d+)\.\d+', '\1.x', 'g')
    WHEN kind = 'secret' AND regexp_matches(text, '^(?i)bearer\s') THEN 'Bearer ***'
    WHEN kind = 'secret' AND regexp_matches(text, '^[A-Za-z_.-]+\s*[=:]') THEN regexp_extract(text, '^([A-Za-z_.-]+)', 1) || '=***'
    WHEN kind = 'user_id' AND length(text) >= 6 THEN left(text, 1) || '***'
    ELSE '***'
  END
);

-- name: set_rules
-- The detector configuration as a session variable: ignored key globs, extra patterns (with their kinds, and all of them as one pattern to test first), the keys whose values are redacted whole (empty in auto mode; pii.find's $scan_values says which mode).
-- params: $ignore_keys, $extra_patterns, $extra_kinds, $extra_any, $redact_keys, $statement_keys
SET VARIABLE adtrace_pii = {
  'ignore_keys': $ignore_keys,
  'extras': list_transform(range(1, len($extra_patterns) + 1), i -> {'pattern': $extra_patterns[i], 'kind': $extra_kinds[i]}),
  'has_extra': len($extra_patterns) > 0,
  'extra_any': $extra_any,
  'redact_keys': $redact_keys,
  'statement_keys': $statement_keys
};

-- name: set_key
-- The redaction key, as the HMAC inner and outer padded blocks (hex), in a session variable.
-- params: $ipad, $opad
SET VARIABLE adtrace_pii_key = {'i': unhex($ipad), 'o': unhex($opad)};

-- name: check_pattern
-- Compiles a pattern with the DuckDB regular-expression engine (RE2): an error when it is not valid there.
-- params: $pattern
SELECT regexp_matches('', $pattern) AS ok;

-- name: source_spans
-- The spans the detectors read: the stored spans.
CREATE OR REPLACE TEMP VIEW _pii_source AS
SELECT hash(trace_id, span_id, start_ns) AS sid, service, name, attributes, resource_attributes FROM spans;

-- name: create_stage
-- A redacting load staging table: rows land here, in memory (or the temporary directory), and reach spans only redacted, a range of rows at a time (set_range).
CREATE OR REPLACE TEMP TABLE _pii_stage AS SELECT * FROM spans LIMIT 0;
SET VARIABLE adtrace_pii_range = {'lo': CAST(0 AS BIGINT), 'hi': CAST(0 AS BIGINT)};
CREATE OR REPLACE TEMP VIEW _pii_source AS
SELECT rowid AS sid, service, name, attributes, resource_attributes FROM _pii_stage
WHERE rowid >= getvariable('adtrace_pii_range').lo AND rowid < getvariable('adtrace_pii_range').hi;

-- name: stage_rows
-- The first and past-the-last rowid of the staging table (as text: the rowids of rows a transaction has not committed pass 2^53).
SELECT CAST(COALESCE(min(rowid), 0) AS VARCHAR) AS lo, CAST(COALESCE(max(rowid) + 1, 0) AS VARCHAR) AS hi FROM _pii_stage;

-- name: set_range
-- The staged rows flush_stage moves next: rowids from $lo up to (not including) $hi.
-- params: $lo, $hi
SET VARIABLE adtrace_pii_range = {'lo': CAST($lo AS BIGINT), 'hi': CAST($hi AS BIGINT)};

-- name: clear_stage
-- Empties the staging table once every range is moved.
DELETE FROM _pii_stage;

-- name: stage_spool
-- As spans.stage_spool, into the redacting load staging table.
-- params: $files, $source
INSERT INTO _pii_stage
SELECT * REPLACE (COALESCE(NULLIF(service, ''), resource_attributes['service.name'], '') AS service), $source
FROM adtrace_spool($files);

-- name: classify_keys
-- Every key of the source, classified once: its location, the kind its name alone says (secret, device_id, geo, user_id), whether it is device-ish (UUIDs there are device ids), a version (no IPv4 there), a statement, ignored, or to be redacted whole.
-- Key rules, in order: secret, device_id, geo, user_id. Names are matched case-insensitively on their
-- last dotted/underscored part(s): user.id, enduser.id, user_id, userId; idfa, gaid, adid, device.id…
CREATE OR REPLACE TEMP TABLE _pii_keys AS
WITH k AS (
  SELECT DISTINCT 'attribute' AS map_location, unnest(map_keys(attributes)) AS key FROM _pii_source
  UNION SELECT DISTINCT 'resource', unnest(map_keys(resource_attributes)) FROM _pii_source
)
SELECT map_location, key,
       CASE WHEN map_location = 'attribute' AND list_contains(getvariable('adtrace_pii').statement_keys, key) THEN 'statement' ELSE map_location END AS location,
       CASE
         WHEN regexp_matches(key, '(?i)(?:^|[._-])(?:password|passwd|pwd|secret|client[._-]?secret|api[._-]?key|apikey|access[._-]?token|auth[._-]?token|refresh[._-]?token|id[._-]?token|token|authorization|cookie|set-cookie|session[._-]?id|private[._-]?key)$') THEN 'secret'
         WHEN regexp_matches(key, '(?i)(?:^|[._-])(?:idfa|idfv|gaid|aaid|adid|ifa|maid|device[._-]?id|advertising[._-]?id)$') THEN 'device_id'
         WHEN regexp_matches(key, '(?i)(?:^|[._-])(?:lat|lon|lng|latitude|longitude|coordinates|geo[._-]?point)$') THEN 'geo'
         WHEN regexp_matches(key, '(?i)(?:^|[._-])(?:(?:end)?user[._-]?id|enduser|customer[._-]?id|member[._-]?id|subscriber[._-]?id|user[._-]?name|username|login)$') THEN 'user_id'
       END AS key_kind,
       regexp_matches(key, '(?i)device|advertis|(?:^|[._-])(?:ifa|idfa|gaid|aaid|adid|maid)(?:$|[._-])') AS device_key,
       regexp_matches(key, '(?i)version') AS version_key,
       len(list_filter(getvariable('adtrace_pii').ignore_keys, g -> key GLOB g)) > 0 AS ignored,
       list_contains(getvariable('adtrace_pii').redact_keys, key) AS redact_whole
FROM k;
SET VARIABLE adtrace_pii_flagged = (
  SELECT {'attribute': COALESCE(list(key) FILTER (WHERE map_location = 'attribute' AND NOT ignored AND (key_kind IS NOT NULL OR location = 'statement' OR redact_whole)), []),
          'resource': COALESCE(list(key) FILTER (WHERE map_location = 'resource' AND NOT ignored AND (key_kind IS NOT NULL OR redact_whole)), [])}
  FROM _pii_keys
);

-- name: find
-- Every detected value of the source: one row per span, field and match, with its kind, in precedence order (hashed tokens, config extras, secret, email, card, device_id, ipv6, ipv4/ip_internal, geo, phone, then the kind a key name says for what is left).
-- params: $scan_values, $scan_statements
-- A span is looked at closely only when a key of it is flagged or its values, joined, pass one
-- combined pattern that every detector matches also pass. Each detector sees the text with the
-- matches of those before it blanked out (chr(31)), so a card number is not also a phone number.
CREATE OR REPLACE TEMP TABLE _pii_found AS
WITH flagged AS (
  SELECT * FROM _pii_source
  WHERE list_has_any(map_keys(attributes), getvariable('adtrace_pii_flagged').attribute)
     OR list_has_any(map_keys(resource_attributes), getvariable('adtrace_pii_flagged').resource)
     OR ($scan_values AND regexp_matches(array_to_string(map_values(attributes), chr(31)) || chr(31) || array_to_string(map_values(resource_attributes), chr(31)),
          '@|(?:^|[^0-9.])[+(]?[0-9][0-9 ()-]{6,}[0-9]|[0-9]\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]|[0-9A-Fa-f]:[0-9A-Fa-f]*:|::|[0-9]\.[0-9]{4,}\s*,|(?i:pass|pwd|secret|api[_-]?key|apikey|token|bearer)|[a-z_0-9]+:[0-9a-f]{16}'))
     OR ($scan_values AND getvariable('adtrace_pii').has_extra AND regexp_matches(array_to_string(map_values(attributes), chr(31)) || chr(31) || array_to_string(map_values(resource_attributes), chr(31)), getvariable('adtrace_pii').extra_any))
),
fields AS (
  SELECT sid, service, name, 'attribute' AS map_location, unnest(map_keys(attributes)) AS key, unnest(map_values(attributes)) AS value FROM flagged
  UNION ALL
  SELECT sid, service, name, 'resource', unnest(map_keys(resource_attributes)), unnest(map_values(resource_attributes)) FROM flagged
),
-- Of a flagged span, only the values under a flagged key or that pass the combined pattern themselves.
candidates AS (
  SELECT f.*, k.location, k.key_kind, k.redact_whole, k.device_key, k.version_key
  FROM fields f JOIN _pii_keys k ON k.map_location = f.map_location AND k.key = f.key
  WHERE NOT k.ignored AND ($scan_values OR k.redact_whole)
    AND (k.key_kind IS NOT NULL OR k.location = 'statement' OR k.redact_whole
         OR regexp_matches(f.value, '@|(?:^|[^0-9.])[+(]?[0-9][0-9 ()-]{6,}[0-9]|[0-9]\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]|[0-9A-Fa-f]:[0-9A-Fa-f]*:|::|[0-9]\.[0-9]{4,}\s*,|(?i:pass|pwd|secret|api[_-]?key|apikey|token|bearer)|[a-z_0-9]+:[0-9a-f]{16}')
         OR (getvariable('adtrace_pii').has_extra AND regexp_matches(f.value, getvariable('adtrace_pii').extra_any)))
),
-- Values repeat (statements above all): each distinct one under its key is scanned once.
s0 AS (
  SELECT map_location, key, value, location, key_kind, redact_whole, device_key, version_key,
         regexp_extract_all(value, '\b(?:email|ipv4|ipv6|phone|card|device_id|geo|user_id|secret|statement|redacted):[0-9a-f]{16}\b') AS m_hashed,
         regexp_replace(value, '\b(?:email|ipv4|ipv6|phone|card|device_id|geo|user_id|secret|statement|redacted):[0-9a-f]{16}\b', chr(31), 'g') AS w
  -- A redacting load replaces statements whole (flush_stage): it need not scan them.
  FROM (SELECT DISTINCT map_location, key, value, location, key_kind, redact_whole, device_key, version_key FROM candidates
        WHERE location <> 'statement' OR $scan_statements)
),
s1 AS (
  SELECT *,
         CASE WHEN getvariable('adtrace_pii').has_extra AND regexp_matches(w, getvariable('adtrace_pii').extra_any)
           THEN flatten(list_transform(getvariable('adtrace_pii').extras,
                  e -> list_transform(list_filter(regexp_extract_all(w, e.pattern), t -> t <> ''), t -> {'kind': e.kind, 'text': t})))
           ELSE [] END AS m_extra
  FROM s0
),
s2 AS (SELECT * REPLACE (CASE WHEN len(m_extra) > 0 THEN list_reduce(list_prepend(w, list_transform(m_extra, m -> m.text)), (a, t) -> replace(a, t, chr(31))) ELSE w END AS w) FROM s1),
s3 AS (SELECT * REPLACE (regexp_replace(w, '(?i)(?:\b(?:password|passwd|pwd|secret|client[_-]?secret|api[_-]?key|apikey|access[_-]?token|auth[_-]?token|token)\s*[=:]\s*''?[^\s&;,''"?][^\s&;,''"]*|\bbearer\s+[A-Za-z0-9._~+/=-]{8,}|\bbasic\s+[A-Za-z0-9+/=]{8,})', chr(31), 'g') AS w), regexp_extract_all(w, '(?i)(?:\b(?:password|passwd|pwd|secret|client[_-]?secret|api[_-]?key|apikey|access[_-]?token|auth[_-]?token|token)\s*[=:]\s*''?[^\s&;,''"?][^\s&;,''"]*|\bbearer\s+[A-Za-z0-9._~+/=-]{8,}|\bbasic\s+[A-Za-z0-9+/=]{8,})') AS m_secret FROM s2),
s4 AS (SELECT * REPLACE (regexp_replace(w, '[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}', chr(31), 'g') AS w), regexp_extract_all(w, '[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}') AS m_email FROM s3),
s5 AS (SELECT *, list_filter(regexp_extract_all(w, '(?:^|[^0-9A-Za-z_.+-])((?:[0-9][ -]?){12,18}[0-9])(?:$|[^0-9A-Za-z_.])', 1), c -> adtrace_pii_is_card(c)) AS m_card FROM s4),
s6 AS (
  SELECT * REPLACE (adtrace_pii_blank(w, m_card) AS w),
         CASE WHEN device_key THEN regexp_extract_all(adtrace_pii_blank(w, m_card), '\b[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}\b') ELSE [] END AS m_device
  FROM s5
),
s7 AS (
  SELECT * REPLACE (adtrace_pii_blank(w, m_device) AS w),
         list_filter(regexp_extract_all(adtrace_pii_blank(w, m_device), '(?:^|[^0-9A-Za-z:.])([0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7})(?:$|[^0-9A-Za-z:.])', 1), c -> adtrace_pii_is_ipv6(c)) AS m_ipv6
  FROM s6
),
s8 AS (
  SELECT * REPLACE (adtrace_pii_blank(w, m_ipv6) AS w),
         CASE WHEN version_key THEN [] ELSE regexp_extract_all(adtrace_pii_blank(w, m_ipv6), '(?:^|[^0-9A-Za-z.])((?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(?:\.(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3})(?:$|[^0-9A-Za-z.])', 1) END AS m_ipv4
  FROM s7
),
s9 AS (
  SELECT * REPLACE (adtrace_pii_blank(w, m_ipv4) AS w),
         CASE WHEN location = 'statement' THEN [] ELSE list_filter(regexp_extract_all(adtrace_pii_blank(w, m_ipv4), '(?:^|[^0-9A-Za-z.])([+-]?[0-9]{1,2}\.[0-9]{4,}\s*,\s*[+-]?[0-9]{1,3}\.[0-9]{4,})(?:$|[^0-9A-Za-z.])', 1),
           c -> abs(TRY_CAST(trim(split_part(c, ',', 1)) AS DOUBLE)) <= 90 AND abs(TRY_CAST(trim(split_part(c, ',', 2)) AS DOUBLE)) <= 180) END AS m_geo
  FROM s8
),
s10 AS (
  SELECT * REPLACE (adtrace_pii_blank(w, m_geo) AS w),
         list_filter(regexp_extract_all(adtrace_pii_blank(w, m_geo), '(?:^|[^0-9A-Za-z_.+-])(\+[1-9](?:[ ()-]{0,2}[0-9]){6,14}|\(?0[0-9]{1,4}\)?[ -][0-9]{2,4}(?:[ -][0-9]{2,4}){1,3}|\(?[2-9][0-9]{2}\)?[ -][0-9]{3}[ -][0-9]{4})(?:$|[^0-9A-Za-z_.-])', 1), c -> adtrace_pii_is_phone(c)) AS m_phone
  FROM s9
),
scan AS (
  SELECT *,
         list_concat(
           list_transform(m_hashed, t -> {'kind': 'hashed', 'text': t}),
           m_extra,
           list_transform(m_secret, t -> {'kind': 'secret', 'text': t}),
           list_transform(m_email, t -> {'kind': 'email', 'text': t}),
           list_transform(m_card, t -> {'kind': 'card', 'text': t}),
           list_transform(m_device, t -> {'kind': 'device_id', 'text': t}),
           list_transform(m_ipv6, t -> {'kind': CASE WHEN adtrace_pii_ipv6_internal(t) THEN 'ip_internal' ELSE 'ipv6' END, 'text': t}),
           list_transform(m_ipv4, t -> {'kind': CASE WHEN adtrace_pii_ipv4_internal(t) THEN 'ip_internal' ELSE 'ipv4' END, 'text': t}),
           list_transform(m_geo, t -> {'kind': 'geo', 'text': t}),
           list_transform(m_phone, t -> {'kind': 'phone', 'text': t}),
           -- The kind the key name says applies to what is left, when something is (a letter or digit).
           CASE WHEN key_kind IS NOT NULL AND location <> 'statement' AND regexp_matches(adtrace_pii_blank(w, m_phone), '[0-9A-Za-z]') THEN [{'kind': key_kind, 'text': value}] ELSE [] END
         ) AS found
  FROM s10
)
SELECT c.sid, c.service, c.name, c.map_location, c.key, c.value, c.location, c.key_kind, c.redact_whole, COALESCE(s.found, []) AS found
FROM candidates c LEFT JOIN scan s ON s.map_location = c.map_location AND s.key = c.key AND s.value = c.value
WHERE len(s.found) > 0 OR c.location = 'statement' OR c.redact_whole;

-- name: audit
-- Per service, span name, location, key and kind: spans carrying it, their share of the spans of that service and name, and one redacted example (the smallest value).
-- params: $kinds
WITH m AS (
  SELECT sid, service, name, location, key, unnest(found, recursive := true) FROM _pii_found
),
per AS (
  SELECT service, name, location, key, kind, count(DISTINCT sid) AS spans, min(text) AS example_text
  FROM m WHERE len($kinds) = 0 OR list_contains($kinds, kind) GROUP BY ALL
),
totals AS (SELECT service, name, count(*) AS n FROM _pii_source GROUP BY ALL)
SELECT p.service, p.name AS span_name, p.location, p.key, p.kind, p.spans, p.spans / t.n AS share_of_spans, adtrace_pii_mask(p.kind, p.example_text) AS example
FROM per p JOIN totals t ON t.service = p.service AND t.name = p.name
ORDER BY p.service, p.name, p.location, p.key, p.kind;

-- name: counts
-- Spans scanned and fields (attribute, resource and statement values) scanned, for the heading.
SELECT count(*) AS spans, COALESCE(sum(cardinality(attributes) + cardinality(resource_attributes)), 0) AS fields FROM _pii_source;

-- name: flush_stage
-- A redacting load staged rows into spans, in staging order, every detected value replaced by its token (auto) or every listed key value whole; statements as their fingerprint, the first placeholder holding a keyed hash of the whole statement (so that repeated statements stay countable, and the fingerprint of the redacted text is that of the original); a range of staged rows at a time (set_range).
-- Ids, names, times and every other value pass unchanged.
CREATE OR REPLACE TEMP TABLE _pii_maps AS
WITH f AS (
  SELECT f.*, COALESCE(lower(COALESCE(s.attributes['db.system'], s.attributes['db.system.name'])), '') AS dialect
  FROM _pii_found f JOIN _pii_stage s ON s.rowid = f.sid
),
-- Statements repeat: each distinct one is fingerprinted and hashed once.
statements AS (
  SELECT value, dialect, adtrace_fingerprint(value, dialect) AS fp, adtrace_uncommented(value, dialect) AS uncommented
  FROM (SELECT DISTINCT value, dialect FROM f WHERE location = 'statement')
),
redacted_statements AS (
  SELECT value, dialect,
         CASE WHEN contains(fp, '?') THEN regexp_replace(fp, '\?', '''' || adtrace_pii_token('statement', uncommented) || '''') ELSE fp END AS redacted
  FROM statements
),
replaced AS (
  SELECT f.sid, f.map_location, f.key,
         CASE
           WHEN f.location = 'statement' THEN r.redacted
           WHEN f.redact_whole THEN adtrace_pii_token(COALESCE(list_filter(f.found, x -> x.kind NOT IN ('hashed', 'ip_internal'))[1].kind, 'redacted'), f.value)
           WHEN list_bool_or(list_transform(f.found, x -> x.kind = f.key_kind AND x.text = f.value)) THEN adtrace_pii_token(f.key_kind, f.value)
           ELSE adtrace_pii_replace(f.value, f.found)
         END AS value
  FROM f LEFT JOIN redacted_statements r ON r.value = f.value AND r.dialect = f.dialect
)
SELECT sid,
       COALESCE(map_from_entries(list({'key': key, 'value': value}) FILTER (WHERE map_location = 'attribute')), MAP {}) AS attrs,
       COALESCE(map_from_entries(list({'key': key, 'value': value}) FILTER (WHERE map_location = 'resource')), MAP {}) AS res
FROM replaced GROUP BY sid;
-- The rows nothing was found in pass as they are, in staging order, then the rewritten ones, in
-- staging order: a MAP in a CASE over every row costs more than the rest of the load. (Of two
-- copies of a span in one input, the first is kept; copies differ only when they conflict.)
INSERT INTO spans
SELECT s.* FROM _pii_stage s ANTI JOIN _pii_maps m ON m.sid = s.rowid
WHERE s.rowid >= getvariable('adtrace_pii_range').lo AND s.rowid < getvariable('adtrace_pii_range').hi;
INSERT INTO spans
SELECT s.* REPLACE (map_concat(s.attributes, m.attrs) AS attributes, map_concat(s.resource_attributes, m.res) AS resource_attributes)
FROM _pii_stage s JOIN _pii_maps m ON m.sid = s.rowid
ORDER BY s.rowid;
DROP TABLE _pii_maps;

-- name: drop_stage
-- Drops the redacting load staging table and the detector temporary tables.
DROP VIEW IF EXISTS _pii_source;
DROP TABLE IF EXISTS _pii_stage;
DROP TABLE IF EXISTS _pii_found;
DROP TABLE IF EXISTS _pii_keys;

-- name: create_redactions
-- Which loads were redacted, and how: one row per input a redacting load read.
CREATE TABLE IF NOT EXISTS redactions (
  source VARCHAR NOT NULL,
  mode VARCHAR NOT NULL,
  detectors VARCHAR NOT NULL,
  key_id VARCHAR NOT NULL,
  redacted_at TIMESTAMP NOT NULL
);

-- name: record_redaction
-- One input a redacting load read.
-- params: $source, $mode, $detectors, $key_id
INSERT INTO redactions VALUES ($source, $mode, $detectors, $key_id, now()::TIMESTAMP);

-- name: redaction_summary
-- What inspect says of redaction: inputs loaded, inputs redacted, and the distinct modes, detectors and key ids (NULL lists when there is no redactions table).
SELECT (SELECT count(*) FROM loads) AS inputs,
       count(*) AS redacted_inputs,
       string_agg(DISTINCT mode, '; ' ORDER BY mode) AS modes,
       string_agg(DISTINCT detectors, '; ' ORDER BY detectors) AS detectors,
       string_agg(DISTINCT key_id, ', ' ORDER BY key_id) AS key_ids
FROM redactions;
