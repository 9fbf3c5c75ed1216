// The cost model against hand-worked numbers: self time, derived warehouse prices, dated price
// books, explicit-cost precedence, stage rules, fingerprints.
import { describe, expect, it } from "vitest";
import { withModelDb } from "./helpers/analysis.js";
import { spanId, traceId, type TestSpan } from "./helpers/otlp.js";
import { breakdown, parseGroupKeys, totals } from "../src/analysis/breakdown.js";
import { FIXTURE } from "./helpers/cli.js";
import { BIGQUERY_COMPUTE, BIGQUERY_QUERY, EVENTS, EXPLICIT, SNOWFLAKE_COMPUTE, SNOWFLAKE_QUERY } from "./helpers/hand.js";
import { generate } from "../src/generate/generate.js";
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";

const T = traceId(1);

async function span(db: import("../src/db/db.js").Db, id: string) {
  const rows = await db.all("SELECT * REPLACE (adtrace_fingerprint(statement, warehouse) AS query_fingerprint) FROM costed_spans WHERE span_id = $id", { id });
  return rows[0]!;
}

describe("self time", () => {
  it("subtracts the union of direct children's intervals, clipped to the span", async () => {
    // parent 0–100 ms; children 10–30 and 20–50 overlap (union 10–50 = 40 ms), a grandchild
    // inside a child must not count, and a child running past the parent's end (90–120) counts
    // only 90–100. Self = 100 − 40 − 10 = 50 ms.
    const spans: TestSpan[] = [
      { trace: T, id: spanId(1), name: "p", startMs: 0, durationMs: 100 },
      { trace: T, id: spanId(2), parent: spanId(1), name: "c1", startMs: 10, durationMs: 20 },
      { trace: T, id: spanId(3), parent: spanId(1), name: "c2", startMs: 20, durationMs: 30 },
      { trace: T, id: spanId(4), parent: spanId(2), name: "g", startMs: 12, durationMs: 5 },
      { trace: T, id: spanId(5), parent: spanId(1), name: "c3", startMs: 90, durationMs: 30 },
    ];
    await withModelDb(spans, async (db) => {
      expect(Number((await span(db, spanId(1))).self_ns)).toBe(50_000_000);
      expect(Number((await span(db, spanId(2))).self_ns)).toBe(15_000_000); // 20 − 5
      expect(Number((await span(db, spanId(3))).self_ns)).toBe(30_000_000);
      expect(Number((await span(db, spanId(5))).self_ns)).toBe(30_000_000);
    });
  });

  it("terminates on a span that is its own parent and on a parent cycle", async () => {
    const spans: TestSpan[] = [
      { trace: T, id: spanId(1), parent: spanId(1), name: "self", startMs: 0, durationMs: 10 },
      { trace: T, id: spanId(2), parent: spanId(3), name: "a", startMs: 0, durationMs: 10 },
      { trace: T, id: spanId(3), parent: spanId(2), name: "b", startMs: 2, durationMs: 4 },
    ];
    await withModelDb(spans, async (db) => {
      expect(Number((await span(db, spanId(1))).self_ns)).toBe(10_000_000);
      expect(Number((await span(db, spanId(2))).self_ns)).toBe(6_000_000);
      expect(Number((await span(db, spanId(3))).self_ns)).toBe(0);
    });
  });
});

