// `adtrace report`: one bundle for CI — breakdown.csv, queries.csv, flags.csv, savings.csv,
// report.json (all of it plus metadata) and summary.md — written into a temporary directory
// and renamed into place, so a failed run never leaves half a report. The same inputs and
// config give byte-identical files apart from generated_at (omitted with timestamp: false).
import { createHash } from "node:crypto";
import { createReadStream, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import type { Analysis } from "./analysis.js";
import { breakdown, warehouseQueries, type BreakdownResult, type QueryRow } from "./breakdown.js";
import { costFlags, type FlagsResult } from "./flags.js";
import { loadScenarioFile, savings, suggestedScenario, type SavingsResult } from "./savings.js";
import { configDigest, type Config } from "../model/config.js";
import { checkSlos, type SloResult } from "./slo.js";
import { expandInputs } from "../ingest/files.js";
import { onInterrupt, testHold } from "../db/interrupt.js";
import { noRoomError, UsageError } from "../errors.js";
import { auditPii, type PiiResult } from "./pii.js";

export interface ReportOptions {
  inputs: readonly string[];
  db?: string;
  scenario?: string;
  timestamp?: boolean;
  version: string;
}

export interface ReportData extends Pick<ReportParts, "breakdown" | "queries" | "flags" | "savings" | "slos" | "pii"> {
  adtrace_version: string;
  generated_at?: string;
  /** The span files (or --db) read, with sizes and sha256; or the ClickHouse source (clickhouse-report.ts). */
  inputs: ReportInput[];
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
}

/** A file a report read. */
export interface FileInput {
  path: string;
  bytes: number;
  sha256: string;
}

/** A ClickHouse source a report read: its label (never a password), table, time range and the spans in it. */
export interface ClickHouseInput {
  path: string;
  table: string;
  since: string | null;
  until: string | null;
  /** Stored spans in the range (one per trace and span id). */
  spans: number;
}

export type ReportInput = FileInput | ClickHouseInput;

/** The parts a report is made of, however they were computed (a DuckDB session, or pushed down to ClickHouse). */
export interface ReportParts {
  breakdown: BreakdownResult;
  queries: QueryRow[];
  flags: FlagsResult;
  savings: SavingsResult;
  /** The config's SLOs over the whole data, when it has any (issue 18). */
  slos?: SloResult;
  /** Where personal data flows (audit pii, issue 20): pii.csv and a summary section. */
  pii: PiiResult;
  inputs: ReportInput[];
  config: Config;
}

/** Everything a report holds, computed in one analysis session. */
export async function collectReport(analysis: Analysis, options: ReportOptions): Promise<ReportData> {
  const { db, config } = analysis;
  // One volume for every part (flag estimates, savings, the headline): --events-per-day reaches
  // them through the session's config (AnalysisOptions.eventsPerDay).
  const bd = await breakdown(db, {});
  const queries = (await warehouseQueries(db)).queries;
  const flags = await costFlags(db, config);
  const scenarios = options.scenario ? loadScenarioFile(options.scenario) : [await suggestedScenario(db, config)];
  const sv = await savings(db, { scenarios, config });
  const slos = config.slos.length ? await checkSlos(db, config) : undefined;
  const pii = await auditPii(db, config.pii);
  // Standard input is recorded as `-`, so a report of the same bytes is byte-identical however
  // they arrived. A pipe cannot be read again: its size and hash are the ones the load took.
  const inputs = options.db
    ? [await describeFile({ path: options.db, label: options.db })]
    : await Promise.all((await expandInputs(options.inputs)).map(async (f) => {
      const label = f.isStdin ? "-" : f.path;
      const loaded = f.isStream ? analysis.load?.files.find((l) => l.source === f.name) : undefined;
      return loaded ? { path: label, bytes: loaded.bytes, sha256: loaded.sha256 } : describeFile({ path: f.path, label });
    }));
  return reportFrom({ breakdown: bd, queries, flags, savings: sv, slos, pii, inputs, config }, options);
}

/** The report from its parts: the headline (cost per day, flagged stages, the top saving) and the metadata. */
export function reportFrom(parts: ReportParts, options: { timestamp?: boolean; version: string }): ReportData {
  const { breakdown: bd, queries, flags, savings: sv, slos, pii, inputs, config } = parts;
  const eventsPerDay = config.events_per_day;
  // The top saving: the single lever (never a scenario's total row) that saves most a day, over
  // every scenario. A lever that costs more than it saves (a preaggregation whose refreshes cost
  // more) is no saving: with none that saves, the headline names none.
  const leverRows = sv.rows.filter((r) => r.lever !== "total" && r.savings_per_day_usd > 0).sort((a, b) => b.savings_per_day_usd - a.savings_per_day_usd);
  const top = leverRows[0];
  return {
    adtrace_version: options.version,
    ...(options.timestamp === false ? {} : { generated_at: new Date().toISOString() }),
    inputs,
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
    ...(slos ? { slos } : {}),
    pii,
  };
}

async function describeFile({ path, label }: { path: string; label: string }): Promise<{ path: string; bytes: number; sha256: string }> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return { path: label, bytes: statSync(path).size, sha256: hash.digest("hex") };
}

