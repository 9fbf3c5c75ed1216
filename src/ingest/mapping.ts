// Mapping the columns of a flat span table (Parquet, CSV, NDJSON, or a warehouse table pulled
// into DuckDB) onto the canonical schema. The decisions are made here in JS from the column
// names and DuckDB types; the result is one SELECT whose only non-constant text is quoted
// identifiers of the table's own columns. Columns that map to nothing become attributes.
//
// `source` is adtrace's record of where a span came from (the file or URL), so a table's own
// `source` column is NOT mapped onto it: it stays an attribute like any other column. The one
// exception is a canonical table, as `adtrace export` writes it (exactly the canonical columns):
// its `source` already is that record, and keeping it makes export → load lossless.
//
// Time units are decided once per table, not per row: a unit in the column's name (start_ms,
// duration_us) or in --map is taken, unless the values plainly contradict the name (a start_ns
// column of ms epoch values, which would land in 1970); a time column without a unit gets one
// from the magnitude of its values (epochUnit, the JSON adapters' rule); the end follows the
// start; a duration without a unit follows a numeric start's unit. Every guess is a warning.
import { clip, clipList, UsageError } from "../errors.js";
import { epochUnit, isEpochNs, NS_PER_UNIT, UNIT_WORD } from "./span.js";
import { clickhouseMapJson, otelTracesPlan } from "./formats/clickhouse-otel.js";

export type Target =
  | "trace_id" | "span_id" | "parent_span_id" | "name" | "service" | "kind" | "status"
  | "start" | "end" | "duration" | "attributes" | "resource_attributes" | "trace_state" | "source";

type Unit = "ns" | "us" | "ms" | "s" | "auto";

// Candidate column names per target, compared case- and separator-insensitively, best first.
const CANDIDATES: Record<Target, string[]> = {
  trace_id: ["trace_id", "traceid", "trace"],
  span_id: ["span_id", "spanid", "id"],
  parent_span_id: ["parent_span_id", "parentspanid", "parent_id", "parentid", "parent"],
  name: ["name", "span_name", "operation_name", "operationname", "operation"],
  service: ["service", "service_name", "servicename"],
  kind: ["kind", "span_kind", "spankind"],
  status: ["status", "status_code", "statuscode", "otel_status_code"],
  start: ["start_ns", "start_time_unix_nano", "start_time_ns", "start_us", "start_time_us", "start_ms", "start_time_ms", "start_time", "starttime", "start_timestamp", "timestamp", "start", "ts"],
  end: ["end_ns", "end_time_unix_nano", "end_time_ns", "end_us", "end_time_us", "end_ms", "end_time_ms", "end_time", "endtime", "end_timestamp", "end"],
  duration: ["duration_ns", "duration_nanos", "duration_us", "duration_micros", "duration_ms", "duration_millis", "latency_ms", "latency_us", "latency_ns", "elapsed_ms", "duration_s", "duration", "latency"],
  attributes: ["attributes", "span_attributes", "attrs", "tags"],
  resource_attributes: ["resource_attributes", "resourceattributes", "resource"],
  trace_state: ["trace_state", "tracestate"],
  // Never automatic (see the module comment): only --map source=COLUMN or a canonical table.
  source: [],
};

/** The columns of the canonical table, in order (DESIGN.md). */
/** The spans table's columns and DuckDB types, in order (queries/spans.sql create_spans). */
export const CANONICAL_COLUMNS: readonly (readonly [string, string])[] = [
  ["trace_id", "VARCHAR"], ["span_id", "VARCHAR"], ["parent_span_id", "VARCHAR"], ["name", "VARCHAR"], ["service", "VARCHAR"],
  ["kind", "VARCHAR"], ["status", "VARCHAR"], ["start_ns", "BIGINT"], ["duration_ns", "BIGINT"],
  ["attributes", "MAP(VARCHAR, VARCHAR)"], ["resource_attributes", "MAP(VARCHAR, VARCHAR)"], ["trace_state", "VARCHAR"], ["source", "VARCHAR"],
];
const CANONICAL_COLUMN_NAMES = CANONICAL_COLUMNS.map(([name]) => name);

