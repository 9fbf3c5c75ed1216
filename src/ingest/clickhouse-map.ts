// `--map` on a ClickHouse source (issue 17): a spans table with other column names and types than
// the Collector exporter's otel_traces, read as if it were one. The same plan as for flat tables
// (ingest/mapping.ts: candidates by name, `--map canonical=column` overrides, units from names or
// the values, columns that map to nothing become attributes), applied in ClickHouse as a subquery
// that presents the exporter's columns (TraceId, SpanId, …, Timestamp, Duration) to the model.
// Each column is one of a fixed set of expressions chosen here by the column's ClickHouse type;
// column names only ever reach the SQL as {cN:Identifier} parameters (bound by the engine,
// qualified by the table's alias so that no output name can shadow a column), and leftover
// column names as an Array(String) parameter. Pure functions: nothing connects here.
import { clip, UsageError } from "../errors.js";
import { planMapping, resolveUnits, type ColumnInfo, type Mapping, type Target, type UnitProbe } from "./mapping.js";
import { NS_PER_UNIT } from "./span.js";

/** A column of the ClickHouse table as system.columns lists it. */
export interface ClickHouseColumn {
  name: string;
  type: string;
}

/** The mapped table as the model's FROM: the subquery's text (our fixed fragments) and its parameters. */
export interface MappedTable {
  sql: string;
  params: Record<string, unknown>;
  mapping: Mapping;
  warnings: string[];
}

/** A ClickHouse type without its Nullable and LowCardinality wrappers. */
export function baseType(type: string): string {
  let t = type.trim();
  for (;;) {
    const m = /^(?:Nullable|LowCardinality)\((.*)\)$/.exec(t);
    if (!m) return t;
    t = m[1]!.trim();
  }
}

type Kind = "instant" | "integer" | "float" | "text" | "map" | "other";

