// report.html and diff's before/after page (issue 21 part 1), read as files: self-contained (no
// script, no URL but SVG's namespaces, a CSP that forbids every request), every chart a titled
// SVG, byte-stable across runs and thread counts, user text escaped, and figures checked against
// the fixture's hand-worked totals and the generator's planted regression. The page in a real
// browser is test/report-browser.test.ts.
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { beforeAll, describe, expect, it } from "vitest";
import { FIXTURE } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";
import { otlpDocument, spanId, traceId } from "./helpers/otlp.js";
import { generate } from "../src/generate/generate.js";
import { EVENTS, PER_EVENT, STAGE_TOTAL, SUGGESTED_SAVING_PER_EVENT } from "./helpers/hand.js";

const dir = mkdtempSync(join(tmpdir(), "adtrace-html-"));

async function reportHtml(args: string[], out: string, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const r = await adtraceIn(["report", ...args, "--out-dir", out, "--no-timestamp", "-q"], { env });
  expect(r.code, r.stderr).toBe(0);
  return readFileSync(join(out, "report.html"), "utf8");
}

/** The figures of a page: id, caption and SVG. */
function figures(html: string): { id: string; caption: string; svg: string }[] {
  return [...html.matchAll(/<figure class="chart" id="([^"]+)"[^>]*>\s*<figcaption><h3>([^<]*)<\/h3><\/figcaption>\s*(<svg[\s\S]*?<\/svg>)\s*<\/figure>/g)]
    .map((m) => ({ id: m[1]!, caption: m[2]!, svg: m[3]! }));
}

