// `adtrace generate`: realistic synthetic ad-auction traces, one trace per ad event, streamed to
// a file in any input format, with the ground truth computed while generating. Deterministic
// for a seed; memory stays flat whatever the number of events.
//
// Each event: a root `adserver.request.handle` and the seven stages of DESIGN.md as children,
// log-normal latencies with a long tail, and what each span used, for the price book to price:
// vCPUs behind every service span (`compute.vcpus`; compute = self time × vCPUs × the vCPU-hour
// rate), Snowflake lookups under tracking (`snowflake.credits_used` on most, else warehouse size ×
// query time) and BigQuery aggregates under aggregation (`db.bytes_billed`). The truth holds the
// costs the built-in price book implies, computed here from the spans generated (self times
// included), not by the SQL model. Shaped like a real pipeline: tracking and aggregation carry
// nearly all of the spend, request almost none. `explicitCost` writes today's `cost.usd`
// attributes instead (whole nano-dollars, with the same spans: usage is drawn from a stream of
// its own).
import { createWriteStream, rmSync } from "node:fs";
import { createGzip } from "node:zlib";
import { once } from "node:events";
import { writeFile } from "node:fs/promises";
import type { SpanRecord } from "../ingest/span.js";
import { UsageError } from "../errors.js";
import { SpoolWriter } from "../ingest/spool.js";
import { jaegerTrace, otlpRequest, zipkinSpans } from "./writers.js";
import { mulberry32 } from "../db/random.js";
import { onInterrupt } from "../db/interrupt.js";
import { compressionFor, writeBeside } from "../db/beside.js";
import { DEFAULT_PRICE_BOOK } from "../model/defaults.js";
import { BillingOut, type BillingTruth } from "./billing.js";

export const GENERATE_FORMATS = ["otlp", "jaeger", "zipkin", "parquet", "csv"] as const;
export type GenerateFormat = (typeof GENERATE_FORMATS)[number];

export interface GenerateOptions {
  events: number;
  out: string;
  format?: GenerateFormat;
  seed?: number;
  /** Scenario knobs, see SCENARIO_KNOBS. */
  scenario?: Record<string, string>;
  /** Head-sample whole traces with this probability and record it as ot=th in tracestate. */
  sampleRate?: number;
  /** Write each span's cost as `cost.usd` instead of the usage the price book prices. */
  explicitCost?: boolean;
  truth?: string;
  /** A directory for the warehouses' billing records of the same queries (issue 23); the truth gains a `billing` block. */
  billingOut?: string;
  onProgress?: (events: number) => void;
}

export const SCENARIO_KNOBS: Record<string, string> = {
  tracking_cache_hit_rate: "0..1: a cache in front of tracking; a hit skips the warehouse lookup (1 ms, no query cost)",
  slow_locale: "a user_locale (e.g. de-DE) whose aggregation is slow_factor× slower and scans slow_factor× the bytes",
  slow_factor: "the factor for slow_locale (default 3)",
  cost_regression: "STAGE:FACTOR, e.g. aggregation:1.3: that stage's usage (vCPUs, bytes, credits) and so its costs × FACTOR",
  cost_regression_from: "an ISO time (e.g. 2024-06-01T18:00:00Z): the cost_regression applies only to events that start then or later, a drift at a known time",
  costly_locale: "LOCALE:FACTOR, e.g. fr:3: every span of that user_locale's events uses FACTOR× (vCPUs, bytes, credits), so the event costs FACTOR×; LOCALE is a locale or its language (fr → fr-FR)",
};

export interface Truth {
  seed: number;
  /** "usage": costs implied by the built-in price book; "explicit": the cost.usd attributes written. */
  costs: "usage" | "explicit";
  events: number;
  spans: number;
  errors: number;
  total_cost_usd: number;
  cost_per_event_usd: number;
  cost_by_stage_usd: Record<string, number>;
  cost_by_name_usd: Record<string, number>;
  spans_by_name: Record<string, number>;
  /** Drivers the scenario planted (the locale as the spans carry it in user_locale). */
  planted?: {
    costly_locale?: { user_locale: string; factor: number };
    slow_locale?: { user_locale: string; factor: number };
    cost_regression?: { factors: Record<string, number>; from: string | null };
  };
  /** Events and cost per user_locale (all events generated). */
  events_by_locale: Record<string, number>;
  cost_by_locale_usd: Record<string, number>;
  /** What the file holds when --sample-rate dropped traces. */
  sample?: { rate: number; threshold: string; events: number; spans: number; total_cost_usd: number; cost_by_stage_usd: Record<string, number> };
  /** With billingOut: what the bill should reconcile to. */
  billing?: BillingTruth;
}

