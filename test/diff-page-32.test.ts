// The page of `diff --format html` (src/output/html/diff-page.ts, helper dpage32) read as text:
// the heading, the sides' labels, the gate verdict and its breaches, the change table, the
// methods line, the charts in pairs and the sides' own sections. Two small OTLP files written
// here are diffed in-process over DuckDB (test/helpers/in-process.ts, no child process); every
// cell is compared with figures worked by hand in the comments and with the same diff's
// `--format json` result, read field by field. One test renders `diffHtml` directly from a
// result built by hand (two group keys, markup in every text) over the sides' report.json.
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { diffHtml, sharedScale } from "../src/output/html/diff-page.js";
import type { ReportDoc, ReportDocGroup } from "../src/output/html/doc.js";
import type { DiffResult, DiffRow } from "../src/analysis/diff.js";
import { parseGroupKeys } from "../src/analysis/breakdown.js";
import { VERSION } from "../src/version.js";
import { adtraceIn } from "./helpers/in-process.js";
import { otlpDocument, spanId, traceId, type TestSpan } from "./helpers/otlp.js";

const dir = mkdtempSync(join(tmpdir(), "adtrace-dpage32-"));
const BEFORE = join(dir, "before.json");
const AFTER = join(dir, "after.json");

// Four events (traces t = 1 … 4), each a request root 0 … 30 + 2t ms ($1), tracking 0–10 ms,
// delivery 10–15 ms. Before: tracking $0.25, delivery $0.20, auction 15–23 ms $0.125. After:
// tracking $0.50, delivery $0.15, no auction, and an aggregation rollup 15–19 ms ($0.05) that is
// a Snowflake query (so only the after side has a warehouse queries chart).
const QUERY = "SELECT campaign_id, sum(spend) FROM events GROUP BY 1";
function spans(after: boolean): TestSpan[] {
  return [1, 2, 3, 4].flatMap((t): TestSpan[] => {
    const id = (k: number) => spanId(t * 10 + k);
    const root = { trace: traceId(t), id: id(1), name: "adserver.request.handle", startMs: 0, durationMs: 30 + 2 * t, attrs: { "cost.usd": 1 } };
    const child = (k: number, name: string, startMs: number, durationMs: number, attrs: TestSpan["attrs"]): TestSpan =>
      ({ trace: traceId(t), id: id(k), parent: id(1), name, startMs, durationMs, attrs });
    return [
      root,
      child(2, "tracker.events.write", 0, 10, { "cost.usd": after ? 0.5 : 0.25 }),
      child(3, "creative.render", 10, 5, { "cost.usd": after ? 0.15 : 0.2 }),
      after
        ? child(5, "rollup.daily", 15, 4, { "cost.usd": 0.05, "db.system": "snowflake", "db.statement": QUERY })
        : child(4, "auction.bid", 15, 8, { "cost.usd": 0.125 }),
    ];
  });
}

/** A cell of an HTML table: its class, data-value (undefined when absent) and text. */
interface Td { cls: string | undefined; data: string | undefined; text: string }

function tableRows(html: string, name: string): Td[][] {
  const body = new RegExp(`<table data-table="${name}">\\n<thead>[\\s\\S]*?</thead>\\n<tbody>\\n([\\s\\S]*?)</tbody>`).exec(html)?.[1] ?? "";
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) =>
    [...r[1]!.matchAll(/<td(?: class="([^"]*)")?(?: data-value="([^"]*)")?>([\s\S]*?)<\/td>/g)].map((c) => ({ cls: c[1], data: c[2], text: c[3]! })));
}
const head = (html: string, name: string) =>
  [...(new RegExp(`<table data-table="${name}">\\n<thead><tr>(.*?)</tr></thead>`).exec(html)?.[1] ?? "").matchAll(/<th>(.*?)<\/th>/g)].map((m) => m[1]);
