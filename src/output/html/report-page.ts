// report.html: the report bundle as one page for people — headline figures, the charts (static
// SVG), flags with their reasons and top query, the warehouse queries, the savings scenarios and
// the data the report was made from (inputs with sha256, events, sampling weights, config digest).
// Drawn from the report.json document, so every figure on the page is the one report.json holds.
import { formatBytes, formatCount, formatMs, formatShare, formatUsd } from "../units.js";
import { queryLabel, reportCharts, TOP_QUERIES, type Chart } from "./charts.js";
import type { ReportDoc } from "./doc.js";
import { esc, figure, page, table, type Cell } from "./page.js";

const usd = (v: number | null | undefined): Cell => ({ text: formatUsd(v), num: true, data: v ?? null });
const ms = (v: number | null | undefined): Cell => ({ text: formatMs(v), num: true, data: v ?? null });
const share = (v: number | null | undefined): Cell => ({ text: formatShare(v), num: true, data: v ?? null });
const count = (v: number | null | undefined): Cell => ({ text: formatCount(v), num: true, data: v ?? null });

/** The whole report.html for one report document. */
export async function reportHtml(doc: ReportDoc): Promise<string> {
  const charts = await reportCharts(doc);
  return page("adtrace cost report", [
    "<h1>adtrace cost report</h1>",
    `<p class="sub">${esc(subtitle(doc))}</p>`,
    headline(doc),
    "<h2>Charts</h2>",
    `<div class="charts">\n${charts.map(figure).join("\n")}\n</div>`,
    ...detailSections(doc),
  ].join("\n"));
}

export function subtitle(doc: ReportDoc): string {
  const range = doc.start ? `, ${doc.start} → ${doc.end}` : "";
  return `${formatCount(doc.events)} events, ${formatCount(doc.spans)} spans${range}; adtrace ${doc.adtrace_version}${doc.generated_at ? `; generated ${doc.generated_at}` : ""}`;
}

function headline(doc: ReportDoc): string {
  const h = doc.headline;
  const figures: [string, string, string][] = [
    ["cost-per-event", formatUsd(h.cost_per_event_usd), "per ad event"],
    ["cost-per-day", formatUsd(h.cost_per_day_usd), `per day at ${formatCount(doc.events_per_day)} events/day`],
    ["flagged", h.flagged_stages.length ? h.flagged_stages.join(", ") : "none", "warehouse-heavy stages"],
  ];
  if (h.top_saving) figures.push(["top-saving", `${formatUsd(h.top_saving.savings_per_day_usd)}/day`, `top saving: ${h.top_saving.lever} on ${h.top_saving.stage}`]);
  return `<div class="headline">\n${figures.map(([id, value, label]) => `<div class="figure" data-figure="${id}"><div class="value">${esc(value)}</div><div class="label">${esc(label)}</div></div>`).join("\n")}\n</div>`;
}

/** Everything below the charts: the tables a reader checks the charts against, then the data section. */
export function detailSections(doc: ReportDoc): string[] {
  return [
    "<h2>Cost per event by stage</h2>",
    stageTable(doc),
    "<h2>Warehouse-heavy stages</h2>",
    flagsHtml(doc),
    "<h2>Warehouse queries</h2>",
    queriesTable(doc),
    "<h2>Savings</h2>",
    savingsHtml(doc),
    "<h2>Data</h2>",
    dataSection(doc),
  ];
}

export function stageTable(doc: ReportDoc): string {
  const t = doc.breakdown.total;
  const rows: Cell[][] = doc.breakdown.groups.map((g) => [g.stage, usd(g.cost_per_event_usd), usd(g.query_per_event_usd), usd(g.compute_per_event_usd), share(g.cost_share), ms(g.p50_ms), ms(g.p95_ms), ms(g.p99_ms), g.warehouse ?? ""]);
  rows.push(["total", usd(t.cost_per_event_usd), usd(t.query_per_event_usd), usd(t.compute_per_event_usd), share(1), ms(t.e2e_p50_ms), ms(t.e2e_p95_ms), ms(t.e2e_p99_ms), ""]);
  return table(["stage", "$/event", "queries", "compute", "share", "p50", "p95", "p99", "warehouse"], rows, 'data-table="stages"') +
    '\n<p class="sub">Stage rows: span durations; total row: end-to-end per event.</p>';
}

