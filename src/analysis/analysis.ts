// The session every analysis command runs in: spans (from files or --db) with the cost model
// installed, so queries can read `costed_spans`. A database file keeps the model `load` stored
// (model/stored.ts): a session whose model has the same digest reads it; one whose config differs
// recomputes it in place, in a transaction, or, when the file cannot be written, for this run only.
import { existsSync } from "node:fs";
import { withSpans, type SpanSource, type SpanSourceOptions } from "./inputs.js";
import { DEFAULT_DB, fitModelMemory, withWritableDb } from "../db/db.js";
import { loadConfig, type Config } from "../model/config.js";
import { changesModel, installModel, type ModelOptions } from "../model/install.js";
import { storedModelState, storeModel, useStoredModel, type StoredModelState } from "../model/stored.js";
import { InputError, UsageError } from "../errors.js";
import { loadBilling, type BillingLoadResult } from "../ingest/billing.js";
import { attributeKeysOf, type GroupKey } from "./breakdown.js";

export interface AnalysisOptions extends SpanSourceOptions {
  /** --config FILE; else ./adtrace.config.yaml; else the built-in defaults. */
  config?: string;
  model?: ModelOptions;
  /** Accept a source without spans (inspect); analyses refuse one rather than print zeros. */
  allowEmpty?: boolean;
  /**
   * --events-per-day: replaces the config's events_per_day for the whole session, so every part
   * of a command (flag estimates, savings, a report's headline) projects to the same volume.
   */
  eventsPerDay?: number;
  /** --billing-file: billing records loaded beside the span files of this run (issue 23). */
  billingFiles?: string[];
  /** Where the session says what it did about a stored model (recomputed it, could not store it): stderr. */
  onNote?: (message: string) => void;
}

/**
 * Why span files gave nothing to analyse, when the load skipped records (its "skipped:" notes
 * never reach stderr once the analysis fails): how many, and the first, named by file and record
 * with what it lacks, so the one error line says what to fix.
 */
function whyNoSpans(source: SpanSource): string {
  const load = source.load;
  const first = load?.skippedExamples[0];
  if (!load?.skipped || !first) return " (adtrace inspect shows what was read)";
  return load.skipped === 1
    ? `; 1 record skipped as not a usable span: ${first}`
    : `; ${load.skipped} records skipped as not usable spans, the first: ${first} (adtrace inspect names up to 5)`;
}

/** The skipped records of a load from files, as load's notes say them: each named one, then the count. */
function skippedNotes(source: SpanSource): string[] {
  const load = source.load;
  if (!load?.skipped) return [];
  const count = load.skipped === 1 ? "1 record skipped as not a span" : `${load.skipped} records skipped as not spans`;
  return [...load.skippedExamples.map((example) => `skipped: ${example}`), `${count}, left out of this analysis (the first named in the "skipped:" lines).`];
}

export interface Analysis extends SpanSource {
  config: Config;
  /** What --billing-file loaded, when given. */
  billing?: BillingLoadResult;
}

declare const GROUPED: unique symbol;

/**
 * Options of a session whose analysis groups by `by` (--by stage,attr:KEY): its model keeps the
 * attribute keys `by` names (ModelOptions.attributeKeys), which a model without them would put
 * under (none). Only grouped() makes one, so the keys cannot be left out: a session opened
 * without it has no `by` to hand its analysis, and code that reads one does not compile.
 */
export type Grouped<O> = O & { readonly by: GroupKey[]; readonly [GROUPED]: true };

/** The session's analysis groups by `by`: the model keeps the attributes it reads. */
export function grouped<O extends Omit<AnalysisOptions, "inputs" | "db">>(options: O, by: GroupKey[]): Grouped<O> {
  const model = { ...options.model, attributeKeys: [...new Set([...(options.model?.attributeKeys ?? []), ...attributeKeysOf(by)])] };
  return { ...options, model, by } as Grouped<O>;
}

/** A session opened with grouped() options: `by` is the grouping its model was installed for. */
export type GroupedAnalysis = Analysis & { by: GroupKey[] };

/** A session on a database file whose stored model does not serve: what to do, and why. */
class ModelNotCurrent {
  constructor(readonly state: Exclude<StoredModelState, "current">) {}
}

