// Analyses pushed down to ClickHouse (issue 17): the cost model of queries/clickhouse.sql run where
// the spans live, over HTTP or in-process by chDB, returning one row per group. The config's stage
// rules, sampling rules, prices and lists become typed query parameters (globs as anchored RE2
// patterns, a value, never SQL text); the rows become the same results the DuckDB path returns
// (BreakdownResult…), so the same views print them.
import { TupleParam } from "@clickhouse/client";
import { openChdb, openHttp, type ChRow, type ClickHouseEngine } from "../db/clickhouse.js";
import { getQuery } from "../db/queries.js";
import { spliceFragments, withCtes } from "../db/clickhouse-fragments.js";
import { InputError } from "../errors.js";
import type { Config, SamplingRule } from "../model/config.js";
import { effectiveBooks, warehouseRow, type ModelOptions } from "../model/install.js";
import type { ClickHouseSource } from "../ingest/clickhouse-source.js";
import { mappedTable, planClickHouseMapping, unitProbe, type ClickHouseColumn, type MappedTable } from "../ingest/clickhouse-map.js";
import { groupFromRow, roundCount, type BreakdownGroup, type BreakdownOptions, type BreakdownResult, type GroupKey, type Pricing, type QueryRow, type Totals, type WeightSummary, keyParams, keyName } from "./breakdown.js";

/** The exporter's columns the model reads (otel_traces; README "Spans in ClickHouse"). */
export const REQUIRED_COLUMNS = ["Timestamp", "TraceId", "SpanId", "ParentSpanId", "TraceState", "SpanName", "ServiceName", "SpanAttributes", "Duration"] as const;

export interface ClickHouseSession {
  engine: ClickHouseEngine;
  source: ClickHouseSource;
  config: Config;
  model: ModelOptions;
  /** Bytes the engine answered with, over the session (the bench reports them). */
  bytesReturned: number;
  rowsReturned: number;
  /** With --map: the table read through its mapping (set by checkSchema). */
  mapped?: MappedTable;
  /**
   * The whole input's figures once a statement of this session brought them (the summary, or a
   * breakdown by stage: its all_ columns and its groups' stages), so summary() does not send a
   * statement that plans the whole model again (a report's savings after its breakdown).
   */
  whole?: Summary;
  /**
   * Breakdown rows already brought back, by the statement's parameters (breakdownKey): this
   * session's, or handed on from an earlier session over the same source (`diff --format html`
   * reads each ClickHouse side again as a report, whose breakdown by stage is the diff's), so the
   * same breakdown is not planned and run twice.
   */
  breakdowns?: Brought;
}

/** Breakdown rows by breakdownKey (ClickHouseSession.breakdowns). */
export type Brought = Map<string, ChRow[]>;

/** Open the source, check its table and columns, run fn, close. */
export async function withClickHouse<T>(source: ClickHouseSource, config: Config, model: ModelOptions, fn: (session: ClickHouseSession) => Promise<T>): Promise<T> {
  const engine = source.kind === "http" ? await openHttp(source) : await openChdb(source);
  try {
    const session: ClickHouseSession = { engine, source, config, model, bytesReturned: 0, rowsReturned: 0 };
    await checkSchema(session);
    return await fn(session);
  } finally {
    await engine.close();
  }
}

/** The table exists and has the columns the model reads; else one line naming what is missing. */
export async function checkSchema(session: ClickHouseSession): Promise<void> {
  const { source } = session;
  const rows = await run(session, "SELECT name, type FROM system.columns WHERE database = {db:String} AND table = {tbl:String} ORDER BY position", { db: source.database, tbl: source.table });
  if (!rows.length) throw new InputError(source.label, `no table ${source.database}.${source.table} (--table names it; the Collector's exporter writes otel_traces)`);
  if (source.map) {
    const columns: ClickHouseColumn[] = rows.map((r) => ({ name: String(r.name), type: String(r.type) }));
    const planned = planClickHouseMapping(columns, source.map, source.label);
    const probe = unitProbe(columns, planned);
    const [typical] = probe
      ? await run(session, `SELECT ${probe.select} FROM {db:Identifier}.{tbl:Identifier} AS src`, { db: source.database, tbl: source.table, ...probe.params })
      : [{}];
    const number = (x: unknown) => (x === null || x === undefined || Number.isNaN(Number(x)) ? null : Number(x));
    session.mapped = mappedTable(columns, planned, { start: number(typical?.start), end: number(typical?.end) });
    return;
  }
  const have = new Set(rows.map((r) => String(r.name)));
  const missing = REQUIRED_COLUMNS.filter((c) => !have.has(c));
  if (missing.length) {
    throw new InputError(source.label, `table ${source.database}.${source.table} lacks column(s) ${missing.join(", ")} that the cost model reads (the OpenTelemetry Collector exporter's otel_traces schema)`);
  }
}

