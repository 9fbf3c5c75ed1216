// cost reconcile and the billed cost source (issue 23), against the hand-worked case of
// fixtures/billing/README.md and small cases stated in full: join order (id, tag, time), the
// ambiguity rule of --match-by-time, billed over explicit, and the sampling rule.
import { describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { adtrace } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";
import { otlpDocument, spanId, traceId, writeTemp, type TestSpan } from "./helpers/otlp.js";
import { Db } from "../src/db/db.js";
import { loadInputs } from "../src/ingest/load.js";
import { loadBilling } from "../src/ingest/billing.js";
import { installModel, type ModelOptions } from "../src/model/install.js";
import { defaultConfig, loadConfig } from "../src/model/config.js";
import { storedModelState } from "../src/model/stored.js";
import { reconcile } from "../src/analysis/reconcile.js";

const DIR = "fixtures/billing";
const CONFIG = ["--config", `${DIR}/adtrace.config.yaml`];
const BILLS = ["--billing-file", `${DIR}/snowflake.csv`, "--billing-file", `${DIR}/bigquery.jsonl`];

// The README's figures, from the definitions: $3 per credit, $6.25 per TiB (2^40 B; estimates
// with a 10 MiB minimum, bills as billed), $0.06 per slot-hour.
const TIB = 2 ** 40;
const HAND = {
  campaign: { est: (2 ** 38 / TIB) * 6.25 + ((10 * 2 ** 20) / TIB) * 6.25, billed: (2 ** 39 / TIB) * 6.25 + 0 },
  count: { est: (2 ** 30 / TIB) * 6.25, billed: (2 ** 30 / TIB) * 6.25 },
  insert: { est: 0.01 * 3 + (1.8 / 3600) * 1 * 3, billed: (0.012 + 0.002) * 3 + 0.001 * 3 },
  batchSlots: (7_200_000 / 3.6e6) * 0.06,
  batchCredits: 0.5 * 3,
};
const r12 = (x: number) => Number(x.toPrecision(12));

async function csv(args: string[]) {
  const r = await adtraceIn(["cost", "reconcile", ...args, ...CONFIG, "--format", "csv"]);
  return { ...r, lines: r.stdout.trim().split(/\r?\n/) };
}

describe("cost reconcile on the hand-worked fixture", () => {
  it("matches the README's table, from a database and from files alike", async () => {
    const db = join(mkdtempSync(join(tmpdir(), "adtrace-rec-")), "f.duckdb");
    expect((await adtraceIn(["load", `${DIR}/traces.csv`, "--db", db, "-q"])).code).toBe(0);
    expect((await adtraceIn(["load", "--billing", `${DIR}/snowflake.csv`, `${DIR}/bigquery.jsonl`, "--db", db, "-q"])).code).toBe(0);
    const fromDb = await csv(["--db", db]);
    expect(fromDb.code, fromDb.stderr).toBe(0);
    expect(fromDb.lines[0]).toBe("warehouse,stage,fingerprint,spans,joined_spans,estimated_usd,billed_usd,billed_over_estimated,join_rate");
    expect(fromDb.lines.slice(1)).toEqual([
      `bigquery,aggregation,"SELECT campaign, sum(cost) FROM agg WHERE day = ? GROUP BY campaign",2,2,${r12(HAND.campaign.est)},${HAND.campaign.billed},${r12(HAND.campaign.billed / HAND.campaign.est)},1`,
      `bigquery,aggregation,SELECT count(*) FROM events WHERE day = ?,1,0,${HAND.count.est},0,,0`,
      `bigquery,(untraced),,0,0,0,${r12(HAND.count.billed + HAND.batchSlots)},,`,
      `snowflake,tracking,"INSERT INTO events (event_id, kind) VALUES (…)",2,2,${r12(HAND.insert.est)},${r12(HAND.insert.billed)},${r12(HAND.insert.billed / HAND.insert.est)},1`,
      `snowflake,(untraced),,0,0,0,${HAND.batchCredits},,`,
    ]);
    expect(fromDb.stderr).toMatch(/1 billing record\(s\) no span explains lie outside the spans' time range/);
    const fromFiles = await csv([`${DIR}/traces.csv`, ...BILLS]);
    expect(fromFiles.stdout).toBe(fromDb.stdout);
  });

  it("with --match-by-time joins the span whose tag was lost, as a weaker match, and untraced shrinks by its bill", async () => {
    const r = await adtraceIn(["cost", "reconcile", `${DIR}/traces.csv`, ...BILLS, ...CONFIG, "--match-by-time", "--format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const count = out.rows.find((x: { fingerprint: string }) => x.fingerprint.startsWith("SELECT count"));
    expect(count).toMatchObject({ spans: 1, joined_spans: 1, billed_usd: HAND.count.billed, billed_over_estimated: 1, join_rate: 1 });
    expect(out.rows.find((x: { warehouse: string; stage: string }) => x.warehouse === "bigquery" && x.stage === "(untraced)").billed_usd).toBeCloseTo(HAND.batchSlots, 12);
    expect(out.totals).toMatchObject({ spans: 5, joined_spans: 5, join_rate: 1, spans_by_id: 2, spans_by_tag: 2, spans_by_time: 1, out_of_range_bills: 1, unpriced_bills: 0 });
    expect(out.cost_sources).toEqual({ billed: 5, explicit: 2, price_book: 0, unpriced: 0 });
  });

  it("prices joined spans from the bill in every analysis, and counts them as billed", async () => {
    const r = await adtraceIn(["cost", "breakdown", `${DIR}/traces.csv`, ...BILLS, ...CONFIG, "--format", "json", "-q"]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.cost_sources).toEqual({ billed: 4, explicit: 2, price_book: 1, unpriced: 0 });
    // Each stage occurs in one event: its cost per own event is its total.
    const total = (stage: string) => out.groups.find((g: { stage: string }) => g.stage === stage).cost_per_group_event_usd;
    // aggregation: the rollup's cost.usd 0.002, the two billed queries, the unjoined one's estimate.
    expect(total("aggregation")).toBeCloseTo(0.002 + HAND.campaign.billed + HAND.count.est, 10);
    expect(total("tracking")).toBeCloseTo(0.001 + HAND.insert.billed, 10);
  });

  it("--fail-under-join-rate exits 1 below the rate (4 of 5 joined) and 0 at it", async () => {
    const low = await adtraceIn(["cost", "reconcile", `${DIR}/traces.csv`, ...BILLS, ...CONFIG, "--fail-under-join-rate", "0.9", "--format", "csv"]);
    expect(low.code).toBe(1);
    expect(low.stderr).toMatch(/join rate 0\.8000 is under 0\.9: 1 of 5 warehouse spans have no billing record/);
    expect(low.stdout).toContain("warehouse,stage");
    expect((await adtraceIn(["cost", "reconcile", `${DIR}/traces.csv`, ...BILLS, ...CONFIG, "--fail-under-join-rate", "80%", "-q"])).code).toBe(0);
  });

  it("refuses --billing-file with --db (load the records into the database instead)", async () => {
    const r = await adtraceIn(["cost", "reconcile", "--db", "nowhere.duckdb", ...BILLS]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/adtrace load --billing FILE --db DB/);
  });
});

// Small cases in full, in-process: spans (OTLP) and a bill (CSV), the model installed, rows read.
async function session<T>(spans: TestSpan[], billCsv: string | string[], fn: (db: Db) => Promise<T>, model: ModelOptions = {}): Promise<T> {
  const db = await Db.open();
  try {
    await loadInputs(db, { inputs: [writeTemp("spans.json", otlpDocument(spans))] });
    await loadBilling(db, (Array.isArray(billCsv) ? billCsv : [billCsv]).map((text, i) => writeTemp(`bill${i}.csv`, text)), defaultConfig());
    await installModel(db, defaultConfig(), model);
    return await fn(db);
  } finally {
    db.close();
  }
}

const T = traceId(7);
const SF_HEADER = "QUERY_ID,QUERY_TAG,START_TIME,END_TIME,CREDITS_ATTRIBUTED_COMPUTE,QUERY_TEXT\n";
// The test spans start at 1,700,000,000 s (2023-11-14T22:13:20Z) plus their startMs.
const at = (ms: number) => String(1_700_000_000 + ms / 1000);

describe("the join", () => {
  it("takes the bill over an explicit cost; a span's compute stays the model's", async () => {
    const spans: TestSpan[] = [{ trace: T, id: spanId(1), name: "tracker.warehouse.insert", startMs: 0, durationMs: 1000,
      attrs: { "db.system": "snowflake", "cost.usd": "5", "snowflake.query_id": "q-1" } }];
    await session(spans, SF_HEADER + `q-1,,${at(0)},${at(1000)},1,\n`, async (db) => {
      const [row] = await db.all("SELECT cost_source, query_usd, compute_usd, estimated_query_usd FROM costed_spans");
      // explicit cost on a warehouse span is its query cost (compute 0); the bill replaces it: 1 credit × $3.
      expect(row).toEqual({ cost_source: "billed", query_usd: 3, compute_usd: 0, estimated_query_usd: 5 });
    });
  });

  it("joins by id first, then by tag; a tag naming a span that is not there joins nothing", async () => {
    const spans: TestSpan[] = [
      { trace: T, id: spanId(1), name: "q.a", startMs: 0, durationMs: 1000, attrs: { "db.system": "snowflake", "db.query.id": "q-a" } },
      { trace: T, id: spanId(2), name: "q.b", startMs: 0, durationMs: 1000, attrs: { "db.system": "snowflake" } },
    ];
    const tag = (span: string) => `"{""traceparent"": ""00-${T}-${span}-01""}"`;
    // q-a's tag names span 2, but its id names span 1: the id wins. q-b's tag names span 2. q-c's a span not stored.
    const bill = SF_HEADER + `q-a,${tag(spanId(2))},${at(0)},${at(1000)},1,\nq-b,${tag(spanId(2))},${at(0)},${at(1000)},2,\nq-c,${tag(spanId(9))},${at(0)},${at(1000)},4,\n`;
    await session(spans, bill, async (db) => {
      expect(await db.all("SELECT query_id, span_id, match FROM _bill_joins ORDER BY query_id")).toEqual([
        { query_id: "q-a", span_id: spanId(1), match: "id" },
        { query_id: "q-b", span_id: spanId(2), match: "tag" },
      ]);
      const { totals } = await reconcile(db);
      expect(totals).toMatchObject({ joined_spans: 2, untraced_bills: 1, untraced_billed_usd: 12 });
    });
  });

  it("by time only when unambiguous: two spans that fit one bill join neither", async () => {
    const stmt = (v: number) => `SELECT * FROM t WHERE id = ${v}`;
    const span = (n: number, startMs: number): TestSpan => ({ trace: T, id: spanId(n), name: "q", startMs, durationMs: 1000,
      attrs: { "db.system": "snowflake", "db.statement": stmt(n) } });
    // Bill x overlaps spans 1 and 2 (ambiguous); bill y overlaps span 3 alone.
    const bill = SF_HEADER + `x,,${at(100)},${at(900)},1,${stmt(0)}\ny,,${at(5100)},${at(5900)},1,${stmt(0)}\n`;
    await session([span(1, 0), span(2, 500), span(3, 5000)], bill, async (db) => {
      expect(await db.all("SELECT query_id, span_id, match FROM _bill_joins")).toEqual([{ query_id: "y", span_id: spanId(3), match: "time" }]);
    }, { billing: { matchByTime: true } });
    await session([span(1, 0), span(2, 500), span(3, 5000)], bill, async (db) => {
      expect(Number(await db.scalar("SELECT count(*) FROM _bill_joins"))).toBe(0);
    });
  });

  it("by time, with the statement text a Snowflake QUERY_HISTORY export gives the attribution records", async () => {
    const spans: TestSpan[] = [{ trace: T, id: spanId(1), name: "q", startMs: 0, durationMs: 1000,
      attrs: { "db.system": "snowflake", "db.statement": "SELECT * FROM t WHERE id = 1" } }];
    const attribution = "QUERY_ID,START_TIME,END_TIME,CREDITS_ATTRIBUTED_COMPUTE\n" + `h-1,${at(100)},${at(900)},1\n`;
    const history = "query_id,query_text,query_parameterized_hash\nh-1,SELECT * FROM t WHERE id = 2,9f8e\n";
    await session(spans, [history, attribution], async (db) => {
      expect(await db.all("SELECT query_id, span_id, match FROM _bill_joins")).toEqual([{ query_id: "h-1", span_id: spanId(1), match: "time" }]);
    }, { billing: { matchByTime: true } });
    // Without the history, the record has no text to fingerprint: no match.
    await session(spans, attribution, async (db) => {
      expect(Number(await db.scalar("SELECT count(*) FROM _bill_joins"))).toBe(0);
    }, { billing: { matchByTime: true } });
  });

  it("sampling: only joined spans are priced from the bill; untraced is the bill minus their bills, not minus weighted estimates", async () => {
    // One span kept of three (sampleRate 3): the three queries' bills are $3 each.
    const spans: TestSpan[] = [{ trace: T, id: spanId(1), name: "q", startMs: 0, durationMs: 1000,
      attrs: { "db.system": "snowflake", "db.query.id": "q-1", sampleRate: 3 } }];
    const bill = SF_HEADER + ["q-1", "q-2", "q-3"].map((q) => `${q},,${at(0)},${at(1000)},1,`).join("\n") + "\n";
    await session(spans, bill, async (db) => {
      const { rows, totals } = await reconcile(db);
      expect(rows.find((r) => r.stage === "(untraced)")!.billed_usd).toBe(6);
      expect(totals).toMatchObject({ joined_billed_usd: 3, untraced_billed_usd: 6 });
      // Analyses weight the joined span as the sampled one it stands for: 3 × $3.
      const [w] = await db.all("SELECT weight * cost_usd AS weighted FROM costed_spans");
      expect(Number(w!.weighted)).toBeCloseTo(9 + 3 * (1 / 3600) * 0.0425, 12);
    });
  });
});

describe("against the generator's truth", () => {
  for (const sampleRate of [undefined, 0.5]) {
    it(`reconciles to what generate --billing-out says${sampleRate ? " (sampled: dropped traces' bills are untraced)" : ""}`, async () => {
      const { generate } = await import("../src/generate/generate.js");
      const dir = mkdtempSync(join(tmpdir(), "adtrace-rec-gen-"));
      const out = join(dir, "spans.jsonl");
      const { truth } = await generate({ events: 1200, out, seed: 5, billingOut: join(dir, "bill"), sampleRate });
      const t = truth.billing!;
      expect(t.lost_tags).toBeGreaterThan(0);
      expect(t.cache_hits).toBeGreaterThan(0);
      expect(t.batch_jobs).toBe(6);
      const r = await adtraceIn(["cost", "reconcile", out, "--billing-file", t.files.snowflake, "--billing-file", t.files.bigquery, "--format", "json", "-q"]);
      expect(r.code, r.stderr).toBe(0);
      const got = JSON.parse(r.stdout);
      expect(got.totals).toMatchObject({
        spans: t.warehouse_spans, joined_spans: t.joined_by_id + t.joined_by_tag, spans_by_id: t.joined_by_id, spans_by_tag: t.joined_by_tag,
        bills: t.records.snowflake + t.records.bigquery, out_of_range_bills: 0, unpriced_bills: 0,
      });
      expect(got.totals.join_rate).toBeCloseTo(t.join_rate, 10);
      for (const wh of ["snowflake", "bigquery"] as const) {
        const rows = got.rows.filter((x: { warehouse: string }) => x.warehouse === wh);
        const traced = rows.filter((x: { stage: string }) => x.stage !== "(untraced)").reduce((s: number, x: { billed_usd: number }) => s + x.billed_usd, 0);
        expect(traced / t.joined_billed_usd[wh], wh).toBeCloseTo(1, 9);
        const untraced = rows.find((x: { stage: string }) => x.stage === "(untraced)").billed_usd;
        expect(untraced / t.untraced_billed_usd[wh], wh).toBeCloseTo(1, 9);
        // The bill is complete: joined + untraced + (nothing out of range) = every record.
        if (!sampleRate) expect((traced + untraced) / t.billed_usd[wh], wh).toBeCloseTo(1, 9);
        else expect(traced + untraced, wh).toBeLessThanOrEqual(t.billed_usd[wh] * (1 + 1e-9));
      }
      expect(got.cost_sources.billed).toBe(t.joined_by_id + t.joined_by_tag);
    });
  }
});

describe("billing records in a database's stored cost model (issues 16 and 23)", () => {
  it("load --billing re-stores the model with the bills; a bill changed behind its back is detected and recomputed", async () => {
    const db = join(mkdtempSync(join(tmpdir(), "adtrace-rec-")), "stored.duckdb");
    expect((await adtraceIn(["load", `${DIR}/traces.csv`, "--db", db, ...CONFIG, "-q"])).code).toBe(0);
    const breakdown = () => adtraceIn(["cost", "breakdown", "--db", db, ...CONFIG, "--format", "json"]);
    // No bills yet: the stored model prices from the book and the span's own cost.
    const unbilled = await breakdown();
    expect(unbilled.code, unbilled.stderr).toBe(0);
    expect(JSON.parse(unbilled.stdout).cost_sources.billed).toBe(0);
    // The billing load stores the model again, in its transaction: the next analysis reads it as
    // it is (no recompute note) and prices the 4 joined spans from the bill, as the files do.
    expect((await adtraceIn(["load", "--billing", `${DIR}/snowflake.csv`, `${DIR}/bigquery.jsonl`, "--db", db, ...CONFIG, "-q"])).code).toBe(0);
    const billed = await breakdown();
    expect(billed.code, billed.stderr).toBe(0);
    expect(billed.stderr).not.toMatch(/recomputed|cost model/);
    const fromFiles = await adtraceIn(["cost", "breakdown", `${DIR}/traces.csv`, ...BILLS, ...CONFIG, "--format", "json", "-q"]);
    const groups = (text: string) => JSON.parse(text).groups.map((g: { stage: string; cost_per_event_usd: number }) => [g.stage, g.cost_per_event_usd]);
    expect(JSON.parse(billed.stdout).cost_sources).toEqual({ billed: 4, explicit: 2, price_book: 1, unpriced: 0 });
    expect(groups(billed.stdout)).toEqual(groups(fromFiles.stdout));
    // A bill removed by hand (not through load --billing): the stored model no longer matches
    // the records, so it is "rebilled", and the next analysis recomputes it and says so.
    const config = loadConfig(`${DIR}/adtrace.config.yaml`);
    const writable = await Db.open({ path: db });
    try {
      expect(await storedModelState(writable, config)).toBe("current");
      await writable.exec("DELETE FROM billed_queries WHERE rowid = (SELECT min(rowid) FROM billed_queries)");
      expect(await storedModelState(writable, config)).toBe("rebilled");
    } finally {
      writable.close();
    }
    const rebilled = await breakdown();
    expect(rebilled.code, rebilled.stderr).toBe(0);
    expect(rebilled.stderr).toMatch(/its billing records changed since its cost model was stored; recomputed it/);
    expect(JSON.parse(rebilled.stdout).cost_sources.billed).toBeLessThan(4);
  });
});
