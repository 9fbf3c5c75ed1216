// Storing the cost model of many spans needs more memory than staging them (issue 16: 10,043,511
// spans ran out of memory within load's 256MB and stored within 2GB). Load raises DuckDB's limit
// before the model is stored, by the span count: 200 bytes a span, at most 2 GiB and half the
// machine's memory, never below 256MB, and never over a limit ADTRACE_MEMORY_LIMIT chose.
import { afterEach, describe, expect, it } from "vitest";
import { Db, fitModelMemory, modelMemoryMiB } from "../src/db/db.js";

const GiB = 1024 ** 3;

describe("the memory storing the model takes", () => {
  it("is 200 bytes a span in MiB, from 256MB up to 2 GiB and half the machine", () => {
    // Worked by hand: 10,043,511 × 200 = 2,008,702,200 B = 1,915.65 MiB.
    expect(modelMemoryMiB(10_043_511, 24 * GiB)).toBe(1915);
    // 5M × 200 = 1e9 B = 953.67 MiB.
    expect(modelMemoryMiB(5_000_000, 24 * GiB)).toBe(953);
    // 1M × 200 = 190.7 MiB: load's 256MB stands.
    expect(modelMemoryMiB(1_000_000, 24 * GiB)).toBeUndefined();
    // Whole MiB, rounded down, and 256 is not a raise: 257 MiB = 269,484,032 B starts at
    // 1,347,421 spans (269,484,200 B); 1,347,420 spans (269,484,000 B) is 256.99 MiB.
    expect(modelMemoryMiB(1_342_178, 24 * GiB)).toBeUndefined();
    expect(modelMemoryMiB(1_347_420, 24 * GiB)).toBeUndefined();
    expect(modelMemoryMiB(1_347_421, 24 * GiB)).toBe(257);
    // 100M spans: 2 GiB at most; on a 2 GiB machine, half of it.
    expect(modelMemoryMiB(100_000_000, 24 * GiB)).toBe(2048);
    expect(modelMemoryMiB(100_000_000, 2 * GiB)).toBe(1024);
  });
});

describe("fitModelMemory", () => {
  const saved = process.env.ADTRACE_MEMORY_LIMIT;
  afterEach(() => {
    if (saved === undefined) delete process.env.ADTRACE_MEMORY_LIMIT;
    else process.env.ADTRACE_MEMORY_LIMIT = saved;
  });

  const limitOf = async (db: Db) => String(await db.scalar("SELECT current_setting('memory_limit')"));

  it("raises DuckDB's limit for many spans, leaves it for few, and never overrides ADTRACE_MEMORY_LIMIT", async () => {
    delete process.env.ADTRACE_MEMORY_LIMIT;
    const db = await Db.open({ memoryLimit: "256MB" });
    try {
      const before = await limitOf(db);
      await fitModelMemory(db, 1_000_000);
      expect(await limitOf(db)).toBe(before);
      expect(db.memoryLimit).toBe("256MB");
      await fitModelMemory(db, 5_000_000);
      // DuckDB shows 953 MiB as 953.0 MiB.
      expect(await limitOf(db)).toBe("953.0 MiB");
      expect(db.memoryLimit).toBe("953MiB");
    } finally {
      db.close();
    }
    process.env.ADTRACE_MEMORY_LIMIT = "300MB";
    const chosen = await Db.open({ memoryLimit: "300MB" });
    try {
      const before = await limitOf(chosen);
      await fitModelMemory(chosen, 10_000_000);
      expect(await limitOf(chosen)).toBe(before);
    } finally {
      chosen.close();
    }
  });
});
