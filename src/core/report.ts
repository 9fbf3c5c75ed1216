// `adtrace report`: one bundle for CI — breakdown.csv, queries.csv, flags.csv, savings.csv,
// report.json (all of it plus metadata) and summary.md — written into a temporary directory
// and renamed into place, so a failed run never leaves half a report. The same inputs and
// config give byte-identical files apart from generated_at (omitted with timestamp: false).
import { createHash } from "node:crypto";
import { createReadStream, existsSync, mkdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { Analysis } from "./analysis.js";
import { breakdown, warehouseQueries, type BreakdownResult, type QueryRow } from "./breakdown.js";
import { costFlags, type FlagsResult } from "./flags.js";
import { loadScenarioFile, savings, suggestedScenario, type SavingsResult } from "./savings.js";
import { configDigest } from "../model/config.js";
import { expandInputs } from "../ingest/files.js";
import { onInterrupt } from "./interrupt.js";

export interface ReportOptions {
  inputs: readonly string[];
  db?: string;
  scenario?: string;
  eventsPerDay?: number;
  timestamp?: boolean;
  version: string;
}

export interface ReportData {
  adtrace_version: string;
  generated_at?: string;
  inputs: { path: string; bytes: number; sha256: string }[];
  config: { source: string; digest: string };
  events: number;
  spans: number;
  start: string | null;
  end: string | null;
  events_per_day: number;
  headline: {
    cost_per_event_usd: number;
    cost_per_day_usd: number;
    flagged_stages: string[];
    top_saving: { scenario: string; lever: string; stage: string; savings_per_day_usd: number } | null;
  };
  breakdown: BreakdownResult;
  queries: QueryRow[];
  flags: FlagsResult;
  savings: SavingsResult;
}

/** Everything a report holds, computed in one analysis session. */
export async function collectReport(analysis: Analysis, options: ReportOptions): Promise<ReportData> {
  const { db, config } = analysis;
  const eventsPerDay = options.eventsPerDay ?? config.events_per_day;
  const bd = await breakdown(db, {});
  const queries = (await warehouseQueries(db)).queries;
  const flags = await costFlags(db, config);
  const scenarios = options.scenario ? loadScenarioFile(options.scenario) : [await suggestedScenario(db, config)];
  const sv = await savings(db, { scenarios, eventsPerDay, config });
  const leverRows = sv.rows.filter((r) => r.lever !== "total").sort((a, b) => b.savings_per_day_usd - a.savings_per_day_usd);
  const top = leverRows[0];
  const inputFiles = options.db ? [options.db] : (await expandInputs(options.inputs)).map((f) => f.path);
  return {
    adtrace_version: options.version,
    ...(options.timestamp === false ? {} : { generated_at: new Date().toISOString() }),
    inputs: await Promise.all(inputFiles.map(describeFile)),
    config: { source: config.source, digest: configDigest(config) },
    events: bd.totals.events,
    spans: bd.totals.spans,
    start: bd.totals.start,
    end: bd.totals.end,
    events_per_day: eventsPerDay,
    headline: {
      cost_per_event_usd: bd.totals.cost_per_event_usd,
      cost_per_day_usd: bd.totals.cost_per_event_usd * eventsPerDay,
      flagged_stages: flags.flags.map((f) => f.stage),
      top_saving: top ? { scenario: top.scenario, lever: top.lever, stage: top.stage, savings_per_day_usd: top.savings_per_day_usd } : null,
    },
    breakdown: bd,
    queries,
    flags,
    savings: sv,
  };
}

async function describeFile(path: string): Promise<{ path: string; bytes: number; sha256: string }> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return { path, bytes: statSync(path).size, sha256: hash.digest("hex") };
}

/** Write files into `dir` atomically: a sibling temporary directory renamed over it. */
export function writeBundle(dir: string, files: Record<string, string>): void {
  const target = resolve(dir);
  const parent = dirname(target);
  if (!existsSync(parent)) mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.${basename(target)}.tmp-${process.pid}`);
  const old = join(parent, `.${basename(target)}.old-${process.pid}`);
  const cleanup = () => rmSync(tmp, { recursive: true, force: true });
  const release = onInterrupt(cleanup);
  try {
    mkdirSync(tmp);
    for (const [name, content] of Object.entries(files)) writeFileSync(join(tmp, name), content);
    if (existsSync(target)) renameSync(target, old);
    renameSync(tmp, target);
    rmSync(old, { recursive: true, force: true });
  } catch (error) {
    cleanup();
    if (existsSync(old) && !existsSync(target)) renameSync(old, target);
    throw error;
  } finally {
    release();
  }
}
