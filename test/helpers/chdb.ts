// A chDB data directory holding the OpenTelemetry exporter's `otel_traces`, filled with the same
// spans a DuckDB session reads (scripts/chdb-otel.mjs): span files → DuckDB's canonical spans →
// Parquet → chDB MergeTree. The ClickHouse tests compare the pushed-down analyses with the DuckDB
// path over these two copies.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Db } from "../../src/db/db.js";
import { loadInputs } from "../../src/ingest/load.js";
// @ts-expect-error a plain ES module shared with scripts/bench.mjs, without types
import { CANONICAL_TO_PARQUET, fillOtelTraces } from "../../scripts/chdb-otel.mjs";

/** A fresh chDB data directory with otel_traces holding the spans of `inputs`; its path and row count. */
export async function chdbWith(inputs: string[]): Promise<{ dir: string; rows: number }> {
  const work = mkdtempSync(join(tmpdir(), "adtrace-chdb-"));
  const parquet = join(work, "spans.parquet");
  const db = await Db.open();
  try {
    await loadInputs(db, { inputs });
    await db.exec(CANONICAL_TO_PARQUET as string, { path: parquet });
  } finally {
    db.close();
  }
  const dir = join(work, "clickhouse");
  const rows = (await fillOtelTraces(dir, parquet)) as number;
  return { dir, rows };
}

/** Every number in `actual` within `rel` (relative) of `expected`, everything else equal; the paths that differ. */
export function differences(expected: unknown, actual: unknown, rel = 1e-9, path = ""): string[] {
  if (typeof expected === "number" && typeof actual === "number") {
    const scale = Math.max(Math.abs(expected), Math.abs(actual));
    return scale === 0 || Math.abs(expected - actual) <= rel * scale ? [] : [`${path}: ${expected} ≠ ${actual}`];
  }
  if (expected && actual && typeof expected === "object" && typeof actual === "object") {
    const keys = new Set([...Object.keys(expected), ...Object.keys(actual)]);
    return [...keys].flatMap((k) => differences((expected as Record<string, unknown>)[k], (actual as Record<string, unknown>)[k], rel, `${path}.${k}`));
  }
  return expected === actual ? [] : [`${path}: ${JSON.stringify(expected)} ≠ ${JSON.stringify(actual)}`];
}
