// Every pricing unit of the built-in price book (src/model/defaults.ts, README "Cost model") on
// one span each, against the list prices written out by hand: hour-priced warehouses, TiB-priced
// ones, RPU-hours, Snowflake credits (used, or by warehouse size), vCPUs from compute.vcpus or
// host.cpu.count; the db.system.name and db.query.text aliases; and the instant a dated price
// book takes over (effective_from: a span starting exactly then is priced by the new book).
import { describe, expect, it } from "vitest";
import { withModelDb } from "./helpers/analysis.js";
import { spanId, traceId, type TestSpan } from "./helpers/otlp.js";
import { warehouseQueries } from "../src/analysis/breakdown.js";
import type { Db } from "../src/db/db.js";
import { relative } from "./helpers/hand.js";
import { effectiveBooks, warehouseRow } from "../src/model/install.js";
import type { PriceBook } from "../src/model/defaults.js";

/** $ per vCPU-second at the built-in $0.0425 per vCPU-hour. */
const VCPU_SECOND_USD = 0.0425 / 3600;
const TIB = 2 ** 40;

const one = (n: number, durationMs: number, attrs: Record<string, string | number>, startMs = 0): TestSpan =>
  ({ trace: traceId(n), id: spanId(n), name: `s${n}`, startMs, durationMs, attrs });

/** Each span's model row by span number; exactly one row per span. */
async function rows(db: Db): Promise<Map<number, Record<string, unknown>>> {
  const all = await db.all("SELECT span_id, warehouse, compute_usd, query_usd, cost_source, statement FROM costed_spans");
  const byId = new Map(all.map((r) => [Number.parseInt(String(r.span_id), 16), r]));
  expect(byId.size).toBe(all.length);
  return byId;
}

describe("each warehouse of the built-in book, by its own unit", () => {
  // [system, span attributes, duration (s), query cost by hand, how]
  const cases: [string, Record<string, string | number>, number, number, string][] = [
    ["databricks", {}, 90, 0.07, "90 s = 0.025 h × $2.80/h"],
    ["clickhouse", {}, 90, 0.03, "0.025 h × $1.20/h"],
    ["trino", {}, 90, 0.025, "0.025 h × $1.00/h"],
    ["presto", {}, 90, 0.025, "0.025 h × $1.00/h"],
    ["athena", { "db.bytes_billed": TIB }, 1, 5, "1 TiB × $5/TiB"],
    ["athena", { "db.bytes_billed": 1024 }, 1, (10 / 1048576) * 5, "1 KiB billed as the 10 MiB minimum = 10/1048576 TiB × $5"],
    ["synapse", { "db.bytes_scanned": 2 * TIB }, 1, 10, "2 TiB × $5/TiB"],
    ["gcp.bigquery", { "bigquery.total_bytes_billed": TIB }, 1, 6.25, "1 TiB × $6.25/TiB"],
    ["bigquery", { "db.response.bytes_scanned": 4 * TIB }, 1, 25, "the last bytes attribute of the list: 4 TiB × $6.25"],
    ["aws.redshift", {}, 90, 0.075, "8 base RPUs × 90 s = 720 RPU-s = 0.2 RPU-h × $0.375"],
    ["redshift", { "db.rpu_seconds": 360 }, 90, 0.0375, "db.rpu_seconds 360 = 0.1 RPU-h × $0.375"],
    ["snowflake", { "snowflake.credits_used": 0.5 }, 90, 1.5, "0.5 credits × $3"],
    ["snowflake", { "db.credits_used": 0.25 }, 90, 0.75, "db.credits_used 0.25 credits × $3"],
    ["snowflake", { "snowflake.credits_used": 0.5, "db.credits_used": 0.25 }, 90, 1.5, "snowflake.credits_used comes first"],
    ["snowflake", { "db.warehouse.size": "large" }, 90, 0.6, "LARGE 8 credits/h × 0.025 h × $3"],
    ["snowflake", {}, 90, 0.075, "XSMALL (the default size) 1 credit/h × 0.025 h × $3"],
  ];

  it("prices each one from the usage its span reports, and its compute from self time at 1 vCPU", async () => {
    // One span (its own event) per case, all in one session.
    await withModelDb(cases.map(([system, attrs, seconds], i) => one(i + 1, seconds * 1000, { "db.system": system, ...attrs })), async (db) => {
      const r = await rows(db);
      for (const [i, [system, attrs, seconds, queryUsd, how]] of cases.entries()) {
        const row = r.get(i + 1)!;
        const label = `${system} ${JSON.stringify(attrs)}: ${how}`;
        expect([row.warehouse, row.cost_source], label).toEqual([system, "derived"]);
        expect(relative(Number(row.query_usd), queryUsd), label).toBeLessThan(1e-12);
        // Every span's compute: its self time (here its duration) at 1 vCPU.
        expect(relative(Number(row.compute_usd), seconds * VCPU_SECOND_USD), label).toBeLessThan(1e-12);
      }
    });
  });
});

