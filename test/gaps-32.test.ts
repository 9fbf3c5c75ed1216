// Gaps left by the whole-file mutation runs of breakdown.ts, savings.ts, diff.ts and advise.ts
// (helper gap32): each test's expectation is worked by hand from the input it writes.
import { describe, expect, it } from "vitest";
import { Db } from "../src/db/db.js";
import { loadInputs } from "../src/ingest/load.js";
import { loadBilling } from "../src/ingest/billing.js";
import { installModel } from "../src/model/install.js";
import { defaultConfig } from "../src/model/config.js";
import { pricingSummary } from "../src/analysis/breakdown.js";
import { otlpDocument, spanId, traceId, writeTemp, type TestSpan } from "./helpers/otlp.js";

// The test spans start at 1,700,000,000 s plus their startMs (test/helpers/otlp.ts BASE_NS).
const at = (ms: number) => String(1_700_000_000 + ms / 1000);
const SF_HEADER = "QUERY_ID,QUERY_TAG,START_TIME,END_TIME,CREDITS_ATTRIBUTED_COMPUTE,QUERY_TEXT\n";

describe("pricingSummary with billing records (breakdown.ts cost_sources)", () => {
  it("counts the spans priced from the bill as billed, beside explicit, price-book and unpriced spans", async () => {
    const T = traceId(1);
    const spans: TestSpan[] = [
      // 1: a root with no cost attribute: priced from the book (compute by duration).
      { trace: T, id: spanId(1), name: "adserver.request.handle", startMs: 0, durationMs: 1000 },
      // 2: a Snowflake query whose id the bill names (q-1, 1 credit): billed.
      { trace: T, id: spanId(2), parent: spanId(1), name: "tracker.warehouse.insert", startMs: 10, durationMs: 100,
        attrs: { "db.system": "snowflake", "db.query.id": "q-1" } },
      // 3: a Snowflake query with cost.usd 5 that the bill also names (q-2): the bill wins, billed.
      { trace: T, id: spanId(3), parent: spanId(1), name: "tracker.warehouse.insert", startMs: 200, durationMs: 100,
        attrs: { "db.system": "snowflake", "db.query.id": "q-2", "cost.usd": "5" } },
      // 4: cost.usd 0.5 on a span that is no query: explicit.
      { trace: T, id: spanId(4), parent: spanId(1), name: "tracker.events.write", startMs: 400, durationMs: 10, attrs: { "cost.usd": "0.5" } },
      // 5: a Snowflake query whose id no bill names (q-3): estimated from the book by its duration.
      { trace: T, id: spanId(5), parent: spanId(1), name: "tracker.warehouse.insert", startMs: 500, durationMs: 100,
        attrs: { "db.system": "snowflake", "db.query.id": "q-3" } },
      // 6: a BigQuery query with neither bytes nor a cost: its query part unpriced.
      { trace: T, id: spanId(6), parent: spanId(1), name: "aggregator.query", startMs: 700, durationMs: 10,
        attrs: { "db.system": "bigquery", "db.statement": "SELECT 1" } },
    ];
    // Three records: q-1 and q-2 join spans 2 and 3 by id; q-9 names no stored span (untraced).
    const bill = SF_HEADER + [
      `q-1,,${at(10)},${at(110)},1,`,
      `q-2,,${at(200)},${at(300)},2,`,
      `q-9,,${at(800)},${at(900)},4,`,
    ].join("\n") + "\n";
    const db = await Db.open({ expectSmall: true });
    try {
      await loadInputs(db, { inputs: [writeTemp("spans.json", otlpDocument(spans))] });
      await loadBilling(db, [writeTemp("bill.csv", bill)], defaultConfig());
      await installModel(db, defaultConfig());
      // By hand: billed = spans 2, 3 → 2; explicit = span 4 → 1; price book = spans 1, 5 → 2;
      // unpriced = span 6 → 1; 2 + 1 + 2 + 1 = 6, every span once.
      expect((await pricingSummary(db)).cost_sources).toStrictEqual({ billed: 2, explicit: 1, price_book: 2, unpriced: 1 });
    } finally {
      db.close();
    }
  });
});