/** Whether a table has exactly the canonical columns (as `adtrace export` writes it). */
function isCanonicalTable(names: readonly string[]): boolean {
  return names.length === CANONICAL_COLUMN_NAMES.length && CANONICAL_COLUMN_NAMES.every((c) => names.includes(c));
}

export const MAP_TARGETS = Object.keys(CANDIDATES) as Target[];

const normalize = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, "");

/** The column that maps onto `target`, if any. */
export function findColumn(columns: readonly string[], target: Target): string | undefined {
  const byNorm = new Map(columns.map((c) => [normalize(c), c]));
  for (const candidate of CANDIDATES[target]) {
    const hit = byNorm.get(normalize(candidate));
    if (hit !== undefined) return hit;
  }
  return undefined;
}

export interface ColumnInfo {
  name: string;
  /** DuckDB type name as DESCRIBE reports it. */
  type: string;
}

type TimeTarget = "start" | "end" | "duration";

export interface Mapping {
  columns: Partial<Record<Target, string>>;
  /** Unit of the start/end/duration columns ("auto" until resolveUnits has seen the data). */
  units: { start?: Unit; end?: Unit; duration?: Unit };
  /** Where each unit came from: --map (taken as given), the column's name (checked against the data), or a known schema. */
  unitSource: Partial<Record<TimeTarget, "map" | "name" | "schema">>;
  leftovers: string[];
  /** Leftover columns kept as attributes under another key (a known schema's, e.g. otel.scope.name). */
  renames?: Record<string, string>;
}

/** Parse `--map canonical=column` pairs (target names may carry a unit: duration_ms=elapsed). */
export function parseMapOptions(pairs: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0 || eq === pair.length - 1) throw new UsageError(`--map expects canonical=column, got '${pair}'`);
    const target = pair.slice(0, eq).trim();
    const base = target.replace(/_(ns|us|ms|s)$/, "");
    if (!MAP_TARGETS.includes(target as Target) && !["start", "end", "duration"].includes(base)) {
      throw new UsageError(`--map: unknown canonical column '${target}' (expected one of ${MAP_TARGETS.join(", ")}, with _ns/_us/_ms/_s on start, end, duration)`);
    }
    out[target] = pair.slice(eq + 1).trim();
  }
  return out;
}

export function planMapping(columns: readonly ColumnInfo[], overrides: Record<string, string> = {}, where = "input"): Mapping {
  const names = columns.map((c) => c.name);
  const mapping: Mapping = { columns: {}, units: {}, unitSource: {}, leftovers: [] };
  for (const [rawTarget, column] of Object.entries(overrides)) {
    if (!names.includes(column)) {
      throw new UsageError(`${where}: --map ${rawTarget}=${column}: no column '${clip(column)}' (columns: ${clipList(names)})`);
    }
    const unit = /_(ns|us|ms|s)$/.exec(rawTarget)?.[1] as Unit | undefined;
    const target = (unit ? rawTarget.replace(/_(ns|us|ms|s)$/, "") : rawTarget) as Target;
    mapping.columns[target] = column;
    if (unit && (target === "start" || target === "end" || target === "duration")) {
      mapping.units[target] = unit;
      mapping.unitSource[target] = "map";
    }
  }
  if (mapping.columns.source === undefined && isCanonicalTable(names)) mapping.columns.source = "source";
  for (const target of MAP_TARGETS) {
    if (mapping.columns[target]) continue;
    const taken = new Set(Object.values(mapping.columns));
    const column = findColumn(names.filter((n) => !taken.has(n)), target);
    if (column) mapping.columns[target] = column;
  }
  for (const target of ["start", "end", "duration"] as const) {
    const column = mapping.columns[target];
    if (column && !mapping.units[target]) {
      mapping.units[target] = unitFromName(column);
      if (mapping.units[target] !== "auto") mapping.unitSource[target] = "name";
    }
  }
  const used = new Set(Object.values(mapping.columns));
  mapping.leftovers = names.filter((n) => !used.has(n));
  // The Collector's ClickHouse table (otel_traces) as a file: its Duration is ns, and its scope,
  // status message, events and links are not span attributes (formats/clickhouse-otel.ts).
  const otel = otelTracesPlan(names);
  if (otel) {
    if (mapping.columns.duration === otel.duration && !mapping.unitSource.duration) {
      mapping.units.duration = "ns";
      mapping.unitSource.duration = "schema";
    }
    mapping.leftovers = mapping.leftovers.filter((n) => !otel.dropped.includes(n));
    mapping.renames = otel.renames;
  }
  const missing = (["trace_id", "span_id", "start"] as const).filter((t) => !mapping.columns[t]);
  if (missing.length) {
    throw new UsageError(`${where}: cannot find a column for ${missing.join(", ")} (columns: ${clipList(names)}); name one with --map ${missing[0]}=COLUMN`);
  }
  return mapping;
}

