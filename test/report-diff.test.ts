// adtrace report and adtrace diff: a byte-stable bundle, a gate that fails on a 30% aggregation
// regression, the same data against itself, noise kept green by --significant-only, and a
// report directory against span data.
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { beforeAll, describe, expect, it } from "vitest";
import { adtrace, FIXTURE } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";
import { generate } from "../src/generate/generate.js";
import { PER_EVENT } from "./helpers/hand.js";

const dir = mkdtempSync(join(tmpdir(), "adtrace-rd-"));
const base = join(dir, "base.jsonl");
const regressed = join(dir, "regressed.jsonl");
const baseDb = join(dir, "base.duckdb");
const regressedDb = join(dir, "regressed.duckdb");
const baseCopyDb = join(dir, "base-copy.duckdb");

beforeAll(async () => {
  await generate({ events: 1500, out: base, seed: 77 });
  await generate({ events: 1500, out: regressed, seed: 77, scenario: { cost_regression: "aggregation:1.3" } });
  // Each side is read by several runs: loaded once (a --db side gives the numbers its file gives).
  for (const [file, db] of [[base, baseDb], [regressed, regressedDb]]) {
    const load = await adtraceIn(["load", file, "--db", db, "-q"]);
    expect(load.code, load.stderr).toBe(0);
  }
  copyFileSync(baseDb, baseCopyDb);
});