describe("derived prices", () => {
  const warehouse = (id: number, system: string, durationMs: number, attrs: Record<string, string | number>): TestSpan => ({
    trace: T, id: spanId(id), name: `${system}.query`, startMs: 0, durationMs, attrs: { "db.system": system, ...attrs },
  });

  it("prices Snowflake by credits/hour of the size × seconds × $/credit", async () => {
    // MEDIUM = 4 credits/hour; 90 s → 4 × 90/3600 = 0.1 credits × $3.00 = $0.30 query cost.
    // Compute: 90 s self × 1 vCPU × $0.0425/h = $0.0010625.
    await withModelDb([warehouse(1, "snowflake", 90_000, { "snowflake.warehouse.size": "medium" })], async (db) => {
      const s = await span(db, spanId(1));
      expect(s.warehouse).toBe("snowflake");
      expect(Number(s.query_usd)).toBeCloseTo(0.3, 12);
      expect(Number(s.compute_usd)).toBeCloseTo(0.0010625, 12);
      expect(s.cost_source).toBe("derived");
    });
  });

  it("prices BigQuery by TiB billed with the 10 MiB minimum", async () => {
    // 2 TiB × $6.25 = $12.50; 1 KiB is billed as 10 MiB = 10/1048576 TiB × 6.25.
    const spans = [
      warehouse(1, "bigquery", 1000, { "db.bytes_scanned": 2 * 2 ** 40 }),
      warehouse(2, "bigquery", 1000, { "db.bytes_scanned": 1024 }),
      warehouse(3, "bigquery", 1000, {}),
    ];
    await withModelDb(spans, async (db) => {
      expect(Number((await span(db, spanId(1))).query_usd)).toBeCloseTo(12.5, 12);
      expect(Number((await span(db, spanId(2))).query_usd)).toBeCloseTo((10 / 1048576) * 6.25, 15);
      const unknown = await span(db, spanId(3));
      expect(unknown.cost_source).toBe("partial");
      expect(unknown.is_unpriced).toBe(true);
    });
  });

  it("prices Redshift by RPU-seconds, reported or from duration × base RPUs", async () => {
    // Reported 720 RPU-s → 0.2 RPU-h × $0.375 = $0.075; else 8 RPU × 30 s = 240 RPU-s → $0.025.
    const spans = [warehouse(1, "redshift", 5000, { "redshift.rpu_seconds": 720 }), warehouse(2, "redshift", 30_000, {})];
    await withModelDb(spans, async (db) => {
      expect(Number((await span(db, spanId(1))).query_usd)).toBeCloseTo(0.075, 12);
      expect(Number((await span(db, spanId(2))).query_usd)).toBeCloseTo(0.025, 12);
    });
  });

  it("applies the price book in force at each span's start (effective_from)", async () => {
    // Spans start at 2023-11-14 (epoch 1.7e9 s). A book from 2023-01-01 sets $2/credit, one from
    // 2030 sets $9 (not yet in force); XSMALL = 1 credit/hour; 3600 s → 1 credit.
    const config = `
prices:
  - effective_from: 2023-01-01
    warehouses: { snowflake: { credit_usd: 2.0 } }
  - effective_from: 2030-01-01
    warehouses: { snowflake: { credit_usd: 9.0 } }
`;
    await withModelDb([warehouse(1, "snowflake", 3_600_000, {})], async (db) => {
      expect(Number((await span(db, spanId(1))).query_usd)).toBeCloseTo(2.0, 12);
    }, config);
    const later = `
prices:
  - effective_from: 2023-11-01
    warehouses: { snowflake: { credit_usd: 5.0 } }
`;
    await withModelDb([warehouse(1, "snowflake", 3_600_000, {})], async (db) => {
      expect(Number((await span(db, spanId(1))).query_usd)).toBeCloseTo(5.0, 12);
    }, later);
  });
});

describe("explicit costs", () => {
  it("takes cost.usd first (query cost on warehouse spans), then the split attributes, and ignores negative or NaN", async () => {
    const spans: TestSpan[] = [
      { trace: T, id: spanId(1), name: "a", startMs: 0, durationMs: 1, attrs: { "cost.usd": "0.25" } },
      { trace: T, id: spanId(2), name: "b", startMs: 0, durationMs: 1, attrs: { "cost.usd": "0.5", "db.system": "snowflake" } },
      { trace: T, id: spanId(3), name: "c", startMs: 0, durationMs: 1, attrs: { "cost.compute_usd": "0.1", "cost.query_usd": "0.2" } },
      { trace: T, id: spanId(4), name: "d", startMs: 0, durationMs: 3_600_000, attrs: { "cost.usd": "-1" } },
      { trace: T, id: spanId(5), name: "e", startMs: 0, durationMs: 3_600_000, attrs: { "cost.usd": "NaN" } },
    ];
    await withModelDb(spans, async (db) => {
      const a = await span(db, spanId(1));
      expect([Number(a.compute_usd), Number(a.query_usd), a.cost_source]).toEqual([0.25, 0, "explicit"]);
      const b = await span(db, spanId(2));
      expect([Number(b.compute_usd), Number(b.query_usd)]).toEqual([0, 0.5]);
      const c = await span(db, spanId(3));
      expect([Number(c.compute_usd), Number(c.query_usd), c.cost_source]).toEqual([0.1, 0.2, "split"]);
      // Invalid explicit costs fall through to derivation: 1 h × 1 vCPU × $0.0425.
      expect(Number((await span(db, spanId(4))).cost_usd)).toBeCloseTo(0.0425, 12);
      expect(Number((await span(db, spanId(5))).cost_usd)).toBeCloseTo(0.0425, 12);
    });
  });

  it("reads the attribute names the config lists, in order", async () => {
    const spans: TestSpan[] = [{ trace: T, id: spanId(1), name: "a", startMs: 0, durationMs: 1, attrs: { "my.cost": "0.7", "cost.usd": "0.1" } }];
    await withModelDb(spans, async (db) => {
      expect(Number((await span(db, spanId(1))).cost_usd)).toBe(0.7);
    }, "cost_attributes: [my.cost, cost.usd]\n");
  });
});