export interface GenerateResult {
  path: string;
  format: GenerateFormat;
  eventsWritten: number;
  spansWritten: number;
  truth: Truth;
}

const LOCALES = ["en-US", "de-DE", "fr-FR", "ja-JP", "pt-BR", "es-ES", "en-GB", "hi-IN"];
const DEVICES = ["mobile", "desktop", "tablet", "ctv"];
const EXCHANGES = ["adx", "openx", "magnite", "pubmatic"];
const BASE_US = 1717200000n * 1_000_000n; // 2024-06-01T00:00:00Z

/** The OpenTelemetry rejection threshold for a sampling probability: T = (1 − p)·2^56, 14 hex digits, trailing zeros trimmed. */
export function thresholdFor(rate: number): string {
  if (rate >= 1) return "0";
  // 2^56 − p·2^56 in integers: p·2^56 is exact in a double, (1 − p)·2^56 is not.
  const t = 2n ** 56n - BigInt(Math.round(rate * 2 ** 56));
  return t.toString(16).padStart(14, "0").replace(/0+$/, "") || "0";
}

function parseScenario(knobs: Record<string, string>) {
  for (const key of Object.keys(knobs)) {
    if (!(key in SCENARIO_KNOBS)) throw new UsageError(`--scenario: unknown knob '${key}' (known: ${Object.keys(SCENARIO_KNOBS).join(", ")})`);
  }
  const hit = knobs.tracking_cache_hit_rate === undefined ? 0 : Number(knobs.tracking_cache_hit_rate);
  if (!(hit >= 0 && hit <= 1)) throw new UsageError(`--scenario tracking_cache_hit_rate must be between 0 and 1, got '${knobs.tracking_cache_hit_rate}'`);
  const slowFactor = knobs.slow_factor === undefined ? 3 : Number(knobs.slow_factor);
  if (!(slowFactor > 0)) throw new UsageError(`--scenario slow_factor must be a positive number, got '${knobs.slow_factor}'`);
  const regression: Record<string, number> = {};
  if (knobs.cost_regression) {
    for (const part of knobs.cost_regression.split(",")) {
      const [stage, factor] = part.split(":");
      if (!stage || !(Number(factor) > 0)) throw new UsageError(`--scenario cost_regression expects STAGE:FACTOR, got '${part}'`);
      regression[stage] = Number(factor);
    }
  }
  let regressionFromUs: bigint | undefined;
  if (knobs.cost_regression_from !== undefined) {
    const ms = Date.parse(knobs.cost_regression_from);
    if (!knobs.cost_regression || !Number.isFinite(ms)) throw new UsageError(`--scenario cost_regression_from expects an ISO time such as 2024-06-01T18:00:00Z, with cost_regression, got '${knobs.cost_regression_from}'`);
    regressionFromUs = BigInt(ms) * 1000n;
  }
  let costly: { locale: string; factor: number } | undefined;
  if (knobs.costly_locale !== undefined) {
    const [name, factorText] = knobs.costly_locale.split(":");
    const factor = factorText === undefined ? 3 : Number(factorText);
    const matches = LOCALES.filter((l) => l === name || l.split("-")[0] === name);
    if (!name || !(factor > 0) || !Number.isFinite(factor)) throw new UsageError(`--scenario costly_locale expects LOCALE:FACTOR (e.g. fr:3), got '${knobs.costly_locale}'`);
    if (matches.length !== 1) throw new UsageError(`--scenario costly_locale: '${name}' names no single generated locale (${LOCALES.join(", ")})`);
    costly = { locale: matches[0]!, factor };
  }
  return { hit, slowLocale: knobs.slow_locale, slowFactor, regression, regressionFromUs, costly };
}

type Scenario = ReturnType<typeof parseScenario>;

/** What a span used, which the price book prices (usage mode). */
interface Usage {
  /** vCPUs behind the span; the book's default when absent. */
  vcpus?: number;
  snowflake?: { size: string; credits?: number };
  bigqueryBytes?: number;
}