const h2s = (html: string) => [...html.matchAll(/<h2>(.*?)<\/h2>/g)].map((m) => m[1]);
/** The `<div class="pair">` blocks: each side's inner markup. */
function pairs(html: string): { before: string; after: string }[] {
  return [...html.matchAll(/<div class="pair">\n<div data-side="before"><h3>before<\/h3>\n([\s\S]*?)\n<\/div>\n<div data-side="after"><h3>after<\/h3>\n([\s\S]*?)\n<\/div>\n<\/div>/g)]
    .map((m) => ({ before: m[1]!, after: m[2]! }));
}
const chartIds = (html: string) => [...html.matchAll(/<figure class="chart" id="([^"]+)" data-chart="([^"]+)">/g)].map((m) => { expect(m[2]).toBe(m[1]); return m[1]; });
const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");
const close = (a: number | string | null | undefined, b: number) => Math.abs(Number(a) - b) <= 1e-11 * Math.max(1, Math.abs(b));

/** The diff's JSON (schema 1): rows flattened by key, significance as true / false / null. */
interface JsonRow {
  stage: string; status: string; cost_per_event_before_usd: number | null; cost_per_event_after_usd: number | null;
  change_usd: number; change_pct: number | null; p95_ms_before: number | null; p95_ms_after: number | null; significant: boolean | null;
}
interface JsonDiff { rows: JsonRow[]; breaches: { gate: string; row: string; detail: string }[]; method: string; p95_method: string }

let page: string; // before → after, --max-stage-increase 50% (breached)
let json: JsonDiff; // the same diff as --format json
let same: string; // before → before, --max-cost-increase 5% (passes)
let docBefore: ReportDoc;
let docAfter: ReportDoc;
let reports: string; // the two report directories diffed (no per-event values)
let codes: [number | null, string][]; // each HTML run's exit code and stderr

// Nothing here asserts on the HTML runs: a page that fails to render must fail the tests below,
// not this hook (StrykerJS counts a mutant whose beforeAll throws as survived, no test having run).
beforeAll(async () => {
  writeFileSync(BEFORE, otlpDocument(spans(false)));
  writeFileSync(AFTER, otlpDocument(spans(true)));
  const gate = ["--max-stage-increase", "50%"];
  const html = (args: string[]) => adtraceIn(["diff", ...args, "--format", "html", "-q"]);
  json = JSON.parse((await adtraceIn(["diff", BEFORE, AFTER, ...gate, "--format", "json", "-q"])).stdout) as JsonDiff;
  const runs = [await html([BEFORE, AFTER, ...gate]), await html([BEFORE, BEFORE, "--max-cost-increase", "5%"])];
  for (const [input, out] of [[BEFORE, "report-before"], [AFTER, "report-after"]]) {
    const r = await adtraceIn(["report", input!, "--out-dir", join(dir, out!), "--no-timestamp", "-q"]);
    expect(r.code, r.stderr).toBe(0);
  }
  docBefore = JSON.parse(readFileSync(join(dir, "report-before", "report.json"), "utf8")) as ReportDoc;
  docAfter = JSON.parse(readFileSync(join(dir, "report-after", "report.json"), "utf8")) as ReportDoc;
  runs.push(await html([join(dir, "report-before"), join(dir, "report-after")]));
  [page, same, reports] = runs.map((r) => r.stdout) as [string, string, string];
  codes = runs.map((r) => [r.code, r.stderr]);
}, 300_000);

describe("diff --format html: the runs", () => {
  it("exit 1 when a gate is breached (the page is written all the same), else 0", () => {
    expect(codes.map(([code]) => code)).toEqual([1, 0, 0]);
    expect(codes[0]![1]).toMatch(/^adtrace: check failed: 2 gate\(s\) breached\n/);
    expect(codes.slice(1).map(([, stderr]) => stderr)).toEqual(["", ""]);
    for (const html of [page, same, reports]) expect(html.endsWith("</main>\n</body>\n</html>\n")).toBe(true);
  });
});