describe("stage rules", () => {
  it("matches first rule wins, with name, service and attribute globs that must all hold", async () => {
    const config = `
stages:
  - stage: special
    match: { name: "x.*", attribute: { "ad.stage": "auc*", tier: "gold" } }
  - stage: auction
    match: { attribute: { "ad.stage": "auction" } }
  - stage: byname
    match: { name: "x.*" }
  - stage: byservice
    match: { service: "svc-[ab]" }
`;
    const spans: TestSpan[] = [
      { trace: T, id: spanId(1), name: "x.1", startMs: 0, durationMs: 1, attrs: { "ad.stage": "auction", tier: "gold" } },
      { trace: T, id: spanId(2), name: "x.2", startMs: 0, durationMs: 1, attrs: { "ad.stage": "auction" } },
      { trace: T, id: spanId(3), name: "x.3", startMs: 0, durationMs: 1 },
      { trace: T, id: spanId(4), name: "y", service: "svc-b", startMs: 0, durationMs: 1 },
      { trace: T, id: spanId(5), name: "y", service: "svc-c", startMs: 0, durationMs: 1 },
    ];
    await withModelDb(spans, async (db) => {
      const stages = await db.all("SELECT span_id, stage FROM costed_spans ORDER BY span_id");
      expect(stages.map((r) => r.stage)).toEqual(["special", "auction", "byname", "byservice", "other"]);
    }, config);
  });

  it("maps the usual ad-tech names onto the default stages", async () => {
    const names: [string, string, string][] = [
      ["adserver.request.handle", "adserver", "request"],
      ["profile.user.lookup", "profile-svc", "profiling"],
      ["inventory.ann.search", "inventory", "inventory_lookup"],
      ["auction.rtb.run", "auction", "auction"],
      ["delivery.creative.render", "delivery", "delivery"],
      ["tracker.events.write", "tracker", "tracking"],
      ["tracker.warehouse.insert", "tracker", "tracking"],
      ["aggregator.rollup.compute", "aggregator", "aggregation"],
      ["aggregator.warehouse.query", "aggregator", "aggregation"],
      ["healthcheck", "misc", "other"],
    ];
    const spans = names.map(([name, service], i): TestSpan => ({ trace: T, id: spanId(i + 1), name, service, startMs: 0, durationMs: 1 }));
    await withModelDb(spans, async (db) => {
      const rows = await db.all("SELECT name, stage FROM costed_spans");
      const got = Object.fromEntries(rows.map((r) => [r.name, r.stage]));
      for (const [name, , stage] of names) expect(got[name]).toBe(stage);
    });
  });
});

describe("query fingerprints", () => {
  it("strips string and number literals, collapses IN lists and whitespace, keeps identifiers", async () => {
    const statements: [string, string][] = [
      ["SELECT * FROM events WHERE user_id = 'u-123@example.com' AND day = '2024-01-01'", "SELECT * FROM events WHERE user_id = ? AND day = ?"],
      ["select  count(*)\n from t1 where id in (1, 2,3) and x > -4.5e3", "select count(*) from t1 where id IN (?) and x > -?"],
      ["INSERT INTO imp_2024 (a, b) VALUES ('it''s', 42), ('x', 7)", "INSERT INTO imp_2024 (a, b) VALUES (…)"],
      // Digits inside identifiers stay; a number inside a quoted identifier after a space would be
      // stripped too (over-stripping never leaks a value).
      ["SELECT \"col_1\", t2.x3 FROM s.t WHERE c = 10", "SELECT \"col_1\", t2.x3 FROM s.t WHERE c = ?"],
    ];
    const spans = statements.map(([sql], i): TestSpan => ({
      trace: T, id: spanId(i + 1), name: "q", startMs: 0, durationMs: 1, attrs: { "db.system": "snowflake", "db.statement": sql },
    }));
    await withModelDb(spans, async (db) => {
      for (const [i, [, expected]] of statements.entries()) {
        expect((await span(db, spanId(i + 1))).query_fingerprint).toBe(expected);
      }
    });
  });
});

