// Builds the commander program: global options, and every command registered from
// src/commands/. It does not parse; src/index.ts does. Nothing heavy is imported here, and only
// the command being run is loaded: the others are stubs that carry their name, usage and
// description for the command list (`adtrace --help` loads no command module at all).
import { Command, Help, InvalidArgumentError, Option } from "commander";
import { VERSION } from "./version.js";
import { commanderMessage } from "./diagnostics.js";
import { FORMAT_NAMES, PAGE_FORMATS, formatOptionHelp } from "./output/formats/index.js";
import { INPUT_FORMATS } from "./ingest/formats/names.js";

type Register = (program: Command) => unknown;

/**
 * Every command, in the order --help lists them: its name, its usage and description as the
 * command list shows them (test/lazy-commands.test.ts checks them against the command's own
 * definition), and the module that defines it.
 */
export const COMMANDS: readonly { name: string; term: string; description: string; load: () => Promise<Register> }[] = [
  { name: "load", term: "load [options] <inputs...>", description: "load span files into a DuckDB database (one transaction; spans already there are skipped)", load: async () => (await import("./commands/load.js")).registerLoad },
  { name: "pull", term: "pull [options] <url>", description: "pull spans from a PostgreSQL or Redshift table into a DuckDB database (incremental; one transaction)", load: async () => (await import("./commands/pull.js")).registerPull },
  { name: "inspect", term: "inspect [options] [inputs...]", description: "what was loaded: spans, traces, roots, orphans, services, time range, duplicates, skipped records", load: async () => (await import("./commands/inspect.js")).registerInspect },
  { name: "export", term: "export [options] [inputs...]", description: "write the canonical spans table as Parquet or CSV (reads back losslessly)", load: async () => (await import("./commands/export.js")).registerExport },
  { name: "cost", term: "cost", description: "per-event cost: breakdown by stage, warehouse queries, warehouse-heavy flags, outliers, trend, the critical path", load: async () => (await import("./commands/cost.js")).registerCost },
  { name: "savings", term: "savings [options] [inputs...]", description: "model what a cache, a pre-aggregation or query tuning would save, per day and per year", load: async () => (await import("./commands/savings.js")).registerSavings },
  { name: "report", term: "report [options] [inputs...]", description: "write breakdown, queries, flags and savings as CSV, report.json, summary.md and report.html (for CI)", load: async () => (await import("./commands/report.js")).registerReport },
  { name: "diff", term: "diff [options] <baseline> <current>", description: "per-stage change between a baseline and a current run; exit 1 past a gate", load: async () => (await import("./commands/diff.js")).registerDiff },
  { name: "trace", term: "trace [options] [id-and-inputs...]", description: "one event's waterfall: every span's time, self time, cost, and the critical path", load: async () => (await import("./commands/trace.js")).registerTrace },
  { name: "sampling", term: "sampling", description: "how much to trace: accuracy against the tracing bill", load: async () => (await import("./commands/sampling.js")).registerSampling },
  { name: "slo", term: "slo", description: "service-level objectives (latency, errors, cost per event) from the config's slos:", load: async () => (await import("./commands/slo.js")).registerSlo },
  { name: "audit", term: "audit", description: "governance checks on the spans: audit pii", load: async () => (await import("./commands/audit.js")).registerAudit },
  { name: "collect", term: "collect [options]", description: "receive spans over OTLP/HTTP (POST /v1/traces, protobuf or JSON, gzip) and store them in a database file until Ctrl-C", load: async () => (await import("./commands/collect.js")).registerCollect },
  { name: "generate", term: "generate [options]", description: "write realistic synthetic ad-auction traces (one trace per ad event)", load: async () => (await import("./commands/generate.js")).registerGenerate },
  { name: "init", term: "init [file]", description: "write a commented starter adtrace.config.yaml (never overwrites)", load: async () => (await import("./commands/init.js")).registerInit },
];

/** A stub reached means the command was not told from the arguments: src/index.ts then builds every command and parses again. */
export class StubReached extends Error {
  override name = "StubReached";
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}


/** --format's value in any case (CSV, Md); anything else refused as commander refuses a choice. */
function formatChoice(value: string): string {
  const format = value.toLowerCase();
  const choices: string[] = [...FORMAT_NAMES, ...PAGE_FORMATS.map((p) => p.name)];
  if (!choices.includes(format)) throw new InvalidArgumentError(`Allowed choices are ${choices.join(", ")}.`);
  return format;
}

/**
 * The program, with the command `argv` runs (as process.argv: node, script, arguments…) defined in
 * full and the others as stubs; `full` defines them all (what a stub falls back to).
 */
