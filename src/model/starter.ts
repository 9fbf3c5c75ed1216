// The commented starter config `adtrace init` writes. Every key is optional; the values shown
// are the built-in defaults.
export const STARTER_CONFIG = `# adtrace.config.yaml — every key is optional; the values below are the built-in defaults.
# Docs: README.md, "Cost model". Check a change with: adtrace cost breakdown <spans> --config adtrace.config.yaml

# Your real daily volume of ad events, for projections (savings, report headline).
# Accepts 2000000000, 2e9, 2B, 500M.
events_per_day: 2B

# Attributes holding an explicit per-span cost in USD; the first present wins.
# (cost.compute_usd + cost.query_usd, given split, are read when none of these is present.)
cost_attributes: [cost.usd]

# Attributes holding the warehouse's query or job id, which billing records join on
# (adtrace load --billing; README, "Match the bill").
query_id_attributes: [db.query.id, snowflake.query_id, bigquery.job_id]

# Attributes holding bytes scanned/billed by a warehouse query; the first present wins.
bytes_attributes: [db.bytes_billed, bigquery.total_bytes_billed, db.bytes_scanned, bigquery.total_bytes_processed, snowflake.bytes_scanned, redshift.bytes_scanned, db.response.bytes_scanned]

# db.system / db.system.name values that count as warehouses (their spans carry query cost).
warehouses: [snowflake, aws.redshift, redshift, bigquery, gcp.bigquery, clickhouse, databricks, trino, presto, athena, synapse]

# Stage rules: first match wins; every key given in one match must hold. Globs: * ? [abc].
# Replacing this list replaces ALL default rules. Unmatched spans go to stage "other".
# stages:
#   - stage: aggregation
#     match: { name: "*aggregat*" }
#   - stage: tracking
#     match: { service: "tracker*" }
#   - stage: auction
#     match: { attribute: { "ad.stage": "auction" } }

# Prices: one book, or a list of dated books (each overrides only the keys it gives, from its
# effective_from date on; a span is priced by the book in force at its start time).
prices:
  - compute:
      vcpu_hour_usd: 0.0425      # $ per vCPU-hour; a span's compute = self time × vCPUs × rate
      vcpus: 1                   # unless the span says compute.vcpus / host.cpu.count
    warehouses:
      snowflake: { credit_usd: 3.00, default_size: XSMALL }   # × credits/hour of the size × query seconds
      bigquery: { tib_usd: 6.25, min_bytes: 10485760 }         # × TiB billed, 10 MiB minimum per query
      # bigquery: { slot_hour_usd: 0.06 }  # editions: billing records of jobs in a reservation × slot-hours (default 0.06)
      redshift: { rpu_hour_usd: 0.375, rpus: 8 }               # × RPUs × query seconds (or redshift.rpu_seconds)
      databricks: { hour_usd: 2.80 }                           # × query hours
#  - effective_from: 2026-01-01
#    warehouses:
#      snowflake: { credit_usd: 2.60 }

# Which stages are flagged as warehouse-heavy (adtrace cost flags).
flags:
  min_cost_share: 0.25       # the stage carries at least this share of cost…
  min_warehouse_share: 0.5   # …and more than this share of it is warehouse query cost
  top_query_share: 0.6       # or one query fingerprint carries this share of a warehouse stage's cost
  bytes_ratio: 10            # or it scans this many times the median warehouse stage's bytes per event

# Lever assumptions for adtrace savings.
cache:
  hit_latency_ms: 1
preaggregate:
  refresh_cost_usd: 0        # cost of one refresh of the rollup
  refreshes_per_day: 24

# What storing traces costs, for adtrace sampling advise: the tracing bill at each sampling rate is
# spans/day × bytes per span × usd_per_gb + spans/day ÷ 1e6 × usd_per_million_spans. The defaults
# are a hosted APM backend's list prices (Datadog APM, 2025: ingested spans $0.10 per GB, indexed
# spans $1.70 per million at 15-day retention); for a per-GB store (Grafana Cloud Traces, Tempo on
# object storage) put your $/GB and usd_per_million_spans: 0. bytes_per_span is measured from the
# data (each span's fields, attribute keys and values) unless given here.
tracing:
  usd_per_gb: 0.10
  usd_per_million_spans: 1.70
#  bytes_per_span: 900

# Sampling rates for data that carries no sampling information (adtrace weights every figure).
# sampling:
#   - match: { name: "db.*" }
#     rate: 0.1
`;
