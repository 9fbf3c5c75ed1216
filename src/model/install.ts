// Installs the cost model into a database session: the config's stage rules, prices and
// attribute lists are loaded as rows (never SQL text), then `costed_spans` is built. A database
// file keeps the model it was loaded with (stored.ts); its sessions read that instead.
import type { Db, Params } from "../db/db.js";
import { insertRows } from "../db/insert-rows.js";
import type { Config, SamplingRule } from "./config.js";
import { installBilling, type BillingModelOptions } from "./billing.js";
import { STATEMENT_ATTRIBUTES, type PriceBook, type WarehousePrice } from "./defaults.js";

// The earliest book applies from the beginning of time.
const BEGINNING_NS = -(2n ** 62n);

export interface ModelOptions {
  /** Ignore sampling weights (every span counts once). */
  unweighted?: boolean;
  /** Weight for spans marked sampled without a usable rate (default 1, and they are reported). */
  assumeWeight?: number;
  /** `--sample-rate PATTERN=RATE` rules, tried before the config's `sampling:` rules. */
  sampleRates?: SamplingRule[];
  /**
   * The attribute keys the session groups by (`--by attr:KEY`). Only these are kept in
   * `costed_spans.attributes` (NULL when none): all of them would dominate a session's memory.
   */
  attributeKeys?: string[];
  /** How billing records join spans (issue 23). */
  billing?: BillingModelOptions;
}

export async function installModel(db: Db, config: Config, options: ModelOptions = {}): Promise<void> {
  await installRules(db, config, options);
  await db.run("model.costed_parts");
  await db.run("model.costed_spans");
  await db.run("model.trace_weights");
  await db.run("model.event_weights");
  await db.run("model.span_summary");
}

/** Whether a session's options change the model (weights, --match-by-time's joins), so a stored model does not serve it. */
export function changesModel(options: ModelOptions = {}): boolean {
  return Boolean(options.unweighted) || options.assumeWeight !== undefined || Boolean(options.sampleRates?.length)
    || Boolean(options.billing?.matchByTime);
}

/** The macros, the config's rules and prices as rows, and the session's lists: what the model's queries read. */
export async function installRules(db: Db, config: Config, options: ModelOptions = {}): Promise<void> {
  await db.run("model.create_macros");
  await db.run("model.create_rule_tables");
  // Each table's rows in one statement (src/db/insert-rows.ts).
  const stageRules: Params[] = [];
  const stageAttrs: Params[] = [];
  for (const [i, rule] of config.stages.entries()) {
    const attributes = Object.entries(rule.match.attribute ?? {});
    stageRules.push({ priority: i, stage: rule.stage, name_glob: rule.match.name ?? null, service_glob: rule.match.service ?? null, n_attrs: attributes.length });
    for (const [key, glob] of attributes) stageAttrs.push({ priority: i, key, glob });
  }
  await insertRows(db, "model.insert_stage_rule", stageRules);
  await insertRows(db, "model.insert_stage_rule_attr", stageAttrs);
  const samplingRules: Params[] = [];
  const samplingAttrs: Params[] = [];
  for (const [i, rule] of [...(options.sampleRates ?? []), ...config.sampling].entries()) {
    const attributes = Object.entries(rule.match.attribute ?? {});
    samplingRules.push({ priority: i, name_glob: rule.match.name ?? null, service_glob: rule.match.service ?? null, n_attrs: attributes.length, rate: rule.rate });
    for (const [key, glob] of attributes) samplingAttrs.push({ priority: i, key, glob });
  }
  await insertRows(db, "model.insert_sampling_rule", samplingRules);
  await insertRows(db, "model.insert_sampling_rule_attr", samplingAttrs);
  const computePrices: Params[] = [];
  const warehousePrices: Params[] = [];
  for (const { fromNs, book } of effectiveBooks(config.prices)) {
    computePrices.push({ from_ns: fromNs, vcpu_hour_usd: book.compute?.vcpu_hour_usd ?? null, vcpus: book.compute?.vcpus ?? 1 });
    for (const [system, price] of Object.entries(book.warehouses ?? {})) warehousePrices.push(warehouseRow(system.toLowerCase(), fromNs, price));
  }
  await insertRows(db, "model.insert_compute_price", computePrices);
  await insertRows(db, "model.insert_warehouse_price", warehousePrices);
  await db.run("model.price_ranges");
  await db.run("model.set_attribute_lists", listParams(config, options));
  // The bills joined to spans (_span_bills), which model.costed_parts reads: empty without billing records.
  await installBilling(db, config, effectiveBooks(config.prices), options.billing);
}

