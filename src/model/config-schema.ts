// The config file's schema (valibot): every key, its type and range, and the words of its error.
// The config's types (src/model/config.ts, src/model/defaults.ts) are inferred from it, so the
// file's shape and the code's idea of it cannot drift apart. Each schema's message is what an
// error says after "expected"; config.ts maps an issue's path back to the YAML node for its line.
// Loaded only by config.ts, when a command reads a config (never for --help).
import * as v from "valibot";
import { readCount } from "../numbers.js";

/** A YAML mapping (not a list, not a scalar): what `a mapping of key: value` means. */
const isMapping = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
const MAPPING = "a mapping of key: value";

interface NumberRange {
  min?: number;
  max?: number;
  exclusiveMin?: boolean;
  exclusiveMax?: boolean;
}

/** "a number ≥ 0", "a number > 0 and ≤ 1", …: the words of a range error. */
function rangeWords({ min, max, exclusiveMin, exclusiveMax }: NumberRange): string {
  return `a number ${min === undefined ? "" : `${exclusiveMin ? ">" : "≥"} ${min}`}${min !== undefined && max !== undefined ? " and " : ""}${max === undefined ? "" : `${exclusiveMax ? "<" : "≤"} ${max}`}`;
}

function inRange(value: number, { min, max, exclusiveMin, exclusiveMax }: NumberRange): boolean {
  if (min !== undefined && (exclusiveMin ? value <= min : value < min)) return false;
  if (max !== undefined && (exclusiveMax ? value >= max : value > max)) return false;
  return true;
}

/** A finite number, within `range` if given. */
function num(range: NumberRange = {}) {
  const number = v.pipe(v.number("a number"), v.finite("a number"));
  if (range.min === undefined && range.max === undefined) return number;
  return v.pipe(number, v.check((x) => inRange(x, range), rangeWords(range)));
}

/** A count: a number, or text such as 2B, 500M, 2,000,000 (src/numbers.ts). */
function count(range: NumberRange) {
  const words = "a number such as 2000000000, 2e9, 2B or 500M";
  return v.pipe(
    // A list or mapping is no number at all; a scalar that is no count gets the examples.
    v.union([v.number(), v.string()], (issue) => (typeof issue.input === "object" && issue.input !== null ? "a number" : words)),
    v.transform((x): number => (typeof x === "string" ? readCount(x) ?? NaN : x)),
    v.finite(words),
    v.check((x) => inRange(x, range), rangeWords(range)),
  );
}

/** Any scalar, as text: `cost_attributes: [123]` is the key "123". */
const str = v.pipe(
  v.custom<string | number | boolean | bigint>((x) => ["string", "number", "boolean", "bigint"].includes(typeof x), "a string"),
  v.transform((x): string => String(x)),
);

/** A date or timestamp, kept as ISO 8601 (2025-01-01T00:00:00.000Z). */
const DATE = "a date (YYYY-MM-DD or ISO 8601)";
const date = v.pipe(
  v.custom<string | number>((x) => (typeof x === "string" || typeof x === "number") && !Number.isNaN(Date.parse(String(x))), DATE),
  v.transform((x): string => new Date(Date.parse(String(x))).toISOString()),
);

const list = <T extends v.GenericSchema>(item: T) => v.array(item, "a list");

/** A mapping whose keys are the user's (warehouse names, attribute keys, sizes). */
const map = <T extends v.GenericSchema>(value: T) => v.pipe(v.custom<Record<string, unknown>>(isMapping, MAPPING), v.record(v.string(), value, MAPPING));

/** A mapping of known keys; any other key is an error naming the known ones. */
function fields<E extends v.ObjectEntries>(entries: E) {
  return v.pipe(v.custom<Record<string, unknown>>(isMapping, MAPPING), v.strictObject(entries, MAPPING));
}

const optional = <T extends v.GenericSchema>(schema: T) => v.optional(schema);

const strList = optional(list(str));

const matchSchema = fields({
  /** Glob on the span name (`*` any run, `?` one character, `[abc]` a class). */
  name: optional(str),
  /** Glob on the service. */
  service: optional(str),
  /** Globs on attribute values, by attribute key; all must hold. */
  attribute: optional(map(str)),
});

const warehousePrice = fields({
  /** Snowflake-style: $ per credit × credits/hour of the warehouse size × query seconds. */
  credit_usd: optional(num({ min: 0 })),
  credits_per_hour: optional(map(num({ min: 0 }))),
  default_size: optional(str),
  /** BigQuery-style: $ per TiB of bytes billed, with a minimum per query. */
  tib_usd: optional(num({ min: 0 })),
  min_bytes: optional(num({ min: 0 })),
  /** BigQuery editions: $ per slot-hour, for billing records of jobs in a reservation (issue 23; default 0.06). */
  slot_hour_usd: optional(num({ min: 0 })),
  /** Redshift Serverless-style: $ per RPU-hour × RPUs × query seconds (or reported RPU-seconds). */
  rpu_hour_usd: optional(num({ min: 0 })),
  rpus: optional(num({ min: 0 })),
  /** Anything else: $ per hour of query time. */
  hour_usd: optional(num({ min: 0 })),
});

/** A price book: compute by vCPU time, each warehouse by its own unit (per db.system). */
const priceBook = fields({
  effective_from: optional(date),
  compute: optional(fields({ vcpu_hour_usd: optional(num({ min: 0 })), vcpus: optional(num({ min: 0 })) })),
  warehouses: optional(map(warehousePrice)),
});

/**
 * One price book given as a mapping is a list of one. config.ts's error paths leave out the
 * index a mapping never had, so its keys keep their own path (`prices.compute.vcpu`) and line.
 */
