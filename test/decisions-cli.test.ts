// The decision commands through the built CLI: exit codes, machine columns, messages, sampling
// weights shown and applied (config rules, --sample-rate, --unweighted, --assume-weight, data
// from `adtrace generate --sample-rate`), diff's p95 gate under --significant-only, and money
// printed the same wherever it appears. Expected numbers are computed here from the span files.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { beforeAll, describe, expect, it } from "vitest";
import { adtrace, FIXTURE } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";
import { otlpDocument, spanId, traceId, writeTemp, type TestSpan } from "./helpers/otlp.js";
import { formatUsd, toFixedHalfEven } from "../src/output/units.js";

const dir = mkdtempSync(join(tmpdir(), "adtrace-dcli-"));
const ok = async (args: string[]) => {
  const r = await adtraceIn(args);
  expect(r.code, r.stderr).toBe(0);
  return r;
};
const json = async (args: string[]) => JSON.parse((await ok([...args, "--format", "json", "-q"])).stdout);

/** Per trace (one OTLP request per line): cost.usd summed per service, and the traceState of its spans. */
function traces(path: string): { costs: Map<string, number>; total: number }[] {
  return readFileSync(path, "utf8").trim().split("\n").map((line) => {
    const costs = new Map<string, number>();
    let total = 0;
    for (const rs of JSON.parse(line).resourceSpans) {
      const service = rs.resource.attributes.find((a: { key: string }) => a.key === "service.name").value.stringValue as string;
      for (const ss of rs.scopeSpans) {
        for (const span of ss.spans) {
          const cost = Number(span.attributes.find((a: { key: string }) => a.key === "cost.usd")?.value.stringValue ?? 0);
          costs.set(service, (costs.get(service) ?? 0) + cost);
          total += cost;
        }
      }
    }
    return { costs, total };
  });
}
const weightedMean = (values: number[], weights: number[]) => values.reduce((s, v, i) => s + v * weights[i]!, 0) / weights.reduce((s, w) => s + w, 0);

