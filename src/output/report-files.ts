// The files of a report bundle, rendered from ReportData with the same presenters and
// formatters the commands use, so each CSV has exactly the command's columns and every number
// the commands' 12 significant digits (machineNumber): a report must be byte-stable.
import type { ReportData } from "../analysis/report.js";
import { breakdownView, pricingJson, pricingNotes, queriesView } from "./cost-views.js";
import { flagsView, onPathSampled, savingsView, scenarioJson } from "./decision-views.js";
import { formatters, jsonDocument, mdText } from "./format.js";
import { formatCount, formatShare, formatUsd } from "./units.js";
import { Chalk } from "chalk";
import { stripControl } from "./text.js";
import { sloView } from "./slo-view.js";
import { piiVerdict, piiView } from "./pii-view.js";

const plain = { colors: new Chalk({ level: 0 }) };

export function reportViews(data: ReportData) {
  const label = data.inputs.map((i) => i.path).join(", ");
  return {
    breakdown: breakdownView(data.breakdown, { config: data.config.source, label }),
    queries: queriesView({ queries: data.queries, totals: data.breakdown.totals, pricing: data.breakdown.pricing }),
    flags: flagsView(data.flags, { label }),
    savings: savingsView(data.savings),
  };
}

export function reportJson(data: ReportData): unknown {
  const views = reportViews(data);
  const { breakdown: _b, queries: _q, flags: _f, savings: _s, slos, pii, ...meta } = data;
  return {
    ...meta,
    ...pricingJson(data.breakdown.pricing),
    breakdown: views.breakdown.json,
    queries: data.queries,
    flags: data.flags.flags,
    ...(onPathSampled(data.flags.on_path_sample) ? { flags_on_path_sample: data.flags.on_path_sample } : {}),
    savings: { rows: data.savings.rows, scenarios: data.savings.scenarios.map(scenarioJson), interval_method: data.savings.interval_method },
    ...(slos ? { slos: slos.rows } : {}),
    pii: piiView(pii).json,
  };
}

/** The bundle's files; `rawCsv` turns off the spreadsheet-formula guard in the CSVs, as for the commands. */
export function renderBundle(data: ReportData, options: { rawCsv?: boolean } = {}): Record<string, string> {
  const views = reportViews(data);
  const csv = { ...plain, rawCsv: options.rawCsv };
  return {
    "breakdown.csv": formatters.csv(views.breakdown, csv),
    "queries.csv": formatters.csv(views.queries, csv),
    "flags.csv": formatters.csv(views.flags, csv),
    "savings.csv": formatters.csv(views.savings, csv),
    ...(data.slos ? { "slos.csv": formatters.csv(sloView(data.slos), csv) } : {}),
    "pii.csv": formatters.csv(piiView(data.pii), csv),
    "report.json": jsonDocument(reportJson(data)),
    "summary.md": summaryMarkdown(data, views),
  };
}

function summaryMarkdown(data: ReportData, views: ReturnType<typeof reportViews>): string {
  const h = data.headline;
  // The pricing notes are the same under every table: shown once, under the breakdown.
  const pricing = new Set(pricingNotes(data.breakdown.pricing));
  const flagsNotes = views.flags.notes?.filter((n) => !pricing.has(n));
  const savingsNotes = views.savings.notes?.filter((n) => !pricing.has(n));
  const top = h.top_saving;
  const lines = [
    "## adtrace cost report",
    "",
    `**${formatUsd(h.cost_per_event_usd)} per ad event** · ${formatUsd(h.cost_per_day_usd)}/day at ${formatCount(data.events_per_day)} events/day · ` +
      `${h.flagged_stages.length ? `warehouse-heavy: **${h.flagged_stages.map(mdText).join(", ")}**` : "no warehouse-heavy stage"}` +
      (top ? ` · top saving: ${mdText(top.lever)} on ${mdText(top.stage)} ≈ **${formatUsd(top.savings_per_day_usd)}/day**` : ""),
    "",
    `<sub>${formatCount(data.events)} events, ${formatCount(data.spans)} spans${data.start ? `, ${data.start} → ${data.end}` : ""}; config ${mdText(data.config.source)} (${data.config.digest}); adtrace ${data.adtrace_version}</sub>`,
    "",
    "### Cost per event by stage",
    "",
    formatters.md({ ...views.breakdown, heading: [] }, plain).trimEnd(),
    "",
    ...costPie(data),
    "### Warehouse-heavy stages",
    "",
    views.flags.rows.length ? formatters.md({ ...views.flags, heading: [], notes: flagsNotes }, plain).trimEnd() : "_None flagged._",
    "",
    "### Savings",
    "",
    formatters.md({ ...views.savings, heading: views.savings.heading?.slice(1), notes: savingsNotes }, plain).trimEnd(),
    "",
    ...(data.slos ? ["### SLOs", "", formatters.md({ ...sloView(data.slos), heading: [] }, plain).trimEnd(), ""] : []),
    "### Personal data",
    "",
    `${mdText(piiVerdict(data.pii))}${data.pii.rows.length ? " Examples are redacted; values are never printed (adtrace audit pii)." : ""}`,
    "",
    ...(data.pii.rows.length ? [formatters.md((({ rows, ...view }) => ({ ...view, rows: rows.slice(0, 20), heading: [], notes: [] }))(piiView(data.pii)), plain).trimEnd(), ""] : []),
    "### Top warehouse queries",
    "",
    views.queries.rows.length ? formatters.md({ ...views.queries, rows: views.queries.rows.slice(0, 10), heading: [], notes: [] }, plain).trimEnd() : "_No warehouse queries._",
    "",
  ];
  void formatShare;
  // Ends with a blank line, so that whatever is appended after it (a diff, as in the CI recipe)
  // starts a block of its own instead of continuing the last table.
  return lines.join("\n") + "\n";
}

/**
 * A Mermaid pie of cost by stage (GitHub renders it in step summaries and PR comments), in USD
 * per million events with two decimals, as Mermaid's pie documents its values; stages whose cost
 * rounds to 0 are left out (a pie slice must be positive). No lines when no stage has a cost.
 */
export function costPie(data: ReportData): string[] {
  const slices = data.breakdown.groups
    .map((g) => ({ label: Object.values(g.keys).join(" / "), value: (g.cost_per_event_usd * 1e6).toFixed(2) }))
    .filter((s) => Number(s.value) > 0);
  if (slices.length === 0) return [];
  const label = (text: string) => stripControl(text).replace(/#/g, "#35;").replace(/"/g, "#quot;");
  return [
    "```mermaid",
    "pie showData",
    "    title Cost per 1M events by stage (USD)",
    ...slices.map((s) => `    "${label(s.label)}" : ${s.value}`),
    "```",
    "",
  ];
}