describe("vCPUs behind a span", () => {
  it("compute.vcpus, else host.cpu.count, else the book's vcpus; compute.vcpus wins over host.cpu.count", async () => {
    // One hour of self time each: vCPUs × $0.0425.
    const spans = [
      one(1, 3_600_000, { "compute.vcpus": 4 }), // 4 × 0.0425 = 0.17
      one(2, 3_600_000, { "host.cpu.count": 2 }), // 2 × 0.0425 = 0.085
      one(3, 3_600_000, { "compute.vcpus": "0.5", "host.cpu.count": 8 }), // 0.5 × 0.0425 = 0.02125
      one(4, 3_600_000, {}), // the book's vcpus: 3 (config below) × 0.0425 = 0.1275
    ];
    await withModelDb(spans, async (db) => {
      const r = await rows(db);
      const compute = (n: number) => Number(r.get(n)!.compute_usd);
      expect(relative(compute(1), 0.17)).toBeLessThan(1e-12);
      expect(relative(compute(2), 0.085)).toBeLessThan(1e-12);
      expect(relative(compute(3), 0.02125)).toBeLessThan(1e-12);
      expect(relative(compute(4), 0.1275)).toBeLessThan(1e-12);
    }, "prices:\n  compute: { vcpus: 3 }\n");
  });
});

describe("OpenTelemetry's newer attribute names", () => {
  it("db.system.name names the warehouse when db.system is absent; db.system wins when both are there", async () => {
    const spans = [
      // Snowflake by db.system.name: 0.1 credits × $3 = $0.30.
      one(1, 1000, { "db.system.name": "snowflake", "snowflake.credits_used": 0.1 }),
      // db.system says bigquery: 1 TiB × $6.25, although db.system.name says snowflake.
      one(2, 1000, { "db.system": "bigquery", "db.system.name": "snowflake", "db.bytes_billed": TIB, "snowflake.credits_used": 0.1 }),
    ];
    await withModelDb(spans, async (db) => {
      const r = await rows(db);
      expect([r.get(1)!.warehouse, r.get(2)!.warehouse]).toEqual(["snowflake", "bigquery"]);
      expect(relative(Number(r.get(1)!.query_usd), 0.3)).toBeLessThan(1e-12);
      expect(relative(Number(r.get(2)!.query_usd), 6.25)).toBeLessThan(1e-12);
    });
  });

  it("db.query.text is the statement when db.statement is absent; db.statement wins when both are there", async () => {
    const spans = [
      one(1, 1000, { "db.system": "snowflake", "db.query.text": "SELECT a FROM t WHERE id = 42" }),
      one(2, 1000, { "db.system": "snowflake", "db.statement": "SELECT b FROM u WHERE id = 7", "db.query.text": "SELECT c FROM v" }),
    ];
    await withModelDb(spans, async (db) => {
      const r = await rows(db);
      expect([r.get(1)!.statement, r.get(2)!.statement]).toEqual(["SELECT a FROM t WHERE id = 42", "SELECT b FROM u WHERE id = 7"]);
      // cost queries shows them as fingerprints, one row each.
      const queries = (await warehouseQueries(db)).queries.map((q) => q.query).sort();
      expect(queries).toEqual(["SELECT a FROM t WHERE id = ?", "SELECT b FROM u WHERE id = ?"]);
    });
  });
});

