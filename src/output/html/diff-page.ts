// The before/after page of `diff --format html`: the gate verdict on top, the per-group change,
// then each of report.html's charts for the baseline and the current run side by side (on a
// shared scale, so bar lengths compare across the pair), and both sides' data sections.
import type { DiffResult } from "../../analysis/diff.js";
import { keyName } from "../../analysis/breakdown.js";
import { diffVerdict } from "../diff-view.js";
import { formatMs, formatShare, formatUsd } from "../units.js";
import { reportCharts, type Chart, type ChartScale } from "./charts.js";
import type { ReportDoc } from "./doc.js";
import { esc, figure, page, table, type Cell } from "./page.js";
import { dataSection, stageTable, subtitle } from "./report-page.js";

export interface DiffSideDoc {
  label: string;
  doc: ReportDoc;
}

export async function diffHtml(result: DiffResult, before: DiffSideDoc, after: DiffSideDoc): Promise<string> {
  const scale = sharedScale([before.doc, after.doc]);
  const chartsBefore = await reportCharts(before.doc, "before-", scale);
  const chartsAfter = await reportCharts(after.doc, "after-", scale);
  const breached = result.breaches.length > 0;
  return page("adtrace diff", [
    "<h1>adtrace diff: before → after</h1>",
    `<p class="sub">before: ${esc(before.label)} (${esc(subtitle(before.doc))})<br>after: ${esc(after.label)} (${esc(subtitle(after.doc))})</p>`,
    `<div class="verdict ${breached ? "fail" : "pass"}" data-verdict="${breached ? "fail" : "pass"}">${esc(diffVerdict(result))}</div>`,
    breached ? `<ul class="breaches">\n${result.breaches.map((b) => `<li>${esc(b.row)}: ${esc(b.gate)}: ${esc(b.detail)}</li>`).join("\n")}\n</ul>` : "",
    `<h2>Change in cost per event by ${esc(result.by.map(keyName).join(", "))}</h2>`,
    changeTable(result),
    `<p class="sub">cost significance: ${esc(result.method)}; p95 significance: ${esc(result.p95_method)}</p>`,
    "<h2>Charts: before and after</h2>",
    ...pairs(chartsBefore, chartsAfter),
    "<h2>Cost per event by stage</h2>",
    side(stageTable(before.doc), stageTable(after.doc)),
    "<h2>Data</h2>",
    side(dataSection(before.doc), dataSection(after.doc)),
  ].filter(Boolean).join("\n"));
}

/** The charts paired by kind (cost, latency, queries, savings scenarios); a chart one side lacks shows as absent. */
function pairs(before: Chart[], after: Chart[]): string[] {
  const kind = (c: Chart) => c.id.replace(/^(before|after)-/, "");
  const kinds = [...new Set([...before.map(kind), ...after.map(kind)])];
  return kinds.map((k) => {
    const b = before.find((c) => kind(c) === k);
    const a = after.find((c) => kind(c) === k);
    const cell = (chart: Chart | undefined) => (chart ? figure(chart) : '<p class="sub">Not in this side.</p>');
    return side(cell(b), cell(a));
  });
}

function side(before: string, after: string): string {
  return `<div class="pair">\n<div data-side="before"><h3>before</h3>\n${before}\n</div>\n<div data-side="after"><h3>after</h3>\n${after}\n</div>\n</div>`;
}

function changeTable(result: DiffResult): string {
  const rows: Cell[][] = result.rows.map((r) => [
    Object.values(r.keys).join(" / "),
    r.status,
    { text: formatUsd(r.cost_per_event_before_usd), num: true, data: r.cost_per_event_before_usd },
    { text: formatUsd(r.cost_per_event_after_usd), num: true, data: r.cost_per_event_after_usd },
    { text: `${(r.change_pct ?? r.change_usd) > 0 ? "+" : ""}${r.change_pct === null ? formatUsd(r.change_usd) : formatShare(r.change_pct)}`, num: true, data: r.change_pct },
    { text: `${formatMs(r.p95_ms_before)} → ${formatMs(r.p95_ms_after)}`, num: true },
    r.significant, // "yes", "no" or "unknown" (booleans are the machine formats', diff-view.ts)
  ]);
  return table(["group", "status", "$/event before", "after", "change", "p95", "significant"], rows, 'data-table="diff"');
}

/** The largest value each chart's axis must reach on either side. */
export function sharedScale(docs: ReportDoc[]): ChartScale {
  const max = (values: number[]) => Math.max(0, ...values.filter(Number.isFinite));
  return {
    costUsd: max(docs.flatMap((d) => d.breakdown.groups.map((g) => g.cost_per_event_usd))),
    latencyMs: max(docs.flatMap((d) => d.breakdown.groups.flatMap((g) => [g.p50_ms ?? 0, g.p95_ms ?? 0, g.p99_ms ?? 0]))),
    queryUsd: max(docs.flatMap((d) => d.queries.map((q) => q.cost_per_event_usd))),
    savingsUsd: max(docs.map((d) => d.headline.cost_per_event_usd)),
  };
}
