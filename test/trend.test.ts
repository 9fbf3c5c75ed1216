// cost trend (issue 18): a drift planted at a known hour is found there and nowhere before it, in
// the stage it was planted in and not in the others; generated data with no drift shows none; the
// baseline is the hand-computed mean of the preceding buckets; the band and p95 by hand;
// --fail-on-drift; byte-stable output; bad input.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { withModelDb } from "./helpers/analysis.js";
import { adtraceIn } from "./helpers/in-process.js";
import { outputsAcrossThreads } from "./helpers/thread-stable.js";
import { otlpDocument, spanId, traceId, writeTemp, type TestSpan } from "./helpers/otlp.js";
import { predictionBand, trend, tQuantile995 } from "../src/analysis/trend.js";
import { mulberry32 } from "../src/db/random.js";

const HOUR_NS = 3_600_000_000_000n;
const HOURS = 48;
const PER_HOUR = 30;
// test/helpers/otlp.ts starts spans at 1.7e9 s (22:13:20Z); 2800 s later is a whole hour.
const FIRST_HOUR_MS = 2_800_000;
const hourIso = (h: number) => new Date((1_700_002_800 + h * 3600) * 1000).toISOString().replace(/\.000Z$/, "Z");

interface Planted { spans: TestSpan[]; costs: { tracking: number; aggregation: number; hour: number; e2eMs: number }[] }

/**
 * 48 hours of 30 events, each a request root (cost 0) with a tracking child (~$0.0002) and an
 * aggregation child (~$0.0003), each ±20% uniform noise; from `driftFrom` on, aggregation costs
 * 1.5×. Events start on whole seconds, 100 s apart within their hour.
 */
function planted(driftFrom: number, seed = 11): Planted {
  const random = mulberry32(seed);
  const noise = () => 1 + 0.2 * (2 * random() - 1);
  const spans: TestSpan[] = [];
  const costs: Planted["costs"] = [];
  let n = 0;
  for (let h = 0; h < HOURS; h++) {
    for (let j = 0; j < PER_HOUR; j++) {
      n++;
      const start = FIRST_HOUR_MS + h * 3_600_000 + j * 100_000;
      const tracking = Number((0.0002 * noise()).toFixed(9));
      const aggregation = Number((0.0003 * noise() * (h >= driftFrom ? 1.5 : 1)).toFixed(9));
      const e2eMs = 20 + (n % 17);
      costs.push({ tracking, aggregation, hour: h, e2eMs });
      const root = spanId(3 * n);
      spans.push({ trace: traceId(n), id: root, name: "adserver.request.handle", startMs: start, durationMs: e2eMs, attrs: { "cost.usd": "0" } });
      spans.push({ trace: traceId(n), id: spanId(3 * n + 1), parent: root, name: "tracker.events.write", startMs: start + 1, durationMs: 5, attrs: { "cost.usd": tracking.toFixed(9) } });
      spans.push({ trace: traceId(n), id: spanId(3 * n + 2), parent: root, name: "aggregator.rollup.compute", startMs: start + 7, durationMs: 8, attrs: { "cost.usd": aggregation.toFixed(9) } });
    }
  }
  return { spans, costs };
}