describe("effective_from boundaries", () => {
  // The test spans' time base is 1,700,000,000 s after the epoch: 2023-11-14T22:13:20Z. A book in
  // force from exactly then prices a span that starts then ([from, next from)); a span that starts
  // 1 ns earlier is priced by the book before it. Each span: 3600 s on XSMALL (1 credit), 1 vCPU.
  const config = `
prices:
  - effective_from: "2023-01-01"
    compute: { vcpu_hour_usd: 0.5 }
    warehouses: { snowflake: { credit_usd: 2.0 } }
  - effective_from: "2023-11-14T22:13:20Z"
    compute: { vcpu_hour_usd: 0.7 }
    warehouses: { snowflake: { credit_usd: 4.0 } }
`;
  const spans = [
    one(1, 3_600_000, { "db.system": "snowflake" }, -0.000001), // 1 ns before the boundary
    one(2, 3_600_000, { "db.system": "snowflake" }, 0), // exactly at it
    one(3, 3_600_000, { "db.system": "snowflake" }, 0.000001), // 1 ns after
    one(4, 3_600_000, {}, 0), // compute only, at the boundary
  ];

  it("a span starting exactly at effective_from takes the new book; 1 ns earlier, the old one", async () => {
    await withModelDb(spans, async (db) => {
      const r = await rows(db);
      const at = (n: number) => [Number(r.get(n)!.query_usd), Number(r.get(n)!.compute_usd)];
      expect(at(1)).toEqual([2, 0.5]);
      expect(at(2)).toEqual([4, 0.7]);
      expect(at(3)).toEqual([4, 0.7]);
      expect(Number(r.get(4)!.compute_usd)).toBe(0.7);
      const starts = await db.all("SELECT span_id, CAST(start_ns AS VARCHAR) AS s FROM costed_spans ORDER BY span_id");
      expect(starts.map((s) => s.s)).toEqual(["1699999999999999999", "1700000000000000000", "1700000000000000001", "1700000000000000000"]);
    }, config);
  });
});

describe("the edges of what a cost attribute may say", () => {
  it("cost.usd 0 is an explicit $0 (the range includes its bounds); -0.01 is out of range and priced from usage", async () => {
    // One hour at 1 vCPU: priced from usage that is $0.0425 of compute.
    const spans = [
      one(1, 3_600_000, { "cost.usd": "0" }),
      one(2, 3_600_000, { "cost.usd": "-0.01" }),
      one(3, 3_600_000, { "cost.usd": "1000000000" }), // the upper bound, $1e9: explicit too
    ];
    await withModelDb(spans, async (db) => {
      const r = await rows(db);
      expect([r.get(1)!.cost_source, Number(r.get(1)!.compute_usd)]).toEqual(["explicit", 0]);
      expect(r.get(2)!.cost_source).toBe("derived");
      expect(relative(Number(r.get(2)!.compute_usd), 0.0425)).toBeLessThan(1e-12);
      expect([r.get(3)!.cost_source, Number(r.get(3)!.compute_usd)]).toEqual(["explicit", 1e9]);
    });
  });
});

