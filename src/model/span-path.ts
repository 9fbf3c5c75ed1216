// Every event's critical path (critical-path.ts), walked once per model and kept per span and per
// event (queries/path.sql), so `cost critical-path`, `cost flags` and `savings --suggest` are
// aggregates over the model's rows. A stored model walks at load, in the transaction that stores it
// (storeModel); a session that computes its own model (files read in place, a database whose stored
// model does not serve) walks on its first need (ensurePathsWalked). Both run the same walk and write
// the same columns:
//   per span (costed_spans): critical_ns, its own time on the path; on_path, whether the walk
//     entered it; stage_path_w, the event's weight on one span per stage and event (0 on the
//     others); stage_on_path_w, the same where that stage is on the path. All NULL for spans not
//     walked: those of an event without a parentless span, and a span id's repeats;
//   per event (event_weights): path_ns, the path's length (NULL without a root), and orphan_spans,
//     extra_root_spans, cyclic_spans, the spans left out of it.
// Spans are read from DuckDB in batches of whole traces as numbers, walked and written back, so
// JavaScript never holds more than one batch.
import type { DuckDBAppender } from "@duckdb/node-api";
import type { Db } from "../db/db.js";
import { buildForest, criticalPath, type PathSpan } from "./critical-path.js";

/** Traces per batch read into JavaScript. */
export const DEFAULT_BATCH_TRACES = 20_000;

/** Walk every event of the model being stored (model_spans, event_weights) and write the results into it. */
export async function walkStoredPaths(db: Db, batchTraces = DEFAULT_BATCH_TRACES): Promise<void> {
  await db.run("path.source_stored");
  await walkAll(db, batchTraces, "path.update_stored");
}

/** In a session: walk unless this session's model already carries the walk (a stored model always does). */
export async function ensurePathsWalked(db: Db, batchTraces = DEFAULT_BATCH_TRACES): Promise<void> {
  if ((await db.query("path.walked"))[0]!.walked) return;
  await db.run("path.source_session");
  await walkAll(db, batchTraces, "path.update_session");
}

async function walkAll(db: Db, batchTraces: number, updateSpans: "path.update_stored" | "path.update_session"): Promise<void> {
  try {
    await db.run("path.prepare");
    await db.run("path.prepare_spans", { batch_traces: batchTraces });
    const batches = Number((await db.query("path.batches"))[0]!.n);
    const spansOut = await db.appender("_path_span_out", "temp");
    const eventsOut = await db.appender("_path_event_out", "temp");
    try {
      for (let batch = 0; batch < batches; batch++) await walkBatch(db, batch, spansOut, eventsOut);
      spansOut.flushSync();
      eventsOut.flushSync();
    } finally {
      spansOut.closeSync();
      eventsOut.closeSync();
    }
    await db.run("path.write_results");
    await db.run(updateSpans);
  } finally {
    await db.run("path.drop");
  }
}

interface BatchSpan extends PathSpan {
  id: number;
  sid: number;
  row: number;
}

/**
 * Walk every event of one batch and append its per-span and per-event results. Spans arrive as
 * numbers (path.prepare): a span's number follows its id's order, so the walk's tie-break on ids
 * holds; a parent not in the event is −1 (an orphan's top).
 */
async function walkBatch(db: Db, batch: number, spansOut: DuckDBAppender, eventsOut: DuckDBAppender): Promise<void> {
  const c = await db.columns("path.batch", { batch });
  const ord = c.ord as number[];
  const idx = c.idx as number[];
  const parentIdx = c.parent_idx as (number | null)[];
  const isRoot = c.is_root as boolean[];
  const start = c.start_ns as number[];
  const end = c.end_ns as number[];
  const sid = c.sid as number[];
  const rowId = c.row_id as number[];
  const weight = c.w as number[];
  const n = ord.length;
  for (let i = 0; i < n; ) {
    const event = ord[i]!;
    const w = weight[i]!;
    const spans: BatchSpan[] = [];
    for (; i < n && ord[i] === event; i++) {
      spans.push({ id: idx[i]!, parent: isRoot[i] ? null : parentIdx[i] ?? -1, start: start[i]!, end: end[i]!, sid: sid[i]!, row: rowId[i]! });
    }
    const path = criticalPath(spans);
    eventsOut.appendInteger(event);
    if (path.root) eventsOut.appendDouble(path.durationNs);
    else eventsOut.appendNull();
    eventsOut.appendInteger(path.orphanSpans);
    eventsOut.appendInteger(path.extraRootSpans);
    eventsOut.appendInteger(path.cyclicSpans);
    eventsOut.endRow();
    if (!path.root) continue;
    // Each stage of the event is carried by its first span (in span-id order); on the path when any of its spans is.
    const first = new Map<number, number>();
    const stageOn = new Set<number>();
    for (const node of path.forest.nodes) {
      if (!first.has(node.span.sid)) first.set(node.span.sid, node.index);
      if (path.onPath[node.index]) stageOn.add(node.span.sid);
    }
    for (const node of path.forest.nodes) {
      const carries = first.get(node.span.sid) === node.index;
      spansOut.appendDouble(node.span.row);
      spansOut.appendDouble(path.criticalNs[node.index]!);
      spansOut.appendBoolean(path.onPath[node.index] === 1);
      spansOut.appendDouble(carries ? w : 0);
      spansOut.appendDouble(carries && stageOn.has(node.span.sid) ? w : 0);
      spansOut.endRow();
    }
  }
}

/**
 * The walk's revision, for the model's digest: raise it whenever buildForest, criticalPath or
 * walkBatch would store anything differently, so databases stored before are recomputed. A number,
 * not the functions' text: that text is the compiler's (tsc's dist/ and a loader's transform of
 * src/ differ), and a digest that changed with the build rewrote every database another build
 * had stored, for nothing. test/walk-revision.test.ts fails when this file changes, to ask.
 */
export const WALK_REVISION = 1;
