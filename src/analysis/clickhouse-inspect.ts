// `inspect` pushed down to ClickHouse (issue 17): the figures of analysis/inspect.ts that a table
// can answer, as aggregates (queries/clickhouse.sql: inspect, inspect_services, inspect_cyclic,
// summary). What only a load knows (formats, duplicates, conflicts, skipped records, redaction)
// and what is not computed here (attribute values out of range) are null and named in
// `not_computed`, never zero.
import type { InspectResult } from "./inspect.js";
import { modelQuery, summary, type ClickHouseSession } from "./clickhouse.js";

/** The figures a ClickHouse source cannot give, with why (the view prints them plainly). */
export const NOT_COMPUTED = {
  duplicates: "duplicates, conflicts and skipped records are counted when files are loaded; a ClickHouse table has no load record",
  formats: "no files were read",
  redaction: "redaction is recorded by adtrace load; a ClickHouse table has no record of it",
  bad_values: "attribute values out of range (bad_values) are not listed for a ClickHouse source",
} as const;

type Unavailable = "duplicates" | "conflicts" | "skipped" | "formats" | "redaction";

export type ClickHouseInspectResult = Omit<InspectResult, Unavailable> & {
  duplicates: null;
  conflicts: null;
  skipped: null;
  formats: null;
  redaction: null;
  source: string;
  not_computed: string[];
};

/** `inspect` over a ClickHouse source: the counts, time range, top services, sampling and cost sources of the table (in --since/--until). */
export async function clickhouseInspect(session: ClickHouseSession): Promise<ClickHouseInspectResult> {
  const [r] = await modelQuery(session, "inspect");
  const services = await modelQuery(session, "inspect_services", { limit: 10 });
  // An empty range is an answer for inspect (zeros), not an error as for the cost commands.
  const { totals, weights, pricing } = Number(r!.spans) ? await summary(session) : empty(session);
  return {
    source: session.source.label,
    spans: Number(r!.spans),
    traces: Number(r!.traces),
    roots: Number(r!.roots),
    orphans: Number(r!.orphans),
    cyclic: Number(r!.spans) ? Number((await modelQuery(session, "inspect_cyclic"))[0]!.cyclic) : 0,
    services: Number(r!.services),
    names: Number(r!.names),
    duplicates: null,
    conflicts: null,
    skipped: null,
    start: isoMicros(r!.first_start_ns),
    end: isoMicros(r!.last_end_ns),
    formats: null,
    top_services: services.map((s) => ({ service: String(s.service), spans: Number(s.spans), traces: Number(s.traces) })),
    estimated_events: weights.estimated_events,
    estimated_spans: weights.estimated_spans,
    unknown_weight_spans: weights.unknown_weight_spans,
    disagreeing_weight_traces: weights.disagreeing_traces,
    unpriced_spans: totals.unpriced_spans,
    warnings: [],
    skipped_examples: [],
    weights,
    pricing,
    redaction: null,
    not_computed: Object.values(NOT_COMPUTED),
  };
}

function empty(session: ClickHouseSession): Pick<Awaited<ReturnType<typeof summary>>, "weights" | "pricing"> & { totals: { unpriced_spans: number } } {
  return {
    totals: { unpriced_spans: 0 },
    weights: {
      stored_traces: 0, estimated_events: 0, stored_spans: 0, estimated_spans: 0, min_weight: 0, max_weight: 0,
      unknown_weight_spans: 0, disagreeing_traces: 0, weighted: !session.model.unweighted, assumed_weight: session.model.assumeWeight ?? 1,
    },
    pricing: { cost_sources: { billed: 0, explicit: 0, price_book: 0, unpriced: 0 }, bad_values: [] },
  };
}

/**
 * A ns timestamp (decimal text) as inspect.summary writes it: strftime('%Y-%m-%dT%H:%M:%S.%fZ') of
 * make_timestamp(ns // 1000). DuckDB's `//` truncates toward zero, as BigInt's `/` does, so a time
 * before 1970 (a ClickHouse DateTime64 can hold one) keeps the same µs on both paths; the split
 * into seconds and µs below is floored, as a timestamp is.
 */
export function isoMicros(ns: unknown): string | null {
  if (ns === null || ns === undefined) return null;
  const us = BigInt(String(ns)) / 1000n;
  const seconds = us >= 0n ? us / 1_000_000n : -((-us + 999_999n) / 1_000_000n);
  const micros = us - seconds * 1_000_000n;
  return new Date(Number(seconds) * 1000).toISOString().replace(/\.\d{3}Z$/, `.${String(micros).padStart(6, "0")}Z`);
}