describe("bytes per warehouse call", () => {
  it("average over the calls that report bytes, not every call", async () => {
    // Two BigQuery calls of one statement: one billed 1 TiB, one reporting no bytes. Per call: 1 TiB.
    const attrs = { "db.system": "bigquery", "db.statement": "SELECT 1" };
    const spans = [one(1, 1000, { ...attrs, "db.bytes_billed": TIB }), one(2, 1000, attrs)];
    await withModelDb(spans, async (db) => {
      const { queries } = await warehouseQueries(db);
      expect(queries).toHaveLength(1);
      expect([queries[0]!.calls, queries[0]!.bytes_scanned_per_call]).toEqual([2, TIB]);
    });
  });
});

describe("a warehouse priced in the config (issue 25: src/model/install.ts's rows)", () => {
  // The config's own warehouses, each given only its rate: what a book leaves out takes the
  // documented defaults (README "Cost model"): 8 base RPUs, no bytes minimum, XSMALL as the
  // default size. Names and sizes in any case. One hour each.
  const config = `
warehouses: [mysf, myrs, mytb, myhr]
prices:
  - warehouses:
      mysf: { credit_usd: 1.5, credits_per_hour: { xsmall: 2, Large: 8 } }
      myrs: { rpu_hour_usd: 0.5 }
      mytb: { tib_usd: 4 }
      myhr: { hour_usd: 0.25 }
`;
  const spans = [
    one(1, 3_600_000, { "db.system": "mysf" }), // XSMALL by default: 2 credits × $1.5 = $3
    one(2, 3_600_000, { "db.system": "MySF", "db.warehouse.size": "large" }), // LARGE: 8 × $1.5 = $12
    one(3, 3_600_000, { "db.system": "myrs" }), // 8 RPUs × 1 h × $0.5 = $4
    one(4, 3_600_000, { "db.system": "mytb", "db.bytes_billed": 1024 }), // 1 KiB, no minimum: 1024 / 2^40 × $4
    one(5, 3_600_000, { "db.system": "myhr" }), // 1 h × $0.25
  ];

  it("prices each from its own rate and the defaults for what it leaves out", async () => {
    await withModelDb(spans, async (db) => {
      const r = await rows(db);
      const query = (n: number) => Number(r.get(n)!.query_usd);
      expect([1, 2, 3, 4, 5].map((n) => r.get(n)!.cost_source)).toEqual(["derived", "derived", "derived", "derived", "derived"]);
      expect(query(1)).toBe(3);
      expect(query(2)).toBe(12);
      expect(query(3)).toBe(4);
      expect(relative(query(4), (1024 / TIB) * 4)).toBeLessThan(1e-12);
      expect(query(5)).toBe(0.25);
    }, config);
  });
});

describe("dated books merge into the one in force", () => {
  // Every book below is in force before the test spans' time base (2023-11-14T22:13:20Z).
  //  - an undated book merges into the built-in one (both from the beginning of time): snowflake
  //    at $2 a credit keeps its credits per hour and default size (XSMALL, 1 credit an hour);
  //  - two books from the same date: the later in the file wins, and each keeps what the other
  //    leaves out (vcpus 2 from the first, the vCPU-hour at $0.05 from the second);
  //  - a later book changes bigquery's rate only: its 10 MiB minimum stays.
  const config = `
prices:
  - warehouses: { snowflake: { credit_usd: 2.0 } }
  - effective_from: "2023-03-01"
    compute: { vcpus: 2 }
    warehouses: { snowflake: { credit_usd: 5.0 } }
  - effective_from: "2023-03-01"
    compute: { vcpu_hour_usd: 0.05 }
    warehouses: { snowflake: { credit_usd: 4.0 } }
  - effective_from: "2023-06-01"
    warehouses: { bigquery: { tib_usd: 10 } }
`;

  it("the later book overrides only the keys it gives; same-date books merge, the later winning", async () => {
    const spans = [
      one(1, 3_600_000, { "db.system": "snowflake" }),
      one(2, 3_600_000, { "db.system": "bigquery", "db.bytes_billed": 1024 }),
    ];
    await withModelDb(spans, async (db) => {
      const r = await rows(db);
      // 1 h XSMALL = 1 credit × $4; compute 1 h × 2 vCPUs × $0.05.
      expect(Number(r.get(1)!.query_usd)).toBe(4);
      expect(relative(Number(r.get(1)!.compute_usd), 0.1)).toBeLessThan(1e-12);
      // 1 KiB billed as the 10 MiB minimum: 10 / 1048576 TiB × $10.
      expect(relative(Number(r.get(2)!.query_usd), (10 / 1048576) * 10)).toBeLessThan(1e-12);
    }, config);
  });

  it("an undated book alone changes the built-in prices from the beginning of time", async () => {
    // A span in 1973 (1,600,000,000 s before the time base), before any dated book: the undated one prices it.
    const early = one(1, 3_600_000, { "db.system": "snowflake" }, -1_600_000_000_000);
    await withModelDb([early], async (db) => {
      const r = await rows(db);
      expect(Number(r.get(1)!.query_usd)).toBe(2);
      expect(relative(Number(r.get(1)!.compute_usd), 0.0425)).toBeLessThan(1e-12);
    }, "prices:\n  - warehouses: { snowflake: { credit_usd: 2.0 } }\n");
  });
});

