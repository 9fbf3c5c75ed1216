// Parquet, format `parquet`: a flat table of one span per row, its columns mapped by name
// (mapping.ts), found by its magic bytes. A gzipped file is unpacked to a temporary file first
// (Parquet needs random access), and a Tempo block's data.parquet is read through its nested
// layout (tempo.ts) and recorded as tempo-vParquet4.
import { createWriteStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { firstLine } from "../../db/db.js";
import { clip, InputError } from "../../errors.js";
import { openBytes } from "../files.js";
import { DUCKDB_QUOTE_CHARS } from "./flat.js";
import type { FlatInput, FlatStaged, InputFormat } from "./format.js";
import { tempoBlock, tempoRelation } from "./tempo.js";

const RELATION = "read_parquet($path)";

export function isParquet(head: Uint8Array): boolean {
  return head.length >= 4 && head[0] === 0x50 && head[1] === 0x41 && head[2] === 0x52 && head[3] === 0x31; // "PAR1"
}

/** A Parquet file DuckDB cannot read (no footer, a cut or damaged file): one line naming it. */
export function unreadableParquet(source: string, duckdbMessage: string): InputError {
  return new InputError(source, `not a readable Parquet file (truncated or corrupt?): ${clip(firstLine(duckdbMessage), DUCKDB_QUOTE_CHARS)}`);
}

async function stage(input: FlatInput): Promise<FlatStaged> {
  // A stream's copy in the spool has no meta.json beside it.
  const tempo = input.isCopy ? undefined : tempoBlock(input.path);
  if (tempo) {
    const { relation, params } = tempoRelation(tempo);
    return { rows: await input.stage(relation, { path: input.path, ...params }), format: `tempo-${tempo.format}` };
  }
  if (!input.gzip) return { rows: await input.stage(RELATION, { path: input.path }) };
  const tmp = mkdtempSync(join(tmpdir(), "adtrace-parquet-"));
  try {
    const path = join(tmp, "spans.parquet");
    try {
      await pipeline(openBytes(input.path, true), createWriteStream(path));
    } catch (error) {
      throw new InputError(input.name, `truncated or corrupt gzip data (${firstLine((error as Error).message)})`);
    }
    return { rows: await input.stage(RELATION, { path }) };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export const parquet = {
  name: "parquet",
  words: "Parquet",
  sniff: { kind: "bytes", test: (head) => (isParquet(head) ? {} : undefined) },
  read: { kind: "flat", stage, error: unreadableParquet },
} satisfies InputFormat;
