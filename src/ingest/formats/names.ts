// The names --input-format accepts, in the registry's order (formats/index.ts, which binds each
// to its file formats/<name>.ts), and their check. Names only, in a module that imports nothing
// heavy, so the command line checks the flag without loading a reader (adtrace --help and option
// errors never pay for the ingest graph).
import { UsageError } from "../../errors.js";

export const INPUT_FORMATS = ["otlp", "otlp-proto", "jaeger", "zipkin", "parquet", "csv", "ndjson"] as const;
export type InputFormatName = (typeof INPUT_FORMATS)[number];

export function parseInputFormat(value: string | undefined): InputFormatName | undefined {
  if (value === undefined) return undefined;
  if ((INPUT_FORMATS as readonly string[]).includes(value)) return value as InputFormatName;
  throw new UsageError(`unknown --input-format '${value}' (expected one of ${INPUT_FORMATS.join(", ")})`);
}