function unitFromName(column: string): Unit {
  const n = column.toLowerCase();
  if (/(_|^)(ns|nanos?|unix_nano)$|nano$/.test(n)) return "ns";
  if (/(_|^)(us|micros?)$/.test(n)) return "us";
  if (/(_|^)(ms|millis?)$/.test(n)) return "ms";
  if (/(_|^)s$/.test(n)) return "s";
  return "auto";
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The SQL literal that scales a value in `unit` to ns ("auto" is taken as ns). */
const factorSql = (unit: Unit) => String(NS_PER_UNIT[unit === "auto" ? "ns" : unit]);

const isTimestampType = (t: string) => /^TIMESTAMP|^DATE/.test(t);
const isIntegerType = (t: string) => /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT)/.test(t);
const isNumericType = (t: string) => isIntegerType(t) || /^(DOUBLE|FLOAT|REAL|DECIMAL)/.test(t);

/** A numeric DOUBLE expression for a time column that holds numbers (or numeric text); undefined for dates and intervals. */
function numericExpr(col: ColumnInfo): string | undefined {
  if (isTimestampType(col.type) || /^INTERVAL/.test(col.type)) return undefined;
  return isNumericType(col.type) ? `CAST(${quoteIdent(col.name)} AS DOUBLE)` : `TRY_CAST(${quoteIdent(col.name)} AS DOUBLE)`;
}

/** An epoch-ns BIGINT expression for a time column of any type; numbers are in `unit`. */
export function epochNsExpr(col: ColumnInfo, unit: Unit): string {
  const q = quoteIdent(col.name);
  // An instant (TIMESTAMPTZ) directly: casting it to TIMESTAMP_NS would shift it by the machine's time zone.
  if (/^(TIMESTAMPTZ|TIMESTAMP WITH TIME ZONE)/.test(col.type)) return `epoch_ns(${q})`;
  if (isTimestampType(col.type)) return `epoch_ns(CAST(${q} AS TIMESTAMP_NS))`;
  const factor = factorSql(unit);
  // Out of the 64-bit range after scaling: NULL, so the row is skipped and counted. Integers are
  // scaled exactly (past BIGINT already: NULL; the product is taken in HUGEINT, which it cannot
  // overflow); fractions (1714564801.5 s) through a decimal of 28 digits, which a value too large
  // for it turns NULL and the product cannot overflow.
  const integer = (x: string) => `TRY_CAST(CAST(TRY_CAST(${x} AS BIGINT) AS HUGEINT) * ${factor} AS BIGINT)`;
  if (isIntegerType(col.type)) return integer(q);
  const fraction = (x: string) => `TRY_CAST(round(TRY_CAST(${x} AS DECIMAL(28, 9)) * ${factor}) AS BIGINT)`;
  if (isNumericType(col.type)) return fraction(q);
  // Text: a number (exact when it is an integer string), or an ISO 8601 timestamp. A timestamp
  // without a zone is UTC (a TIMESTAMPTZ cast would read it in the machine's zone); TIMESTAMP_NS
  // applies a Z or ±hh:mm offset and keeps nanoseconds; named zones fall through to TIMESTAMPTZ.
  return `COALESCE(${integer(q)}, ${fraction(q)}, ` +
    `epoch_ns(TRY_CAST(${q} AS TIMESTAMP_NS)), epoch_ns(TRY_CAST(${q} AS TIMESTAMPTZ)))`;
}