function flagsHtml(doc: ReportDoc): string {
  if (!doc.flags.length) return "<p>None flagged.</p>";
  return doc.flags.map((f) => [
    `<div class="flag" data-flag="${esc(f.stage)}">`,
    `<h3>${esc(f.stage)}: ${esc(formatShare(f.cost_share))} of cost per event — lever: ${esc(f.lever)}, ≈ ${esc(formatUsd(f.est_savings_per_event_usd))}/event</h3>`,
    `<p class="reason">${esc(f.reason)}</p>`,
    f.top_query ? `<p>Top query${f.top_query_cost_share === null ? "" : ` (${esc(formatShare(f.top_query_cost_share))} of the stage's cost${f.warehouse ? `, ${esc(f.warehouse)}` : ""})`}: <code class="top-query">${esc(f.top_query)}</code></p>` : "",
    "</div>",
  ].filter(Boolean).join("\n")).join("\n");
}

function queriesTable(doc: ReportDoc): string {
  if (!doc.queries.length) return "<p>No warehouse queries.</p>";
  const rows: Cell[][] = doc.queries.slice(0, TOP_QUERIES).map((q, i) => [queryLabel(doc, i).split(" · ")[0]!, q.stage, q.warehouse, count(q.calls), usd(q.cost_per_event_usd), share(q.cost_share), { text: q.query, code: true }]);
  const more = doc.queries.length > TOP_QUERIES ? `\n<p class="sub">${doc.queries.length - TOP_QUERIES} more in queries.csv.</p>` : "";
  return table(["#", "stage", "warehouse", "calls", "$/event", "share", "query (fingerprint)"], rows, 'data-table="queries"') + more;
}

function savingsHtml(doc: ReportDoc): string {
  const rows: Cell[][] = doc.savings.rows.map((r) => [r.scenario, r.lever === "total" ? "total" : r.lever_label, r.stage, usd(r.cost_per_event_before_usd), usd(r.cost_per_event_after_usd), usd(r.savings_per_event_usd), usd(r.savings_per_day_usd)]);
  const assumptions = doc.savings.scenarios.flatMap((s) => (s.assumptions ?? []).map((a) => `<li>${esc(s.name)}: ${esc(a)}</li>`));
  return table(["scenario", "lever", "stage", "$/event before", "after", "saved / event", "saved / day"], rows, 'data-table="savings"') +
    (assumptions.length ? `\n<ul class="sub">\n${assumptions.join("\n")}\n</ul>` : "");
}

export function dataSection(doc: ReportDoc): string {
  const w = doc.breakdown.weights;
  // A ClickHouse source (report over clickhouse:// or chdb:) is its label, table, range and spans, not a file.
  const inputs = doc.inputs.every((i) => "sha256" in i)
    ? table(["input", "bytes", "sha256"], doc.inputs.map((i) => "sha256" in i ? [i.path, { text: formatBytes(i.bytes), num: true, data: i.bytes }, { text: i.sha256, code: true }] : []), 'data-table="inputs"')
    : table(["source", "table", "since", "until", "spans"], doc.inputs.map((i) => "table" in i ? [i.path, i.table, i.since ?? "–", i.until ?? "–", count(i.spans)] : []), 'data-table="inputs"');
  const facts: Cell[][] = [
    ["events", count(doc.events)],
    ["spans", count(doc.spans)],
    ["time range", doc.start ? `${doc.start} → ${doc.end}` : "–"],
    ["events per day (projections)", count(doc.events_per_day)],
    ["config", doc.config.source],
    ["config digest", { text: doc.config.digest, code: true }],
    ["adtrace", doc.adtrace_version],
  ];
  if (doc.generated_at) facts.push(["generated at", doc.generated_at]);
  const weights: Cell[][] = w ? [
    ["weighted", w.weighted ? "yes" : "no (--unweighted: raw figures)"],
    ["stored traces", count(w.stored_traces)],
    ["estimated events", count(w.estimated_events)],
    ["stored spans", count(w.stored_spans)],
    ["estimated spans", count(w.estimated_spans)],
    ["spans of unknown weight", count(w.unknown_weight_spans)],
    ["weight assumed for them", count(w.assumed_weight)],
    ["traces whose spans disagree on weight", count(w.disagreeing_traces)],
  ] : [["weights", "not in this report"]];
  return [inputs, table(["", ""], facts, 'data-table="facts"'), "<h3>Sampling weights</h3>", table(["", ""], weights, 'data-table="weights"')].join("\n");
}

export type { Chart };

/** A rendered bundle (renderBundle's files) with its report.html, drawn from its report.json text. */
export async function withReportHtml(files: Record<string, string>): Promise<Record<string, string>> {
  return { ...files, "report.html": await reportHtml(JSON.parse(files["report.json"]!) as ReportDoc) };
}
