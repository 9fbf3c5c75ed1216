// `cost breakdown` and `cost queries`: per-group cost per event, shares and latency, and the
// warehouse queries behind the cost. Definitions (issue 3): an event is a trace; a group's
// cost_per_event_usd is its total cost ÷ ALL events, so groups add up to the total;
// cost_per_group_event_usd is its total cost ÷ its OWN events (the traces it occurs in), what an
// event of that group costs there (issue 13: with --by attr:user_locale, what a French event costs).
import type { Db, Row } from "../db/db.js";
import { UsageError } from "../errors.js";
import { assertAttributesKept } from "../model/install.js";
import { closest } from "../model/suggest.js";

export type GroupKey = { kind: "stage" | "name" | "service" } | { kind: "attr"; key: string };

export interface BreakdownOptions {
  by?: GroupKey[];
  top?: number;
  minShare?: number;
}

export interface BreakdownGroup {
  keys: Record<string, string>;
  spans: number;
  events: number;
  cost_per_event_usd: number;
  /** The group's cost ÷ its own (weighted) events. */
  cost_per_group_event_usd: number | null;
  cost_share: number;
  compute_per_event_usd: number;
  query_per_event_usd: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  self_p50_ms: number | null;
  self_p95_ms: number | null;
  warehouse: string | null;
  total_cost_usd: number;
  unpriced_spans: number;
}

export interface Totals {
  events: number;
  spans: number;
  stored_spans: number;
  stored_traces: number;
  total_cost_usd: number;
  cost_per_event_usd: number;
  compute_per_event_usd: number;
  query_per_event_usd: number;
  e2e_p50_ms: number | null;
  e2e_p95_ms: number | null;
  e2e_p99_ms: number | null;
  unpriced_spans: number;
  /** Spans whose cost attribute is there but not a finite number ≥ 0: ignored and priced from usage. */
  invalid_cost_spans: number;
  start: string | null;
  end: string | null;
}

export interface BreakdownResult {
  by: GroupKey[];
  groups: BreakdownGroup[];
  /** Groups left out by --top / --min-share, folded into one. */
  omitted: { groups: number; cost_per_event_usd: number; cost_share: number } | null;
  totals: Totals;
  weights: WeightSummary;
  pricing: Pricing;
}

const MAX_KEYS = 3;

/** Parse `--by stage,attr:user_locale`. */
export function parseGroupKeys(text: string | undefined): GroupKey[] {
  if (!text) return [{ kind: "stage" }];
  const keys = text.split(",").map((part) => part.trim()).filter(Boolean).map((part): GroupKey => {
    if (part === "stage" || part === "name" || part === "service") return { kind: part };
    if (part.startsWith("attr:") && part.length > 5) return { kind: "attr", key: part.slice(5) };
    throw new UsageError(`--by: unknown key '${part}' (expected stage, name, service or attr:KEY)`);
  });
  if (keys.length === 0) throw new UsageError("--by needs at least one key");
  if (keys.length > MAX_KEYS) throw new UsageError(`--by takes at most ${MAX_KEYS} keys`);
  const seen = new Set<string>();
  for (const key of keys) {
    const name = keyName(key);
    if (seen.has(name)) throw new UsageError(`--by: '${name}' is given twice; each key names a column and must be distinct`);
    if (RESERVED_COLUMNS.has(name)) throw new UsageError(`--by: attribute key '${name}' would collide with the output column '${name}'; it cannot be a grouping key`);
    seen.add(name);
  }
  return keys;
}

/** Columns of the breakdown and diff outputs, which a grouping key's column must not shadow. */
const RESERVED_COLUMNS = new Set([
  "spans", "events", "cost_per_event_usd", "cost_per_group_event_usd", "cost_share", "compute_per_event_usd", "query_per_event_usd",
  "p50_ms", "p95_ms", "p99_ms", "self_p50_ms", "self_p95_ms", "warehouse", "total_cost_usd", "unpriced_spans",
  "status", "cost_per_event_before_usd", "cost_per_event_after_usd", "change", "change_usd", "change_pct",
  "change_abs", "share", "share_before", "share_after", "p95", "p95_ms_before", "p95_ms_after", "significant", "p95_significant", "significant_shown", "p95_significant_shown",
  "ci95_low_usd", "ci95_high_usd", "keys",
]);

/** The $k1/$a1… parameters the grouping queries take. */
export function keyParams(by: GroupKey[]): Record<string, string | null> {
  const params: Record<string, string | null> = {};
  for (let i = 0; i < MAX_KEYS; i++) {
    const key = by[i];
    params[`k${i + 1}`] = key?.kind ?? null;
    params[`a${i + 1}`] = key?.kind === "attr" ? key.key : null;
  }
  return params;
}

/** The attribute keys a grouping reads: the cost model keeps only these (ModelOptions.attributeKeys). */
export function attributeKeysOf(by: GroupKey[]): string[] {
  return by.flatMap((key) => (key.kind === "attr" ? [key.key] : []));
}

/** Group keys as one string, for matching groups across two inputs. */
export function groupId(keys: Record<string, string>): string {
  return JSON.stringify(Object.values(keys));
}

