// Mapping the columns of a flat span table (Parquet, CSV, NDJSON, or a warehouse table pulled
// into DuckDB) onto the canonical schema. The decisions are made here in JS from the column
// names and DuckDB types; the result is one SELECT whose only non-constant text is quoted
// identifiers of the table's own columns. Columns that map to nothing become attributes.
import { UsageError } from "../errors.js";

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
  source: ["source"],
};

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

export interface Mapping {
  columns: Partial<Record<Target, string>>;
  /** Unit of the start/end/duration columns. */
  units: { start?: Unit; end?: Unit; duration?: Unit };
  leftovers: string[];
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
  const mapping: Mapping = { columns: {}, units: {}, leftovers: [] };
  for (const [rawTarget, column] of Object.entries(overrides)) {
    if (!names.includes(column)) {
      throw new UsageError(`${where}: --map ${rawTarget}=${column}: no column '${column}' (columns: ${names.join(", ")})`);
    }
    const unit = /_(ns|us|ms|s)$/.exec(rawTarget)?.[1] as Unit | undefined;
    const target = (unit ? rawTarget.replace(/_(ns|us|ms|s)$/, "") : rawTarget) as Target;
    mapping.columns[target] = column;
    if (unit && (target === "start" || target === "end" || target === "duration")) mapping.units[target] = unit;
  }
  for (const target of MAP_TARGETS) {
    if (mapping.columns[target]) continue;
    const taken = new Set(Object.values(mapping.columns));
    const column = findColumn(names.filter((n) => !taken.has(n)), target);
    if (column) mapping.columns[target] = column;
  }
  for (const target of ["start", "end", "duration"] as const) {
    const column = mapping.columns[target];
    if (column && !mapping.units[target]) mapping.units[target] = unitFromName(column, target);
  }
  const used = new Set(Object.values(mapping.columns));
  mapping.leftovers = names.filter((n) => !used.has(n));
  const missing = (["trace_id", "span_id", "start"] as const).filter((t) => !mapping.columns[t]);
  if (missing.length) {
    throw new UsageError(`${where}: cannot find a column for ${missing.join(", ")} (columns: ${names.join(", ")}); name one with --map ${missing[0]}=COLUMN`);
  }
  return mapping;
}

function unitFromName(column: string, target: "start" | "end" | "duration"): Unit {
  const n = column.toLowerCase();
  if (/(_|^)(ns|nanos?|unix_nano)$|nano$/.test(n)) return "ns";
  if (/(_|^)(us|micros?)$/.test(n)) return "us";
  if (/(_|^)(ms|millis?)$/.test(n)) return "ms";
  if (/(_|^)s$/.test(n)) return "s";
  if (target === "duration") return /latency|elapsed/.test(n) ? "ms" : "ns";
  return "auto";
}

export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

const FACTOR: Record<Exclude<Unit, "auto">, string> = { ns: "1", us: "1000", ms: "1000000", s: "1000000000" };

const isTimestampType = (t: string) => /^TIMESTAMP|^DATE/.test(t);
const isNumericType = (t: string) => /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|DOUBLE|FLOAT|REAL|DECIMAL)/.test(t);

/** An epoch-ns BIGINT expression for a time column of any type. */
function epochExpr(col: ColumnInfo, unit: Unit): string {
  const q = quoteIdent(col.name);
  // An instant (TIMESTAMPTZ) directly: casting it to TIMESTAMP_NS would shift it by the machine's time zone.
  if (/^(TIMESTAMPTZ|TIMESTAMP WITH TIME ZONE)/.test(col.type)) return `epoch_ns(${q})`;
  if (isTimestampType(col.type)) return `epoch_ns(CAST(${q} AS TIMESTAMP_NS))`;
  const numeric = isNumericType(col.type) ? `CAST(${q} AS HUGEINT)` : `TRY_CAST(TRY_CAST(${q} AS DOUBLE) AS HUGEINT)`;
  const scaled = unit === "auto" ? autoEpoch(numeric) : `(${numeric} * ${FACTOR[unit]})`;
  if (isNumericType(col.type)) return `TRY_CAST(${scaled} AS BIGINT)`;
  // Text: a number (exact when it is an integer string), or an ISO 8601 timestamp. A timestamp
  // without a zone is UTC (a TIMESTAMPTZ cast would read it in the machine's zone); TIMESTAMP_NS
  // applies a Z or ±hh:mm offset and keeps nanoseconds; named zones fall through to TIMESTAMPTZ.
  const exact = `TRY_CAST(${q} AS HUGEINT)`;
  const exactScaled = unit === "auto" ? autoEpoch(exact) : `(${exact} * ${FACTOR[unit]})`;
  return `COALESCE(TRY_CAST(${exactScaled} AS BIGINT), TRY_CAST(${scaled} AS BIGINT), epoch_ns(TRY_CAST(${q} AS TIMESTAMP_NS)), epoch_ns(TRY_CAST(${q} AS TIMESTAMPTZ)))`;
}

// Epoch magnitudes: ns ≥ 1e17, µs ≥ 1e14, ms ≥ 1e11, else seconds (see span.ts epochNs).
function autoEpoch(x: string): string {
  return `(CASE WHEN abs(${x}) >= 100000000000000000 OR ${x} = 0 THEN ${x} WHEN abs(${x}) >= 100000000000000 THEN ${x} * 1000 WHEN abs(${x}) >= 100000000000 THEN ${x} * 1000000 ELSE ${x} * 1000000000 END)`;
}

function durationExpr(col: ColumnInfo, unit: Unit): string {
  const q = quoteIdent(col.name);
  if (/^INTERVAL/.test(col.type)) return `CAST(epoch(${q}) * 1000000000 AS BIGINT)`;
  const factor = FACTOR[unit === "auto" ? "ns" : unit];
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
  return `(CASE WHEN json_valid(CAST(${q} AS VARCHAR)) AND json_type(CAST(${q} AS VARCHAR)) = 'OBJECT' THEN CAST(${q} AS VARCHAR) ELSE '{}' END)`;
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
 * trace_id, span_id or start_ns and are filtered (and counted) by the caller.
 */
export function mappingSelect(columns: readonly ColumnInfo[], mapping: Mapping): string {
  const info = (target: Target) => {
    const name = mapping.columns[target];
    return name === undefined ? undefined : columns.find((c) => c.name === name);
  };
  const startCol = info("start")!;
  const start = epochExpr(startCol, mapping.units.start ?? "auto");
  const endCol = info("end");
  const durCol = info("duration");
  const duration = durCol
    ? durationExpr(durCol, mapping.units.duration ?? "ns")
    : endCol
      ? `(${epochExpr(endCol, mapping.units.end ?? "auto")} - ${start})`
      : "0";
  const leftoverJson = mapping.leftovers.length
    ? `CAST(to_json(struct_pack(${mapping.leftovers.map((c) => `${quoteIdent(c)} := CAST(${quoteIdent(c)} AS VARCHAR)`).join(", ")})) AS VARCHAR)`
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
  ].join(",\n  ");
}