describe("a drift planted at hour 40", () => {
  const data = planted(40);

  it("all events: the first drifted bucket is hour 40, up; none before; the baseline is the mean of the hours before", async () => {
    await withModelDb(data.spans, async (db) => {
      const r = await trend(db, { everyNs: HOUR_NS });
      expect(r.buckets).toBe(HOURS);
      const rows = r.groups[0]!.rows;
      expect(rows.map((x) => x.bucket_start)).toEqual(Array.from({ length: HOURS }, (_, h) => hourIso(h)));
      expect(rows.slice(0, 3).map((x) => x.drift)).toEqual(["unknown", "unknown", "unknown"]);
      expect(rows.slice(3, 40).every((x) => x.drift === "none")).toBe(true);
      expect(rows[40]!.drift).toBe("up");
      const before = data.costs.filter((c) => c.hour < 40);
      expect(rows[40]!.baseline_cost_per_event_usd).toBeCloseTo(before.reduce((s, c) => s + c.tracking + c.aggregation, 0) / before.length, 12);
      const at40 = data.costs.filter((c) => c.hour === 40);
      expect(rows[40]!.events).toBe(PER_HOUR);
      expect(rows[40]!.cost_per_event_usd).toBeCloseTo(at40.reduce((s, c) => s + c.tracking + c.aggregation, 0) / PER_HOUR, 12);
      // p95 of end-to-end latency, linear interpolation over the hour's 30 events (unsampled).
      const e2e = at40.map((c) => c.e2eMs).sort((a, b) => a - b);
      const pos = 0.95 * (e2e.length - 1);
      expect(rows[40]!.p95_ms).toBeCloseTo(e2e[Math.floor(pos)]! + (pos - Math.floor(pos)) * (e2e[Math.ceil(pos)]! - e2e[Math.floor(pos)]!), 9);
    });
  });

  it("--by stage: aggregation drifts up at hour 40; tracking and request do not drift", async () => {
    await withModelDb(data.spans, async (db) => {
      const r = await trend(db, { everyNs: HOUR_NS, by: [{ kind: "stage" }] });
      const byStage = new Map(r.groups.map((g) => [g.keys.stage, g.rows]));
      expect([...byStage.keys()].sort()).toEqual(["aggregation", "request", "tracking"]);
      const agg = byStage.get("aggregation")!;
      expect(agg.findIndex((x) => x.drift === "up" || x.drift === "down")).toBe(40);
      expect(agg[40]!.drift).toBe("up");
      // A 99% band flags about one bucket in a hundred by chance: of tracking's 45 tested, at most
      // one (with this seed, hour 15 by $0.00000003), and none after the drift elsewhere.
      const tracking = byStage.get("tracking")!;
      expect(tracking.filter((x) => x.drift === "up" || x.drift === "down").length).toBeLessThanOrEqual(1);
      expect(tracking.slice(40).every((x) => x.drift === "none")).toBe(true);
      expect(byStage.get("request")!.some((x) => x.drift === "up" || x.drift === "down")).toBe(false);
      // The stage's cost ÷ all the bucket's events.
      const at40 = data.costs.filter((c) => c.hour === 40);
      expect(agg[40]!.cost_per_event_usd).toBeCloseTo(at40.reduce((s, c) => s + c.aggregation, 0) / PER_HOUR, 12);
    });
  });

  it("a shorter --baseline rests on fewer buckets: 3h gives k = 3 from hour 3 on", async () => {
    await withModelDb(data.spans, async (db) => {
      const rows = (await trend(db, { everyNs: HOUR_NS, baselineNs: 3n * HOUR_NS })).groups[0]!.rows;
      expect(rows.map((x) => x.baseline_buckets).slice(0, 6)).toEqual([0, 1, 2, 3, 3, 3]);
      const prev = (h: number) => data.costs.filter((c) => c.hour === h).reduce((s, c) => s + c.tracking + c.aggregation, 0) / PER_HOUR;
      expect(rows[10]!.baseline_cost_per_event_usd).toBeCloseTo((prev(7) + prev(8) + prev(9)) / 3, 12);
    });
  });
});

describe("the band, by hand", () => {
  it("mean ± t(0.995, k − 1)·s·√(1 + 1/k), weighted by events; fewer than 3 points: no band", async () => {
    // x = 1, 2, 3 with n = 2, 1, 1: mean 7/4; Σn(x − m)² = 2.75; Σn − Σn²/Σn = 4 − 6/4 = 2.5; s² = 1.1.
    const band = predictionBand([{ x: 1, n: 2 }, { x: 2, n: 1 }, { x: 3, n: 1 }])!;
    expect(band.mean).toBeCloseTo(1.75, 12);
    expect(band.high).toBeCloseTo(1.75 + 9.925 * Math.sqrt(1.1) * Math.sqrt(4 / 3), 12);
    expect(band.low).toBe(0);
    expect(predictionBand([{ x: 1, n: 1 }, { x: 2, n: 1 }])).toEqual({ mean: 1.5, low: null, high: null });
    // t(0.995): the table (2.75 at 30) and past it the expansion (2.704 at 40, 2.660 at 60, 2.617 at 120).
    expect(tQuantile995(30)).toBe(2.75);
    expect(tQuantile995(40)).toBeCloseTo(2.704, 3);
    expect(tQuantile995(60)).toBeCloseTo(2.66, 3);
    expect(tQuantile995(120)).toBeCloseTo(2.617, 3);
  });
});