describe("cost flags --fail-on-flag", () => {
  it("exits 0 when no stage is warehouse-heavy", async () => {
    const spans: TestSpan[] = [1, 2, 3].flatMap((e) => [
      { trace: traceId(e), id: spanId(e * 10 + 1), name: "adserver.request.handle", service: "adserver", startMs: 0, durationMs: 10, attrs: { "cost.usd": "0.5" } },
      { trace: traceId(e), id: spanId(e * 10 + 2), parent: spanId(e * 10 + 1), name: "auction.rtb.run", service: "auction", startMs: 1, durationMs: 5, attrs: { "cost.usd": "0.5" } },
    ]);
    const r = await adtraceIn(["cost", "flags", writeTemp("calm.json", otlpDocument(spans)), "--fail-on-flag", "--format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).flags).toEqual([]);
    expect(r.stderr).not.toMatch(/check failed/);
  });
});

describe("savings output", () => {
  it("CSV: lever is cache|preaggregate|tune|total, its value and hit cost in their own columns", async () => {
    const csv = (await ok(["savings", `${FIXTURE}/otlp.jsonl`, "--cache", "tracking=0.6:0.00002", "--preagg", "aggregation=30%", "--format", "csv", "-q"])).stdout;
    const [header, ...lines] = csv.trim().split("\r\n");
    const cols = header!.split(",");
    expect(cols.slice(0, 3)).toEqual(["scenario", "lever", "stage"]);
    expect(cols.slice(-2)).toEqual(["lever_value", "hit_cost_usd"]);
    const rows = lines.map((l) => Object.fromEntries(l.split(",").map((v, i) => [cols[i], v])));
    expect(rows.map((r) => [r.lever, r.stage, r.lever_value, r.hit_cost_usd])).toEqual([
      ["cache", "tracking", "0.6", "0.00002"],
      ["preaggregate", "aggregation", "0.3", ""],
      ["total", "", "", ""],
    ]);
    expect(csv).not.toMatch(/−/);
  });

  it("a scenario file's unknown stage names the file, the line and the scenario", async () => {
    const file = join(dir, "typo.yaml");
    writeFileSync(file, 'scenarios:\n  fine:\n    - tune: "auction=0.1"\n  typo:\n    - preagg: "aggregation=0.5"\n    - cache: "trackng=0.5"\n');
    const r = await adtraceIn(["savings", `${FIXTURE}/otlp.jsonl`, "--scenario", file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^adtrace: error: ${file}:6: scenario 'typo': cache: no stage 'trackng' in this data \\(did you mean 'tracking'\\?\\)`));
  });
});

describe("money and counts print the same everywhere", () => {
  it("rounds half to even on the 12-significant-digit value", async () => {
    // 0.0003575 (tracking per event with the book's compute at $0, below) reached by three float paths.
    for (const v of [0.0003575, 0.00035750000000000023, 0.00035749999999999996]) expect(formatUsd(v)).toBe("$0.000358");
    expect(formatUsd(0.0003565)).toBe("$0.000356");
    expect(formatUsd(0.00035650000000000004)).toBe("$0.000356");
    expect(formatUsd(2.675)).toBe("$2.68");
    expect(formatUsd(2.665)).toBe("$2.66");
    expect(formatUsd(1234.565)).toBe("$1,234.56");
    expect(formatUsd(-0.0003575)).toBe("-$0.000358");
    expect(toFixedHalfEven(0.5, 0)).toBe("0");
    expect(toFixedHalfEven(1.5, 0)).toBe("2");
    expect(toFixedHalfEven(0.0000004, 2)).toBe("0.00");
    expect(toFixedHalfEven(9.995, 2)).toBe("10.00");
  });

  it("tracking's $0.0003575 per event reads $0.000358 in breakdown, flags and savings", async () => {
    // fixtures/auction/README.md: tracking is 40 × $0.00002 (cost.usd) + 45 × 0.0001 credits × $3.00
    // + the lookups' compute; with a vCPU-hour at $0 that is 0.0143 / 40 = $0.0003575, a tie.
    const file = `${FIXTURE}/otlp.jsonl`;
    const config = join(dir, "no-compute.yaml");
    writeFileSync(config, "prices:\n  compute: { vcpu_hour_usd: 0 }\n");
    const breakdownTable = (await ok(["cost", "breakdown", file, "--config", config, "--format", "md", "-q"])).stdout;
    const flagsTable = (await ok(["cost", "flags", file, "--config", config, "--format", "md", "-q"])).stdout;
    const savingsTable = (await ok(["savings", file, "--config", config, "--tune", "tracking=0.1", "--format", "md", "-q"])).stdout;
    for (const table of [breakdownTable, flagsTable, savingsTable]) {
      const line = table.split("\n").find((l) => l.startsWith("| tracking") || l.includes("| tracking |"))!;
      expect(line).toContain("$0.000358");
      expect(line).not.toContain("$0.000357");
    }
  });
});

describe("sampling weights through the CLI", () => {
  const plain = join(dir, "plain.jsonl");
  const sampled = join(dir, "sampled.jsonl");
  const mixedA = join(dir, "mixed-a.jsonl");
  const mixedB = join(dir, "mixed-b.jsonl");
  // Weights: ot=th:c → 4 (p = 0.25, as generate --sample-rate 0.25 writes it), ot=th:8 → 2.
  const weightsA = (i: number) => (i % 2 === 0 ? 4 : 2);
  const weightsB = (i: number) => (i % 2 === 0 ? 2 : 4);
  beforeAll(async () => {
    // Explicit costs: the expected numbers are computed from the files' cost.usd (traces()).
    await ok(["generate", "--events", "60", "--out", plain, "--seed", "5", "--explicit-cost", "-q"]);
    await ok(["generate", "--events", "400", "--out", sampled, "--seed", "6", "--sample-rate", "0.25", "--explicit-cost", "-q"]);
    const lines = readFileSync(sampled, "utf8").trim().split("\n");
    expect(lines.every((l) => l.includes('"traceState":"ot=th:c"'))).toBe(true);
    const remark = (w: (i: number) => number) => lines.map((l, i) => (w(i) === 4 ? l : l.replace(/"ot=th:c"/g, '"ot=th:8"'))).join("\n") + "\n";
    writeFileSync(mixedA, remark(weightsA));
    writeFileSync(mixedB, remark(weightsB));
  });

  it("config sampling: rules and --sample-rate weight the spans they match; --unweighted ignores them", async () => {
    const events = traces(plain);
    const tracking = events.reduce((s, e) => s + (e.costs.get("tracker") ?? 0), 0) / events.length;
    const config = join(dir, "sampling.yaml");
    writeFileSync(config, 'sampling:\n  - match: { service: "tracker" }\n    rate: 0.5\n');
    const group = (out: { groups: { stage: string; cost_per_event_usd: number }[] }) => out.groups.find((g) => g.stage === "tracking")!;
    // Tracker spans stand for 2 each; events are counted by their roots (weight 1).
    const byConfig = await json(["cost", "breakdown", plain, "--config", config]);
    expect(byConfig.events).toBe(60);
    expect(group(byConfig).cost_per_event_usd).toBeCloseTo(2 * tracking, 12);
    expect(byConfig.weights).toMatchObject({ weighted: true, stored_traces: 60, estimated_events: 60 });
    const byFlag = await json(["cost", "breakdown", plain, "--sample-rate", "service:tracker=0.5"]);
    expect(group(byFlag).cost_per_event_usd).toBeCloseTo(2 * tracking, 12);
    const raw = await adtraceIn(["cost", "breakdown", plain, "--config", config, "--unweighted", "--format", "table"]);
    expect(raw.code).toBe(0);
    // Headings and notes wrap at 100 columns: read the table as one line.
    const shown = raw.stdout.replace(/\s+/g, " ");
    expect(shown).toMatch(/\(unweighted: raw figures\)/);
    expect(shown).toMatch(/unweighted \(--unweighted\): raw figures/);
    const rawJson = await json(["cost", "breakdown", plain, "--config", config, "--unweighted"]);
    expect(group(rawJson).cost_per_event_usd).toBeCloseTo(tracking, 12);
    expect(rawJson.weights.weighted).toBe(false);
  });

  it("--sample-rate 'attr:…' matching children but not their root: the traces are counted as disagreeing and warned about", async () => {
    // Three events; in events 1 and 2 only the child carries user_locale=en, so the rule weights
    // it 10 and its root 1. Event 3 carries no locale. Each event counts with its root's weight.
    const spans: TestSpan[] = [1, 2, 3].flatMap((n) => [
      { trace: traceId(n), id: spanId(10 * n), name: "adserver.request.handle", startMs: 0, durationMs: 10, attrs: { "cost.usd": "0.001" } },
      { trace: traceId(n), id: spanId(10 * n + 1), parent: spanId(10 * n), name: "tracker.events.write", startMs: 1, durationMs: 2,
        attrs: { "cost.usd": "0.002", ...(n < 3 ? { user_locale: "en" } : {}) } },
    ]);
    const file = writeTemp("rule.json", otlpDocument(spans));
    for (const command of [["cost", "breakdown"], ["cost", "flags"], ["savings", "--tune", "tracking=0.1"]]) {
      const r = await adtraceIn([...command, file, "--sample-rate", "attr:user_locale=en=0.1", "--format", "json"]);
      expect(r.code, r.stderr).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.weights, command.join(" ")).toMatchObject({ disagreeing_traces: 2, stored_traces: 3, estimated_events: 3 });
      expect(r.stderr, command.join(" ")).toMatch(/2 trace\(s\) whose spans carry different sampling rates \(their own, or a sampling rule that matched some spans and not the root\): each span keeps its own weight; the event counts with its root's\./);
    }
  });

  it("--assume-weight gives spans of unknown weight the weight stated, and every output says so", async () => {
    // Trace 1 is marked sampled with an unusable threshold (th:zz): 3 more events with --assume-weight 4.
    const lines = readFileSync(plain, "utf8").trim().split("\n");
    lines[0] = lines[0]!.replace(/"traceId":/g, '"traceState":"ot=th:zz","traceId":');
    // Trace 2's root says p = 0.5, one of its children p = 0.25: a disagreeing trace.
    lines[1] = lines[1]!.replace('"traceId":', '"traceState":"ot=th:8","traceId":').replace(/("parentSpanId":"[0-9a-f]+")/, '$1,"traceState":"ot=th:c"');
    const file = join(dir, "unknown.jsonl");
    writeFileSync(file, lines.join("\n") + "\n");
    const spansInTrace1 = (lines[0]!.match(/"spanId"/g) ?? []).length;
    const assumed = await json(["cost", "breakdown", file, "--assume-weight", "4"]);
    expect(assumed.events).toBe(60 - 2 + 4 + 2);
    expect(assumed.weights).toMatchObject({ unknown_weight_spans: spansInTrace1, assumed_weight: 4, disagreeing_traces: 1, stored_traces: 60, estimated_events: 64 });
    const table = (await ok(["cost", "breakdown", file, "--format", "table"])).stdout;
    expect(table).toMatch(new RegExp(`${spansInTrace1} span\\(s\\) marked sampled without a usable rate, counted with weight 1`));
    expect(table).toMatch(/1 trace\(s\) whose spans carry different sampling rates/);
    expect(table).toMatch(/60 stored traces stand for ~61 events/);
    for (const command of [["cost", "flags"], ["savings", "--tune", "tracking=0.1"]]) {
      const out = await json([...command, file]);
      expect(out.weights, command.join(" ")).toMatchObject({ unknown_weight_spans: spansInTrace1, disagreeing_traces: 1 });
      const md = (await ok([...command, file, "--format", "md"])).stdout;
      expect(md, command.join(" ")).toMatch(/marked sampled without a usable rate/);
    }
    const diff = await adtraceIn(["diff", file, plain, "--format", "md"]);
    expect(diff.stdout).toMatch(/baseline: .*marked sampled without a usable rate/);
  });

  it("weighted savings on a sample from generate --sample-rate match the weighted mean of the file", async () => {
    const events = traces(mixedA);
    const weights = events.map((_, i) => weightsA(i));
    const tracking = weightedMean(events.map((e) => e.costs.get("tracker") ?? 0), weights);
    const total = weightedMean(events.map((e) => e.total), weights);
    const out = await json(["savings", mixedA, "--tune", "tracking=0.5", "--events-per-day", "1M"]);
    expect(out.events).toBe(weights.reduce((s, w) => s + w, 0));
    expect(out.cost_per_event_usd).toBeCloseTo(total, 12);
    expect(out.rows[0].savings_per_event_usd).toBeCloseTo(0.5 * tracking, 12);
    expect(out.rows[0].savings_per_day_usd).toBeCloseTo(0.5 * tracking * 1e6, 6);
    // Unweighted: the plain mean over stored traces, which differs.
    const raw = await json(["savings", mixedA, "--tune", "tracking=0.5", "--events-per-day", "1M", "--unweighted"]);
    const plainMean = events.reduce((s, e) => s + (e.costs.get("tracker") ?? 0), 0) / events.length;
    expect(raw.rows[0].savings_per_event_usd).toBeCloseTo(0.5 * plainMean, 12);
    expect(Math.abs(plainMean - tracking)).toBeGreaterThan(1e-9);
  });

  it("a weighted diff: the same traces under other weights change cost per event by the weighted means", async () => {
    const events = traces(mixedA);
    const before = weightedMean(events.map((e) => e.total), events.map((_, i) => weightsA(i)));
    const after = weightedMean(events.map((e) => e.total), events.map((_, i) => weightsB(i)));
    const out = await json(["diff", mixedA, mixedB]);
    const total = out.rows.find((r: { status: string }) => r.status === "total");
    expect(total.cost_per_event_before_usd).toBeCloseTo(before, 12);
    expect(total.cost_per_event_after_usd).toBeCloseTo(after, 12);
    expect(total.change_usd).toBeCloseTo(after - before, 12);
    expect(out.baseline.events).toBe(events.reduce((s, _, i) => s + weightsA(i), 0));
  });

  it("weighted counts leave the database at 9 significant digits, without float noise", async () => {
    // p = 0.3: each kept trace stands for 2^56 / round(0.3 · 2^56) ≈ 3.333 events.
    const file = join(dir, "p30.jsonl");
    await ok(["generate", "--events", "600", "--out", file, "--seed", "4", "--sample-rate", "0.3", "-q"]);
    const w = 2 ** 56 / Math.round(0.3 * 2 ** 56);
    const stored = readFileSync(file, "utf8").trim().split("\n").length;
    const out = await json(["cost", "breakdown", file]);
    expect(out.events).toBe(Number((stored * w).toPrecision(9)));
    const csv = (await ok(["cost", "breakdown", file, "--format", "csv", "-q"])).stdout;
    for (const line of csv.trim().split("\r\n").slice(1)) {
      for (const count of line.split(",").slice(1, 3)) {
        expect(count.replace(/[^0-9]/g, "").replace(/^0+/, "").length, line).toBeLessThanOrEqual(9);
        expect(Number(count), line).toBe(Number(Number(count).toPrecision(9)));
      }
    }
  });
});

describe("diff output and gates", () => {
  const a = join(dir, "small-a.jsonl");
  const b = join(dir, "small-b.jsonl");
  // Each side loaded once: a diff of the two databases reads their stored models instead of
  // installing one per side per run, and writes what the files give bar the sides' labels
  // (checked 2026-12-02: JSON, Markdown and the gate's stderr).
  const aDb = join(dir, "small-a.duckdb");
  const bDb = join(dir, "small-b.duckdb");
  beforeAll(async () => {
    await ok(["generate", "--events", "30", "--out", a, "--seed", "1", "-q"]);
    await ok(["generate", "--events", "30", "--out", b, "--seed", "2", "-q"]);
    await ok(["load", a, "--db", aDb, "-q"]);
    await ok(["load", b, "--db", bDb, "-q"]);
  });

  it("--significant-only applies to --max-p95-increase: p95 changes within noise do not fail it", async () => {
    const strict = await adtraceIn(["diff", aDb, bDb, "--max-p95-increase", "15%", "--format", "json"]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/--max-p95-increase: p95 .* significant: no/);
    const rows = JSON.parse(strict.stdout).rows as { p95_ms_before: number; p95_ms_after: number; p95_significant: boolean | null }[];
    // Some p95 rose past 15% on 30 events, and the bootstrap calls it noise.
    expect(rows.some((r) => r.p95_ms_after > 1.15 * r.p95_ms_before && r.p95_significant === false)).toBe(true);
    const lenient = await adtraceIn(["diff", aDb, bDb, "--max-p95-increase", "15%", "--significant-only", "--format", "json"]);
    expect(lenient.code, lenient.stderr).toBe(0);
  });

  it("a real p95 regression is significant and fails the gate even with --significant-only", async () => {
    // slow_locale makes de-DE's aggregation 3× slower: aggregation's span p95 rises.
    const base = join(dir, "p95-base.jsonl");
    const slow = join(dir, "p95-slow.jsonl");
    await ok(["generate", "--events", "1000", "--out", base, "--seed", "9", "-q"]);
    await ok(["generate", "--events", "1000", "--out", slow, "--seed", "9", "--scenario", "slow_locale=de-DE", "-q"]);
    const r = await adtraceIn(["diff", base, slow, "--max-p95-increase", "15%", "--significant-only", "--format", "json"]);
    expect(r.code).toBe(1);
    const agg = JSON.parse(r.stdout).rows.find((row: { stage: string }) => row.stage === "aggregation");
    expect(agg.p95_significant).toBe(true);
    expect(r.stderr).toMatch(/aggregation: --max-p95-increase: .* significant: yes/);
    // Stages the scenario leaves alone have identical durations: no p95 change, not significant.
    const auction = JSON.parse(r.stdout).rows.find((row: { stage: string }) => row.stage === "auction");
    expect(auction.p95_ms_after).toBe(auction.p95_ms_before);
    expect(auction.p95_significant).toBe(false);
  });

  it("table and Markdown show the absolute change; the CSV ends with the total row", async () => {
    const json = JSON.parse((await ok(["diff", aDb, bDb, "--format", "json"])).stdout);
    const total = json.rows.find((r: { status: string }) => r.status === "total");
    const md = (await ok(["diff", aDb, bDb, "--format", "md"])).stdout;
    expect(md).toMatch(/\| Δ \$\/event \|/);
    const mdTotal = md.split("\n").find((l) => l.startsWith("| **total**"))!;
    expect(mdTotal).toContain(`**${total.change_usd > 0 ? "+" : "-"}${formatUsd(Math.abs(total.change_usd))}**`);
    const csv = (await ok(["diff", aDb, bDb, "--format", "csv"])).stdout.trim().split("\r\n");
    const cols = csv[0]!.split(",");
    const last = Object.fromEntries(csv.at(-1)!.split(",").map((v, i) => [cols[i], v]));
    expect(last.stage).toBe("total");
    expect(last.status).toBe("total");
    expect(Number(last.change_usd)).toBeCloseTo(total.change_usd, 15);
    expect(csv.length).toBe(json.rows.length + 1);
  });

  it("a report on one side: the Markdown note says significance is unknown, once", async () => {
    const reportDir = join(dir, "small-report");
    await ok(["report", a, "--out-dir", reportDir, "-q", "--no-timestamp"]);
    const md = (await ok(["diff", reportDir, bDb, "--format", "md"])).stdout;
    expect(md).toMatch(/cost significance: unknown: a report on either side has no per-event values/);
    expect(md).not.toMatch(/significance: significance/);
  });
});
