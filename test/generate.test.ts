// adtrace generate against its own ground truth (computed while generating: from each span's
// usage and self time at the built-in list prices, or its cost.usd under --explicit-cost):
// every format loads to the same counts and costs, a seed fixes the bytes, sampling writes the
// right OpenTelemetry threshold, scenario knobs do what they say.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { adtrace } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";
import { withModelDb } from "./helpers/analysis.js";
import { breakdown, parseGroupKeys } from "../src/analysis/breakdown.js";
import { generate, thresholdFor } from "../src/generate/generate.js";

const dir = mkdtempSync(join(tmpdir(), "adtrace-gen-"));
const EVENTS = 2000;
// Sums are exact to 1e-18 USD a span (adtrace_sum): against the truth to 1e-9 relative, whatever the format.
const relative = (a: number, b: number) => Math.abs(a - b) / Math.abs(b);

/** Every span's attributes in an OTLP JSON Lines file. */
function spanAttributes(path: string): Record<string, string>[] {
  return readFileSync(path, "utf8").trim().split("\n").flatMap((line) =>
    JSON.parse(line).resourceSpans.flatMap((rs: { scopeSpans: { spans: { attributes: { key: string; value: { stringValue: string } }[] }[] }[] }) =>
      rs.scopeSpans.flatMap((ss) => ss.spans.map((s) => Object.fromEntries(s.attributes.map((a) => [a.key, a.value.stringValue]))))));
}

