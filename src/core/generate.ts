// Synthetic ad-auction traces (notes: pipeline-shape.md): one trace per ad event, written as
// OTLP JSON Lines, Jaeger JSON, Zipkin v2 JSON, canonical CSV or canonical Parquet, plus the
// ground truth computed while generating. Deterministic for a seed: every event draws from its
// own PRNG stream, always the same draws in the same order, so scenario knobs and sampling change
// only what they say. Streams: one event at a time, written with backpressure, so memory does not
// grow with --events. Times are whole microseconds and costs whole nano-dollars, so every format
// round-trips exactly and the truth's sums are exact. Never prints.
import { createWriteStream, existsSync, renameSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { createGzip } from "node:zlib";
import type { Writable } from "node:stream";
import { InputError, UsageError } from "../errors.js";
import { onInterrupt } from "./interrupt.js";

export const GENERATE_FORMATS = ["otlp", "jaeger", "zipkin", "parquet", "csv"] as const;
export type GenerateFormat = (typeof GENERATE_FORMATS)[number];

export const STAGES = ["request", "profiling", "inventory_lookup", "auction", "delivery", "tracking", "aggregation"] as const;
export type Stage = (typeof STAGES)[number];

export interface Scenario {
  /** Share of events whose tracking write hits a cache in front of the warehouse (no insert). */
  trackingCacheHitRate: number;
  /** Events of this user_locale get a slower, costlier aggregation. */
  slowLocale?: string;
  /** How much slower and costlier (durations, bytes scanned and costs ×). */
  slowFactor: number;
  /** Per-stage cost multipliers (a regression, or an improvement below 1). */
  costRegression: Partial<Record<Stage, number>>;
}

export interface GenerateOptions {
  events: number;
  out: string;
  /** Default: from the --out extension (.parquet, .csv[.gz]), else otlp. */
  format?: GenerateFormat;
  seed?: number;
  scenario?: Partial<Scenario>;
  /** Head-sampling probability, 0 < R ≤ 1; a decimal string keeps the threshold exact. */
  sampleRate?: string | number;
  /** Where to write the ground truth (JSON). */
  truth?: string;
}

export interface Totals {
  events: number;
  spans: number;
  error_spans: number;
  error_events: number;
  warehouse_queries: number;
  total_cost_usd: number;
  cost_per_event_usd: number;
  cost_by_stage_usd: Record<string, number>;
  cost_by_name_usd: Record<string, number>;
  spans_by_name: Record<string, number>;
  spans_by_stage: Record<string, number>;
}

export interface Truth {
  generator: "adtrace generate";
  seed: number;
  format: GenerateFormat;
  scenario: Scenario;
  sample_rate: number | null;
  /** The tracestate every written span carries, e.g. `ot=th:c`, when sampling. */
  trace_state: string | null;
  /** Every generated event, before sampling. */
  population: Totals;
  /** What the file holds: the kept sample (the population itself without --sample-rate). */
  written: Totals;
}

export interface GenerateResult {
  out: string;
  format: GenerateFormat;
  bytes: number;
  truthPath?: string;
  truth: Truth;
}

// ------------------------------------------------------------------ options

export function generateFormatFor(out: string, format?: string): GenerateFormat {
  if (format !== undefined) {
    if ((GENERATE_FORMATS as readonly string[]).includes(format)) return format as GenerateFormat;
    throw new UsageError(`generate --format must be one of ${GENERATE_FORMATS.join(", ")}, not '${format}'`);
  }
  if (/\.parquet$/i.test(out)) return "parquet";
  if (/\.csv(\.gz)?$/i.test(out)) return "csv";
  return "otlp";
}

export const SCENARIO_KEYS = ["tracking_cache_hit_rate", "slow_locale", "slow_factor", "cost_regression"] as const;

/** `--scenario key=value` pairs → a Scenario. cost_regression takes STAGE:FACTOR, repeatable or comma-separated. */
export function parseScenario(pairs: readonly string[] = []): Scenario {
  const scenario: Scenario = { trackingCacheHitRate: 0, slowFactor: 3, costRegression: {} };
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new UsageError(`--scenario expects key=value, got '${pair}' (keys: ${SCENARIO_KEYS.join(", ")})`);
    const key = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    switch (key) {
      case "tracking_cache_hit_rate":
        scenario.trackingCacheHitRate = fraction(value, `--scenario ${key}`);
        break;
      case "slow_locale":
        if (!value) throw new UsageError("--scenario slow_locale needs a locale, e.g. slow_locale=de-DE");
        scenario.slowLocale = value;
        break;
      case "slow_factor":
        scenario.slowFactor = positive(value, `--scenario ${key}`);
        break;
      case "cost_regression":
        for (const item of value.split(",")) {
          const [stage, factor] = item.split(":");
          if (!(STAGES as readonly string[]).includes(stage?.trim() ?? "") || factor === undefined) {
            throw new UsageError(`--scenario cost_regression expects STAGE:FACTOR with STAGE one of ${STAGES.join(", ")}, got '${item}'`);
          }
          scenario.costRegression[stage!.trim() as Stage] = positive(factor, `--scenario cost_regression ${stage}`);
        }
        break;
      default:
        throw new UsageError(`--scenario: unknown key '${key}' (keys: ${SCENARIO_KEYS.join(", ")})`);
    }
  }
  return scenario;
}

function fraction(text: string, what: string): number {
  const n = Number(text);
  if (text === "" || !(n >= 0 && n <= 1)) throw new UsageError(`${what} expects a number from 0 to 1, got '${text}'`);
  return n;
}

