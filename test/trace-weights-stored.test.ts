// A trace's sampling rate reaches its spans that carry none, in a stored model as in a session
// (model.trace_weights; store.model_spans' own UPDATE). Hand-worked weights: the generated data of
// test/stored-model.test.ts puts a rate on every span, so it never exercised the stored copy.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Db } from "../src/db/db.js";
import { loadIntoDatabase } from "../src/ingest/load-db.js";
import { installModel } from "../src/model/install.js";
import { defaultConfig } from "../src/model/config.js";
import { storedModelState, useStoredModel } from "../src/model/stored.js";
import { otlpDocument, spanId, traceId, writeTemp, type TestSpan } from "./helpers/otlp.js";

// Trace 5: the root carries th:c (1 in 4), "child" nothing (takes 4), "other" th:8 (keeps 2), and
// "unknown" says it was sampled without a usable rate (th:zz): its trace's rate, 4, and known.
// Trace 6: only a child carries sampleRate 10, so the root (no rate of its own) takes 10.
// Trace 7: nothing carried: 1, and "lost" (th:zz) is unknown, weighted 1 (--assume-weight's default).
const SPANS: TestSpan[] = [
  { trace: traceId(5), id: spanId(1), name: "root", startMs: 0, durationMs: 10, traceState: "ot=th:c" },
  { trace: traceId(5), id: spanId(2), parent: spanId(1), name: "child", startMs: 1, durationMs: 2 },
  { trace: traceId(5), id: spanId(3), parent: spanId(1), name: "other", startMs: 1, durationMs: 2, traceState: "ot=th:8" },
  { trace: traceId(5), id: spanId(4), parent: spanId(1), name: "unknown", startMs: 1, durationMs: 2, traceState: "ot=th:zz" },
  { trace: traceId(6), id: spanId(5), name: "root6", startMs: 0, durationMs: 10 },
  { trace: traceId(6), id: spanId(6), parent: spanId(5), name: "child6", startMs: 1, durationMs: 2, attrs: { sampleRate: "10" } },
  { trace: traceId(7), id: spanId(7), name: "root7", startMs: 0, durationMs: 10 },
  { trace: traceId(7), id: spanId(8), parent: spanId(7), name: "lost", startMs: 1, durationMs: 2, traceState: "ot=th:zz" },
];
const EXPECTED = {
  root: [4, false], child: [4, false], other: [2, false], unknown: [4, false],
  root6: [10, false], child6: [10, false], root7: [1, false], lost: [1, true],
};

const dir = mkdtempSync(join(tmpdir(), "adtrace-trace-weights-"));
const dbPath = join(dir, "w.duckdb");

async function weights(db: Db): Promise<Record<string, [number, boolean]>> {
  const rows = await db.all("SELECT name, weight, unknown_weight FROM costed_spans");
  return Object.fromEntries(rows.map((r) => [String(r.name), [Number(r.weight), Boolean(r.unknown_weight)]]));
}

describe("a trace's sampling rate reaches its spans that carry none", () => {
  beforeAll(async () => {
    await loadIntoDatabase({ inputs: [writeTemp("trace-weights.json", otlpDocument(SPANS))], db: dbPath });
  }, 120_000);

  it("in the model stored at load", async () => {
    const db = await Db.open({ path: dbPath, readOnly: true });
    try {
      expect(await storedModelState(db, defaultConfig())).toBe("current");
      await useStoredModel(db, defaultConfig());
      expect(await weights(db)).toEqual(EXPECTED);
    } finally {
      db.close();
    }
  }, 120_000);

  it("in a session's own model", async () => {
    const db = await Db.open({ path: dbPath, readOnly: true });
    try {
      await installModel(db, defaultConfig());
      expect(await weights(db)).toEqual(EXPECTED);
    } finally {
      db.close();
    }
  }, 120_000);

  it("unweighted: every span 1, the unknown one still counted as unknown only where its trace carries nothing", async () => {
    const db = await Db.open({ path: dbPath, readOnly: true });
    try {
      await installModel(db, defaultConfig(), { unweighted: true });
      const w = await weights(db);
      expect(Object.values(w).every(([weight]) => weight === 1)).toBe(true);
      expect(Object.entries(w).filter(([, [, unknown]]) => unknown).map(([name]) => name)).toEqual(["lost"]);
    } finally {
      db.close();
    }
  }, 120_000);
});
