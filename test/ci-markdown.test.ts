// Markdown that renders where CI puts it (issue 21, part 2): summary.md followed by
// `diff --format md`, appended one after the other as the CI recipe does, parsed with a
// CommonMark/GFM parser (markdown-it): the tables stay tables, the headings headings, the Mermaid
// pie holds the fixture's hand-worked cost per stage; and `diff --only-increases`.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import MarkdownIt from "markdown-it";
import type Token from "markdown-it/lib/token.mjs";
import { beforeAll, describe, expect, it } from "vitest";
import { FIXTURE } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";
import { EVENTS, PER_EVENT, STAGE_TOTAL } from "./helpers/hand.js";
import { repriced } from "./helpers/repriced.js";

const dir = mkdtempSync(join(tmpdir(), "adtrace-md-"));
const base = join(dir, "base");
const current = join(dir, "current");
/** The fixture with aggregation's `aggregator.rollup.compute` at cost.usd 0.00012 instead of 0.00002. */
const pricier = join(dir, "pricier.jsonl");
const RISE = 0.0001; // per event: one rollup span per event, 0.0001 dearer

beforeAll(async () => {
  writeFileSync(pricier, repriced("aggregator.rollup.compute", "0.00012"));
  expect((await adtraceIn(["report", `${FIXTURE}/otlp.jsonl`, "--out-dir", base, "--no-timestamp", "-q"])).code).toBe(0);
  expect((await adtraceIn(["report", pricier, "--out-dir", current, "--no-timestamp", "-q"])).code).toBe(0);
});

const md = new MarkdownIt();

/** Each table's header cells and body rows (as cell texts), in order. */
function tables(tokens: Token[]): { header: string[]; rows: string[][] }[] {
  const out: { header: string[]; rows: string[][] }[] = [];
  let row: string[] | undefined;
  let inHead = false;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === "table_open") out.push({ header: [], rows: [] });
    else if (t.type === "thead_open") inHead = true;
    else if (t.type === "thead_close") inHead = false;
    else if (t.type === "tr_open") row = [];
    else if (t.type === "tr_close") {
      if (inHead) out[out.length - 1]!.header = row!;
      else out[out.length - 1]!.rows.push(row!);
    } else if (t.type === "inline" && row && (tokens[i - 1]!.type === "th_open" || tokens[i - 1]!.type === "td_open")) {
      row.push(t.content.replace(/\*\*/g, ""));
    }
  }
  return out;
}

function headings(tokens: Token[]): string[] {
  return tokens.flatMap((t, i) => (t.type === "heading_open" ? [`${t.tag} ${tokens[i + 1]!.content}`] : []));
}