function positive(text: string, what: string): number {
  const n = Number(text);
  if (text === "" || !(n > 0) || !Number.isFinite(n)) throw new UsageError(`${what} expects a positive number, got '${text}'`);
  return n;
}

const TWO_56 = 1n << 56n;

/**
 * The OpenTelemetry rejection threshold for a sampling probability R: T = round((1 − R)·2^56),
 * computed exactly from R's decimal spelling, and its `th` value (14 hex digits, trailing zeros
 * trimmed, `0` for R = 1). A trace is kept when the low 56 bits of its id are ≥ T.
 */
export function samplingThreshold(rate: string | number): { threshold: bigint; th: string; rate: number } {
  const text = String(rate).trim();
  const m = /^(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i.exec(text);
  if (!m || (m[1] === "" && !m[2])) throw new UsageError(`--sample-rate expects a probability 0 < R ≤ 1, got '${text}'`);
  // R = digits / 10^scale
  let digits = BigInt((m[1] || "0") + (m[2] ?? ""));
  let scale = (m[2] ?? "").length - Number(m[3] ?? 0);
  if (scale < 0) {
    digits *= 10n ** BigInt(-scale);
    scale = 0;
  }
  const den = 10n ** BigInt(scale);
  if (digits <= 0n || digits > den) throw new UsageError(`--sample-rate expects a probability 0 < R ≤ 1, got '${text}'`);
  const num = (den - digits) * TWO_56;
  const threshold = (2n * num + den) / (2n * den); // round half up
  if (threshold >= TWO_56) throw new UsageError(`--sample-rate ${text} is below the smallest OpenTelemetry threshold (2^-56)`);
  const hex = threshold.toString(16).padStart(14, "0").replace(/0+$/, "");
  return { threshold, th: hex === "" ? "0" : hex, rate: Number(text) };
}

// ------------------------------------------------------------------ randomness

const MASK64 = (1n << 64n) - 1n;
const GAMMA = 0x9e3779b97f4a7c15n;

/** splitmix64's output function: a bijection on 64-bit values. */
function mix64(z: bigint): bigint {
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

/** sfc32: a small, fast 32-bit PRNG with 128 bits of state. */
class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  constructor(a: number, b: number, c: number, d: number) {
    this.a = a | 0;
    this.b = b | 0;
    this.c = c | 0;
    this.d = d | 0;
    for (let i = 0; i < 12; i++) this.u32();
  }
  u32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }
  /** Uniform in [0, 1). */
  float(): number {
    return this.u32() / 4294967296;
  }
  /** Standard normal (Box–Muller; always two draws). */
  normal(): number {
    const u = 1 - this.float();
    const v = this.float();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
  /** Log-normal with this median and log-space sigma. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }
  /** A long-tail multiplier: 1 usually, with probability p a Pareto(α) factor (capped). Two draws. */
  tail(p = 0.02, alpha = 1.3, cap = 40): number {
    const u = this.float();
    const v = 1 - this.float();
    return u < p ? Math.min(cap, Math.pow(v, -1 / alpha)) : 1;
  }
  /** One of `items`, by a cumulative distribution (binary search). */
  pick<T>(items: readonly T[], cdf: readonly number[]): T {
    const u = this.float();
    let lo = 0;
    let hi = cdf.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (u < cdf[mid]!) hi = mid;
      else lo = mid + 1;
    }
    return items[lo]!;
  }
  hex64(): string {
    return hex8(this.u32()) + hex8(this.u32());
  }
}

const BYTE_HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
const hex8 = (n: number) => BYTE_HEX[n >>> 24]! + BYTE_HEX[(n >>> 16) & 255]! + BYTE_HEX[(n >>> 8) & 255]! + BYTE_HEX[n & 255]!;
const hex16 = (n: bigint) => n.toString(16).padStart(16, "0");

function cdfOf(weights: readonly number[]): number[] {
  const total = weights.reduce((a, b) => a + b, 0);
  let run = 0;
  return weights.map((w) => (run += w / total));
}

// ------------------------------------------------------------------ the pipeline model

type AttrType = "s" | "i" | "d";
type Attr = readonly [key: string, value: string, type: AttrType];

interface GenSpan {
  spanId: string;
  parentId: string | null;
  name: string;
  service: string;
  kind: "SERVER" | "CLIENT";
  stage: Stage;
  startUs: number;
  durationUs: number;
  isError: boolean;
  costNano: number;
  /** The span's own attributes; every span also carries its trace's `common` ones first. */
  attrs: Attr[];
}

interface GenTrace {
  traceId: string;
  /** The group-by attributes every span of the event carries. */
  common: Attr[];
  spans: GenSpan[];
}

const DEVICES = ["mobile", "desktop", "tablet", "ctv"] as const;
const DEVICE_CDF = cdfOf([62, 28, 7, 3]);
const LOCALES = ["en-US", "en-GB", "de-DE", "fr-FR", "es-ES", "pt-BR", "ja-JP", "hi-IN", "it-IT", "nl-NL"] as const;
const LOCALE_CDF = cdfOf([38, 8, 9, 7, 6, 8, 7, 8, 4, 5]);
const EXCHANGES = ["google-adx", "magnite", "openx", "pubmatic", "index-exchange"] as const;
const EXCHANGE_CDF = cdfOf([40, 18, 15, 15, 12]);
const CAMPAIGNS = 200;
const ADVERTISERS = 40;
const CAMPAIGN_CDF = cdfOf(Array.from({ length: CAMPAIGNS }, (_, i) => 1 / Math.pow(i + 1, 0.9)));
const CAMPAIGN_INDEX = Array.from({ length: CAMPAIGNS }, (_, i) => i);
const CAMPAIGN_IDS = Array.from({ length: CAMPAIGNS }, (_, i) => `cmp-${String(1000 + i * 37).padStart(5, "0")}`);
const ADVERTISER_IDS = Array.from({ length: CAMPAIGNS }, (_, i) => `adv-${String((i * 7) % ADVERTISERS + 1).padStart(3, "0")}`);

