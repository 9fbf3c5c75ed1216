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
  const lookback = lengthText(result.lookbackMs);
  const column = `${result.watermarkKind} column '${result.watermarkColumn}'`;
  const notes: string[] = [];
  if (result.incremental) {
    notes.push(result.watermarkKind === "ingestion"
      ? `incremental: asked for rows that landed from ${lookback} before the last pull's high-water mark (${result.highWaterBefore}, ${column}) on, and rows with no '${result.watermarkColumn}'${window ? `, with ${window}` : ""}; --full re-pulls everything.`
      : `incremental: asked for rows from ${lookback} before the last pull's high-water mark (${result.highWaterBefore}) on: ${window}; --full re-pulls everything.`);
    notes.push(`the overlap re-read ${rows(result.overlapRows)} at or before that mark: ${formatCount(result.lateRows)} of them new (landed late), the rest already stored${result.lookbackMs === 0 ? " (--lookback 0: rows that land later with an older mark are not seen)" : ""}.`);
  } else if (window) notes.push(`asked for rows with ${window}.`);
  if (result.highWaterAfter) notes.push(`high-water mark ${result.highWaterAfter} (${column}); the next pull reads from ${lookback === "0" ? "it" : `${lookback} before it`}.`);
  if (load.duplicates) {
    notes.push(`${rows(load.duplicates)} already stored (same trace_id and span_id) skipped${load.conflicts ? `, ${formatCount(load.conflicts)} of them with different content` : ""}.`);
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
      { key: "watermark_column", kind: "text", machineOnly: true },
      { key: "overlap_rows", kind: "int", machineOnly: true },
      { key: "late_rows", kind: "int", machineOnly: true },
    ],
    rows: [{
      source: result.source, format: result.format, rows_fetched: result.rowsFetched, spans_added: load.spansAdded,
      duplicates: load.duplicates, skipped: load.skipped, from: result.from ?? null, until: result.until ?? null,
      high_water_mark: result.highWaterAfter ?? null, watermark_column: result.watermarkColumn,
      overlap_rows: result.overlapRows, late_rows: result.lateRows,
    }],
    notes,
    json: {
      db: result.db, source: result.source, table: result.table, format: result.format, start_column: result.startColumn,
      rows_fetched: result.rowsFetched, spans_added: load.spansAdded, duplicates: load.duplicates, conflicts: load.conflicts,
      skipped: load.skipped, incremental: result.incremental, from: result.from ?? null, until: result.until ?? null,
      landed_from: result.landedFrom ?? null, watermark_column: result.watermarkColumn, watermark_kind: result.watermarkKind,
      lookback_ms: result.lookbackMs, overlap_rows: result.overlapRows, late_rows: result.lateRows,
      high_water_mark_before: result.highWaterBefore ?? null, high_water_mark: result.highWaterAfter ?? null,
      total_spans: result.totalSpans, notes: result.notes, warnings: load.warnings,
    },
  };
}

/** A length of time as --lookback takes it: 1h, 15m, 90s, 0. */
function lengthText(ms: number): string {
  if (ms === 0) return "0";
  for (const [unit, size] of [["w", 604_800_000], ["d", 86_400_000], ["h", 3_600_000], ["m", 60_000], ["s", 1000]] as const) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms} ms`;
}

const rows = (n: number) => `${formatCount(n)} row${n === 1 ? "" : "s"}`;