describe("generate", () => {
  it("every format reproduces the truth: counts, and cost per name and stage", async () => {
    for (const format of ["otlp", "jaeger", "zipkin", "parquet", "csv"] as const) {
      const out = join(dir, `g.${format}`);
      const { truth } = await generate({ events: EVENTS, out, format, seed: 42 });
      await withModelDb([out], async (db) => {
        const byName = await breakdown(db, { by: parseGroupKeys("name") });
        expect(byName.totals.events, format).toBe(truth.events);
        expect(byName.totals.spans, format).toBe(truth.spans);
        expect(relative(byName.totals.total_cost_usd, truth.total_cost_usd), format).toBeLessThan(1e-9);
        for (const g of byName.groups) {
          expect(g.spans, `${format} ${g.keys.name}`).toBe(truth.spans_by_name[g.keys.name!]);
          expect(relative(g.cost_per_event_usd * truth.events, truth.cost_by_name_usd[g.keys.name!]!), `${format} ${g.keys.name}`).toBeLessThan(1e-9);
        }
        const byStage = await breakdown(db, { by: parseGroupKeys("stage") });
        for (const g of byStage.groups) expect(relative(g.cost_per_event_usd * truth.events, truth.cost_by_stage_usd[g.keys.stage!]!), `${format} ${g.keys.stage}`).toBeLessThan(1e-9);
        // Usage, not costs: the price book prices every span.
        expect(byName.pricing.cost_sources, format).toEqual({ billed: 0, explicit: 0, price_book: truth.spans, unpriced: 0 });
      });
    }
  });

  it("writes usage, not costs, by default: the truth is what the built-in price book makes of it", async () => {
    const out = join(dir, "usage.jsonl");
    const { truth } = await generate({ events: 500, out, seed: 21 });
    expect(truth.costs).toBe("usage");
    const spans = spanAttributes(out);
    expect(spans.filter((a) => "cost.usd" in a)).toEqual([]);
    const snowflake = spans.filter((a) => a["db.system"] === "snowflake");
    const bigquery = spans.filter((a) => a["db.system"] === "bigquery");
    // Service spans say their vCPUs; Snowflake lookups their credits (most) or size and time; BigQuery its bytes billed.
    expect(spans.filter((a) => !a["db.system"]).every((a) => Number(a["compute.vcpus"]) > 0)).toBe(true);
    expect(snowflake.every((a) => a["snowflake.warehouse.size"] === "XSMALL")).toBe(true);
    const withCredits = snowflake.filter((a) => a["snowflake.credits_used"] !== undefined).length;
    expect(withCredits).toBeGreaterThan(snowflake.length / 2);
    expect(withCredits).toBeLessThan(snowflake.length);
    expect(bigquery.every((a) => Number(a["db.bytes_billed"]) >= 16 * 2 ** 20)).toBe(true);
    // A price change changes the analysis: doubling Snowflake's credit price doubles tracking's query cost.
    const config = join(dir, "credits.yaml");
    writeFileSync(config, "prices:\n  warehouses: { snowflake: { credit_usd: 6.0 } }\n");
    const tracking = async (args: string[]) => JSON.parse((await adtraceIn(["cost", "breakdown", out, ...args, "--format", "json", "-q"])).stdout)
      .groups.find((g: { stage: string }) => g.stage === "tracking").query_per_event_usd as number;
    // Printed to 12 significant digits.
    expect(await tracking(["--config", config]) / await tracking([])).toBeCloseTo(2, 10);
  });

  it("--explicit-cost writes cost.usd on the same spans instead, and its truth", async () => {
    const usage = join(dir, "same-usage.jsonl");
    const explicit = join(dir, "same-explicit.jsonl");
    await generate({ events: 300, out: usage, seed: 4 });
    const { truth } = await generate({ events: 300, out: explicit, seed: 4, explicitCost: true });
    expect(truth.costs).toBe("explicit");
    const a = spanAttributes(explicit);
    expect(a.every((s) => /^\d+\.\d{9}$/.test(s["cost.usd"]!) && !("compute.vcpus" in s) && !("db.bytes_billed" in s) && !("snowflake.credits_used" in s))).toBe(true);
    // The same spans, ids and times: only the cost attributes differ.
    const skeleton = (path: string) => readFileSync(path, "utf8").replace(/\{"key":"(cost\.usd|compute\.vcpus|snowflake\.credits_used|db\.bytes_billed|db\.bytes_scanned)","value":\{"stringValue":"[^"]*"\}\},?/g, "").replace(/,\]/g, "]");
    expect(skeleton(explicit)).toBe(skeleton(usage));
    const cli = await adtraceIn(["cost", "breakdown", explicit, "--format", "json"]);
    const out = JSON.parse(cli.stdout);
    expect(relative(out.total.total_cost_usd, truth.total_cost_usd)).toBeLessThan(1e-9);
    expect(out.cost_sources).toEqual({ billed: 0, explicit: truth.spans, price_book: 0, unpriced: 0 });
    expect(cli.stderr).toMatch(/every span priced: [\d,]+ from cost attributes, none from the price book \(its prices change nothing here\)\./);
  });

  it("is deterministic for a seed and differs for another", async () => {
    const a = join(dir, "a.jsonl");
    const b = join(dir, "b.jsonl");
    const c = join(dir, "c.jsonl");
    expect((await adtraceIn(["generate", "--events", "300", "--out", a, "--seed", "5", "-q"])).code).toBe(0);
    await adtraceIn(["generate", "--events", "300", "--out", b, "--seed", "5", "-q"]);
    await adtraceIn(["generate", "--events", "300", "--out", c, "--seed", "6", "-q"]);
    expect(readFileSync(a, "utf8")).toBe(readFileSync(b, "utf8"));
    expect(readFileSync(a, "utf8")).not.toBe(readFileSync(c, "utf8"));
  });

  it("an --out name ending in .gz is gzipped (the format from the name before it): the same bytes, compressed", async () => {
    for (const name of ["spans.jsonl", "spans.csv"]) {
      const plain = join(dir, `gz-${name}`);
      const gz = `${plain}.gz`;
      expect((await adtraceIn(["generate", "--events", "200", "--out", plain, "--seed", "3", "-q"])).code).toBe(0);
      expect((await adtraceIn(["generate", "--events", "200", "--out", gz, "--seed", "3", "-q"])).code).toBe(0);
      expect(gunzipSync(readFileSync(gz)).equals(readFileSync(plain)), name).toBe(true);
    }
    const parquet = await adtraceIn(["generate", "--events", "10", "--out", join(dir, "x.parquet.gz")]);
    expect([parquet.code, parquet.stderr]).toEqual([2, expect.stringMatching(/Parquet compresses itself/)]);
    // Nothing but the finished files: no partial or spool file left beside them.
    expect(readdirSync(dir).filter((n) => n.startsWith("."))).toEqual([]);
  });

  it("shapes cost like a real pipeline: aggregation near half, tracking next, request nearly free", async () => {
    const { truth } = await generate({ events: EVENTS, out: join(dir, "shape.jsonl"), seed: 3 });
    const share = (stage: string) => truth.cost_by_stage_usd[stage]! / truth.total_cost_usd;
    expect(share("aggregation")).toBeGreaterThan(0.4);
    expect(share("aggregation")).toBeLessThan(0.6);
    expect(share("tracking")).toBeGreaterThan(0.2);
    expect(share("request")).toBeLessThan(0.02);
  });

  it("head-samples whole traces and records the OpenTelemetry threshold", async () => {
    // T = (1 − p)·2^56: p = 0.25 → 0.75·2^56 = 0xc0000000000000 → "c"; p = 0.5 → "8"; p = 1 → "0".
    expect(thresholdFor(0.25)).toBe("c");
    expect(thresholdFor(0.5)).toBe("8");
    expect(thresholdFor(1)).toBe("0");
    // p = 0.01: 2^56 − round(0.01·2^56) = 72057594037927936 − 720575940379279 = 71337018097548657
    // = 0xfd70a3d70a3d71 (the spec's th:fd70a4 is the same threshold rounded to 6 digits).
    expect(thresholdFor(0.01)).toBe("fd70a3d70a3d71");
    const out = join(dir, "sampled.jsonl");
    const { truth } = await generate({ events: EVENTS, out, seed: 9, sampleRate: 0.25 });
    expect(truth.sample!.events).toBeGreaterThan(EVENTS * 0.25 - 4 * Math.sqrt(EVENTS * 0.25 * 0.75));
    expect(truth.sample!.events).toBeLessThan(EVENTS * 0.25 + 4 * Math.sqrt(EVENTS * 0.25 * 0.75));
    const lines = readFileSync(out, "utf8").trim().split("\n");
    expect(lines).toHaveLength(truth.sample!.events);
    expect(lines.every((l) => l.includes('"traceState":"ot=th:c"'))).toBe(true);
  });

  it("scenario knobs: a 30% cost regression on aggregation, a slow locale, a cache in front of tracking", async () => {
    const base = (await generate({ events: EVENTS, out: join(dir, "base.jsonl"), seed: 11 })).truth;
    const reg = (await generate({ events: EVENTS, out: join(dir, "reg.jsonl"), seed: 11, scenario: { cost_regression: "aggregation:1.3" } })).truth;
    expect(reg.cost_by_stage_usd.aggregation! / base.cost_by_stage_usd.aggregation!).toBeCloseTo(1.3, 4);
    expect(reg.cost_by_stage_usd.tracking).toBe(base.cost_by_stage_usd.tracking);
    const cached = (await generate({ events: EVENTS, out: join(dir, "cache.jsonl"), seed: 11, scenario: { tracking_cache_hit_rate: "0.6" } })).truth;
    expect(cached.spans_by_name["tracker.warehouse.insert"]!).toBeLessThan(base.spans_by_name["tracker.warehouse.insert"]! * 0.5);
    const slowOut = join(dir, "slow.jsonl");
    await generate({ events: EVENTS, out: slowOut, seed: 11, scenario: { slow_locale: "de-DE", slow_factor: "3" } });
    await withModelDb([slowOut], async (db) => {
      const r = await breakdown(db, { by: parseGroupKeys("stage,attr:user_locale") });
      const agg = (locale: string) => r.groups.find((g) => g.keys.stage === "aggregation" && g.keys.user_locale === locale)!;
      expect(agg("de-DE").p50_ms! / agg("en-US").p50_ms!).toBeGreaterThan(2);
    }, undefined, { attributeKeys: ["user_locale"] });
  });

  it("--sample-rate on the command line samples (it shares its name with the weighting option)", async () => {
    const out = join(dir, "cli-sampled.jsonl");
    const truth = join(dir, "cli-truth.json");
    expect((await adtraceIn(["generate", "--events", "400", "--out", out, "--sample-rate", "0.25", "--truth", truth, "-q"])).code).toBe(0);
    const t = JSON.parse(readFileSync(truth, "utf8"));
    expect(t.sample.rate).toBe(0.25);
    expect(readFileSync(out, "utf8").trim().split("\n")).toHaveLength(t.sample.events);
  });

  it("rejects bad options with exit 2", async () => {
    expect((await adtraceIn(["generate", "--events", "0", "--out", join(dir, "x.jsonl")])).code).toBe(2);
    expect((await adtraceIn(["generate", "--events", "10", "--out", join(dir, "x.jsonl"), "--scenario", "bogus=1"])).stderr).toMatch(/unknown knob 'bogus'/);
  });
});
