// What a command loads before its own work (issue 25, "The fixed cost", branch fixed25): the
// packages a command does not use are not loaded (yaml without a config or scenario file,
// protobufjs without OTLP protobuf input), counts in notes and tables are written without
// starting ICU's number formatting, in exactly the text toLocaleString writes, and a session over
// small input files starts DuckDB on one thread instead of starting its workers to stop them.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { smallInputs, SMALL_INPUT_BYTES } from "../src/analysis/inputs.js";
import { Db, SMALL_SESSION_ROWS } from "../src/db/db.js";
import { groupedCount } from "../src/output/units.js";
import { ROOT } from "./helpers/cli.js";

const FIXTURE = "fixtures/auction/jaeger.json";
const CONFIG = "fixtures/billing/adtrace.config.yaml";
/** CommonJS packages no analysis of a span file in a text format needs. */
const HEAVY = ["yaml", "protobufjs", "string-width", "apache-arrow", "cli-table3", "pg", "vega", "vega-lite", "@clickhouse/client"];

/**
 * The packages in the CommonJS module cache after the built program ran `args` in a fresh Node
 * (and then `after`, a statement of the child's module), with the command's exit code.
 */
function packagesLoaded(args: string[], after = ""): { code: number; packages: string[] } {
  const script = [
    'import { createRequire } from "node:module";',
    'import { run } from "./dist/index.js";',
    `const code = await run(["node", "adtrace", ...${JSON.stringify(args)}]);`,
    after,
    'const names = Object.keys(createRequire(process.cwd() + "/").cache).map((p) => /node_modules\\/((@[^/]+\\/)?[^/]+)\\//.exec(p)?.[1]).filter(Boolean);',
    'process.stdout.write("\\nLOADED " + JSON.stringify({ code, packages: [...new Set(names)].sort() }) + "\\n");',
  ].join("\n");
  const child = spawnSync(process.execPath, ["--input-type=module", "-e", script], { cwd: ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
  const line = child.stdout.split("\n").find((l) => l.startsWith("LOADED "));
  if (!line) throw new Error(`no LOADED line: ${child.stderr}`);
  return JSON.parse(line.slice("LOADED ".length)) as { code: number; packages: string[] };
}

describe("a command loads only the packages it uses", () => {
  it("cost breakdown of a Jaeger file with no config file: DuckDB, and none of the heavy packages it does not use", () => {
    const { code, packages } = packagesLoaded(["cost", "breakdown", FIXTURE, "--format", "csv", "-q"]);
    expect(code).toBe(0);
    expect(packages).toContain("@duckdb/node-api");
    expect(packages.filter((p) => HEAVY.includes(p))).toEqual([]);
  });

  it("yaml is loaded once a config file is read, protobufjs once the OTLP protobuf schema is used", () => {
    const config = packagesLoaded(["cost", "breakdown", FIXTURE, "--format", "csv", "-q", "--config", CONFIG]);
    expect(config.code).toBe(0);
    expect(config.packages).toContain("yaml");
    expect(config.packages).not.toContain("protobufjs");
    const proto = packagesLoaded(["--version"], '(await import("./dist/ingest/formats/otlp-schema.js")).otlpType("ResourceSpans");');
    expect(proto.packages).toContain("protobufjs");
    expect(proto.packages).not.toContain("yaml");
  });
});

describe("counts without ICU: groupedCount writes what toLocaleString('en-US', { maximumFractionDigits: 2 }) writes", () => {
  const icu = (n: number) => (Number.isInteger(n) ? n.toLocaleString("en-US") : n.toLocaleString("en-US", { maximumFractionDigits: 2 }));

  it("hand-picked values: ties at the third decimal, carries across digits and groups, signs, large integers", () => {
    const cases: [number, string][] = [
      [0, "0"], [280, "280"], [1000, "1,000"], [-1234567, "-1,234,567"], [2 ** 53, "9,007,199,254,740,992"],
      [1.005, "1.01"], [2.675, "2.68"], [0.125, "0.13"], [0.004, "0"], [-0.004, "-0"], [-0.005, "-0.01"],
      [9.995, "10"], [999.995, "1,000"], [999999.999, "1,000,000"], [1234.5, "1,234.5"], [0.1 + 0.2, "0.3"], [1 / 3, "0.33"],
    ];
    for (const [n, text] of cases) {
      expect(groupedCount(n), String(n)).toBe(text);
      expect(icu(n), String(n)).toBe(text);
    }
  });

  it("what it does not cover is left to toLocaleString: −0, infinities, exponent forms", () => {
    for (const n of [-0, Infinity, -Infinity, 1e-7, -5e-324, 1e21, 2 ** 70]) expect(groupedCount(n), String(n)).toBeUndefined();
  });

  it("50,000 values of every size, rounded to cents and to ties at the third decimal, with either sign", () => {
    // A fixed linear congruential sequence: the same values on every run.
    let state = 20261202;
    const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    let compared = 0;
    for (let i = 0; i < 50_000; i++) {
      const magnitude = next() * 10 ** Math.floor(next() * 22 - 7);
      const sign = next() < 0.3 ? -1 : 1;
      const shapes = [magnitude, Math.round(magnitude), Math.round(magnitude * 1000) / 1000, Math.round(magnitude * 200) / 200, Math.round(magnitude * 100) / 100 + 0.005, Number(magnitude.toPrecision(3))];
      const n = sign * shapes[i % shapes.length]!;
      const text = groupedCount(n);
      if (text === undefined) continue;
      compared++;
      if (text !== icu(n)) expect(text, String(n)).toBe(icu(n));
    }
    expect(compared).toBeGreaterThan(40_000);
  });
});

describe("a session over small input files starts on one thread", () => {
  const dir = mkdtempSync(join(tmpdir(), "adtrace-small-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const threads = async (db: Db) => String(await db.scalar("SELECT current_setting('threads')"));

  it("small: regular files under SMALL_INPUT_BYTES in all; a directory, a pipe, a missing file or more bytes are not", () => {
    const half = join(dir, "half.json");
    writeFileSync(half, Buffer.alloc(SMALL_INPUT_BYTES / 2));
    expect(smallInputs([FIXTURE])).toBe(true);
    expect(smallInputs([FIXTURE, half])).toBe(true);
    expect(smallInputs([half, half.replace("half", "half-again")])).toBe(false);
    writeFileSync(half.replace("half", "half-again"), Buffer.alloc(SMALL_INPUT_BYTES / 2));
    expect(smallInputs([half, half.replace("half", "half-again")])).toBe(false);
    expect(smallInputs(["fixtures/auction"])).toBe(false);
    expect(smallInputs(["-"])).toBe(false);
    expect(smallInputs(["fixtures/auction/*.json"])).toBe(false);
  });

  it("opened expecting a small session: one thread from the start; SMALL_SESSION_ROWS spans or more put DuckDB's default back", async () => {
    const saved = process.env.ADTRACE_THREADS;
    delete process.env.ADTRACE_THREADS;
    const plain = await Db.open();
    const db = await Db.open({ expectSmall: true });
    try {
      const cores = await threads(plain);
      expect(await threads(db)).toBe("1");
      await db.fitThreads(SMALL_SESSION_ROWS - 1);
      expect(await threads(db)).toBe("1");
      await db.fitThreads(SMALL_SESSION_ROWS);
      expect(await threads(db)).toBe(cores);
      await db.fitThreads(10);
      expect(await threads(db)).toBe("1");
    } finally {
      db.close();
      plain.close();
      if (saved !== undefined) process.env.ADTRACE_THREADS = saved;
    }
  });

  it("a chosen thread count wins over the guess", async () => {
    const db = await Db.open({ expectSmall: true, threads: 3 });
    try {
      expect(await threads(db)).toBe("3");
      await db.fitThreads(10);
      expect(await threads(db)).toBe("3");
    } finally {
      db.close();
    }
  });
});
