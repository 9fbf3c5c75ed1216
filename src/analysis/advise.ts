// `adtrace sampling advise`: how each candidate sampling rate would measure cost per event and
// end-to-end p95, what tracing at that rate costs, and the lowest rate that meets a target error.
//
// A rate r is a fraction of the events kept now: an event kept now with weight w (1 when the
// data is not sampled) would be kept with probability r, and weigh w/r. The figures are those of
// one window (1 h or 1 d) of production traffic, N_W = events_per_day × window events, which the
// data stands for: stored event i stands for M_i = w_i·N_W/Σw of them, each traced with
// probability π_i = r/w_i.
//
// Cost per event (and each --by group's: its cost ÷ all events) is a ratio R = Σw·c ÷ Σw; under
// Poisson thinning its linearised variance is
//   Var(R̂_r) = Σ_pop (1−π)/π·(c−R)² ÷ N_W² = (A/r − B) ÷ (N_W·Σw),  A = Σw²(c−R)², B = Σw(c−R)²
// (A and B come from queries/advise.sql), and the 95% relative error is 1.96·√Var ÷ R. At r = 1 on
// unsampled data it is 0: every event of the window is traced.
// End-to-end p95 has no such formula: it is resampled. Up to 20,000 events (a hash-ordered
// choice) each get K_i traced copies (Binomial(M_i, π_i) when M_i is whole: tracedCopies), each
// weighing w_i/r, 1,000 times with a seed fixed per rate; the 95% relative error is the 95th
// percentile of |p95_resample − p95| ÷ p95, both read on the data's durations smoothed (each
// spread over the cell between its neighbours' midpoints: smoothedQuantile).
import type { Db } from "../db/db.js";
import { InputError } from "../errors.js";
import type { Config } from "../model/config.js";
import { mulberry32 } from "../db/random.js";
import { countQuantile, typeSevenQuantile, weightedCountQuantile } from "./statistics.js";
import { assertAttributeKeysPresent, keyName, pricingSummary, roundCount, weightSummary, type GroupKey, type Pricing, type WeightSummary } from "./breakdown.js";
import { assertAttributesKept } from "../model/install.js";

export const DEFAULT_RATES = [1, 0.5, 0.1, 0.01, 0.001];
export const WINDOWS = { "1h": 1 / 24, "1d": 1 } as const;
export type WindowName = keyof typeof WINDOWS;
/** Fewer events than this and the advice would be noise (the data's own variance is a guess). */
export const MIN_EVENTS = 30;
const Z95 = 1.959963984540054;

export interface AdviseOptions {
  /** Candidate rates, each in (0, 1], strictly decreasing. */
  rates: number[];
  /** The relative error every figure must stay within, (0, 1]. */
  targetError: number;
  /** The groups whose cost per event is checked (default: stage). */
  by: GroupKey;
  window: WindowName;
  /** Its events_per_day and tracing prices (withAnalysis sets --events-per-day there). */
  config: Config;
  /** Resamples of the p95 per rate (default 1000). */
  resamples?: number;
  /** Events the p95 is resampled from (default 20,000). */
  latencyEvents?: number;
}

export interface AdviseRow {
  rate: number;
  events_per_window: number;
  cost_per_event_rel_err95: number | null;
  p95_rel_err95: number | null;
  worst_group: string | null;
  worst_group_rel_err95: number | null;
  tracing_usd_per_day: number;
  meets_target: boolean;
}

export interface GroupError {
  group: string;
  cost_per_event_usd: number;
  /** The 95% relative error at each rate, in the order of the rates; null when the group costs nothing. */
  rel_err95: (number | null)[];
}

export interface AdviseResult {
  rows: AdviseRow[];
  groups: GroupError[];
  by: string;
  target_error: number;
  window: WindowName;
  events_per_day: number;
  events_per_window_now: number;
  /** The lowest rate down the ladder before the first that misses the target; null when the first misses. */
  recommended_rate: number | null;
  /** The tracing bill at rate 1 (what is kept now) and at the recommended rate, per day. */
  tracing_usd_per_day_now: number;
  savings_usd_per_day: number | null;
  stored_events: number;
  estimated_events: number;
  cost_per_event_usd: number;
  e2e_p95_ms: number | null;
  spans_per_event: number;
  bytes_per_span: number;
  bytes_per_span_source: "measured" | "config";
  usd_per_gb: number;
  usd_per_million_spans: number;
  latency_events: number;
  resamples: number;
  method: { cost: string; p95: string };
  weights: WeightSummary;
  pricing: Pricing;
}

