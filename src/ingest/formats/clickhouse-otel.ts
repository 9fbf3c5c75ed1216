// The OpenTelemetry Collector's ClickHouse exporter table, `otel_traces`, as files: what
// `clickhouse-client --query "SELECT * FROM otel_traces … FORMAT Parquet"` (or CSVWithNames)
// writes. Most of its columns map by name already (TraceId, SpanId, ParentSpanId, SpanName,
// ServiceName, SpanKind, StatusCode, Timestamp, SpanAttributes, ResourceAttributes, TraceState);
// this says what the names alone cannot: `Duration` is nanoseconds (the schema says so, no
// warning), the scope and the status message are the OTel attributes `otel.scope.name`,
// `otel.scope.version` and `otel.status_description`, and the nested Events.* and Links.* columns
// are dropped, as the OTLP readers drop events and links.

/** The columns that make a table the exporter's (its names, as ClickHouse spells them). */
const SIGNATURE = ["TraceId", "SpanId", "Timestamp", "Duration", "SpanAttributes", "ResourceAttributes"];

/** Columns kept as attributes under their OpenTelemetry names. */
const RENAMED: Record<string, string> = {
  ScopeName: "otel.scope.name",
  ScopeVersion: "otel.scope.version",
  StatusMessage: "otel.status_description",
};

export interface OtelTracesPlan {
  /** The column holding the duration in ns. */
  duration: string;
  /** Leftover column → attribute key. */
  renames: Record<string, string>;
  /** Columns that are not span attributes (events, links). */
  dropped: string[];
}

/** The plan for a table with the otel_traces columns, or undefined for any other table. */
export function otelTracesPlan(columns: readonly string[]): OtelTracesPlan | undefined {
  if (!SIGNATURE.every((name) => columns.includes(name))) return undefined;
  return {
    duration: "Duration",
    renames: Object.fromEntries(Object.entries(RENAMED).filter(([column]) => columns.includes(column))),
    dropped: columns.filter((c) => /^(Events|Links)(\.|$)/.test(c)),
  };
}

/**
 * A SQL expression turning ClickHouse's text form of a Map(String, String), as its CSV output
 * writes it (`{'key':'value',…}`, quotes and backslashes escaped with a backslash), into JSON
 * object text; `x` is a VARCHAR expression. The caller checks the result with json_valid.
 */
export function clickhouseMapJson(x: string): string {
  // " → \"; \' → U+0001 (kept aside); ' → "; U+0001 → '. \\ \n \t \r \b \f are JSON escapes as they are.
  return `replace(replace(replace(replace(${x}, '"', '\\"'), '\\''', chr(1)), '''', '"'), chr(1), '''')`;
}

/**
 * ClickHouse writes String columns to Parquet as raw bytes unless output_format_parquet_string_as_string
 * is set: DuckDB then reads BLOB (and MAP(BLOB, BLOB)), whose text cast escapes every non-ASCII
 * byte. For an otel_traces table, a relation over `relation` with those columns decoded as UTF-8
 * text (NULL where a value is not UTF-8); undefined when no column needs it. Only column names
 * DuckDB reported are written, quoted.
 */
export function otelTracesTextRelation(relation: string, columns: readonly { name: string; type: string }[]): string | undefined {
  if (!otelTracesPlan(columns.map((c) => c.name))) return undefined;
  const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;
  const replaced = columns.flatMap((c) => {
    const q = quote(c.name);
    if (c.type === "BLOB") return [`TRY(decode(${q})) AS ${q}`];
    if (/^MAP\(BLOB, BLOB\)$/.test(c.type)) {
      return [`map_from_entries(list_transform(map_entries(${q}), e -> {'key': TRY(decode(e.key)), 'value': TRY(decode(e.value))})) AS ${q}`];
    }
    return [];
  });
  return replaced.length ? `(SELECT * REPLACE (${replaced.join(", ")}) FROM ${relation})` : undefined;
}