describe("diff --format html: the top of the page", () => {
  it("the title, the heading, then each side's label with its events, spans, time range and version", () => {
    expect(page).toContain("<title>adtrace diff</title>");
    const main = page.slice(page.indexOf("<main>\n") + 7);
    // Spans start at the helper's base, 1.7e9 s after the epoch = 2023-11-14T22:13:20Z; the
    // longest event lasts 38 ms, so start and end fall in the same second. 4 traces × 4 spans each side.
    const range = "2023-11-14T22:13:20Z → 2023-11-14T22:13:20Z";
    expect(main.split("\n").slice(0, 2)).toEqual([
      "<h1>adtrace diff: before → after</h1>",
      `<p class="sub">before: ${BEFORE} (4 events, 16 spans, ${range}; adtrace ${VERSION})<br>after: ${AFTER} (4 events, 16 spans, ${range}; adtrace ${VERSION})</p>`,
    ]);
  });

  it("a breached gate: the verdict fails, then the breaches of the JSON result one per line", () => {
    // Total 1 + 0.25 + 0.2 + 0.125 = $1.575 → 1 + 0.5 + 0.15 + 0.05 = $1.70 per event:
    // +0.125 / 1.575 = +7.94%; every event changes by the same amount, so every bootstrap resample
    // does and the change is significant. Tracking +100% and the new aggregation breach the 50% gate.
    expect(page).toContain('\n<div class="verdict fail" data-verdict="fail">cost per event +7.9% (significant): 2 gates breached</div>\n');
    expect(json.breaches.map((b) => b.row)).toEqual(["tracking", "aggregation"]);
    const items = json.breaches.map((b) => `<li>${b.row}: ${b.gate}: ${b.detail}</li>`);
    expect(page).toContain(`</div>\n<ul class="breaches">\n${items.join("\n")}\n</ul>\n<h2>`);
    expect(items[0]).toBe("<li>tracking: --max-stage-increase: cost per event 100.0% up (limit 50.0%), significant: yes</li>");
  });

  it("no gate breached: the verdict passes and no breaches list follows", () => {
    expect(same).toContain('\n<div class="verdict pass" data-verdict="pass">cost per event unchanged (within noise): no gate breached</div>\n<h2>Change in cost per event by stage</h2>\n');
    expect(same).not.toContain("breaches");
    expect(same).not.toContain('data-verdict="fail"');
    // Nothing changed: every row 0.0% with no sign, and not significant; all tie at a change of
    // 0, so the groups go by name, the total last.
    const rows = tableRows(same, "diff");
    expect(rows.map((r) => [r[0]!.text, r[1]!.text, r[4]!.text, r[6]!.text])).toEqual(
      ["auction", "delivery", "request", "tracking", "total"].map((g) => [g, g === "total" ? "total" : "unchanged", "0.0%", "no"]));
  });

  it("the sections in order, each under its heading", () => {
    expect(h2s(page)).toEqual(["Change in cost per event by stage", "Charts: before and after", "Cost per event by stage", "Data"]);
    const at = (s: string) => page.indexOf(s);
    expect(at('data-verdict="fail"')).toBeLessThan(at('<table data-table="diff">'));
    expect(at('<table data-table="diff">')).toBeLessThan(at("cost significance:"));
    expect(at("cost significance:")).toBeLessThan(at("<h2>Charts: before and after</h2>"));
    expect(page).not.toMatch(/\n\n/);
  });
});

