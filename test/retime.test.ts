// The savings latency model: events re-timed with shortened spans (hand-worked traces), cache
// hits that follow the hit rate, and the fixture's end-to-end p95 against the timing formula in
// fixtures/auction/README.md.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { EventTimeline, type TimedSpan } from "../src/analysis/retime.js";
import { chooseHits, savings, parseLever } from "../src/analysis/savings.js";
import { withModelDb } from "./helpers/analysis.js";
import { hex, spanId, traceId, type TestSpan } from "./helpers/otlp.js";
import { defaultConfig } from "../src/model/config.js";

const s = (id: string, parent: string | null, start: number, end: number): TimedSpan => ({ id, parent, start, end });
const cut = (entries: Record<string, number>) => new Map(Object.entries(entries));

describe("re-timing an event", () => {
  it("parallel siblings: shortening the shorter one changes nothing, the longer one only down to the other", () => {
    // root 0–100; A 10–90 and B 10–50 run side by side; the root ends 10 after A.
    const t = new EventTimeline([s("root", null, 0, 100), s("A", "root", 10, 90), s("B", "root", 10, 50)]);
    expect(t.durationNs).toBe(100);
    expect(t.retime(cut({ B: 1 }))).toBe(100);
    // A 10–11, B 10–50: the root ends 10 after the last of them, at 60.
    expect(t.retime(cut({ A: 1 }))).toBe(60);
  });

  it("sequential siblings: what followed moves up, keeping its gaps", () => {
    // A 5–35, B 40–70 (5 after A), C 75–95 (5 after B), root tail 5. A → 10 ns:
    // A 5–15, B 20–50, C 55–75, root ends 80.
    const t = new EventTimeline([s("root", null, 0, 100), s("A", "root", 5, 35), s("B", "root", 40, 70), s("C", "root", 75, 95)]);
    expect(t.retime(cut({ A: 10 }))).toBe(80);
    // C is last: shortening it to 5 moves only the root's end: 75 + 5 + 5 = 85.
    expect(t.retime(cut({ C: 5 }))).toBe(85);
  });

  it("nested children: a shortened grandchild moves its parent's end and what followed the parent", () => {
    // A 0–60 holds A1 10–30 and A2 30–50 (right after A1), A's tail 10; B 60–100 right after A.
    const spans = [s("root", null, 0, 100), s("A", "root", 0, 60), s("A1", "A", 10, 30), s("A2", "A", 30, 50), s("B", "root", 60, 100)];
    const t = new EventTimeline(spans);
    // A1 → 5: A1 10–15, A2 15–35, A ends 45, B 45–85, root 85.
    expect(t.retime(cut({ A1: 5 }))).toBe(85);
    // A hit → 1: its children do not run; B 1–41; root 41.
    expect(t.retime(cut({ A: 1 }))).toBe(41);
  });

  it("a stage off the path keeps the event's duration; one on it can make another branch critical", () => {
    // P 0–30 and I 10–80 overlap (I started before P ended); X 85–95 starts 5 after both; root tail 5.
    const spans = [s("root", null, 0, 100), s("P", "root", 0, 30), s("I", "root", 10, 80), s("X", "root", 85, 95)];
    const t = new EventTimeline(spans);
    expect(t.retime(cut({ P: 1 }))).toBe(100);
    // I → 1 (10–11): X now waits for P: starts 30 + 5, ends 45; root 50 — not 100 − 79 = 21.
    expect(t.retime(cut({ I: 1 }))).toBe(50);
  });

  it("children that outlive their parent move nothing but themselves", () => {
    // root 0–50 does not wait for C 10–80; the event ends with C.
    const t = new EventTimeline([s("root", null, 0, 50), s("C", "root", 10, 80)]);
    expect(t.durationNs).toBe(80);
    expect(t.retime(cut({ C: 1 }))).toBe(50);
  });

  it("terminates on self-parents and parent cycles, which keep their times", () => {
    const spans = [s("r", null, 0, 10), s("self", "self", 2, 4), s("a", "b", 5, 30), s("b", "a", 6, 8)];
    const t = new EventTimeline(spans);
    // "self" is a root of its own; a and b reach no root and keep their times: 0 … 30.
    expect(t.durationNs).toBe(30);
    expect(t.retime(cut({ a: 1, self: 1 }))).toBe(30);
    expect(t.retime(cut({ r: 1 }))).toBe(30);
  });

  it("with nothing shortened an event keeps its duration exactly (random trees)", () => {
    const tree = fc.array(fc.record({ parent: fc.nat(20), start: fc.integer({ min: 0, max: 1000 }), length: fc.integer({ min: 0, max: 500 }) }), { minLength: 1, maxLength: 20 });
    fc.assert(fc.property(tree, (raw) => {
      const spans = raw.map((r, i) => s(`s${i}`, i === 0 ? null : `s${r.parent % (i + 1)}`, r.start, r.start + r.length));
      const expected = Math.max(...spans.map((x) => x.end)) - Math.min(...spans.map((x) => x.start));
      expect(new EventTimeline(spans).durationNs).toBe(expected);
    }), { seed: Number(process.env.FC_SEED ?? 20240501) });
  });
});