/** The session's lists alone (the stored model's views read them): no rules, no model computed. */
export async function installLists(db: Db, config: Config, options: ModelOptions = {}): Promise<void> {
  await db.run("model.create_macros");
  await db.run("model.set_attribute_lists", listParams(config, options));
}

function listParams(config: Config, options: ModelOptions) {
  return {
    cost_attrs: config.cost_attributes,
    bytes_attrs: config.bytes_attributes,
    statement_attrs: STATEMENT_ATTRIBUTES,
    warehouses: config.warehouses.map((w) => w.toLowerCase()),
    weighted: !options.unweighted,
    assume_weight: options.assumeWeight ?? 1,
    group_attrs: [...new Set(options.attributeKeys ?? [])],
  };
}

/** A grouping by attributes the model did not keep would put every span under (none): refuse it. */
export async function assertAttributesKept(db: Db, keys: string[]): Promise<void> {
  if (!keys.length) return;
  const [row] = await db.query("model.kept_attributes");
  const kept = row?.keys as string[] | null;
  const missing = keys.filter((key) => !kept?.includes(key));
  if (missing.length) throw new Error(`the cost model was installed without attribute(s) ${missing.join(", ")}: pass them in ModelOptions.attributeKeys`);
}

/**
 * Dated books → the full book in force from each date: a later book overrides only the keys it
 * gives, so `prices: [{effective_from: 2025-06-01, warehouses: {snowflake: {credit_usd: 2.5}}}]`
 * changes one rate and keeps the rest.
 */
export function effectiveBooks(books: PriceBook[]): { fromNs: bigint; book: PriceBook }[] {
  const out: { fromNs: bigint; book: PriceBook }[] = [];
  let current: PriceBook = { compute: {}, warehouses: {} };
  for (const book of books) {
    const warehouses: Record<string, WarehousePrice> = { ...current.warehouses };
    for (const [system, price] of Object.entries(book.warehouses ?? {})) warehouses[system] = { ...warehouses[system], ...price };
    current = { compute: { ...current.compute, ...book.compute }, warehouses };
    const fromNs = book.effective_from ? BigInt(Date.parse(book.effective_from)) * 1_000_000n : BEGINNING_NS;
    const previous = out[out.length - 1];
    if (previous && previous.fromNs === fromNs) previous.book = current;
    else out.push({ fromNs, book: current });
  }
  return out;
}

export function warehouseRow(system: string, fromNs: bigint, price: WarehousePrice) {
  // One pricing unit per warehouse row, in the order the view tries them.
  const credits = price.credit_usd !== undefined;
  const sizes = Object.entries(price.credits_per_hour ?? {});
  return {
    system,
    from_ns: fromNs,
    credit_usd: price.credit_usd ?? null,
    sizes: sizes.map(([size]) => size.toUpperCase()),
    credits: sizes.map(([, perHour]) => perHour),
    default_size: (price.default_size ?? "XSMALL").toUpperCase(),
    tib_usd: credits ? null : price.tib_usd ?? null,
    min_bytes: price.min_bytes ?? 0,
    rpu_hour_usd: credits || price.tib_usd !== undefined ? null : price.rpu_hour_usd ?? null,
    rpus: price.rpus ?? 8,
    hour_usd: price.hour_usd ?? null,
  };
}