/** Compute cost per stage: nano-dollars per millisecond of self time, from a target mean cost and the mean duration. */
interface ComputeModel {
  medianMs: number;
  sigma: number;
  targetNano: number;
}
const COMPUTE: Record<Stage, ComputeModel> = {
  request: { medianMs: 0.7, sigma: 0.5, targetNano: 100 }, // pre and post each
  profiling: { medianMs: 4, sigma: 0.5, targetNano: 600 },
  inventory_lookup: { medianMs: 8, sigma: 0.6, targetNano: 1400 },
  auction: { medianMs: 25, sigma: 0.45, targetNano: 1200 },
  delivery: { medianMs: 6, sigma: 0.5, targetNano: 800 },
  tracking: { medianMs: 3, sigma: 0.5, targetNano: 500 },
  aggregation: { medianMs: 6, sigma: 0.6, targetNano: 700 },
};
const rateNanoPerMs = (m: ComputeModel) => m.targetNano / (m.medianMs * Math.exp((m.sigma * m.sigma) / 2));
const COMPUTE_RATE = Object.fromEntries(STAGES.map((s) => [s, rateNanoPerMs(COMPUTE[s])])) as Record<Stage, number>;

const AUCTION_TMAX_MS = 150;
/** BigQuery on-demand: $6.25 per TiB scanned, in nano-dollars per byte. */
const BQ_NANO_PER_BYTE = 6.25e9 / 2 ** 40;
/** Snowflake insert cost per ms of warehouse time (a shared XSMALL warehouse, amortised). */
const SNOWFLAKE_NANO_PER_MS = 120;
const MAX_INSERTS = 4;
const MAX_QUERIES = 5;
const BASE_EPOCH_US = Date.UTC(2025, 5, 2) * 1000;
const MEAN_GAP_US = 500;

interface EventDims {
  campaign: string;
  advertiser: string;
  device: string;
  locale: string;
  exchange: string;
  bidPrice: number;
  relevance: number;
  userId: string;
  eventId: string;
}

const DAY_MS = 86_400_000;
const dayText = new Map<number, string>();
/** `YYYY-MM-DD` of an epoch-µs time (UTC), cached per day. */
function sqlDate(us: number): string {
  const day = Math.floor(us / 1000 / DAY_MS);
  let text = dayText.get(day);
  if (text === undefined) dayText.set(day, (text = new Date(day * DAY_MS).toISOString().slice(0, 10)));
  return text;
}
/** `YYYY-MM-DD hh:mm:ss.mmm` (UTC). */
function sqlTs(us: number): string {
  const ms = Math.floor(us / 1000);
  const t = ms - Math.floor(ms / DAY_MS) * DAY_MS;
  const two = (n: number) => (n < 10 ? "0" : "") + n;
  const milli = t % 1000;
  return `${sqlDate(us)} ${two(Math.floor(t / 3_600_000))}:${two(Math.floor(t / 60_000) % 60)}:${two(Math.floor(t / 1000) % 60)}.${milli < 10 ? "00" : milli < 100 ? "0" : ""}${milli}`;
}

interface Template {
  operation: string;
  weight: number;
  /** Median bytes scanned and its log-space sigma. */
  bytesMedian: number;
  bytesSigma: number;
  /** Median warehouse time in ms (Snowflake), or per-MB time (BigQuery). */
  ms: number;
  sql: (d: EventDims, us: number, rng: Rng) => string;
}

const TRACKING_TEMPLATES: Template[] = [
  {
    operation: "INSERT", weight: 70, bytesMedian: 320, bytesSigma: 0.3, ms: 30,
    sql: (d, us, rng) => `INSERT INTO ad_events.impressions (event_id, campaign_id, user_id, ts, price_usd) VALUES ('${d.eventId}', '${d.campaign}', '${d.userId}', '${sqlTs(us)}', ${(d.bidPrice / 1000).toFixed(6)}) /* shard ${rng.u32() % 64} */`,
  },
  {
    operation: "INSERT", weight: 10, bytesMedian: 240, bytesSigma: 0.3, ms: 30,
    sql: (d, us, rng) => `INSERT INTO ad_events.clicks (event_id, campaign_id, user_id, ts) VALUES ('${d.eventId}', '${d.campaign}', '${d.userId}', '${sqlTs(us + (rng.u32() % 60_000_000))}')`,
  },
  {
    operation: "MERGE", weight: 20, bytesMedian: 2_000_000, bytesSigma: 0.9, ms: 70,
    sql: (d) => `MERGE INTO ad_events.user_frequency t USING (SELECT '${d.userId}' AS user_id, '${d.campaign}' AS campaign_id) s ON t.user_id = s.user_id AND t.campaign_id = s.campaign_id WHEN MATCHED THEN UPDATE SET impressions = t.impressions + 1 WHEN NOT MATCHED THEN INSERT (user_id, campaign_id, impressions) VALUES (s.user_id, s.campaign_id, 1)`,
  },
];