interface Moments {
  group: string | null;
  r: number;
  a: number;
  b: number;
}

/** What an engine answers for the advice: DuckDB (queries/advise.sql) or ClickHouse (clickhouse_advise.sql). */
export interface AdviseSums {
  /** advise.cost_moments' rows: the whole first (g1 null), then each group; with the events (n) and their weight (sw). */
  moments: { g1: string | null; r: number; a: number; b: number; n: number; sw: number }[];
  /** Up to latencyEvents events' weight and end-to-end ns, sorted by (duration, weight, trace id). */
  latencies: { w: number; e2e_ns: number }[];
  /** Stored spans and the mean stored size of a span (advise.span_volume). */
  volume: { spans: number; bytes_per_span: number };
  weights: WeightSummary;
  pricing: Pricing;
}

export async function advise(db: Db, label: string, options: AdviseOptions): Promise<AdviseResult> {
  await assertAttributesKept(db, options.by.kind === "attr" ? [options.by.key] : []);
  await assertAttributeKeysPresent(db, [options.by]);
  const moments = (await db.query("advise.cost_moments", { k1: options.by.kind, a1: options.by.kind === "attr" ? options.by.key : null })).map((r) => ({
    g1: r.g1 === null ? null : String(r.g1), r: Number(r.r), a: Number(r.a), b: Number(r.b), n: Number(r.n), sw: Number(r.sw),
  }));
  // Refused before the p95 is resampled: too few events.
  tooFewEvents(label, moments[0]!.n);
  const latencies = (await db.query("advise.event_latencies", { limit: options.latencyEvents ?? 20_000 })).map((r) => ({ w: Number(r.w), e2e_ns: Number(r.e2e_ns) }));
  const volume = (await db.query("advise.span_volume"))[0]!;
  return adviseFrom(label, options, {
    moments, latencies, volume: { spans: Number(volume.spans), bytes_per_span: Number(volume.bytes_per_span) },
    weights: await weightSummary(db), pricing: await pricingSummary(db),
  });
}

/** Data with fewer than MIN_EVENTS events is refused: its variance, and so the advice, would be noise. */
export function tooFewEvents(label: string, storedEvents: number): void {
  if (storedEvents < MIN_EVENTS) {
    throw new InputError(label, `holds ${storedEvents} event(s); with fewer than ${MIN_EVENTS} the data's own variance is a guess and the advice would be noise`);
  }
}

