// Builds the commander program: global options, and every command registered from
// src/commands/. It does not parse; src/index.ts does. Nothing heavy is imported here.
import { Command, InvalidArgumentError, Option } from "commander";
import { registerLoad } from "./commands/load.js";
import { registerPull } from "./commands/pull.js";
import { registerInspect } from "./commands/inspect.js";
import { registerExport } from "./commands/export.js";
import { registerCost } from "./commands/cost.js";
import { registerInit } from "./commands/init.js";
import { registerSavings } from "./commands/savings.js";
import { registerReport } from "./commands/report.js";
import { registerDiff } from "./commands/diff.js";
import { registerGenerate } from "./commands/generate.js";
import { registerTrace } from "./commands/trace.js";
import { registerSampling } from "./commands/sampling.js";
import { registerSlo } from "./commands/slo.js";
import { checkArrowTarget, checkOutFile, collect } from "./commands/shared.js";
import { VERSION } from "./version.js";
import { commanderMessage } from "./diagnostics.js";

const FORMAT_CHOICES = ["table", "csv", "json", "md", "arrow"];

/** --format's value in any case (CSV, Md); anything else refused as commander refuses a choice. */
function formatChoice(value: string): string {
  const format = value.toLowerCase();
  if (!FORMAT_CHOICES.includes(format)) throw new InvalidArgumentError(`Allowed choices are ${FORMAT_CHOICES.join(", ")}.`);
  return format;
}

export function buildProgram(): Command {
  const program = new Command("adtrace")
    .description("Per-event cost and latency of ad-tech pipelines, from the distributed-tracing spans they already emit.")
    .version(VERSION, "-V, --version")
    .option("--db <file>", "DuckDB database to read (analysis) or write (load); default ./adtrace.duckdb")
    .addOption(new Option("--format <format>", "output format: table, csv, json, md or arrow (typed Arrow IPC for pandas and polars; not to a terminal), any case (default: table on a terminal, csv when piped; from --out's extension: .csv .json .md .txt .arrow .arrows)").argParser(formatChoice))
    .option("--out <file>", "write the output to FILE (atomically; a device, FIFO or /dev/stdout is written through) instead of stdout")
    .option("--config <file>", "config file (default ./adtrace.config.yaml if present)")
    .addOption(new Option("--input-format <format>", "read inputs as this format instead of detecting it").choices(["otlp", "jaeger", "zipkin", "parquet", "csv", "ndjson"]))
    .option("--map <canonical=column>", "map a flat-table column onto a canonical one (repeatable), e.g. --map start_ms=ts", collect)
    .option("--strict", "treat records that are not spans as errors instead of skipping them")
    .option("--max-record-size <size>", "largest single record read (a JSON Lines line, an element of a large document), e.g. 64MiB (default 256MiB)")
    .option("--unweighted", "ignore sampling weights: every stored span and trace counts once")
    .option("--assume-weight <w>", "weight for spans marked sampled without a usable rate (default 1, reported)")
    .option("--sample-rate <pattern=rate>", "sampling rate for spans that carry none: name glob, service:GLOB or attr:KEY=GLOB (repeatable); an event counts with its root's weight", collect)
    .option("--raw-csv", "do not guard CSV cells that start with = + - @ against spreadsheet formulas")
    .option("-q, --quiet", "no progress or notes on stderr")
    .option("--no-color", "no colour, as NO_COLOR=1 or FORCE_COLOR=0 do (colour is on only on a terminal, or with FORCE_COLOR=1)")
    .option("--debug", "show stack traces for errors")
    .hook("preAction", (_program, command) => {
      const { out, format } = command.optsWithGlobals() as { out?: string; format?: string };
      checkOutFile(out);
      checkArrowTarget(format, out);
    })
    // Subcommands inherit this: `adtrace load --help` lists --db, --strict, --quiet… too.
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError("(run adtrace --help for usage)")
    .exitOverride()
    // Commander's errors quote what was typed, which may hold control characters.
    .configureOutput({ writeErr: commanderMessage })
    .addHelpText("after", `
Examples:
  $ adtrace cost breakdown fixtures/auction/otlp.jsonl
  $ adtrace load exports/*.jsonl.gz --db pipeline.duckdb && adtrace inspect --db pipeline.duckdb
  $ adtrace inspect fixtures/auction/zipkin.json --format json
  $ adtrace cost breakdown fixtures/auction/otlp.jsonl --out breakdown.arrow   # typed columns for pandas or polars

Sampling: each span keeps its own weight (its tracestate or sampler attributes, else its trace's,
else --sample-rate and config rules); an event counts with its root span's weight. A rule that
weights a child but not its root (attr:KEY=GLOB on an attribute the root lacks) leaves the trace's
weights disagreeing: counted and reported, as for spans that carry different rates.

Exit codes: 0 ok, 1 a check failed (--fail-on-flag, --fail-on-drift, diff gates, slo check), 2 bad usage, bad input or no room to
write (a full disk), 70 a bug, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).`);
  registerLoad(program);
  registerPull(program);
  registerInspect(program);
  registerExport(program);
  registerCost(program);
  registerSavings(program);
  registerReport(program);
  registerDiff(program);
  registerTrace(program);
  registerSampling(program);
  registerSlo(program);
  registerGenerate(program);
  registerInit(program);
  return program;
}