describe("the price rows the model is given (src/model/install.ts)", () => {
  it("one full book per date: an undated book merges into the first, same-date books into one, later keys winning", () => {
    const books: PriceBook[] = [
      { compute: { vcpu_hour_usd: 0.04, vcpus: 1 }, warehouses: { snowflake: { credit_usd: 3, default_size: "XSMALL" } } },
      { warehouses: { snowflake: { credit_usd: 2 } } },
      { effective_from: "2025-06-01", compute: { vcpus: 2 } },
      { effective_from: "2025-06-01", warehouses: { bigquery: { tib_usd: 7 } } },
    ];
    const given = structuredClone(books);
    // 2025-06-01T00:00Z is 20,240 days after the epoch: 1,748,736,000 s.
    expect(effectiveBooks(books)).toEqual([
      { fromNs: -(2n ** 62n), book: { compute: { vcpu_hour_usd: 0.04, vcpus: 1 }, warehouses: { snowflake: { credit_usd: 2, default_size: "XSMALL" } } } },
      { fromNs: 1_748_736_000_000_000_000n, book: { compute: { vcpu_hour_usd: 0.04, vcpus: 2 }, warehouses: { snowflake: { credit_usd: 2, default_size: "XSMALL" }, bigquery: { tib_usd: 7 } } } },
    ]);
    expect(books).toEqual(given);
  });

  it("one pricing unit per warehouse row, in the order the view tries them (credits, TiB, RPU-hours), with the documented defaults", () => {
    expect(warehouseRow("snowflake", 7n, { credit_usd: 3, credits_per_hour: { xsmall: 1, Large: 8 }, tib_usd: 5, rpu_hour_usd: 1 })).toEqual({
      system: "snowflake", from_ns: 7n, credit_usd: 3, sizes: ["XSMALL", "LARGE"], credits: [1, 8], default_size: "XSMALL",
      tib_usd: null, min_bytes: 0, rpu_hour_usd: null, rpus: 8, hour_usd: null,
    });
    expect(warehouseRow("athena", 0n, { tib_usd: 5, rpu_hour_usd: 1, default_size: "large", min_bytes: 10 })).toEqual({
      system: "athena", from_ns: 0n, credit_usd: null, sizes: [], credits: [], default_size: "LARGE",
      tib_usd: 5, min_bytes: 10, rpu_hour_usd: null, rpus: 8, hour_usd: null,
    });
    expect(warehouseRow("redshift", 0n, { rpu_hour_usd: 0.375, rpus: 16 })).toEqual({
      system: "redshift", from_ns: 0n, credit_usd: null, sizes: [], credits: [], default_size: "XSMALL",
      tib_usd: null, min_bytes: 0, rpu_hour_usd: 0.375, rpus: 16, hour_usd: null,
    });
  });
});