describe("diff --format html: the change table", () => {
  it("one row per JSON row: group, status, $/event before and after, the signed change, p95 before → after, significance", () => {
    expect(head(page, "diff")).toEqual(["group", "status", "$/event before", "after", "change", "p95", "significant"]);
    const rows = tableRows(page, "diff");
    // By hand (per event, 4 equal events): tracking 0.25 → 0.5, +100%; auction 0.125 → gone, −100%;
    // delivery 0.2 → 0.15, −25%; aggregation new at 0.05 (no percentage: the change in dollars);
    // request 1 → 1; total 1.575 → 1.7, +7.9%. Below $1 three significant digits, cents above.
    // p95 with 4 equal weights interpolates at 0.95 · 3 = 2.85: the request root (and an event's
    // end-to-end time) 32, 34, 36, 38 ms → 36 + 0.85 · 2 = 37.7 ms; constant stages their length.
    // Significance: every event's change is the same, so the bootstrap interval is that one value:
    // significant unless it is 0 (request).
    expect(rows.map((r) => r.map((c) => c.text))).toEqual([
      ["tracking", "changed", "$0.250", "$0.500", "+100.0%", "10.0 ms → 10.0 ms", "yes"],
      ["auction", "vanished", "$0.125", "–", "-100.0%", "8.00 ms → –", "yes"],
      ["delivery", "changed", "$0.200", "$0.150", "-25.0%", "5.00 ms → 5.00 ms", "yes"],
      ["aggregation", "new", "–", "$0.0500", "+$0.0500", "– → 4.00 ms", "yes"],
      ["request", "unchanged", "$1.00", "$1.00", "0.0%", "37.7 ms → 37.7 ms", "no"],
      ["total", "total", "$1.58", "$1.70", "+7.9%", "37.7 ms → 37.7 ms", "yes"],
    ]);
    // The same figures as the JSON result, row for row: data-value holds the number a cell shows.
    expect(rows.length).toBe(json.rows.length);
    rows.forEach((r, i) => {
      const j = json.rows[i]!;
      expect(r[0]!.text).toBe(j.stage);
      expect(r[1]!.text).toBe(j.status);
      expect(r.map((c) => c.cls)).toEqual([undefined, undefined, "num", "num", "num", "num", undefined]);
      const value = (c: Td, v: number | null) => (v === null ? expect(c.data, j.stage).toBeUndefined() : expect(close(c.data, v), `${j.stage}: ${c.data} vs ${v}`).toBe(true));
      value(r[2]!, j.cost_per_event_before_usd);
      value(r[3]!, j.cost_per_event_after_usd);
      value(r[4]!, j.change_pct);
      expect(r[5]!.data).toBeUndefined();
      expect(r[4]!.text.startsWith("+")).toBe((j.change_pct ?? j.change_usd) > 0);
      if (j.change_pct === null) expect(r[4]!.text).toBe(`+$${j.change_usd.toFixed(4)}`); // +$0.0500: the one new row, signed as the terminal's change_abs
      expect(r[6]!.text).toBe(j.significant === true ? "yes" : j.significant === false ? "no" : "unknown");
    });
    expect(json.rows.map((j) => [j.p95_ms_before, j.p95_ms_after])).toEqual([[10, 10], [8, null], [5, 5], [null, 4], [37.7, 37.7], [37.7, 37.7]]);
  });

  it("the methods line names the result's cost and p95 methods", () => {
    expect(json.method).toMatch(/^bootstrap/);
    expect(page).toContain(`</table>\n<p class="sub">cost significance: ${json.method}; p95 significance: ${json.p95_method}</p>\n<h2>Charts: before and after</h2>`);
  });

  it("two report directories: every row's significance unknown, and the methods line says why", () => {
    const why = "unknown: a report on either side has no per-event values";
    expect(reports).toContain(`<p class="sub">cost significance: ${why}; p95 significance: ${why}</p>`);
    const rows = tableRows(reports, "diff");
    expect(rows.map((r) => r[6]!.text)).toEqual(["unknown", "unknown", "unknown", "unknown", "unknown", "unknown"]);
    // The figures are report.json's (12 significant digits): the same texts as from the spans.
    expect(rows.map((r) => r[4]!.text)).toEqual(["+100.0%", "-100.0%", "-25.0%", "+$0.0500", "0.0%", "+7.9%"]);
    expect(reports).toContain(`before: ${join(dir, "report-before")} (4 events, 16 spans, `);
  });
});