export function keyName(key: GroupKey): string {
  return key.kind === "attr" ? key.key : key.kind;
}

export async function totals(db: Db): Promise<Totals> {
  const [row] = await db.query("cost.totals");
  // Sampled events: end-to-end percentiles weighted too (quantile_cont counts each stored event once).
  const r = row!.weighted_events ? { ...row!, ...(await db.query("cost.weighted_e2e"))[0] } : row!;
  const n = (k: string) => Number(r[k] ?? 0);
  const m = (k: string) => (r[k] === null || r[k] === undefined ? null : Number(r[k]));
  return {
    events: roundCount(n("events")), spans: roundCount(n("spans")), stored_spans: n("stored_spans"), stored_traces: n("stored_traces"),
    total_cost_usd: n("total_cost_usd"), cost_per_event_usd: n("cost_per_event_usd"),
    compute_per_event_usd: n("compute_per_event_usd"), query_per_event_usd: n("query_per_event_usd"),
    e2e_p50_ms: m("e2e_p50_ms"), e2e_p95_ms: m("e2e_p95_ms"), e2e_p99_ms: m("e2e_p99_ms"),
    unpriced_spans: n("unpriced_spans"), invalid_cost_spans: n("invalid_cost_spans"), start: (r.start as string) ?? null, end: (r.end as string) ?? null,
  };
}

export async function breakdown(db: Db, options: BreakdownOptions = {}): Promise<BreakdownResult> {
  const by = options.by ?? [{ kind: "stage" }];
  await assertAttributesKept(db, attributeKeysOf(by));
  const rows = await db.query("cost.breakdown", keyParams(by));
  const all = rows.map((row) => toGroup(row, by));
  await assertAttributeGroupsFound(db, by, all);
  const weights = await weightSummary(db);
  if (weights.min_weight !== weights.max_weight) {
    // Sampled data: percentiles must be weighted too (quantile_cont counts every stored span once).
    const weighted = new Map((await db.query("cost.weighted_percentiles", keyParams(by))).map((r) => [groupId(keysOf(r, by)), r]));
    for (const group of all) {
      const w = weighted.get(groupId(group.keys));
      if (!w) continue;
      for (const k of ["p50_ms", "p95_ms", "p99_ms", "self_p50_ms", "self_p95_ms"] as const) group[k] = w[k] === null ? null : Number(w[k]);
    }
  }
  let groups = all;
  if (options.minShare !== undefined) groups = groups.filter((g) => g.cost_share >= options.minShare!);
  if (options.top !== undefined) groups = groups.slice(0, options.top);
  const left = all.filter((g) => !groups.includes(g));
  const omitted = left.length
    ? {
        groups: left.length,
        cost_per_event_usd: left.reduce((s, g) => s + g.cost_per_event_usd, 0),
        cost_share: left.reduce((s, g) => s + g.cost_share, 0),
      }
    : null;
  return { by, groups, omitted, totals: await totals(db), weights, pricing: await pricingSummary(db) };
}

/** Every span and resource attribute key in the data, for suggesting one when a key is mistyped. */
export async function allAttributeKeys(db: Db): Promise<string[]> {
  return (await db.query("outliers.attribute_keys")).map((r) => String(r.key));
}

/** Every `--by attr:KEY` names a key some span carries, else a usage error naming the nearest. */
export async function assertAttributeKeysPresent(db: Db, by: GroupKey[]): Promise<void> {
  const attrKeys = attributeKeysOf(by);
  if (!attrKeys.length) return;
  const known = await allAttributeKeys(db);
  for (const key of attrKeys) {
    if (!known.includes(key)) {
      const hint = closest(key, known);
      throw new UsageError(`--by: no attribute '${key}' on these spans${hint ? ` (did you mean 'attr:${hint}'?)` : ""}`);
    }
  }
}

/**
 * Breakdown checks its attribute keys only when every group of one came out "(none)" (a typo would
 * otherwise read as one such row and exit 0): a grouping that finds values costs nothing more.
 */
async function assertAttributeGroupsFound(db: Db, by: GroupKey[], groups: BreakdownGroup[]): Promise<void> {
  const empty = by.filter((key) => key.kind === "attr" && groups.length > 0 && groups.every((g) => g.keys[keyName(key)] === "(none)"));
  await assertAttributeKeysPresent(db, empty);
}

function keysOf(row: Row, by: GroupKey[]): Record<string, string> {
  const keys: Record<string, string> = {};
  by.forEach((key, i) => (keys[keyName(key)] = String(row[`g${i + 1}`] ?? "")));
  return keys;
}

export interface WeightSummary {
  stored_traces: number;
  estimated_events: number;
  stored_spans: number;
  estimated_spans: number;
  min_weight: number;
  max_weight: number;
  unknown_weight_spans: number;
  disagreeing_traces: number;
  /** False under --unweighted: every figure is raw (each stored span and trace counts once). */
  weighted: boolean;
  /** The weight given to spans marked sampled without a usable rate (--assume-weight, else 1). */
  assumed_weight: number;
}