const AGGREGATION_TEMPLATES: Template[] = [
  {
    operation: "SELECT", weight: 45, bytesMedian: 500_000, bytesSigma: 0.8, ms: 25,
    sql: (d, us) => `SELECT campaign_id, COUNT(*) AS impressions, SUM(price_usd) AS spend_usd FROM ad_events.impressions WHERE campaign_id = '${d.campaign}' AND event_date = '${sqlDate(us)}' GROUP BY campaign_id`,
  },
  {
    operation: "SELECT", weight: 15, bytesMedian: 3_400_000, bytesSigma: 0.8, ms: 25,
    sql: (d, us, rng) => `SELECT advertiser_id, user_locale, COUNT(DISTINCT user_id) AS reach FROM ad_events.impressions WHERE advertiser_id = '${d.advertiser}' AND event_date BETWEEN '${sqlDate(us - (1 + (rng.u32() % 28)) * 86_400_000_000)}' AND '${sqlDate(us)}' GROUP BY advertiser_id, user_locale`,
  },
  {
    operation: "SELECT", weight: 25, bytesMedian: 760_000, bytesSigma: 0.8, ms: 25,
    sql: (d, us) => `SELECT exchange, APPROX_QUANTILES(price_usd, 100)[OFFSET(95)] AS p95_price_usd FROM ad_events.impressions WHERE exchange = '${d.exchange}' AND event_ts >= TIMESTAMP '${sqlDate(us)} 00:00:00' GROUP BY exchange`,
  },
  {
    operation: "INSERT", weight: 15, bytesMedian: 1_000_000, bytesSigma: 0.8, ms: 25,
    sql: (d, us) => `INSERT INTO ad_rollups.campaign_hourly SELECT campaign_id, TIMESTAMP_TRUNC(event_ts, HOUR) AS hour, COUNT(*) AS impressions FROM ad_events.impressions WHERE campaign_id = '${d.campaign}' AND event_ts >= TIMESTAMP '${sqlTs(us - 3_600_000_000)}' GROUP BY 1, 2`,
  },
];
const TRACKING_CDF = cdfOf(TRACKING_TEMPLATES.map((t) => t.weight));
const AGGREGATION_CDF = cdfOf(AGGREGATION_TEMPLATES.map((t) => t.weight));

const ERROR_RATE: Record<string, number> = {
  "profile.user.lookup": 0.002,
  "inventory.ann.search": 0.003,
  "auction.rtb.run": 0.004,
  "delivery.creative.render": 0.002,
  "tracker.events.write": 0.002,
  "tracker.warehouse.insert": 0.005,
  "aggregator.rollup.compute": 0.002,
  "aggregator.warehouse.query": 0.008,
};

const us = (ms: number) => Math.max(1, Math.round(ms * 1000));

/** Makes one event's trace. The draws happen in a fixed order whatever the scenario. */
class EventModel {
  private readonly seedHi: bigint;
  private readonly seedLo: bigint;
  private clockUs = BASE_EPOCH_US;

  constructor(seed: number, private readonly scenario: Scenario) {
    const s = BigInt.asUintN(64, BigInt(seed));
    this.seedLo = mix64((s * 2n + 1n) & MASK64);
    this.seedHi = mix64((s * 2n + 2n + GAMMA) & MASK64);
  }

  /** Event `i`: its trace, and the 56-bit randomness that head sampling compares to the threshold. */
  event(i: number): { trace: GenTrace; randomness: bigint } {
    const n = BigInt(i + 1);
    // Distinct i give distinct low halves (mix64 is a bijection), so trace ids never collide.
    const lo = mix64((this.seedLo + n * GAMMA) & MASK64);
    const hi = mix64((this.seedHi + n * 0xd1b54a32d192ed03n) & MASK64);
    const traceId = hex16(hi) + hex16(lo);
    const rng = new Rng(Number(lo & 0xffffffffn), Number(lo >> 32n), Number(hi & 0xffffffffn), Number(hi >> 32n));
    this.clockUs += Math.floor(-Math.log(1 - rng.float()) * MEAN_GAP_US);
    return { trace: this.build(traceId, this.clockUs, rng), randomness: lo & (TWO_56 - 1n) };
  }

