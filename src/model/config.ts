// The config: adtrace.config.yaml in the working directory, or --config FILE. Every key is
// optional; what is missing comes from src/model/defaults.ts. Unknown keys and wrong types are
// errors naming the file, line and key path.
import { existsSync, readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import * as v from "valibot";
import type { Node } from "yaml";
import { InputError } from "../errors.js";
import {
  DEFAULT_CACHE, DEFAULT_COST_ATTRIBUTES, DEFAULT_EVENTS_PER_DAY, DEFAULT_FLAGS, DEFAULT_PREAGGREGATE,
  DEFAULT_PRICE_BOOK, DEFAULT_QUERY_ID_ATTRIBUTES, DEFAULT_STAGE_RULES, DEFAULT_WAREHOUSES, DEFAULT_BYTES_ATTRIBUTES, DEFAULT_TRACING,
} from "./defaults.js";
import { CONFIG_SCHEMA, knownKeys, schemaAt, type ConfigFile, type SloEntry, type TracingSettings } from "./config-schema.js";
import { suggest } from "./suggest.js";
import { jsKey, parseYamlFile, yamlApi, yamlToJson, type ParsedYaml } from "./yaml.js";
import { checkPiiConfig, defaultPiiConfig, type PiiConfig } from "./pii.js";

export type { SamplingRule } from "./config-schema.js";
export { closest, suggest } from "./suggest.js";

export const CONFIG_FILE = "adtrace.config.yaml";

/** A service-level objective (issue 18): exactly one indicator, latency_ms, cost_per_event_usd or error_rate. */
export type Slo = SloEntry & {
  /** file:line of the entry, for messages about it. */
  where: string;
};

/**
 * The effective config: every key of the file (src/model/config-schema.ts), filled in from the
 * defaults. Sections (flags, cache…) hold every one of their keys; tracing's bytes_per_span stays
 * optional. SLOs and PII extras carry the file:line of their entry, which no schema can give.
 */
export type Config = {
  [K in Exclude<keyof ConfigFile, "slos" | "pii">]-?: NonNullable<ConfigFile[K]> extends unknown[] ? NonNullable<ConfigFile[K]>
    : K extends "tracing" ? TracingSettings
    : NonNullable<ConfigFile[K]> extends object ? Required<NonNullable<ConfigFile[K]>> : NonNullable<ConfigFile[K]>;
} & {
  slos: Slo[];
  pii: PiiConfig;
  /** Where it came from: a path, or "built-in defaults". */
  source: string;
};

export function defaultConfig(): Config {
  return {
    events_per_day: DEFAULT_EVENTS_PER_DAY,
    cost_attributes: [...DEFAULT_COST_ATTRIBUTES],
    query_id_attributes: [...DEFAULT_QUERY_ID_ATTRIBUTES],
    bytes_attributes: [...DEFAULT_BYTES_ATTRIBUTES],
    stages: DEFAULT_STAGE_RULES.map((r) => ({ stage: r.stage, match: { ...r.match } })),
    prices: [structuredClone(DEFAULT_PRICE_BOOK)],
    warehouses: [...DEFAULT_WAREHOUSES],
    flags: { ...DEFAULT_FLAGS },
    cache: { ...DEFAULT_CACHE },
    preaggregate: { ...DEFAULT_PREAGGREGATE },
    sampling: [],
    tracing: { ...DEFAULT_TRACING },
    slos: [],
    pii: defaultPiiConfig(),
    source: "built-in defaults",
  };
}

/** Load --config FILE, else ./adtrace.config.yaml if present, else the defaults. */
export function loadConfig(path?: string): Config {
  const file = path ?? (existsSync(CONFIG_FILE) ? CONFIG_FILE : undefined);
  if (!file) return defaultConfig();
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new InputError(file, `cannot read config (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parseConfig(text, file);
}

/**
 * A digest of the effective config, for reports: same model → same digest. The tracing bill's
 * prices (sampling advise) price no span, so changing them leaves the digest, and a report's
 * comparison with its baseline, as they were.
 */
export function configDigest(config: Config): string {
  // Objectives and the tracing bill are not the model: a config that adds them prices the same.
  const { source: _source, tracing: _tracing, slos: _slos, pii: _pii, ...model } = config;
  return createHash("sha256").update(JSON.stringify(model)).digest("hex").slice(0, 16);
}

const SLO_INDICATORS = ["latency_ms", "cost_per_event_usd", "error_rate"] as const;

/** What the shape cannot say of an SLO entry: one indicator, objective only with latency, unique names. */
function checkSlos(node: Node, slos: Omit<Slo, "where">[], at: (n: Node | null | undefined) => string): Slo[] {
  const { isSeq } = yamlApi();
  const items = isSeq(node) ? (node.items as Node[]) : [];
  const seen = new Set<string>();
  return slos.map((slo, i) => {
    const where = at(items[i]);
    const given = SLO_INDICATORS.filter((k) => slo[k] !== undefined);
    if (given.length !== 1) {
      throw new InputError(where, `slos[${i}] (${slo.name}): expected exactly one of ${SLO_INDICATORS.join(", ")}${given.length ? `, got ${given.join(" and ")}` : ""}`);
    }
    if (slo.objective !== undefined && slo.latency_ms === undefined) {
      throw new InputError(where, `slos[${i}] (${slo.name}): objective applies to latency_ms only (error_rate is its own budget; cost_per_event_usd is a ceiling)`);
    }
    if (seen.has(slo.name)) throw new InputError(where, `slos[${i}]: the name '${slo.name}' is given twice`);
    seen.add(slo.name);
    return { ...slo, where };
  });
}

export function parseConfig(text: string, file: string): Config {
  const { isMap, isScalar } = yamlApi();
  const { doc, lineCounter } = parseYamlFile(text, file, { prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length) {
    const error = doc.errors[0]!;
    const line = lineCounter.linePos(error.pos[0]).line;
    throw new InputError(`${file}:${line}`, `invalid YAML (${error.message.split("\n")[0]})`);
  }
  const config = defaultConfig();
  config.source = file;
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return config;
  const at = (node: Node | null | undefined) => `${file}:${node?.range ? lineCounter.linePos(node.range[0]).line : 1}`;
  const user = validate({ doc, lineCounter }, file, at);
  if (user.events_per_day !== undefined) config.events_per_day = user.events_per_day;
  if (user.cost_attributes) config.cost_attributes = user.cost_attributes;
  if (user.query_id_attributes) config.query_id_attributes = user.query_id_attributes;
  if (user.bytes_attributes) config.bytes_attributes = user.bytes_attributes;
  if (user.stages) config.stages = user.stages;
  if (user.prices) config.prices = [config.prices[0]!, ...user.prices.sort((a, b) => (a.effective_from ?? "").localeCompare(b.effective_from ?? ""))];
  if (user.warehouses) config.warehouses = user.warehouses;
  // A section merges onto the defaults (spreading an absent one adds nothing).
  config.flags = { ...config.flags, ...user.flags };
  config.cache = { ...config.cache, ...user.cache };
  config.preaggregate = { ...config.preaggregate, ...user.preaggregate };
  if (user.sampling) config.sampling = user.sampling;
  config.tracing = { ...config.tracing, ...user.tracing };
  if (user.slos) {
    const slosNode = isMap(doc.contents) ? (doc.contents.items.find((p) => String((p.key as { value?: unknown })?.value) === "slos")?.value as Node) : undefined;
    config.slos = checkSlos(slosNode as Node, user.slos, at);
  }
  if (user.pii) {
    const piiNode = isMap(doc.contents) ? (doc.contents.items.find((p) => String((p.key as { value?: unknown })?.value) === "pii")?.value as Node) : undefined;
    config.pii = checkPiiConfig(piiNode, user.pii, at);
  }
  return config;
}

/**
 * The document against CONFIG_SCHEMA. Of all the issues, the one first in the file is reported
 * (a missing key after whatever is wrong inside its mapping), at the line of the node its path
 * leads to: the key itself for an unknown key, else the value.
 */
function validate(parsed: ParsedYaml, file: string, at: (n: Node | null | undefined) => string): ConfigFile {
  const result = v.safeParse(CONFIG_SCHEMA, yamlToJson(parsed, file));
  if (result.success) return result.output;
  const located = result.issues.map((issue) => locate(parsed.doc, issue));
  // Stable: of two issues on one node (NaN is neither finite nor ≥ 0), the first found.
  const first = located.sort((a, b) => a.order - b.order)[0]!;
  throw new InputError(at(first.node), first.message);
}

interface Located {
  node: Node | undefined;
  /** Where in the file it is, for picking the first. */
  order: number;
  message: string;
}

/** An issue's node, its place in the file and its message in the config's words (`path: expected …`). */
function locate(doc: ParsedYaml["doc"], issue: v.BaseIssue<unknown>): Located {
  const { isAlias, isMap, isScalar, isSeq } = yamlApi();
  const keys = (issue.path ?? []).map((item) => item.key as string | number);
  // Walk the YAML by the issue's path. A price book given as a mapping has no index: skip it.
  let node = doc.contents as Node | undefined;
  let keyNode: Node | undefined;
  const shown: (string | number)[] = [];
  for (const key of keys) {
    if (isAlias(node)) node = node.resolve(doc) as Node | undefined;
    if (typeof key === "number" && isMap(node)) continue;
    shown.push(key);
    if (isSeq(node) && typeof key === "number") {
      node = node.items[key] as Node | undefined;
      keyNode = undefined;
    } else if (isMap(node)) {
      const pair = node.items.find((p) => jsKey(p.key, doc) === String(key));
      keyNode = pair?.key as Node | undefined;
      node = (pair ? pair.value : undefined) as Node | undefined;
      if (!pair) break;
    } else break;
  }
  const path = (parts: (string | number)[]) => parts.map((k, i) => (typeof k === "number" ? `[${k}]` : i ? `.${k}` : k)).join("");
  const last = issue.path?.at(-1);
  if (last?.origin === "key" && issue.expected === "never") {
    // A key the schema does not know: at the key's own line.
    const known = knownKeys(schemaAt(CONFIG_SCHEMA, keys.slice(0, -1)));
    // The key as written (a null key is 'null', where the parsed data has ""; a mapping or list
    // used as a key as the parsed data has it, `{ a: 1 }`; an alias as the scalar it names).
    const key = keyNode && isScalar(keyNode) ? String(keyNode) : String(last.key);
    return { node: keyNode, order: start(keyNode), message: `unknown key '${path([...shown.slice(0, -1), key])}'${suggest(key, known)} (known here: ${known.join(", ")})` };
  }
  if (last?.origin === "key") {
    // A required key is missing: at the line of its mapping, after anything wrong within it.
    const mapping = parentOf(doc, keys);
    return { node: mapping, order: end(mapping), message: `${path(shown.slice(0, -1)) || "config"}: expected a '${String(last.key)}' key` };
  }
  return { node, order: start(node), message: `${path(shown) || "config"}: expected ${issue.message}` };
}

/** The node that holds the last key of `keys` (the mapping a missing key is missing from). */
function parentOf(doc: ParsedYaml["doc"], keys: (string | number)[]): Node | undefined {
  const { isAlias, isMap, isSeq } = yamlApi();
  let node = doc.contents as Node | undefined;
  for (const key of keys.slice(0, -1)) {
    if (isAlias(node)) node = node.resolve(doc) as Node | undefined;
    if (typeof key === "number" && isMap(node)) continue;
    if (isSeq(node) && typeof key === "number") node = node.items[key] as Node | undefined;
    else if (isMap(node)) node = node.items.find((p) => jsKey(p.key, doc) === String(key))?.value as Node | undefined;
    else return node;
  }
  return isAlias(node) ? (node.resolve(doc) as Node | undefined) : node;
}

const start = (node: Node | undefined) => node?.range?.[0] ?? 0;
const end = (node: Node | undefined) => node?.range?.[1] ?? 0;
