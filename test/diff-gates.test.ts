// adtrace diff's statistics and gates on hand-built sides (issue 25): Welch's interval above 5,000
// events a side (worked by hand), the bootstrap at exactly 5,000, significant decreases, the gate
// on a new group carrying ≥ 1% of the cost, and a change exactly at a gate's limit. diff --help:
// a gate fails "when … rises more than" its limit, so a change exactly at the limit passes; "a new
// group with ≥1% of cost also fails", so exactly 1% fails.
import { describe, expect, it } from "vitest";
import { withModelDb } from "./helpers/analysis.js";
import { spanId, traceId, type TestSpan } from "./helpers/otlp.js";
import { diffSides, spanSide, type Gates, type Side } from "../src/analysis/diff.js";
import { parseGroupKeys } from "../src/analysis/breakdown.js";
import { parseLimit } from "../src/commands/options.js";
import { relative } from "./helpers/hand.js";

const BY = parseGroupKeys("stage");

/** One event per entry: a request root costing `usd` (cost.usd) and lasting `ms`, plus optional tracking children. */
type EventSpec = { usd: number; ms?: number; tracking?: number; sampleRate?: number };
function events(list: EventSpec[]): TestSpan[] {
  return list.flatMap((e, i) => {
    const t = traceId(i + 1);
    const rate: Record<string, number> = e.sampleRate === undefined ? {} : { sampleRate: e.sampleRate };
    const root: TestSpan = { trace: t, id: spanId(2 * i + 1), name: "adserver.request.handle", startMs: 0, durationMs: e.ms ?? 10, attrs: { "cost.usd": String(e.usd), ...rate } };
    return e.tracking === undefined ? [root]
      : [root, { trace: t, id: spanId(2 * i + 2), parent: root.id, name: "tracker.events.write", startMs: 1, durationMs: 2, attrs: { "cost.usd": String(e.tracking), ...rate } }];
  });
}

const side = (list: EventSpec[], label: string): Promise<Side> => withModelDb(events(list), (db) => spanSide(db, label, BY));
const repeat = (n: number, usd: number): EventSpec[] => Array.from({ length: n }, () => ({ usd }));
const limit = (text: string) => parseLimit("--max-cost-increase", text);
const total = <R extends { status: string }>(rows: R[]): R => rows.find((r) => r.status === "total")!;

describe("cost significance above 5,000 events: Welch's normal approximation", () => {
  // Before: 5,001 events, 2,500 at $0.90, 2,500 at $1.10 and one at $1.00: mean 1.00, sum of
  // squared deviations 5,000 × 0.01 = 50, sample variance 50 / 5,000 = 0.01.
  // After: the same shifted by +$0.05: mean 1.05, variance 0.01.
  // Welch: se = √(0.01/5001 + 0.01/5001) = √(0.02/5001) = 0.0019998000…; half-width 1.96·se =
  // 0.0039196080…; interval 0.05 ± that = [0.0460803920…, 0.0539196080…]: significant.
  // Each side is read once and shared by both tests.
  let beforeSide: Promise<Side> | undefined;
  const before = () => (beforeSide ??= side([...repeat(2500, 0.9), ...repeat(2500, 1.1), { usd: 1 }], "before"));
  const after = () => side([...repeat(2500, 0.95), ...repeat(2500, 1.15), { usd: 1.05 }], "after");
  const HALF = 1.96 * Math.sqrt(0.02 / 5001);

  it("gives the hand-worked interval for an increase and for a decrease, and p95 significance unknown", async () => {
    const [b, a] = [await before(), await after()];
    const up = diffSides(b, a, { by: BY, gates: {} });
    expect(up.method).toBe("Welch normal approximation, 95% interval of the change in mean cost per event");
    expect(up.p95_method).toBe("unknown: more than 5000 events on a side");
    for (const row of up.rows) {
      expect(row.change_usd).toBeCloseTo(0.05, 12);
      expect(relative(row.ci95_low_usd!, 0.05 - HALF)).toBeLessThan(1e-9);
      expect(relative(row.ci95_high_usd!, 0.05 + HALF)).toBeLessThan(1e-9);
      expect([row.significant, row.p95_significant]).toEqual(["yes", "unknown"]);
    }
    // The same change the other way: a significant decrease.
    const down = diffSides(a, b, { by: BY, gates: { maxCostIncrease: 0, maxStageIncrease: 0 } });
    for (const row of down.rows) {
      expect(row.change_usd).toBeCloseTo(-0.05, 12);
      expect(relative(row.ci95_low_usd!, -0.05 - HALF)).toBeLessThan(1e-9);
      expect(relative(row.ci95_high_usd!, -0.05 + HALF)).toBeLessThan(1e-9);
      expect(row.significant).toBe("yes");
    }
    // A decrease breaches no increase gate, however tight.
    expect(down.breaches).toEqual([]);
  });

  it("takes the bootstrap at exactly 5,000 events a side and Welch from 5,001", async () => {
    const at = await side([...repeat(2500, 0.9), ...repeat(2500, 1.1)], "5000");
    const over = await before();
    expect([at.events, over.events]).toEqual([5000, 5001]);
    expect(diffSides(at, at, { by: BY, gates: {} }).method).toBe("bootstrap 95% interval of the change in mean cost per event (2000 resamples, fixed seed)");
    expect(diffSides(at, over, { by: BY, gates: {} }).method).toMatch(/^Welch/);
    expect(diffSides(over, at, { by: BY, gates: {} }).method).toMatch(/^Welch/);
  });
});

