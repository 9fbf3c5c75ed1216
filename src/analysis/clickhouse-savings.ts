// `savings` (and `--suggest`) pushed down to ClickHouse (issue 17): savings.ts's arithmetic over a
// ClickHouse source. The interval's sums per functional (n, Σw·x, Σw·x², Σw·(x − mean)²) come
// back from clickhouse.savings_moments, the terms bound as a typed parameter; the stages, totals,
// weights and cost sources from clickhouse.summary; the latency re-timing, a procedure over each
// event's span tree, runs locally on a bounded deterministic sample of whole events
// (clickhouse-sample.ts: all of them up to --latency-sample, else those with the largest MD5
// trace-id key, the key savings.latency_spans samples by); --suggest's flags from clickhouse-flags.ts,
// whose on-path walk reads the same sample (brought back once).
import { TupleParam } from "@clickhouse/client";
import type { WeightSummary, Pricing } from "./breakdown.js";
import { modelQuery, summary, type ClickHouseSession } from "./clickhouse.js";
import { clickhouseFlags } from "./clickhouse-flags.js";
import { openLocalSample, type LocalSample } from "./clickhouse-sample.js";
import { DEFAULT_LATENCY_SAMPLE, latencyModel, savingsFrom, scenarioFromFlags, type Optimize, type SavingsOptions, type SavingsResult, type SavingsSource } from "./savings.js";

/** `savings` over a ClickHouse source: the same result as savings.ts's savings(); with suggest, its scenario from the pushed-down flags first. */
export async function clickhouseSavings(session: ClickHouseSession, options: SavingsOptions & { suggest?: Optimize; sample?: () => Promise<LocalSample> }): Promise<SavingsResult> {
  // A caller's sample (report shares one among flags, savings and pii), open and closed by it.
  if (options.sample) return run(session, options, options.sample);
  // One sample of whole events for both procedures: --suggest's on-path walk and the re-timing.
  const limit = options.latencyEvents ?? DEFAULT_LATENCY_SAMPLE;
  let opened: Promise<LocalSample & { close(): void }> | undefined;
  const sample = () => (opened ??= openLocalSample(session, limit));
  try {
    return await run(session, options, sample);
  } finally {
    if (opened) (await opened).close();
  }
}

async function run(session: ClickHouseSession, options: SavingsOptions & { suggest?: Optimize }, sample: () => Promise<LocalSample>): Promise<SavingsResult> {
  const scenarios = [...options.scenarios];
  if (options.suggest) scenarios.push(scenarioFromFlags((await clickhouseFlags(session, { sample })).flags, options.suggest));
  const whole = await summary(session);
  const source: SavingsSource = {
    stages: async () => whole.stages,
    async moments(terms) {
      const fns = terms.reduce((n, t) => Math.max(n, t.fn + 1), 0);
      const rows = await modelQuery(session, "savings_moments", {
        fns,
        terms: terms.map((t) => new TupleParam([t.fn, t.step, t.stage, t.a1, t.b1, t.kp1, t.ka1, t.a2, t.b2, t.kp2, t.ka2])),
      });
      return new Map(rows.map((r) => [Number(r.fn), { sw: Number(r.sw), sw2: Number(r.sw2), swx: Number(r.swx), ss: Number(r.ss) }]));
    },
    eventCount: async () => whole.weights.stored_traces,
    totals: async () => ({ events: whole.eventsExact, cost_per_event_usd: whole.totals.cost_per_event_usd }),
    // The sample is re-timed whole; whether it is all the events is the source's to say.
    async latency(limit) {
      const events = await sample();
      return { ...(await latencyModel(events.db, limit)), sampled: events.sampled };
    },
    weights: async (): Promise<WeightSummary> => whole.weights,
    pricing: async (): Promise<Pricing> => whole.pricing,
  };
  return savingsFrom(source, { ...options, scenarios });
}
