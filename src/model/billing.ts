// The billed cost source (issue 23): billing records in `billed_queries` are joined to the spans
// that issued the queries, before `costed_spans` is built, into `_span_bills` (one row per joined
// span: its bills' USD, how it was matched). Join keys, in order: a span attribute holding the
// query or job id (config `query_id_attributes`); the query tag or job labels carrying the span's
// traceparent or trace and span ids; and, only with matchByTime, the same warehouse, the same
// statement fingerprint and overlapping times, accepted only when one bill and one span pair up
// alone. Bills are priced here with the session's price book (prices apply at query time).
import type { Db, Params } from "../db/db.js";
import { insertRows } from "../db/insert-rows.js";
import type { Config } from "./config.js";
import type { PriceBook } from "./defaults.js";

/** BigQuery editions' pay-as-you-go slot-hour (Enterprise, US, 2025) when the price book gives none. */
export const DEFAULT_SLOT_HOUR_USD = 0.06;

export interface BillingModelOptions {
  /** --match-by-time: also join by warehouse, fingerprint and overlapping times when unambiguous (a weaker match). */
  matchByTime?: boolean;
}

/** The price book's billing rates as rows (billing_price_ranges) and the bill macros. */
export async function installBillingPrices(db: Db, books: { fromNs: bigint; book: PriceBook }[]): Promise<void> {
  await db.run("billing.create_prices");
  const rows: Params[] = [];
  for (const { fromNs, book } of books) {
    const w = book.warehouses ?? {};
    const bq = w.bigquery ?? w["gcp.bigquery"];
    rows.push({ system: "snowflake", from_ns: fromNs, credit_usd: w.snowflake?.credit_usd ?? null, tib_usd: null, slot_hour_usd: null });
    rows.push({ system: "bigquery", from_ns: fromNs, credit_usd: null, tib_usd: bq?.tib_usd ?? null, slot_hour_usd: bq?.slot_hour_usd ?? DEFAULT_SLOT_HOUR_USD });
  }
  await insertRows(db, "billing.insert_price", rows);
  await db.run("billing.price_ranges");
}

/** Build `_bills` (priced with `books`, effectiveBooks(config.prices)) and `_span_bills` (joined spans); both empty when the session has no billing records. */
export async function installBilling(
  db: Db, config: Config, books: { fromNs: bigint; book: PriceBook }[], options: BillingModelOptions = {},
): Promise<void> {
  const stored = Number(await db.scalar("SELECT count(*) FROM information_schema.tables WHERE table_name = 'billed_queries' AND table_schema = 'main'"));
  // Most sessions have no billing records: the empty tables alone, in one statement instead of
  // seven (rates, macros, joins over the spans), about 15 ms of CPU a session.
  if (!stored) return db.run("billing.no_bills");
  await installBillingPrices(db, books);
  await db.run("billing.bills");
  await db.run("billing.set_join_options", { id_attrs: config.query_id_attributes, match_by_time: Boolean(options.matchByTime) });
  // Without bills nothing joins: the join, which reads every span's attributes, is skipped.
  await db.run(Number(await db.scalar("SELECT count(*) FROM _bills")) ? "billing.bill_joins" : "billing.no_bill_joins");
  await db.run("billing.span_bills");
}