describe("diff --format html: charts and the sides' sections", () => {
  it("the charts in pairs by kind, each side's under its own heading; a chart one side lacks says so", () => {
    const p = pairs(page).slice(0, 4);
    // Both sides: cost by stage, latency, the suggested scenario's waterfall; only the after side
    // has a warehouse query (the rollup), so its queries chart comes last, paired with a note.
    expect(p.map((x) => [chartIds(x.before), chartIds(x.after)])).toEqual([
      [["before-cost-by-stage"], ["after-cost-by-stage"]],
      [["before-latency"], ["after-latency"]],
      [["before-savings-1"], ["after-savings-1"]],
      [[], ["after-queries"]],
    ]);
    expect(p[3]!.before).toBe('<p class="sub">Not in this side.</p>');
    expect(page.split("Not in this side.").length - 1).toBe(1);
    for (const x of p.slice(0, 3)) expect(x.before).toMatch(/^<figure class="chart" id="before-[^"]+" data-chart="[^"]+">\n<figcaption><h3>[^<]+<\/h3><\/figcaption>\n<svg[\s\S]*<\/svg>\n<\/figure>$/);
    expect(chartIds(page)).toEqual(["before-cost-by-stage", "after-cost-by-stage", "before-latency", "after-latency", "before-savings-1", "after-savings-1", "after-queries"]);
  });

  it("each pair of charts shares its value axis: the larger side's maximum, rounded out to a tick", () => {
    /** The value axis's tick labels: the texts before its title. */
    const ticks = (figure: string) => {
      const texts = [...figure.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
      return texts.slice(0, texts.findIndex((t) => t === "USD per 1M events" || t === "span duration (ms)"));
    };
    const p = pairs(page).slice(0, 3);
    for (const x of p) expect(ticks(x.before), chartIds(x.before)[0]).toEqual(ticks(x.after));
    // The savings waterfall starts at today's cost per event: $1.575 before, $1.70 after, so the
    // shared axis reaches 1,700,000 per 1M events, rounded out to the 200,000 ticks: 1,800,000
    // (the before side alone would stop at 1,600,000).
    expect(ticks(p[2]!.before).at(-1)).toBe("1,800,000.00");
    // Stage costs: request's $1 on both sides, 1,000,000 per 1M. Latency: request's p99, at
    // 0.99 · 3 = 2.97 between 36 and 38 ms, 36 + 0.97 · 2 = 37.94 ms, rounded out to the 5 ms ticks: 40.
    expect(ticks(p[0]!.before).at(-1)).toBe("1,000,000.00");
    expect(ticks(p[1]!.before).at(-1)).toBe("40");
  });

  it("the stage tables and data sections side by side: before's on the left, after's on the right", () => {
    const all = pairs(page);
    expect(all.length).toBe(6); // four chart pairs, the stage tables, the data sections
    const [stages, data] = [all[4]!, all[5]!];
    expect(page).toContain("<h2>Cost per event by stage</h2>\n<div class=\"pair\">");
    expect(page).toContain("<h2>Data</h2>\n<div class=\"pair\">");
    // Each side's breakdown by stage, costliest first; the total row last.
    const stageRows = (html: string) => tableRows(html, "stages").map((r) => [r[0]!.text, r[1]!.text]);
    expect(stageRows(stages.before)).toEqual([["request", "$1.00"], ["tracking", "$0.250"], ["delivery", "$0.200"], ["auction", "$0.125"], ["total", "$1.58"]]);
    expect(stageRows(stages.after)).toEqual([["request", "$1.00"], ["tracking", "$0.500"], ["delivery", "$0.150"], ["aggregation", "$0.0500"], ["total", "$1.70"]]);
    // The inputs, with the files' own sha256 computed here.
    for (const [side, file] of [[data.before, BEFORE], [data.after, AFTER]] as const) {
      const inputs = tableRows(side, "inputs");
      expect(inputs.map((r) => [r[0]!.text, r[1]!.data, r[2]!.text])).toEqual([[file, String(readFileSync(file).length), `<code>${sha256(file)}</code>`]]);
      expect(tableRows(side, "facts")[0]!.map((c) => c.text)).toEqual(["events", "4"]);
    }
  });
});

describe("diffHtml: a result built by hand over the two sides' report.json", () => {
  // Grouped by stage and a campaign attribute; labels, keys and breaches carry markup, which
  // must reach the page as text.
  const row = (over: Partial<DiffRow>): DiffRow => ({
    keys: {}, status: "changed", cost_per_event_before_usd: 0.002, cost_per_event_after_usd: 0.003, change_usd: 0.001, change_pct: 0.5,
    share_before: 0.5, share_after: 0.5, p95_ms_before: 10, p95_ms_after: 12, significant: "yes", ci95_low_usd: null, ci95_high_usd: null, p95_significant: "no", ...over,
  });
  const result = (breaches: DiffResult["breaches"]): DiffResult => ({
    by: parseGroupKeys("stage,attr:campaign"),
    gates: { maxStageIncrease: 0.1 },
    rows: [
      row({ keys: { stage: "auction", campaign: "c<1>" } }),
      // A group gone with a dollar change only (no percentage): the change shows in dollars, signed.
      row({ keys: { stage: "tracking", campaign: "x & y" }, status: "vanished", cost_per_event_after_usd: null, change_usd: -0.002, change_pct: null, significant: "no" }),
      // A tiny rise: 0.0004 is 0.04%, shown to one decimal as 0.0%, still an increase.
      row({ keys: { stage: "delivery", campaign: "d" }, change_pct: 0.0004, significant: "unknown" }),
      row({ keys: { stage: "total", campaign: "" }, status: "total", change_pct: 0.5, p95_ms_before: 1500, p95_ms_after: 0.5 }),
    ],
    breaches,
    baseline: { label: "b", kind: "report", events: 4, weights: null, pricing: null },
    current: { label: "a", kind: "report", events: 4, weights: null, pricing: null },
    method: "welch <t>",
    p95_method: "bootstrap & more",
  });

  it("two keys joined in the heading and the group cell; markup escaped everywhere", async () => {
    const html = await diffHtml(
      result([{ gate: "--max-stage-increase", row: "auction / c<1>", detail: "cost per event 50.0% up (limit 10.0%) <b>" }, { gate: "g2", row: "r2", detail: "d2" }]),
      { label: "main <b>&", doc: docBefore }, { label: 'pr "x"', doc: docAfter },
    );
    expect(html).toContain('<p class="sub">before: main &lt;b&gt;&amp; (4 events, 16 spans, ');
    expect(html).toContain('<br>after: pr &quot;x&quot; (4 events, 16 spans, ');
    expect(html).toContain("<h2>Change in cost per event by stage, campaign</h2>");
    // (0.003 − 0.002) / 0.002 = +50%; the total's p95 1500 ms (1.50 s) → 0.5 ms (two decimals below 10).
    expect(tableRows(html, "diff").map((r) => r.map((c) => c.text))).toEqual([
      ["auction / c&lt;1&gt;", "changed", "$0.00200", "$0.00300", "+50.0%", "10.0 ms → 12.0 ms", "yes"],
      ["tracking / x &amp; y", "vanished", "$0.00200", "–", "-$0.00200", "10.0 ms → 12.0 ms", "no"],
      ["delivery / d", "changed", "$0.00200", "$0.00300", "+0.0%", "10.0 ms → 12.0 ms", "unknown"],
      ["total / ", "total", "$0.00200", "$0.00300", "+50.0%", "1.50 s → 0.50 ms", "yes"],
    ]);
    expect(tableRows(html, "diff")[1]![4]!.data).toBeUndefined(); // no percentage, no data-value
    expect(html).toContain('<div class="verdict fail" data-verdict="fail">cost per event +50.0% (significant): 2 gates breached</div>\n<ul class="breaches">\n' +
      "<li>auction / c&lt;1&gt;: --max-stage-increase: cost per event 50.0% up (limit 10.0%) &lt;b&gt;</li>\n<li>r2: g2: d2</li>\n</ul>\n<h2>");
    expect(html).toContain('<p class="sub">cost significance: welch &lt;t&gt;; p95 significance: bootstrap &amp; more</p>');
  });

  it("the same result with no breach passes, and has no breaches list", async () => {
    const html = await diffHtml(result([]), { label: "b", doc: docBefore }, { label: "a", doc: docAfter });
    expect(html).toContain('\n<div class="verdict pass" data-verdict="pass">cost per event +50.0% (significant): no gate breached</div>\n<h2>Change in cost per event by stage, campaign</h2>\n');
    expect(html).not.toMatch(/breaches|\n\n/);
  });

  it("a chart only the before side has is paired with the note on the after side", async () => {
    // Swapped: the side with the warehouse query is now "before".
    const html = await diffHtml(result([]), { label: "a", doc: docAfter }, { label: "b", doc: docBefore });
    // Pairs in the before side's order: cost, latency, queries, savings-1.
    const all = pairs(html).slice(0, 4);
    expect(all.map((x) => chartIds(x.before))).toEqual([["before-cost-by-stage"], ["before-latency"], ["before-queries"], ["before-savings-1"]]);
    expect(all.map((x) => chartIds(x.after))).toEqual([["after-cost-by-stage"], ["after-latency"], [], ["after-savings-1"]]);
    expect(all[2]!.after).toBe('<p class="sub">Not in this side.</p>');
  });
});

describe("sharedScale: the largest value each chart's axis reaches on either side", () => {
  const group = (over: Partial<ReportDocGroup>): ReportDocGroup => ({
    stage: "s", events: 1, cost_per_event_usd: 0, cost_share: 0, compute_per_event_usd: 0, query_per_event_usd: 0, p50_ms: null, p95_ms: null, p99_ms: null, warehouse: null, ...over,
  });
  const doc = (groups: Partial<ReportDocGroup>[], queries: number[], headline: number): ReportDoc => ({
    breakdown: { groups: groups.map(group) }, queries: queries.map((cost_per_event_usd) => ({ cost_per_event_usd })), headline: { cost_per_event_usd: headline },
  }) as unknown as ReportDoc;

  it("each axis its own maximum over both sides; a missing percentile counts as 0", () => {
    const a = doc([{ cost_per_event_usd: 0.002, p50_ms: 10, p95_ms: 40, p99_ms: null }, { cost_per_event_usd: 0.004, p50_ms: 50, p95_ms: null, p99_ms: null }], [0.001], 0.006);
    const b = doc([{ cost_per_event_usd: 0.003, p50_ms: 12, p95_ms: 60, p99_ms: 80 }], [0.0025, 0.0005], 0.003);
    // cost max(0.002, 0.004, 0.003); latency max(10, 40, 50, 12, 60, 80); queries max(0.001, 0.0025, 0.0005); headline max(0.006, 0.003).
    expect(sharedScale([a, b])).toEqual({ costUsd: 0.004, latencyMs: 80, queryUsd: 0.0025, savingsUsd: 0.006 });
    // Only p99 on a side: it alone sets the latency axis; only p50: it does.
    expect(sharedScale([doc([{ p99_ms: 7 }], [], 0)]).latencyMs).toBe(7);
    expect(sharedScale([doc([{ p50_ms: 9 }], [], 0)]).latencyMs).toBe(9);
  });

  it("no values, negative values and non-finite ones leave an axis at 0 or its finite maximum", () => {
    expect(sharedScale([doc([], [], 0)])).toEqual({ costUsd: 0, latencyMs: 0, queryUsd: 0, savingsUsd: 0 });
    // Negative costs (credits) do not pull an axis below 0; NaN and Infinity are skipped.
    expect(sharedScale([doc([{ cost_per_event_usd: -1 }], [-2], -3)])).toEqual({ costUsd: 0, latencyMs: 0, queryUsd: 0, savingsUsd: 0 });
    expect(sharedScale([doc([{ cost_per_event_usd: Number.NaN, p95_ms: Infinity }, { cost_per_event_usd: 0.5, p95_ms: 3 }], [Infinity, 0.25], Number.NaN)]))
      .toEqual({ costUsd: 0.5, latencyMs: 3, queryUsd: 0.25, savingsUsd: 0 });
  });
});
