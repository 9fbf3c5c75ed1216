// The built-in model: what adtrace uses when there is no config file. Every value here can be
// overridden in adtrace.config.yaml (see `adtrace init`); their types are the config file's,
// inferred from its schema (src/model/config-schema.ts).
import type { CacheSettings, Flags, PreaggregateSettings, PriceBook, StageRule, TracingSettings } from "./config-schema.js";

export type { PriceBook, StageMatch, StageRule, WarehousePrice } from "./config-schema.js";

export const STAGES = ["request", "profiling", "inventory_lookup", "auction", "delivery", "tracking", "aggregation"] as const;
export const OTHER_STAGE = "other";

/**
 * Default stage rules, first match wins. They follow the usual ad-tech naming
 * (`service.component.operation`): warehouse children land in their parent's stage by name.
 */
export const DEFAULT_STAGE_RULES: StageRule[] = [
  { stage: "aggregation", match: { name: "*aggregat*" } },
  { stage: "aggregation", match: { name: "*rollup*" } },
  { stage: "aggregation", match: { service: "*aggregat*" } },
  { stage: "tracking", match: { name: "*track*" } },
  { stage: "tracking", match: { name: "*impression*" } },
  { stage: "tracking", match: { name: "*click*" } },
  { stage: "tracking", match: { name: "*conversion*" } },
  { stage: "tracking", match: { service: "*track*" } },
  { stage: "profiling", match: { name: "*profil*" } },
  { stage: "profiling", match: { name: "*user.lookup*" } },
  { stage: "profiling", match: { name: "*segment*" } },
  { stage: "profiling", match: { service: "*profil*" } },
  { stage: "inventory_lookup", match: { name: "*inventory*" } },
  { stage: "inventory_lookup", match: { name: "*.ann.*" } },
  { stage: "inventory_lookup", match: { name: "*candidate*" } },
  { stage: "inventory_lookup", match: { service: "*inventory*" } },
  { stage: "auction", match: { name: "*auction*" } },
  { stage: "auction", match: { name: "*rtb*" } },
  { stage: "auction", match: { name: "*bid*" } },
  { stage: "auction", match: { service: "*auction*" } },
  { stage: "delivery", match: { name: "*deliver*" } },
  { stage: "delivery", match: { name: "*creative*" } },
  { stage: "delivery", match: { name: "*render*" } },
  { stage: "delivery", match: { service: "*deliver*" } },
  { stage: "request", match: { name: "*request*" } },
  { stage: "request", match: { name: "*ingest*" } },
  { stage: "request", match: { service: "*adserver*" } },
  { stage: "request", match: { service: "*gateway*" } },
];

export const DEFAULT_WAREHOUSES = ["snowflake", "aws.redshift", "redshift", "bigquery", "gcp.bigquery", "clickhouse", "databricks", "trino", "presto", "athena", "synapse"];

/** Attributes holding an explicit per-span cost in USD, highest precedence first. */
export const DEFAULT_COST_ATTRIBUTES = ["cost.usd"];
/** Span attributes holding the warehouse query or job id that billing records join on (issue 23). */
export const DEFAULT_QUERY_ID_ATTRIBUTES = ["db.query.id", "snowflake.query_id", "bigquery.job_id"];
/** Split explicit costs, read when none of the cost attributes is present. */
export const COMPUTE_COST_ATTRIBUTE = "cost.compute_usd";
export const QUERY_COST_ATTRIBUTE = "cost.query_usd";

/** Bytes scanned or billed by a warehouse query, first present wins. */
export const DEFAULT_BYTES_ATTRIBUTES = [
  "db.bytes_billed", "bigquery.total_bytes_billed", "db.bytes_scanned", "bigquery.total_bytes_processed",
  "snowflake.bytes_scanned", "redshift.bytes_scanned", "db.response.bytes_scanned",
];
// queries/model.sql reads these attributes by name, first present wins (README, "Cost model"):
// Snowflake credits a query used, snowflake.credits_used then db.credits_used; the warehouse size
// (XSMALL … 6XLARGE), snowflake.warehouse.size then db.warehouse.size; Redshift Serverless
// RPU-seconds, redshift.rpu_seconds then db.rpu_seconds; the vCPUs behind a span (else the price
// book's `vcpus`), compute.vcpus then host.cpu.count; the warehouse, db.system then db.system.name.
// test/prices.test.ts prices each.
/** Query text, fingerprinted before it reaches any output. */
export const STATEMENT_ATTRIBUTES = ["db.statement", "db.query.text"];

// List prices (on-demand, US regions) as of 2025; override them with your contract's rates.
export const DEFAULT_PRICE_BOOK: PriceBook = {
  compute: { vcpu_hour_usd: 0.0425, vcpus: 1 },
  warehouses: {
    snowflake: {
      credit_usd: 3.0,
      credits_per_hour: { XSMALL: 1, SMALL: 2, MEDIUM: 4, LARGE: 8, XLARGE: 16, "2XLARGE": 32, "3XLARGE": 64, "4XLARGE": 128, "5XLARGE": 256, "6XLARGE": 512 },
      default_size: "XSMALL",
    },
    bigquery: { tib_usd: 6.25, min_bytes: 10 * 1024 * 1024 },
    "gcp.bigquery": { tib_usd: 6.25, min_bytes: 10 * 1024 * 1024 },
    redshift: { rpu_hour_usd: 0.375, rpus: 8 },
    "aws.redshift": { rpu_hour_usd: 0.375, rpus: 8 },
    athena: { tib_usd: 5.0, min_bytes: 10 * 1024 * 1024 },
    databricks: { hour_usd: 2.8 },
    clickhouse: { hour_usd: 1.2 },
    trino: { hour_usd: 1.0 },
    presto: { hour_usd: 1.0 },
    synapse: { tib_usd: 5.0, min_bytes: 10 * 1024 * 1024 },
  },
};

export const DEFAULT_EVENTS_PER_DAY = 2_000_000_000;

export const DEFAULT_FLAGS: Flags = {
  /** A stage carrying at least this share of cost, mostly warehouse query cost, is flagged. */
  min_cost_share: 0.25,
  /** "Mostly": the share of the stage's cost that is warehouse query cost. */
  min_warehouse_share: 0.5,
  /** A single query fingerprint carrying this share of a warehouse stage's cost is flagged. */
  top_query_share: 0.6,
  /** Bytes scanned per event this many times the median warehouse stage's. */
  bytes_ratio: 10,
};

export const DEFAULT_CACHE: CacheSettings = { hit_latency_ms: 1 };
export const DEFAULT_PREAGGREGATE: PreaggregateSettings = { refresh_cost_usd: 0, refreshes_per_day: 24 };

/**
 * What storing traces costs, for `adtrace sampling advise`: $ per GB of spans ingested plus $ per
 * million spans indexed (retained and searchable). The defaults are a hosted APM backend's list
 * prices (Datadog APM, 2025: ingested spans $0.10/GB, indexed spans $1.70 per million at 15-day
 * retention); a per-GB-only store (Grafana Cloud Traces, Honeycomb-style event pricing, S3 behind
 * Tempo) sets the other to 0. bytes_per_span, when set, replaces the size measured from the data.
 */
export const DEFAULT_TRACING: TracingSettings = {
  usd_per_gb: 0.1,
  usd_per_million_spans: 1.7,
};