/**
 * A SELECT list over the table giving the typical magnitude (median of absolute values) of the
 * numeric start and end columns, for resolveUnits; undefined when neither holds numbers.
 */
export function unitProbeSelect(columns: readonly ColumnInfo[], mapping: Mapping): string | undefined {
  const parts = (["start", "end"] as const).flatMap((target) => {
    const col = columnInfo(columns, mapping, target);
    const numeric = col && numericExpr(col);
    return numeric ? [`approx_quantile(abs(${numeric}), 0.5) AS ${target}`] : [];
  });
  return parts.length ? parts.join(", ") : undefined;
}

/** Typical magnitudes of the numeric time columns (what unitProbeSelect returns). */
export interface UnitProbe {
  start?: number | null;
  end?: number | null;
}


/**
 * Settle the time units of a planned mapping from the data (see the module comment): returns
 * the mapping with every unit concrete, and a warning for every unit that was guessed or
 * corrected.
 */
export function resolveUnits(columns: readonly ColumnInfo[], planned: Mapping, probe: UnitProbe): { mapping: Mapping; warnings: string[] } {
  const mapping: Mapping = { ...planned, units: { ...planned.units } };
  const warnings: string[] = [];
  const numericTime = (target: "start" | "end") => {
    const col = columnInfo(columns, mapping, target);
    return col !== undefined && numericExpr(col) !== undefined;
  };
  const settle = (target: "start" | "end", fallback: Unit | undefined) => {
    const column = mapping.columns[target];
    if (!column || !numericTime(target) || mapping.unitSource[target] === "map") return;
    const named = mapping.units[target] ?? "auto";
    const typical = probe[target];
    if (typical === null || typical === undefined) {
      if (named === "auto") mapping.units[target] = fallback ?? "ns";
      return;
    }
    const seen = epochUnit(typical);
    if (named !== "auto") {
      // The name's unit gives an epoch between 1973 and 2262: it stands. Otherwise, when the
      // magnitude says another unit, the name is wrong (ms values in a start_ns column).
      if (isEpochNs(typical * Number(NS_PER_UNIT[named]))) return;
      if (seen.unit === "relative" || seen.unit === named) return;
      mapping.units[target] = seen.unit;
      warnings.push(`column '${clip(column)}' holds values like ${typical}, which are epoch ${UNIT_WORD[seen.unit]} rather than ${UNIT_WORD[named]}: read as ${UNIT_WORD[seen.unit]} (--map ${target}_${named}=${clip(column)} insists on ${UNIT_WORD[named]})`);
      return;
    }
    if (fallback !== undefined) {
      mapping.units[target] = fallback;
      return;
    }
    if (seen.unit === "relative") {
      mapping.units[target] = "ns";
      warnings.push(`column '${clip(column)}' holds values like ${typical}, too small to be Unix epoch times (relative times?): read as ns from 1970 (--map ${target}_ms=${clip(column)} or similar names the unit)`);
      return;
    }
    mapping.units[target] = seen.unit;
    if (seen.unit !== "ns") warnings.push(`column '${clip(column)}' names no unit and holds values like ${typical}: read as epoch ${UNIT_WORD[seen.unit]} (--map ${target}_${seen.unit}=${clip(column)} says so explicitly)`);
  };
  settle("start", undefined);
  // One unit decision for both ends: an end without a unit of its own follows a numeric start.
  const startUnit = numericTime("start") ? mapping.units.start : undefined;
  settle("end", mapping.unitSource.end ? undefined : startUnit);
  const duration = columnInfo(columns, mapping, "duration");
  if (duration && !mapping.unitSource.duration && !/^INTERVAL/.test(duration.type)) {
    const unit = startUnit && startUnit !== "auto" ? startUnit : /latency|elapsed/i.test(duration.name) ? "ms" : "ns";
    mapping.units.duration = unit;
    const why = startUnit ? `the unit of the start column '${clip(mapping.columns.start)}'` : "the default for a duration without a unit";
    warnings.push(`duration column '${clip(duration.name)}' names no unit: read as ${UNIT_WORD[unit]}, ${why} (--map duration_ms=${clip(duration.name)} or similar names the unit)`);
  }
  return { mapping, warnings };
}

