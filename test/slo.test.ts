// slo check (issue 18): latency, error and cost objectives on a hand-built set whose figures are
// worked out below; the burn rate over --window; exit 1 on a breach; the report's SLO figures;
// config errors with file:line (exit 2).
import { describe, expect, it } from "vitest";
import { adtraceIn } from "./helpers/in-process.js";
import { otlpDocument, spanId, traceId, writeTemp, type TestSpan } from "./helpers/otlp.js";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * 100 events, event i (1–100) starting at i s: a request root (cost $0.001, 200 ms) and an auction
 * child lasting i ms (cost $0); events 7 and 50 have an auction span with status ERROR.
 */
function events(): TestSpan[] {
  const spans: TestSpan[] = [];
  for (let i = 1; i <= 100; i++) {
    spans.push({ trace: traceId(i), id: spanId(2 * i), name: "adserver.request.handle", startMs: i * 1000, durationMs: 200, attrs: { "cost.usd": "0.001" } });
    spans.push({
      trace: traceId(i), id: spanId(2 * i + 1), parent: spanId(2 * i), name: "auction.rtb.run", startMs: i * 1000 + 10, durationMs: i,
      attrs: { "cost.usd": "0" }, ...(i === 7 || i === 50 ? { status: "ERROR" as const } : {}),
    });
  }
  return spans;
}

const data = writeTemp("slo.json", otlpDocument(events()));
const config = (text: string) => writeTemp("adtrace.config.yaml", text);
const SLOS = config(`slos:
  - name: auction-latency
    stage: auction
    latency_ms: 98
    objective: 0.95
  - name: event-cost
    cost_per_event_usd: 0.0012
  - name: errors
    error_rate: 0.01
`);

interface Row { name: string; actual: number; error_budget_used: number; burn_rate: number; status: string; objective: number; events: number; window_events: number }