/** The advice from an engine's sums: the errors at each rate, the resampled p95, the bill (advise() and the ClickHouse path share it). */
export function adviseFrom(label: string, options: AdviseOptions, sums: AdviseSums): AdviseResult {
  const { rates, targetError } = options;
  const whole = sums.moments[0]!;
  const storedEvents = whole.n;
  tooFewEvents(label, storedEvents);
  const sumW = whole.sw;
  const moments: Moments[] = sums.moments.map((r) => ({ group: r.g1, r: r.r, a: r.a, b: r.b }));
  const perDay = options.config.events_per_day;
  const windowEvents = perDay * WINDOWS[options.window];
  const relErr = (m: Moments, rate: number): number | null => {
    if (!(m.r > 0)) return null;
    const variance = Math.max(0, m.a / rate - m.b) / (windowEvents * sumW);
    return (Z95 * Math.sqrt(variance)) / m.r;
  };
  const total = moments[0]!;
  const groups = moments.slice(1).map((m) => ({ group: m.group ?? "", cost_per_event_usd: m.r, rel_err95: rates.map((rate) => relErr(m, rate)) }));

  const resamples = options.resamples ?? 1000;
  const latency = latencySample(sums.latencies);
  const storedSpans = sums.volume.spans;
  const spansPerEvent = storedSpans / storedEvents;
  const configured = options.config.tracing.bytes_per_span;
  const bytesPerSpan = configured ?? sums.volume.bytes_per_span;
  const { usd_per_gb: usdPerGb, usd_per_million_spans: usdPerMillion } = options.config.tracing;
  // Spans traced per day at rate r: the events traced (r of those kept now) × their spans.
  const bill = (rate: number) => {
    const spansPerDay = (perDay * rate * storedSpans) / sumW;
    return (spansPerDay * bytesPerSpan * usdPerGb) / 1e9 + (spansPerDay / 1e6) * usdPerMillion;
  };

  const adviceRows: AdviseRow[] = rates.map((rate, i) => {
    const eventsPerWindow = (windowEvents * rate * storedEvents) / sumW;
    const cost = relErr(total, rate);
    const p95 = latency.relErr95(rate, windowEvents, resamples);
    let worst: GroupError | undefined;
    for (const g of groups) {
      const e = g.rel_err95[i];
      // At no error (every event traced) no group is worst.
      if (e === null || e === undefined || !(e > 0)) continue;
      if (!worst || e > worst.rel_err95[i]!) worst = g;
    }
    const errors = [cost, p95, worst?.rel_err95[i] ?? null];
    const meets = eventsPerWindow >= MIN_EVENTS && errors.every((e) => e === null || e <= targetError);
    return {
      rate,
      events_per_window: roundCount(eventsPerWindow),
      cost_per_event_rel_err95: cost,
      p95_rel_err95: p95,
      worst_group: worst?.group ?? null,
      worst_group_rel_err95: worst?.rel_err95[i] ?? null,
      tracing_usd_per_day: bill(rate),
      meets_target: meets,
    };
  });
  // Down the ladder, the last rate before the first that misses: errors grow as the rate falls,
  // and a resampled p95 that happens to pass below a rate that missed is not advice.
  const firstMiss = adviceRows.findIndex((r) => !r.meets_target);
  const recommended = firstMiss === 0 ? undefined : adviceRows[firstMiss === -1 ? adviceRows.length - 1 : firstMiss - 1];
  const now = bill(1);
  return {
    rows: adviceRows,
    groups,
    by: keyName(options.by),
    target_error: targetError,
    window: options.window,
    events_per_day: perDay,
    events_per_window_now: roundCount((windowEvents * storedEvents) / sumW),
    recommended_rate: recommended?.rate ?? null,
    tracing_usd_per_day_now: now,
    savings_usd_per_day: recommended ? now - recommended.tracing_usd_per_day : null,
    stored_events: storedEvents,
    estimated_events: roundCount(sumW),
    cost_per_event_usd: total.r,
    e2e_p95_ms: latency.p95Ms,
    spans_per_event: spansPerEvent,
    bytes_per_span: bytesPerSpan,
    bytes_per_span_source: configured === undefined ? "measured" : "config",
    usd_per_gb: usdPerGb,
    usd_per_million_spans: usdPerMillion,
    latency_events: latency.events,
    resamples,
    method: {
      cost: "the ratio Σw·c ÷ Σw's linearised variance under Poisson thinning at rate r, composed with the weights: 1.96·√((A/r − B) ÷ (N_window·Σw)) ÷ R",
      p95: `${resamples.toLocaleString("en-US")} resamples (a fixed seed per rate) of ${latency.events.toLocaleString("en-US")} events, each traced Binomial(M, r/w) times, on the durations smoothed between neighbours; the 95th percentile of |p95 − p95 now| ÷ p95 now`,
    },
    weights: sums.weights,
    pricing: sums.pricing,
  };
}

