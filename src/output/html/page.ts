// The shell every HTML page shares: one self-contained document with inline CSS and inline SVG,
// and a Content-Security-Policy that allows no script and no request of any kind, so the page
// reads the same from a CI artifact, an e-mail attachment or a file:// URL with no network.
import { stripControl } from "../text.js";
import type { Chart } from "./charts.js";

/** Text for HTML content and attribute values: control characters dropped, markup escaped. */
export function esc(text: unknown): string {
  return stripControl(String(text ?? ""))
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

// default-src 'none' forbids every fetch (images, fonts, frames, connections); inline styles are
// the only thing allowed, and no script runs at all.
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const CSS = `
:root { color-scheme: light; }
body { font: 14px/1.45 Helvetica, Arial, sans-serif; color: #111827; margin: 0; background: #f8fafc; }
main { max-width: 1240px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 17px; margin: 32px 0 10px; border-bottom: 1px solid #e5e7eb; padding-bottom: 4px; }
h3 { font-size: 14px; margin: 0 0 6px; }
.sub { color: #4b5563; font-size: 12px; }
.headline { display: flex; flex-wrap: wrap; gap: 12px; margin: 16px 0; }
.figure { background: white; border: 1px solid #e5e7eb; border-radius: 6px; padding: 10px 14px; min-width: 150px; }
.figure .value { font-size: 20px; font-weight: bold; }
.figure .label { color: #4b5563; font-size: 12px; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 16px; }
figure.chart { background: white; border: 1px solid #e5e7eb; border-radius: 6px; margin: 0; padding: 12px; overflow-x: auto; }
figure.chart svg { display: block; max-width: 100%; height: auto; }
.pair { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 16px; }
.pair > div > h3 { color: #4b5563; }
table { border-collapse: collapse; background: white; margin: 6px 0 12px; font-size: 13px; }
th, td { border: 1px solid #e5e7eb; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f1f5f9; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
code, .mono { font-family: Menlo, Consolas, monospace; font-size: 12px; word-break: break-all; }
.verdict { font-size: 16px; font-weight: bold; padding: 10px 14px; border-radius: 6px; margin: 12px 0; }
.verdict.pass { background: #dcfce7; color: #14532d; }
.verdict.fail { background: #fee2e2; color: #7f1d1d; }
.flag { background: white; border: 1px solid #e5e7eb; border-left: 4px solid #c2410c; border-radius: 4px; padding: 8px 12px; margin: 8px 0; }
`;

/** A whole page: `title` in the tab, `body` already escaped markup. */
export function page(title: string, body: string): string {
  return [
    "<!doctype html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="generator" content="adtrace">',
    `<title>${esc(title)}</title>`,
    `<style>${CSS}</style>`,
    "</head>",
    "<body>",
    "<main>",
    body,
    "</main>",
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

/** A chart as a figure: its title as a heading (the SVG carries it too) and the inline SVG. */
export function figure(chart: Chart): string {
  return `<figure class="chart" id="${esc(chart.id)}" data-chart="${esc(chart.id)}">\n<figcaption><h3>${esc(chart.title)}</h3></figcaption>\n${chart.svg}\n</figure>`;
}

/** A table: header cells and rows of cells, each cell either text or { text, num } for a right-aligned number. */
export type Cell = string | number | null | { text: string; num?: boolean; code?: boolean; data?: number | string | null };

/** `attrs` names the table (`data-table="stages"`), so that a tool or a test can find it: every caller gives one. */
export function table(head: string[], rows: Cell[][], attrs: string): string {
  const cell = (c: Cell) => {
    if (c === null || typeof c !== "object") return `<td>${esc(c ?? "")}</td>`;
    const data = c.data === undefined || c.data === null ? "" : ` data-value="${esc(c.data)}"`;
    const inner = c.code ? `<code>${esc(c.text)}</code>` : esc(c.text);
    return `<td${c.num ? ' class="num"' : ""}${data}>${inner}</td>`;
  };
  return [
    `<table ${attrs}>`,
    `<thead><tr>${head.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead>`,
    "<tbody>",
    ...rows.map((r) => `<tr>${r.map(cell).join("")}</tr>`),
    "</tbody>",
    "</table>",
  ].join("\n");
}