async function run(session: ClickHouseSession, sql: string, params: Record<string, unknown>): Promise<ChRow[]> {
  const result = await session.engine.query(sql, params);
  session.bytesReturned += result.bytes;
  session.rowsReturned += result.rows.length;
  return result.rows;
}

/** A named query of queries/clickhouse.sql (or, named `area.name`, of another file) over the model (clickhouse.costed_spans put in front as a CTE, then the fragments it reads). */
export async function modelQuery(session: ClickHouseSession, name: string, params: Record<string, unknown> = {}): Promise<ChRow[]> {
  const model = getQuery("clickhouse.costed_spans");
  const tail = getQuery(name.includes(".") ? name : `clickhouse.${name}`);
  const modelParameters = modelParams(session.source, session.config, session.model);
  model.checkParams(modelParameters);
  // A tail may read the model's own parameters (the table, the range) as well as its own.
  tail.checkParams({ ...modelParameters, ...params });
  // The fragments the statement reads (queries/clickhouse_fragments.sql), each spliced in as a CTE; their parameters too.
  const spliced = spliceFragments(tail.sql, tail.where);
  for (const f of spliced.fragments) f.checkParams({ ...modelParameters, ...params });
  let sql = withCtes([`costed_spans AS (\n${model.sql}\n)`], spliced);
  let mappedParams: Record<string, unknown> = {};
  if (session.mapped) {
    // The mapped table in place of the exporter's wherever a statement reads the table (the model's
    // span source and its (name, service) pairs; a tail such as sample_spans may read it too): our own fixed FROM, replaced
    // by our own subquery presenting the exporter's columns.
    const from = /FROM \{db:Identifier\}\.\{tbl:Identifier\}(?=\s)/g;
    if (!(model.sql.match(from) ?? []).length) throw new Error(`${model.where}: the span source must read FROM {db:Identifier}.{tbl:Identifier}`);
    const mapped = `FROM (\n${session.mapped.sql}\n)`;
    sql = sql.replace(from, () => mapped);
    mappedParams = session.mapped.params;
  }
  return run(session, sql, { ...modelParameters, ...mappedParams, ...params });
}

/** An anchored RE2 pattern that matches no string (RE2 has no lookahead: an empty class). */
const MATCHES_NOTHING = "^[^\\s\\S]$";

/**
 * A DuckDB GLOB (`*`, `?`, `[abc]`, `[a-z]`, `[!abc]`, `\` before a character to take it literally)
 * as an anchored RE2 pattern matching the same strings, read as DuckDB reads it: in a class, a `]`
 * first (after `!`) is one of its characters, `x-y` is a range (an empty one when y < x, `]` as y
 * too); a glob with a `[` that no `]` closes, an empty class, or a `\` at its end matches nothing.
 * (DuckDB compares bytes: `?` and a class match one byte of a non-ASCII character, RE2 one
 * character; the two agree on ASCII.)
 */
export function globToRegex(glob: string): string {
  let out = "";
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i]!;
    if (ch === "*") out += ".*";
    else if (ch === "?") out += ".";
    else if (ch === "[") {
      const cls = globClass(glob, i + 1);
      if (!cls) return MATCHES_NOTHING;
      out += cls.regex;
      i = cls.end;
    } else if (ch === "\\") {
      if (i + 1 === glob.length) return MATCHES_NOTHING;
      out += escapeRegex(glob[++i]!);
    } else out += escapeRegex(ch);
  }
  return `^(?s:${out})$`;
}

