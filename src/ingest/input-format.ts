// The names --input-format accepts, in sniffing order, and their check: a module of its own with
// no imports, so the command line can check the flag without loading the readers (adtrace --help
// and option errors never pay for the ingest graph).
import { UsageError } from "../errors.js";

export const INPUT_FORMATS = ["otlp", "otlp-proto", "jaeger", "zipkin", "parquet", "csv", "ndjson"] as const;
export type InputFormat = (typeof INPUT_FORMATS)[number];
/** The JSON span formats (each read record by record, by its adapter). */
export type JsonFormat = "otlp" | "jaeger" | "zipkin";

export function parseInputFormat(value: string | undefined): InputFormat | undefined {
  if (value === undefined) return undefined;
  if ((INPUT_FORMATS as readonly string[]).includes(value)) return value as InputFormat;
  throw new UsageError(`unknown --input-format '${value}' (expected one of ${INPUT_FORMATS.join(", ")})`);
}