// The files a bundle holds (this version's and any earlier one's): a directory holding only
// these, with a report.json that says adtrace wrote it, is an earlier bundle and may be replaced.
const BUNDLE_FILES = new Set(["breakdown.csv", "queries.csv", "flags.csv", "savings.csv", "slos.csv", "report.json", "summary.md", "report.html", "pii.csv"]);

/**
 * Write files into `dir` atomically: a sibling temporary directory renamed over it. Parents are
 * created. An existing `dir` is replaced only when it is empty or an earlier adtrace bundle;
 * anything else is refused, so a mistyped --out-dir never deletes a user's files. A disk that
 * fills up on the way is an InputError naming `dir`, with nothing left behind.
 */
export async function writeBundle(dir: string, files: Record<string, string>): Promise<void> {
  const target = resolve(dir);
  const replacing = checkBundleDir(dir);
  const parent = dirname(target);
  try {
    mkdirSync(parent, { recursive: true });
  } catch (error) {
    throw new UsageError(`--out-dir ${dir}: cannot create ${parent} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  const tmp = mkdtempSync(join(parent, `.${basename(target)}.tmp-`));
  const old = `${tmp}.old`;
  const cleanup = () => {
    rmSync(tmp, { recursive: true, force: true });
    if (existsSync(old) && !existsSync(target)) renameSync(old, target);
    rmSync(old, { recursive: true, force: true });
  };
  const release = onInterrupt(cleanup);
  try {
    for (const [name, content] of Object.entries(files)) writeFileSync(join(tmp, name), content);
    await testHold("output-written");
    if (replacing) renameSync(target, old);
    renameSync(tmp, target);
    rmSync(old, { recursive: true, force: true });
  } catch (error) {
    cleanup();
    throw noRoomError(error, dir) ?? error;
  } finally {
    release();
  }
}

/**
 * Whether `dir` exists and may be replaced (empty, or an earlier bundle); throws a UsageError
 * when it must not be. Commands call it before the analysis too, so a refusal costs nothing.
 */
export function checkBundleDir(dir: string): boolean {
  if (dir === "") throw new UsageError("--out-dir needs a directory name (it was empty)");
  const target = resolve(dir);
  let stat;
  try {
    stat = lstatSync(target);
  } catch {
    // Nothing there yet: it will be created with its parents, if the nearest that exists is a directory.
    let ancestor = dirname(target);
    while (!existsSync(ancestor)) ancestor = dirname(ancestor);
    if (!statSync(ancestor).isDirectory()) throw new UsageError(`--out-dir ${dir}: ${ancestor} is not a directory`);
    return false;
  }
  if (!stat.isDirectory()) throw new UsageError(`--out-dir ${dir}: exists and is not a directory`);
  const names = readdirSync(target);
  if (names.length === 0 || (names.every((n) => BUNDLE_FILES.has(n)) && isReportJson(join(target, "report.json")))) return true;
  throw new UsageError(`--out-dir ${dir}: the directory holds files that are not an adtrace report; refusing to replace it (give a new or empty directory)`);
}

function isReportJson(path: string): boolean {
  try {
    const doc = JSON.parse(readFileSync(path, "utf8")) as Record<string, unknown>;
    return typeof doc.adtrace_version === "string" && typeof doc.headline === "object" && Array.isArray(doc.inputs);
  } catch {
    return false; // missing or not JSON: not a bundle this program wrote
  }
}
