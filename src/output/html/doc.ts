// The report document the HTML pages are drawn from: report.json as written (numbers already at
// 12 significant digits), so that the page shows exactly what report.json says, however the
// report was made (a report run, or a side of a diff read from span data or a report directory).
import type { ReportData } from "../../analysis/report.js";

export interface ReportDocGroup {
  stage: string;
  events: number;
  cost_per_event_usd: number;
  cost_share: number;
  compute_per_event_usd: number;
  query_per_event_usd: number;
  p50_ms: number | null;
  p95_ms: number | null;
  p99_ms: number | null;
  warehouse: string | null;
}

/** The report's own header fields (ReportData, as report.json writes them), then the parts the pages draw. */
export interface ReportDoc extends Pick<ReportData, "adtrace_version" | "generated_at" | "inputs" | "config" | "events" | "spans" | "start" | "end" | "events_per_day" | "headline"> {
  breakdown: {
    groups: ReportDocGroup[];
    total: { cost_per_event_usd: number; compute_per_event_usd: number; query_per_event_usd: number; e2e_p50_ms: number | null; e2e_p95_ms: number | null; e2e_p99_ms: number | null };
    weights?: {
      weighted: boolean; stored_traces: number; estimated_events: number; stored_spans: number; estimated_spans: number;
      unknown_weight_spans: number; assumed_weight: number; disagreeing_traces: number; min_weight?: number; max_weight?: number;
    };
  };
  queries: { stage: string; warehouse: string; calls: number; cost_per_event_usd: number; cost_share: number; query: string }[];
  flags: { stage: string; cost_share: number; warehouse: string | null; top_query: string | null; top_query_cost_share: number | null; reason: string; lever: string; est_savings_per_event_usd: number }[];
  savings: {
    rows: { scenario: string; lever: string; lever_label: string; stage: string; cost_per_event_before_usd: number; cost_per_event_after_usd: number; savings_per_event_usd: number; savings_per_day_usd: number }[];
    scenarios: { name: string; assumptions?: string[] }[];
  };
}
