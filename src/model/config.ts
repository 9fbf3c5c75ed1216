// The config: adtrace.config.yaml in the working directory, or --config FILE. Every key is
// optional; what is missing comes from src/model/defaults.ts. Unknown keys and wrong types are
// errors naming the file, line and key path.
import { existsSync, readFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { isMap, isSeq, isScalar, type Node } from "yaml";
import { InputError } from "../errors.js";
import {
  DEFAULT_CACHE, DEFAULT_COST_ATTRIBUTES, DEFAULT_EVENTS_PER_DAY, DEFAULT_FLAGS, DEFAULT_PREAGGREGATE,
  DEFAULT_PRICE_BOOK, DEFAULT_QUERY_ID_ATTRIBUTES, DEFAULT_STAGE_RULES, DEFAULT_WAREHOUSES, DEFAULT_BYTES_ATTRIBUTES, DEFAULT_TRACING,
  type PriceBook, type StageRule, type StageMatch,
} from "./defaults.js";
import { readCount } from "../numbers.js";
import { parseYamlFile } from "./yaml.js";
import { checkPiiConfig, defaultPiiConfig, type PiiConfig } from "./pii.js";

export const CONFIG_FILE = "adtrace.config.yaml";

export interface SamplingRule {
  match: StageMatch;
  /** Probability a span matching this was kept (0 < rate ≤ 1). */
  rate: number;
}

/** A service-level objective (issue 18): exactly one indicator, latency_ms, cost_per_event_usd or error_rate. */
export interface Slo {
  name: string;
  /** Only this stage: its time within the event, its cost, its errors. */
  stage?: string;
  /** Good events take at most this long; `objective` of them must be good (default 0.99). */
  latency_ms?: number;
  objective?: number;
  /** A ceiling on the mean cost per event. */
  cost_per_event_usd?: number;
  /** At most this share of events may carry an error span. */
  error_rate?: number;
  /** file:line of the entry, for messages about it. */
  where: string;
}

export interface Config {
  events_per_day: number;
  cost_attributes: string[];
  /** Span attributes holding the warehouse's query or job id, which billing records join on (issue 23). */
  query_id_attributes: string[];
  bytes_attributes: string[];
  stages: StageRule[];
  /** Dated price books, oldest first; each overrides the ones before it from its date on. */
  prices: PriceBook[];
  warehouses: string[];
  flags: typeof DEFAULT_FLAGS;
  cache: typeof DEFAULT_CACHE;
  preaggregate: typeof DEFAULT_PREAGGREGATE;
  sampling: SamplingRule[];
  /** What storing traces costs (sampling advise); not part of the cost model, nor of its digest. */
  tracing: typeof DEFAULT_TRACING;
  slos: Slo[];
  /** The personal-data detectors' settings (issue 20); not part of the cost model, nor of its digest. */
  pii: PiiConfig;
  /** Where it came from: a path, or "built-in defaults". */
  source: string;
}

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

// ------------------------------------------------------------------ validation

type Shape =
  | { type: "number"; min?: number; max?: number; count?: boolean; exclusiveMin?: boolean; exclusiveMax?: boolean }
  | { type: "string" }
  | { type: "date" }
  /** oneOrMore: a single item (a mapping) stands for a list of one. */
  | { type: "list"; of: Shape; oneOrMore?: boolean }
  | { type: "object"; fields: Record<string, Shape>; required?: string[] }
  | { type: "map"; of: Shape };

const num = (min?: number, max?: number): Shape => ({ type: "number", min, max });
const str: Shape = { type: "string" };
const strList: Shape = { type: "list", of: str };
const matchShape: Shape = { type: "object", fields: { name: str, service: str, attribute: { type: "map", of: str } } };
const warehousePrice: Shape = {
  type: "object",
  fields: {
    credit_usd: num(0), credits_per_hour: { type: "map", of: num(0) }, default_size: str,
    tib_usd: num(0), min_bytes: num(0), slot_hour_usd: num(0), rpu_hour_usd: num(0), rpus: num(0), hour_usd: num(0),
  },
};
const priceBook: Shape = {
  type: "object",
  fields: {
    effective_from: { type: "date" },
    compute: { type: "object", fields: { vcpu_hour_usd: num(0), vcpus: num(0) } },
    warehouses: { type: "map", of: warehousePrice },
  },
};

const CONFIG_SHAPE: Shape = {
  type: "object",
  fields: {
    events_per_day: { type: "number", min: 1, count: true },
    cost_attributes: strList,
    query_id_attributes: strList,
    bytes_attributes: strList,
    stages: { type: "list", of: { type: "object", fields: { stage: str, match: matchShape }, required: ["stage", "match"] } },
    prices: { type: "list", of: priceBook, oneOrMore: true },
    warehouses: strList,
    flags: { type: "object", fields: { min_cost_share: num(0, 1), min_warehouse_share: num(0, 1), top_query_share: num(0, 1), bytes_ratio: num(1) } },
    cache: { type: "object", fields: { hit_latency_ms: num(0) } },
    preaggregate: { type: "object", fields: { refresh_cost_usd: num(0), refreshes_per_day: num(0) } },
    sampling: { type: "list", of: { type: "object", fields: { match: matchShape, rate: { type: "number", min: 0, exclusiveMin: true, max: 1 } }, required: ["match", "rate"] } },
    tracing: { type: "object", fields: { usd_per_gb: num(0), usd_per_million_spans: num(0), bytes_per_span: { type: "number", min: 0, exclusiveMin: true } } },
    slos: {
      type: "list",
      of: {
        type: "object",
        fields: {
          name: str, stage: str,
          latency_ms: { type: "number", min: 0, exclusiveMin: true },
          objective: { type: "number", min: 0, exclusiveMin: true, max: 1, exclusiveMax: true },
          cost_per_event_usd: { type: "number", min: 0, exclusiveMin: true },
          error_rate: { type: "number", min: 0, exclusiveMin: true, max: 1, exclusiveMax: true },
        },
        required: ["name"],
      },
    },
    pii: { type: "object", fields: { ignore_keys: strList, extra: { type: "list", of: { type: "object", fields: { pattern: str, kind: str }, required: ["pattern", "kind"] } } } },
  },
};

const SLO_INDICATORS = ["latency_ms", "cost_per_event_usd", "error_rate"] as const;

/** What the shape cannot say of an SLO entry: one indicator, objective only with latency, unique names. */
function checkSlos(node: Node, slos: Omit<Slo, "where">[], at: (n: Node | null | undefined) => string): Slo[] {
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
  // Validated on the parsed nodes themselves, so every error carries the line of its key.
  const value = validate(doc.contents as Node, CONFIG_SHAPE, "", at);
  const user = value as Partial<Config> & { prices?: PriceBook[]; events_per_day?: number };
  if (user.events_per_day !== undefined) config.events_per_day = user.events_per_day;
  if (user.cost_attributes) config.cost_attributes = user.cost_attributes;
  if (user.query_id_attributes) config.query_id_attributes = user.query_id_attributes;
  if (user.bytes_attributes) config.bytes_attributes = user.bytes_attributes;
  if (user.stages) config.stages = user.stages;
  if (user.prices) config.prices = [config.prices[0]!, ...user.prices.sort((a, b) => (a.effective_from ?? "").localeCompare(b.effective_from ?? ""))];
  if (user.warehouses) config.warehouses = user.warehouses;
  if (user.flags) config.flags = { ...config.flags, ...user.flags };
  if (user.cache) config.cache = { ...config.cache, ...user.cache };
  if (user.preaggregate) config.preaggregate = { ...config.preaggregate, ...user.preaggregate };
  if (user.sampling) config.sampling = user.sampling;
  if (user.tracing) config.tracing = { ...config.tracing, ...user.tracing };
  if (user.slos) {
    const slosNode = isMap(doc.contents) ? (doc.contents.items.find((p) => String((p.key as { value?: unknown })?.value) === "slos")?.value as Node) : undefined;
    config.slos = checkSlos(slosNode as Node, user.slos as Omit<Slo, "where">[], at);
  }
  if (user.pii) {
    const piiNode = isMap(doc.contents) ? (doc.contents.items.find((p) => String((p.key as { value?: unknown })?.value) === "pii")?.value as Node) : undefined;
    config.pii = checkPiiConfig(piiNode, user.pii as never, at);
  }
  return config;
}

function validate(node: Node, shape: Shape, path: string, at: (n: Node | null | undefined) => string): unknown {
  const fail = (expected: string): never => {
    throw new InputError(at(node), `${path || "config"}: expected ${expected}`);
  };
  switch (shape.type) {
    case "number": {
      if (!isScalar(node)) return fail("a number");
      const raw = node.value;
      const value = typeof raw === "number" ? raw : shape.count && typeof raw === "string" ? readCount(raw) ?? NaN : NaN;
      if (typeof value !== "number" || !Number.isFinite(value)) return fail(shape.count ? "a number such as 2000000000, 2e9, 2B or 500M" : "a number");
      const range = `a number ${shape.min === undefined ? "" : `${shape.exclusiveMin ? ">" : "≥"} ${shape.min}`}${shape.min !== undefined && shape.max !== undefined ? " and " : ""}${shape.max === undefined ? "" : `${shape.exclusiveMax ? "<" : "≤"} ${shape.max}`}`;
      if (shape.min !== undefined && (shape.exclusiveMin ? value <= shape.min : value < shape.min)) return fail(range);
      if (shape.max !== undefined && (shape.exclusiveMax ? value >= shape.max : value > shape.max)) return fail(range);
      return value;
    }
    case "string":
      if (!isScalar(node) || node.value === null || typeof node.value === "object") return fail("a string");
      return String(node.value);
    case "date": {
      if (!isScalar(node)) return fail("a date (YYYY-MM-DD or ISO 8601)");
      const text = node.value instanceof Date ? node.value.toISOString() : String(node.value);
      if (Number.isNaN(Date.parse(text))) return fail("a date (YYYY-MM-DD or ISO 8601)");
      return new Date(Date.parse(text)).toISOString();
    }
    case "list":
      // One book given as a mapping is a list of one; its keys keep their own path and line.
      if (shape.oneOrMore && isMap(node)) return [validate(node, shape.of, path, at)];
      if (!isSeq(node)) return fail("a list");
      return node.items.map((item, i) => validate(item as Node, shape.of, `${path}[${i}]`, at));
    case "map": {
      if (!isMap(node)) return fail("a mapping of key: value");
      const out: Record<string, unknown> = {};
      for (const pair of node.items) {
        const key = String((pair.key as { value?: unknown })?.value ?? pair.key);
        out[key] = validate(pair.value as Node, shape.of, path ? `${path}.${key}` : key, at);
      }
      return out;
    }
    case "object": {
      if (!isMap(node)) return fail("a mapping of key: value");
      const out: Record<string, unknown> = {};
      for (const pair of node.items) {
        const keyNode = pair.key as Node;
        const key = String((keyNode as { value?: unknown })?.value ?? keyNode);
        const fieldShape = shape.fields[key];
        const keyPath = path ? `${path}.${key}` : key;
        if (!fieldShape) {
          const known = Object.keys(shape.fields);
          throw new InputError(at(keyNode), `unknown key '${keyPath}'${suggest(key, known)} (known here: ${known.join(", ")})`);
        }
        out[key] = validate(pair.value as Node, fieldShape, keyPath, at);
      }
      for (const required of shape.required ?? []) {
        if (!(required in out)) fail(`a '${required}' key`);
      }
      return out;
    }
  }
}

/** " (did you mean 'x'?)" for the closest known name, when it is close. */
export function suggest(word: string, known: readonly string[]): string {
  const best = closest(word, known);
  return best ? ` (did you mean '${best}'?)` : "";
}

export function closest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
