// src/core/generate.ts against its own ground truth and independent arithmetic: every format loads
// back (through the adapters, Parquet in place) to the truth's counts and per-name costs to the
// nano-dollar, a seed fixes the bytes, head sampling keeps the traces the OpenTelemetry threshold
// says, and scenario knobs change only what they name.
import { mkdtempSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { generate, parseScenario, samplingThreshold, type Truth } from "../src/core/generate.js";
import { openSpans } from "../src/core/inputs.js";
import type { Db } from "../src/core/db.js";

const dir = mkdtempSync(join(tmpdir(), "adtrace-generate-core-"));
const EVENTS = 2000;
const FORMATS = ["otlp", "jaeger", "zipkin", "csv", "parquet"] as const;
const EXT = { otlp: "jsonl", jaeger: "json", zipkin: "json", csv: "csv", parquet: "parquet" } as const;

async function withFile<T>(path: string, fn: (db: Db) => Promise<T>): Promise<T> {
  const source = await openSpans({ inputs: [path] });
  try {
    return await fn(source.db);
  } finally {
    source.db.close();
  }
}

const nano = (usd: number) => Math.round(usd * 1e9);

/** Spans, traces, and per name: spans and summed cost.usd in whole nano-dollars (exact DECIMAL sums). */
async function loaded(db: Db) {
  const [counts] = await db.all("SELECT count(*) AS spans, count(DISTINCT trace_id) AS traces, count(*) FILTER (WHERE status = 'ERROR') AS errors FROM spans");
  const rows = await db.all(
    "SELECT name, count(*) AS spans, CAST(sum(TRY_CAST(attributes['cost.usd'] AS DECIMAL(18,9))) * 1000000000 AS BIGINT) AS nano FROM spans GROUP BY name ORDER BY name",
  );
  return {
    spans: Number(counts!.spans),
    traces: Number(counts!.traces),
    errors: Number(counts!.errors),
    byName: Object.fromEntries(rows.map((r) => [String(r.name), { spans: Number(r.spans), nano: Number(r.nano) }])),
  };
}

function expected(truth: Truth["written"]) {
  return Object.fromEntries(Object.keys(truth.spans_by_name).map((name) => [name, { spans: truth.spans_by_name[name]!, nano: nano(truth.cost_by_name_usd[name]!) }]));
}

describe("generate: every format reproduces the truth", () => {
  const fingerprints: Record<string, unknown> = {};
  for (const format of FORMATS) {
    it(format, async () => {
      const out = join(dir, `all.${EXT[format]}`);
      const { truth } = await generate({ events: EVENTS, out, format, seed: 42 });
      expect(truth.written).toEqual(truth.population);
      await withFile(out, async (db) => {
        const got = await loaded(db);
        expect(got.traces).toBe(EVENTS);
        expect(got.spans).toBe(truth.written.spans);
        expect(got.errors).toBe(truth.written.error_spans);
        expect(got.byName).toEqual(expected(truth.written));
        // The same canonical rows whatever the format (source aside).
        fingerprints[format] = await db.scalar(
          `SELECT sum(hash(trace_id, span_id, parent_span_id, name, service, kind, status, start_ns, duration_ns,
                  CAST(map_entries(attributes) AS VARCHAR), CAST(map_entries(resource_attributes) AS VARCHAR), trace_state) % 1000000007) FROM spans`,
        );
        if (format !== "otlp") expect(fingerprints[format]).toBe(fingerprints.otlp);
      });
    });
  }

  it("parquet has exactly the canonical schema (read in place, not loaded)", async () => {
    const out = join(dir, "all.parquet");
    const source = await openSpans({ inputs: [out] });
    try {
      expect(source.load).toBeUndefined();
      const types = await source.db.all("SELECT column_name, column_type FROM (DESCRIBE spans)");
      expect(types.map((t) => `${t.column_name} ${t.column_type}`)).toContain("attributes MAP(VARCHAR, VARCHAR)");
    } finally {
      source.db.close();
    }
  });
});

describe("generate: the pipeline's shape", () => {
  it("stages, kinds, warehouse attributes, children inside their parents, cost shape", async () => {
    const out = join(dir, "shape.parquet");
    const { truth } = await generate({ events: EVENTS, out, seed: 3 });
    const p = truth.population;
    const share = (stage: string) => p.cost_by_stage_usd[stage]! / p.total_cost_usd;
    expect(share("request")).toBeLessThan(0.02);
    expect(share("tracking")).toBeGreaterThan(0.2);
    expect(share("aggregation")).toBeGreaterThan(0.4);
    expect(share("aggregation")).toBeLessThan(0.55);
    expect(p.warehouse_queries).toBeGreaterThan(EVENTS * 2); // a few events run several
    await withFile(out, async (db) => {
      const [row] = await db.all(`
        SELECT count(*) FILTER (WHERE attributes['cost.usd'] IS NULL) AS uncosted,
               count(*) FILTER (WHERE kind = 'CLIENT' AND (attributes['db.system'] NOT IN ('snowflake', 'bigquery') OR attributes['db.statement'] IS NULL
                                OR TRY_CAST(attributes['db.bytes_scanned'] AS BIGINT) IS NULL)) AS bad_warehouse,
               count(*) FILTER (WHERE attributes['user_locale'] IS NULL OR attributes['ad.campaign_id'] IS NULL OR TRY_CAST(attributes['ad.bid_price_usd'] AS DOUBLE) IS NULL) AS ungrouped,
               count(DISTINCT regexp_replace(attributes['db.statement'], '''[^'']*''|\\b[0-9.]+\\b', '?', 'g')) AS templates,
               count(DISTINCT attributes['db.statement']) AS statements,
               count(DISTINCT name) AS names, count(DISTINCT service) AS services
        FROM spans`);
      expect(row).toMatchObject({ uncosted: 0, bad_warehouse: 0, ungrouped: 0, names: 9, services: 7 });
      expect(Number(row!.templates)).toBeLessThanOrEqual(8);
      expect(Number(row!.statements)).toBeGreaterThan(EVENTS);
      const [nesting] = await db.all(`
        SELECT count(*) AS children,
               count(*) FILTER (WHERE c.start_ns < p.start_ns OR c.start_ns + c.duration_ns > p.start_ns + p.duration_ns) AS outside,
               count(*) FILTER (WHERE p.parent_span_id IS NOT NULL AND c.kind <> 'CLIENT') AS misplaced
        FROM spans c JOIN spans p ON p.trace_id = c.trace_id AND p.span_id = c.parent_span_id`);
      expect(Number(nesting!.children)).toBe(p.spans - EVENTS);
      expect(nesting).toMatchObject({ outside: 0, misplaced: 0 });
      // A long tail: p99 well past the median for the warehouse queries.
      const [tail] = await db.all("SELECT quantile_cont(duration_ns, 0.5) AS p50, quantile_cont(duration_ns, 0.99) AS p99 FROM spans WHERE name = 'aggregator.warehouse.query'");
      expect(Number(tail!.p99) / Number(tail!.p50)).toBeGreaterThan(4);
    });
  });
});

describe("generate: determinism", () => {
  it("the same seed gives the same bytes, another seed other bytes", async () => {
    const bytes = async (seed: number, format: "otlp" | "parquet") => {
      const out = join(dir, `seed.${EXT[format]}`);
      await generate({ events: 300, out, format, seed });
      return readFileSync(out);
    };
    for (const format of ["otlp", "parquet"] as const) {
      const a = await bytes(5, format);
      expect((await bytes(5, format)).equals(a)).toBe(true);
      expect((await bytes(6, format)).equals(a)).toBe(false);
    }
  });
});

describe("generate: head sampling", () => {
  it("thresholds: T = round((1 − R)·2^56) as trimmed hex, worked independently", () => {
    const two56 = 2n ** 56n;
    // R = 0.01: (1 − R)·2^56 = 99·2^56 / 100, rounded half up.
    const t01 = (99n * two56 + 50n) / 100n;
    expect(t01.toString(16)).toBe("fd70a3d70a3d71");
    expect(samplingThreshold("0.01")).toMatchObject({ threshold: t01, th: "fd70a3d70a3d71" });
    expect(samplingThreshold(0.25)).toMatchObject({ threshold: 3n * 2n ** 54n, th: "c" });
    expect(samplingThreshold("0.5").th).toBe("8");
    expect(samplingThreshold("1").th).toBe("0");
    expect(samplingThreshold("1e-2").th).toBe("fd70a3d70a3d71");
    for (const bad of ["0", "1.5", "-0.1", "abc", ""]) expect(() => samplingThreshold(bad)).toThrow(/sample-rate/);
  });

  it("keeps about R of the traces, exactly those at or above the threshold, each span carrying ot=th", async () => {
    const out = join(dir, "sampled.parquet");
    const { truth } = await generate({ events: EVENTS, out, seed: 9, sampleRate: "0.25" });
    expect(truth.trace_state).toBe("ot=th:c");
    expect(truth.population.events).toBe(EVENTS);
    const sd = Math.sqrt(EVENTS * 0.25 * 0.75);
    expect(Math.abs(truth.written.events - EVENTS * 0.25)).toBeLessThan(4 * sd);
    await withFile(out, async (db) => {
      const got = await loaded(db);
      expect(got.traces).toBe(truth.written.events);
      expect(got.byName).toEqual(expected(truth.written));
      const [row] = await db.all(`
        SELECT count(*) FILTER (WHERE trace_state IS DISTINCT FROM 'ot=th:c') AS unmarked,
               count(*) FILTER (WHERE CAST(('0x' || substr(trace_id, 19, 14)) AS UBIGINT) < CAST('0xc0000000000000' AS UBIGINT)) AS below
        FROM spans`);
      expect(row).toMatchObject({ unmarked: 0, below: 0 });
    });
    // The kept traces are the same ones the unsampled run generates.
    const full = await generate({ events: EVENTS, out: join(dir, "unsampled.jsonl"), seed: 9 });
    expect(full.truth.population).toEqual(truth.population);
  });

  it("R = 1 keeps everything and still says th:0", async () => {
    const out = join(dir, "r1.jsonl");
    const { truth } = await generate({ events: 50, out, seed: 9, sampleRate: 1 });
    expect(truth.written).toEqual(truth.population);
    expect(readFileSync(out, "utf8").match(/"traceState":"ot=th:0"/g)?.length).toBe(truth.written.spans);
  });
});

describe("generate: scenario knobs change what they say", () => {
  const run = async (name: string, scenario: string[]) =>
    (await generate({ events: EVENTS, out: join(dir, `${name}.jsonl`), seed: 11, scenario: parseScenario(scenario) })).truth.population;

  it("cost_regression=aggregation:1.3 raises aggregation 30% and nothing else", async () => {
    const base = await run("base", []);
    const reg = await run("reg", ["cost_regression=aggregation:1.3"]);
    // Each span's cost is rounded once to the nano-dollar: at most one nano-dollar off 1.3× per span.
    const slack = base.spans_by_stage.aggregation! * 1;
    expect(Math.abs(nano(reg.cost_by_stage_usd.aggregation!) - 1.3 * nano(base.cost_by_stage_usd.aggregation!))).toBeLessThanOrEqual(slack);
    for (const stage of Object.keys(base.cost_by_stage_usd)) {
      if (stage !== "aggregation") expect(reg.cost_by_stage_usd[stage], stage).toBe(base.cost_by_stage_usd[stage]);
    }
    expect(reg.spans_by_name).toEqual(base.spans_by_name);
  });

  it("tracking_cache_hit_rate=0.6 drops about 60% of the warehouse inserts", async () => {
    const base = await run("base", []);
    const cached = await run("cache", ["tracking_cache_hit_rate=0.6"]);
    const kept = cached.spans_by_name["tracker.warehouse.insert"]! / base.spans_by_name["tracker.warehouse.insert"]!;
    expect(kept).toBeGreaterThan(0.33);
    expect(kept).toBeLessThan(0.47);
    expect(cached.cost_by_stage_usd.tracking!).toBeLessThan(base.cost_by_stage_usd.tracking! * 0.6);
    expect(cached.cost_by_stage_usd.aggregation).toBe(base.cost_by_stage_usd.aggregation);
  });

  it("slow_locale=de-DE slow_factor=3: that locale's aggregation is 3× slower and costlier", async () => {
    await run("slow", ["slow_locale=de-DE", "slow_factor=3"]);
    await run("base", []);
    const perLocale = async (name: string) =>
      withFile(join(dir, `${name}.jsonl`), (db) =>
        db.all(`SELECT attributes['user_locale'] = 'de-DE' AS de, sum(TRY_CAST(attributes['cost.usd'] AS DOUBLE)) AS cost,
                       sum(duration_ns) FILTER (WHERE name = 'aggregator.rollup.compute') AS ns
                FROM spans WHERE name LIKE 'aggregator.%' GROUP BY ALL ORDER BY de`),
      );
    const [baseOther, baseDe] = await perLocale("base");
    const [slowOther, slowDe] = await perLocale("slow");
    expect(Number(slowOther!.cost)).toBeCloseTo(Number(baseOther!.cost), 12);
    expect(Number(slowDe!.cost) / Number(baseDe!.cost)).toBeCloseTo(3, 2);
    expect(Number(slowDe!.ns) / Number(baseDe!.ns)).toBeGreaterThan(2.8);
    expect(Number(slowDe!.ns) / Number(baseDe!.ns)).toBeLessThan(3.2);
  });

  it("rejects unknown knobs and bad values", () => {
    expect(() => parseScenario(["bogus=1"])).toThrow(/unknown key 'bogus'/);
    expect(() => parseScenario(["tracking_cache_hit_rate=2"])).toThrow(/0 to 1/);
    expect(() => parseScenario(["cost_regression=warehouse:2"])).toThrow(/STAGE:FACTOR/);
  });
});