/**
 * The class that starts at `from` (just past its `[`) as an RE2 class, and the index of its `]`;
 * null when no `]` closes it or it holds no character (DuckDB's GLOB matches nothing then).
 */
function globClass(glob: string, from: number): { regex: string; end: number } | null {
  const negate = glob[from] === "!";
  const first = negate ? from + 1 : from;
  const parts: string[] = [];
  for (let p = first; p < glob.length;) {
    const c = glob[p]!;
    if (c === "]" && p > first) {
      if (!parts.length) return negate ? { regex: ".", end: p } : null;
      return { regex: `[${negate ? "^" : ""}${parts.join("")}]`, end: p };
    }
    if (glob[p + 1] === "-") {
      // A range (`]` may end it); y < x holds nothing. Cut short by the glob's end, the class is unclosed.
      const last = glob[p + 2] ?? "";
      if (c <= last) parts.push(`${classChar(c)}-${classChar(last)}`);
      p += 3;
    } else {
      parts.push(classChar(c));
      p += 1;
    }
  }
  return null;
}

function classChar(ch: string): string {
  return /[\\\]^[-]/.test(ch) ? `\\${ch}` : ch;
}

function escapeRegex(ch: string): string {
  return /[.^$|()+{}\\[\]*?]/.test(ch) ? `\\${ch}` : ch;
}

const re = (glob: string | undefined) => (glob === undefined ? null : globToRegex(glob));

/** The config, the session's options and the source's range as the typed parameters of clickhouse.costed_spans. */
export function modelParams(source: ClickHouseSource, config: Config, options: ModelOptions = {}): Record<string, unknown> {
  const stageRules = config.stages.map((rule, i) => ({ i, rule, attrs: Object.entries(rule.match.attribute ?? {}) }));
  const sampling: SamplingRule[] = [...(options.sampleRates ?? []), ...config.sampling];
  const books = effectiveBooks(config.prices).sort((a, b) => (a.fromNs < b.fromNs ? -1 : a.fromNs > b.fromNs ? 1 : 0));
  // Each book holds until the next one (the query takes the latest that starts at or before a span).
  const computePrices = books.map(({ fromNs, book }) => new TupleParam([fromNs, book.compute?.vcpu_hour_usd ?? null, book.compute?.vcpus ?? 1]));
  const warehouseRows = books.flatMap(({ fromNs, book }) => Object.entries(book.warehouses ?? {}).map(([system, price]) => warehouseRow(system.toLowerCase(), fromNs, price)));
  warehouseRows.sort((a, b) => (a.system < b.system ? -1 : a.system > b.system ? 1 : a.from_ns < b.from_ns ? -1 : a.from_ns > b.from_ns ? 1 : 0));
  const warehousePrices = warehouseRows.map((w) => new TupleParam([
    w.system, w.from_ns, w.credit_usd, w.sizes, w.credits, w.default_size, w.tib_usd, w.min_bytes, w.rpu_hour_usd, w.rpus, w.hour_usd,
  ]));
  return {
    db: source.database,
    tbl: source.table,
    has_since: source.sinceNs !== undefined,
    since_ns: String(source.sinceNs ?? 0n),
    has_until: source.untilNs !== undefined,
    until_ns: String(source.untilNs ?? 0n),
    stage_rules: stageRules.filter((r) => !r.attrs.length).map((r) => new TupleParam([r.i, r.rule.stage, re(r.rule.match.name), re(r.rule.match.service)])),
    attr_stage_rules: stageRules.filter((r) => r.attrs.length).map((r) => new TupleParam([r.i, r.rule.stage, re(r.rule.match.name), re(r.rule.match.service), r.attrs.length])),
    stage_rule_attrs: stageRules.flatMap((r) => r.attrs.map(([key, glob]) => new TupleParam([r.i, key, globToRegex(glob)]))),
    sampling_rules: sampling.map((rule, i) => new TupleParam([i, re(rule.match.name), re(rule.match.service), Object.keys(rule.match.attribute ?? {}).length, rule.rate])),
    sampling_rule_attrs: sampling.flatMap((rule, i) => Object.entries(rule.match.attribute ?? {}).map(([key, glob]) => new TupleParam([i, key, globToRegex(glob)]))),
    compute_prices: computePrices,
    warehouse_prices: warehousePrices,
    cost_attrs: config.cost_attributes,
    bytes_attrs: config.bytes_attributes,
    warehouses: config.warehouses.map((w) => w.toLowerCase()),
    weighted: !options.unweighted,
    assume_weight: options.assumeWeight ?? 1,
  };
}

