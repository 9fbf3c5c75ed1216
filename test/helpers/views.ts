// What view tests build results from by hand (views-29, views-29b).
import type { WeightSummary } from "../../src/analysis/breakdown.js";

/** Unsampled data: every stored trace and span counts once (no weight note). */
export const unsampled = (traces: number, spans: number): WeightSummary => ({
  stored_traces: traces, estimated_events: traces, stored_spans: spans, estimated_spans: spans,
  min_weight: 1, max_weight: 1, unknown_weight_spans: 0, disagreeing_traces: 0, weighted: true, assumed_weight: 1,
});