describe("invalid explicit costs", () => {
  it("are ignored, priced from usage instead, and counted", async () => {
    // 1 s of compute at the default $0.0425 per vCPU-hour = $0.0000118055… each.
    const spans: TestSpan[] = [
      { trace: T, id: spanId(1), name: "a", startMs: 0, durationMs: 1000, attrs: { "cost.usd": "-5" } },
      { trace: T, id: spanId(2), name: "b", startMs: 0, durationMs: 1000, attrs: { "cost.usd": "abc" } },
      { trace: T, id: spanId(3), name: "c", startMs: 0, durationMs: 1000, attrs: { "cost.compute_usd": "-1" } },
      { trace: T, id: spanId(4), name: "d", startMs: 0, durationMs: 1000, attrs: { "cost.usd": "0.5" } },
      // A valid compute half and a bad query half on a Snowflake span: the query half is priced from
      // usage, XSMALL 1 credit/hour × 1 s × $3.00 = $0.000833…, not taken as $0.
      { trace: T, id: spanId(5), name: "e", startMs: 0, durationMs: 1000,
        attrs: { "db.system": "snowflake", "cost.compute_usd": "0.001", "cost.query_usd": "oops" } },
    ];
    await withModelDb(spans, async (db) => {
      for (const n of [1, 2, 3]) expect(Number((await span(db, spanId(n))).cost_usd)).toBeCloseTo(0.0425 / 3600, 15);
      expect(Number((await span(db, spanId(4))).cost_usd)).toBe(0.5);
      const e = await span(db, spanId(5));
      expect(Number(e.compute_usd)).toBe(0.001);
      expect(Number(e.query_usd)).toBeCloseTo(3 / 3600, 15);
      expect((await totals(db)).invalid_cost_spans).toBe(4);
    });
  });
});

describe("query fingerprints never carry a value", () => {
  // [warehouse, statement, expected fingerprint]. The values to hide all contain "secret".
  const cases: [string, string, string][] = [
    // Double quotes delimit strings in BigQuery (and MySQL, Spark SQL) but identifiers in Snowflake.
    ["bigquery", `SELECT * FROM t WHERE email = "secret@example.com"`, "SELECT * FROM t WHERE email = ?"],
    ["snowflake", `SELECT "Email" FROM t WHERE email = 'secret@example.com'`, `SELECT "Email" FROM t WHERE email = ?`],
    // Comments go, block and line, in any dialect; # starts one in BigQuery.
    ["snowflake", "SELECT a /* user secret@example.com */ FROM t -- secret\nWHERE b = 1", "SELECT a FROM t WHERE b = ?"],
    ["bigquery", "SELECT a FROM t # secret\nWHERE b = 2", "SELECT a FROM t WHERE b = ?"],
    // A '--' inside a string is part of the string, not a comment.
    ["snowflake", "SELECT a FROM t WHERE b = 'x -- secret' AND c = 3", "SELECT a FROM t WHERE b = ? AND c = ?"],
    // Dollar-quoted strings (Snowflake, PostgreSQL), tagged or not.
    ["snowflake", "SELECT $$secret token$$, $tag$secret$tag$ FROM t", "SELECT ?, ? FROM t"],
    // Backslash escapes and doubled quotes inside strings; E'' and N'' prefixes.
    ["bigquery", "SELECT 1 FROM t WHERE n = 'O\\'Brien secret' AND m = 'it''s secret'", "SELECT ? FROM t WHERE n = ? AND m = ?"],
    ["redshift", "SELECT 1 FROM t WHERE n = E'secret\\n' OR n = N'secret'", "SELECT ? FROM t WHERE n = ? OR n = ?"],
    // BigQuery triple-quoted and raw strings.
    ["bigquery", `SELECT '''secret ' here''' , r"secret\d" FROM t`, "SELECT ? , ? FROM t"],
    // A statement the SDK cut short in the middle of a string or a comment.
    ["snowflake", "SELECT a FROM t WHERE note = 'truncated-by-sdk secret@exa", "SELECT a FROM t WHERE note = ?"],
    ["snowflake", "SELECT a FROM t /* secret", "SELECT a FROM t"],
    // BigQuery under its cloud prefix quotes the same way.
    ["gcp.bigquery", `SELECT a FROM t WHERE email = "secret@example.com" # secret`, "SELECT a FROM t WHERE email = ?"],
    // Where a backslash escapes nothing (Trino, PostgreSQL), 'C:\' ends at its quote; E'' strings still escape.
    ["trino", "SELECT a FROM t WHERE p = 'C:\\' AND email = 'secret2@example.com'", "SELECT a FROM t WHERE p = ? AND email = ?"],
    ["presto", "SELECT a FROM t WHERE p = E'it\\'s secret' AND q = 'x'", "SELECT a FROM t WHERE p = ? AND q = ?"],
    // Hex and decimal numbers; digits inside identifiers and $1 placeholders stay.
    ["snowflake", "SELECT t2.c1 FROM t WHERE k = 0x1F2E AND v > .5 AND w = $1", "SELECT t2.c1 FROM t WHERE k = ? AND v > ? AND w = $1"],
  ];

  it("removes strings of every dialect's quoting, comments and numbers, keeping identifiers", async () => {
    const spans = cases.map(([system, sql], i): TestSpan => ({
      trace: T, id: spanId(i + 1), name: "q", startMs: 0, durationMs: 1, attrs: { "db.system": system, "db.statement": sql },
    }));
    await withModelDb(spans, async (db) => {
      for (const [i, [system, sql, expected]] of cases.entries()) {
        const fingerprint = String((await span(db, spanId(i + 1))).query_fingerprint);
        expect(fingerprint, `${system}: ${sql}`).toBe(expected);
        expect(fingerprint).not.toMatch(/secret/);
      }
    });
  });
});