interface GenSpan extends SpanRecord {
  stage: string;
  /** The explicit cost (cost.usd), whole nano-dollars. */
  costNano: number;
  usage: Usage;
}

// vCPUs behind each service's spans (pod sizes); warehouse CLIENT spans carry none (book default).
const SERVICE_VCPUS: Record<string, number> = { adserver: 2, "profile-svc": 2, inventory: 8, auction: 4, delivery: 2, tracker: 1, aggregator: 2 };
// BigQuery bytes billed per aggregate: log-normal around 32 MiB, never under 16 MiB (above the
// 10 MiB minimum, so a cost regression scales its cost exactly).
const BYTES_MEDIAN = 32 * 2 ** 20;
const BYTES_FLOOR = 16 * 2 ** 20;
// Snowflake: three lookups in four report the credits they used (around 0.00008); the others are
// priced by their warehouse's size × query time.
const CREDITS_SHARE = 0.75;
const CREDITS_MEDIAN = 0.00008;

/**
 * One ad event's spans. Draws from `random` in a fixed order, so a seed fixes everything; usage
 * draws come from `usageRandom` alone, so both cost modes give the same spans.
 */
function makeEvent(index: number, events: number, random: () => number, usageRandom: () => number, scenario: Scenario, explicitCost: boolean): GenSpan[] {
  const hex = (digits: number) => {
    let s = "";
    while (s.length < digits) s += Math.floor(random() * 0x100000000).toString(16).padStart(8, "0");
    return s.slice(0, digits);
  };
  const gauss = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const lognormal = (medianMs: number, sigma: number) => Math.max(50, Math.round(medianMs * 1000 * Math.exp(sigma * gauss()))); // µs
  const pick = <T>(list: T[]) => list[Math.floor(random() * list.length)]!;
  const traceId = hex(32);
  const locale = pick(LOCALES);
  const campaign = `c-${1 + Math.floor(random() * 20)}`;
  const common = { user_locale: locale, "ad.campaign_id": campaign };
  const startUs = BASE_US + (BigInt(index) * 86_400_000_000n) / BigInt(Math.max(events, 1));
  const spans: GenSpan[] = [];
  const gaussU = () => Math.sqrt(-2 * Math.log(1 - usageRandom())) * Math.cos(2 * Math.PI * usageRandom());
  // A costly locale's events use more of everything: each stage's usage × its factor, composed with a cost regression.
  const costlyFactor = scenario.costly?.locale === locale ? scenario.costly.factor : 1;
  const regressed = scenario.regressionFromUs === undefined || startUs >= scenario.regressionFromUs;
  const factorOf = (stage: string) => (regressed ? scenario.regression[stage] ?? 1 : 1) * costlyFactor;
  const add = (stage: string, name: string, service: string, parent: string | null, start: bigint, durUs: number, costNano: number, attributes: Record<string, string> = {}, kind = "SERVER") => {
    const factor = factorOf(stage);
    const span: GenSpan = {
      traceId, spanId: hex(16), parentSpanId: parent, name, service, kind, status: "UNSET",
      startNs: start * 1000n, durationNs: BigInt(durUs) * 1000n, attributes: {}, resourceAttributes: { "service.name": service }, traceState: null,
      stage, costNano: Math.round(costNano * factor), usage: {},
    };
    span.attributes = explicitCost ? { ...common, ...attributes, "cost.usd": (span.costNano / 1e9).toFixed(9) } : { ...common, ...attributes };
    if (!explicitCost && kind === "SERVER") span.usage.vcpus = SERVICE_VCPUS[service]! * factor;
    else if (!explicitCost && factor !== 1) span.usage.vcpus = DEFAULT_PRICE_BOOK.compute!.vcpus! * factor;
    spans.push(span);
    return span;
  };
  const root = add("request", "adserver.request.handle", "adserver", null, startUs, 0, 8000 + Math.round(random() * 4000), {
    "ad.advertiser_id": `adv-${1 + Math.floor(random() * 8)}`, "device.type": pick(DEVICES), "ad.exchange": pick(EXCHANGES),
    "ad.bid_price_usd": (0.2 + random() * 4).toFixed(2), "ad.relevance_score": random().toFixed(3),
  });
  let cursor = startUs + 150n;
  const child = (stage: string, name: string, service: string, medianMs: number, sigma: number, costNano: number, at = cursor) =>
    add(stage, name, service, root.spanId, at, lognormal(medianMs, sigma), costNano);
  const profiling = child("profiling", "profile.user.lookup", "profile-svc", 3, 0.4, 25000 + random() * 10000);
  const inventory = child("inventory_lookup", "inventory.ann.search", "inventory", 8, 0.5, 60000 + random() * 20000, cursor + 500n);
  const endOf = (s: GenSpan) => (s.startNs + s.durationNs) / 1000n;
  cursor = (endOf(profiling) > endOf(inventory) ? endOf(profiling) : endOf(inventory)) + 100n;
  const auction = child("auction", "auction.rtb.run", "auction", 12, 0.6, 50000 + random() * 20000);
  if (random() < 0.01) auction.status = "ERROR";
  cursor = auction.startNs / 1000n + auction.durationNs / 1000n + 100n;
  const delivery = child("delivery", "delivery.creative.render", "delivery", 4, 0.3, 35000 + random() * 10000);
  cursor = delivery.startNs / 1000n + delivery.durationNs / 1000n + 100n;
  const hit = random() < scenario.hit;
  const tracking = child("tracking", "tracker.events.write", "tracker", hit ? 1 : 6, 0.3, 18000 + random() * 4000);
  if (hit) {
    tracking.attributes["cache.hit"] = "true";
    tracking.costNano += 6000;
    if (explicitCost) tracking.attributes["cost.usd"] = (tracking.costNano / 1e9).toFixed(9);
  } else {
    const queries = random() < 0.05 ? 2 : 1;
    let at = tracking.startNs / 1000n + 100n;
    for (let q = 0; q < queries; q++) {
      const isInsert = q === 1;
      const statement = isInsert
        ? `INSERT INTO impressions (event_id, campaign_id, ts) VALUES ('${hex(12)}', '${campaign}', '2024-06-01 ${String(index % 24).padStart(2, "0")}:00:00')`
        : `SELECT 1 FROM impressions_dedupe WHERE event_id = '${hex(12)}' AND day = '2024-06-01'`;
      const q1 = add("tracking", "tracker.warehouse.insert", "tracker", tracking.spanId, at, lognormal(2.5, 0.4), 280000 * Math.exp(0.3 * gauss()), {
        "db.system": "snowflake", "snowflake.warehouse.size": "XSMALL", "db.operation": isInsert ? "INSERT" : "SELECT", "db.statement": statement,
      }, "CLIENT");
      if (!explicitCost) {
        const factor = factorOf("tracking");
        const reports = usageRandom() < CREDITS_SHARE;
        const credits = Number((CREDITS_MEDIAN * Math.exp(0.3 * gaussU())).toPrecision(6));
        // Under a cost regression every lookup reports credits, so its cost scales exactly.
        const sizeCredits = (DEFAULT_PRICE_BOOK.warehouses!.snowflake!.credits_per_hour!.XSMALL! * Number(q1.durationNs)) / 3.6e12;
        q1.usage.snowflake = { size: "XSMALL", credits: reports ? credits * factor : factor !== 1 ? sizeCredits * factor : undefined };
      }
      at = q1.startNs / 1000n + q1.durationNs / 1000n + 50n;
    }
    const end = at + 100n;
    if (end > tracking.startNs / 1000n + tracking.durationNs / 1000n) tracking.durationNs = (end - tracking.startNs / 1000n) * 1000n;
  }
  cursor = tracking.startNs / 1000n + tracking.durationNs / 1000n + 100n;
  const slow = scenario.slowLocale === locale ? scenario.slowFactor : 1;
  const aggregation = add("aggregation", "aggregator.rollup.compute", "aggregator", root.spanId, cursor, lognormal(2, 0.3) * slow, (18000 + random() * 4000) * slow);
  const aggQueries = random() < 0.08 ? 2 : 1;
  let at = aggregation.startNs / 1000n + 200n;
  for (let q = 0; q < aggQueries; q++) {
    const bytes = Math.round(2e9 * Math.exp(0.5 * gauss()));
    const template = Math.floor(random() * 3);
    const statement = [
      `SELECT campaign_id, count(*), sum(spend_usd) FROM ad_events WHERE campaign_id = '${campaign}' AND ts >= '2024-06-01' GROUP BY campaign_id`,
      `SELECT advertiser_id, approx_count_distinct(user_id) FROM ad_events WHERE advertiser_id = 'adv-${1 + (index % 8)}' AND day = '2024-06-01' GROUP BY advertiser_id`,
      `SELECT sum(clicks) / sum(impressions) FROM ad_stats WHERE campaign_id = '${campaign}' AND hour >= ${index % 24}`,
    ][template]!;
    const qs = add("aggregation", "aggregator.warehouse.query", "aggregator", aggregation.spanId, at, lognormal(7, 0.6) * slow, 420000 * (bytes / 2e9) * slow, {
      "db.system": "bigquery", "db.operation": "SELECT", ...(explicitCost ? { "db.bytes_scanned": String(bytes) } : {}), "db.statement": statement,
    }, "CLIENT");
    if (!explicitCost) {
      const billed = Math.max(BYTES_FLOOR, Math.round(BYTES_MEDIAN * Math.exp(0.5 * gaussU())));
      qs.usage.bigqueryBytes = Math.round(billed * slow * factorOf("aggregation"));
    }
    at = qs.startNs / 1000n + qs.durationNs / 1000n + 50n;
  }
  const aggEnd = at + 100n;
  if (aggEnd > aggregation.startNs / 1000n + aggregation.durationNs / 1000n) aggregation.durationNs = (aggEnd - aggregation.startNs / 1000n) * 1000n;
  const end = aggregation.startNs / 1000n + aggregation.durationNs / 1000n + 200n;
  root.durationNs = (end - startUs) * 1000n;
  if (!explicitCost) {
    for (const span of spans) {
      const u = span.usage;
      if (u.vcpus !== undefined) span.attributes["compute.vcpus"] = String(u.vcpus);
      if (u.snowflake?.credits !== undefined) span.attributes["snowflake.credits_used"] = String(u.snowflake.credits);
      if (u.bigqueryBytes !== undefined) span.attributes["db.bytes_billed"] = String(u.bigqueryBytes);
    }
  }
  return spans;
}

