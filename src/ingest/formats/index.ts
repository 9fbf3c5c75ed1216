// The input format registry (issue 15): every format --input-format accepts, each bound to its
// file formats/<name>.ts, in the order of INPUT_FORMATS (names.ts), which is the order --help
// lists them and the order each sniffing phase tries them (format.ts). Sniffing, reading and the
// messages that list what adtrace reads are built from this list. A name without its entry, or an
// entry under another name, does not compile.
import type { InputFormat, InputRead } from "./format.js";
import { INPUT_FORMATS, type InputFormatName } from "./names.js";
import { csv } from "./csv.js";
import { jaeger } from "./jaeger.js";
import { ndjson } from "./ndjson.js";
import { otlp } from "./otlp.js";
import { otlpProto } from "./otlp-proto.js";
import { parquet } from "./parquet.js";
import { zipkin } from "./zipkin.js";

const BY_NAME = {
  otlp,
  "otlp-proto": otlpProto,
  jaeger,
  zipkin,
  parquet,
  csv,
  ndjson,
} satisfies { [N in InputFormatName]: InputFormat & { name: N } };

type Formats = typeof BY_NAME;
/** The names of the formats read as `Kind`. */
export type NamesReadAs<Kind extends InputRead["kind"]> = { [N in InputFormatName]: Formats[N]["read"]["kind"] extends Kind ? N : never }[InputFormatName];

/** The JSON span formats, read record by record by their adapters. */
export type JsonFormatName = NamesReadAs<"json">;
/** The formats the parse workers read: JSON Lines of a JSON span format, or a binary format's chunks. */
export type ChunkFormatName = NamesReadAs<"json" | "chunks">;

/** Every input format, in INPUT_FORMATS's order. */
export const INPUT_FORMAT_LIST: readonly InputFormat[] = INPUT_FORMATS.map((name) => BY_NAME[name]);

export function inputFormat(name: InputFormatName): InputFormat {
  return BY_NAME[name];
}

/** How a format of this kind is read (its entry's `read`, narrowed). */
export function readOf<Kind extends InputRead["kind"]>(name: InputFormatName, kind: Kind): Extract<InputRead, { kind: Kind }> {
  const read = BY_NAME[name].read;
  if (read.kind !== kind) throw new Error(`${name} is not read as ${kind}`);
  return read as Extract<InputRead, { kind: Kind }>;
}

/** Whether the format `name` is read as `kind`. */
export function isReadAs<Kind extends InputRead["kind"]>(name: InputFormatName, kind: Kind): name is NamesReadAs<Kind> {
  return BY_NAME[name].read.kind === kind;
}

/** "a, b or c". */
function listed(words: readonly string[]): string {
  return words.length < 2 ? words.join("") : `${words.slice(0, -1).join(", ")} or ${words.at(-1)}`;
}

/** What adtrace reads, for messages: "OTLP JSON (also Tempo's), OTLP protobuf, …, CSV or NDJSON". */
export const FORMAT_WORDS = listed(INPUT_FORMAT_LIST.map((f) => f.words));

const JSON_READS = INPUT_FORMAT_LIST.flatMap((f) => (f.read.kind === "json" ? [f.read] : []));

/** The shapes of the JSON span formats' documents, for the message about JSON of none of them. */
export const JSON_SHAPES = listed(JSON_READS.map((r) => r.shapes));

/** The keys whose array holds a large JSON document's span records, whatever its format. */
export const SPLIT_KEYS: ReadonlySet<string> = new Set(JSON_READS.flatMap((r) => r.splitKeys));
