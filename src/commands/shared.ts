// What every command shares: the global options, turning them into core options, progress on
// stderr, and printing a result through the one output layer. No DuckDB here.
import type { Command } from "commander";
import type { SpanSourceOptions } from "../core/inputs.js";
import { parseFormat, printResult, type FormatName } from "../output/format.js";
import type { TableResult } from "../output/result.js";
import { parseInputFormat, type LoadProgress } from "../ingest/load.js";
import { parseMapOptions } from "../ingest/mapping.js";
import { formatBytes, formatCount } from "../output/units.js";

export interface GlobalOptions {
  db?: string;
  format?: string;
  out?: string;
  quiet?: boolean;
  debug?: boolean;
  config?: string;
  inputFormat?: string;
  strict?: boolean;
  map?: string[];
  rawCsv?: boolean;
}

export function globals(command: Command): GlobalOptions {
  return command.optsWithGlobals() as GlobalOptions;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function spanSource(inputs: string[], options: GlobalOptions): SpanSourceOptions {
  return {
    inputs,
    db: options.db,
    inputFormat: parseInputFormat(options.inputFormat),
    strict: options.strict,
    map: parseMapOptions(options.map),
    onProgress: options.quiet ? undefined : progressReporter(),
  };
}

/** Progress on stderr once a load has taken more than a second: bytes/s and spans so far. */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr): (p: LoadProgress) => void {
  const started = Date.now();
  let lastLine = 0;
  return (p) => {
    const now = Date.now();
    const elapsed = (now - started) / 1000;
    if (elapsed < 1) return;
    if (!stream.isTTY && now - lastLine < 5000) return;
    lastLine = now;
    const pct = p.bytesTotal ? ` ${((100 * p.bytesDone) / p.bytesTotal).toFixed(0)}%` : "";
    const line = `adtrace: ${p.file}${pct} ${formatBytes(p.bytesDone)} (${formatBytes(p.bytesDone / elapsed)}/s), ${formatCount(p.spans)} spans`;
    stream.write(stream.isTTY ? `\r${line}\u001b[K` : `${line}\n`);
    if (stream.isTTY && p.bytesDone >= p.bytesTotal) stream.write("\n");
  };
}

export function print(result: TableResult, options: GlobalOptions): void {
  printResult(result, { format: parseFormat(options.format) as FormatName | undefined, out: options.out, quiet: options.quiet, rawCsv: options.rawCsv });
}

/** A note for a person, on stderr, unless --quiet. */
export function note(options: GlobalOptions, message: string): void {
  if (!options.quiet) process.stderr.write(`adtrace: ${message}\n`);
}
