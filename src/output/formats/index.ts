// The output formats, one entry each: the --format name, the --out extensions that choose it,
// whether it is for programs (notes then go to stderr) or bytes (never to a terminal), and its
// words in --help. The CLI's choices and help, the --out extensions and printResult are built from
// this list. It is data only, so the command line reads it without loading a renderer; each
// renderer is src/output/formats/<name>.ts, bound to its name in src/output/format.ts (RENDERERS,
// typed by this list, so a format without a renderer does not compile). Order is --help's order.
import type { ChalkInstance } from "chalk";

export interface OutputFormat {
  name: string;
  /** Lowercase, with the dot; an --out name ending in one (any case) chooses the format. */
  extensions: readonly string[];
  /** For programs: CSV-like data on stdout, its notes on stderr. */
  isMachine: boolean;
  /** Bytes, not text: refused on a terminal. */
  isBinary: boolean;
  /** What --help says of it, after its name, when there is more to say. */
  help?: string;
}

export const OUTPUT_FORMATS = [
  { name: "table", extensions: [".txt"], isMachine: false, isBinary: false },
  { name: "csv", extensions: [".csv"], isMachine: true, isBinary: false },
  { name: "json", extensions: [".json"], isMachine: true, isBinary: false },
  { name: "md", extensions: [".md", ".markdown"], isMachine: false, isBinary: false },
  { name: "arrow", extensions: [".arrow", ".arrows"], isMachine: true, isBinary: true, help: "typed Arrow IPC for pandas and polars; not to a terminal" },
] as const satisfies readonly OutputFormat[];

export type FormatName = (typeof OUTPUT_FORMATS)[number]["name"];

export const FORMAT_NAMES: readonly FormatName[] = OUTPUT_FORMATS.map((f) => f.name);

export function outputFormat(name: FormatName): OutputFormat {
  return OUTPUT_FORMATS.find((f) => f.name === name)!;
}

/** The format an --out name's extension chooses (any case), if any. */
export function formatFromExtension(path: string): FormatName | undefined {
  const lower = path.toLowerCase();
  return OUTPUT_FORMATS.find((f) => f.extensions.some((ext) => lower.endsWith(ext)))?.name;
}

/** What a renderer is given. */
export interface FormatContext {
  colors: ChalkInstance;
  /** Leave CSV cells that start with = + - @ as they are (no spreadsheet-formula guard). */
  rawCsv?: boolean;
  /** Printed on a terminal: machine formats too lose (CSV) or escape (JSON) control characters. */
  isTerminal?: boolean;
  /** The --out path, when there is one (Arrow writes its file format to a .arrow file). */
  out?: string;
  /** Arrow only: the IPC file format instead of the stream (else told from `out`). */
  arrowFile?: boolean;
  /** Table only: the columns to fit (src/output/table-width.ts); TABLE_WIDTH when not given. */
  width?: number;
}

/**
 * Pages one command writes itself, not through a renderer: diff's before/after HTML
 * (src/commands/diff-html.ts; report writes report.html into its --out-dir). --format accepts
 * them, and every other command refuses them before any work.
 */
export const PAGE_FORMATS = [{ name: "html", help: "diff only: a before/after page" }] as const;

/** --format's words in --help: every name, what more there is to say of some, and the extensions. */
export function formatOptionHelp(): string {
  const names = [...OUTPUT_FORMATS.map((f) => ("help" in f ? `${f.name} (${f.help})` : f.name)), ...PAGE_FORMATS.map((p) => `${p.name} (${p.help})`)];
  const extensions = OUTPUT_FORMATS.flatMap((f) => f.extensions);
  return `output format: ${names.slice(0, -1).join(", ")} or ${names.at(-1)}, any case (default: table on a terminal, csv when piped; from --out's extension: ${extensions.join(" ")})`;
}
