// `slo check` (issue 18): the config's service-level objectives measured on the spans. Per SLO:
// its objective, the actual figure over the whole data, the share of the error budget used, the
// burn rate over the last --window, and its status. Weighted by sampling throughout.
//   latency_ms: good events take at most latency_ms (end to end, or with stage: first start to last
//     end of the stage's spans, over events that have the stage); objective (default 0.99) of
//     them must be good; budget used = bad share ÷ (1 − objective).
//   error_rate: an event is bad when one of its spans (of the stage) has status ERROR; objective
//     = 1 − error_rate; budget used = bad share ÷ error_rate.
//   cost_per_event_usd: a ceiling on mean cost per event (the stage's cost ÷ all events, as in
//     cost breakdown); budget used = actual ÷ ceiling.
// Burn rate is the same ratio over the window alone (1 = spending the budget exactly as fast as
// allowed). An SLO is breached when its budget used over the whole data exceeds 1.
import type { Db } from "../db/db.js";
import type { Config, Slo } from "../model/config.js";
import { closest } from "../model/suggest.js";
import { InputError } from "../errors.js";

export type SloIndicator = "latency" | "errors" | "cost";

export interface SloRow {
  name: string;
  stage: string | null;
  indicator: SloIndicator;
  /** latency_ms, error_rate or cost_per_event_usd as configured. */
  target: number;
  /** The share of good events required (latency, errors) or the cost ceiling (cost). */
  objective: number;
  /** The share of good events, or the cost per event; null without events. */
  actual: number | null;
  error_budget_used: number | null;
  burn_rate: number | null;
  /** Events the SLO is measured on (weighted), over the whole data and over the window. */
  events: number;
  window_events: number;
  status: "ok" | "breached" | "no data";
}

export interface SloResult {
  rows: SloRow[];
  /** The window's start (ISO), or null for the whole range. */
  window_from: string | null;
  window_ns: bigint | null;
}

export async function checkSlos(db: Db, config: Config, options: { windowNs?: bigint } = {}): Promise<SloResult> {
  checkSloStages(config, (await db.query("outliers.stages")).map((r) => String(r.stage)));
  const windowNs = options.windowNs ?? null;
  const [w] = await db.query("slo.window_start", { window_ns: windowNs });
  const fromNs = BigInt(w!.from_ns as bigint);
  const rows: SloRow[] = [];
  for (const slo of config.slos) rows.push(await measure(db, slo, fromNs));
  return sloResult(rows, windowNs, fromNs);
}

/** Each SLO's stage is one of the data's stages; else bad input at the SLO's config line, with the closest stage. */
export function checkSloStages(config: Config, stages: string[]): void {
  config.slos.forEach((slo, i) => {
    if (slo.stage !== undefined && !stages.includes(slo.stage)) {
      const hint = closest(slo.stage, stages);
      throw new InputError(slo.where, `slos[${i}] (${slo.name}): no stage '${slo.stage}' in this data${hint ? ` (did you mean '${hint}'?)` : ""}; stages: ${stages.join(", ")}`);
    }
  });
}

export function sloResult(rows: SloRow[], windowNs: bigint | null, fromNs: bigint): SloResult {
  return { rows, window_from: windowNs === null ? null : new Date(Number(fromNs / 1_000_000n)).toISOString(), window_ns: windowNs };
}

/** The threshold slo.indicator compares an extent with: latency_ms in ns (0 for the other indicators). */
export function sloLatencyNs(slo: Slo): bigint {
  return slo.latency_ms === undefined ? 0n : BigInt(Math.floor(slo.latency_ms * 1e6));
}

async function measure(db: Db, slo: Slo, fromNs: bigint): Promise<SloRow> {
  const [r] = await db.query("slo.indicator", { stage: slo.stage ?? null, latency_ns: sloLatencyNs(slo), from_ns: fromNs });
  return sloRow(slo, r!);
}

/** One SLO's row from its weighted counts (slo.indicator's columns, or a ClickHouse source's). */
export function sloRow(slo: Slo, r: Record<string, unknown>): SloRow {
  const n = (k: string) => Number(r[k] ?? 0);
  const ratio = (a: number, b: number) => (b > 0 ? a / b : null);
  const base = { name: slo.name, stage: slo.stage ?? null };
  let row: Omit<SloRow, "status">;
  if (slo.latency_ms !== undefined) {
    const objective = slo.objective ?? 0.99;
    const bad = ratio(n("slow_events"), n("stage_events"));
    const windowBad = ratio(n("window_slow_events"), n("window_stage_events"));
    row = {
      ...base, indicator: "latency", target: slo.latency_ms, objective, actual: bad === null ? null : 1 - bad,
      error_budget_used: bad === null ? null : bad / (1 - objective), burn_rate: windowBad === null ? null : windowBad / (1 - objective),
      events: n("stage_events"), window_events: n("window_stage_events"),
    };
  } else if (slo.error_rate !== undefined) {
    const [den, wden] = slo.stage ? [n("stage_events"), n("window_stage_events")] : [n("events"), n("window_events")];
    const bad = ratio(n("error_events"), den);
    const windowBad = ratio(n("window_error_events"), wden);
    row = {
      ...base, indicator: "errors", target: slo.error_rate, objective: 1 - slo.error_rate, actual: bad === null ? null : 1 - bad,
      error_budget_used: bad === null ? null : bad / slo.error_rate, burn_rate: windowBad === null ? null : windowBad / slo.error_rate,
      events: den, window_events: wden,
    };
  } else {
    const ceiling = slo.cost_per_event_usd!;
    const actual = ratio(n("cost_usd"), n("events"));
    const windowCost = ratio(n("window_cost_usd"), n("window_events"));
    row = {
      ...base, indicator: "cost", target: ceiling, objective: ceiling, actual,
      error_budget_used: actual === null ? null : actual / ceiling, burn_rate: windowCost === null ? null : windowCost / ceiling,
      events: n("events"), window_events: n("window_events"),
    };
  }
  return { ...row, status: row.error_budget_used === null ? "no data" : row.error_budget_used > 1 ? "breached" : "ok" };
}
