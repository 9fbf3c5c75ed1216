// The breakdown's add-up property on random small traces: for every --by, weighted and
// unweighted, the groups' cost_per_event_usd add up to the total, the shares to 1, and the total
// is Σ weight × cost ÷ Σ event weights computed here from the generated spans.
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { withModelDb } from "./helpers/analysis.js";
import { spanId, traceId, type TestSpan } from "./helpers/otlp.js";
import { breakdown, parseGroupKeys } from "../src/analysis/breakdown.js";
import { installModel } from "../src/model/install.js";
import { defaultConfig } from "../src/model/config.js";

// A trace's sampling, as a tracestate on all its spans, and the weight it stands for.
const SAMPLING: [string | undefined, number][] = [[undefined, 1], ["ot=th:8", 2], ["ot=th:c", 4], ["ot=p:3", 8]];
const NAMES = ["adserver.request.handle", "tracker.events.write", "aggregator.rollup.compute", "auction.rtb.run", "misc.thing"];
const SERVICES = ["adserver", "tracker", "aggregator", "edge"];
const LOCALES = ["en-US", "de-DE"];

const traceArb = fc.record({
  sampling: fc.nat(SAMPLING.length - 1),
  spans: fc.array(fc.record({
    parent: fc.nat(10),
    name: fc.nat(NAMES.length - 1),
    service: fc.nat(SERVICES.length - 1),
    locale: fc.nat(LOCALES.length), // LOCALES.length = no attribute
    costMicros: fc.nat(5000),
    startMs: fc.nat(50),
    durationMs: fc.nat(40),
  }), { minLength: 1, maxLength: 5 }),
});

describe("breakdown add-up property (fast-check)", () => {
  it("groups add up to the total and shares to 1 for every --by, weighted and unweighted", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(traceArb, { minLength: 1, maxLength: 6 }), async (traces) => {
        const spans: TestSpan[] = [];
        let weightedCost = 0;
        let rawCost = 0;
        let events = 0;
        traces.forEach((t, ti) => {
          const [traceState, weight] = SAMPLING[t.sampling]!;
          events += weight;
          t.spans.forEach((s, si) => {
            const cost = s.costMicros / 1e6;
            weightedCost += weight * cost;
            rawCost += cost;
            spans.push({
              trace: traceId(ti + 1), id: spanId((ti + 1) * 100 + si + 1),
              // The first span is the root; the others hang under an earlier span.
              parent: si === 0 ? undefined : spanId((ti + 1) * 100 + (s.parent % si) + 1),
              name: NAMES[s.name]!, service: SERVICES[s.service]!, startMs: s.startMs, durationMs: s.durationMs,
              attrs: { "cost.usd": String(cost), ...(s.locale < LOCALES.length ? { user_locale: LOCALES[s.locale]! } : {}) },
              traceState,
            });
          });
        });
        await withModelDb(spans, async (db) => {
          for (const weighted of [true, false]) {
            if (!weighted) await installModel(db, defaultConfig(), { unweighted: true, attributeKeys: ["user_locale"] });
            const expectedTotal = weighted ? weightedCost / events : rawCost / traces.length;
            const anyLocale = spans.some((s) => s.attrs?.user_locale !== undefined);
            for (const by of ["stage", "name", "service", "attr:user_locale", "stage,attr:user_locale", "service,name,attr:user_locale"]) {
              // A key no span carries is a usage error (a typo would read as one '(none)' group).
              if (!anyLocale && by.includes("attr:")) {
                await expect(breakdown(db, { by: parseGroupKeys(by) })).rejects.toThrow(/no attribute 'user_locale'/);
                continue;
              }
              const r = await breakdown(db, { by: parseGroupKeys(by) });
              const label = `${by} (${weighted ? "weighted" : "unweighted"})`;
              expect(r.totals.events, label).toBe(weighted ? events : traces.length);
              expect(r.totals.cost_per_event_usd, label).toBeCloseTo(expectedTotal, 12);
              expect(r.groups.reduce((sum, g) => sum + g.cost_per_event_usd, 0), label).toBeCloseTo(expectedTotal, 12);
              if (rawCost > 0) expect(r.groups.reduce((sum, g) => sum + g.cost_share, 0), label).toBeCloseTo(1, 12);
            }
          }
        }, undefined, { attributeKeys: ["user_locale"] });
      }),
      { numRuns: 12, seed: Number(process.env.FC_SEED ?? 20240501) },
    );
  }, 120_000);
});