/** data-value of the cell in `column` (0-based) of the row whose first cell is `first`, in the table data-table=`name`. */
function cellValue(html: string, name: string, first: string, column: number): number {
  const table = new RegExp(`<table data-table="${name}">([\\s\\S]*?)</table>`).exec(html)?.[1] ?? "";
  const row = [...table.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => m[1]!).find((r) => r.startsWith(`<td>${first}</td>`));
  const cells = [...(row ?? "").matchAll(/<td[^>]*?(?: data-value="([^"]*)")?>/g)].map((m) => m[1]);
  return Number(cells[column]);
}

function expectSelfContained(html: string): void {
  expect(html.startsWith("<!doctype html>")).toBe(true);
  expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline';/);
  expect(html).not.toMatch(/<script|<link|<iframe|<img|@import|url\(/i);
  expect(html).not.toMatch(/\s(src|href|xlink:href)=/i);
  const urls = new Set(html.match(/https?:\/\/[^\s"'<>)]+/g) ?? []);
  expect([...urls].sort()).toEqual(["http://www.w3.org/1999/xlink", "http://www.w3.org/2000/svg"]);
}

describe("report.html", () => {
  let html: string;
  beforeAll(async () => {
    html = await reportHtml([`${FIXTURE}/otlp.jsonl`], join(dir, "r1"));
  }, 60_000);

  it("is one self-contained page with four titled SVG charts", () => {
    expectSelfContained(html);
    const charts = figures(html);
    expect(charts.map((c) => c.id)).toEqual(["cost-by-stage", "latency", "queries", "savings-1"]);
    for (const chart of charts) {
      expect(chart.caption.length).toBeGreaterThan(10);
      expect(chart.svg).toContain(`<title>${chart.caption}</title>`);
      // Marks, not an empty frame: every chart draws bars (paths in Vega's SVG).
      expect((chart.svg.match(/<path /g) ?? []).length, chart.id).toBeGreaterThan(3);
    }
    // The stacked bar is split into the two parts, each with its legend entry.
    expect(charts[0]!.svg).toMatch(/>query</);
    expect(charts[0]!.svg).toMatch(/>compute</);
    for (const p of ["p50", "p95", "p99"]) expect(charts[1]!.svg).toContain(`>${p}<`);
  });

  it("shows the fixture's hand-worked figures", () => {
    for (const [stage, total] of Object.entries(STAGE_TOTAL)) {
      expect(Math.abs(cellValue(html, "stages", stage, 1) / (total / EVENTS) - 1), stage).toBeLessThan(1e-11);
      // query + compute is the stage's cost.
      expect(Math.abs((cellValue(html, "stages", stage, 2) + cellValue(html, "stages", stage, 3)) / (total / EVENTS) - 1), stage).toBeLessThan(1e-9);
    }
    expect(Math.abs(cellValue(html, "stages", "total", 1) / PER_EVENT - 1)).toBeLessThan(1e-11);
    // The waterfall starts at today's cost per event and ends at the suggested scenario's, per 1M events.
    const waterfall = figures(html).find((c) => c.id === "savings-1")!.svg;
    const perMillion = (usd: number) => (usd * 1e6).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
    expect(waterfall).toContain(`>${perMillion(PER_EVENT)}<`);
    expect(waterfall).toContain(`>${perMillion(PER_EVENT - SUGGESTED_SAVING_PER_EVENT)}<`);
    // Flags with their reasons and top query; the data section.
    expect(html).toMatch(/data-flag="aggregation"[\s\S]*?<code class="top-query">SELECT campaign_id/);
    expect(html).toMatch(/data-flag="tracking"[\s\S]*?cache its result/);
    const sha = /"sha256": "([0-9a-f]{64})"/.exec(readFileSync(join(dir, "r1", "report.json"), "utf8"))![1]!;
    expect(html).toContain(`<code>${sha}</code>`);
    expect(html).toMatch(/<td>config digest<\/td><td><code>[0-9a-f]{16}<\/code><\/td>/);
  });

  it("is byte-identical run after run, on 1 and on 4 threads", async () => {
    expect(await reportHtml([`${FIXTURE}/otlp.jsonl`], join(dir, "r2"), { ADTRACE_THREADS: "1" })).toBe(html);
    expect(await reportHtml([`${FIXTURE}/otlp.jsonl`], join(dir, "r3"), { ADTRACE_THREADS: "4" })).toBe(html);
  }, 60_000);

  it("escapes names and query text: markup in the data stays text", async () => {
    const file = join(dir, "hostile.json");
    const evil = `<script>alert(1)</script>`;
    writeFileSync(file, otlpDocument([
      { trace: traceId(1), id: spanId(1), name: "ad.tracking.record", service: `svc${evil}`, startMs: 0, durationMs: 10, attrs: { "cost.usd": 0.001 } },
      {
        trace: traceId(1), id: spanId(2), parent: spanId(1), name: `tracking.${evil}`, startMs: 1, durationMs: 5,
        attrs: { "db.system": "snowflake", "db.statement": `SELECT "${evil}" FROM t WHERE a < 3`, "snowflake.credits_used": 0.001 },
      },
    ]));
    const page = await reportHtml([file], join(dir, "hostile"));
    expectSelfContained(page);
    expect(page).toContain("&lt;script&gt;");
  }, 60_000);
});

describe("diff --format html", () => {
  const base = join(dir, "base.jsonl");
  const regressed = join(dir, "regressed.jsonl");
  beforeAll(async () => {
    await generate({ events: 300, out: base, seed: 5 });
    await generate({ events: 300, out: regressed, seed: 5, scenario: { cost_regression: "aggregation:1.3" } });
  }, 60_000);

  it("a before/after page: the gate verdict, the charts in pairs, the planted +30% on aggregation", async () => {
    const out = join(dir, "diff.html");
    const r = await adtraceIn(["diff", base, regressed, "--max-stage-increase", "10%", "--format", "HTML", "--out", out, "-q"]);
    expect(r.code).toBe(1); // the gate breached: the page is written all the same
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/aggregation: --max-stage-increase/);
    const page = readFileSync(out, "utf8");
    expectSelfContained(page);
    expect(page).toMatch(/<div class="verdict fail" data-verdict="fail">cost per event \+\d+\.\d% \(significant\): 1 gate breached<\/div>/);
    const ids = figures(page).map((f) => f.id);
    const kinds = ["cost-by-stage", "latency", "queries", "savings-1"];
    expect(ids).toEqual(kinds.flatMap((k) => [`before-${k}`, `after-${k}`]));
    // The generator's ground truth: aggregation costs 1.3× per event after, tracking the same.
    const stage = (side: string, name: string) => {
      const half = page.split('<div data-side="')
        .filter((part) => part.startsWith(side) && part.includes('data-table="stages"'))[0]!;
      return cellValue(half, "stages", name, 1);
    };
    expect(stage("after", "aggregation") / stage("before", "aggregation")).toBeCloseTo(1.3, 6);
    expect(stage("after", "tracking")).toBe(stage("before", "tracking"));
    // Byte-stable, and the same page on stdout without --out.
    const again = await adtraceIn(["diff", base, regressed, "--max-stage-increase", "10%", "--format", "html", "-q"]);
    expect(again.stdout).toBe(page);
  }, 120_000);

  it("a chart only one side has is paired with a note that it is not in the other side", async () => {
    // Before: a report with two scenarios (two waterfalls); after: one with only the first. So
    // the pairs are cost, latency, queries, savings-1 on both sides, then savings-2 before only,
    // and the after side of that last pair (and only it) says it is not there.
    const two = join(dir, "two.yaml");
    const one = join(dir, "one.yaml");
    writeFileSync(two, 'scenarios:\n  first:\n    - preagg: "aggregation=0.5"\n  second:\n    - cache: "tracking=0.5"\n');
    writeFileSync(one, 'scenarios:\n  first:\n    - preagg: "aggregation=0.5"\n');
    for (const [scenario, out] of [[two, "side-two"], [one, "side-one"]] as const) {
      const r = await adtraceIn(["report", `${FIXTURE}/otlp.jsonl`, "--scenario", scenario, "--out-dir", join(dir, out), "--no-timestamp", "-q"]);
      expect(r.code, r.stderr).toBe(0);
    }
    const r = await adtraceIn(["diff", join(dir, "side-two"), join(dir, "side-one"), "--format", "html", "-q"]);
    expect(r.code, r.stderr).toBe(0);
    const ids = figures(r.stdout).map((f) => f.id);
    expect(ids).toEqual([...["cost-by-stage", "latency", "queries", "savings-1"].flatMap((k) => [`before-${k}`, `after-${k}`]), "before-savings-2"]);
    const pairs = r.stdout.split('<div class="pair">').slice(1);
    const last = pairs.find((p) => p.includes('id="before-savings-2"'))!;
    expect(last).toContain('<div data-side="after"><h3>after</h3>\n<p class="sub">Not in this side.</p>\n</div>');
    expect(r.stdout.split("Not in this side.").length - 1).toBe(1);
    // Two report directories carry no per-event data: every row's significance is unknown, and
    // the change table says so rather than "no".
    const table = /<table data-table="diff">([\s\S]*?)<\/table>/.exec(r.stdout)![1]!;
    const significance = [...table.matchAll(/<tr>(?:<td[^>]*>[^<]*<\/td>)*<td>([^<]*)<\/td><\/tr>/g)].map((m) => m[1]);
    expect(significance.length).toBeGreaterThan(3);
    expect(new Set(significance)).toEqual(new Set(["unknown"]));
  }, 120_000);

  it("a passing diff says so; --out FILE.html picks the page; other commands refuse --format html", async () => {
    const out = join(dir, "same.html");
    const r = await adtraceIn(["diff", base, base, "--max-cost-increase", "5%", "--out", out, "-q"]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(out, "utf8")).toMatch(/data-verdict="pass">cost per event unchanged \(within noise\): no gate breached</);
    const refused = await adtraceIn(["cost", "breakdown", base, "--format", "html"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/--format html is diff's before\/after page/);
  }, 120_000);
});
