// One side of `diff --format html`: the whole report a side stands for, so the before/after
// page can draw the same charts as report.html. A report directory or report.json is read as it
// is; span data (files or a .duckdb database) is analysed as `adtrace report` would, with the
// suggested savings scenario and no timestamp.
import { readFileSync } from "node:fs";
import { withAnalysis, type AnalysisOptions } from "./analysis.js";
import { collectReport, type ReportData } from "./report.js";
import { isDuckDbFile, reportPath } from "./diff.js";
import { InputError } from "../errors.js";
import type { ClickHouseSource } from "../ingest/clickhouse-source.js";
import type { Brought } from "./clickhouse.js";

export type ReportSide = { kind: "report"; label: string; doc: unknown } | { kind: "spans"; label: string; data: ReportData };

export async function readReportSide(
  spec: string, analysis: Omit<AnalysisOptions, "inputs" | "db">, version: string, source?: ClickHouseSource, brought?: Brought,
): Promise<ReportSide> {
  // A ClickHouse side (diff's own window): the report computed where the spans are, as `adtrace report` over that source;
  // the breakdown rows the diff's session already brought back for this source (`brought`) are not asked for again.
  if (source) {
    const { loadConfig } = await import("../model/config.js");
    const { withClickHouse } = await import("./clickhouse.js");
    const { clickhouseReport } = await import("./clickhouse-report.js");
    const loaded = loadConfig(analysis.config);
    const config = analysis.eventsPerDay === undefined ? loaded : { ...loaded, events_per_day: analysis.eventsPerDay };
    const data = await withClickHouse(source, config, analysis.model ?? {}, (session) => {
      session.breakdowns = brought;
      return clickhouseReport(session, { timestamp: false, version });
    });
    return { kind: "spans", label: source.label, data };
  }
  const report = await reportPath(spec);
  if (report) {
    try {
      return { kind: "report", label: spec, doc: JSON.parse(readFileSync(report, "utf8")) };
    } catch (error) {
      throw new InputError(report, `not a readable report.json (${(error as Error).message})`);
    }
  }
  const isDb = await isDuckDbFile(spec);
  const options = { ...analysis, inputs: isDb ? [] : [spec], db: isDb ? spec : undefined };
  const data = await withAnalysis(options, (a) => collectReport(a, { inputs: options.inputs, db: options.db, timestamp: false, version }));
  return { kind: "spans", label: spec, data };
}
