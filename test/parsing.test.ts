// What people type, read strictly: counts, limits, lever specs, --by keys and config values, with
// errors that name the key and the line it is on.
import { describe, expect, it } from "vitest";
import { configError } from "./helpers/config-error.js";
import { readCount, readShare } from "../src/numbers.js";
import { parseEventsPerDay, parseLimit } from "../src/commands/options.js";
import { parseLever } from "../src/analysis/savings.js";
import { usageError } from "./helpers/usage-error.js";
import { breakdown, parseGroupKeys } from "../src/analysis/breakdown.js";
import { diff } from "../src/analysis/diff.js";
import { breakdownView } from "../src/output/cost-views.js";
import { diffView } from "../src/output/diff-view.js";
import { withModelDb } from "./helpers/analysis.js";
import { parseConfig } from "../src/model/config.js";
import { adtrace, FIXTURE } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";
import { writeTemp } from "./helpers/otlp.js";

describe("counts (--events-per-day, events_per_day, generate --events)", () => {
  it.each([
    ["2000000000", 2e9], ["2e9", 2e9], ["2B", 2e9], ["2b", 2e9], ["500M", 5e8], ["1.5k", 1500], ["2_000_000", 2e6],
    ["2,000,000", 2e6], [" 7 ", 7], ["1.5e3M", 1.5e9], ["3T", 3e12],
  ])("%s → %s", (text, expected) => {
    expect(readCount(text)).toBe(expected);
    expect(parseEventsPerDay("--events-per-day", text)).toBe(expected);
  });
  it.each(["1e400", "1,5M", "1,50", "12,3456", "2BB", "-5", "", "abc", "0x10", "2 B B", "1__0", "_1", "Infinity", "NaN"])("'%s' is no count", (text) => {
    expect(readCount(text)).toBeUndefined();
    expect(usageError(() => parseEventsPerDay("--events-per-day", text))).toBe(`--events-per-day expects a count like 2000000000, 2e9, 2B or 500M, got '${text}'`);
  });
  it("refuses a volume below one event", async () => {
    expect(() => parseEventsPerDay("--events-per-day", "0")).toThrow(/expects a count/);
  });
});

