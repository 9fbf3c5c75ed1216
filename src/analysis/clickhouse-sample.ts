// What a ClickHouse source cannot answer in SQL runs locally on a sample (issue 17): the
// critical-path walk (cost flags' on-path shares) and savings' latency re-timing are procedures
// over one event's span tree, not aggregates. clickhouse.sample_spans brings back the spans of a
// bounded, deterministic sample of whole events (all of them when there are at most `limit`;
// else the `limit` with the largest trace-id key, an MD5 of the trace id that DuckDB computes the
// same way: savings.latency_spans keys its sample on it); they go into an in-memory DuckDB with
// the same cost model installed from the same config, and the local code runs on it unchanged.
// At most `limit` events' spans cross the network, whatever the table holds.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Db } from "../db/db.js";
import { ensureSchema } from "../ingest/load.js";
import { installModel } from "../model/install.js";
import { modelQuery, type ClickHouseSession } from "./clickhouse.js";
import type { ChRow } from "../db/clickhouse.js";
import { analysisMemory } from "./inputs.js";

/** Events re-timed or walked locally by default (savings' --latency-sample default). */
export const DEFAULT_SAMPLE_EVENTS = 20_000;

export interface LocalSample {
  /** DuckDB with the sample's spans and the session's cost model installed (costed_spans, event_weights…). */
  db: Db;
  /** Events in the sample, and in the source's range. */
  events: number;
  allEvents: number;
  /** True when the range holds more events than the sample. */
  sampled: boolean;
}

/** The spans of up to `limit` whole events of the ClickHouse source, modelled locally, for fn. */
export async function withLocalSample<T>(session: ClickHouseSession, limit: number, fn: (sample: LocalSample) => Promise<T>): Promise<T> {
  const sample = await openLocalSample(session, limit);
  try {
    return await fn(sample);
  } finally {
    sample.close();
  }
}

/**
 * withLocalSample's sample, open until close(): for a command that walks and re-times the same
 * events (savings --suggest). With `whole`, the spans keep their resource attributes too
 * (clickhouse_report.sample_spans, for audit pii; a --map table has none).
 */
export async function openLocalSample(session: ClickHouseSession, limit: number, whole = false): Promise<LocalSample & { close(): void }> {
  const withResources = whole && !session.mapped;
  const rows = await modelQuery(session, withResources ? "clickhouse_report.sample_spans" : "sample_spans", { limit });
  const { db, close } = await modelLocally(session, rows, whole);
  const events = new Set(rows.map((r) => r.trace_id)).size;
  const allEvents = rows.length ? Number(rows[0]!.all_traces) : 0;
  return { db, events, allEvents, sampled: allEvents > events, close };
}

/**
 * Spans brought back from the source (sample.insert_spans' columns; with `whole`, resource
 * attributes too) in an in-memory DuckDB with the session's cost model installed, open until close().
 * `rows` may be a function of the DuckDB, run before the spans go in: it may put what the model
 * reads there first (cost reconcile's billing records) and then fetch the spans.
 */
export async function modelLocally(session: ClickHouseSession, rows: ChRow[] | ((db: Db) => Promise<ChRow[]>), whole = false): Promise<{ db: Db; close(): void }> {
  const work = mkdtempSync(join(tmpdir(), "adtrace-ch-sample-"));
  const close = () => rmSync(work, { recursive: true, force: true });
  let db: Db | undefined;
  try {
    db = await Db.open(analysisMemory());
    await ensureSchema(db);
    const spans = typeof rows === "function" ? await rows(db) : rows;
    const path = join(work, "spans.ndjson");
    writeFileSync(path, spans.map((r) => JSON.stringify(r)).join("\n") + "\n");
    await db.run(whole ? "sample.insert_whole_spans" : "sample.insert_spans", { path, source: session.source.label });
    await installModel(db, session.config, session.model);
    const opened = db;
    return { db: opened, close: () => { opened.close(); close(); } };
  } catch (error) {
    db?.close();
    close();
    throw error;
  }
}
