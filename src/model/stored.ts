// The cost model stored in a database file (issue 16): `load` and `pull` compute it once, in the
// load's transaction, into model_spans (per span: stage, self time, weight, compute/query cost,
// cost source, statement hash and fingerprint, time on the critical path), model_events (per
// event: weight, end-to-end duration, cost, critical path length), model_event_stages (per event
// and stage: its cost), model_stage_moments (diff's moments by stage), model_summary and model_bad_values, and record the model's digest in
// model_info. A session whose model has the same digest reads those tables through views named as
// the per-session tables (costed_spans, event_weights…), so every query reads either the same way.
import { createHash } from "node:crypto";
import { createRequire } from "node:module";
import type { Db } from "../db/db.js";
import { getQuery } from "../db/queries.js";
import type { Config } from "./config.js";
import { installBilling } from "./billing.js";
import { effectiveBooks, installLists, installRules, type ModelOptions } from "./install.js";
import { WALK_REVISION, walkStoredPaths } from "./span-path.js";

const require = createRequire(import.meta.url);
const VERSION: string = (require("../../package.json") as { version: string }).version;

/** The queries whose text is the model: a change to any of them changes the digest. */
const MODEL_QUERIES = [
  "model.create_macros", "model.create_rule_tables", "model.price_ranges", "model.set_attribute_lists", "model.costed_parts", "model.trace_weights",
  "model.event_weights", "model.span_summary", "store.model_spans", "store.model_tables",
  "path.source_stored", "path.prepare", "path.prepare_spans", "path.batch", "path.write_results", "path.update_stored",
  "diff.stage_costs", "diff.group_moments", "store.stage_moments",
];

/** What the model's digest covers: the parts of the config that price or weigh a span. */
export function modelParts(config: Config): Record<string, unknown> {
  return {
    stages: config.stages, sampling: config.sampling, prices: config.prices, warehouses: config.warehouses,
    cost_attributes: config.cost_attributes, bytes_attributes: config.bytes_attributes,
  };
}

/**
 * The digest of the cost model: the config's model parts (stage rules, price book, sampling
 * rules, attribute lists), the adtrace version, the model's SQL and the walk's revision
 * (WALK_REVISION). Flag thresholds, the daily volume or objectives are not the model: changing
 * them recomputes nothing.
 */
export function modelDigest(config: Config): string {
  const sql = MODEL_QUERIES.map((name) => getQuery(name).sql).join("\n");
  return createHash("sha256")
    .update(JSON.stringify({ version: VERSION, sql: createHash("sha256").update(sql).digest("hex"), walk: WALK_REVISION, model: modelParts(config) }))
    .digest("hex")
    .slice(0, 16);
}

/**
 * current: the stored model serves; missing: none stored; different: another model; stale: spans
 * changed since; rebilled: billing records (billed_queries, issue 23) changed since.
 */
export type StoredModelState = "current" | "missing" | "different" | "stale" | "rebilled";

export async function storedModelState(db: Db, config: Config): Promise<StoredModelState> {
  if (!Number(await db.scalar(getQuery("store.has_model").sql))) return "missing";
  const [info] = await db.query("store.info");
  if (!info) return "missing";
  if (info.digest !== modelDigest(config)) return "different";
  if (Number(info.spans) !== Number(info.spans_now)) return "stale";
  if ((info.billing ?? "") !== (await billingStamp(db))) return "rebilled";
  return "current";
}

/** What the stored model's bills came from: the billing records' count and a hash of their rows ("" without any). */
async function billingStamp(db: Db): Promise<string> {
  if (!Number(await db.scalar(getQuery("store.has_billing").sql))) return "";
  return String(await db.scalar(getQuery("store.billing_stamp").sql));
}

/** After billing records change (load --billing, pull --billing), in their transaction: a stored model takes the new bills. */
export async function restoreModelIfStored(db: Db, config: Config): Promise<boolean> {
  if (!Number(await db.scalar(getQuery("store.has_model").sql))) return false;
  await storeModel(db, config);
  return true;
}

/**
 * Compute the model over every span of the database and store it, replacing any stored one.
 * Run it inside the transaction that changed the spans (or one of its own).
 */
export async function storeModel(db: Db, config: Config): Promise<void> {
  // A small database's model is stored (and a file checkpointed at close) on one thread, as an
  // analysis of it runs (Db.fitThreads): the same rows, about a quarter less CPU (issue 25).
  await db.fitThreads(Number(await db.scalar("SELECT count(*) FROM spans")));
  await installRules(db, config);
  await db.run("model.costed_parts");
  await db.run("store.model_spans");
  await db.run("store.spans_view");
  await db.run("model.event_weights");
  // Every event's critical path, into model_spans and event_weights before they are stored.
  await walkStoredPaths(db);
  await db.run("model.span_summary");
  await db.run("store.model_tables");
  // diff's moments by stage (Welch's interval), over the per-event stage costs just stored (read
  // from the stored table: the view would group every span again).
  await db.run("store.stage_costs_stored");
  await db.run("diff.stage_costs");
  await db.run("diff.group_moments");
  await db.run("store.stage_moments");
  await db.run("store.write_info", { digest: modelDigest(config), version: VERSION, model: JSON.stringify(modelParts(config)), billing: await billingStamp(db) });
}

/** Let the session read the stored model (storedModelState must be current), keeping the attributes it groups by. */
export async function useStoredModel(db: Db, config: Config, options: ModelOptions = {}): Promise<void> {
  await installLists(db, config, options);
  // The bills joined to spans (_span_bills), which cost reconcile reads beside costed_spans.
  await installBilling(db, config, effectiveBooks(config.prices), options.billing);
  await db.run(options.attributeKeys?.length ? "store.spans_view_with_attributes" : "store.spans_view");
  await db.run("store.event_views");
}