/**
 * Each span's self time: its duration minus the union of its direct children's intervals,
 * clipped to it (DESIGN.md's definition), from the spans of one event.
 */
function selfTimes(spans: GenSpan[]): Map<GenSpan, bigint> {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const children = new Map<GenSpan, [bigint, bigint][]>();
  for (const c of spans) {
    const p = c.parentSpanId ? byId.get(c.parentSpanId) : undefined;
    if (!p) continue;
    const start = c.startNs > p.startNs ? c.startNs : p.startNs;
    const cEnd = c.startNs + c.durationNs;
    const pEnd = p.startNs + p.durationNs;
    const end = cEnd < pEnd ? cEnd : pEnd;
    if (end > start) children.set(p, [...(children.get(p) ?? []), [start, end]]);
  }
  const self = new Map<GenSpan, bigint>();
  for (const s of spans) {
    const intervals = (children.get(s) ?? []).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    let covered = 0n;
    let reach: bigint | undefined;
    for (const [start, end] of intervals) {
      const from = reach !== undefined && reach > start ? reach : start;
      if (end > from) covered += end - from;
      if (reach === undefined || end > reach) reach = end;
    }
    self.set(s, s.durationNs > covered ? s.durationNs - covered : 0n);
  }
  return self;
}

/** A span's cost in nano-dollars from its usage and the built-in price book (README, "Cost model"). */
function bookCostNano(span: GenSpan, selfNs: bigint): number {
  const book = DEFAULT_PRICE_BOOK;
  const compute = book.compute!;
  let usd = (Number(selfNs) / 3.6e12) * (span.usage.vcpus ?? compute.vcpus!) * compute.vcpu_hour_usd!;
  const sf = span.usage.snowflake;
  if (sf) {
    const price = book.warehouses!.snowflake!;
    usd += (sf.credits ?? (price.credits_per_hour![sf.size]! * Number(span.durationNs)) / 3.6e12) * price.credit_usd!;
  }
  if (span.usage.bigqueryBytes !== undefined) {
    const price = book.warehouses!.bigquery!;
    usd += (Math.max(span.usage.bigqueryBytes, price.min_bytes!) / 2 ** 40) * price.tib_usd!;
  }
  return usd * 1e9;
}