describe("breakdown arithmetic", () => {
  // Two events. Event 1: a ($0.10, stage request), b ($0.30, tracking). Event 2: a ($0.20).
  // Total $0.60 over 2 events = $0.30/event; request = $0.30/2 = $0.15/event (share 0.5),
  // tracking = $0.30/2 = $0.15/event (share 0.5, in 1 event).
  const spans: TestSpan[] = [
    { trace: traceId(1), id: spanId(1), name: "adserver.request.handle", startMs: 0, durationMs: 10, attrs: { "cost.usd": "0.10", user_locale: "de-DE" } },
    { trace: traceId(1), id: spanId(2), parent: spanId(1), name: "tracker.events.write", startMs: 1, durationMs: 4, attrs: { "cost.usd": "0.30" } },
    { trace: traceId(2), id: spanId(3), name: "adserver.request.handle", startMs: 0, durationMs: 20, attrs: { "cost.usd": "0.20", user_locale: "fr-FR" } },
  ];

  it("divides each group's cost by ALL events and shares by the total", async () => {
    await withModelDb(spans, async (db) => {
      const result = await breakdown(db, { by: parseGroupKeys("stage") });
      const byStage = Object.fromEntries(result.groups.map((g) => [g.keys.stage, g]));
      expect(result.totals.events).toBe(2);
      expect(result.totals.cost_per_event_usd).toBeCloseTo(0.3, 12);
      expect(byStage.request!.cost_per_event_usd).toBeCloseTo(0.15, 12);
      expect(byStage.request!.events).toBe(2);
      expect(byStage.tracking!.cost_per_event_usd).toBeCloseTo(0.15, 12);
      expect(byStage.tracking!.events).toBe(1);
      expect(byStage.tracking!.cost_share).toBeCloseTo(0.5, 12);
      // p50 of request durations 10 and 20 ms, linear interpolation = 15; p95 = 10 + 0.95 × 10.
      expect(byStage.request!.p50_ms).toBeCloseTo(15, 9);
      expect(byStage.request!.p95_ms).toBeCloseTo(19.5, 9);
    });
  });

  it("groups by attribute, with spans lacking it under (none)", async () => {
    await withModelDb(spans, async (db) => {
      const result = await breakdown(db, { by: parseGroupKeys("attr:user_locale") });
      const got = Object.fromEntries(result.groups.map((g) => [g.keys.user_locale, g.cost_per_event_usd]));
      expect(got["(none)"]).toBeCloseTo(0.15, 12);
      expect(got["de-DE"]).toBeCloseTo(0.05, 12);
      expect(got["fr-FR"]).toBeCloseTo(0.1, 12);
    }, undefined, { attributeKeys: ["user_locale"] });
  });

  it("refuses to group by an attribute the model was installed without (it would all read (none))", async () => {
    await withModelDb(spans, async (db) => {
      await expect(breakdown(db, { by: parseGroupKeys("attr:user_locale") })).rejects.toThrow(/without attribute\(s\) user_locale/);
      // Every missing key named, as written: two of them.
      await expect(breakdown(db, { by: parseGroupKeys("attr:user_locale,attr:device.type") })).rejects.toThrow(
        "the cost model was installed without attribute(s) user_locale, device.type: pass them in ModelOptions.attributeKeys");
    });
  });
});