function kindOf(type: string): Kind {
  const t = baseType(type);
  if (/^(DateTime64|DateTime|Date32|Date)\b/.test(t)) return "instant";
  if (/^U?Int(8|16|32|64|128|256)$/.test(t)) return "integer";
  if (/^(Float32|Float64|Decimal)/.test(t)) return "float";
  if (/^(String|FixedString|UUID|Enum8|Enum16)\b/.test(t)) return "text";
  if (/^Map\(/.test(t)) return "map";
  return "other";
}

/** The DuckDB type name the flat-table planner reasons with (its unit rules read numbers and timestamps). */
function duckType(type: string): string {
  switch (kindOf(type)) {
    case "instant":
      return "TIMESTAMP_NS";
    case "integer":
      return "BIGINT";
    case "float":
      return "DOUBLE";
    case "map":
      return "MAP(VARCHAR, VARCHAR)";
    default:
      return "VARCHAR";
  }
}

const asDuck = (columns: readonly ClickHouseColumn[]): ColumnInfo[] => columns.map((c) => ({ name: c.name, type: duckType(c.type) }));

/** Plan the mapping from the table's columns and `--map` pairs (parsed: target → column); throws UsageError naming the source. */
export function planClickHouseMapping(columns: readonly ClickHouseColumn[], overrides: Record<string, string>, where: string): Mapping {
  const mapping = planMapping(asDuck(columns), overrides, where);
  const check = (target: Target, allowed: Kind[], what: string) => {
    const name = mapping.columns[target];
    if (name === undefined) return;
    const column = columns.find((c) => c.name === name)!;
    if (!allowed.includes(kindOf(column.type))) {
      throw new UsageError(`${where}: --map ${target}: column '${clip(name)}' is ${column.type}; a ClickHouse source reads ${what}`);
    }
  };
  check("start", ["instant", "integer", "float"], "a start time as DateTime64, DateTime, Date or a number of epoch units");
  check("end", ["instant", "integer", "float"], "an end time as DateTime64, DateTime, Date or a number of epoch units");
  check("duration", ["integer", "float"], "a duration as a number (of ns, µs, ms or s)");
  check("attributes", ["map"], "attributes as a Map");
  return mapping;
}

/** The numeric start and end columns whose typical magnitude settles their unit: the probe's SELECT list and parameters, or undefined. */
export function unitProbe(columns: readonly ClickHouseColumn[], mapping: Mapping): { select: string; params: Record<string, string> } | undefined {
  const parts: string[] = [];
  const params: Record<string, string> = {};
  for (const target of ["start", "end"] as const) {
    const name = mapping.columns[target];
    const column = name === undefined ? undefined : columns.find((c) => c.name === name);
    if (!column || !["integer", "float"].includes(kindOf(column.type))) continue;
    params[`p_${target}`] = column.name;
    parts.push(`quantileExact(0.5)(abs(toFloat64(src.{p_${target}:Identifier}))) AS ${target}`);
  }
  return parts.length ? { select: parts.join(", "), params } : undefined;
}

/**
 * The mapped table: a subquery over {db:Identifier}.{tbl:Identifier} AS src presenting the
 * exporter's columns, with every unit settled from `probe` (what unitProbe's query answered).
 */
export function mappedTable(columns: readonly ClickHouseColumn[], planned: Mapping, probe: UnitProbe): MappedTable {
  const { mapping, warnings } = resolveUnits(asDuck(columns), planned, probe);
  const params: Record<string, unknown> = {};
  let n = 0;
  const ident = (name: string) => {
    const key = `c${n++}`;
    params[key] = name;
    return `src.{${key}:Identifier}`;
  };
  const typeOf = (name: string) => columns.find((c) => c.name === name)!.type;
  const text = (target: Target) => {
    const name = mapping.columns[target];
    return name === undefined ? "''" : `ifNull(toString(${ident(name)}), '')`;
  };
  const id = (target: Target) => {
    const name = mapping.columns[target];
    return name === undefined ? "''" : `lower(trimBoth(ifNull(toString(${ident(name)}), '')))`;
  };
  // A time as DateTime64(9): an instant as it is, a number scaled from its unit to ns (integers exactly).
  const instant = (target: "start" | "end") => {
    const name = mapping.columns[target]!;
    const kind = kindOf(typeOf(name));
    if (kind === "instant") return `toDateTime64(${ident(name)}, 9, 'UTC')`;
    const factor = `f_${target}`;
    params[factor] = String(NS_PER_UNIT[unitOf(mapping.units[target])]);
    return kind === "integer"
      ? `fromUnixTimestamp64Nano(toInt64(${ident(name)}) * {${factor}:Int64})`
      : `fromUnixTimestamp64Nano(toInt64(round(toFloat64(${ident(name)}) * {${factor}:Int64})))`;
  };
  const start = instant("start");
  let duration = "toInt64(0)";
  if (mapping.columns.duration !== undefined) {
    const name = mapping.columns.duration;
    params.f_duration = String(NS_PER_UNIT[unitOf(mapping.units.duration)]);
    duration = kindOf(typeOf(name)) === "integer"
      ? `toInt64(${ident(name)}) * {f_duration:Int64}`
      : `toInt64(round(toFloat64(${ident(name)}) * {f_duration:Int64}))`;
  } else if (mapping.columns.end !== undefined) {
    duration = `toUnixTimestamp64Nano(${instant("end")}) - toUnixTimestamp64Nano(${start})`;
  }
  // Attributes: the table's map, with the leftover columns (as text) under their own names; the
  // map's own keys win, as json_merge_patch(leftovers, attributes) has it on the local path, and a
  // NULL leftover is no attribute at all.
  const own = mapping.columns.attributes === undefined ? "CAST(map(), 'Map(String, String)')" : `CAST(${ident(mapping.columns.attributes)}, 'Map(String, String)')`;
  let attributes = own;
  if (mapping.leftovers.length) {
    params.leftover_keys = mapping.leftovers.map((c) => mapping.renames?.[c] ?? c);
    const values = mapping.leftovers.map((c) => `toNullable(toString(${ident(c)}))`).join(", ");
    attributes = `mapUpdate(CAST(mapFilter((k, v) -> v IS NOT NULL, mapFromArrays({leftover_keys:Array(String)}, [${values}])), 'Map(String, String)'), ${own})`;
  }
  // Resource attributes (outliers rolls them up to the event): the mapped column when it is a Map, else none.
  const resourceColumn = mapping.columns.resource_attributes;
  const resources = resourceColumn !== undefined && kindOf(typeOf(resourceColumn)) === "map"
    ? `CAST(${ident(resourceColumn)}, 'Map(String, String)')` : "CAST(map(), 'Map(String, String)')";
  const select = [
    `SELECT ${id("trace_id")} AS TraceId`,
    `${id("span_id")} AS SpanId`,
    `${id("parent_span_id")} AS ParentSpanId`,
    `${text("name")} AS SpanName`,
    `${text("service")} AS ServiceName`,
    `${text("trace_state")} AS TraceState`,
    `${attributes} AS SpanAttributes`,
    `${resources} AS ResourceAttributes`,
    `${start} AS Timestamp`,
    `${duration} AS Duration`,
  ].join(",\n         ") + "\n  FROM {db:Identifier}.{tbl:Identifier} AS src";
  // A row without a trace or span id is no span (the local mapping skips it too).
  const sql = `SELECT * FROM (\n  ${select}\n) WHERE TraceId != '' AND SpanId != ''`;
  return { sql, params, mapping, warnings };
}

function unitOf(unit: string | undefined): "ns" | "us" | "ms" | "s" {
  return unit === "us" || unit === "ms" || unit === "s" ? unit : "ns";
}