interface Sink {
  write(spans: SpanRecord[]): Promise<void>;
  /** Finish the file. */
  end(): Promise<void>;
  /** Give up after a failure: close what is open and remove what is the sink's own. */
  abort(): void;
}

async function streamSink(path: string, gzip: boolean, open: string, separator: string, close: string, render: (spans: SpanRecord[]) => string): Promise<Sink> {
  const file = createWriteStream(path);
  const stream = gzip ? createGzip() : file;
  if (gzip) stream.pipe(file);
  let first = true;
  const put = async (text: string) => {
    if (!stream.write(text)) await once(stream, "drain");
  };
  await put(open);
  return {
    async write(spans) {
      await put((first ? "" : separator) + render(spans));
      first = false;
    },
    async end() {
      await put(close);
      stream.end();
      await once(file, "finish");
    },
    abort() {
      stream.destroy();
      file.destroy();
    },
  };
}

async function flatSink(path: string, format: "parquet" | "csv", compression: "gzip" | "none"): Promise<Sink> {
  const spoolPath = `${path}.ndjson`;
  const release = onInterrupt(() => rmSync(spoolPath, { force: true }));
  const writer = new SpoolWriter(spoolPath);
  const remove = () => {
    release();
    rmSync(spoolPath, { force: true });
  };
  return {
    async write(spans) {
      for (const span of spans) writer.write(span);
    },
    async end() {
      writer.close();
      const { Db } = await import("../db/db.js");
      const db = await Db.open({ memoryLimit: "512MB" });
      try {
        await db.run("spans.spool_macro");
        if (format === "parquet") await db.run("spans.spool_to_parquet", { spool: spoolPath, out: path });
        else await db.run("spans.spool_to_csv", { spool: spoolPath, out: path, compression });
      } finally {
        db.close();
        remove();
      }
    },
    abort() {
      writer.close();
      remove();
    },
  };
}

