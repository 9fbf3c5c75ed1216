// savings' latency model reads its sample as numbers (savings.latency_spans: span ids numbered
// in id order per event) and re-times only events a cache lever hits (an event's duration with
// nothing shortened comes from unshortenedDurationNs). Checked against a second formulation: the
// spans read with their id strings, every event's EventTimeline built, as savings did before.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { EventTimeline, unshortenedDurationNs, type TimedSpan } from "../src/analysis/retime.js";
import { chooseHits, latencyModel } from "../src/analysis/savings.js";
import { weightedQuantile } from "../src/analysis/statistics.js";
import type { Db } from "../src/db/db.js";
import { withModelDb } from "./helpers/analysis.js";
import { spanId, traceId, type TestSpan } from "./helpers/otlp.js";

describe("an event's duration with nothing shortened", () => {
  // Forests with orphans, self-parents and parent cycles (a parent drawn from any span), zero-length spans and ties.
  const forest = fc.array(fc.record({
    parent: fc.oneof(fc.constant(-1), fc.nat(25)), start: fc.integer({ min: 0, max: 60 }), length: fc.integer({ min: 0, max: 40 }),
  }), { minLength: 1, maxLength: 25 });

  it("equals EventTimeline's, whatever the tree (random forests)", () => {
    fc.assert(fc.property(forest, (raw) => {
      const spans: TimedSpan[] = raw.map((r, i) => ({ id: i, parent: r.parent < 0 ? null : r.parent % (raw.length + 2), start: r.start, end: r.start + r.length }));
      const plain = unshortenedDurationNs(raw.map((r) => r.start), raw.map((r) => r.length), 0, raw.length);
      expect(plain).toBe(new EventTimeline(spans).durationNs);
    }), { seed: Number(process.env.FC_SEED ?? 20261201), numRuns: 500 });
  });

  it("declines a negative duration or a time past 2^53, which the re-timing does not keep exactly", () => {
    expect(unshortenedDurationNs([0, 5], [10, -1], 0, 2)).toBeUndefined();
    expect(unshortenedDurationNs([0, 2 ** 53], [10, 1], 0, 2)).toBeUndefined();
    expect(unshortenedDurationNs([0, 0.5], [10, 1], 0, 2)).toBeUndefined();
    // Only its own rows count.
    expect(unshortenedDurationNs([7, 0, 5, 9], [-1, 10, 1, -1], 1, 3)).toBe(10);
  });
});

/** The model as savings built it before: every event's spans with their id strings, every timeline built. */
async function reference(db: Db, limit: number) {
  const rows = await db.all(`WITH keyed AS (
      SELECT trace_id, w, ln((CAST(CAST('0x' || left(md5(trace_id), 16) AS UBIGINT) >> 11 AS DOUBLE) + 0.5) / 9007199254740992.0) / w AS k FROM event_weights),
    n AS (SELECT count(*) AS events FROM event_weights),
    chosen AS (SELECT trace_id, CASE WHEN n.events > ${limit} THEN 1.0 ELSE w END AS event_weight FROM keyed CROSS JOIN n
               QUALIFY n.events <= ${limit} OR row_number() OVER (ORDER BY k DESC, trace_id) <= ${limit})
    SELECT s.trace_id, s.span_id, s.parent_span_id, s.stage, CAST(chosen.event_weight AS DOUBLE) AS w,
           CAST(s.start_ns - min(s.start_ns) OVER (PARTITION BY s.trace_id) AS DOUBLE) AS start, CAST(s.duration_ns AS DOUBLE) AS duration
    FROM costed_spans s JOIN chosen USING (trace_id) ORDER BY s.trace_id, s.start_ns, s.span_id`);
  const events = new Map<string, { w: number; spans: (TimedSpan & { stage: string })[] }>();
  for (const r of rows) {
    const e = events.get(String(r.trace_id)) ?? { w: Number(r.w), spans: [] };
    events.set(String(r.trace_id), e);
    const start = Number(r.start);
    e.spans.push({ id: String(r.span_id), parent: r.parent_span_id === null ? null : String(r.parent_span_id), start, end: start + Number(r.duration), stage: String(r.stage) });
  }
  const built = [...events].map(([id, e]) => {
    const byId = new Map(e.spans.map((s) => [s.id, s]));
    const tops = new Map<string, TimedSpan[]>();
    for (const span of e.spans) {
      const parent = span.parent && span.parent !== span.id ? byId.get(span.parent) : undefined;
      if (parent && parent.stage === span.stage) continue;
      tops.set(span.stage, [...(tops.get(span.stage) ?? []), span]);
    }
    return { id, w: e.w, timeline: new EventTimeline(e.spans), tops };
  });
  return (stage: string | undefined, hitRate: number, hitNs: number) => {
    const hits = new Set(stage ? chooseHits(built.filter((e) => e.tops.has(stage)).map((e) => e.id), hitRate, 1) : []);
    return weightedQuantile(built.map((e) => {
      const cut = new Map((hits.has(e.id) ? e.tops.get(stage!) ?? [] : []).map((s) => [s.id, hitNs]));
      return { value: (cut.size ? e.timeline.retime(cut) : e.timeline.durationNs) / 1e6, weight: e.w };
    }), 0.95);
  };
}

describe("the latency model against the spans read as strings", () => {
  // 60 events of a root, two children (the second waits for the first) and a grandchild, with
  // times that differ per event; in some events a span's parent is not in the trace or is itself.
  const spans: TestSpan[] = [];
  for (let e = 1; e <= 60; e++) {
    const id = (k: number) => spanId(e * 100 + k);
    const d = (e * 7) % 23;
    spans.push(
      { trace: traceId(e), id: id(1), name: "adserver.request.handle", service: "adserver", startMs: 0, durationMs: 100 + d, attrs: { "cost.usd": "0.1" } },
      { trace: traceId(e), id: id(2), parent: id(1), name: "tracker.events.write", service: "tracker", startMs: 5, durationMs: 30 + d, attrs: { "cost.usd": "0.1" } },
      { trace: traceId(e), id: id(3), parent: id(1), name: "auction.run", service: "auction", startMs: 40 + d, durationMs: 20, attrs: { "cost.usd": "0.1" } },
      { trace: traceId(e), id: id(4), parent: e % 5 === 0 ? spanId(999_999) : e % 7 === 0 ? id(4) : id(2), name: "tracker.cache.get", service: "tracker", startMs: 6, durationMs: 3 + (e % 4), attrs: { "cost.usd": "0.1" } },
    );
  }
  for (const limit of [1000, 25]) {
    it(`gives the same p95s, with and without cache hits (${limit === 25 ? "a sample of 25 of 60 events" : "every event"})`, async () => {
      await withModelDb(spans, async (db) => {
        const model = await latencyModel(db, limit);
        const expected = await reference(db, limit);
        expect(model.events).toBe(Math.min(limit, 60));
        expect(model.sampled).toBe(limit < 60);
        expect(model.p95([])).toBe(expected(undefined, 0, 0));
        for (const [stage, h] of [["tracking", 0.5], ["tracking", 1], ["auction", 0.3]] as const) {
          expect(model.p95([{ stage, hitRate: h, salt: 1 }], 1e6)).toBe(expected(stage, h, 1e6));
        }
        // The lever changes p95 here: the comparison is not between two unchanged figures.
        expect(model.p95([{ stage: "tracking", hitRate: 1, salt: 1 }], 1e6)).not.toBe(model.p95([]));
      });
    });
  }
});
