// Charts as static SVG, rendered at report time: each chart is a Vega-Lite spec compiled to Vega
// and drawn by Vega's headless view (renderer "none", toSVG), so the page needs no script, font
// or network to show it. Vega measures text without a canvas by its own estimate, so the same
// data gives the same bytes on every run. Values reach here already at 12 significant digits
// (the report.json document), which keeps thread counts from changing a single coordinate.
import type { ReportDoc } from "./doc.js";

/** One chart of a page: its title (also in the SVG), a stable id, and the SVG markup. */
export interface Chart {
  id: string;
  title: string;
  svg: string;
}

/** Where each chart's value axis ends (raw units: USD per event, ms), when two pages must compare. */
export interface ChartScale {
  costUsd: number;
  latencyMs: number;
  queryUsd: number;
  savingsUsd: number;
}

/** A Vega-Lite spec, as plain JSON (the charts use only data values, marks, encodings and transforms). */
type Spec = Record<string, unknown>;

// USD per event is a tiny number (0.000440); the charts show USD per million events, as the
// Markdown summary's Mermaid pie does.
const PER_MILLION = 1e6;
const WIDTH = 440;
const BAR_STEP = 22;
const COLORS = { query: "#c2410c", compute: "#2563eb", p50: "#93c5fd", p95: "#3b82f6", p99: "#1e3a8a", down: "#15803d", total: "#475569" };

const CONFIG = {
  background: "white",
  font: "Helvetica, Arial, sans-serif",
  title: { anchor: "start", fontSize: 14, fontWeight: "bold", offset: 10 },
  axis: { labelFontSize: 11, titleFontSize: 11, labelLimit: 320, gridColor: "#e5e7eb" },
  legend: { labelFontSize: 11, titleFontSize: 11, orient: "bottom", direction: "horizontal" },
  view: { stroke: null },
};

/** A value scale from 0 to `max` (rounded out to nice ticks), or the data's own when not given. */
const domain = (max: number | undefined) => (max === undefined || !(max > 0) ? {} : { domain: [0, max], nice: true });
const perMillion = (usd: number | null | undefined) => Number(((usd ?? 0) * PER_MILLION).toPrecision(12));
const usdAxis = { title: "USD per 1M events", format: ",.2f" };

/** Cost per event by stage, one stacked bar per stage: warehouse queries and compute. */
export function costByStageSpec(doc: ReportDoc, scale?: ChartScale): Spec {
  const values = doc.breakdown.groups.flatMap((g) => [
    { stage: g.stage, part: "query", usd: perMillion(g.query_per_event_usd), order: 0, total: perMillion(g.cost_per_event_usd) },
    { stage: g.stage, part: "compute", usd: perMillion(g.compute_per_event_usd), order: 1, total: perMillion(g.cost_per_event_usd) },
  ]);
  return {
    data: { values },
    mark: { type: "bar" },
    height: { step: BAR_STEP },
    encoding: {
      y: { field: "stage", type: "nominal", title: null, sort: { field: "total", order: "descending" } },
      x: { field: "usd", type: "quantitative", stack: "zero", axis: usdAxis, scale: domain(scale && perMillion(scale.costUsd)) },
      color: { field: "part", type: "nominal", title: "cost", scale: { domain: ["query", "compute"], range: [COLORS.query, COLORS.compute] } },
      order: { field: "order" },
      tooltip: null,
    },
  };
}

/** Span latency p50, p95 and p99 by stage, side by side. */
export function latencySpec(doc: ReportDoc, scale?: ChartScale): Spec {
  const values = doc.breakdown.groups.flatMap((g) =>
    (["p50", "p95", "p99"] as const).map((p) => ({ stage: g.stage, percentile: p, ms: g[`${p}_ms`] ?? 0 })),
  );
  return {
    data: { values },
    mark: { type: "bar" },
    height: { step: 10 },
    encoding: {
      y: { field: "stage", type: "nominal", title: null, sort: { field: "ms", op: "max", order: "descending" } },
      yOffset: { field: "percentile", type: "nominal", sort: ["p50", "p95", "p99"] },
      x: { field: "ms", type: "quantitative", axis: { title: "span duration (ms)", format: ",~r" }, scale: domain(scale?.latencyMs) },
      color: { field: "percentile", type: "nominal", title: "percentile", scale: { domain: ["p50", "p95", "p99"], range: [COLORS.p50, COLORS.p95, COLORS.p99] } },
    },
  };
}

/** How many queries the chart shows; the page's table lists the same ones with their text. */
export const TOP_QUERIES = 10;

/** The labels the queries chart and table share: Q1 is the costliest warehouse query. */
export function queryLabel(doc: ReportDoc, index: number): string {
  const q = doc.queries[index]!;
  return `Q${index + 1} · ${q.stage} (${q.warehouse})`;
}

