// Presenter for `audit pii` (and the report's pii.csv and summary section): one row per service,
// span name, location, key and kind. Examples arrive already masked from the database.
import type { PiiResult } from "../analysis/pii.js";
import type { Column, TableResult } from "./result.js";
import { formatCount } from "./units.js";

export const PII_COLUMNS: Column[] = [
  { key: "service", kind: "text", maxWidth: 20 },
  { key: "span_name", title: "span name", kind: "text", maxWidth: 32 },
  { key: "location", kind: "text", optional: true },
  { key: "key", kind: "text", maxWidth: 28 },
  { key: "kind", kind: "text" },
  { key: "spans", kind: "int" },
  { key: "share_of_spans", title: "share", kind: "share", bar: true },
  { key: "example", kind: "text", maxWidth: 20, fixed: true },
];

/** The one-line verdict shared by the command's heading and the report's summary. */
export function piiVerdict(result: PiiResult): string {
  const sample = result.scanned ? `; ${piiSampleText(result.scanned)}` : "";
  const scope = (result.only.length ? ` (kinds: ${result.only.join(", ")})` : "") + sample;
  if (!result.rows.length) return `No personal data found in ${formatCount(result.fields)} values of ${formatCount(result.spans)} spans${scope}.`;
  const personal = result.personal_kinds.length ? `personal data: ${result.personal_kinds.join(", ")}` : "no personal data";
  const other = result.kinds.filter((k) => !result.personal_kinds.includes(k));
  return `${personal}${other.length ? ` (also ${other.join(", ")})` : ""} in ${formatCount(result.fields)} values of ${formatCount(result.spans)} spans${scope}.`;
}

/** What a sampled audit could not see, in the words every output uses. */
export function piiSampleText(scanned: { events: number; of_events: number }): string {
  return `scanned ${formatCount(scanned.events)} of ${formatCount(scanned.of_events)} events (a deterministic sample of whole events; a leak in the others is not seen)`;
}

export function piiView(result: PiiResult): TableResult {
  return {
    heading: [`PII audit — ${piiVerdict(result)}`],
    columns: PII_COLUMNS,
    rows: result.rows.map((r) => ({ ...r, share_of_spans: Number(r.share_of_spans.toPrecision(12)) })),
    notes: result.rows.length || result.scanned
      ? [
          ...(result.scanned ? [`Only a sample was scanned: ${piiSampleText(result.scanned)}.`] : []),
          "spans: stored spans carrying the kind (not weighted by sampling); share: of the spans of that service and name; examples are redacted, values are never printed.",
          ...(result.kinds.includes("hashed") ? ["hashed: keyed-hash tokens a redacting load (load --redact) wrote in place of values: nothing to recover."] : []),
          ...(result.kinds.includes("ip_internal") ? ["ip_internal: private, loopback, link-local or reserved addresses; not counted by --fail-on-pii."] : []),
        ]
      : [],
    json: {
      spans: result.spans, values: result.fields, kinds: result.kinds, personal_kinds: result.personal_kinds,
      ...(result.scanned ? { scanned_events: result.scanned.events, of_events: result.scanned.of_events } : {}),
      findings: result.rows,
    },
  };
}
