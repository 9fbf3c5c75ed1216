// cost reconcile (issue 23): the price book's estimates against what the warehouses billed, per
// warehouse, stage and statement fingerprint, with the join rate and the billed spend no span
// explains (untraced). The sampling rule: billing records are complete, spans may be sampled, so
// only joined spans are priced from the bill, and untraced spend is the bill minus the joined
// spans' bills, never minus weighted estimates: reconcile counts stored spans, unweighted.
import type { Db } from "../db/db.js";
import { CheckFailed } from "../errors.js";

export interface ReconcileRow {
  warehouse: string;
  stage: string;
  fingerprint: string;
  spans: number;
  joined_spans: number;
  estimated_usd: number;
  billed_usd: number;
  billed_over_estimated: number | null;
  join_rate: number | null;
}

export interface ReconcileTotals {
  /** Warehouse spans (and any other span a bill joined). */
  spans: number;
  joined_spans: number;
  /** joined_spans ÷ spans; null with no warehouse span. */
  join_rate: number | null;
  spans_by_id: number;
  spans_by_tag: number;
  /** Joined by --match-by-time: the weaker match. */
  spans_by_time: number;
  bills: number;
  joined_bills: number;
  joined_billed_usd: number;
  untraced_bills: number;
  untraced_billed_usd: number;
  /** Bills no span explains that lie outside the spans' time range: left out of untraced. */
  out_of_range_bills: number;
  /** Bills the price book has no rate for: joined to nothing. */
  unpriced_bills: number;
}

export interface ReconcileResult {
  rows: ReconcileRow[];
  totals: ReconcileTotals;
}

export interface ReconcileOptions {
  /** --fail-under-join-rate: a CheckFailed (exit 1) when the join rate is below it. */
  failUnderJoinRate?: number;
}

export async function reconcile(db: Db): Promise<ReconcileResult> {
  const rows = (await db.query("reconcile.rows")).map((r) => ({
    warehouse: String(r.warehouse), stage: String(r.stage), fingerprint: String(r.fingerprint),
    spans: Number(r.spans), joined_spans: Number(r.joined_spans),
    estimated_usd: Number(r.estimated_usd ?? 0), billed_usd: Number(r.billed_usd ?? 0),
    billed_over_estimated: r.billed_over_estimated === null ? null : Number(r.billed_over_estimated),
    join_rate: r.join_rate === null ? null : Number(r.join_rate),
  }));
  const [t] = await db.query("reconcile.totals");
  const n = (k: string) => Number(t![k] ?? 0);
  const totals: ReconcileTotals = {
    spans: n("spans"), joined_spans: n("joined_spans"), join_rate: n("spans") ? n("joined_spans") / n("spans") : null,
    spans_by_id: n("spans_by_id"), spans_by_tag: n("spans_by_tag"), spans_by_time: n("spans_by_time"),
    bills: n("bills"), joined_bills: n("joined_bills"), joined_billed_usd: n("joined_billed_usd"),
    untraced_bills: n("untraced_bills"), untraced_billed_usd: n("untraced_billed_usd"),
    out_of_range_bills: n("out_of_range_bills"), unpriced_bills: n("unpriced_bills"),
  };
  return { rows, totals };
}

/** The CI gate: exit 1 when fewer warehouse spans than `min` (a share) joined a bill. */
export function checkJoinRate(totals: ReconcileTotals, min: number | undefined): void {
  if (min === undefined) return;
  if (totals.join_rate === null) throw new CheckFailed(`join rate: no warehouse spans to join (--fail-under-join-rate ${min})`);
  if (totals.join_rate < min) {
    throw new CheckFailed(`join rate ${totals.join_rate.toPrecision(4)} is under ${min}: ${totals.spans - totals.joined_spans} of ${totals.spans} warehouse spans have no billing record`);
  }
}