describe("cache hits", () => {
  // The fixture's trace ids are sequential (0xad000000 + t), where a hash without final mixing
  // hit exactly 10 of 40 events for h = 0.1, 0.25, 0.5 and 0.6.
  const ids = Array.from({ length: 40 }, (_, i) => hex(0xad000000 + i + 1, 32));
  it.each([[0, 0], [0.1, 4], [0.25, 10], [0.5, 20], [0.6, 24], [0.99, 40], [1, 40]])("h = %s hits round(h·40) = %s events", (h, expected) => {
    expect(chooseHits(ids, h, 1)).toHaveLength(expected);
  });
  it("spreads hits over the ids and draws another set for another salt", () => {
    const half = chooseHits(ids, 0.5, 1);
    expect(half.filter((id) => ids.indexOf(id) < 20).length).toBeGreaterThan(5);
    expect(half.filter((id) => ids.indexOf(id) >= 20).length).toBeGreaterThan(5);
    expect(chooseHits(ids, 0.5, 2).sort()).not.toEqual([...half].sort());
    expect(chooseHits(ids, 0.5, 1)).toEqual(half);
  });

  it("hits round(h·n) events in the latency model", async () => {
    // 20 events: root 0–100 ms holding one tracking span 10–90 ms; a hit (1 ms) ends the event at
    // 10 + 1 + 10 = 21 ms. h = 0.97 hits round(19.4) = 19 events: sorted e2e is 19 × 21 then 100,
    // so p95 (position 0.95 × 19 = 18.05) = 21 + 0.05 × 79 = 24.95 ms.
    const spans: TestSpan[] = [];
    for (let e = 1; e <= 20; e++) {
      spans.push({ trace: traceId(e), id: spanId(e * 10 + 1), name: "adserver.request.handle", service: "adserver", startMs: 0, durationMs: 100, attrs: { "cost.usd": "0.1" } },
        { trace: traceId(e), id: spanId(e * 10 + 2), parent: spanId(e * 10 + 1), name: "tracker.events.write", service: "tracker", startMs: 10, durationMs: 80, attrs: { "cost.usd": "0.1" } });
    }
    const config = defaultConfig();
    const p95 = (h: string) => withModelDb(spans, async (db) =>
      (await savings(db, { scenarios: [{ name: "s", levers: [parseLever("cache", `tracking=${h}`)] }], config: { ...config, events_per_day: 1e6 } })).rows[0]!.e2e_p95_ms_after);
    expect(await p95("0.97")).toBeCloseTo(24.95, 9);
    // h = 0.5 hits 10: p95 lies between the 100 ms events.
    expect(await p95("0.5")).toBeCloseTo(100, 9);
  });
});

describe("the fixture's end-to-end p95 (fixtures/auction/README.md, 'Times')", () => {
  // e2e(t) = 46800 + j2 + j4 + j5 + j6 + j7 µs (+ 40000 in event 13), j(k) = ((t·k) mod 9) × 100.
  const j = (t: number, k: number) => ((t * k) % 9) * 100;
  const e2e = (t: number) => 46800 + j(t, 2) + j(t, 4) + j(t, 5) + j(t, 6) + j(t, 7) + (t === 13 ? 40000 : 0);
  const p95Ms = (valuesUs: number[]) => {
    const sorted = [...valuesUs].sort((a, b) => a - b);
    const pos = 0.95 * (sorted.length - 1);
    const lo = Math.floor(pos);
    return (sorted[lo]! + (pos - lo) * (sorted[lo + 1]! - sorted[lo]!)) / 1000;
  };
  const events = Array.from({ length: 40 }, (_, i) => i + 1);
  const run = (lever: string) => withModelDb(["fixtures/auction/otlp.jsonl"], async (db) =>
    (await savings(db, { scenarios: [{ name: "s", levers: [parseLever("cache", lever)] }], config: { ...defaultConfig(), events_per_day: 1e6 } })).rows[0]!);

  it("profiling runs beside inventory lookup: caching it leaves p95 as it was", async () => {
    const row = await run("profiling=1");
    expect(row.e2e_p95_ms_before).toBeCloseTo(p95Ms(events.map(e2e)), 9);
    expect(row.e2e_p95_ms_after).toBeCloseTo(p95Ms(events.map(e2e)), 9);
  });

  it("caching inventory lookup makes profiling the critical branch", async () => {
    // Inventory (1200 … 9200 + j5) becomes 1200 … 2200, before profiling ends (200 … 3200 + j3):
    // auction now starts 100 after profiling, so the event is 9200 + j5 − (3200 + j3) shorter.
    const row = await run("inventory_lookup=1");
    expect(row.e2e_p95_ms_after).toBeCloseTo(p95Ms(events.map((t) => e2e(t) - (6000 + j(t, 5) - j(t, 3)))), 9);
  });
});