export async function withAnalysis<T>(options: Grouped<AnalysisOptions>, fn: (analysis: GroupedAnalysis) => Promise<T>): Promise<T>;
export async function withAnalysis<T>(options: AnalysisOptions, fn: (analysis: Analysis) => Promise<T>): Promise<T>;
export async function withAnalysis<T>(options: AnalysisOptions & { by?: GroupKey[] }, fn: (analysis: GroupedAnalysis) => Promise<T>): Promise<T> {
  const loaded = loadConfig(options.config);
  const config = options.eventsPerDay === undefined ? loaded : { ...loaded, events_per_day: options.eventsPerDay };
  if (options.billingFiles?.length && !options.inputs.length) {
    throw new UsageError("--billing-file joins billing records to span files given here; for a database, load them into it: adtrace load --billing FILE --db DB");
  }
  const path = databasePath(options);
  // --unweighted, --assume-weight, --sample-rate (and --match-by-time) are this run's view of the
  // model, never stored.
  const stored = path !== undefined && !changesModel(options.model);
  const session = (mode: "stored" | "compute") => withSpans(options, async (source) => {
    let billing: BillingLoadResult | undefined;
    if (mode === "stored") {
      const state = await storedModelState(source.db, config);
      if (state !== "current") return new ModelNotCurrent(state);
      await useStoredModel(source.db, config, options.model);
    } else {
      billing = options.billingFiles?.length ? await loadBilling(source.db, options.billingFiles, config) : undefined;
      await installModel(source.db, config, options.model);
    }
    if (!options.allowEmpty && !Number(await source.db.scalar("SELECT count(*) FROM costed_spans"))) {
      throw new InputError(source.label, `holds no spans: nothing to analyse${whyNoSpans(source)}`);
    }
    // Records the files held that are not usable spans: named as load names them (inspect lists them itself).
    if (!options.allowEmpty) for (const message of skippedNotes(source)) options.onNote?.(message);
    return fn({ ...source, config, billing, by: options.by ?? [] });
  });
  if (!stored) return (await session("compute")) as T;
  const first = await session("stored");
  if (!(first instanceof ModelNotCurrent)) return first;
  const note = options.onNote ?? (() => undefined);
  if (await recomputeInPlace(path, config)) {
    note(`${path}: ${WHY[first.state]}; recomputed it and stored it in place (later commands read it)`);
    const second = await session("stored");
    if (!(second instanceof ModelNotCurrent)) return second;
  } else {
    note(`${path}: ${WHY[first.state]}, and the database cannot be written now; computing the cost model for this run only`);
  }
  return (await session("compute")) as T;
}

const WHY: Record<Exclude<StoredModelState, "current">, string> = {
  missing: "holds no stored cost model (loaded by an earlier adtrace)",
  different: "its stored cost model was computed with another config (stage rules, prices, sampling) or adtrace version",
  stale: "its spans changed since its cost model was stored",
  rebilled: "its billing records changed since its cost model was stored",
};

/** The database file a session reads (--db, else ./adtrace.duckdb), or undefined when it reads files. */
function databasePath(options: AnalysisOptions): string | undefined {
  if (options.inputs.length > 0) return undefined;
  return options.db ?? (existsSync(DEFAULT_DB) ? DEFAULT_DB : undefined);
}

/**
 * Recompute the stored model in one transaction. False when the file cannot be opened for
 * writing (another process has it open, or it is read-only): the caller computes for this run.
 */
async function recomputeInPlace(path: string, config: Config): Promise<boolean> {
  if (!existsSync(path)) return false;
  try {
    await withWritableDb(path, async (db) => {
      // As load does: the model of more than about 1.3M spans needs more than the write's 256MB
      // (a database filled by collect, or one whose model went stale, is stored here first).
      await fitModelMemory(db, Number(await db.scalar("SELECT count(*) FROM spans")));
      await db.transaction(() => storeModel(db, config));
    });
    return true;
  } catch (error) {
    if (error instanceof InputError && /in use|cannot open database|read-only/i.test(error.message)) return false;
    throw error;
  }
}