  private build(traceId: string, t0: number, rng: Rng): GenTrace {
    const sc = this.scenario;
    const c = rng.pick(CAMPAIGN_INDEX, CAMPAIGN_CDF);
    const dims: EventDims = {
      campaign: CAMPAIGN_IDS[c]!,
      advertiser: ADVERTISER_IDS[c]!,
      device: rng.pick(DEVICES, DEVICE_CDF),
      locale: rng.pick(LOCALES, LOCALE_CDF),
      exchange: rng.pick(EXCHANGES, EXCHANGE_CDF),
      bidPrice: Math.round(rng.logNormal(1.2, 0.6) * 10_000) / 10_000,
      relevance: Math.round(Math.min(0.999, Math.max(0.001, (rng.float() + rng.float() + rng.float()) / 3)) * 1000) / 1000,
      userId: `u_${String(rng.u32() % 100_000_000).padStart(8, "0")}`,
      eventId: `ev-${traceId.slice(0, 12)}`,
    };
    const common: Attr[] = [
      ["ad.campaign_id", dims.campaign, "s"],
      ["ad.advertiser_id", dims.advertiser, "s"],
      ["device.type", dims.device, "s"],
      ["user_locale", dims.locale, "s"],
      ["ad.exchange", dims.exchange, "s"],
      ["ad.bid_price_usd", String(dims.bidPrice), "d"],
      ["ad.relevance_score", String(dims.relevance), "d"],
    ];
    const isSlow = sc.slowLocale !== undefined && dims.locale === sc.slowLocale;
    const slow = isSlow ? sc.slowFactor : 1;
    const factor = (stage: Stage) => sc.costRegression[stage] ?? 1;
    const spanIds = new Set<string>();
    const newId = () => {
      let id = rng.hex64();
      while (spanIds.has(id) || id === "0000000000000000") id = rng.hex64();
      spanIds.add(id);
      return id;
    };
    const gap = () => 50 + (rng.u32() % 250);
    const errorType = (name: string, u: number): string | undefined =>
      u < ERROR_RATE[name]! ? (name.includes("warehouse") ? "quota_exceeded" : u < ERROR_RATE[name]! / 2 ? "unavailable" : "internal") : undefined;

    const spans: GenSpan[] = [];
    const rootId = newId();
    const root: GenSpan = {
      spanId: rootId, parentId: null, name: "adserver.request.handle", service: "adserver", kind: "SERVER", stage: "request",
      startUs: t0, durationUs: 0, isError: false, costNano: 0,
      attrs: [["http.route", "/openrtb2/auction", "s"]],
    };
    spans.push(root);
    const preMs = rng.logNormal(COMPUTE.request.medianMs, COMPUTE.request.sigma);
    const postMs = rng.logNormal(COMPUTE.request.medianMs, COMPUTE.request.sigma);
    root.costNano = (preMs + postMs) * COMPUTE_RATE.request * factor("request");

    let cursor = t0 + us(preMs);
    const stageSpan = (name: string, service: string, stage: Stage, extra: Attr[]): GenSpan => {
      const m = COMPUTE[stage];
      let ms = rng.logNormal(m.medianMs, m.sigma) * rng.tail();
      let error = errorType(name, rng.float());
      if (stage === "auction" && ms > AUCTION_TMAX_MS) {
        ms = AUCTION_TMAX_MS;
        error = "timeout";
      }
      const span: GenSpan = {
        spanId: newId(), parentId: rootId, name, service, kind: "SERVER", stage,
        startUs: cursor, durationUs: us(ms), isError: error !== undefined,
        costNano: ms * COMPUTE_RATE[stage] * factor(stage),
        attrs: [...extra, ...(error ? [["error.type", error, "s"] as Attr] : [])],
      };
      spans.push(span);
      cursor = span.startUs + span.durationUs + gap();
      return span;
    };
    stageSpan("profile.user.lookup", "profile-svc", "profiling", [["profile.segments", String(1 + (rng.u32() % 24)), "i"]]);
    stageSpan("inventory.ann.search", "inventory", "inventory_lookup", [["ann.candidates", String(50 + (rng.u32() % 450)), "i"]]);
    stageSpan("auction.rtb.run", "auction", "auction", [["auction.bidders", String(2 + (rng.u32() % 14)), "i"]]);
    stageSpan("delivery.creative.render", "delivery", "delivery", [["creative.format", rng.float() < 0.7 ? "display" : "video", "s"]]);

    // Tracking: the write, and its warehouse insert(s) unless a cache in front absorbs it.
    const trackSelfMs = rng.logNormal(COMPUTE.tracking.medianMs, COMPUTE.tracking.sigma);
    const trackError = errorType("tracker.events.write", rng.float());
    const isCacheHit = rng.float() < sc.trackingCacheHitRate;
    const isMultiInsert = rng.float() < 0.04;
    const extraInserts = rng.u32() % (MAX_INSERTS - 1);
    const insertCount = isMultiInsert ? 2 + extraInserts : 1;
    const trackStart = cursor;
    const tracker: GenSpan = {
      spanId: newId(), parentId: rootId, name: "tracker.events.write", service: "tracker", kind: "SERVER", stage: "tracking",
      startUs: trackStart, durationUs: 0, isError: trackError !== undefined,
      costNano: trackSelfMs * COMPUTE_RATE.tracking * factor("tracking"),
      attrs: [...(sc.trackingCacheHitRate > 0 ? [["cache.hit", String(isCacheHit), "s"] as Attr] : []), ...(trackError ? [["error.type", trackError, "s"] as Attr] : [])],
    };
    spans.push(tracker);
    let inner = trackStart + us(trackSelfMs / 2);
    for (let k = 0; k < MAX_INSERTS; k++) {
      // Every slot draws the same numbers whether or not it becomes a span, so knobs change nothing else.
      const tpl = rng.pick(TRACKING_TEMPLATES, TRACKING_CDF);
      const ms = rng.logNormal(tpl.ms, 0.6) * rng.tail();
      const bytes = Math.round(rng.logNormal(tpl.bytesMedian, tpl.bytesSigma));
      const error = errorType("tracker.warehouse.insert", rng.float());
      const id = rng.hex64();
      const after = gap();
      const sql = tpl.sql(dims, inner, rng);
      if (k >= insertCount || isCacheHit) continue;
      const span: GenSpan = {
        spanId: spanIds.has(id) ? newId() : (spanIds.add(id), id), parentId: tracker.spanId, name: "tracker.warehouse.insert", service: "tracker", kind: "CLIENT", stage: "tracking",
        startUs: inner, durationUs: us(ms), isError: error !== undefined,
        costNano: ms * SNOWFLAKE_NANO_PER_MS * factor("tracking"),
        attrs: [
          ["db.system", "snowflake", "s"], ["db.operation", tpl.operation, "s"], ["db.statement", sql, "s"],
          ["db.bytes_scanned", String(bytes), "i"], ["snowflake.warehouse.size", "XSMALL", "s"],
          ...(error ? [["error.type", error, "s"] as Attr] : []),
        ],
      };
      spans.push(span);
      inner = span.startUs + span.durationUs + after;
    }
    tracker.durationUs = inner + us(trackSelfMs / 2) - trackStart;
    cursor = trackStart + tracker.durationUs + gap();

    // Aggregation: the rollup and its warehouse query(ies); the slow segment scales both.
    const aggSelfMs = rng.logNormal(COMPUTE.aggregation.medianMs, COMPUTE.aggregation.sigma) * slow;
    const aggError = errorType("aggregator.rollup.compute", rng.float());
    const isMultiQuery = rng.float() < 0.05;
    const extraQueries = rng.u32() % (MAX_QUERIES - 1);
    const queryCount = isMultiQuery ? 2 + extraQueries : 1;
    const aggStart = cursor;
    const aggregator: GenSpan = {
      spanId: newId(), parentId: rootId, name: "aggregator.rollup.compute", service: "aggregator", kind: "SERVER", stage: "aggregation",
      startUs: aggStart, durationUs: 0, isError: aggError !== undefined,
      costNano: aggSelfMs * COMPUTE_RATE.aggregation * factor("aggregation"),
      attrs: [["rollup.window", "1h", "s"], ...(aggError ? [["error.type", aggError, "s"] as Attr] : [])],
    };
    spans.push(aggregator);
    inner = aggStart + us(aggSelfMs / 2);
    for (let k = 0; k < MAX_QUERIES; k++) {
      const tpl = rng.pick(AGGREGATION_TEMPLATES, AGGREGATION_CDF);
      const baseBytes = rng.logNormal(tpl.bytesMedian, tpl.bytesSigma);
      const bytes = Math.round(baseBytes * slow);
      const ms = (40 + (baseBytes / 1e6) * tpl.ms) * rng.logNormal(1, 0.35) * rng.tail() * slow;
      const error = errorType("aggregator.warehouse.query", rng.float());
      const id = rng.hex64();
      const after = gap();
      const sql = tpl.sql(dims, inner, rng);
      if (k >= queryCount) continue;
      const span: GenSpan = {
        spanId: spanIds.has(id) ? newId() : (spanIds.add(id), id), parentId: aggregator.spanId, name: "aggregator.warehouse.query", service: "aggregator", kind: "CLIENT", stage: "aggregation",
        startUs: inner, durationUs: us(ms), isError: error !== undefined,
        costNano: bytes * BQ_NANO_PER_BYTE * factor("aggregation"),
        attrs: [
          ["db.system", "bigquery", "s"], ["db.operation", tpl.operation, "s"], ["db.statement", sql, "s"],
          ["db.bytes_scanned", String(bytes), "i"],
          ...(error ? [["error.type", error, "s"] as Attr] : []),
        ],
      };
      spans.push(span);
      inner = span.startUs + span.durationUs + after;
    }
    aggregator.durationUs = inner + us(aggSelfMs / 2) - aggStart;
    cursor = aggStart + aggregator.durationUs;

    root.durationUs = cursor + us(postMs) - t0;
    root.isError = spans.some((s) => s.isError);
    if (root.isError) root.attrs.push(["error.type", "downstream", "s"]);
    for (const span of spans) {
      span.costNano = Math.round(span.costNano);
      span.attrs.push(["cost.usd", usdText(span.costNano), "s"]);
    }
    return { traceId, common, spans };
  }
}