describe("the figures, by hand", () => {
  it("latency, cost and errors over the whole data; exit 1 because errors breach", async () => {
    const r = await adtraceIn(["slo", "check", data, "--config", SLOS, "--format", "json", "-q"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/1 SLO\(s\) breached/);
    expect(r.stderr).toMatch(/errors: 200\.0% of the error budget used/);
    const rows = new Map((JSON.parse(r.stdout).slos as Row[]).map((x) => [x.name, x]));
    // Auction spans of 99 and 100 ms exceed 98 ms: 2 bad of 100; allowed 5%: 40% of the budget.
    expect(rows.get("auction-latency")).toMatchObject({ objective: 0.95, actual: 0.98, status: "ok", events: 100 });
    expect(rows.get("auction-latency")!.error_budget_used).toBeCloseTo(0.4, 12);
    // $0.001 per event against a $0.0012 ceiling.
    expect(rows.get("event-cost")!.actual).toBeCloseTo(0.001, 12);
    expect(rows.get("event-cost")!.error_budget_used).toBeCloseTo(0.001 / 0.0012, 12);
    // 2 events of 100 with an error against 1% allowed: twice the budget.
    expect(rows.get("errors")).toMatchObject({ objective: 0.99, actual: 0.98, status: "breached" });
    expect(rows.get("errors")!.error_budget_used).toBeCloseTo(2, 12);
  });

  it("--window 10s: burn rate over events 90–100 (the last start minus 10 s)", async () => {
    const r = await adtraceIn(["slo", "check", data, "--config", SLOS, "--window", "10s", "--format", "json", "-q"]);
    const rows = new Map((JSON.parse(r.stdout).slos as Row[]).map((x) => [x.name, x]));
    // 11 events; 99 and 100 are slow: (2/11) ÷ 0.05. No error among them. Cost unchanged.
    expect(rows.get("auction-latency")!.window_events).toBe(11);
    expect(rows.get("auction-latency")!.burn_rate).toBeCloseTo(2 / 11 / 0.05, 10);
    expect(rows.get("errors")!.burn_rate).toBe(0);
    expect(rows.get("event-cost")!.burn_rate).toBeCloseTo(0.001 / 0.0012, 12);
  });

  it("exit 0 when nothing is breached", async () => {
    const ok = config("slos:\n  - name: errors\n    error_rate: 0.05\n");
    const r = await adtraceIn(["slo", "check", data, "--config", ok, "--format", "csv", "-q"]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\r\n")[0]).toBe("name,stage,indicator,target,objective,actual,error_budget_used,burn_rate,status");
    expect(r.stdout.split("\r\n")[1]).toBe("errors,,errors,0.05,0.95,0.98,0.4,0.4,ok");
  });
});

describe("report", () => {
  it("adds slos.csv, the report.json block and a summary section when the config has slos; not otherwise", async () => {
    const dir = mkdtempSync(join(tmpdir(), "adtrace-slo-report-"));
    expect((await adtraceIn(["report", data, "--config", SLOS, "--out-dir", join(dir, "with"), "--no-timestamp", "-q"])).code).toBe(0);
    const csv = readFileSync(join(dir, "with", "slos.csv"), "utf8");
    expect(csv).toMatch(/^errors,,errors,0\.01,0\.99,0\.98,2,2,breached\r$/m);
    const json = JSON.parse(readFileSync(join(dir, "with", "report.json"), "utf8"));
    expect(json.slos.map((s: Row) => s.status)).toEqual(["ok", "ok", "breached"]);
    expect(readFileSync(join(dir, "with", "summary.md"), "utf8")).toMatch(/### SLOs/);
    expect((await adtraceIn(["report", data, "--out-dir", join(dir, "without"), "--no-timestamp", "-q"])).code).toBe(0);
    expect(existsSync(join(dir, "without", "slos.csv"))).toBe(false);
    expect(JSON.parse(readFileSync(join(dir, "without", "report.json"), "utf8")).slos).toBeUndefined();
  });
});

describe("bad config: exit 2 with file:line", () => {
  it.each([
    ["slos:\n  - name: a\n    latency: 50\n", /:3: unknown key 'slos\[0\]\.latency' \(known here: name, stage, latency_ms, objective, cost_per_event_usd, error_rate\)/],
    ["slos:\n  - name: a\n    latency_ms: 50\n    objective: 1.5\n", /:4: slos\[0\]\.objective: expected a number > 0 and < 1/],
    ["slos:\n  - name: a\n    latency_ms: 50\n    objective: 1\n", /:4: slos\[0\]\.objective: expected a number > 0 and < 1/],
    ["slos:\n  - name: a\n    error_rate: 0\n", /:3: slos\[0\]\.error_rate: expected a number > 0 and < 1/],
    ["slos:\n  - name: ok\n    error_rate: 0.1\n  - name: b\n    latency_ms: 50\n    error_rate: 0.1\n", /:4: slos\[1\] \(b\): expected exactly one of latency_ms, cost_per_event_usd, error_rate, got latency_ms and error_rate/],
    ["slos:\n  - name: a\n    cost_per_event_usd: 0.001\n    objective: 0.9\n", /:2: slos\[0\] \(a\): objective applies to latency_ms only/],
    ["slos:\n  - name: a\n    error_rate: 0.1\n  - name: a\n    error_rate: 0.2\n", /:4: slos\[1\]: the name 'a' is given twice/],
    ["slos:\n  - stage: auction\n    error_rate: 0.1\n", /:2: slos\[0\]: expected a 'name' key/],
    ["slos:\n  - name: a\n    stage: auctin\n    error_rate: 0.1\n", /:2: slos\[0\] \(a\): no stage 'auctin' in this data \(did you mean 'auction'\?\)/],
    ["events_per_day: 1000\n", /no slos: to check/],
  ])("%j", async (text, message) => {
    const file = config(text);
    const r = await adtraceIn(["slo", "check", data, "--config", file, "-q"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain(file);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("--window must be a duration", async () => {
    const r = await adtraceIn(["slo", "check", data, "--config", SLOS, "--window", "soon", "-q"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--window expects a whole duration/);
  });
});

describe("slo check's table", () => {
  it("keeps the SLO names of the help's example whole within 100 columns (the indicator column gives way)", async () => {
    const { adtraceIn } = await import("./helpers/in-process.js");
    const { displayWidth } = await import("../src/output/text.js");
    const r = await adtraceIn(["slo", "check", data, "--config", SLOS, "--format", "table"]);
    expect(r.code).toBe(1);
    const lines = r.stdout.split("\n");
    const names = lines.filter((l) => /^(auction|event|errors)/.test(l)).map((l) => l.split(/\s{2,}/)[0]);
    expect(names).toEqual(["auction-latency", "event-cost", "errors"]);
    for (const line of lines) expect(displayWidth(line), line).toBeLessThanOrEqual(100);
    // CSV keeps every column.
    const csv = await adtraceIn(["slo", "check", data, "--config", SLOS, "--format", "csv"]);
    expect(csv.stdout.split("\r\n")[0]).toBe("name,stage,indicator,target,objective,actual,error_budget_used,burn_rate,status");
  });
});
