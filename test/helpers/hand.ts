// The bundled fixture's hand-worked totals (fixtures/auction/README.md, "Hand-checked totals"),
// written as the README's arithmetic: the numbers tests compare the tool against.

/** The built-in list prices the README uses: $ per vCPU-second, per Snowflake credit, per TiB. */
export const VCPU_SECOND_USD = 0.0425 / 3600;
export const CREDIT_USD = 3;
export const TIB_USD = 6.25;

/** One event's spans priced by their cost.usd (7 of them), one Snowflake lookup, one BigQuery aggregate. */
export const EXPLICIT_PER_EVENT = 0.00001 + 0.00003 + 0.00007 + 0.00006 + 0.00004 + 0.00002 + 0.00002; // 0.00025
export const SNOWFLAKE_SPAN = 0.0001 * CREDIT_USD + 0.0025 * VCPU_SECOND_USD; // 0.0003 + 0.0000000295138…
export const BIGQUERY_SPAN = TIB_USD / 16384 + 0.0065 * VCPU_SECOND_USD; // 0.0003814697265625 + 0.0000000767361…
/** Event t's cost: a second Snowflake lookup when 8 divides t, a second BigQuery aggregate when 10 does. */
export const eventCost = (t: number) => EXPLICIT_PER_EVENT + (t % 8 === 0 ? 2 : 1) * SNOWFLAKE_SPAN + (t % 10 === 0 ? 2 : 1) * BIGQUERY_SPAN;

/** 45 Snowflake lookups: 0.0001 credits each; 2500 µs of self time each at 1 vCPU. */
export const SNOWFLAKE_QUERY = 45 * 0.0001 * CREDIT_USD; // 0.0135
export const SNOWFLAKE_COMPUTE = 45 * 0.0025 * VCPU_SECOND_USD; // 0.000001328125
/** 44 BigQuery aggregates: 64 MiB billed each (1/16384 TiB); 6500 µs of self time each. */
export const BIGQUERY_QUERY = (44 * TIB_USD) / 16384; // 0.01678466796875
export const BIGQUERY_COMPUTE = 44 * 0.0065 * VCPU_SECOND_USD; // 0.00000337638888…
/** The 280 spans priced by their cost.usd: 7 per event, 0.00025 together. */
export const EXPLICIT = 40 * 0.00025; // 0.01

export const EVENTS = 40;
export const STAGE_TOTAL = {
  aggregation: 40 * 0.00002 + BIGQUERY_QUERY + BIGQUERY_COMPUTE, // 0.01758804435763888…
  tracking: 40 * 0.00002 + SNOWFLAKE_QUERY + SNOWFLAKE_COMPUTE, // 0.014301328125
  inventory_lookup: 40 * 0.00007,
  auction: 40 * 0.00006,
  delivery: 40 * 0.00004,
  profiling: 40 * 0.00003,
  request: 40 * 0.00001,
};
export const TOTAL = EXPLICIT + SNOWFLAKE_QUERY + SNOWFLAKE_COMPUTE + BIGQUERY_QUERY + BIGQUERY_COMPUTE; // 0.04028937248263888…
export const QUERY_TOTAL = SNOWFLAKE_QUERY + BIGQUERY_QUERY; // 0.03028466796875
export const PER_EVENT = TOTAL / EVENTS; // 0.00100723431206597…
/** savings --suggest: cache 25% hits on tracking + pre-aggregation −30% of aggregation's query cost. */
export const SUGGESTED_SAVING_PER_EVENT = (0.25 * STAGE_TOTAL.tracking + 0.3 * BIGQUERY_QUERY) / EVENTS; // 0.000215268310546875

/**
 * Relative error of a figure the CLI printed: CSV and JSON carry 12 significant digits, so a
 * figure within 1e-11 of the hand-worked one agrees with it.
 */
export const relative = (actual: number, expected: number) => Math.abs(actual / expected - 1);