/** Nano-dollars as a decimal string with 9 places. */
function usdText(nano: number): string {
  return `${Math.floor(nano / 1e9)}.${String(nano % 1e9).padStart(9, "0")}`;
}

// ------------------------------------------------------------------ the truth

class Tally {
  events = 0;
  spans = 0;
  errorSpans = 0;
  errorEvents = 0;
  warehouseQueries = 0;
  costNano = 0;
  byStage = new Map<string, { nano: number; spans: number }>();
  byName = new Map<string, { nano: number; spans: number }>();

  add(trace: GenTrace): void {
    this.events++;
    let isError = false;
    for (const s of trace.spans) {
      this.spans++;
      this.costNano += s.costNano;
      if (s.isError) {
        this.errorSpans++;
        isError = true;
      }
      if (s.kind === "CLIENT") this.warehouseQueries++;
      bump(this.byStage, s.stage, s.costNano);
      bump(this.byName, s.name, s.costNano);
    }
    if (isError) this.errorEvents++;
  }

  totals(): Totals {
    const usd = (nano: number) => nano / 1e9;
    const sorted = (m: Map<string, { nano: number; spans: number }>, pick: (v: { nano: number; spans: number }) => number) =>
      Object.fromEntries([...m.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, pick(v)]));
    return {
      events: this.events,
      spans: this.spans,
      error_spans: this.errorSpans,
      error_events: this.errorEvents,
      warehouse_queries: this.warehouseQueries,
      total_cost_usd: usd(this.costNano),
      cost_per_event_usd: this.events ? usd(this.costNano) / this.events : 0,
      cost_by_stage_usd: sorted(this.byStage, (v) => usd(v.nano)),
      cost_by_name_usd: sorted(this.byName, (v) => usd(v.nano)),
      spans_by_name: sorted(this.byName, (v) => v.spans),
      spans_by_stage: sorted(this.byStage, (v) => v.spans),
    };
  }
}

function bump(map: Map<string, { nano: number; spans: number }>, key: string, nano: number): void {
  const entry = map.get(key);
  if (entry) {
    entry.nano += nano;
    entry.spans++;
  } else map.set(key, { nano, spans: 1 });
}

// ------------------------------------------------------------------ formats

interface FormatWriter {
  head: string;
  /** Text for one trace (may hold traces back to batch them). */
  trace(trace: GenTrace): string;
  /** What is still held, and the closing text. */
  tail(): string;
}

const q = JSON.stringify;
const KIND_NUMBER = { SERVER: 2, CLIENT: 3 } as const;
const OTLP_TRACES_PER_LINE = 4;

const quotedKeys = new Map<string, string>();
/** A JSON-quoted attribute key (keys come from a small fixed set). */
function qk(key: string): string {
  let quoted = quotedKeys.get(key);
  if (quoted === undefined) quotedKeys.set(key, (quoted = q(key)));
  return quoted;
}

