// adtrace trace: one event's waterfall, with cost and the critical path.
import type { Command } from "commander";
import { globals, print } from "./shared.js";
import { addClickHouseOptions, isClickHouseRun } from "./clickhouse.js";
import type { TraceFlags } from "./trace-options.js";

export function registerTrace(program: Command): void {
  addClickHouseOptions(program
    .command("trace")
    .description("one event's waterfall: every span's time, self time, cost, and the critical path")
    .argument("[id-and-inputs...]", "TRACE_ID then span files (else --db, else ./adtrace.duckdb) or a ClickHouse source (clickhouse://USER@HOST:8123/DB, chdb:PATH); with --pick, only span files")
    .option("--pick <which>", "choose the trace instead of naming it: costliest, slowest or median (end-to-end)"))
    .addHelpText("after", `
Without --pick the first argument is the trace id; with --pick every argument is an input.
The table draws each span as a bar on the event's timeline, fitted to the terminal's width (█ and
● on the critical path, ░ off it; on a narrow terminal service, then stage, give way to the
bars: CSV and JSON keep them); crit is the path's time in the span itself, not in a child on
the path (the spans' crit add up to the root's duration; it exceeds self, which no child covers,
where an off-path child overlaps time the path spends in the span). CSV and JSON give per span: span_id,
parent_span_id, depth, name, service, stage, start_offset_ms, duration_ms, self_ms, cost_usd,
critical, critical_ms. Orphan sub-trees and spans on parent cycles are listed (depth from their
own top; empty on a cycle) but never on the path. A unique prefix of 4 or more characters names
its trace (a shared one exits 2 listing the traces); an unknown id exits 2 with the nearest ids by
prefix. median is the smallest end-to-end time whose cumulative event weight reaches half.

Examples:
  $ adtrace trace --pick slowest fixtures/auction/otlp.jsonl
  $ adtrace trace 4bf92f3577b34da6a3ce929d0e0e4736 --db pipeline.duckdb
  $ adtrace trace --pick costliest --db pipeline.duckdb --format csv > waterfall.csv
  $ adtrace trace 4bf92f3577b34da6a3ce929d0e0e4736 chdb:/var/lib/clickhouse --table otel.otel_traces   # that trace's spans only`)
    .action(async (args: string[], flags: TraceFlags, command: Command) => {
      const options = globals(command);
      const { traceOptions } = await import("./trace-options.js");
      const { analysis, traceId, pick } = traceOptions(args, flags, options);
      const { traceWaterfall } = await import("../analysis/trace.js");
      const { withAnalysis } = await import("../analysis/analysis.js");
      const { traceView } = await import("../output/path-views.js");
      const { result, label } = isClickHouseRun(analysis.inputs, options)
        ? await (await import("./clickhouse-events.js")).clickhouseTrace([...analysis.inputs], options, traceId, analysis.model ?? {})
        : await withAnalysis(analysis, async (a) => ({ result: await traceWaterfall(a.db, { traceId, pick }, a.label), label: a.label }));
      // The table fits the terminal (else COLUMNS, else 100 columns); Markdown shows every column.
      const { defaultFormat, parseFormat, terminalColumns } = await import("../output/format.js");
      const format = parseFormat(options.format) ?? defaultFormat(process.stdout.isTTY, options.out);
      const columns = terminalColumns(process.stdout.isTTY, process.stdout.columns, process.env.COLUMNS);
      await print(traceView(result, { label, width: format === "table" ? columns : undefined }), options);
    });
}