/** A sink writing `path`, gzipped when `out` (the name it will have) ends in .gz. */
async function openSink(path: string, out: string, format: GenerateFormat): Promise<Sink> {
  const compression = compressionFor(out);
  const gzip = compression === "gzip";
  switch (format) {
    case "otlp":
      return streamSink(path, gzip, "", "\n", "\n", (spans) => JSON.stringify(otlpRequest(spans)));
    case "jaeger":
      return streamSink(path, gzip, '{"data":[\n', ",\n", "\n]}\n", (spans) => JSON.stringify(jaegerTrace(spans)));
    case "zipkin":
      return streamSink(path, gzip, "[\n", ",\n", "\n]\n", (spans) => JSON.stringify(zipkinSpans(spans)).slice(1, -1));
    case "parquet":
      if (gzip) throw new UsageError(`--out ${out}: Parquet compresses itself; name it .parquet`);
      return flatSink(path, format, compression);
    default:
      return flatSink(path, format, compression);
  }
}

/** The format an --out name implies (a .gz suffix compresses it): .parquet, .csv, .jsonl. */
export function formatFromPath(path: string): GenerateFormat | undefined {
  const name = path.replace(/\.gz$/i, "");
  if (/\.parquet$/i.test(name)) return "parquet";
  if (/\.csv$/i.test(name)) return "csv";
  if (/\.jsonl$/i.test(name)) return "otlp";
  return undefined;
}