function columnInfo(columns: readonly ColumnInfo[], mapping: Mapping, target: Target): ColumnInfo | undefined {
  const name = mapping.columns[target];
  return name === undefined ? undefined : columns.find((c) => c.name === name);
}

function durationExpr(col: ColumnInfo, unit: Unit): string {
  const q = quoteIdent(col.name);
  if (/^INTERVAL/.test(col.type)) return `CAST(epoch(${q}) * 1000000000 AS BIGINT)`;
  const factor = factorSql(unit);
  return `TRY_CAST(round(TRY_CAST(${q} AS DOUBLE) * ${factor}) AS BIGINT)`;
}

function idExpr(col: string | undefined): string {
  if (!col) return "NULL";
  return `NULLIF(lower(trim(CAST(${quoteIdent(col)} AS VARCHAR))), '')`;
}

function textExpr(col: string | undefined, fallback = "''"): string {
  return col ? `COALESCE(CAST(${quoteIdent(col)} AS VARCHAR), ${fallback})` : fallback;
}

/** A JSON-object text expression for an attribute column of any type (MAP, STRUCT, JSON text). */
function jsonObjectExpr(col: ColumnInfo | undefined): string {
  if (!col) return "'{}'";
  const q = quoteIdent(col.name);
  if (/^(MAP|STRUCT)/.test(col.type)) return `COALESCE(CAST(to_json(${q}) AS VARCHAR), '{}')`;
  const text = `CAST(${q} AS VARCHAR)`;
  // ClickHouse writes a Map in CSV as {'key':'value'}: read as the JSON object it stands for.
  const fromClickhouse = clickhouseMapJson(text);
  return `(CASE WHEN json_valid(${text}) AND json_type(${text}) = 'OBJECT' THEN ${text} ` +
    `WHEN starts_with(${text}, '{''') AND json_valid(${fromClickhouse}) AND json_type(${fromClickhouse}) = 'OBJECT' THEN ${fromClickhouse} ELSE '{}' END)`;
}

const KIND_CASE = (x: string) =>
  `COALESCE(CASE WHEN TRY_CAST(${x} AS INTEGER) BETWEEN 0 AND 5 THEN ['UNSPECIFIED','INTERNAL','SERVER','CLIENT','PRODUCER','CONSUMER'][TRY_CAST(${x} AS INTEGER) + 1] ` +
  `WHEN regexp_replace(upper(${x}), '^SPAN_KIND_', '') IN ('UNSPECIFIED','INTERNAL','SERVER','CLIENT','PRODUCER','CONSUMER') THEN regexp_replace(upper(${x}), '^SPAN_KIND_', '') END, 'UNSPECIFIED')`;
