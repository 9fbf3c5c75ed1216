// diff's ClickHouse sides (issue 17): which of BASELINE and CURRENT name a ClickHouse source
// (clickhouse://…, clickhouses://…, chdb:PATH) and the window each reads. A pure function of the
// command line: nothing connects here, and every mistake is one UsageError line.
//  - --since/--until bound the current side, and the baseline too when it is ClickHouse and has
//    no window of its own; --baseline-since/--baseline-until give the baseline its own window
//    (refused when the baseline is not ClickHouse). --table, --timeout and --map apply to each
//    ClickHouse side.
//  - A window with a start and no end ends at `now`, fixed once for both sides, so a live table
//    read by several statements answers each of them over the same spans.
//  - Two windows of the same table that overlap are refused: the usual question is "the last
//    24 h against the 24 h before", and an overlap would compare spans with themselves.
import { UsageError } from "../errors.js";
import type { DiffSources } from "../analysis/clickhouse-diff.js";
import { isClickHouseInput, parseClickHouseSource, type ClickHouseSource } from "../ingest/clickhouse-source.js";
import type { GlobalOptions } from "./shared.js";

export interface DiffClickHouseFlags {
  table?: string;
  since?: string;
  until?: string;
  baselineSince?: string;
  baselineUntil?: string;
  timeout?: string;
}

const SOURCES = "clickhouse://…, clickhouses://… or chdb:PATH";

export function diffSources(sides: { baseline: string; current: string }, flags: DiffClickHouseFlags, globals: GlobalOptions, now: Date): DiffSources {
  const baselineIsCh = isClickHouseInput(sides.baseline);
  const currentIsCh = isClickHouseInput(sides.current);
  const baselineWindow = flags.baselineSince !== undefined || flags.baselineUntil !== undefined;
  if (baselineWindow && !baselineIsCh) {
    const flag = flags.baselineSince !== undefined ? "--baseline-since" : "--baseline-until";
    throw new UsageError(`${flag} bounds a ClickHouse baseline (${SOURCES}); BASELINE '${sides.baseline}' is not one`);
  }
  if (!baselineIsCh && !currentIsCh) {
    const given = (["table", "since", "until", "timeout"] as const).filter((k) => flags[k] !== undefined);
    if (given.length) throw new UsageError(`--${given[0]} applies to a ClickHouse side (${SOURCES}); neither BASELINE nor CURRENT is one`);
    return {};
  }
  if (!currentIsCh && baselineWindow && (flags.since !== undefined || flags.until !== undefined)) {
    const flag = flags.since !== undefined ? "--since" : "--until";
    throw new UsageError(`${flag} bounds the current side, and CURRENT '${sides.current}' is not a ClickHouse source (the baseline's window is --baseline-since/--baseline-until)`);
  }
  if (globals.billingFile?.length) throw new UsageError("--billing-file joins bills to span files; a ClickHouse side is priced from its spans alone");
  const parse = (spec: string, since: string | undefined, until: string | undefined, sinceFlag: string, untilFlag: string): ClickHouseSource => {
    // Each window's own flags named in its messages (parseClickHouseSource words them --since/--until).
    try {
      const source = parseClickHouseSource([spec], { table: flags.table, since, until, timeout: flags.timeout, map: globals.map }, process.env, now);
      if (source.sinceNs !== undefined && source.untilNs === undefined) source.untilNs = BigInt(now.getTime()) * 1_000_000n;
      return source;
    } catch (error) {
      if (error instanceof UsageError && sinceFlag !== "--since") {
        throw new UsageError(error.message.replace(/--since\b/g, sinceFlag).replace(/--until\b/g, untilFlag), { cause: error });
      }
      throw error;
    }
  };
  const sources: DiffSources = {};
  if (baselineIsCh) {
    sources.baseline = baselineWindow
      ? parse(sides.baseline, flags.baselineSince, flags.baselineUntil, "--baseline-since", "--baseline-until")
      : parse(sides.baseline, flags.since, flags.until, "--since", "--until");
  }
  if (currentIsCh) sources.current = parse(sides.current, flags.since, flags.until, "--since", "--until");
  if (sources.baseline && sources.current && sameTable(sources.baseline, sources.current) && overlap(sources.baseline, sources.current)) {
    throw new UsageError(
      `BASELINE and CURRENT read overlapping windows of ${sources.current.label.replace(/ \(.*\)$/, "")}: give the baseline an earlier window, e.g. --since 24h --baseline-since 48h --baseline-until 24h`,
    );
  }
  return sources;
}

/** Whether two sources read the same table (same server or data directory, database and table). */
function sameTable(a: ClickHouseSource, b: ClickHouseSource): boolean {
  const where = (s: ClickHouseSource) => (s.kind === "http" ? `${s.url} ${s.username}` : `chdb ${s.path}`);
  return where(a) === where(b) && a.database === b.database && a.table === b.table && JSON.stringify(a.map) === JSON.stringify(b.map);
}

/** Whether windows [since, until) overlap (a missing bound is open). */
function overlap(a: ClickHouseSource, b: ClickHouseSource): boolean {
  const start = (s: ClickHouseSource) => s.sinceNs ?? -(2n ** 63n);
  const end = (s: ClickHouseSource) => s.untilNs ?? 2n ** 63n;
  const lo = start(a) > start(b) ? start(a) : start(b);
  const hi = end(a) < end(b) ? end(a) : end(b);
  return lo < hi;
}
