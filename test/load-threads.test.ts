// A load stores its cost model (and DuckDB checkpoints the file at close) on one thread when the
// database is small, as an analysis of it runs (Db.fitThreads, issue 25): about a quarter less CPU
// for a load of the fixture. What it stores must not depend on it: every table of a load on one
// thread holds the rows a load on four threads (ADTRACE_THREADS) stores.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Db } from "../src/db/db.js";
import { loadInputs } from "../src/ingest/load.js";
import { loadConfig } from "../src/model/config.js";
import { FIXTURE } from "./helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "adtrace-load-threads-"));
const saved = process.env.ADTRACE_THREADS;
afterAll(() => {
  if (saved === undefined) delete process.env.ADTRACE_THREADS;
  else process.env.ADTRACE_THREADS = saved;
});

/** Load the fixture into a new database file with ADTRACE_THREADS as given; the session's thread count after the load. */
async function load(name: string, threads: string | undefined): Promise<{ path: string; threads: string }> {
  if (threads === undefined) delete process.env.ADTRACE_THREADS;
  else process.env.ADTRACE_THREADS = threads;
  const path = join(dir, name);
  const db = await Db.open({ path });
  try {
    await loadInputs(db, { inputs: [`${FIXTURE}/otlp.jsonl`], storedModel: loadConfig(undefined) });
    return { path, threads: String(await db.scalar("SELECT current_setting('threads')")) };
  } finally {
    db.close();
  }
}

/** Every table's rows, in one order, as text (floats to the last bit). */
async function contents(path: string): Promise<Record<string, string>> {
  const db = await Db.open({ path, readOnly: true });
  try {
    const tables = (await db.all("SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' ORDER BY table_name")).map((r) => String(r.table_name));
    const out: Record<string, string> = {};
    for (const table of tables) {
      // When each load ran, and when its model was computed, are the columns that differ.
      const exclude = table === "loads" ? " EXCLUDE (loaded_at)" : table === "model_info" ? " EXCLUDE (computed_at)" : "";
      const rows = await db.all(`SELECT *${exclude} FROM "${table}" ORDER BY ALL`);
      out[table] = JSON.stringify(rows, (_, v) => (typeof v === "bigint" ? String(v) : typeof v === "number" ? v.toPrecision(17) : v));
    }
    return out;
  } finally {
    db.close();
  }
}

let one: { path: string; threads: string };
let four: { path: string; threads: string };
beforeAll(async () => {
  one = await load("one.duckdb", undefined);
  four = await load("four.duckdb", "4");
});

describe("a small load", () => {
  it("stores its model on one thread; a thread count ADTRACE_THREADS chose stays", () => {
    expect(one.threads).toBe("1");
    expect(four.threads).toBe("4");
  });

  it("stores the same rows in every table as a load on four threads", async () => {
    const [a, b] = [await contents(one.path), await contents(four.path)];
    expect(Object.keys(a)).toContain("model_spans");
    expect(Object.keys(a)).toEqual(Object.keys(b));
    for (const table of Object.keys(a)) expect(a[table], table).toBe(b[table]);
  });
});