describe("report", () => {
  it("writes the bundle; twice with --no-timestamp gives byte-identical files", async () => {
    const a = join(dir, "ra");
    const b = join(dir, "rb");
    expect((await adtraceIn(["report", `${FIXTURE}/otlp.jsonl`, "--out-dir", a, "--no-timestamp", "-q"])).code).toBe(0);
    expect((await adtraceIn(["report", `${FIXTURE}/otlp.jsonl`, "--out-dir", b, "--no-timestamp", "-q"])).code).toBe(0);
    const files = readdirSync(a).sort();
    expect(files).toEqual(["breakdown.csv", "flags.csv", "pii.csv", "queries.csv", "report.html", "report.json", "savings.csv", "summary.md"]);
    for (const f of files) expect(readFileSync(join(b, f), "utf8"), f).toBe(readFileSync(join(a, f), "utf8"));
    const report = JSON.parse(readFileSync(join(a, "report.json"), "utf8"));
    expect(report.generated_at).toBeUndefined();
    expect(report.inputs[0]).toMatchObject({ path: `${FIXTURE}/otlp.jsonl`, bytes: readFileSync(`${FIXTURE}/otlp.jsonl`).length });
    expect(report.inputs[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    // The bundle rounds to 12 significant digits.
    expect(Math.abs(report.headline.cost_per_event_usd / PER_EVENT - 1)).toBeLessThan(1e-11);
    expect(report.cost_sources).toEqual({ billed: 0, explicit: 280, price_book: 89, unpriced: 0 });
    expect(report.breakdown.cost_sources).toEqual(report.cost_sources);
    expect(report.headline.flagged_stages).toEqual(["aggregation", "tracking"]);
    // The CSVs have exactly the commands' columns.
    const cmd = (await adtraceIn(["cost", "breakdown", `${FIXTURE}/otlp.jsonl`, "--format", "csv"])).stdout;
    expect(readFileSync(join(a, "breakdown.csv"), "utf8").split("\r\n")[0]).toBe(cmd.split("\r\n")[0]);
    // $0.00100723… per event, to 3 significant digits.
    const summary = readFileSync(join(a, "summary.md"), "utf8");
    expect(summary).toMatch(/\*\*\$0\.00101 per ad event\*\*/);
    // The pricing note once, under the breakdown, though flags and savings give it too.
    expect(summary.match(/every span priced: 280 from cost attributes, 89 from the price book\./g)).toHaveLength(1);
    const timed = join(dir, "rt");
    await adtraceIn(["report", `${FIXTURE}/otlp.jsonl`, "--out-dir", timed, "-q"]);
    expect(JSON.parse(readFileSync(join(timed, "report.json"), "utf8")).generated_at).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});

describe("diff", () => {
  it("fails the gate on a 30% aggregation regression (exit 1, breaching rows on stderr)", async () => {
    const r = await adtraceIn(["diff", baseDb, regressedDb, "--max-cost-increase", "5%", "--max-stage-increase", "10%", "--format", "json"]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    const agg = out.rows.find((row: { stage: string }) => row.stage === "aggregation");
    expect(agg.change_pct).toBeCloseTo(0.3, 4);
    expect(agg.significant).toBe(true);
    expect(r.stderr).toMatch(/aggregation: --max-stage-increase/);
    expect(r.stderr).toMatch(/total: --max-cost-increase/);
    const tracking = out.rows.find((row: { stage: string }) => row.stage === "tracking");
    expect(tracking.change_usd).toBe(0);
    // The generator changed aggregation only: every other stage is "unchanged", aggregation "changed".
    expect(agg.status).toBe("changed");
    for (const row of out.rows.filter((row: { stage: string }) => row.stage !== "aggregation" && row.stage !== "total")) expect(row.status, row.stage).toBe("unchanged");
  });

  it("the same data against itself: exit 0, nothing significant", async () => {
    const r = await adtraceIn(["diff", baseDb, baseCopyDb, "--max-cost-increase", "5%", "--max-stage-increase", "1%", "--format", "json"]);
    expect(r.code).toBe(0);
    for (const row of JSON.parse(r.stdout).rows) {
      expect(row.change_usd).toBe(0);
      expect(row.significant).toBe(false);
      expect(row.status).toBe(row.stage === "total" ? "total" : "unchanged");
    }
  });

  it("a noisy small sample: a change within noise fails a tight gate, but not with --significant-only", async () => {
    const a = join(dir, "small-a.jsonl");
    const b = join(dir, "small-b.jsonl");
    await generate({ events: 30, out: a, seed: 1 });
    await generate({ events: 30, out: b, seed: 2 });
    const strict = await adtraceIn(["diff", a, b, "--max-stage-increase", "1%", "--format", "json"]);
    expect(strict.code).toBe(1);
    const lenient = await adtraceIn(["diff", a, b, "--max-stage-increase", "1%", "--significant-only", "--format", "json"]);
    expect(lenient.code, lenient.stderr).toBe(0);
    expect(JSON.parse(lenient.stdout).rows.some((r: { change_pct: number | null; significant: boolean | null }) => (r.change_pct ?? 0) > 0.01 && r.significant === false)).toBe(true);
  });

  it("a report directory against span data: same numbers, significance unknown", async () => {
    const reportDir = join(dir, "base-report");
    await adtraceIn(["report", "--db", baseDb, "--out-dir", reportDir, "-q", "--no-timestamp"]);
    const r = await adtraceIn(["diff", reportDir, regressedDb, "--format", "json", "--max-stage-increase", "10%"]);
    expect(r.code).toBe(1);
    const out = JSON.parse(r.stdout);
    expect(out.baseline.kind).toBe("report");
    expect(out.rows.find((row: { stage: string }) => row.stage === "aggregation").change_pct).toBeCloseTo(0.3, 4);
    expect(out.rows.every((row: { significant: boolean | null }) => row.significant === null)).toBe(true);
    const md = await adtraceIn(["diff", join(reportDir, "report.json"), baseDb, "--format", "md"]);
    expect(md.code).toBe(0);
    expect(md.stdout).toMatch(/\| stage \|/);
  });

  it("shows new and vanished stages instead of dropping them, with ▲/▼ in Markdown", async () => {
    const lines = readFileSync(`${FIXTURE}/otlp.jsonl`, "utf8");
    const renamed = join(dir, "renamed.jsonl");
    writeFileSync(renamed, lines.replace(/auction\.rtb\.run/g, "pricing.engine.score").replace(/"stringValue":"auction"/g, "\"stringValue\":\"pricer\""));
    const r = await adtraceIn(["diff", `${FIXTURE}/otlp.jsonl`, renamed, "--format", "json"]);
    const rows = JSON.parse(r.stdout).rows;
    expect(rows.find((x: { stage: string }) => x.stage === "auction").status).toBe("vanished");
    expect(rows.find((x: { stage: string }) => x.stage === "other").status).toBe("new");
    const md = (await adtraceIn(["diff", `${FIXTURE}/otlp.jsonl`, renamed, "--format", "md"])).stdout;
    expect(md).toMatch(/▼ gone/);
    expect(md).toMatch(/▲ new/);
  });
});
