// A ClickHouse source on an analysis command (issue 17): `clickhouse://…`, `clickhouses://…` or
// `chdb:PATH` in place of span files, with --table, --since, --until and --timeout. The command
// keeps its own flags and view; this hands the work to the pushed-down analysis
// (src/analysis/clickhouse.ts) instead of a DuckDB session. Nothing heavy at import.
import type { Command } from "commander";
import { UsageError } from "../errors.js";
import type { BreakdownOptions } from "../analysis/breakdown.js";
import type { ModelOptions } from "../model/install.js";
import type { Optimize, Scenario } from "../analysis/savings.js";
import type { ClickHouseSession } from "../analysis/clickhouse.js";
import type { Config } from "../model/config.js";
import { note, type GlobalOptions } from "./shared.js";

export interface ClickHouseFlags {
  table?: string;
  since?: string;
  until?: string;
  timeout?: string;
}

/** The ClickHouse source's options, on a command that takes one. */
export function addClickHouseOptions(command: Command): Command {
  return command
    .option("--table <name>", "with a ClickHouse source: the spans table, NAME or DATABASE.NAME (default otel_traces)")
    .option("--since <when>", "with a ClickHouse source: only spans starting at or after WHEN (30m, 24h, 7d ago or an ISO-8601 time)")
    .option("--until <when>", "with a ClickHouse source: only spans starting before WHEN (same forms)")
    .option("--timeout <seconds>", "with a ClickHouse source: give up on a query after this many seconds");
}

/** Whether the inputs name a ClickHouse source; the ClickHouse-only flags are refused without one. */
export function isClickHouseRun(inputs: readonly string[], flags: ClickHouseFlags & GlobalOptions): boolean {
  const yes = inputs.some((input) => /^(clickhouses?:\/\/|chdb:)/i.test(input));
  if (!yes) {
    const given = (["table", "since", "until", "timeout"] as const).filter((k) => flags[k] !== undefined);
    if (given.length) throw new UsageError(`--${given[0]} applies to a ClickHouse source (clickhouse://…, clickhouses://… or chdb:PATH)`);
    return false;
  }
  if (flags.db) throw new UsageError("give a ClickHouse source or --db, not both");
  if (flags.billingFile?.length) throw new UsageError("--billing-file joins bills to span files; a ClickHouse source is priced from its spans alone");
  return true;
}

/**
 * Open the ClickHouse source of `inputs` with the config (--config, events per day from the
 * command line when given), run `fn` on the session and report under --debug what the engine
 * answered; the result, the config's source and the source's label.
 */
export async function onClickHouse<T>(
  inputs: string[], flags: ClickHouseFlags & GlobalOptions, model: ModelOptions,
  fn: (session: ClickHouseSession, config: Config) => Promise<T>, eventsPerDay?: number,
): Promise<{ result: T; config: string; label: string }> {
  const { parseClickHouseSource } = await import("../ingest/clickhouse-source.js");
  const { loadConfig } = await import("../model/config.js");
  const { withClickHouse } = await import("../analysis/clickhouse.js");
  const source = parseClickHouseSource(inputs, flags);
  const loaded = loadConfig(flags.config);
  const config = eventsPerDay === undefined ? loaded : { ...loaded, events_per_day: eventsPerDay };
  const result = await withClickHouse(source, config, model, async (session) => {
    const out = await fn(session, config);
    answered(flags, session);
    return out;
  });
  return { result, config: config.source, label: source.label };
}

/** `cost breakdown` over a ClickHouse source: the same result and view as over files or --db. */
export async function clickhouseBreakdown(inputs: string[], flags: ClickHouseFlags & GlobalOptions, breakdown: BreakdownOptions, model: ModelOptions) {
  const { clickhouseBreakdown: run } = await import("../analysis/clickhouse.js");
  const { STATEMENT_ATTRIBUTES } = await import("../model/defaults.js");
  const statement = breakdown.by?.find((key) => key.kind === "attr" && STATEMENT_ATTRIBUTES.includes(key.key));
  // The DuckDB path groups a statement attribute by its fingerprint; this path does not yet, and a raw statement must never reach an output.
  if (statement?.kind === "attr") throw new UsageError(`--by attr:${statement.key} is not supported with a ClickHouse source yet (use adtrace cost queries for statements by fingerprint)`);
  return onClickHouse(inputs, flags, model, (session) => run(session, breakdown));
}

/** `cost queries` over a ClickHouse source. */
export async function clickhouseQueries(inputs: string[], flags: ClickHouseFlags & GlobalOptions, top: number | undefined, model: ModelOptions) {
  const { clickhouseQueries: run } = await import("../analysis/clickhouse.js");
  return (await onClickHouse(inputs, flags, model, (session) => run(session, { top }))).result;
}

/** Under --debug, what the engine answered with (rows and bytes of JSON): the bench reads it. */
function answered(flags: GlobalOptions, session: { rowsReturned: number; bytesReturned: number }): void {
  if (flags.debug) note(flags, `clickhouse answered ${session.rowsReturned} rows, ${session.bytesReturned} bytes`);
}

/** `inspect` over a ClickHouse source: what the table holds, pushed down as aggregates. */
export async function clickhouseInspect(inputs: string[], flags: ClickHouseFlags & GlobalOptions, model: ModelOptions) {
  const { clickhouseInspect: run } = await import("../analysis/clickhouse-inspect.js");
  return (await onClickHouse(inputs, flags, model, (session) => run(session))).result;
}

/** `cost flags` over a ClickHouse source: the profiles pushed down, the on-path shares walked locally on a sample of whole events. */
export async function clickhouseFlags(inputs: string[], flags: ClickHouseFlags & GlobalOptions, eventsPerDay: number | undefined, model: ModelOptions) {
  const { clickhouseFlags: run } = await import("../analysis/clickhouse-flags.js");
  const { result, label } = await onClickHouse(inputs, flags, model, (session) => run(session), eventsPerDay);
  return { result, label };
}

/** When the on-path shares came from a sample of the events (more than the sample in range), a note saying so. */
export function onPathSampleNote(sample: { events: number; of_events: number } | null): string | undefined {
  if (!sample || sample.events >= sample.of_events) return undefined;
  return `On-path shares are estimated from ${sample.events.toLocaleString("en-US")} of ${sample.of_events.toLocaleString("en-US")} events (a deterministic sample keyed on the trace id, walked locally: the critical-path walk does not run in ClickHouse).`;
}

/** `savings` over a ClickHouse source: the interval's sums pushed down, the latency re-timed locally on a sample of whole events. */
export async function clickhouseSavings(
  inputs: string[], flags: ClickHouseFlags & GlobalOptions,
  options: { scenarios: Scenario[]; suggest: Optimize | undefined; latencyEvents: number | undefined },
  eventsPerDay: number | undefined, model: ModelOptions,
) {
  const { clickhouseSavings: run } = await import("../analysis/clickhouse-savings.js");
  const opened = await onClickHouse(inputs, flags, model, (session, config) =>
    run(session, { scenarios: options.scenarios, config, latencyEvents: options.latencyEvents, suggest: options.suggest }), eventsPerDay);
  return opened.result;
}
