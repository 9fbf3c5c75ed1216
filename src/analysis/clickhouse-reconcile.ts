// `cost reconcile` over a ClickHouse source (issue 17). Reconcile is per warehouse span (a bill is
// one query), so it runs locally on the spans themselves: the --billing-file records are loaded
// into an in-memory DuckDB first (as over span files), their tags (trace and span ids) bound into
// clickhouse_reconcile.warehouse_spans, which brings back every span of the range a bill could
// join or reconcile counts (the warehouse spans, those with a query id attribute, those a tag
// names, with --match-by-time the time match's candidates, and the range's first and last span);
// the session's cost model is installed over them (clickhouse-sample.ts's modelLocally) and
// reconcile() runs unchanged. The rows grow with the range's warehouse spans, not its events.
// The cost sources cover the whole range: the pushed-down summary's, with the spans a bill joined
// moved to "billed" as locally.
import { TupleParam } from "@clickhouse/client";
import type { Db } from "../db/db.js";
import { InputError } from "../errors.js";
import { loadBilling, type BillingLoadResult } from "../ingest/billing.js";
import { pricingSummary, type Pricing } from "./breakdown.js";
import { modelQuery, summary, type ClickHouseSession } from "./clickhouse.js";
import { modelLocally } from "./clickhouse-sample.js";
import { reconcile, type ReconcileResult } from "./reconcile.js";

export interface ClickHouseReconcile {
  result: ReconcileResult;
  pricing: Pricing;
  billing: BillingLoadResult;
  /** Spans brought back from the engine. */
  spansReturned: number;
}

/** cost reconcile of the ClickHouse source's range against `billingFiles`: the same result as reconcile() over the same spans as files. */
export async function clickhouseReconcile(session: ClickHouseSession, billingFiles: readonly string[]): Promise<ClickHouseReconcile> {
  let billing: BillingLoadResult | undefined;
  let returned: Awaited<ReturnType<typeof modelQuery>> = [];
  const fetchSpans = async (db: Db) => {
    billing = await loadBilling(db, billingFiles, session.config);
    const tagged = (await db.query("billing.bill_tags"))
      .map((r) => new TupleParam([String(r.trace_id), String(r.span_id)]));
    returned = await modelQuery(session, "clickhouse_reconcile.warehouse_spans", {
      id_attrs: session.config.query_id_attributes, tagged, match_by_time: Boolean(session.model.billing?.matchByTime),
    });
    if (!returned.length) throw new InputError(session.source.label, "holds no spans in this range: nothing to analyse");
    return returned;
  };
  const local = await modelLocally(session, fetchSpans);
  try {
    const result = await reconcile(local.db);
    const withBills = await pricingSummary(local.db);
    // The same spans without the bills: the cost sources they had before a bill joined them.
    const bare = await modelLocally(session, returned);
    let before: Pricing;
    try {
      before = await pricingSummary(bare.db);
    } finally {
      bare.close();
    }
    const all = (await summary(session)).pricing.cost_sources;
    const moved = (k: "explicit" | "price_book" | "unpriced") => all[k] - before.cost_sources[k] + withBills.cost_sources[k];
    const pricing: Pricing = {
      cost_sources: { billed: withBills.cost_sources.billed, explicit: moved("explicit"), price_book: moved("price_book"), unpriced: moved("unpriced") },
      // As the other pushed-down commands: bad values are not reported over a ClickHouse source.
      bad_values: [],
    };
    return { result, pricing, billing: billing!, spansReturned: returned.length };
  } finally {
    local.close();
  }
}