export async function generate(options: GenerateOptions): Promise<GenerateResult> {
  if (!Number.isInteger(options.events) || options.events < 1) throw new UsageError(`--events must be a whole number ≥ 1, got '${options.events}'`);
  const rate = options.sampleRate ?? 1;
  if (!(rate > 0 && rate <= 1)) throw new UsageError(`--sample-rate must be in (0, 1], got '${options.sampleRate}'`);
  const format = options.format ?? formatFromPath(options.out) ?? "otlp";
  const seed = options.seed ?? 1;
  const scenario = parseScenario(options.scenario ?? {});
  const random = mulberry32(seed);
  const keep = mulberry32(seed ^ 0x5eed5eed);
  const usageRandom = mulberry32(seed ^ 0x05a9e5a9);
  const explicitCost = options.explicitCost ?? false;
  const threshold = thresholdFor(rate);
  const traceState = rate < 1 ? `ot=th:${threshold}` : null;
  const nano = { total: 0, byStage: new Map<string, number>(), byName: new Map<string, number>(), spansByName: new Map<string, number>(), byLocale: new Map<string, number>() };
  const eventsByLocale = new Map<string, number>();
  const kept = { events: 0, spans: 0, total: 0, byStage: new Map<string, number>() };
  const bump = (map: Map<string, number>, key: string, n: number) => map.set(key, (map.get(key) ?? 0) + n);
  let spansTotal = 0;
  let errors = 0;
  if (options.billingOut !== undefined && explicitCost) throw new UsageError("--billing-out bills the usage spans carry: not with --explicit-cost");
  const billing = options.billingOut === undefined ? undefined : new BillingOut(options.billingOut, seed);
  let billingTruth: BillingTruth | undefined;
  await writeBeside(options.out, async (partial) => {
    const sink = await openSink(partial, options.out, format);
    try {
      for (let i = 0; i < options.events; i++) {
        const spans = makeEvent(i, options.events, random, usageRandom, scenario, explicitCost);
        spansTotal += spans.length;
        const self = explicitCost ? undefined : selfTimes(spans);
        const costs = spans.map((s) => (self ? bookCostNano(s, self.get(s)!) : s.costNano));
        const locale = spans[0]!.attributes.user_locale!;
        bump(eventsByLocale, locale, 1);
        spans.forEach((s, k) => {
          nano.total += costs[k]!;
          bump(nano.byStage, s.stage, costs[k]!);
          bump(nano.byName, s.name, costs[k]!);
          bump(nano.spansByName, s.name, 1);
          bump(nano.byLocale, locale, costs[k]!);
          if (s.status === "ERROR") errors++;
        });
        const dropped = rate < 1 && keep() >= rate;
        billing?.add(spans, !dropped);
        if (dropped) continue;
        kept.events++;
        kept.spans += spans.length;
        spans.forEach((s, k) => {
          kept.total += costs[k]!;
          bump(kept.byStage, s.stage, costs[k]!);
          s.traceState = traceState;
        });
        await sink.write(spans);
        if (i % 10000 === 0) options.onProgress?.(i);
        // A sink that writes synchronously never returns to the event loop: let Ctrl-C in.
        if (i % 1000 === 999) await new Promise((resolve) => setImmediate(resolve));
      }
      await sink.end();
      billingTruth = await billing?.end();
    } catch (error) {
      sink.abort();
      billing?.abort();
      throw error;
    }
  });
  const usd = (n: number) => n / 1e9;
  const record = (map: Map<string, number>, f = usd) => Object.fromEntries([...map].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => [k, f(v)]));
  const truth: Truth = {
    seed,
    costs: explicitCost ? "explicit" : "usage",
    events: options.events,
    spans: spansTotal,
    errors,
    total_cost_usd: usd(nano.total),
    cost_per_event_usd: usd(nano.total) / options.events,
    cost_by_stage_usd: record(nano.byStage),
    cost_by_name_usd: record(nano.byName),
    spans_by_name: record(nano.spansByName, (n) => n),
    ...(scenario.costly || scenario.slowLocale || Object.keys(scenario.regression).length ? {
      planted: {
        ...(scenario.costly ? { costly_locale: { user_locale: scenario.costly.locale, factor: scenario.costly.factor } } : {}),
        ...(scenario.slowLocale ? { slow_locale: { user_locale: scenario.slowLocale, factor: scenario.slowFactor } } : {}),
        ...(Object.keys(scenario.regression).length ? {
          cost_regression: { factors: scenario.regression, from: scenario.regressionFromUs === undefined ? null : new Date(Number(scenario.regressionFromUs / 1000n)).toISOString() },
        } : {}),
      },
    } : {}),
    events_by_locale: record(eventsByLocale, (n) => n),
    cost_by_locale_usd: record(nano.byLocale),
    ...(rate < 1 ? { sample: { rate, threshold, events: kept.events, spans: kept.spans, total_cost_usd: usd(kept.total), cost_by_stage_usd: record(kept.byStage) } } : {}),
    ...(billingTruth ? { billing: billingTruth } : {}),
  };
  if (options.truth) await writeFile(options.truth, JSON.stringify(truth, null, 2) + "\n");
  return { path: options.out, format, eventsWritten: kept.events, spansWritten: kept.spans, truth };
}