describe("summary.md then diff --format md, appended", () => {
  it("renders as two documents: their headings, five tables, the diff's rows, the verdict", async () => {
    const summary = readFileSync(join(base, "summary.md"), "utf8");
    expect(summary.endsWith("\n\n")).toBe(true); // a blank line last: what is appended starts a block of its own
    const diff = await adtraceIn(["diff", base, current, "--max-cost-increase", "5%", "--max-stage-increase", "10%", "--format", "md"]);
    expect(diff.code).toBe(1);
    const tokens = md.parse(summary + diff.stdout, {});
    expect(headings(tokens)).toEqual([
      "h2 adtrace cost report",
      "h3 Cost per event by stage",
      "h3 Warehouse-heavy stages",
      "h3 Savings",
      "h3 Personal data",
      "h3 Top warehouse queries",
      "h2 adtrace diff: cost per event by stage",
    ]);
    const all = tables(tokens);
    expect(all).toHaveLength(5);
    // The breakdown, flags, savings and queries tables keep their own rows (7 stages + total; 2 flagged; …).
    expect(all[0]!.header[0]).toBe("stage");
    expect(all[0]!.rows.map((r) => r[0])).toEqual(["aggregation", "tracking", "inventory_lookup", "auction", "delivery", "profiling", "request", "total"]);
    expect(all[1]!.rows.map((r) => r[0])).toEqual(["aggregation", "tracking"]);
    expect(all[3]!.rows).toHaveLength(2);
    // The diff's table: 7 stages and the total; no line of the diff's text became a table row.
    const d = all[4]!;
    expect(d.header.slice(0, 3)).toEqual(["stage", "$/ev before", "after"]);
    expect(d.rows).toHaveLength(8);
    expect(d.rows[0]![0]).toBe("aggregation");
    expect(d.rows[7]![0]).toBe("total");
    for (const r of d.rows) expect(r).toHaveLength(d.header.length);
    // The verdict: +0.0001 on $0.00100723… per event = +9.93%; both sides reports, so no test;
    // the total gate (5%) and aggregation's stage gate (+22.7% > 10%) breached.
    const pct = ((RISE / PER_EVENT) * 100).toFixed(1);
    expect(pct).toBe("9.9");
    const diffHeading = tokens.findIndex((t, i) => t.type === "heading_open" && tokens[i + 1]!.content.startsWith("adtrace diff"));
    // The verdict is the paragraph right after the heading: heading_open, inline, heading_close, paragraph_open, inline.
    expect(tokens[diffHeading + 3]!.type).toBe("paragraph_open");
    expect(tokens[diffHeading + 4]!.content).toBe(`**cost per event +${pct}% (significance unknown: a report on either side has no per-event values): 2 gates breached**`);
  });

  it("the Mermaid pie holds the hand-worked cost per stage, in USD per million events", () => {
    const summary = readFileSync(join(base, "summary.md"), "utf8");
    const fences = md.parse(summary, {}).filter((t) => t.type === "fence" && t.info === "mermaid");
    expect(fences).toHaveLength(1);
    const lines = fences[0]!.content.trimEnd().split("\n");
    expect(lines[0]).toBe("pie showData");
    const slices = Object.fromEntries(lines.slice(2).map((l) => { const m = /^ {4}"([^"]+)" : (\d+\.\d\d)$/.exec(l)!; return [m[1], m[2]]; }));
    const expected = Object.fromEntries(Object.entries(STAGE_TOTAL).map(([stage, total]) => [stage, ((total / EVENTS) * 1e6).toFixed(2)]));
    expect(slices).toEqual(expected);
    expect(slices.aggregation).toBe("439.70"); // 0.000439701108940972… × 10^6
    expect(slices.tracking).toBe("357.53");
  });

  it("span data on both sides: the verdict says significant", async () => {
    const r = await adtraceIn(["diff", `${FIXTURE}/otlp.jsonl`, pricier, "--format", "md"]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").slice(0, 3)).toEqual([
      "## adtrace diff: cost per event by stage",
      "",
      `**cost per event +${((RISE / PER_EVENT) * 100).toFixed(1)}% (significant): no gate set**`,
    ]);
  });
});

describe("diff --only-increases", () => {
  it("keeps the rows that rose and the total", async () => {
    const r = await adtraceIn(["diff", base, current, "--only-increases", "--format", "csv"]);
    expect(r.code).toBe(0);
    const rows = r.stdout.trim().split("\r\n").slice(1).map((l) => l.split(",")[0]);
    expect(rows).toEqual(["aggregation", "total"]);
  });

  it("nothing rose (the same data; or cheaper): exit 0, empty stdout, even with gates", async () => {
    for (const [a, b] of [[base, base], [current, base]] as const) {
      const r = await adtraceIn(["diff", a, b, "--only-increases", "--max-cost-increase", "5%", "--max-stage-increase", "10%", "--format", "md"]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe("");
    }
    // The html page likewise: no file, a note saying why.
    const page = join(mkdtempSync(join(tmpdir(), "adtrace-only-")), "diff.html");
    const html = await adtraceIn(["diff", current, base, "--only-increases", "--format", "html", "--out", page]);
    expect(html.code, html.stderr).toBe(0);
    expect(existsSync(page)).toBe(false);
    expect(html.stderr).toMatch(/nothing rose, so nothing was written/);
    // Without the flag the cheaper side still prints every row.
    expect((await adtraceIn(["diff", current, base, "--format", "csv"])).stdout.trim().split("\r\n")).toHaveLength(1 + 8);
  });
});
