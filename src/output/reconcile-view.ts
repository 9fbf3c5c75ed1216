// Views for billing (issue 23): what `load --billing` / `pull --billing` stored, and
// `cost reconcile`'s rows (estimated against billed per warehouse, stage and fingerprint).
import type { TableResult } from "./result.js";
import { formatCount, formatShare, formatUsd } from "./units.js";

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

export interface ReconcileView {
  rows: {
    warehouse: string; stage: string; fingerprint: string; spans: number; joined_spans: number;
    estimated_usd: number; billed_usd: number; billed_over_estimated: number | null; join_rate: number | null;
  }[];
  totals: {
    spans: number; joined_spans: number; join_rate: number | null; spans_by_id: number; spans_by_tag: number; spans_by_time: number;
    bills: number; joined_bills: number; joined_billed_usd: number; untraced_bills: number; untraced_billed_usd: number;
    out_of_range_bills: number; unpriced_bills: number;
  };
}

/** `cost reconcile`: estimated against billed per warehouse, stage and fingerprint, then the untraced spend. */
export function reconcileView(result: ReconcileView, pricing: { notes: string[]; json: Record<string, unknown> }): TableResult {
  const t = result.totals;
  const bill = t.joined_billed_usd + t.untraced_billed_usd;
  const pct = (x: number) => formatShare(x);
  const heading = [
    `Estimated vs billed — join rate ${t.join_rate === null ? "n/a" : pct(t.join_rate)}: ${formatCount(t.joined_spans)} of ${formatCount(t.spans)} warehouse span(s) `
      + `joined a bill (${formatCount(t.spans_by_id)} by query id, ${formatCount(t.spans_by_tag)} by tag or labels${t.spans_by_time ? `, ${formatCount(t.spans_by_time)} by time, weaker` : ""}).`,
    `Billed ${formatUsd(bill)} in the spans' time range: ${formatUsd(t.joined_billed_usd)} to traced spans, ${formatUsd(t.untraced_billed_usd)} untraced`
      + `${bill > 0 ? ` (${pct(t.untraced_billed_usd / bill)} of the bill)` : ""}.`,
  ];
  const notes: string[] = [];
  const unjoined = t.spans - t.joined_spans;
  if (unjoined) notes.push(`${formatCount(unjoined)} warehouse span(s) have no billing record (spans − joined_spans): their query id, tag or labels reach no bill.`);
  if (t.out_of_range_bills) notes.push(`${formatCount(t.out_of_range_bills)} billing record(s) no span explains lie outside the spans' time range: left out of (untraced).`);
  if (t.unpriced_bills) notes.push(`${formatCount(t.unpriced_bills)} billing record(s) have no rate in the price book (credit_usd, tib_usd, slot_hour_usd): joined to nothing.`);
  if (!t.bills) notes.push("no billing records: load them with adtrace load --billing FILE --db DB, or give --billing-file FILE with span files.");
  notes.push("estimated_usd: the price book's query cost of every span in the row; billed_over_estimated: on the joined spans alone. Stored spans, unweighted: a bill is one query (README \"Match the bill\").");
  notes.push(...pricing.notes);
  return {
    heading,
    columns: [
      { key: "warehouse", kind: "text" },
      { key: "stage", kind: "text" },
      { key: "fingerprint", kind: "text", maxWidth: 40 },
      { key: "spans", kind: "int" },
      { key: "joined_spans", title: "joined", kind: "int" },
      { key: "estimated_usd", title: "estimated", kind: "usd" },
      { key: "billed_usd", title: "billed", kind: "usd" },
      { key: "billed_over_estimated", title: "billed/est", kind: "number" },
      { key: "join_rate", title: "join rate", kind: "share" },
    ],
    rows: result.rows.map((r) => ({ ...r })),
    notes,
    json: { rows: result.rows.map((r) => ({ ...r })), totals: { ...t }, ...pricing.json },
  };
}
