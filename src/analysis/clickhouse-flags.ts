// `cost flags` pushed down to ClickHouse (issue 17): the stage profiles (cost and warehouse
// shares, bytes and warehouse calls per event, the costliest fingerprint with its calls and
// distinct statements) and the whole input's figures come back from one statement
// (clickhouse.flags), one row per stage; the thresholds, levers and estimates are flags.ts's. The
// on-path share of a flagged stage needs the critical-path walk, a procedure over each event's
// span tree that ClickHouse SQL does not express: it runs locally, on the spans of a bounded
// deterministic sample of whole events (clickhouse-sample.ts) — exact when the range holds at most
// that many events, an estimate from the sample otherwise (FlagsResult.on_path_sample says which).
import { flagsOnPath, toProfile, type FlagsResult } from "./flags.js";
import { onPathShareByStage } from "./path-cost.js";
import { modelQuery, summary, summaryFromRow, type ClickHouseSession } from "./clickhouse.js";
import { DEFAULT_SAMPLE_EVENTS, withLocalSample, type LocalSample } from "./clickhouse-sample.js";

export interface ClickHouseFlagsOptions {
  /** Events walked locally for the on-path shares (default DEFAULT_SAMPLE_EVENTS). */
  sampleEvents?: number;
  /** A sample already brought back (savings --suggest re-times the same events): walked instead of pulling one. */
  sample?: () => Promise<LocalSample>;
}

/** `cost flags` over a ClickHouse source: the same result as flags.ts's costFlags(), with how the on-path shares were found. */
export async function clickhouseFlags(session: ClickHouseSession, options: ClickHouseFlagsOptions = {}): Promise<FlagsResult> {
  const rows = await modelQuery(session, "flags");
  const { totals, weights, pricing } = rows.length ? summaryFromRow(session, rows[0]) : await summary(session);
  const profiles = rows.map(toProfile);
  let onPathSample: { events: number; of_events: number } | null = null;
  const walk = async (sample: LocalSample) => {
    onPathSample = { events: sample.events, of_events: sample.allEvents };
    return onPathShareByStage(sample.db);
  };
  const flags = await flagsOnPath(profiles, session.config, async () =>
    options.sample ? walk(await options.sample()) : withLocalSample(session, options.sampleEvents ?? DEFAULT_SAMPLE_EVENTS, walk));
  return {
    flags,
    profiles,
    events: totals.events,
    cost_per_event_usd: totals.cost_per_event_usd,
    events_per_day: session.config.events_per_day,
    thresholds: session.config.flags,
    weights,
    pricing,
    on_path_sample: onPathSample,
  };
}