/** The events whose end-to-end latency is resampled, sorted by duration. */
function latencySample(rows: { w: number; e2e_ns: number }[]) {
  const values = Float64Array.from(rows, (r) => Number(r.e2e_ns) / 1e6);
  const weights = Float64Array.from(rows, (r) => Number(r.w));
  const sampleWeight = weights.reduce((s, w) => s + w, 0);
  const equal = weights.every((w) => w === weights[0]);
  // The p95 as adtrace reports it now (cost.totals, cost.weighted_e2e).
  const ones = Float64Array.from(weights, () => 1);
  const now = rows.length ? (equal ? countQuantile(values, ones, 0.95) : weightedCountQuantile(values, ones, weights, 0.95)) : null;
  // Tied durations share one cell of the smoothed distribution.
  const distinct: number[] = [];
  const cell = new Int32Array(values.length);
  values.forEach((v, i) => {
    if (distinct.length === 0 || v !== distinct[distinct.length - 1]) distinct.push(v);
    cell[i] = distinct.length - 1;
  });
  const mass = new Float64Array(distinct.length);
  const smoothed = (counts: Float64Array) => {
    mass.fill(0);
    for (let i = 0; i < values.length; i++) mass[cell[i]!]! += counts[i]! * weights[i]!;
    return smoothedQuantile(distinct, mass, 0.95);
  };
  return {
    events: rows.length,
    p95Ms: now,
    relErr95(rate: number, windowEvents: number, resamples: number): number | null {
      if (!rows.length) return null;
      // Every event of the window traced (rate 1 of unsampled data): the p95 is the window's own.
      if (weights.every((w) => rate / w >= 1)) return 0;
      // The window's population: stored event i stands for M_i = w_i·N_W/Σw events, each traced
      // with probability r/w_i and then weighing w_i/r.
      const perWeight = windowEvents / sampleWeight;
      // The population's mass per event: M_i events of weight 1, entered as counts of weight w_i.
      const truth = smoothed(Float64Array.from(weights, () => perWeight));
      if (!(truth > 0)) return null;
      const random = mulberry32(seedFor(rate));
      const normal = gaussian(random);
      // One drawer per distinct weight (one in all on unsampled data), its set-up done once.
      const byWeight = new Map<number, CopiesDrawer>();
      const drawers = Array.from(weights, (w) => {
        let drawer = byWeight.get(w);
        if (!drawer) byWeight.set(w, (drawer = copiesDrawer(perWeight * w, rate / w)));
        return drawer;
      });
      const errors = new Float64Array(resamples);
      for (let b = 0; b < resamples; b++) {
        // smoothed(counts), the mass summed in the same order as the copies are drawn.
        let traced = 0;
        mass.fill(0);
        for (let i = 0; i < values.length; i++) {
          const copies = drawers[i]!(random, normal);
          traced += copies;
          mass[cell[i]!]! += copies * weights[i]!;
        }
        // An empty window measures nothing: as wrong as can be.
        errors[b] = traced > 0 ? Math.abs(smoothedQuantile(distinct, mass, 0.95) - truth) / truth : 1;
      }
      return typeSevenQuantile(errors.sort(), 0.95);
    },
  };
}

/**
 * The q-quantile of a smoothed distribution: distinct sorted values, each holding `mass` spread
 * evenly over its cell (from the midpoint with the value below to the midpoint with the value
 * above). A resample then moves its quantile as much as its counts move, not from one stored
 * duration to the next: with a window of millions of events drawn from 20,000 stored ones, a
 * step quantile would stay on one stored value and report no error at all.
 */
export function smoothedQuantile(values: ArrayLike<number>, mass: ArrayLike<number>, q: number): number {
  let total = 0;
  for (let j = 0; j < values.length; j++) total += mass[j]!;
  const target = q * total;
  let cumulative = 0;
  const last = values.length - 1;
  for (let j = 0; j <= last; j++) {
    const here = mass[j]!;
    if (!(here > 0)) continue;
    if (cumulative + here >= target || j === last) {
      const low = j > 0 ? (values[j - 1]! + values[j]!) / 2 : values[j]!;
      const high = j < last ? (values[j]! + values[j + 1]!) / 2 : values[j]!;
      return low + Math.min(1, Math.max(0, (target - cumulative) / here)) * (high - low);
    }
    cumulative += here;
  }
  return values[last]!;
}

/**
 * How many of the m events a stored one stands for are traced, each with probability p: mean m·p,
 * variance m·p·(1−p), as for m distinct events. The whole part is a Binomial draw; a fractional
 * part f (a weight of 1.25 makes m = 1.25) adds a two-point mass: 0 or a = f·p + 1 − p with
 * probability f·p/a, which has mean f·p and variance f·p·(1−p). Rounding f to a whole copy at
 * random instead would add the variance of that rounding: the p95's error came out 25% too large
 * on data sampled at 80%.
 */
export function tracedCopies(m: number, p: number, random: () => number, normal: () => number = gaussian(random)): number {
  return copiesDrawer(m, p)(random, normal);
}

/** A draw of tracedCopies(m, p, random, normal), the same result from the same draws. */
export type CopiesDrawer = (random: () => number, normal: () => number) => number;

/**
 * tracedCopies for one (m, p), with what does not depend on the draws worked out once: the
 * resampling draws it 20,000 times a resample, 1,000 resamples a rate. It takes the same draws
 * from `random` in the same order and computes the same floats, so the advice is unchanged.
 */
export function copiesDrawer(m: number, p: number): CopiesDrawer {
  // Many copies: the count is as good as normal (kept real: the smoothed quantile takes masses).
  if (m * p >= 30 && m * (1 - p) >= 30) {
    const mean = m * p;
    const sd = Math.sqrt(m * p * (1 - p));
    return (_random, normal) => Math.max(0, mean + sd * normal());
  }
  const whole = Math.floor(m);
  const f = m - whole;
  const draw = binomialDrawer(whole, p);
  if (f > 0 && p < 1) {
    const a = f * p + 1 - p;
    const keep = (f * p) / a;
    return (random) => {
      const k = draw(random);
      return random() < keep ? k + a : k;
    };
  }
  if (f > 0) return (random) => draw(random) + f;
  return draw;
}

