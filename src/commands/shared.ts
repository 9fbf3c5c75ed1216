// What every command shares: the global options, turning them into core options, progress on
// stderr, and printing a result through the one output layer. No DuckDB here, and nothing heavy
// at import: cli.ts registers every command through this module, and `adtrace --help` loads only
// that (the output layer and the checks of --out are imported when a command runs).
import type { Command } from "commander";
import { statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { AnalysisOptions } from "../analysis/analysis.js";
import { UsageError } from "../errors.js";
import type { FormatName } from "../output/format.js";
import type { TableResult } from "../output/result.js";
import type { LoadProgress } from "../ingest/load.js";
import { parseInputFormat } from "../ingest/formats/names.js";
import { parseMapOptions } from "../ingest/mapping.js";
import { formatBytes, formatCount } from "../output/units.js";
import { note, progress, endProgress, warning, type DiagnosticStream } from "../diagnostics.js";
import { percentAndEta, progressWriter } from "./progress.js";
import { ifGiven, parseAssumeWeight, parseByteSize, parseSampleRate } from "./options.js";

export interface GlobalOptions {
  db?: string;
  format?: string;
  out?: string;
  quiet?: boolean;
  /** false under --no-color. */
  color?: boolean;
  debug?: boolean;
  config?: string;
  inputFormat?: string;
  strict?: boolean;
  maxRecordSize?: string;
  map?: string[];
  rawCsv?: boolean;
  unweighted?: boolean;
  assumeWeight?: string;
  sampleRate?: string[];
  billingFile?: string[];
  matchByTime?: boolean;
}

export function globals(command: Command): GlobalOptions {
  return command.optsWithGlobals() as GlobalOptions;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Where the spans come from and how to model them: everything an analysis command needs. */
export function spanSource(inputs: string[], options: GlobalOptions): AnalysisOptions {
  return {
    inputs,
    db: options.db,
    inputFormat: parseInputFormat(options.inputFormat),
    strict: options.strict,
    maxRecordBytes: ifGiven("--max-record-size", options.maxRecordSize, parseByteSize),
    map: parseMapOptions(options.map),
    onProgress: options.quiet ? undefined : progressReporter(),
    config: options.config,
    billingFiles: options.billingFile,
    onNote: (message) => note(options, message),
    model: {
      billing: { matchByTime: options.matchByTime },
      unweighted: options.unweighted,
      assumeWeight: ifGiven("--assume-weight", options.assumeWeight, parseAssumeWeight),
      sampleRates: (options.sampleRate ?? []).map((text) => parseSampleRate("--sample-rate", text)),
    },
  };
}

/**
 * Progress on stderr once a load has taken more than a second: bytes/s and spans so far, and when
 * the total is known (a file's size, a pull's row count) the percentage and the time left.
 */
export function progressReporter(stream: DiagnosticStream = process.stderr, now: () => number = Date.now): (p: LoadProgress) => void {
  const writer = progressWriter(stream, now);
  let file = "";
  return (p) => {
    if (p.file !== file) {
      file = p.file;
      writer.restart();
    }
    const finished = p.bytesTotal > 0 && p.bytesDone >= p.bytesTotal;
    writer.update((elapsed) =>
      `${p.file} ${formatBytes(p.bytesDone)} (${formatBytes(p.bytesDone / elapsed)}/s), ${formatCount(p.spans)} spans${p.rowsTotal ? ` of ${formatCount(p.rowsTotal)} rows` : ""}${
        p.rowsTotal ? percentAndEta(p.spans, p.rowsTotal, elapsed) : percentAndEta(p.bytesDone, p.bytesTotal, elapsed)}`, finished || (p.rowsTotal ? p.spans >= p.rowsTotal : false));
  };
}

/**
 * `--out FILE` must name a file in a directory that exists, or a device, FIFO or /dev/stdout
 * (written through): checked before any work, so a typo costs nothing and is a usage error
 * (exit 2) naming the path, not an internal error at the end. An empty name is refused too.
 */
export async function checkOutFile(path: string | undefined): Promise<void> {
  if (path === undefined) return;
  const { outputTarget } = await import("../db/beside.js");
  if (outputTarget(path).kind === "through") return;
  const dir = dirname(resolve(path));
  if (!isDirectory(dir)) throw new UsageError(`--out ${path}: no such directory ${dir}`);
}

/**
 * A binary format (Arrow) bound for a terminal (no --out, or --out /dev/stdout or /dev/tty, on
 * one) is refused before any work: bytes there only scramble the screen. printResult refuses it
 * again at the end.
 */
export async function checkArrowTarget(format: string | undefined, out: string | undefined, stdout: { isTTY?: boolean } = process.stdout): Promise<void> {
  const { binaryOnTerminal, defaultFormat, parseFormat } = await import("../output/format.js");
  const { outputFormat } = await import("../output/formats/index.js");
  const { isTerminalOutput, outputTarget } = await import("../db/beside.js");
  if (format?.toLowerCase() === "html") return; // diff's page (src/commands/diff-html.ts); the hook refuses it elsewhere
  const chosen = parseFormat(format) ?? defaultFormat(stdout.isTTY, out);
  if (!outputFormat(chosen).isBinary) return;
  if (out === undefined ? Boolean(stdout.isTTY) : isTerminalOutput(outputTarget(out))) throw binaryOnTerminal(chosen);
}

function isDirectory(path: string): boolean {
  return statSync(path, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

export async function print(result: TableResult, options: GlobalOptions): Promise<void> {
  const { parseFormat, printResult } = await import("../output/format.js");
  printResult(result, {
    format: parseFormat(options.format) as FormatName | undefined, out: options.out, quiet: options.quiet, rawCsv: options.rawCsv,
    // --no-color: as NO_COLOR=1, the one switch colorsFor reads.
    env: options.color === false ? { ...process.env, NO_COLOR: "1" } : undefined,
  });
}

/** `--redact [auto|KEY,…]` with the config's pii settings and ADTRACE_REDACT_KEY (load, pull). */
export async function redactOption(value: string | boolean, config: string | undefined) {
  const { redactPlan } = await import("../ingest/redact.js");
  const { loadConfig } = await import("../model/config.js");
  return redactPlan(value, loadConfig(config).pii);
}

// A note for a person, on stderr, unless --quiet: src/diagnostics.ts writes it (commands import it from here too).
export { note };

/** What ingest has to say about a load or pull (its warnings, the records it skipped and where), as notes. */
export function ingestNotes(options: GlobalOptions, load: { warnings: { message: string; count: number }[]; skippedExamples: string[] }): void {
  for (const w of load.warnings) warning(options, `${w.message} (${w.count})`);
  for (const example of load.skippedExamples) note(options, `skipped: ${example}`);
}
