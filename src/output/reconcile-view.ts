// Views for billing (issue 23): what `load --billing` / `pull --billing` stored, and
// `cost reconcile`'s rows (estimated against billed per warehouse, stage and fingerprint).
import type { TableResult } from "./result.js";
import { formatCount } from "./units.js";

export interface BillingStoredView {
  db: string;
  source?: string;
  files: { source: string; kind: string; records: number }[];
  records_read: number;
  records_kept: number;
  duplicates: number;
  conflicting: number;
  replaced: number;
  skipped: { reason: string; records: number }[];
  stored: { warehouse: string; records: number; billed_usd: number; tagged: number; unpriced: number }[];
}

/** `load --billing` / `pull --billing`: per warehouse, the billing records the database holds now. */
export function billingLoadSummary(result: BillingStoredView): TableResult {
  const skipped = result.skipped.reduce((n, s) => n + s.records, 0);
  const heading = [
    `Stored ${formatCount(result.records_kept)} billing record(s) from ${formatCount(result.records_read)} read into ${result.db}`
      + `${result.replaced ? ` (${formatCount(result.replaced)} replaced a stored record of the same query id)` : ""}.`,
  ];
  const notes: string[] = [];
  if (result.duplicates) notes.push(`${formatCount(result.duplicates)} earlier record(s) of a query id given again: the latest record wins.`);
  // The skipped records are named in the warnings on stderr (ingestNotes); the count is here.
  if (skipped) notes.push(`${formatCount(skipped)} record(s) skipped (see the warnings).`);
  return {
    heading,
    columns: [
      { key: "warehouse", kind: "text" },
      { key: "records", kind: "int" },
      { key: "tagged", title: "with trace context", kind: "int" },
      { key: "unpriced", kind: "int" },
      { key: "billed_usd", title: "billed", kind: "usd" },
    ],
    rows: result.stored.map((w) => ({ ...w })),
    notes,
    json: {
      schema_version: 1,
      db: result.db,
      ...(result.source ? { source: result.source } : {}),
      files: result.files.map((f) => ({ ...f })),
      records_read: result.records_read,
      records_kept: result.records_kept,
      duplicates: result.duplicates,
      conflicting: result.conflicting,
      replaced: result.replaced,
      skipped: result.skipped.map(({ reason, records }) => ({ reason, records })),
      warehouses: result.stored.map((w) => ({ ...w })),
    },
  };
}