/** Warehouse queries by cost per event, costliest first. */
export function queriesSpec(doc: ReportDoc, scale?: ChartScale): Spec {
  const values = doc.queries.slice(0, TOP_QUERIES).map((q, i) => ({ query: queryLabel(doc, i), rank: i, usd: perMillion(q.cost_per_event_usd) }));
  return {
    data: { values },
    mark: { type: "bar", color: COLORS.query },
    height: { step: BAR_STEP },
    encoding: {
      y: { field: "query", type: "nominal", title: null, sort: { field: "rank", order: "ascending" } },
      x: { field: "usd", type: "quantitative", axis: usdAxis, scale: domain(scale && perMillion(scale.queryUsd)) },
    },
  };
}

/**
 * One scenario's savings as a waterfall: today's cost per event, one step down per lever, and
 * the cost per event after the scenario (its total row).
 */
export function waterfallSpec(doc: ReportDoc, scenario: string, scale?: ChartScale): Spec {
  const rows = doc.savings.rows.filter((r) => r.scenario === scenario);
  const total = rows.find((r) => r.lever === "total");
  const start = perMillion(doc.headline.cost_per_event_usd);
  const values: Record<string, unknown>[] = [{ step: "today", rank: 0, from: 0, to: start, end: start, kind: "total", label: amount(start) }];
  let level = start;
  rows.filter((r) => r.lever !== "total").forEach((r, i) => {
    const saved = perMillion(r.savings_per_event_usd);
    const next = Number((level - saved).toPrecision(12));
    values.push({ step: `${r.lever_label} · ${r.stage}`, rank: i + 1, from: level, to: next, end: level, kind: "saving", label: `−${amount(saved)}` });
    level = next;
  });
  const end = total ? perMillion(total.cost_per_event_after_usd) : level;
  values.push({ step: "after", rank: values.length, from: 0, to: end, end, kind: "total", label: amount(end) });
  return {
    data: { values },
    height: { step: BAR_STEP },
    encoding: {
      y: { field: "step", type: "nominal", title: null, sort: { field: "rank", order: "ascending" } },
    },
    layer: [
      {
        mark: { type: "bar" },
        encoding: {
          x: { field: "from", type: "quantitative", axis: usdAxis, scale: domain(scale && perMillion(scale.savingsUsd)) },
          x2: { field: "to" },
          color: { field: "kind", type: "nominal", legend: null, scale: { domain: ["total", "saving"], range: [COLORS.total, COLORS.down] } },
        },
      },
      {
        mark: { type: "text", align: "left", dx: 4, fontSize: 10 },
        encoding: {
          x: { field: "end", type: "quantitative" },
          text: { field: "label", type: "nominal" },
        },
      },
    ],
  };
}

/** A USD-per-million amount as the axes print it: two decimals, thousands separated. */
function amount(value: number): string {
  const [whole, cents] = Math.abs(value).toFixed(2).split(".");
  return `${whole!.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${cents}`;
}

/** Render a spec (with its title) to SVG through Vega-Lite and Vega's headless view. */
export async function renderChart(id: string, title: string, spec: Spec): Promise<Chart> {
  const [vega, vegaLite] = await Promise.all([import("vega"), import("vega-lite")]);
  // The title is the figure's caption on the page and the SVG's own <title> (read by screen
  // readers and shown when the SVG is opened alone); it is not drawn a second time.
  const full = { ...spec, width: WIDTH, config: CONFIG, description: title };
  const compiled = vegaLite.compile(full as unknown as Parameters<typeof vegaLite.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none", logLevel: vega.Error });
  try {
    const svg = (await view.toSVG()).replace(/^<svg[^>]*>/, (open) => `${open}<title>${escapeXml(title)}</title>`);
    return { id, title, svg };
  } finally {
    view.finalize();
  }
}

/** The report's charts, in page order: cost, latency, queries, then one waterfall per scenario. */
export async function reportCharts(doc: ReportDoc, idPrefix = "", scale?: ChartScale): Promise<Chart[]> {
  const charts: (() => Promise<Chart>)[] = [
    () => renderChart(`${idPrefix}cost-by-stage`, "Cost per event by stage: warehouse queries and compute", costByStageSpec(doc, scale)),
    () => renderChart(`${idPrefix}latency`, "Span latency by stage: p50, p95, p99", latencySpec(doc, scale)),
  ];
  if (doc.queries.length) charts.push(() => renderChart(`${idPrefix}queries`, `Warehouse queries by cost per event${doc.queries.length > TOP_QUERIES ? ` (top ${TOP_QUERIES})` : ""}`, queriesSpec(doc, scale)));
  doc.savings.scenarios.forEach((s, i) => {
    charts.push(() => renderChart(`${idPrefix}savings-${i + 1}`, `Savings, scenario “${s.name}”: cost per event from today to after`, waterfallSpec(doc, s.name, scale)));
  });
  // Rendered one after the other: the order of the SVGs' internal ids must not depend on timing.
  const out: Chart[] = [];
  for (const chart of charts) out.push(await chart());
  return out;
}

function escapeXml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
