// `adtrace diff` with a ClickHouse side (issue 17): either side, or both, may be a ClickHouse
// source (clickhouse://…, clickhouses://…, chdb:PATH) with its own time window; the other is read
// as diff reads it (span files, a .duckdb database, a report). A ClickHouse side is pushed down:
// its breakdown (clickhouse.breakdown) and Welch's per-group moments (clickhouse_diff.moments) come
// back as one row per group, and only a side of at most 5,000 events, the bootstrap's size,
// brings back one row per event (clickhouse_diff.events), as the local path reads them. No span
// leaves the engine. The side then goes through diff's own tests and gates (diffSides).
import { InputError, UsageError } from "../errors.js";
import type { ClickHouseSource } from "../ingest/clickhouse-source.js";
import { loadConfig } from "../model/config.js";
import { STATEMENT_ATTRIBUTES } from "../model/defaults.js";
import type { AnalysisOptions } from "./analysis.js";
import { keyParams, type GroupKey } from "./breakdown.js";
import { clickhouseBreakdown, modelQuery, withClickHouse, type Brought, type ClickHouseSession } from "./clickhouse.js";
import { BOOTSTRAP_MAX_EVENTS, diffSides, durationsFromRows, momentsFromRows, perEventFromRows, readSide, sideBreakdownOf, spansSide, type DiffOptions, type DiffResult, type Side } from "./diff.js";

/** The parsed ClickHouse source of each side that is one (none for a side read from files or a report). */
export interface DiffSources {
  baseline?: ClickHouseSource;
  current?: ClickHouseSource;
}

/** Per ClickHouse side, the breakdown rows its session brought back (a report of the same window reuses them: `diff --format html`). */
export type BroughtBySide = Partial<Record<"baseline" | "current", Brought>>;

/** What the engine answered for one side: the bench and --debug read it. */
export interface Answered {
  side: "baseline" | "current";
  label: string;
  rows: number;
  bytes: number;
}

/**
 * diff() where either side may be a ClickHouse source: each side read (pushed down when it is one,
 * else as diff reads it), then the same tests and gates. `onAnswered` hears, per ClickHouse side,
 * the rows and bytes the engine returned; `brought`, when given, gets each ClickHouse side's
 * breakdown rows.
 */
export async function diffWithSources(
  baseline: string, current: string, analysis: Omit<AnalysisOptions, "inputs" | "db">, options: DiffOptions, sources: DiffSources,
  onAnswered?: (answered: Answered) => void, brought?: BroughtBySide,
): Promise<DiffResult> {
  const read = async (which: "baseline" | "current", spec: string): Promise<Side> => {
    const source = sources[which];
    if (!source) return readSide(spec, analysis, options.by);
    if (brought) brought[which] = new Map();
    return clickhouseSide(source, analysis, options.by, (rows, bytes) => onAnswered?.({ side: which, label: source.label, rows, bytes }), brought?.[which]);
  };
  return diffSides(await read("baseline", baseline), await read("current", current), options);
}

/** One side of a diff read from ClickHouse: the breakdown and the tests' inputs, computed where the spans are. */
export async function clickhouseSide(
  source: ClickHouseSource, analysis: Omit<AnalysisOptions, "inputs" | "db">, by: GroupKey[], onAnswered?: (rows: number, bytes: number) => void, brought?: Brought,
): Promise<Side> {
  const statement = by.find((key) => key.kind === "attr" && STATEMENT_ATTRIBUTES.includes(key.key));
  // The local path groups a statement by its fingerprint; this one does not, and a raw statement must never reach an output.
  if (statement?.kind === "attr") throw new UsageError(`--by attr:${statement.key} is not supported with a ClickHouse side yet (group by stage, name, service or another attribute)`);
  const config = loadConfig(analysis.config);
  return withClickHouse(source, config, analysis.model ?? {}, async (session) => {
    session.breakdowns = brought;
    const side = await sessionSide(session, by);
    onAnswered?.(session.rowsReturned, session.bytesReturned);
    return side;
  });
}

/** clickhouseSide's statements over an open session (the HTTP tests record them over chDB). */
export async function sessionSide(session: ClickHouseSession, by: GroupKey[]): Promise<Side> {
  const { source } = session;
  const result = await clickhouseBreakdown(session, { by });
  const moments = momentsFromRows(await modelQuery(session, "clickhouse_diff.moments", keyParams(by)), by);
  let tests: Pick<Side, "moments" | "perEvent" | "durations"> = { moments };
  if (result.weights.stored_traces <= BOOTSTRAP_MAX_EVENTS) {
    const events = await modelQuery(session, "clickhouse_diff.events", { ...keyParams(by), max_events: BOOTSTRAP_MAX_EVENTS });
    // A table that grew between the statements (a live table, no --until) would pair one set
    // of events with another's breakdown: refused rather than mixed.
    if (events.length !== result.weights.stored_traces) {
      throw new InputError(source.label, `changed while diff read it (${result.weights.stored_traces} events, then ${events.length}): bound the window with --until`);
    }
    tests = { moments, ...eventsToTests(events, by, result.weights) };
  }
  return spansSide(source.label, sideBreakdownOf(result), tests);
}

type Tuple = unknown[];

/** clickhouse_diff.events' rows (one per event, its groups and spans as arrays) as the rows the local path's builders read. */
function eventsToTests(events: Record<string, unknown>[], by: GroupKey[], weights: Parameters<typeof durationsFromRows>[3]): Pick<Side, "perEvent" | "durations"> {
  const costRows: Record<string, unknown>[] = [];
  const e2eRows: Record<string, unknown>[] = [];
  const spanRows: Record<string, unknown>[] = [];
  for (const e of events) {
    e2eRows.push({ trace_id: e.trace_id, w: e.w, e2e_ns: e.e2e_ns });
    for (const [g1, g2, g3, cost] of e.group_costs as Tuple[]) costRows.push({ trace_id: e.trace_id, w: e.w, g1, g2, g3, cost_usd: cost });
    for (const [duration, weight, g1, g2, g3] of e.span_durations as Tuple[]) spanRows.push({ trace_id: e.trace_id, duration_ns: duration, weight, g1, g2, g3 });
  }
  return { perEvent: perEventFromRows(costRows, by), durations: durationsFromRows(e2eRows, spanRows, by, weights) };
}