/** Serialise a trace's common attributes once and each span's own, joined with a comma. */
function attrText(trace: GenTrace, one: (a: Attr) => string): (s: GenSpan) => string {
  const common = trace.common.map(one).join(",");
  return (s) => (s.attrs.length ? `${common},${s.attrs.map(one).join(",")}` : common);
}

function otlpAttr([key, value, type]: Attr): string {
  const v = type === "i" ? `{"intValue":"${value}"}` : type === "d" ? `{"doubleValue":${value}}` : `{"stringValue":${q(value)}}`;
  return `{"key":${qk(key)},"value":${v}}`;
}

function jaegerAttr([key, value, type]: Attr): string {
  return `{"key":${qk(key)},"type":"${JAEGER_TYPE[type]}","value":${type === "s" ? q(value) : value}}`;
}

const plainAttr = ([key, value]: Attr) => `${qk(key)}:${q(value)}`;

function otlpWriter(traceState: string | null): FormatWriter {
  let pending: GenTrace[] = [];
  const line = () => {
    const byService = new Map<string, string[]>();
    for (const t of pending) {
      const attributes = attrText(t, otlpAttr);
      for (const s of t.spans) {
        const span =
          `{"traceId":"${t.traceId}","spanId":"${s.spanId}"${s.parentId ? `,"parentSpanId":"${s.parentId}"` : ""}` +
          `${traceState ? `,"traceState":${q(traceState)}` : ""},"name":${q(s.name)},"kind":${KIND_NUMBER[s.kind]},` +
          `"startTimeUnixNano":"${s.startUs}000","endTimeUnixNano":"${s.startUs + s.durationUs}000",` +
          `"attributes":[${attributes(s)}],"status":${s.isError ? '{"code":2}' : "{}"}}`;
        const list = byService.get(s.service);
        if (list) list.push(span);
        else byService.set(s.service, [span]);
      }
    }
    pending = [];
    const resources = [...byService.entries()].map(
      ([service, spans]) =>
        `{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":${q(service)}}}]},` +
        `"scopeSpans":[{"scope":{"name":"adtrace-generate"},"spans":[${spans.join(",")}]}]}`,
    );
    return `{"resourceSpans":[${resources.join(",")}]}\n`;
  };
  return {
    head: "",
    trace(t) {
      pending.push(t);
      return pending.length >= OTLP_TRACES_PER_LINE ? line() : "";
    },
    tail: () => (pending.length ? line() : ""),
  };
}

const JAEGER_TYPE = { s: "string", i: "int64", d: "float64" } as const;

function jaegerWriter(traceState: string | null): FormatWriter {
  let first = true;
  return {
    head: '{"data":[\n',
    trace(t) {
      const attributes = attrText(t, jaegerAttr);
      const processes = new Map<string, string>();
      for (const s of t.spans) if (!processes.has(s.service)) processes.set(s.service, `p${processes.size + 1}`);
      const spans = t.spans.map((s) => {
        const tags = [
          `{"key":"span.kind","type":"string","value":"${s.kind.toLowerCase()}"}`,
          attributes(s),
          ...(s.isError ? ['{"key":"otel.status_code","type":"string","value":"ERROR"}'] : []),
          ...(traceState ? [`{"key":"w3c.tracestate","type":"string","value":${q(traceState)}}`] : []),
        ];
        const refs = s.parentId ? `[{"refType":"CHILD_OF","traceID":"${t.traceId}","spanID":"${s.parentId}"}]` : "[]";
        return `{"traceID":"${t.traceId}","spanID":"${s.spanId}","operationName":${q(s.name)},"references":${refs},` +
          `"startTime":${s.startUs},"duration":${s.durationUs},"tags":[${tags.join(",")}],"logs":[],"processID":"${processes.get(s.service)}"}`;
      });
      const procs = [...processes.entries()].map(([service, id]) => `"${id}":{"serviceName":${q(service)},"tags":[]}`);
      const text = `${first ? "" : ",\n"}{"traceID":"${t.traceId}","spans":[${spans.join(",")}],"processes":{${procs.join(",")}}}`;
      first = false;
      return text;
    },
    tail: () => "\n]}\n",
  };
}

function zipkinWriter(traceState: string | null): FormatWriter {
  let first = true;
  return {
    head: "[",
    trace(t) {
      const attributes = attrText(t, plainAttr);
      const spans = t.spans.map((s) => {
        const tags = [
          attributes(s),
          ...(s.isError ? ['"otel.status_code":"ERROR"'] : []),
          ...(traceState ? [`"w3c.tracestate":${q(traceState)}`] : []),
        ];
        return `{"traceId":"${t.traceId}","id":"${s.spanId}"${s.parentId ? `,"parentId":"${s.parentId}"` : ""},"name":${q(s.name)},` +
          `"kind":"${s.kind}","timestamp":${s.startUs},"duration":${s.durationUs},"localEndpoint":{"serviceName":${q(s.service)}},"tags":{${tags.join(",")}}}`;
      });
      const text = (first ? "" : ",\n") + spans.join(",\n");
      first = false;
      return text;
    },
    tail: () => "]\n",
  };
}

export const CSV_COLUMNS = [
  "trace_id", "span_id", "parent_span_id", "name", "service", "kind", "status", "start_ns", "duration_ns",
  "attributes", "resource_attributes", "trace_state", "source",
];

const csvCell = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);