export async function weightSummary(db: Db): Promise<WeightSummary> {
  const [r] = await db.query("cost.weight_summary");
  const n = (k: string) => Number(r![k] ?? 0);
  return {
    stored_traces: n("stored_traces"), estimated_events: roundCount(n("estimated_events")), stored_spans: n("stored_spans"),
    estimated_spans: roundCount(n("estimated_spans")), min_weight: n("min_weight"), max_weight: n("max_weight"),
    unknown_weight_spans: n("unknown_weight_spans"), disagreeing_traces: n("disagreeing_traces"),
    weighted: r!.weighted !== false, assumed_weight: Number(r!.assume_weight ?? 1),
  };
}

/** How many stored spans the model priced from billing records, from explicit cost attributes, from the price book, or not at all. */
export interface CostSources {
  /** Priced from the warehouse's billing records (issue 23). */
  billed: number;
  explicit: number;
  price_book: number;
  unpriced: number;
}

/** The kind of value an attribute holds, which sets the range the model accepts (queries/model.sql). */
export type ValueKind = "usd" | "bytes" | "credits" | "rpu_seconds" | "vcpus" | "one_in_n" | "probability";

/** Spans whose attribute held a value out of its kind's range: ignored for pricing or weighting. */
export interface BadValue {
  attribute: string;
  kind: ValueKind;
  spans: number;
}

/** What every analysis says about pricing: where costs came from and which values were ignored. */
export interface Pricing {
  cost_sources: CostSources;
  bad_values: BadValue[];
}

export async function pricingSummary(db: Db): Promise<Pricing> {
  const [r] = await db.query("cost.cost_sources");
  const bad = await db.query("cost.bad_values");
  return {
    cost_sources: { billed: Number(r!.billed_spans ?? 0), explicit: Number(r!.explicit_spans ?? 0), price_book: Number(r!.price_book_spans ?? 0), unpriced: Number(r!.unpriced_spans ?? 0) },
    bad_values: bad.map((b) => ({ attribute: String(b.attribute), kind: b.kind as ValueKind, spans: Number(b.spans) })),
  };
}

/**
 * A weighted count (a sum of sampling weights) to 9 significant digits: the sum of 1/p over many
 * spans picks up float noise (4062.0000000000005) that no reader should see, and an estimate
 * has no tenth significant digit anyway.
 */
export function roundCount(value: number): number {
  return Number.isFinite(value) && !Number.isInteger(value) ? Number(value.toPrecision(9)) : value;
}

function toGroup(row: Row, by: GroupKey[]): BreakdownGroup {
  return groupFromRow(row, keysOf(row, by));
}

/** A breakdown row's figures as a group, under the given keys (the ClickHouse path names its keys apart). */
export function groupFromRow(row: Record<string, unknown>, keys: Record<string, string>): BreakdownGroup {
  const num = (k: string) => Number(row[k] ?? 0);
  const opt = (k: string) => (row[k] === null || row[k] === undefined ? null : Number(row[k]));
  return {
    keys,
    spans: roundCount(num("spans")),
    events: roundCount(num("events")),
    cost_per_event_usd: num("cost_per_event_usd"),
    cost_per_group_event_usd: opt("cost_per_group_event_usd"),
    cost_share: num("cost_share"),
    compute_per_event_usd: num("compute_per_event_usd"),
    query_per_event_usd: num("query_per_event_usd"),
    p50_ms: opt("p50_ms"),
    p95_ms: opt("p95_ms"),
    p99_ms: opt("p99_ms"),
    self_p50_ms: opt("self_p50_ms"),
    self_p95_ms: opt("self_p95_ms"),
    warehouse: (row.warehouse as string | null) ?? null,
    total_cost_usd: num("total_cost_usd"),
    unpriced_spans: num("unpriced_spans"),
  };
}

export interface QueryRow {
  stage: string;
  warehouse: string;
  calls: number;
  events: number;
  cost_per_event_usd: number;
  cost_share: number;
  total_cost_usd: number;
  bytes_scanned_per_call: number | null;
  p50_ms: number | null;
  p95_ms: number | null;
  query: string;
}

export async function warehouseQueries(db: Db, options: { top?: number } = {}): Promise<{ queries: QueryRow[]; totals: Totals; pricing: Pricing }> {
  const rows = await db.query("cost.queries");
  const queries = rows.map((r) => ({
    stage: String(r.stage), warehouse: String(r.warehouse), calls: roundCount(Number(r.calls)), events: roundCount(Number(r.events)),
    cost_per_event_usd: Number(r.cost_per_event_usd), cost_share: Number(r.cost_share), total_cost_usd: Number(r.total_cost_usd),
    bytes_scanned_per_call: r.bytes_scanned_per_call === null ? null : Number(r.bytes_scanned_per_call),
    p50_ms: r.p50_ms === null ? null : Number(r.p50_ms), p95_ms: r.p95_ms === null ? null : Number(r.p95_ms),
    query: String(r.query),
  }));
  return { queries: options.top !== undefined ? queries.slice(0, options.top) : queries, totals: await totals(db), pricing: await pricingSummary(db) };
}