describe("non-finite and out-of-range usage values (issue 14, item 5)", () => {
  // Each span lasts 1 s and has no children: compute = 1 s × vCPUs × $0.0425/h = vCPUs × 0.0425 / 3600.
  const SECOND_USD = 0.0425 / 3600;
  const one = (id: number, attrs: Record<string, string>): TestSpan => ({ trace: traceId(id), id: spanId(id), name: `s${id}`, startMs: 0, durationMs: 1000, attrs });
  const spans: TestSpan[] = [
    one(1, { "db.system": "bigquery", "db.bytes_billed": "Infinity" }),
    // The next bytes attribute prices it: 1 TiB × $6.25.
    one(2, { "db.system": "bigquery", "db.bytes_billed": "1e30", "db.bytes_scanned": String(2 ** 40) }),
    // The bound itself is accepted: 2^60 B = 2^20 TiB × $6.25 = $6,553,600.
    one(3, { "db.system": "bigquery", "db.bytes_billed": String(2 ** 60) }),
    one(4, { "compute.vcpus": "Infinity" }),
    // compute.vcpus out of range, host.cpu.count used: 4 vCPUs.
    one(5, { "compute.vcpus": "NaN", "host.cpu.count": "4" }),
    // Credits out of range: XSMALL (1 credit/hour) × 1 s × $3.00 instead.
    one(6, { "db.system": "snowflake", "snowflake.credits_used": "1e400" }),
    one(7, { "db.system": "snowflake", "snowflake.credits_used": "2e6" }),
    // RPU-seconds out of range: 8 base RPUs × 1 s × $0.375/RPU-hour instead.
    one(8, { "db.system": "redshift", "redshift.rpu_seconds": "Infinity" }),
    // An explicit cost past $1e9: ignored, priced from usage.
    one(9, { "cost.usd": "1e300" }),
  ];

  it("are ignored for pricing (the next attribute or the book's default applies), counted per attribute, and never reach a sum", async () => {
    await withModelDb(spans, async (db) => {
      const q = async (n: number) => Number((await span(db, spanId(n))).query_usd);
      const c = async (n: number) => Number((await span(db, spanId(n))).compute_usd);
      const one = await span(db, spanId(1));
      expect([one.cost_source, one.is_unpriced, one.bytes_scanned, Number(one.query_usd)]).toEqual(["partial", true, null, 0]);
      expect(await q(2)).toBeCloseTo(6.25, 12);
      expect(await q(3)).toBeCloseTo(6.25 * 2 ** 20, 6);
      expect(Number((await span(db, spanId(3))).bytes_scanned)).toBe(2 ** 60);
      expect(await c(4)).toBeCloseTo(SECOND_USD, 15);
      expect(await c(5)).toBeCloseTo(4 * SECOND_USD, 15);
      expect(await q(6)).toBeCloseTo(3 / 3600, 15);
      expect(await q(7)).toBeCloseTo(3 / 3600, 15);
      expect(await q(8)).toBeCloseTo((8 / 3600) * 0.375, 15);
      expect([Number((await span(db, spanId(9))).cost_usd), (await span(db, spanId(9))).cost_source]).toEqual([SECOND_USD, "derived"]);
      // Every figure finite: no sum picked up an Infinity or a NaN.
      const [finite] = await db.all(`SELECT bool_and(isfinite(cost_usd) AND isfinite(compute_usd) AND isfinite(query_usd) AND isfinite(weight)) AS ok FROM costed_spans`);
      expect(finite!.ok).toBe(true);
      const t = await totals(db);
      expect(Number.isFinite(t.cost_per_event_usd)).toBe(true);
      const { pricingSummary } = await import("../src/analysis/breakdown.js");
      const p = await pricingSummary(db);
      expect(p.cost_sources).toEqual({ billed: 0, explicit: 0, price_book: 8, unpriced: 1 });
      expect(p.bad_values).toEqual([
        { attribute: "snowflake.credits_used", kind: "credits", spans: 2 },
        { attribute: "compute.vcpus", kind: "vcpus", spans: 2 },
        { attribute: "cost.usd", kind: "usd", spans: 1 },
        { attribute: "db.bytes_billed", kind: "bytes", spans: 2 },
        { attribute: "redshift.rpu_seconds", kind: "rpu_seconds", spans: 1 },
      ].sort((a, b) => b.spans - a.spans || a.attribute.localeCompare(b.attribute)));
    });
  });
});