interface Summary {
  totals: Totals;
  weights: WeightSummary;
  pricing: Pricing;
  /** Events as summed (totals.events is rounded for display). */
  eventsExact: number;
  /** The stages present, sorted (clickhouse.summary only; [] beside groups). */
  stages: string[];
}

/** Totals, weights and cost sources: one row from clickhouse.summary. */
export async function summary(session: ClickHouseSession): Promise<Summary> {
  if (session.whole) return session.whole;
  const [r] = await modelQuery(session, "summary");
  return (session.whole = summaryFromRow(session, r));
}

/**
 * The whole input's figures from a row of a statement that carries them as columns prefixed `all_`
 * (clickhouse_fragments.whole_input: summary alone, or beside its groups in breakdown, queries and
 * flags); no row or no spans is an empty range, an error for the cost commands.
 */
export function summaryFromRow(session: ClickHouseSession, row: ChRow | undefined): Summary {
  const prefix = "all_";
  const r = row ? Object.fromEntries(Object.entries(row).filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v])) : undefined;
  if (!r || !Number(r.stored_spans)) throw new InputError(session.source.label, "holds no spans in this range: nothing to analyse");
  const n = (k: string) => Number(r[k] ?? 0);
  const m = (k: string) => (r[k] === null || r[k] === undefined ? null : Number(r[k]));
  const weighted = Boolean(r.weighted_events);
  const compute = n("compute_usd");
  const query = n("query_usd");
  const events = n("events");
  const totals: Totals = {
    events: roundCount(events), spans: roundCount(n("estimated_spans")), stored_spans: n("stored_spans"), stored_traces: n("stored_traces"),
    total_cost_usd: compute + query, cost_per_event_usd: (compute + query) / events,
    compute_per_event_usd: compute / events, query_per_event_usd: query / events,
    e2e_p50_ms: m(weighted ? "e2e_weighted_p50_ms" : "e2e_p50_ms"), e2e_p95_ms: m(weighted ? "e2e_weighted_p95_ms" : "e2e_p95_ms"),
    e2e_p99_ms: m(weighted ? "e2e_weighted_p99_ms" : "e2e_p99_ms"),
    unpriced_spans: n("unpriced_spans"), invalid_cost_spans: n("invalid_cost_spans"),
    start: isoSeconds(BigInt(String(r.first_start_ns)) / 1000n), end: isoSeconds(BigInt(String(r.last_end_ns)) / 1000n),
  };
  const weights: WeightSummary = {
    stored_traces: n("stored_traces"), estimated_events: roundCount(events), stored_spans: n("stored_spans"),
    estimated_spans: roundCount(n("estimated_spans")), min_weight: n("min_weight"), max_weight: n("max_weight"),
    unknown_weight_spans: n("unknown_weight_spans"), disagreeing_traces: n("disagreeing_traces"),
    weighted: !session.model.unweighted, assumed_weight: session.model.assumeWeight ?? 1,
  };
  const pricing: Pricing = {
    cost_sources: { billed: 0, explicit: n("explicit_spans"), price_book: n("price_book_spans"), unpriced: n("unpriced_spans") },
    bad_values: [],
  };
  const stages = Array.isArray(r.stages) ? r.stages.map(String) : [];
  return { totals, weights, pricing, eventsExact: events, stages };
}

