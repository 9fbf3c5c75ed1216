// Presenters: turn a core result into a TableResult (columns with kinds, rows, heading, notes)
// that every format can render. No computing here beyond arranging what the core returned.
import type { InspectResult } from "../analysis/inspect.js";
import type { LoadDbResult } from "../ingest/load-db.js";
import type { TableResult } from "./result.js";
import { formatCount } from "./units.js";
import { pricingJson, pricingNotes, weightNotes, weightsJson } from "./cost-views.js";

export function inspectView(result: InspectResult): TableResult {
  // `key` is the JSON document's key (a dotted path into it), so CSV, Arrow and JSON name each
  // figure alike; `label` is what a person reads.
  const rows: { key: string; label: string; value: unknown; shown: string }[] = [
    { key: "spans", label: "spans", value: result.spans },
    { key: "traces", label: "traces", value: result.traces },
    { key: "estimated_events", label: "estimated events", value: result.estimated_events },
    { key: "roots", label: "roots", value: result.roots },
    { key: "orphans", label: "orphans", value: result.orphans },
    { key: "cyclic", label: "in parent cycles", value: result.cyclic },
    { key: "services", label: "services", value: result.services },
    { key: "names", label: "span names", value: result.names },
    { key: "duplicates", label: "duplicates", value: result.duplicates },
    { key: "conflicts", label: "conflicting duplicates", value: result.conflicts },
    { key: "skipped", label: "skipped records", value: result.skipped },
    { key: "cost_sources.billed", label: "priced by billing records", value: result.pricing.cost_sources.billed },
    { key: "cost_sources.explicit", label: "priced by cost attributes", value: result.pricing.cost_sources.explicit },
    { key: "cost_sources.price_book", label: "priced by the price book", value: result.pricing.cost_sources.price_book },
    { key: "unpriced_spans", label: "unpriced spans", value: result.unpriced_spans },
    { key: "unknown_weight_spans", label: "unknown sampling weight", value: result.unknown_weight_spans },
    { key: "start", label: "start", value: result.start },
    { key: "end", label: "end", value: result.end },
    { key: "formats", label: "formats", value: result.formats },
    { key: "top_services", label: "top services", value: result.top_services },
  ].map((r) => ({ ...r, shown: typeof r.value === "number" ? formatCount(r.value) : typeof r.value === "string" ? r.value : "" }));
  const formats = rows.find((r) => r.key === "formats")!;
  formats.shown = result.formats.map((f) => `${f.format} (${f.files} file${f.files === 1 ? "" : "s"})`).join(", ");
  rows.find((r) => r.key === "top_services")!.shown = result.top_services.map((s) => `${s.service || "(none)"} ${formatCount(s.spans)}`).join(", ");
  const red = result.redaction;
  const redacted = red.redacted_inputs === 0 ? "no" : `${red.redacted_inputs === red.inputs ? "yes" : `partly: ${red.redacted_inputs} of ${red.inputs} inputs`} (${red.detectors}; key id ${red.key_ids})`;
  rows.push({ key: "redaction", label: "redacted", value: red, shown: redacted });
  const notes = [
    ...pricingNotes(result.pricing),
    ...weightNotes(result.weights),
    ...result.warnings.map((w) => `warning: ${w.message} (${w.count})`),
    ...result.skipped_examples.map((e) => `skipped: ${e}`),
  ];
  return {
    // Machine formats take the value as it is (a list as its JSON); people get thousands separators.
    columns: [
      { key: "label", title: "", kind: "text", humanOnly: true },
      { key: "key", kind: "text", machineOnly: true },
      { key: "shown", title: "", kind: "text", humanOnly: true },
      { key: "value", kind: "text", machineOnly: true },
    ],
    rows,
    notes,
    json: (({ pricing, ...rest }) => ({ ...rest, weights: weightsJson(result.weights), ...pricingJson(pricing) }))(result),
  };
}

const plural = (n: number, noun: string) => `${formatCount(n)} ${noun}${n === 1 ? "" : "s"}`;

export function loadSummary(result: LoadDbResult): TableResult {
  const { load } = result;
  const heading = [
    load.spansAdded === 0 && load.spansRead > 0
      ? `Nothing new: all ${formatCount(load.spansRead)} spans were already in ${result.db}.`
      : `Loaded ${formatCount(load.spansAdded)} new spans into ${result.db} (now ${formatCount(result.totalSpans)}).`,
  ];
  const notes: string[] = [];
  if (load.duplicates) notes.push(`${plural(load.duplicates, "duplicate span")} skipped (same trace_id and span_id; the first copy is kept)${load.conflicts ? `, ${formatCount(load.conflicts)} of them with different content` : ""}.`);
  if (load.skipped) notes.push(`${plural(load.skipped, "record")} skipped as not spans (the first named in the "skipped:" lines).`);
  if (load.ignoredFiles.length) notes.push(`ignored ${load.ignoredFiles.length} file(s) that hold no span format: ${load.ignoredFiles.slice(0, 5).join(", ")}${load.ignoredFiles.length > 5 ? ", …" : ""}`);
  return {
    heading,
    columns: [
      { key: "source", kind: "text", maxWidth: 48 },
      { key: "format", kind: "text" },
      { key: "bytes", kind: "bytes" },
      { key: "spans_read", title: "read", kind: "int" },
      { key: "spans_added", title: "added", kind: "int" },
      { key: "duplicates", kind: "int" },
      { key: "skipped", kind: "int" },
      { key: "sha256", kind: "text", machineOnly: true },
    ],
    rows: load.files.map((f) => ({
      source: f.source, format: f.format, bytes: f.bytes, spans_read: f.spansRead, spans_added: f.spansAdded,
      duplicates: f.duplicates, skipped: f.skipped, sha256: f.sha256,
    })),
    notes,
    json: {
      db: result.db,
      total_spans: result.totalSpans,
      files: load.files.map((f) => ({
        source: f.source, format: f.format, bytes: f.bytes, sha256: f.sha256, spans_read: f.spansRead, spans_added: f.spansAdded,
        duplicates: f.duplicates, conflicts: f.conflicts, skipped: f.skipped,
      })),
      spans_read: load.spansRead,
      spans_added: load.spansAdded,
      duplicates: load.duplicates,
      conflicts: load.conflicts,
      skipped: load.skipped,
      cyclic: load.cyclic ?? 0,
      skipped_examples: load.skippedExamples,
      warnings: load.warnings,
      ignored_files: load.ignoredFiles,
    },
  };
}
