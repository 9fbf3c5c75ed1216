// `diff --format html`: the diff as a before/after page (src/output/html/diff-page.ts). Each side
// is read a second time as a whole report (charts need more than the diff's per-group rows; a
// ClickHouse side as `adtrace report` over its window would read it, its breakdown by stage the one
// the diff's session brought back when the diff grouped by stage), then the page goes to --out
// (atomically) or stdout.
import type { DiffResult } from "../analysis/diff.js";
import type { AnalysisOptions } from "../analysis/analysis.js";
import type { BroughtBySide, DiffSources } from "../analysis/clickhouse-diff.js";
import { VERSION } from "../version.js";
import type { GlobalOptions } from "./shared.js";

/** Whether this diff run asks for the HTML page: --format html (any case), or no --format and --out ending in .html. */
export function wantsHtml(options: GlobalOptions): boolean {
  if (options.format !== undefined) return options.format.toLowerCase() === "html";
  return /\.html?$/i.test(options.out ?? "");
}

export async function writeDiffHtml(
  result: DiffResult, baseline: string, current: string, analysis: Omit<AnalysisOptions, "inputs" | "db">, options: GlobalOptions, sources: DiffSources = {},
  brought: BroughtBySide = {},
): Promise<void> {
  const { readReportSide } = await import("../analysis/report-side.js");
  const { reportJson } = await import("../output/report-files.js");
  const { jsonReplacer } = await import("../output/format.js");
  const { diffHtml } = await import("../output/html/diff-page.js");
  const { writeOutput } = await import("../db/beside.js");
  // Span data goes through report.json's own text, so both sides carry 12-significant-digit
  // figures, exactly as a report directory on either side would.
  const docOf = async (spec: string, which: "baseline" | "current") => {
    const side = await readReportSide(spec, { ...analysis, onProgress: undefined }, VERSION, sources[which], brought[which]);
    const doc = side.kind === "report" ? side.doc : JSON.parse(JSON.stringify(reportJson(side.data), jsonReplacer));
    return { label: side.label, doc };
  };
  const html = await diffHtml(result, await docOf(baseline, "baseline"), await docOf(current, "current"));
  if (options.out) writeOutput(options.out, html);
  else process.stdout.write(html);
}