/** strftime('%Y-%m-%dT%H:%M:%SZ') of a µs timestamp, as cost.totals writes it. */
function isoSeconds(us: bigint): string {
  const seconds = us >= 0n ? us / 1_000_000n : -((-us + 999_999n) / 1_000_000n);
  return new Date(Number(seconds) * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** `cost breakdown` pushed down: the same result as analysis/breakdown.ts's breakdown(). */
export async function clickhouseBreakdown(session: ClickHouseSession, options: BreakdownOptions = {}): Promise<BreakdownResult> {
  const by: GroupKey[] = options.by ?? [{ kind: "stage" }];
  // One statement answers the groups and, on each row, the whole input's figures; no row is no span.
  const key = breakdownKey(session, by);
  const brought = session.breakdowns?.get(key);
  const rows = brought ?? (await modelQuery(session, "breakdown", keyParams(by)));
  if (!brought) (session.breakdowns ??= new Map()).set(key, rows);
  const { totals, weights, pricing } = rows.length ? summaryFromRow(session, rows[0]) : await summary(session);
  const all = rows.map((row) => toGroup(row, by));
  // By stage alone, the groups are the stages present: with the all_ columns, the summary's row
  // (its stages sorted as arraySort sorts strings, by their UTF-8 bytes).
  if (rows.length && by.length === 1 && by[0]!.kind === "stage") {
    const stages = all.map((g) => g.keys.stage!).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    session.whole ??= { ...summaryFromRow(session, rows[0]), stages };
  }
  let groups = all;
  if (options.minShare !== undefined) groups = groups.filter((g) => g.cost_share >= options.minShare!);
  if (options.top !== undefined) groups = groups.slice(0, options.top);
  const left = all.filter((g) => !groups.includes(g));
  const omitted = left.length
    ? { groups: left.length, cost_per_event_usd: left.reduce((s, g) => s + g.cost_per_event_usd, 0), cost_share: left.reduce((s, g) => s + g.cost_share, 0) }
    : null;
  return { by, groups, omitted, totals, weights, pricing };
}

/**
 * What a breakdown's rows depend on: the statement's parameters (the source's table and window,
 * the config's rules and prices, the session's options, the grouping) and the mapped table's own
 * subquery; the same key is the same statement over the same spans.
 */
function breakdownKey(session: ClickHouseSession, by: GroupKey[]): string {
  const params = { ...modelParams(session.source, session.config, session.model), ...keyParams(by) };
  const text = (_k: string, v: unknown) => (typeof v === "bigint" ? `${v}n` : v instanceof TupleParam ? { tuple: v.values } : v);
  return JSON.stringify({ params, mapped: session.mapped ? { sql: session.mapped.sql, params: session.mapped.params } : null }, text);
}

function toGroup(row: ChRow, by: GroupKey[]): BreakdownGroup {
  const keys: Record<string, string> = {};
  by.forEach((key, i) => (keys[keyName(key)] = String(row[`g${i + 1}`] ?? "")));
  return groupFromRow(row, keys);
}

/** `cost queries` pushed down: the same result as analysis/breakdown.ts's warehouseQueries(). */
export async function clickhouseQueries(session: ClickHouseSession, options: { top?: number } = {}): Promise<{ queries: QueryRow[]; totals: Totals; pricing: Pricing }> {
  // One statement answers the queries and, on each row, the whole input's figures; with no warehouse query, the summary alone.
  const rows = await modelQuery(session, "queries");
  const { totals, pricing } = rows.length ? summaryFromRow(session, rows[0]) : await summary(session);
  const queries: QueryRow[] = rows.map((r) => ({
    stage: String(r.stage), warehouse: String(r.warehouse), calls: roundCount(Number(r.calls)), events: roundCount(Number(r.events)),
    cost_per_event_usd: Number(r.cost_per_event_usd), cost_share: Number(r.cost_share), total_cost_usd: Number(r.total_cost_usd),
    bytes_scanned_per_call: r.bytes_scanned_per_call === null || r.bytes_scanned_per_call === undefined ? null : Number(r.bytes_scanned_per_call),
    p50_ms: r.p50_ms === null ? null : Number(r.p50_ms), p95_ms: r.p95_ms === null ? null : Number(r.p95_ms),
    query: String(r.query),
  }));
  return { queries: options.top !== undefined ? queries.slice(0, options.top) : queries, totals, pricing };
}
