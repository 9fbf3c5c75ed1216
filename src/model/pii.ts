// The personal-data detectors (issue 20): their kinds, the config's `pii:` section (ignored keys,
// extra patterns with a kind), and installing them into a session (queries/pii.sql). Rules go in
// as bound values, never as SQL text. The detectors run inside DuckDB; this module never sees a
// detected value.
import { createHash, createHmac } from "node:crypto";
import type { Node } from "yaml";
import type { Db } from "../db/db.js";
import { InputError } from "../errors.js";
import { STATEMENT_ATTRIBUTES } from "./defaults.js";
import { yamlApi } from "./yaml.js";

/**
 * Kinds in precedence order: a value (or the part of a text) one detector claims is hidden from
 * those after it, so a card number is not also a phone number. `hashed` is a token a redacting
 * load wrote; config extras come right after it; the kinds a key's name alone says (secret,
 * device_id, geo, user_id) apply last, to what the value detectors left.
 */
export const PII_KINDS = ["hashed", "secret", "email", "card", "device_id", "ipv6", "ipv4", "ip_internal", "geo", "phone", "user_id"] as const;
export type PiiKind = (typeof PII_KINDS)[number];
/** Kinds a config extra may report (not `hashed`, which only a token is). */
export const EXTRA_KINDS = PII_KINDS.filter((k) => k !== "hashed");
/** Kinds that are not personal data: `--fail-on-pii` and redaction pass them. */
export const HARMLESS_KINDS: readonly PiiKind[] = ["ip_internal", "hashed"];

export interface PiiExtra {
  pattern: string;
  kind: PiiKind;
  /** file:line of the entry. */
  where: string;
}

export interface PiiConfig {
  /** Key globs never scanned (`http.user_agent`, `app.*`). */
  ignore_keys: string[];
  extra: PiiExtra[];
}

export function defaultPiiConfig(): PiiConfig {
  return { ignore_keys: [], extra: [] };
}

/** What the config's shape check cannot say: each extra's kind is a known one (exit 2 with file:line). */
export function checkPiiConfig(node: Node | undefined, value: { ignore_keys?: string[]; extra?: { pattern: string; kind: string }[] }, at: (n: Node | null | undefined) => string): PiiConfig {
  const { isMap, isSeq } = yamlApi();
  const extraNode = isMap(node) ? (node.items.find((p) => String((p.key as { value?: unknown })?.value) === "extra")?.value as Node | undefined) : undefined;
  const items = isSeq(extraNode) ? (extraNode.items as Node[]) : [];
  const extra = (value.extra ?? []).map((e, i) => {
    const where = at(items[i]);
    if (!(EXTRA_KINDS as readonly string[]).includes(e.kind)) {
      throw new InputError(where, `pii.extra[${i}]: unknown kind '${e.kind}' (expected one of ${EXTRA_KINDS.join(", ")})`);
    }
    if (e.pattern === "") throw new InputError(where, `pii.extra[${i}]: empty pattern`);
    return { pattern: e.pattern, kind: e.kind as PiiKind, where };
  });
  return { ignore_keys: value.ignore_keys ?? [], extra };
}

export interface DetectorOptions {
  /** Keys whose values a redacting load replaces whole (--redact KEY,…); with them, nothing else is scanned. */
  redactKeys?: string[];
}

/**
 * Create the detector macros and rules in a session. An extra pattern DuckDB's engine (RE2)
 * refuses is bad input at its config line. Needs `model.create_macros` for the fingerprints.
 */
export async function installDetectors(db: Db, pii: PiiConfig, options: DetectorOptions = {}): Promise<void> {
  await db.run("model.create_macros");
  for (const [i, extra] of pii.extra.entries()) {
    try {
      await db.query("pii.check_pattern", { pattern: extra.pattern });
    } catch (error) {
      // RE2's own words, without the pattern (it is the user's, and could be long). RE2 writes
      // "DESCRIPTION: FRAGMENT" ("missing ): a:(b"), and no description holds ": ", so the words
      // end at the first one, whatever colons the pattern has.
      const reason = /Invalid Input Error: (.*)/.exec(error instanceof Error ? error.message.split("\n")[0]! : "")?.[1] ?? "not a valid regular expression";
      throw new InputError(extra.where, `pii.extra[${i}]: invalid pattern for RE2 (${reason.split(": ")[0]}); see https://github.com/google/re2/wiki/Syntax`);
    }
  }
  await db.run("pii.create_macros");
  await db.run("pii.set_rules", {
    ignore_keys: pii.ignore_keys,
    extra_patterns: pii.extra.map((e) => e.pattern),
    extra_kinds: pii.extra.map((e) => e.kind),
    // One pattern for all extras, tested first: most values match none, and it compiles once.
    extra_any: pii.extra.length ? pii.extra.map((e) => `(?:${e.pattern})`).join("|") : "[^\\s\\S]",
    redact_keys: options.redactKeys ?? [],
    statement_keys: STATEMENT_ATTRIBUTES,
  });
}

/** HMAC-SHA-256's padded key blocks, bound into the session (the key itself never is). */
export async function setRedactKey(db: Db, key: string): Promise<void> {
  const raw = Buffer.from(key, "utf8");
  // A key longer than SHA-256's 64-byte block is hashed first (RFC 2104).
  const block = Buffer.alloc(64);
  (raw.length > 64 ? createHash("sha256").update(raw).digest() : raw).copy(block);
  const pad = (byte: number) => Buffer.from(block.map((b) => b ^ byte)).toString("hex");
  await db.run("pii.set_key", { ipad: pad(0x36), opad: pad(0x5c) });
}

/** A short, public name for a key: two loads with the same key id used the same key. */
export function redactKeyId(key: string): string {
  return createHmac("sha256", key).update("adtrace redaction key id").digest("hex").slice(0, 12);
}