describe("significant decreases in the bootstrap", () => {
  it("a cost that halves is a significant decrease: the whole interval below zero", async () => {
    // 39 events, 13 each at $0.95, $1.00 and $1.05 before (mean $1.00), $0.45, $0.50 and $0.55
    // after (mean $0.50): every resampled mean difference lies within 0.45 … 0.55 below zero.
    const jitter = (i: number) => (i % 3 - 1) * 0.05;
    const b = await side(Array.from({ length: 39 }, (_, i) => ({ usd: 1 + jitter(i) })), "before");
    const a = await side(Array.from({ length: 39 }, (_, i) => ({ usd: 0.5 + jitter(i) })), "after");
    const result = diffSides(b, a, { by: BY, gates: {} });
    expect(result.method).toMatch(/^bootstrap/);
    const t = total(result.rows);
    expect(t.change_usd).toBeCloseTo(-0.5, 12);
    expect(t.change_pct).toBeCloseTo(-0.5, 12);
    expect(t.ci95_high_usd!).toBeLessThan(-0.45);
    expect(t.ci95_low_usd!).toBeGreaterThan(-0.55);
    expect(t.significant).toBe("yes");
  });
});

describe("gates", () => {
  const gates = (pct: string): Gates => ({ maxCostIncrease: limit(pct), maxStageIncrease: limit(pct), maxP95Increase: limit(pct) });

  it("a change exactly at the limit passes; just past it, every gate breaches", async () => {
    // One event each. $1.00 and 100 ms → $1.25 and 125 ms is +25% exactly ((1.25 − 1)/1 and
    // (125 − 100)/100 are exact in binary): within --max-…-increase 25%. $1.2500001 and 126 ms are past it.
    const base = await side([{ usd: 1, ms: 100 }], "base");
    const atLimit = await side([{ usd: 1.25, ms: 125 }], "at");
    const past = await side([{ usd: 1.2500001, ms: 126 }], "past");
    const exact = diffSides(base, atLimit, { by: BY, gates: gates("25%") });
    expect(total(exact.rows).change_pct).toBe(0.25);
    expect(exact.breaches).toEqual([]);
    const over = diffSides(base, past, { by: BY, gates: gates("25%") });
    expect(over.breaches.map((b) => `${b.row} ${b.gate}`).sort()).toEqual([
      "request --max-p95-increase", "request --max-stage-increase", "total --max-cost-increase", "total --max-p95-increase",
    ]);
    // The p95 breach says what moved: 100 → 126 ms is (126 − 100)/100 = 26.0% up, past 25.0%; with
    // one event a side every resample gives 100 and 126, so the change is significant.
    expect(over.breaches.find((b) => b.row === "request" && b.gate === "--max-p95-increase")!.detail)
      .toBe("p95 100.00 → 126.00 ms, 26.0% up (limit 25.0%), significant: yes");
    // A side against itself: every resample's p95 change is 0, an interval [0, 0] that does not
    // exclude 0, so no p95 change is significant.
    expect(diffSides(base, base, { by: BY, gates: {} }).rows.map((r) => r.p95_significant)).toEqual(["no", "no"]);
  });

  it("a new group with ≥ 1% of the cost breaches the stage gate; 0.99% does not; the total gate ignores it", async () => {
    // Before: request $0.99. After: request $0.99 + a new tracking stage at $0.01: share 0.01 / 1.00
    // = 1% exactly. With $0.0099 it is 0.0099 / 0.9999 = 0.990…%.
    const before = await side([{ usd: 0.99 }], "before");
    const onePct = await side([{ usd: 0.99, tracking: 0.01 }], "one");
    const below = await side([{ usd: 0.99, tracking: 0.0099 }], "below");
    const stage = diffSides(before, onePct, { by: BY, gates: { maxStageIncrease: limit("50%") } });
    const tracking = stage.rows.find((r) => r.keys.stage === "tracking")!;
    expect([tracking.status, tracking.share_after]).toEqual(["new", 0.01]);
    expect(stage.breaches).toEqual([{ gate: "--max-stage-increase", row: "tracking", detail: "new, 1.0% of cost" }]);
    expect(diffSides(before, below, { by: BY, gates: { maxStageIncrease: limit("50%") } }).breaches).toEqual([]);
    // The total rose (0.01 / 0.99 = 1.01%), within a 5% total gate: nothing breached.
    expect(diffSides(before, onePct, { by: BY, gates: { maxCostIncrease: limit("5%") } }).breaches).toEqual([]);
  });
});

describe("sampled events", () => {
  it("events all kept 1 in 4 give the change and interval their unweighted copies give (an event's cost is per event, not × its weight)", async () => {
    // The bootstrap's resamples and Welch's variance weigh events by their weights; with equal
    // weights, both are those of the unweighted events, so every figure must be the same.
    const list = (shift: number, rate?: number): EventSpec[] =>
      Array.from({ length: 40 }, (_, i) => ({ usd: 1 + (i % 4) * 0.1 + shift, tracking: 0.01 * (i % 3) + shift / 10, sampleRate: rate }));
    const plain = diffSides(await side(list(0), "b"), await side(list(0.05), "a"), { by: BY, gates: {} });
    const sampled = diffSides(await side(list(0, 4), "b"), await side(list(0.05, 4), "a"), { by: BY, gates: {} });
    expect(sampled.rows.map((r) => r.status)).toEqual(plain.rows.map((r) => r.status));
    plain.rows.forEach((p, i) => {
      const w = sampled.rows[i]!;
      for (const key of ["change_usd", "ci95_low_usd", "ci95_high_usd"] as const) expect(w[key], `${p.status} ${key}`).toBeCloseTo(p[key]!, 12);
      expect(w.significant).toBe(p.significant);
    });
  });
});
