// Redacting loads (issue 20: load --redact, pull --redact). Rows are staged into a temporary
// table (memory, or DuckDB's temporary directory, never the database file); once an input is
// staged its rows move into `spans` with every detected value replaced by a keyed-hash token
// (HMAC-SHA-256 under ADTRACE_REDACT_KEY, 16 hex digits, prefixed with the kind: email:3f9a…),
// statements by their fingerprint. Ids, names, times and every other value pass unchanged, so
// every count and cost figure is the same as an unredacted load's.
import type { Db } from "../db/db.js";
import { UsageError } from "../errors.js";
import { EXTRA_KINDS, HARMLESS_KINDS, installDetectors, redactKeyId, setRedactKey, type PiiConfig } from "../model/pii.js";

export const REDACT_KEY_ENV = "ADTRACE_REDACT_KEY";

export interface RedactPlan {
  /** Keys whose values are replaced whole; undefined: every detector (auto). */
  keys?: string[];
  /** The HMAC key. */
  key: string;
  pii: PiiConfig;
}

/**
 * `--redact` (true, or `auto`) or `--redact KEY,…`, with the key from the environment. Without a
 * key it is a usage error: a random one would make two loads of the same data disagree.
 */
export function redactPlan(value: string | boolean | undefined, pii: PiiConfig, env: NodeJS.ProcessEnv = process.env): RedactPlan | undefined {
  if (value === undefined || value === false) return undefined;
  const key = env[REDACT_KEY_ENV];
  if (!key) {
    throw new UsageError(`--redact needs a key in ${REDACT_KEY_ENV} (the same one for every load whose values must join): without one, tokens could not match from one load to the next, and a random key would make two loads disagree`);
  }
  if (value === true || value.trim() === "auto") return { key, pii };
  const keys = value.split(",").map((k) => k.trim()).filter(Boolean);
  if (!keys.length) throw new UsageError("--redact expects auto or a comma list of attribute keys, e.g. --redact user.id,client.address");
  return { keys, key, pii };
}

/** What a plan covers, in words stored with the load and shown by inspect. */
export function redactDetectors(plan: RedactPlan): string {
  if (plan.keys) return `keys: ${plan.keys.join(", ")}`;
  const kinds = EXTRA_KINDS.filter((k) => !HARMLESS_KINDS.includes(k));
  return `auto: ${kinds.join(", ")}, statements${plan.pii.extra.length ? `, ${plan.pii.extra.length} config extra(s)` : ""}`;
}

export async function beginRedaction(db: Db, plan: RedactPlan): Promise<void> {
  await installDetectors(db, plan.pii, { redactKeys: plan.keys });
  await setRedactKey(db, plan.key);
  await db.run("pii.create_stage");
  await db.run("pii.create_redactions");
}

/** Staged rows moved into spans per step: bounds the memory the detectors and the rewrite take. */
const FLUSH_ROWS = Number(process.env.ADTRACE_TEST_FLUSH_ROWS ?? 200_000);

/** Move what one input staged into spans, redacted, in staging order, and record how. */
export async function flushRedaction(db: Db, plan: RedactPlan, source: string): Promise<void> {
  const [staged] = await db.query("pii.stage_rows");
  const end = BigInt(String(staged!.hi));
  const step = BigInt(FLUSH_ROWS);
  for (let lo = BigInt(String(staged!.lo)); lo < end; lo += step) {
    await db.run("pii.set_range", { lo: String(lo), hi: String(lo + step < end ? lo + step : end) });
    await db.run("pii.classify_keys");
    await db.run("pii.find", { scan_values: plan.keys === undefined, scan_statements: false });
    await db.run("pii.flush_stage");
  }
  await db.run("pii.clear_stage");
  await db.run("pii.record_redaction", { source, mode: plan.keys ? "keys" : "auto", detectors: redactDetectors(plan), key_id: redactKeyId(plan.key) });
}

export async function endRedaction(db: Db): Promise<void> {
  await db.run("pii.drop_stage");
}