function csvWriter(traceState: string | null, source: string): FormatWriter {
  const state = traceState ? csvCell(traceState) : "";
  const src = csvCell(source);
  return {
    head: CSV_COLUMNS.join(",") + "\n",
    trace(t) {
      let text = "";
      const attributeText = attrText(t, plainAttr);
      for (const s of t.spans) {
        const attributes = `{${attributeText(s)}}`;
        const resource = `{"service.name":${q(s.service)}}`;
        text += `${t.traceId},${s.spanId},${s.parentId ?? ""},${csvCell(s.name)},${csvCell(s.service)},${s.kind},${s.isError ? "ERROR" : "UNSET"},` +
          `${s.startUs}000,${s.durationUs}000,${csvCell(attributes)},${csvCell(resource)},${state},${src}\n`;
      }
      return text;
    },
    tail: () => "",
  };
}

// ------------------------------------------------------------------ writing

const CHUNK_CHARS = 1 << 18;

/** Text out to a file (gzip when the name ends .gz), buffered, honouring backpressure. */
class TextSink {
  private buffer: string[] = [];
  private size = 0;
  private readonly file: Writable;
  private readonly head: Writable;
  private failure: Error | undefined;

  constructor(private readonly path: string, gzip: boolean) {
    this.file = createWriteStream(path);
    this.head = gzip ? createGzip() : this.file;
    if (gzip) this.head.pipe(this.file);
    const fail = (error: Error) => (this.failure ??= error);
    this.file.on("error", fail);
    this.head.on("error", fail);
  }

  async write(text: string): Promise<void> {
    if (!text) return;
    this.buffer.push(text);
    this.size += text.length;
    if (this.size >= CHUNK_CHARS) await this.flush();
  }

  private async flush(): Promise<void> {
    this.check();
    const chunk = this.buffer.join("");
    this.buffer = [];
    this.size = 0;
    if (!this.head.write(chunk)) await this.until(this.head, "drain");
    this.check();
  }

  async close(): Promise<void> {
    await this.flush();
    const closed = this.until(this.file, "close");
    this.head.end();
    await closed;
    this.check();
  }

  /** Resolves on `event`, or on an error of either stream (then check() throws). */
  private until(target: Writable, event: string): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        target.off(event, done);
        this.file.off("error", done);
        this.head.off("error", done);
        resolve();
      };
      target.on(event, done);
      this.file.on("error", done);
      this.head.on("error", done);
    });
  }

  /** Give up: close the file without waiting for the rest. */
  destroy(): void {
    this.head.destroy();
    this.file.destroy();
  }

  private check(): void {
    if (this.failure) throw new InputError(this.path, `cannot write: ${this.failure.message}`);
  }
}

export async function generate(options: GenerateOptions): Promise<GenerateResult> {
  if (!Number.isInteger(options.events) || options.events < 1) throw new UsageError(`--events expects a whole number ≥ 1, got '${options.events}'`);
  const format = options.format ?? generateFormatFor(options.out);
  const seed = options.seed ?? 1;
  if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed expects an integer, got '${seed}'`);
  const scenario: Scenario = { trackingCacheHitRate: 0, slowFactor: 3, costRegression: {}, ...options.scenario };
  const sampling = options.sampleRate === undefined ? undefined : samplingThreshold(options.sampleRate);
  const traceState = sampling ? `ot=th:${sampling.th}` : null;
  const isGzip = /\.gz$/i.test(options.out);
  if (format === "parquet" && isGzip) throw new UsageError("parquet output is compressed already: drop the .gz");
  if (!existsSync(dirname(options.out) || ".")) throw new InputError(options.out, "cannot write: no such directory");

  // Written beside the target and renamed, so a failure never leaves half a file.
  const tmp = join(dirname(options.out), `.${basename(options.out)}.${process.pid}.tmp`);
  const csvTmp = format === "parquet" ? `${tmp}.csv` : tmp;
  const removeTemps = () => {
    for (const path of new Set([tmp, csvTmp])) if (existsSync(path)) unlinkSync(path);
  };
  const forget = onInterrupt(removeTemps);
  const population = new Tally();
  const written = sampling ? new Tally() : population;
  const sink = new TextSink(csvTmp, format !== "parquet" && isGzip);
  try {
    const writer =
      format === "otlp" ? otlpWriter(traceState)
      : format === "jaeger" ? jaegerWriter(traceState)
      : format === "zipkin" ? zipkinWriter(traceState)
      : csvWriter(traceState, basename(options.out));
    await sink.write(writer.head);
    const model = new EventModel(seed, scenario);
    for (let i = 0; i < options.events; i++) {
      const { trace, randomness } = model.event(i);
      if (sampling) population.add(trace);
      if (sampling && randomness < sampling.threshold) continue;
      written.add(trace);
      await sink.write(writer.trace(trace));
    }
    await sink.write(writer.tail());
    await sink.close();
    if (format === "parquet") await csvToParquet(csvTmp, tmp);
    renameSync(tmp, options.out);
  } catch (error) {
    sink.destroy();
    throw error;
  } finally {
    removeTemps();
    forget();
  }

  const truth: Truth = {
    generator: "adtrace generate",
    seed,
    format,
    scenario,
    sample_rate: sampling ? sampling.rate : null,
    trace_state: traceState,
    population: population.totals(),
    written: written.totals(),
  };
  if (options.truth) writeFileSync(options.truth, JSON.stringify(truth, null, 2) + "\n");
  return { out: options.out, format, bytes: statSync(options.out).size, truthPath: options.truth, truth };
}

async function csvToParquet(csv: string, out: string): Promise<void> {
  const { Db } = await import("./db.js");
  // A memory limit makes DuckDB spill instead of growing with the file; one thread is both
  // leaner and faster here (the parallel CSV reader must restore insertion order).
  const db = await Db.open({ memoryLimit: "256MB", threads: 1 });
  try {
    await db.run("generate.csv_to_parquet", { csv, out });
  } finally {
    db.close();
  }
}