export async function buildProgram(argv: readonly string[] = [], options: { full?: boolean } = {}): Promise<Command> {
  const program = new Command("adtrace")
    .description("Per-event cost and latency of ad-tech pipelines, from the distributed-tracing spans they already emit.")
    .version(VERSION, "-V, --version")
    .option("--db <file>", "DuckDB database to read (analysis) or write (load); default ./adtrace.duckdb")
    .addOption(new Option("--format <format>", formatOptionHelp()).argParser(formatChoice))
    .option("--out <file>", "write the output to FILE (atomically; a device, FIFO or /dev/stdout is written through) instead of stdout")
    .option("--config <file>", "config file (default ./adtrace.config.yaml if present)")
    .addOption(new Option("--input-format <format>", "read inputs as this format instead of detecting it").choices(INPUT_FORMATS))
    .option("--map <canonical=column>", "map a flat-table column onto a canonical one (repeatable), e.g. --map start_ms=ts", collect)
    .option("--strict", "treat records that are not spans as errors instead of skipping them")
    .option("--max-record-size <size>", "largest single record read (a JSON Lines line, an element of a large document), e.g. 64MiB (default 256MiB)")
    .option("--unweighted", "ignore sampling weights: every stored span and trace counts once")
    .option("--assume-weight <w>", "weight for spans marked sampled without a usable rate (default 1, reported)")
    .option("--sample-rate <pattern=rate>", "sampling rate for spans that carry none: name glob, service:GLOB or attr:KEY=GLOB (repeatable); an event counts with its root's weight", collect)
    .option("--billing-file <file>", "warehouse billing records (Snowflake, BigQuery exports) to join to the span files of this run (repeatable; for --db, adtrace load --billing)", collect)
    .option("--match-by-time", "also join billing records to spans by warehouse, statement fingerprint and overlapping times, when unambiguous (a weaker match)")
    .option("--raw-csv", "do not guard CSV cells that start with = + - @ against spreadsheet formulas")
    .option("-q, --quiet", "no progress or notes on stderr")
    .option("--no-color", "no colour, as NO_COLOR=1 or FORCE_COLOR=0 do (colour is on only on a terminal, or with FORCE_COLOR=1)")
    .option("--debug", "show stack traces for errors")
    .hook("preAction", async (_program, command) => {
      const { out, format } = command.optsWithGlobals() as { out?: string; format?: string };
      const { checkArrowTarget, checkOutFile } = await import("./commands/shared.js");
      await checkOutFile(out);
      await checkArrowTarget(format, out);
      if (format?.toLowerCase() === "html" && command.name() !== "diff") {
        const { parseFormat } = await import("./output/format.js");
        parseFormat("html"); // refused before any work: only diff writes a page
      }
    })
    // Subcommands inherit this: `adtrace load --help` lists --db, --strict, --quiet… too.
    .configureHelp({ showGlobalOptions: true })
    .showHelpAfterError("(run adtrace --help for usage)")
    .exitOverride()
    // Commander's errors quote what was typed, which may hold control characters.
    .configureOutput({ writeErr: commanderMessage })
    .addHelpText("after", `
Examples:
  $ adtrace generate --events 2000 --out spans.jsonl   # sample spans, so these run in any directory
  $ adtrace cost breakdown spans.jsonl
  $ adtrace load spans.jsonl --db pipeline.duckdb && adtrace inspect --db pipeline.duckdb
  $ adtrace cost flags --db pipeline.duckdb --format json
  $ adtrace report --db pipeline.duckdb --out-dir report/   # CSV, JSON, summary.md, report.html
  $ adtrace cost breakdown spans.jsonl --out breakdown.arrow   # typed columns for pandas or polars

Sampling: each span keeps its own weight (its tracestate or sampler attributes, else its trace's,
else --sample-rate and config rules); an event counts with its root span's weight. A rule that
weights a child but not its root (attr:KEY=GLOB on an attribute the root lacks) leaves the trace's
weights disagreeing: counted and reported, as for spans that carry different rates.

Exit codes: 0 ok, 1 a check failed (--fail-on-flag, --fail-on-drift, --fail-on-pii, diff gates, slo check), 2 bad usage, bad input or no room to
write (a full disk), 70 a bug, 130 interrupted (Ctrl-C), 143 terminated (SIGTERM).`);
  const wanted = options.full ? undefined : commandNamed(program, argv.slice(2));
  const terms = new Map<Command, string>();
  for (const entry of COMMANDS) {
    if (options.full || entry.name === wanted) {
      (await entry.load())(program);
      continue;
    }
    const stub = program.command(entry.name).description(entry.description)
      .helpOption(false).allowUnknownOption().allowExcessArguments().argument("[arguments...]")
      .action(() => {
        throw new StubReached(entry.name);
      });
    terms.set(stub, entry.term);
  }
  // The command list shows a stub's real usage (load <inputs...>), not the stub's own.
  const subcommandTerm = Help.prototype.subcommandTerm;
  program.configureHelp({ ...program.configureHelp(), subcommandTerm(this: Help, command: Command) {
    return terms.get(command) ?? subcommandTerm.call(this, command);
  } } as Partial<Help>);
  return program;
}

/**
 * The command the arguments name: the first operand after the global options (skipping the value
 * of an option that takes one), or for `help COMMAND` the command asked about. Undefined when no
 * known command is named (`adtrace --help`, a typo): every command is then a stub.
 */
function commandNamed(program: Command, args: readonly string[]): string | undefined {
  const operands: string[] = [];
  for (let i = 0; i < args.length && operands.length < 2; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      operands.push(...args.slice(i + 1, i + 3));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      operands.push(arg);
      continue;
    }
    if (operands.length) continue;
    const option = program.options.find((o) => o.long === arg || o.short === arg);
    if (option && (option.required || option.optional)) i++;
  }
  const name = operands[0] === "help" ? operands[1] : operands[0];
  return COMMANDS.some((c) => c.name === name) ? name : undefined;
}