describe("the CLI", () => {
  const dir = mkdtempSync(join(tmpdir(), "adtrace-trend-"));
  const lastHourDrift = writeTemp("last.json", otlpDocument(planted(47).spans));
  // The generated inputs are written as canonical Parquet and read in place: a trend of the
  // Parquet file cost 1.8–1.9 CPU s against 4.0–4.4 for the JSON Lines of the same generation
  // (4,000 and 4,800 events, measured 2026-12-02), with the same JSON bytes and truth file.
  const noDrift = join(dir, "plain.parquet");
  // The gate's and the bad-input runs read it loaded once.
  const lastHourDb = join(dir, "last.duckdb");
  beforeAll(async () => {
    const r = await adtraceIn(["load", lastHourDrift, "--db", lastHourDb, "-q"]);
    expect(r.code, r.stderr).toBe(0);
  });

  it("generated data with no drift: no bucket drifts, and --fail-on-drift exits 0", async () => {
    expect((await adtraceIn(["generate", "--events", "4000", "--seed", "5", "--out", noDrift, "-q"])).code).toBe(0);
    const r = await adtraceIn(["cost", "trend", noDrift, "--every", "1h", "--format", "json", "--fail-on-drift", "-q"]);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout).rows as { drift: string }[];
    expect(rows).toHaveLength(24);
    expect(rows.filter((x) => x.drift === "none")).toHaveLength(21);
    expect(rows.filter((x) => x.drift === "unknown")).toHaveLength(3);
  });

  it("generated data with a regression planted at 16:00 (the truth says when): aggregation's first rise is there", async () => {
    const out = join(dir, "drift.parquet");
    const truthFile = join(dir, "drift.truth.json");
    expect((await adtraceIn(["generate", "--events", "4800", "--seed", "9", "--out", out, "--truth", truthFile, "-q",
      "--scenario", "cost_regression=aggregation:1.5", "--scenario", "cost_regression_from=2024-06-01T16:00:00Z"])).code).toBe(0);
    const truth = JSON.parse(readFileSync(truthFile, "utf8"));
    expect(truth.planted.cost_regression).toEqual({ factors: { aggregation: 1.5 }, from: "2024-06-01T16:00:00.000Z" });
    const r = await adtraceIn(["cost", "trend", out, "--every", "1h", "--by", "stage", "--format", "json", "-q"]);
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout).rows as { bucket_start: string; stage: string; drift: string }[];
    const drifted = (stage: string) => rows.filter((x) => x.stage === stage && (x.drift === "up" || x.drift === "down"));
    const from = truth.planted.cost_regression.from.replace(".000Z", "Z");
    expect(drifted("aggregation").find((x) => x.drift === "up")?.bucket_start).toBe(from);
    // Before it, at most the one bucket in a hundred a 99% band flags by chance (with this seed,
    // 10:00 dips 10% under its baseline on the skewed BigQuery bytes).
    expect(drifted("aggregation").filter((x) => x.bucket_start < from).length).toBeLessThanOrEqual(1);
    for (const stage of ["tracking", "request", "auction"]) expect(drifted(stage).filter((x) => x.bucket_start >= "2024-06-01T16")).toEqual([]);
  });

  it("--fail-on-drift exits 1 when the last bucket drifted, naming the group; CSV has the issue's columns", async () => {
    const r = await adtraceIn(["cost", "trend", "--db", lastHourDb, "--every", "1h", "--by", "stage", "--format", "csv", "--fail-on-drift", "-q"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/aggregation: up/);
    const lines = r.stdout.trim().split("\r\n");
    expect(lines[0]).toBe("bucket_start,stage,events,cost_per_event_usd,p95_ms,baseline_cost_per_event_usd,drift");
    expect(lines).toHaveLength(1 + HOURS * 3);
    expect(lines.filter((l) => l.startsWith(hourIso(47))).map((l) => l.split(",")[1] + ":" + l.split(",").at(-1))).toEqual(["aggregation:up", "request:none", "tracking:none"]);
    expect((await adtraceIn(["cost", "trend", "--db", lastHourDb, "--every", "1h", "--by", "stage", "--format", "csv", "-q"])).code).toBe(0);
  });

  it("CSV, JSON and Markdown are the same bytes on 1 and 4 threads (fractional weights)", async () => {
    const sampled = join(dir, "sampled.jsonl");
    expect((await adtraceIn(["generate", "--events", "2000", "--seed", "3", "--out", sampled, "--sample-rate", "0.3", "-q"])).code).toBe(0);
    const outputs = await outputsAcrossThreads(sampled, ["cost", "trend", "--every", "2h", "--by", "stage"]);
    for (const format of ["csv", "json", "md"]) expect(outputs[format]!.size, format).toBe(1);
  });

  it.each([
    [["--every", "0h"], /--every expects a whole duration/],
    [["--every", "1x"], /--every expects a whole duration/],
    [["--every", "500ms"], /--every 500ms is finer than the data's time resolution: every event starts on a whole s/],
    [["--every", "1s"], /--every 1s makes 172,101 buckets over the data's 47.8 hours; at most 10,000 \(an --every of 30s or more\)/],
    [["--every", "1h", "--baseline", "30m"], /--baseline 30m is shorter than one bucket/],
    [["--by", "attr:user_locle"], /no attribute 'user_locle'/],
    [["--by", "stag"], /--by: unknown key 'stag'/],
  ])("%j: exit 2, one line, nothing on stdout", async (args, message) => {
    const r = await adtraceIn(["cost", "trend", "--db", lastHourDb, "-q", ...args]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });
});

describe("the table's sparkline", () => {
  it("draws flat a series that CSV and JSON print flat (12 significant digits), not its rounding noise", async () => {
    const { sparkline } = await import("../src/output/units.js");
    // 0.1 + 0.2 is 0.30000000000000004: the same cost per event, summed in another order.
    expect(sparkline([0.3, 0.1 + 0.2, 0.3, null, 0.1 + 0.2])).toBe("▄▄▄ ▄");
    // A real change, however small against the value, still shows.
    expect(sparkline([1e-8, null, 1.0000001e-8])).toBe("▁ █");
    // From zero (sampling advise's errors down the ladder): heights against the largest, zeros at the bottom.
    expect(sparkline([0, 0.01, 0.02, 0.04], { fromZero: true })).toBe("▁▃▅█");
    expect(sparkline([0, 0], { fromZero: true })).toBe("▁▁");
  });
});

describe("--baseline too short for a band", () => {
  it("--baseline under 3 × --every is refused (exit 2): every drift would be unknown and --fail-on-drift never fire", async () => {
    const { adtraceIn } = await import("./helpers/in-process.js");
    const data = writeTemp("short-baseline.json", otlpDocument(planted(47).spans));
    const r = await adtraceIn(["cost", "trend", data, "--every", "1h", "--baseline", "2h", "--fail-on-drift"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe("adtrace: error: --baseline 2h holds at most 2 bucket(s) of --every 1h; a drift needs 3 (--baseline 3h or more)\n");
    // Exactly 3 buckets' worth is enough.
    expect((await adtraceIn(["cost", "trend", data, "--every", "1h", "--baseline", "3h", "-q"])).code).toBe(0);
  });
});

describe("--fail-on-drift on a last bucket it cannot judge", () => {
  it("warns on stderr that the gate did not check (48 hours of data, --every 1d: one preceding bucket)", async () => {
    const { adtraceIn } = await import("./helpers/in-process.js");
    const data = writeTemp("two-days.json", otlpDocument(planted(47).spans));
    const r = await adtraceIn(["cost", "trend", data, "--every", "1d", "--fail-on-drift", "--format", "csv"]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\r\n").at(-2)).toMatch(/,unknown$/);
    expect(r.stderr).toMatch(/^adtrace: warning: --fail-on-drift: the last bucket's drift is unknown in 1 of 1 group\(s\) .*; not checked there$/m);
    // Without the gate, no such warning.
    expect((await adtraceIn(["cost", "trend", data, "--every", "1d", "--format", "csv"])).stderr).not.toMatch(/fail-on-drift/);
  });
});
