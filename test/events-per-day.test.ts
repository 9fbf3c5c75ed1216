// One events-per-day figure reaches every part of a command (issue 13): `report --events-per-day
// 500M` used to estimate the flags' pre-aggregation saving at the config's volume and the savings
// at 500M. A pre-aggregation's refresh cost is spread over the day's events, so the volume
// changes its saving per event: R/N with R = refresh_cost_usd × refreshes_per_day.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { adtrace, FIXTURE } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";

const dir = mkdtempSync(join(tmpdir(), "adtrace-epd-"));
const config = join(dir, "adtrace.config.yaml");
// R = $100 × 24 = $2,400 a day; the config's own volume is 2B events a day.
writeFileSync(config, "events_per_day: 2B\npreaggregate: { refresh_cost_usd: 100, refreshes_per_day: 24 }\n");
const R = 100 * 24;
const input = `${FIXTURE}/otlp.jsonl`;

function csvRows(text: string): Record<string, string>[] {
  const [header, ...lines] = text.trim().split("\r\n");
  const split = (line: string) => [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)].slice(0, -1).map((m) => m[1]!.replace(/^"|"$/g, "").replace(/""/g, '"'));
  const keys = split(header!);
  return lines.map((line) => Object.fromEntries(split(line).map((v, i) => [keys[i], v])));
}

describe("--events-per-day reaches every part of a command", () => {
  it("report: flags, savings and the headline all project to 500M events a day", async () => {
    const out = join(dir, "report");
    const r = await adtraceIn(["report", input, "--config", config, "--events-per-day", "500M", "--out-dir", out, "--no-timestamp", "-q"]);
    expect(r.code, r.stderr).toBe(0);
    const file = (name: string) => readFileSync(join(out, name), "utf8");
    const report = JSON.parse(file("report.json"));
    expect(report.events_per_day).toBe(5e8);
    // Both figures are rounded to 12 significant digits: equal to 1e-11 relative.
    expect(Math.abs(report.headline.cost_per_day_usd / (report.breakdown.total.cost_per_event_usd * 5e8) - 1)).toBeLessThan(1e-11);
    // −30% of aggregation's query cost per event, less the refresh spread over 500M events.
    const aggregation = csvRows(file("breakdown.csv")).find((g) => g.stage === "aggregation")!;
    const expected = 0.3 * Number(aggregation.query_per_event_usd) - R / 5e8;
    const flag = csvRows(file("flags.csv")).find((f) => f.stage === "aggregation")!;
    expect(flag.lever).toBe("preaggregate");
    expect(Number(flag.est_savings_per_event_usd)).toBeCloseTo(expected, 14);
    const saving = csvRows(file("savings.csv")).find((s) => s.lever === "preaggregate")!;
    expect(Number(saving.savings_per_event_usd)).toBeCloseTo(expected, 14);
    expect(Number(saving.savings_per_day_usd)).toBeCloseTo(expected * 5e8, 4);
    expect(file("summary.md")).toMatch(/at 500,000,000 events\/day/);
    expect(file("summary.md")).not.toMatch(/2,000,000,000/);
    expect(report.flags.find((f: { stage: string }) => f.stage === "aggregation").est_savings_per_event_usd).toBeCloseTo(expected, 14);
  });

  it("cost flags --events-per-day and savings --suggest agree with each other; without it the config's volume", async () => {
    const json = async (args: string[]) => {
      const r = await adtraceIn([...args, input, "--config", config, "--format", "json", "-q"]);
      expect(r.code, r.stderr).toBe(0);
      return JSON.parse(r.stdout);
    };
    const at500M = await json(["cost", "flags", "--events-per-day", "500M"]);
    const atConfig = await json(["cost", "flags"]);
    expect([at500M.events_per_day, atConfig.events_per_day]).toEqual([5e8, 2e9]);
    const est = (flags: { flags: { stage: string; est_savings_per_event_usd: number }[] }) => flags.flags.find((f) => f.stage === "aggregation")!.est_savings_per_event_usd;
    // The refresh spread over 2B instead of 500M events: R/2e9 − R/5e8 more saving per event.
    expect(est(atConfig) - est(at500M)).toBeCloseTo(R / 5e8 - R / 2e9, 14);
    const savings = await json(["savings", "--suggest", "--events-per-day", "500M"]);
    expect(savings.events_per_day).toBe(5e8);
    expect(savings.rows.find((row: { lever: string }) => row.lever === "preaggregate").savings_per_event_usd).toBeCloseTo(est(at500M), 14);
    const note = (await adtraceIn(["cost", "flags", input, "--config", config, "--events-per-day", "500M", "--format", "table"])).stdout;
    expect(note).toMatch(/at 500,000,000 events\/day/);
  });
});
