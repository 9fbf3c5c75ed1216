// adtrace load's and pull's options layers: commander's raw values in, what to store and how out,
// or a UsageError naming the flag (src/commands/options.ts). Pure: the --redact plan, which reads
// the config and ADTRACE_REDACT_KEY, is made by the action (test/command-options.test.ts).
import { UsageError } from "../errors.js";
import type { AnalysisOptions } from "../analysis/analysis.js";
import { parseMapOptions } from "../ingest/mapping.js";
import { spanSource, type GlobalOptions } from "./shared.js";
import { ifGiven, parseSeconds } from "./options.js";

/** --billing-file joins records to span files for one analysis; a database stores them with --billing. */
function refuseBillingFile(globals: GlobalOptions): void {
  if (globals.billingFile?.length) throw new UsageError("--billing-file is for analyses of span files; to store billing records: adtrace load --billing FILE… (or pull --billing)");
}

/** The flags of `adtrace load` as commander hands them over. */
export interface LoadFlags {
  redact?: string | boolean;
  billing?: boolean;
}

export type LoadCommandOptions =
  | { billing: true; inputs: string[] }
  | { billing: false; source: AnalysisOptions; redact: string | boolean | undefined };

export function loadOptions(inputs: string[], flags: LoadFlags, globals: GlobalOptions): LoadCommandOptions {
  refuseBillingFile(globals);
  if (flags.billing && flags.redact !== undefined) throw new UsageError("--redact is for spans; billing records (--billing) hold no attribute values to redact");
  if (flags.billing) return { billing: true, inputs };
  return { billing: false, source: spanSource(inputs, globals), redact: flags.redact };
}

/** The flags of `adtrace pull` as commander hands them over. */
export interface PullFlags {
  table: string;
  count?: boolean;
  since?: string;
  until?: string;
  full?: boolean;
  lookback?: string;
  watermarkColumn?: string;
  timeout?: string;
  redact?: string | boolean;
  billing?: boolean;
}

/** The flags that choose which spans a pull reads: a billing table is read whole. */
const SPAN_PULL_FLAGS = ["since", "until", "full", "lookback", "watermarkColumn", "redact"] as const;

export interface PullCommandOptions {
  billing: boolean;
  table: string;
  /** --timeout, checked here once for both kinds of pull. */
  timeoutSeconds: number | undefined;
  map: Record<string, string>;
}

export function pullOptions(flags: PullFlags, globals: GlobalOptions): PullCommandOptions {
  refuseBillingFile(globals);
  const timeoutSeconds = ifGiven("--timeout", flags.timeout, parseSeconds);
  if (flags.billing) {
    const given = SPAN_PULL_FLAGS.filter((k) => flags[k] !== undefined);
    if (given.length) {
      throw new UsageError(`pull --billing reads the whole table (records replace stored ones per query id): ${given.map((k) => `--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`).join(", ")} do not apply`);
    }
  }
  return { billing: Boolean(flags.billing), table: flags.table, timeoutSeconds, map: flags.billing ? {} : parseMapOptions(globals.map) };
}
