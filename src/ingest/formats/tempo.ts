// Grafana Tempo vParquet4 blocks: a directory holding `data.parquet` and `meta.json`. Spans are
// nested as rs[] (resource spans) → ss[] (scope spans) → Spans[]; attributes sit in `Attrs`
// lists with typed value arrays, except the ones Tempo keeps in dedicated columns: the resource's
// ServiceName, Cluster, Namespace, Pod, Container and K8s* names, the span's HttpMethod, HttpUrl
// and HttpStatusCode, and DedicatedAttributes.String01…10 at each level, whose attribute names
// meta.json lists under `dedicatedColumns` (in order, per scope). DuckDB unnests the block into
// canonical columns (one SELECT, below) with every dedicated column put back as its attribute, so
// sampling attributes and cost.* work as in any other input; the attribute names from meta.json
// are bound as parameters, never written into the SQL. Events and links are left out, as the OTLP
// readers leave them out.
import { existsSync, readFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { InputError } from "../../errors.js";

export interface TempoBlock {
  /** meta.json's `format` (vParquet4). */
  format: string;
  /** Dedicated String01… column names per scope, in order. */
  dedicated: { resource: string[]; span: string[] };
}

const SPARE_COLUMNS = 10;

/**
 * The block a `data.parquet` belongs to, when a `meta.json` beside it says it is a Tempo block;
 * undefined for any other Parquet file. A block of another Tempo format is bad input, named.
 */
export function tempoBlock(dataPath: string): TempoBlock | undefined {
  if (basename(dataPath) !== "data.parquet") return undefined;
  const metaPath = join(dirname(dataPath), "meta.json");
  if (!existsSync(metaPath)) return undefined;
  let meta: unknown;
  try {
    meta = JSON.parse(readFileSync(metaPath, "utf8"));
  } catch (error) {
    throw new InputError(metaPath, `beside ${basename(dataPath)} but not readable JSON (${(error as Error).message.split("\n")[0]})`);
  }
  const format = typeof meta === "object" && meta !== null ? (meta as Record<string, unknown>).format : undefined;
  if (typeof format !== "string" || !format.startsWith("vParquet")) return undefined;
  if (format !== "vParquet4") throw new InputError(metaPath, `Tempo block format ${format} is not supported (vParquet4 is)`);
  const dedicated = { resource: [] as string[], span: [] as string[] };
  const columns = (meta as Record<string, unknown>).dedicatedColumns;
  for (const column of Array.isArray(columns) ? columns : []) {
    if (typeof column !== "object" || column === null) continue;
    const { scope, name, type } = column as Record<string, unknown>;
    // Tempo's defaults: scope span, type string; only string columns have spare columns.
    if (typeof name !== "string" || (type !== undefined && type !== "string")) continue;
    const list = scope === "resource" ? dedicated.resource : dedicated.span;
    if (list.length < SPARE_COLUMNS) list.push(name);
  }
  return { format, dedicated };
}

/** One Tempo attribute (a struct of Key, IsArray and typed value lists) as text, as the OTLP readers write values. */
const ATTR_TEXT = (a: string) => `CASE
    WHEN ${a}.ValueUnsupported IS NOT NULL THEN ${a}.ValueUnsupported
    WHEN ${a}.IsArray THEN CASE
      WHEN len(${a}.Value) > 0 THEN CAST(to_json(${a}.Value) AS VARCHAR)
      WHEN len(${a}.ValueInt) > 0 THEN CAST(to_json(list_transform(${a}.ValueInt, x -> CAST(x AS VARCHAR))) AS VARCHAR)
      WHEN len(${a}.ValueDouble) > 0 THEN CAST(to_json(${a}.ValueDouble) AS VARCHAR)
      WHEN len(${a}.ValueBool) > 0 THEN CAST(to_json(${a}.ValueBool) AS VARCHAR)
      ELSE '[]' END
    WHEN len(${a}.Value) > 0 THEN ${a}.Value[1]
    WHEN len(${a}.ValueInt) > 0 THEN CAST(${a}.ValueInt[1] AS VARCHAR)
    WHEN len(${a}.ValueDouble) > 0 THEN ${DOUBLE_TEXT(`${a}.ValueDouble[1]`)}
    WHEN len(${a}.ValueBool) > 0 THEN CASE WHEN ${a}.ValueBool[1] THEN 'true' ELSE 'false' END
  END`;

/** A double as JSON writes it: whole numbers without ".0". */
const DOUBLE_TEXT = (x: string) => `CASE WHEN ${x} = trunc(${x}) AND abs(${x}) < 1e15 THEN CAST(CAST(${x} AS BIGINT) AS VARCHAR) ELSE CAST(${x} AS VARCHAR) END`;

/** A MAP from an Attrs list plus (key, value) pairs of dedicated columns; a NULL dedicated value is no attribute. */
function attributeMap(attrs: string, dedicated: [string, string][]): string {
  const fromList = `map_from_entries(list_transform(COALESCE(${attrs}, []), a -> {'key': a.Key, 'value': ${ATTR_TEXT("a")}}))`;
  if (dedicated.length === 0) return fromList;
  const pairs = `[${dedicated.map(([key, value]) => `{'key': ${key}, 'value': CAST(${value} AS VARCHAR)}`).join(", ")}]`;
  return `map_concat(${fromList}, map_from_entries(list_filter(${pairs}, e -> e.value IS NOT NULL)))`;
}

const RESOURCE_COLUMNS: [string, string][] = [
  ["service.name", "ServiceName"], ["cluster", "Cluster"], ["namespace", "Namespace"], ["pod", "Pod"], ["container", "Container"],
  ["k8s.cluster.name", "K8sClusterName"], ["k8s.namespace.name", "K8sNamespaceName"], ["k8s.pod.name", "K8sPodName"], ["k8s.container.name", "K8sContainerName"],
];
const SPAN_COLUMNS: [string, string][] = [["http.method", "HttpMethod"], ["http.url", "HttpUrl"], ["http.status_code", "HttpStatusCode"]];

/**
 * The block's spans as a relation with the canonical column names (over `read_parquet($path)`),
 * and the parameters it binds besides $path: the names of the static dedicated columns and of
 * the block's spare ones.
 */
export function tempoRelation(block: TempoBlock): { relation: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  const bind = (prefix: string, names: [string, string][]) =>
    names.map(([key, column], i): [string, string] => {
      params[`${prefix}${i}`] = key;
      return [`$${prefix}${i}`, column];
    });
  const resource = bind("tempo_r", [
    ...RESOURCE_COLUMNS.map(([key, column]): [string, string] => [key, `res.${column}`]),
    ...block.dedicated.resource.map((key, i): [string, string] => [key, `res.DedicatedAttributes.String${String(i + 1).padStart(2, "0")}`]),
  ]);
  const span = bind("tempo_s", [
    ...SPAN_COLUMNS.map(([key, column]): [string, string] => [key, `sp.${column}`]),
    ...block.dedicated.span.map((key, i): [string, string] => [key, `sp.DedicatedAttributes.String${String(i + 1).padStart(2, "0")}`]),
  ]);
  const relation = `(
    WITH r AS (SELECT TraceID, unnest(rs) AS r FROM read_parquet($path)),
    s AS (SELECT TraceID, r.Resource AS res, unnest(r.ss) AS ss FROM r),
    sp AS (SELECT TraceID, res, unnest(ss.Spans) AS sp FROM s)
    SELECT lower(hex(TraceID)) AS trace_id, lower(hex(sp.SpanID)) AS span_id,
           CASE WHEN octet_length(sp.ParentSpanID) > 0 THEN lower(hex(sp.ParentSpanID)) END AS parent_span_id,
           sp.Name AS name, res.ServiceName AS service, sp.Kind AS kind, sp.StatusCode AS status,
           sp.StartTimeUnixNano AS start_ns, sp.DurationNano AS duration_ns,
           ${attributeMap("sp.Attrs", span)} AS attributes,
           ${attributeMap("res.Attrs", resource)} AS resource_attributes,
           NULLIF(sp.TraceState, '') AS trace_state
    FROM sp
  )`;
  return { relation, params };
}
