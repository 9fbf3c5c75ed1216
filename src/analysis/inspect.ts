// What a span source holds: counts, time range, formats read, duplicates and skipped records.
import type { Db } from "../db/db.js";
import type { LoadResult } from "../ingest/load.js";
import { pricingSummary, weightSummary, totals, type Pricing, type WeightSummary } from "./breakdown.js";
import { countCyclicSpans } from "../ingest/cycles.js";

export interface InspectResult {
  spans: number;
  traces: number;
  roots: number;
  orphans: number;
  /** Spans on a parent cycle or their own parent: neither roots nor orphans (ingest/cycles.ts). */
  cyclic: number;
  services: number;
  names: number;
  duplicates: number;
  conflicts: number;
  skipped: number;
  start: string | null;
  end: string | null;
  formats: { format: string; files: number; spans_read: number; duplicates: number; skipped: number }[];
  top_services: { service: string; spans: number; traces: number }[];
  /** Σ event weights: the real number of events the stored traces stand for. */
  estimated_events: number;
  estimated_spans: number;
  unknown_weight_spans: number;
  disagreeing_weight_traces: number;
  unpriced_spans: number;
  warnings: { message: string; count: number }[];
  skipped_examples: string[];
  /** The sampling summary the analysis commands report too (their footnotes come from it). */
  weights: WeightSummary;
  /** How the spans were priced and which attribute values were ignored, as every analysis reports it. */
  pricing: Pricing;
  /** Whether loads were redacted (load --redact, issue 20): inputs loaded, inputs redacted, how, and the key's id. */
  redaction: { inputs: number; redacted_inputs: number; modes: string | null; detectors: string | null; key_ids: string | null };
}

/** Needs the cost model installed (costed_spans), for weights and unpriced spans. */
export async function inspectSpans(db: Db, load?: LoadResult): Promise<InspectResult> {
  const weights = await weightSummary(db);
  const t = await totals(db);
  const [summary] = await db.query("inspect.summary");
  const formats = await db.query("inspect.loads");
  const services = await db.query("inspect.services", { limit: 10 });
  const total = (key: string) => formats.reduce((n, f) => n + Number(f[key] ?? 0), 0);
  return {
    spans: Number(summary!.spans),
    traces: Number(summary!.traces),
    roots: Number(summary!.roots),
    orphans: Number(summary!.orphans),
    cyclic: await countCyclicSpans(db, "all"),
    services: Number(summary!.services),
    names: Number(summary!.names),
    duplicates: total("duplicates"),
    conflicts: total("conflicts"),
    skipped: total("skipped"),
    start: (summary!.start as string | null) ?? null,
    end: (summary!.end as string | null) ?? null,
    formats: formats.map((f) => ({
      format: String(f.format), files: Number(f.files), spans_read: Number(f.spans_read),
      duplicates: Number(f.duplicates), skipped: Number(f.skipped),
    })),
    top_services: services.map((s) => ({ service: String(s.service), spans: Number(s.spans), traces: Number(s.traces) })),
    estimated_events: weights.estimated_events,
    estimated_spans: weights.estimated_spans,
    unknown_weight_spans: weights.unknown_weight_spans,
    disagreeing_weight_traces: weights.disagreeing_traces,
    unpriced_spans: t.unpriced_spans,
    warnings: load?.warnings ?? [],
    skipped_examples: load?.skippedExamples ?? [],
    weights,
    pricing: await pricingSummary(db),
    redaction: await redactionSummary(db, formats.reduce((n, f) => n + Number(f.files ?? 0), 0)),
  };
}

async function redactionSummary(db: Db, inputs: number): Promise<InspectResult["redaction"]> {
  const none = { inputs, redacted_inputs: 0, modes: null, detectors: null, key_ids: null };
  if (!Number(await db.scalar("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'redactions' AND NOT temporary"))) return none;
  const [r] = await db.query("pii.redaction_summary");
  return {
    inputs: Number(r!.inputs), redacted_inputs: Number(r!.redacted_inputs),
    modes: (r!.modes as string | null) ?? null, detectors: (r!.detectors as string | null) ?? null, key_ids: (r!.key_ids as string | null) ?? null,
  };
}
