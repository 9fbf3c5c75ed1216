// What every command and every test file pays before any analysis (issue 25, TESTING.md "The
// fixed cost"): DuckDB's threads on a small session, @duckdb/node-api loaded through require(),
// and the test run's build skipped when dist/ is current.
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openSpans } from "../src/analysis/inputs.js";
import { Db, SMALL_SESSION_ROWS } from "../src/db/db.js";
import { duckdbApi } from "../src/db/duckdb-api.js";
import { adtraceIn } from "./helpers/in-process.js";
import { distIsCurrent } from "./setup/build.js";

const FIXTURE = "fixtures/auction/jaeger.json";

async function sessionThreads(env: string | undefined): Promise<string> {
  const saved = process.env.ADTRACE_THREADS;
  if (env === undefined) delete process.env.ADTRACE_THREADS;
  else process.env.ADTRACE_THREADS = env;
  try {
    const source = await openSpans({ inputs: [FIXTURE] });
    try {
      return String(await source.db.scalar("SELECT current_setting('threads')"));
    } finally {
      source.db.close();
    }
  } finally {
    if (saved === undefined) delete process.env.ADTRACE_THREADS;
    else process.env.ADTRACE_THREADS = saved;
  }
}

describe("a small session's threads", () => {
  it("the 369-span fixture runs on one thread; ADTRACE_THREADS still chooses", async () => {
    expect(await sessionThreads(undefined)).toBe("1");
    expect(await sessionThreads("3")).toBe("3");
  });

  it("from SMALL_SESSION_ROWS spans on, DuckDB's own default (one per core) stays", async () => {
    const saved = process.env.ADTRACE_THREADS;
    delete process.env.ADTRACE_THREADS;
    const db = await Db.open();
    try {
      const cores = String(await db.scalar("SELECT current_setting('threads')"));
      await db.fitThreads(SMALL_SESSION_ROWS);
      expect(String(await db.scalar("SELECT current_setting('threads')"))).toBe(cores);
      await db.fitThreads(SMALL_SESSION_ROWS - 1);
      expect(String(await db.scalar("SELECT current_setting('threads')"))).toBe("1");
    } finally {
      db.close();
      if (saved !== undefined) process.env.ADTRACE_THREADS = saved;
    }
  });

  it("one thread or four, the same bytes", async () => {
    const run = (threads: string | undefined) =>
      adtraceIn(["cost", "breakdown", FIXTURE, "--format", "csv", "-q"], { env: { ADTRACE_THREADS: threads } });
    const [one, four] = [await run(undefined), await run("4")];
    expect(one.code).toBe(0);
    expect(one.stdout.split("\n").length).toBeGreaterThan(5);
    expect(four).toEqual(one);
  });
});

it("@duckdb/node-api is the CommonJS module require() gives, not an ESM namespace", () => {
  expect(duckdbApi()).toBe(createRequire(import.meta.url)("@duckdb/node-api"));
});

describe("the test run's build is skipped only when dist/ is current", () => {
  const dir = mkdtempSync(join(tmpdir(), "adtrace-dist-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const src = join(dir, "src"), dist = join(dir, "dist"), config = join(dir, "tsconfig.json");
  const at = (path: string, seconds: number) => utimesSync(path, seconds, seconds);
  const files = { [join(src, "a.ts")]: 100, [join(src, "sub/b.ts")]: 100, [join(dist, "a.js")]: 200, [join(dist, "sub/b.js")]: 200, [config]: 50 };
  const reset = () => {
    for (const [path, time] of Object.entries(files)) {
      mkdirSync(join(path, ".."), { recursive: true });
      writeFileSync(path, "");
      at(path, time);
    }
  };
  const current = () => distIsCurrent(src, dist, config);

  it("every output newer than its source and the config: current", () => {
    reset();
    expect(current()).toBe(true);
  });

  it("a source changed after the build, a new source, or a changed config: not current", () => {
    reset();
    at(join(src, "sub/b.ts"), 300);
    expect(current()).toBe(false);
    reset();
    writeFileSync(join(src, "c.ts"), "");
    expect(current()).toBe(false);
    rmSync(join(src, "c.ts"));
    reset();
    at(config, 300);
    expect(current()).toBe(false);
    reset();
    rmSync(join(dist, "sub/b.js"));
    expect(current()).toBe(false);
  });
});
