// What a load does with the stored cost model (issue 25, the CPU a load costs):
// - a small database's model is stored (and DuckDB checkpoints the file at close) on one thread, as
//   an analysis of it runs (Db.fitThreads): about a quarter less CPU for a load of the fixture.
//   What it stores must not depend on it: every table of a load on one thread holds the rows a
//   load on four threads (ADTRACE_THREADS) stores.
// - a load that adds no span (every one was stored already) keeps a model stored under the same
//   config as it is instead of computing it again; under another config, or with a span added,
//   the model is computed again.
import { copyFileSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Db } from "../src/db/db.js";
import { loadInputs } from "../src/ingest/load.js";
import { loadConfig, type Config } from "../src/model/config.js";
import { storedModelState, storeModel } from "../src/model/stored.js";
import { FIXTURE } from "./helpers/cli.js";
import { otlpDocument, spanId, traceId } from "./helpers/otlp.js";

const dir = mkdtempSync(join(tmpdir(), "adtrace-load-model-"));
const saved = process.env.ADTRACE_THREADS;
afterAll(() => {
  if (saved === undefined) delete process.env.ADTRACE_THREADS;
  else process.env.ADTRACE_THREADS = saved;
});
const DEFAULTS = loadConfig(undefined);

/** Load `inputs` into the database file `path` with ADTRACE_THREADS as given: the spans added, the session's thread count after the load. */
async function load(path: string, threads: string | undefined, inputs = [`${FIXTURE}/otlp.jsonl`], config: Config = DEFAULTS) {
  if (threads === undefined) delete process.env.ADTRACE_THREADS;
  else process.env.ADTRACE_THREADS = threads;
  const db = await Db.open({ path });
  try {
    const result = await loadInputs(db, { inputs, storedModel: config });
    return { added: result.spansAdded, threads: String(await db.scalar("SELECT current_setting('threads')")) };
  } finally {
    db.close();
  }
}

/**
 * Every table's rows, in one order, as text (floats to the last bit); `exclude` names, per table,
 * columns left out.
 */
async function contents(path: string, exclude: Record<string, string> = {}): Promise<Record<string, string>> {
  const db = await Db.open({ path, readOnly: true });
  try {
    const tables = (await db.all("SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' ORDER BY table_name")).map((r) => String(r.table_name));
    const out: Record<string, string> = {};
    for (const table of tables) {
      const rows = await db.all(`SELECT *${exclude[table] ? ` EXCLUDE (${exclude[table]})` : ""} FROM "${table}" ORDER BY ALL`);
      out[table] = JSON.stringify(rows, (_, v) => (typeof v === "bigint" ? String(v) : typeof v === "number" ? v.toPrecision(17) : v));
    }
    return out;
  } finally {
    db.close();
  }
}

/** The model's tables alone (model_*), every column. */
async function model(path: string): Promise<Record<string, string>> {
  return Object.fromEntries(Object.entries(await contents(path)).filter(([table]) => table.startsWith("model_")));
}

async function state(path: string, config: Config = DEFAULTS) {
  const db = await Db.open({ path, readOnly: true });
  try {
    return await storedModelState(db, config);
  } finally {
    db.close();
  }
}

const ONE = join(dir, "one.duckdb");
const FOUR = join(dir, "four.duckdb");
let one: { added: number; threads: string };
let four: { added: number; threads: string };
beforeAll(async () => {
  one = await load(ONE, undefined);
  four = await load(FOUR, "4");
});

describe("a small load's threads", () => {
  it("stores its model on one thread; a thread count ADTRACE_THREADS chose stays", () => {
    expect([one.added, four.added]).toEqual([369, 369]);
    expect(one.threads).toBe("1");
    expect(four.threads).toBe("4");
  });

  it("any model stored (billing records loaded, another config) goes on one thread too", async () => {
    delete process.env.ADTRACE_THREADS;
    const path = join(dir, "restored.duckdb");
    copyFileSync(ONE, path);
    const db = await Db.open({ path });
    try {
      // Opened on DuckDB's default (one thread per core).
      await storeModel(db, DEFAULTS);
      expect(String(await db.scalar("SELECT current_setting('threads')"))).toBe("1");
    } finally {
      db.close();
    }
  });

  it("stores the same rows in every table as a load on four threads", async () => {
    // When each load ran, and when its model was computed, are the columns that differ.
    const exclude = { loads: "loaded_at", model_info: "computed_at" };
    const [a, b] = [await contents(ONE, exclude), await contents(FOUR, exclude)];
    expect(Object.keys(a)).toContain("model_spans");
    expect(Object.keys(a)).toEqual(Object.keys(b));
    for (const table of Object.keys(a)) expect(a[table], table).toBe(b[table]);
  });
});

describe("a load that adds no span", () => {
  it("keeps the stored model as it was (computed_at too), and it is current", async () => {
    const path = join(dir, "again.duckdb");
    copyFileSync(ONE, path);
    const before = await model(path);
    expect((await load(path, undefined, [`${FIXTURE}/otlp.jsonl`, `${FIXTURE}/jaeger.json`])).added).toBe(0);
    expect(await model(path)).toEqual(before);
    expect(await state(path)).toBe("current");
  });

  it("under another config computes the model again, which is that config's", async () => {
    const path = join(dir, "other-config.duckdb");
    copyFileSync(ONE, path);
    const before = await model(path);
    const other: Config = { ...DEFAULTS, cost_attributes: ["other.cost.usd"] };
    expect(await state(path, other)).toBe("different");
    expect((await load(path, undefined, [`${FIXTURE}/otlp.jsonl`], other)).added).toBe(0);
    expect(await state(path, other)).toBe("current");
    expect((await model(path)).model_info).not.toBe(before.model_info);
  });

  it("while a load that adds one computes it again over every span", async () => {
    const path = join(dir, "one-more.duckdb");
    copyFileSync(ONE, path);
    const extra = join(dir, "extra.json");
    writeFileSync(extra, otlpDocument([{ trace: traceId(0xfeed), id: spanId(1), name: "bid.request.handle", startMs: 0, durationMs: 5 }]));
    expect((await load(path, undefined, [extra])).added).toBe(1);
    expect(await state(path)).toBe("current");
    const db = await Db.open({ path, readOnly: true });
    try {
      expect(Number(await db.scalar("SELECT count(*) FROM model_spans"))).toBe(370);
    } finally {
      db.close();
    }
  });
});