describe("the price book matters (issue 13, item 6)", () => {
  // fixtures/auction/README.md: tracking's Snowflake lookups use 45 × 0.0001 credits ($0.0135 at
  // $3.00), aggregation's BigQuery aggregates bill 44 × 64 MiB ($0.01678466796875 at $6.25/TiB);
  // the book also prices those 89 spans' compute (2500 and 6500 µs at 1 vCPU), the other 280
  // spans carry cost.usd.
  const fixture = [`${FIXTURE}/otlp.jsonl`];
  const perStage = (config?: string) => withModelDb(fixture, async (db) => {
    const r = await breakdown(db);
    return {
      query: Object.fromEntries(r.groups.map((g) => [g.keys.stage, g.query_per_event_usd * EVENTS])),
      compute: r.totals.compute_per_event_usd * EVENTS,
    };
  }, config);

  it("doubling a warehouse's price doubles that warehouse's query cost, and nothing else", async () => {
    const base = await perStage();
    expect(base.query.tracking).toBeCloseTo(SNOWFLAKE_QUERY, 15);
    expect(base.query.aggregation).toBeCloseTo(BIGQUERY_QUERY, 15);
    const credits = await perStage("prices:\n  warehouses: { snowflake: { credit_usd: 6.0 } }\n");
    expect(credits.query.tracking).toBeCloseTo(2 * SNOWFLAKE_QUERY, 15);
    expect(credits.query.aggregation).toBeCloseTo(BIGQUERY_QUERY, 15);
    const bytes = await perStage("prices:\n  warehouses: { bigquery: { tib_usd: 12.5 } }\n");
    expect(bytes.query.aggregation).toBeCloseTo(2 * BIGQUERY_QUERY, 15);
    expect(bytes.query.tracking).toBeCloseTo(SNOWFLAKE_QUERY, 15);
    for (const r of [credits, bytes]) expect(r.compute).toBeCloseTo(base.compute, 15);
  });

  it("changing vcpu_hour_usd scales the compute the book prices", async () => {
    // The fixture: only the warehouse spans' compute comes from the book.
    const base = await perStage();
    expect(base.compute).toBeCloseTo(EXPLICIT + SNOWFLAKE_COMPUTE + BIGQUERY_COMPUTE, 15);
    const doubled = await perStage("prices:\n  compute: { vcpu_hour_usd: 0.085 }\n");
    expect(doubled.compute).toBeCloseTo(EXPLICIT + 2 * (SNOWFLAKE_COMPUTE + BIGQUERY_COMPUTE), 15);
    for (const [stage, q] of Object.entries(base.query)) expect(doubled.query[stage], stage).toBeCloseTo(q, 15);
    // Generated data prices all its compute from the book: three times the rate, three times the compute.
    const out = join(mkdtempSync(join(tmpdir(), "adtrace-book-")), "g.jsonl");
    await generate({ events: 300, out, seed: 8 });
    const computeOf = (config?: string) => withModelDb([out], async (db) => (await totals(db)).compute_per_event_usd, config);
    const generated = await computeOf();
    expect(generated).toBeGreaterThan(0);
    expect(await computeOf("prices:\n  compute: { vcpu_hour_usd: 0.1275 }\n")).toBeCloseTo(3 * generated, 15);
  });
});