/** A seed that depends only on the rate, so a rate's figure does not move with the others listed. */
function seedFor(rate: number): number {
  return (Math.round(rate * 1e9) ^ 0x5a17ad5e) >>> 0;
}

/**
 * A Binomial(n, p) draw: by counting for small n, else by inversion. Only for a mean min(p, 1 − p)·n
 * below 30, the one copiesDrawer asks for (it draws larger counts as normal itself), where the first
 * probability of the inversion, (1 − p)^n ≥ 2^(−2·n·p) with p ≤ 0.5, stays above 2^−60.
 */
export function binomial(n: number, p: number, random: () => number): number {
  return binomialDrawer(n, p)(random);
}

/** binomial(n, p, ·) with its set-up done once: the same draws from `random`, the same result. */
function binomialDrawer(n: number, p: number): (random: () => number) => number {
  if (n <= 0 || p <= 0) return () => 0;
  if (p >= 1) return () => n;
  if (p > 0.5) {
    const other = binomialDrawer(n, 1 - p);
    return (random) => n - other(random);
  }
  if (n === 1) return (random) => (random() < p ? 1 : 0);
  if (n <= 32) {
    return (random) => {
      let k = 0;
      for (let i = 0; i < n; i++) if (random() < p) k++;
      return k;
    };
  }
  // Inversion: walk the probabilities of 0, 1, 2, … copies until the uniform draw is used up.
  // They are the same for every draw, so they are computed once, as far as a draw has walked.
  // copiesDrawer sends here only n·p < 30 (p ≤ 0.5 by now): its own normal draw takes every
  // (m, p) with m·p ≥ 30 and m·(1 − p) ≥ 30, and n = ⌊m⌋ ≤ m.
  const q = 1 - p;
  const s = p / q;
  const a = (n + 1) * s;
  const pmf = [Math.pow(q, n)];
  // Past that precondition (1 − p)^n can underflow to 0 and every draw would land in cell 0.
  if (!(pmf[0]! > 0)) throw new Error(`binomial(${n}, ${p}): a mean of ${n * p} is past the inversion's reach (below 30)`);
  return (random) => {
    const drawn = random();
    let u = drawn;
    let k = 0;
    while (u > pmf[k]!) {
      // A draw still left past the last cell (k = n), or where the probabilities past the mode
      // have rounded to 0, is above the mass as computed (it falls short of 1 by up to ~n·2^−53,
      // from (1 − p)^n): it belongs at the top of the distribution, not at n (at n = 10^7 that
      // was after a walk of n steps and as many stored zeros: seconds, and out of memory from
      // about 10^8).
      if (k === n || pmf[k] === 0) return topCell(pmf, k + 1, drawn);
      u -= pmf[k]!;
      k++;
      if (k === pmf.length) pmf.push(pmf[k - 1]! * (a / k - s));
    }
    return k;
  };
}

/**
 * The cell of `pmf[0 … end)` (all the mass computed; a last cell of 0 adds none) where `drawn`
 * lands once scaled to that mass: the inversion's walk, as cumulative sums, against drawn × the sum.
 */
function topCell(pmf: number[], end: number, drawn: number): number {
  let total = 0;
  for (let j = 0; j < end; j++) total += pmf[j]!;
  const target = drawn * total;
  let cumulative = 0;
  // The last cell takes what the others leave (drawn < 1: the target is below the sum).
  for (let j = 0; j < end - 1; j++) {
    cumulative += pmf[j]!;
    if (cumulative >= target) return j;
  }
  return end - 1;
}

/**
 * Standard normal draws from `random`: a table of 65,536 Box–Muller values filled once, then read
 * at random indices, so a resample of 20,000 events at production volume costs one uniform draw
 * per event rather than a logarithm and a cosine.
 */
export function gaussian(random: () => number): () => number {
  const table = new Float64Array(65_536);
  for (let i = 0; i < table.length; i += 2) {
    const radius = Math.sqrt(-2 * Math.log(1 - random()));
    const angle = 2 * Math.PI * random();
    table[i] = radius * Math.cos(angle);
    table[i + 1] = radius * Math.sin(angle);
  }
  return () => table[(random() * table.length) | 0]!;
}
