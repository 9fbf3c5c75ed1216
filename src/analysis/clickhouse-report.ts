// `adtrace report` over a ClickHouse source (issue 17): the same bundle as report.ts's, its parts
// pushed down. Breakdown, queries, the flags' profiles, savings' interval sums and the SLOs are
// aggregates answered by the engine (clickhouse.ts, clickhouse-flags.ts, clickhouse-savings.ts,
// clickhouse-slo.ts); what is a procedure over each event's spans runs locally on ONE bounded,
// deterministic sample of whole events brought back once (clickhouse-sample.ts): the flags'
// critical-path walk, savings' re-timing and the PII audit. The audit's detectors (queries/pii.sql)
// are DuckDB's; over a range holding more events than the sample, it scans only the sample and
// says so (PiiResult.scanned: pii-view's verdict, summary.md, report.json). report.json's inputs
// record the source's label (never a password), table, time range and stored spans instead of
// files with sha256.
import { auditPii, type AuditOptions, type PiiResult } from "./pii.js";
import type { ClickHouseSession } from "./clickhouse.js";
import { clickhouseBreakdown, clickhouseQueries } from "./clickhouse.js";
import { clickhouseFlags } from "./clickhouse-flags.js";
import { clickhouseSavings } from "./clickhouse-savings.js";
import { clickhouseSlos } from "./clickhouse-slo.js";
import { DEFAULT_SAMPLE_EVENTS, openLocalSample, type LocalSample } from "./clickhouse-sample.js";
import { loadScenarioFile, scenarioFromFlags } from "./savings.js";
import { reportFrom, type ClickHouseInput, type ReportData } from "./report.js";

export interface ClickHouseReportOptions {
  scenario?: string;
  timestamp?: boolean;
  version: string;
  /** Whole events brought back for the local procedures (default DEFAULT_SAMPLE_EVENTS). */
  sampleEvents?: number;
}

/** The report's data from a ClickHouse source; the sample shared by flags, savings and pii is closed before it returns. */
export async function clickhouseReport(session: ClickHouseSession, options: ClickHouseReportOptions): Promise<ReportData> {
  const { config } = session;
  let opened: Promise<LocalSample & { close(): void }> | undefined;
  const sample = () => (opened ??= openLocalSample(session, options.sampleEvents ?? DEFAULT_SAMPLE_EVENTS, true));
  try {
    const breakdown = await clickhouseBreakdown(session, {});
    const { queries } = await clickhouseQueries(session);
    const { on_path_sample: _onPath, ...flags } = await clickhouseFlags(session, { sample });
    const scenarios = options.scenario ? loadScenarioFile(options.scenario) : [scenarioFromFlags(flags.flags)];
    const savings = await clickhouseSavings(session, { scenarios, config, sample });
    const stages = breakdown.groups.map((g) => g.keys.stage!).sort();
    const slos = config.slos.length ? await clickhouseSlos(session, { stages }) : undefined;
    const pii = await samplePii(await sample(), config.pii);
    return reportFrom({ breakdown, queries, flags, savings, slos, pii, inputs: [clickhouseInput(session, breakdown.totals.stored_spans)], config }, options);
  } finally {
    if (opened) (await opened).close();
  }
}

/** `audit pii` over a ClickHouse source: the detectors on a sample of whole events (all of them when the range holds at most `sampleEvents`). */
export async function clickhousePii(session: ClickHouseSession, options: AuditOptions & { sampleEvents?: number } = {}): Promise<PiiResult> {
  const sample = await openLocalSample(session, options.sampleEvents ?? DEFAULT_SAMPLE_EVENTS, true);
  try {
    return await samplePii(sample, session.config.pii, options);
  } finally {
    sample.close();
  }
}

async function samplePii(sample: LocalSample, pii: ClickHouseSession["config"]["pii"], options: AuditOptions = {}): Promise<PiiResult> {
  const result = await auditPii(sample.db, pii, options);
  return sample.sampled ? { ...result, scanned: { events: sample.events, of_events: sample.allEvents } } : result;
}

/** What report.json records of a ClickHouse source. */
export function clickhouseInput(session: ClickHouseSession, spans: number): ClickHouseInput {
  const { source } = session;
  const iso = (ns: bigint | undefined) => (ns === undefined ? null : new Date(Number(ns / 1_000_000n)).toISOString());
  return { path: source.label, table: `${source.database}.${source.table}`, since: iso(source.sinceNs), until: iso(source.untilNs), spans };
}