const oneOrMore = <T extends v.GenericSchema>(item: T) => v.pipe(
  v.unknown(),
  v.transform((x): unknown => (isMapping(x) ? [x] : x)),
  list(item),
);

const share = () => optional(num({ min: 0, max: 1 }));
const positive = () => optional(num({ min: 0, exclusiveMin: true }));
const fraction = () => optional(num({ min: 0, exclusiveMin: true, max: 1, exclusiveMax: true }));

export const CONFIG_SCHEMA = fields({
  events_per_day: optional(count({ min: 1 })),
  cost_attributes: strList,
  /** Span attributes holding the warehouse's query or job id, which billing records join on (issue 23). */
  query_id_attributes: strList,
  bytes_attributes: strList,
  stages: optional(list(fields({ stage: str, match: matchSchema }))),
  /** Dated price books; each overrides the ones before it from its date on. */
  prices: optional(oneOrMore(priceBook)),
  warehouses: strList,
  flags: optional(fields({ min_cost_share: share(), min_warehouse_share: share(), top_query_share: share(), bytes_ratio: optional(num({ min: 1 })) })),
  cache: optional(fields({ hit_latency_ms: optional(num({ min: 0 })) })),
  preaggregate: optional(fields({ refresh_cost_usd: optional(num({ min: 0 })), refreshes_per_day: optional(num({ min: 0 })) })),
  sampling: optional(list(fields({
    match: matchSchema,
    /** Probability a span matching this was kept (0 < rate ≤ 1). */
    rate: num({ min: 0, exclusiveMin: true, max: 1 }),
  }))),
  /** What storing traces costs (sampling advise); not part of the cost model, nor of its digest. */
  tracing: optional(fields({ usd_per_gb: optional(num({ min: 0 })), usd_per_million_spans: optional(num({ min: 0 })), bytes_per_span: positive() })),
  /** Service-level objectives (issue 18); config.ts checks what a schema cannot (one indicator each, unique names). */
  slos: optional(list(fields({
    name: str,
    /** Only this stage: its time within the event, its cost, its errors. */
    stage: optional(str),
    /** Good events take at most this long; `objective` of them must be good (default 0.99). */
    latency_ms: positive(),
    objective: fraction(),
    /** A ceiling on the mean cost per event. */
    cost_per_event_usd: positive(),
    /** At most this share of events may carry an error span. */
    error_rate: fraction(),
  }))),
  /** The personal-data detectors' settings (issue 20); not part of the cost model, nor of its digest. */
  pii: optional(fields({
    /** Key globs never scanned (`http.user_agent`, `app.*`). */
    ignore_keys: strList,
    extra: optional(list(fields({ pattern: str, kind: str }))),
  })),
});

/** A config file as written: every key optional. */
export type ConfigFile = v.InferOutput<typeof CONFIG_SCHEMA>;
type Section<K extends keyof ConfigFile> = NonNullable<ConfigFile[K]>;

export type StageRule = Section<"stages">[number];
export type StageMatch = StageRule["match"];
export type PriceBook = Section<"prices">[number];
export type WarehousePrice = NonNullable<PriceBook["warehouses"]>[string];
export type SamplingRule = Section<"sampling">[number];
export type SloEntry = Section<"slos">[number];
export type PiiSection = Section<"pii">;
export type Flags = Required<Section<"flags">>;
export type CacheSettings = Required<Section<"cache">>;
export type PreaggregateSettings = Required<Section<"preaggregate">>;
/** bytes_per_span stays optional: without it, the size is measured from the data. */
export type TracingSettings = Required<Omit<Section<"tracing">, "bytes_per_span">> & Pick<Section<"tracing">, "bytes_per_span">;

/** The schema that validates `path` (keys and indices) within `schema`, through optional, pipes and lists; undefined past its end. */
export function schemaAt(schema: v.GenericSchema, path: readonly (string | number)[]): v.GenericSchema | undefined {
  let at: v.GenericSchema | undefined = schema;
  for (const key of path) {
    if (!at) return undefined;
    const inner = unwrap(at);
    if (typeof key === "number") at = inner.type === "array" ? (inner as v.ArraySchema<v.GenericSchema, undefined>).item : undefined;
    else if (inner.type === "strict_object") at = (inner as v.StrictObjectSchema<v.ObjectEntries, undefined>).entries[key] as v.GenericSchema | undefined;
    else if (inner.type === "record") at = (inner as v.RecordSchema<v.GenericSchema<string, string>, v.GenericSchema, undefined>).value;
    else at = undefined;
  }
  return at;
}

/** The keys a mapping schema knows, in the schema's order (empty for anything else). */
export function knownKeys(schema: v.GenericSchema | undefined): string[] {
  const inner = schema ? unwrap(schema) : undefined;
  return inner?.type === "strict_object" ? Object.keys((inner as v.StrictObjectSchema<v.ObjectEntries, undefined>).entries) : [];
}

/** Past optional() and to the last schema of a pipe: the one that holds the entries or items. */
function unwrap(schema: v.GenericSchema): v.GenericSchema {
  let at = schema;
  for (;;) {
    if (at.type === "optional") at = (at as v.OptionalSchema<v.GenericSchema, undefined>).wrapped;
    // A pipe's first item is the schema it was built on, so it holds one schema at least; its last
    // one is a schema nested in this one (itself perhaps a pipe), so the walk ends.
    else if ("pipe" in at && Array.isArray(at.pipe)) at = (at.pipe as { kind: string }[]).filter((item) => item.kind === "schema").at(-1) as v.GenericSchema;
    else return at;
  }
}