describe("limits (--max-*-increase)", () => {
  it.each([["5%", 0.05], ["0.05", 0.05], ["1", 1], ["150%", 1.5], ["0", 0]])("%s → %s", (text, expected) => {
    expect(parseLimit("--max-cost-increase", text)).toBe(expected);
  });
  it("refuses a bare number above 1 and suggests the percentage", async () => {
    expect(usageError(() => parseLimit("--max-cost-increase", "5"))).toMatch(/^--max-cost-increase '5' would mean 500%: write 5%/);
  });
  it.each(["-5%", "five", "", "5%%"])("'%s' is no limit", (text) => {
    expect(usageError(() => parseLimit("--max-cost-increase", text))).toMatch(/^--max-cost-increase /);
  });
  it("the messages in full: what is expected, and the percentage a bare number would be, its spaces trimmed", () => {
    expect(usageError(() => parseLimit("--max-cost-increase", "abc"))).toBe("--max-cost-increase expects a percentage like 5% or a fraction like 0.05, got 'abc'");
    expect(usageError(() => parseLimit("--max-cost-increase", " 5 "))).toBe("--max-cost-increase ' 5 ' would mean 500%: write 5% for 5 percent (a bare number is a fraction ≤ 1)");
  });
  it("shares: exponents with or without a sign and of any length; nothing before the number", () => {
    expect([readShare("1e2%"), readShare("1e+1%"), readShare("1e-2"), readShare("5e10%"), readShare(" 30% ")]).toEqual([1, 0.1, 0.01, 5e8, 0.3]);
    for (const text of ["x5%", "5x", "1e%", "1e+%", "--5"]) expect(readShare(text), text).toBeUndefined();
  });
  it("the CLI exits 2 on --max-cost-increase 5", async () => {
    const r = await adtraceIn(["diff", `${FIXTURE}/otlp.jsonl`, `${FIXTURE}/otlp.jsonl`, "--max-cost-increase", "5"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^adtrace: error: --max-cost-increase '5' would mean 500%: write 5%/);
  });
});

describe("lever specs", () => {
  it("reads STAGE=H[:COST]", async () => {
    expect(parseLever("cache", "tracking=0.5:0.001")).toEqual({ kind: "cache", stage: "tracking", value: 0.5, hitCostUsd: 0.001 });
    expect(parseLever("cache", "tracking=60%")).toMatchObject({ value: 0.6, hitCostUsd: 0 });
  });
  it.each([
    ["tracking=0.5:0.001:9", /at most one ':'/],
    ["tracking=0.5:", /hit cost must be a non-negative number/],
    ["tracking=0.5: ", /hit cost must be a non-negative number/],
    ["tracking=0.5:abc", /hit cost must be a non-negative number/],
    ["tracking=", /between 0 and 1/],
    ["=0.5", /expects STAGE=/],
  ])("refuses %s", (text, message) => {
    expect(() => parseLever("cache", text)).toThrow(message);
  });
});

describe("--by keys", () => {
  it("refuses a key given twice and an attribute that would shadow an output column", async () => {
    expect(() => parseGroupKeys("stage,stage")).toThrow(/'stage' is given twice/);
    expect(() => parseGroupKeys("attr:user_locale,attr:user_locale")).toThrow(/given twice/);
    expect(() => parseGroupKeys("stage,attr:stage")).toThrow(/given twice/);
    expect(() => parseGroupKeys("attr:spans")).toThrow(/collide with the output column 'spans'/);
    expect(() => parseGroupKeys("attr:cost_per_event_usd")).toThrow(/collide/);
    expect(parseGroupKeys("stage,attr:user_locale")).toEqual([{ kind: "stage" }, { kind: "attr", key: "user_locale" }]);
  });

  it("refuses every column the breakdown and diff views really show, table-only ones included", async () => {
    // The views spread a group's keys into the row beside its data columns: a key named like one
    // of them would show the wrong value. Taken from the views themselves, so a new column is covered.
    const by = [{ kind: "stage" as const }];
    const fixture = `${FIXTURE}/otlp.jsonl`;
    const breakdownColumns = await withModelDb([fixture], async (db) =>
      breakdownView(await breakdown(db, { by }), { config: "", label: "" }).columns.map((c) => c.key));
    const diffColumns = diffView(await diff(fixture, fixture, {}, { by, gates: {} })).columns.map((c) => c.key);
    const shown = [...new Set([...breakdownColumns, ...diffColumns])].filter((key) => key !== "stage");
    expect(shown).toContain("change_abs");
    for (const key of shown) expect(() => parseGroupKeys(`attr:${key}`), key).toThrow(/collide/);
  });
});

describe("config values and the lines of their errors", () => {
  const error = configError;
  it("a sampling rate must be > 0 and ≤ 1", async () => {
    expect(error('sampling:\n  - match: {name: "*"}\n    rate: 0\n')).toMatch(/^c\.yaml:3: sampling\[0\]\.rate: expected a number > 0 and ≤ 1/);
    expect(error('sampling:\n  - match: {name: "*"}\n    rate: 1.5\n')).toMatch(/^c\.yaml:3: sampling\[0\]\.rate: expected a number > 0 and ≤ 1/);
    expect(parseConfig('sampling:\n  - match: {name: "*"}\n    rate: 0.001\n', "c.yaml").sampling[0]!.rate).toBe(0.001);
  });
  it("a single price book reports the line of the offending key", async () => {
    expect(error("prices:\n  compute:\n    vcpu_hour_usd: 0.04\n    vcpu: 2\n")).toMatch(/^c\.yaml:4: unknown key 'prices\.compute\.vcpu'/);
    expect(error("prices:\n  compute:\n    vcpu_hour_usd: -1\n")).toMatch(/^c\.yaml:3: prices\.compute\.vcpu_hour_usd: expected a number ≥ 0/);
    expect(error("events_per_day: 2B\n\nprices:\n  warehouses:\n    snowflake: { credit_usd: x }\n")).toMatch(/^c\.yaml:5: prices\.warehouses\.snowflake\.credit_usd/);
    // A list of books keeps its indices.
    expect(error("prices:\n  - compute: { vcpus: 1 }\n  - compute: { vcpu: 2 }\n")).toMatch(/^c\.yaml:3: unknown key 'prices\[1\]\.compute\.vcpu'/);
    // And a valid single book still applies.
    expect(parseConfig("prices:\n  compute:\n    vcpu_hour_usd: 0.04\n", "c.yaml").prices.at(-1)!.compute!.vcpu_hour_usd).toBe(0.04);
  });
  it("events_per_day refuses values that are no count", async () => {
    expect(error("events_per_day: 1e400\n")).toMatch(/^c\.yaml:1: events_per_day: expected a number/);
    expect(error("events_per_day: 1,5M\n")).toMatch(/^c\.yaml:1: events_per_day: expected a number/);
    expect(parseConfig("events_per_day: 500M\n", "c.yaml").events_per_day).toBe(5e8);
  });
  it("the CLI exits 2 on a zero sampling rate instead of printing blank columns", async () => {
    const config = writeTemp("rate0.yaml", 'sampling:\n  - match: {name: "*"}\n    rate: 0\n');
    const r = await adtraceIn(["cost", "breakdown", `${FIXTURE}/otlp.jsonl`, "--config", config, "--format", "csv"]);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/rate0\.yaml:3: sampling\[0\]\.rate: expected a number > 0 and ≤ 1/);
  });
});
