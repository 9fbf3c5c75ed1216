// Presenter for `adtrace pull`: what was asked of the warehouse, what arrived, what was new, and
// where the next incremental pull will start. Arranges the core's PullResult; computes nothing.
import type { PullResult } from "../ingest/pull.js";
import type { TableResult } from "./result.js";
import { formatCount } from "./units.js";

export function pullSummary(result: PullResult): TableResult {
  const { load } = result;
  const heading = [
    load.spansAdded === 0 && result.rowsFetched > 0
      ? `Nothing new: the ${rows(result.rowsFetched)} read from ${result.table} ${result.rowsFetched === 1 ? "was" : "were"} already in ${result.db}.`
      : `Pulled ${formatCount(load.spansAdded)} new spans from ${result.table} into ${result.db} (now ${formatCount(result.totalSpans)}).`,
  ];
  const window = [result.from ? `start ≥ ${result.from}` : "", result.until ? `start < ${result.until}` : ""].filter(Boolean).join(" and ");
  const notes: string[] = [];
  if (result.incremental) notes.push(`incremental: asked only for rows from the last pull's high-water mark (${result.highWaterBefore}); --full re-pulls everything.`);
  else if (window) notes.push(`asked for rows with ${window}.`);
  if (result.highWaterAfter) notes.push(`next pull starts at ${result.highWaterAfter} (start column '${result.startColumn}').`);
  if (load.duplicates) {
    notes.push(`${rows(load.duplicates)} already stored (same trace_id and span_id) skipped${load.conflicts ? `, ${formatCount(load.conflicts)} of them with different content` : ""}` +
      `${result.incremental ? "; rows at the high-water mark are read again so that none arriving later with the same start is lost" : ""}.`);
  }
  if (load.skipped) notes.push(`${rows(load.skipped)} skipped (the first named in the "skipped:" lines).`);
  notes.push(...result.notes);
  return {
    heading,
    columns: [
      { key: "source", kind: "text", maxWidth: 60 },
      { key: "format", kind: "text" },
      { key: "rows_fetched", title: "rows", kind: "int" },
      { key: "spans_added", title: "added", kind: "int" },
      { key: "duplicates", kind: "int" },
      { key: "skipped", kind: "int" },
      { key: "from", kind: "text", machineOnly: true },
      { key: "until", kind: "text", machineOnly: true },
      { key: "high_water_mark", kind: "text", machineOnly: true },
    ],
    rows: [{
      source: result.source, format: result.format, rows_fetched: result.rowsFetched, spans_added: load.spansAdded,
      duplicates: load.duplicates, skipped: load.skipped, from: result.from ?? null, until: result.until ?? null,
      high_water_mark: result.highWaterAfter ?? null,
    }],
    notes,
    json: {
      db: result.db, source: result.source, table: result.table, format: result.format, start_column: result.startColumn,
      rows_fetched: result.rowsFetched, spans_added: load.spansAdded, duplicates: load.duplicates, conflicts: load.conflicts,
      skipped: load.skipped, incremental: result.incremental, from: result.from ?? null, until: result.until ?? null,
      high_water_mark_before: result.highWaterBefore ?? null, high_water_mark: result.highWaterAfter ?? null,
      total_spans: result.totalSpans, notes: result.notes, warnings: load.warnings,
    },
  };
}

const rows = (n: number) => `${formatCount(n)} row${n === 1 ? "" : "s"}`;
