// report.html and diff's page in a real browser (issue 21): Debian's Chromium, headless, driven by
// playwright-core (no browser download: .ci/run installs the `chromium` package). The page must
// load with no console message of error level and no request but its own file; every chart has
// a title and a drawn SVG; a full-page PNG is neither tiny nor blank; and the text a person reads
// matches report.json. UPDATE_SCREENSHOT=1 also writes the README's picture, docs/report-html.png.
import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chromium, type Browser, type Page } from "playwright-core";
import { FIXTURE, ROOT } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";
import { colourStats, decodePng } from "./helpers/png.js";
import { generate } from "../src/generate/generate.js";

const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const dir = mkdtempSync(join(tmpdir(), "adtrace-browser-"));
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium (.ci/run does), or set CHROMIUM_PATH`);
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

interface Visit {
  page: Page;
  problems: string[];
  requests: string[];
}

/** Open a page from disk, recording console errors and warnings, page errors and every request. */
async function visit(file: string): Promise<Visit> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const problems: string[] = [];
  const requests: string[] = [];
  page.on("console", (m) => {
    if (m.type() === "error" || m.type() === "warning") problems.push(`${m.type()}: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()}`));
  page.on("request", (r) => requests.push(r.url()));
  await page.goto(pathToFileURL(file).href, { waitUntil: "load" });
  return { page, problems, requests };
}

/** Every chart: its caption, and its SVG's drawn size and number of shapes. */
function charts(page: Page) {
  return page.$$eval("figure.chart", (figures) => figures.map((f) => {
    const svg = f.querySelector("svg");
    const box = svg?.getBoundingClientRect();
    return {
      id: f.id,
      caption: f.querySelector("figcaption")?.textContent?.trim() ?? "",
      svgTitle: svg?.querySelector("title")?.textContent ?? "",
      width: box?.width ?? 0,
      height: box?.height ?? 0,
      shapes: svg ? svg.querySelectorAll("path, rect, line").length : 0,
      marks: svg ? [...svg.querySelectorAll("path")].filter((p) => { const b = p.getBoundingClientRect(); return b.width > 1 && b.height > 1; }).length : 0,
    };
  }));
}

describe("report.html in Chromium", () => {
  let visit1: Visit;
  let report: Record<string, any>;
  const out = join(dir, "report");

  beforeAll(async () => {
    const r = await adtraceIn(["report", `${FIXTURE}/otlp.jsonl`, "--out-dir", out, "--no-timestamp", "-q"]);
    expect(r.code, r.stderr).toBe(0);
    report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    visit1 = await visit(join(out, "report.html"));
  }, 60_000);

  it("loads with no console error and no request but the page itself", () => {
    expect(visit1.problems).toEqual([]);
    expect(visit1.requests).toEqual([pathToFileURL(join(out, "report.html")).href]);
  });

  it("every chart has a title and a drawn SVG", async () => {
    const found = await charts(visit1.page);
    expect(found.map((c) => c.id)).toEqual(["cost-by-stage", "latency", "queries", "savings-1"]);
    for (const c of found) {
      expect(c.caption, c.id).not.toBe("");
      expect(c.svgTitle, c.id).toBe(c.caption);
      expect(c.width, c.id).toBeGreaterThan(200);
      expect(c.height, c.id).toBeGreaterThan(50);
      // Bars drawn with a size: one per stage and part, per percentile, per query, per waterfall step.
      expect(c.marks, c.id).toBeGreaterThanOrEqual(({ "cost-by-stage": 7, latency: 21, queries: 2, "savings-1": 4 } as Record<string, number>)[c.id]!);
    }
  });

  it("a full-page screenshot is a real picture, not a blank page", async () => {
    const png = await visit1.page.screenshot({ fullPage: true, type: "png" });
    expect(png.length).toBeGreaterThan(50_000);
    const pixels = decodePng(png);
    expect(pixels.width).toBe(1280);
    expect(pixels.height).toBeGreaterThan(1500);
    const stats = colourStats(pixels);
    // Text, bars in several colours, tables: a blank or one-colour page has 1 colour and ~0% ink.
    expect(stats.colours).toBeGreaterThan(50);
    expect(stats.notBackground).toBeGreaterThan(0.05);
    writeFileSync(join(dir, "report.png"), png);
    if (process.env.UPDATE_SCREENSHOT === "1") {
      // The README's picture: the top of the page (headline, charts), as a reader first sees it.
      writeFileSync(join(ROOT, "docs", "report-html.png"), await visit1.page.screenshot({ type: "png" }));
    }
  });

  it("the page's own stylesheet is applied: numbers right-aligned in tabular figures, charts in a grid, a readable width", async () => {
    // page.ts's CSS (the seed-30 sample: the stylesheet → "" survived; nothing looked at the layout).
    const style = await visit1.page.evaluate(() => {
      // The page's window (the tests' TypeScript has no DOM library).
      const w = globalThis as unknown as { document: { querySelector(s: string): unknown }; getComputedStyle(e: unknown): Record<string, string> };
      const css = (selector: string) => w.getComputedStyle(w.document.querySelector(selector));
      const num = css("td.num");
      return {
        num: [num.textAlign, num.fontVariantNumeric, num.whiteSpace],
        main: css("main").maxWidth,
        charts: css(".charts").display,
        flag: css(".flag").borderLeftColor,
        sub: css(".sub").fontSize,
      };
    });
    expect(style).toEqual({
      num: ["right", "tabular-nums", "nowrap"],
      main: "1240px",
      charts: "grid",
      flag: "rgb(194, 65, 12)", // #c2410c, the flags' orange edge
      sub: "12px",
    });
  });

  it("the text a person reads matches report.json", async () => {
    const page = visit1.page;
    const rows = await page.$$eval('table[data-table="stages"] tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => ({ text: td.textContent ?? "", value: td.getAttribute("data-value") }))));
    const groups = report.breakdown.groups as Record<string, any>[];
    expect(rows.map((r) => r[0]!.text)).toEqual([...groups.map((g) => g.stage), "total"]);
    groups.forEach((g, i) => {
      expect(Number(rows[i]![1]!.value)).toBe(g.cost_per_event_usd);
      expect(Number(rows[i]![2]!.value)).toBe(g.query_per_event_usd);
      expect(Number(rows[i]![3]!.value)).toBe(g.compute_per_event_usd);
      expect(Number(rows[i]![6]!.value)).toBe(g.p95_ms);
      // What is shown rounds what report.json holds: "$0.000440" is within 0.5% of it.
      const shown = Number(rows[i]![1]!.text.replace(/[$,]/g, ""));
      expect(Math.abs(shown / g.cost_per_event_usd - 1), g.stage).toBeLessThan(0.005);
    });
    const headline = await page.$eval('[data-figure="cost-per-event"] .value', (e) => e.textContent ?? "");
    expect(Math.abs(Number(headline.replace(/[$,]/g, "")) / report.headline.cost_per_event_usd - 1)).toBeLessThan(0.005);
    const flagged = await page.$eval('[data-figure="flagged"] .value', (e) => e.textContent ?? "");
    expect(flagged).toBe(report.headline.flagged_stages.join(", "));
    // Flags: each reason and top query as report.json words them.
    const flags = await page.$$eval(".flag", (els) => els.map((e) => ({ stage: e.getAttribute("data-flag"), reason: e.querySelector(".reason")?.textContent, query: e.querySelector(".top-query")?.textContent })));
    expect(flags).toEqual(report.flags.map((f: Record<string, any>) => ({ stage: f.stage, reason: f.reason, query: f.top_query })));
    // The data section.
    const text = await page.innerText("body");
    for (const input of report.inputs) {
      expect(text).toContain(input.path);
      expect(text).toContain(input.sha256);
    }
    expect(text).toContain(report.config.digest);
    const facts = Object.fromEntries(await page.$$eval('table[data-table="facts"] tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent ?? ""))));
    expect(Number(facts.events!.replace(/,/g, ""))).toBe(report.events);
    expect(Number(facts.spans!.replace(/,/g, ""))).toBe(report.spans);
    expect(facts["time range"]).toBe(`${report.start} → ${report.end}`);
    const weights = Object.fromEntries(await page.$$eval('table[data-table="weights"] tbody tr', (trs) => trs.map((tr) => [...tr.querySelectorAll("td")].map((td) => td.textContent ?? ""))));
    expect(Number(weights["estimated events"]!.replace(/,/g, ""))).toBe(report.breakdown.weights.estimated_events);
    expect(weights.weighted).toBe(report.breakdown.weights.weighted ? "yes" : expect.stringMatching(/^no/));
  });
});

describe("diff's page in Chromium", () => {
  it("loads clean, with the verdict and every chart before and after", async () => {
    const base = join(dir, "base.jsonl");
    const regressed = join(dir, "regressed.jsonl");
    await generate({ events: 200, out: base, seed: 9 });
    await generate({ events: 200, out: regressed, seed: 9, scenario: { cost_regression: "aggregation:1.3" } });
    const file = join(dir, "diff.html");
    const r = await adtraceIn(["diff", base, regressed, "--max-stage-increase", "10%", "--format", "html", "--out", file, "-q"]);
    expect(r.code).toBe(1);
    const { page, problems, requests } = await visit(file);
    expect(problems).toEqual([]);
    expect(requests).toEqual([pathToFileURL(file).href]);
    expect(await page.$eval(".verdict", (e) => e.textContent)).toMatch(/^cost per event \+\d+\.\d% \(significant\): 1 gate breached$/);
    const found = await charts(page);
    expect(found.length).toBe(8);
    for (const c of found) {
      expect(c.caption, c.id).not.toBe("");
      expect(c.marks, c.id).toBeGreaterThan(1);
    }
    // Side by side: each after-chart sits to the right of its before-chart, on the same row.
    const boxes = await page.$$eval("figure.chart", (fs) => fs.map((f) => ({ id: f.id, ...f.getBoundingClientRect().toJSON() })));
    for (const before of boxes.filter((b) => b.id.startsWith("before-"))) {
      const after = boxes.find((b) => b.id === before.id.replace("before-", "after-"))!;
      expect(after.x).toBeGreaterThan(before.x + before.width - 1);
      expect(after.y).toBe(before.y);
    }
    const png = await page.screenshot({ fullPage: true });
    expect(colourStats(decodePng(png)).notBackground).toBeGreaterThan(0.05);
    copyFileSync(file, join(dir, "diff-copy.html"));
  }, 120_000);
});