const STATUS_CASE = (x: string) =>
  `COALESCE(CASE WHEN TRY_CAST(${x} AS INTEGER) BETWEEN 0 AND 2 THEN ['UNSET','OK','ERROR'][TRY_CAST(${x} AS INTEGER) + 1] ` +
  `WHEN regexp_replace(upper(${x}), '^STATUS_CODE_', '') IN ('UNSET','OK','ERROR') THEN regexp_replace(upper(${x}), '^STATUS_CODE_', '') END, 'UNSET')`;

/**
 * SELECT list that turns rows of `relation` into staged canonical rows (attributes as JSON text).
 * `$source` is bound by the caller; rows whose ids or start are unusable come out with a NULL
 * trace_id, span_id or start_ns, rows with a duration or end that is not a usable number with
 * times_ok false, and are filtered (and counted) by the caller.
 */
export function mappingSelect(columns: readonly ColumnInfo[], mapping: Mapping): string {
  const info = (target: Target) => columnInfo(columns, mapping, target);
  const startCol = info("start")!;
  const start = epochNsExpr(startCol, mapping.units.start ?? "auto");
  const endCol = info("end");
  const durCol = info("duration");
  const duration = durCol
    ? durationExpr(durCol, mapping.units.duration ?? "ns")
    : endCol
      ? `TRY_CAST(CAST(${epochNsExpr(endCol, mapping.units.end ?? "auto")} AS HUGEINT) - ${start} AS BIGINT)`
      : "0";
  // A duration (or end) that is there but is no usable number (1e400, NaN, text, past 64 bits):
  // the row is skipped and counted, never given duration 0 in silence.
  const timeCol = durCol ?? endCol;
  const timesOk = timeCol ? `(NULLIF(trim(CAST(${quoteIdent(timeCol.name)} AS VARCHAR)), '') IS NULL OR ${duration} IS NOT NULL)` : "true";
  const leftoverJson = mapping.leftovers.length
    ? `CAST(to_json(struct_pack(${mapping.leftovers.map((c) => {
      const key = mapping.renames?.[c];
      // A renamed column (a known schema's) is left out where empty, as an absent attribute would be.
      return key ? `${quoteIdent(key)} := NULLIF(CAST(${quoteIdent(c)} AS VARCHAR), '')` : `${quoteIdent(c)} := CAST(${quoteIdent(c)} AS VARCHAR)`;
    }).join(", ")})) AS VARCHAR)`
    : "'{}'";
  const attributes = mapping.leftovers.length
    ? `CAST(json_merge_patch(${leftoverJson}, ${jsonObjectExpr(info("attributes"))}) AS VARCHAR)`
    : jsonObjectExpr(info("attributes"));
  const service = mapping.columns.service;
  const kindText = mapping.columns.kind ? `CAST(${quoteIdent(mapping.columns.kind)} AS VARCHAR)` : "NULL";
  const statusText = mapping.columns.status ? `CAST(${quoteIdent(mapping.columns.status)} AS VARCHAR)` : "NULL";
  const source = mapping.columns.source ? `COALESCE(NULLIF(CAST(${quoteIdent(mapping.columns.source)} AS VARCHAR), ''), $source)` : "$source";
  return [
    `${idExpr(mapping.columns.trace_id)} AS trace_id`,
    `${idExpr(mapping.columns.span_id)} AS span_id`,
    `${idExpr(mapping.columns.parent_span_id)} AS parent_span_id`,
    `${textExpr(mapping.columns.name)} AS name`,
    `${textExpr(service)} AS service`,
    `${KIND_CASE(kindText)} AS kind`,
    `${STATUS_CASE(statusText)} AS status`,
    `${start} AS start_ns`,
    `${duration} AS duration_ns`,
    `${attributes} AS attributes`,
    `${jsonObjectExpr(info("resource_attributes"))} AS resource_attributes`,
    `${mapping.columns.trace_state ? `NULLIF(CAST(${quoteIdent(mapping.columns.trace_state)} AS VARCHAR), '')` : "NULL"} AS trace_state`,
    `${source} AS source`,
    `${timesOk} AS times_ok`,
  ].join(",\n  ");
}
