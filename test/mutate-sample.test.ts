// scripts/mutate-sample.mjs (`npm run mutate:sample`): the parts its estimate rests on, checked
// against hand-worked values: the population Stryker's instrumenter lists for a small file, the
// seeded sample, the counts and the score's Wilson interval.
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

interface Mutant { key: string; file: string; line: number; range: string; original: string; mutatorName: string; replacement: string; status?: string }
interface Tally { counts: Record<string, number>; detected: number; valid: number; sampled: number; p: number; low: number; high: number }
interface Script {
  population(files: string[], root: string): Promise<Mutant[]>;
  sample<T>(items: T[], k: number, seed: number): T[];
  wilson(x: number, n: number): { p: number; low: number; high: number };
  tally(results: { status: string }[]): Tally;
  sourceFiles(root: string, folders: string[]): string[];
  summarize(meta: object, results: { status: string; file: string }[]): { text: string };
  mutantKey(m: object, root: string): string;
  resultKey(r: object, root: string): string;
  mergeRuns(drawn: Mutant[], runs: object[][]): { key: string; status: string }[];
  sourceText(lines: string[], location: { start: { line: number; column: number }; end: { line: number; column: number } }): string;
  codeSpan(text: string): string;
  survivorsList(meta: object, results: object[]): string;
}
const SCRIPT: string = "../scripts/mutate-sample.mjs";
const script = (await import(SCRIPT)) as Script;

const dir = mkdtempSync(join(tmpdir(), "mutate-sample-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("mutate:sample", () => {
  it("lists every mutant Stryker makes in a file, with its range, mutator and replacement", async () => {
    mkdirSync(join(dir, "src/model/deep"), { recursive: true });
    writeFileSync(join(dir, "src/model/deep/f.ts"), "export const f = (a: number) => a > 1;\n");
    writeFileSync(join(dir, "src/model/deep/types.d.ts"), "export type T = number;\n");
    expect(script.sourceFiles(dir, ["src/model"])).toEqual(["src/model/deep/f.ts"]);
    const mutants = await script.population(["src/model/deep/f.ts"], dir);
    // By hand: the arrow function emptied; `a > 1` always true, always false, `>=`, `<=`.
    expect(mutants.map((m) => `${m.range} ${m.mutatorName} ${m.replacement}`).sort()).toEqual([
      "src/model/deep/f.ts:1:17-1:37 ArrowFunction () => undefined",
      "src/model/deep/f.ts:1:32-1:37 ConditionalExpression false",
      "src/model/deep/f.ts:1:32-1:37 ConditionalExpression true",
      "src/model/deep/f.ts:1:32-1:37 EqualityOperator a <= 1",
      "src/model/deep/f.ts:1:32-1:37 EqualityOperator a >= 1",
    ]);
    expect(new Set(mutants.map((m) => m.key)).size).toBe(5);
    // What each replaces, read from the file by its columns: the whole arrow function, or `a > 1`.
    expect(mutants.map((m) => `${m.mutatorName} ${m.original}`).sort()).toEqual([
      "ArrowFunction (a: number) => a > 1",
      "ConditionalExpression a > 1", "ConditionalExpression a > 1", "EqualityOperator a > 1", "EqualityOperator a > 1",
    ]);
  });

  it("the text a mutant replaces, on one line or across several (0-based lines and columns)", () => {
    const lines = ["const x = {", "  a: 1,", "};", "f(a < b, c > d);"];
    expect(script.sourceText(lines, { start: { line: 3, column: 9 }, end: { line: 3, column: 14 } })).toBe("c > d");
    expect(script.sourceText(lines, { start: { line: 3, column: 2 }, end: { line: 3, column: 7 } })).toBe("a < b");
    expect(script.sourceText(lines, { start: { line: 0, column: 10 }, end: { line: 2, column: 1 } })).toBe("{\n  a: 1,\n}");
  });

  it("survivors.md names what each survivor replaces, whether it is static, and writes template literals and pipes as they are", () => {
    expect(script.codeSpan("a | b")).toBe("`a \\| b`");
    expect(script.codeSpan("``")).toBe("``` `` ```");
    expect(script.codeSpan("x ? `${a}` : b")).toBe("``x ? `${a}` : b``");
    expect(script.codeSpan("f(\n  a,\n  b)")).toBe("`f( a, b)`");
    const results = [
      { status: "Killed", range: "src/a.ts:1:0-1:3", original: "one", mutatorName: "M", replacement: "x" },
      { status: "Survived", range: "src/a.ts:36:58-36:87", original: "a > b", static: false, mutatorName: "EqualityOperator", replacement: "a <= b", testsCompleted: 14 },
      { status: "Survived", range: "src/b.ts:18:29-18:37", original: '"number"', static: true, mutatorName: "StringLiteral", replacement: '""', testsCompleted: 44 },
      { status: "NoCoverage", range: "src/c.ts:2:1-2:3", original: "[]", mutatorName: "ArrayDeclaration", replacement: '["Stryker was here"]' },
    ];
    const text = script.survivorsList({ seed: 7, date: "d" }, results);
    expect(text).toMatch(/^# Surviving mutants of the sample \(seed 7, 4 drawn, d\)\n/);
    const table = text.split("\n").filter((l) => l.startsWith("| "));
    expect(table).toEqual([
      "| status | where | static | mutator | original | replacement | tests that ran |",
      "| Survived | src/a.ts:36:58-36:87 | no | EqualityOperator | `a > b` | `a <= b` | 14 |",
      '| Survived | src/b.ts:18:29-18:37 | yes | StringLiteral | `"number"` | `""` | 44 |',
      '| NoCoverage | src/c.ts:2:1-2:3 |  | ArrayDeclaration | `[]` | `["Stryker was here"]` |  |',
    ]);
  });

  it("matches Stryker's results (report schema: lines and columns 1-based) to the instrumenter's mutants (0-based)", () => {
    const mutant = { fileName: join(dir, "src/a.ts"), mutatorName: "EqualityOperator", replacement: "a >= 1", location: { start: { line: 120, column: 8 }, end: { line: 120, column: 21 } } };
    const result = { ...mutant, location: { start: { line: 121, column: 9 }, end: { line: 121, column: 22 } } };
    expect(script.mutantKey(mutant, dir)).toBe("src/a.ts:121:8-121:21 EqualityOperator a >= 1");
    expect(script.resultKey(result, dir)).toBe(script.mutantKey(mutant, dir));
  });

  it("merges runs: a later run's result replaces an earlier one's (--retry), but not where it was not asked to run a mutant", () => {
    const root = process.cwd();
    const at = (line: number, status: string, statusReason?: string) => ({
      fileName: join(root, "src/a.ts"), mutatorName: "BooleanLiteral", replacement: "true", status, statusReason,
      location: { start: { line, column: 1 }, end: { line, column: 5 } },
    });
    // The drawn mutants: instrumenter locations (0-based), keys as resultKey makes them from the results (1-based).
    const drawn = [1, 2, 3, 4].map((line) => {
      const key = script.resultKey(at(line, ""), root);
      return { key, file: "src/a.ts", line, range: "", original: "false", mutatorName: "BooleanLiteral", replacement: "true" };
    });
    const first = [at(1, "Killed"), at(2, "Survived"), at(3, "NoCoverage")];
    // The retry ran 2, 3 and 4; 1 sat inside a range it ran and came back "not in the sample".
    const retry = [at(1, "Ignored", "not in the sample"), at(2, "Killed"), at(3, "NoCoverage"), at(4, "Survived")];
    expect(script.mergeRuns(drawn, [first]).map((r) => r.status)).toEqual(["Killed", "Survived", "NoCoverage", "Pending"]);
    expect(script.mergeRuns(drawn, [first, retry]).map((r) => r.status)).toEqual(["Killed", "Killed", "NoCoverage", "Survived"]);
    // Whether Stryker found the mutant static travels with its result, for survivors.md.
    const statics = [{ ...at(1, "Survived"), static: true }, { ...at(2, "Survived"), static: false }];
    expect(script.mergeRuns(drawn, [statics]).map((r) => (r as { static?: boolean }).static)).toEqual([true, false, undefined, undefined]);
  });

  it("draws a simple random sample: K distinct items in their order, the same for a seed, each item equally likely", () => {
    const items = Array.from({ length: 50 }, (_, i) => i);
    const drawn = script.sample(items, 12, 25);
    expect(drawn).toHaveLength(12);
    expect(new Set(drawn).size).toBe(12);
    expect([...drawn].sort((a, b) => a - b)).toEqual(drawn);
    expect(script.sample(items, 12, 25)).toEqual(drawn);
    expect(script.sample(items, 12, 26)).not.toEqual(drawn);
    expect(script.sample(items, 80, 1)).toEqual(items);
    // 4,000 seeds drawing 3 of 10: each item 1,200 times expected, sd about 29; 6 sd either side.
    const counts = new Array<number>(10).fill(0);
    for (let seed = 0; seed < 4000; seed += 1) for (const i of script.sample(items.slice(0, 10), 3, seed)) counts[i]! += 1;
    for (const n of counts) expect(Math.abs(n - 1200)).toBeLessThan(175);
  });

  it("scores (killed + timeout) over killed, timeout, survived and no coverage", () => {
    const statuses = ["Killed", "Killed", "Killed", "Timeout", "Survived", "Survived", "NoCoverage", "NoCoverage", "CompileError", "Ignored", "RuntimeError"];
    const t = script.tally(statuses.map((status) => ({ status })));
    expect(t.counts).toMatchObject({ Killed: 3, Timeout: 1, Survived: 2, NoCoverage: 2, CompileError: 1, Ignored: 1, RuntimeError: 1 });
    expect([t.sampled, t.detected, t.valid, t.p]).toEqual([11, 4, 8, 0.5]);
  });

  it("a partial run gives the bounds its pending mutants leave", () => {
    const meta = { date: "d", seed: 1, populationSize: 10, files: 1, perFolder: { "src/analysis": 10 }, tests: "t", pending: 2 };
    const results = ["Killed", "Killed", "Killed", "Survived", "CompileError"].map((status) => ({ status, file: "src/analysis/a.ts" }));
    // 3 killed of 4 valid; 2 pending: 3 of 6 if both survive, 5 of 6 if both are killed.
    expect(script.summarize(meta, results).text).toContain("lies between 50.0% (all survive) and 83.3% (all killed)");
  });

  it("gives the Wilson 95% interval", () => {
    // By hand, 8 of 10, z = 1.96: centre (0.8 + 0.19208) / 1.38415 = 0.71674,
    // half 1.41603 × √(0.016 + 0.009604) = 0.22658: 0.4902 to 0.9433.
    const w = script.wilson(8, 10);
    expect(w.p).toBe(0.8);
    expect(w.low).toBeCloseTo(0.4902, 4);
    expect(w.high).toBeCloseTo(0.9433, 4);
    // 0 of 20: from 0 to z² / (n + z²) = 3.8415 / 23.8415 = 0.1611.
    const none = script.wilson(0, 20);
    expect(none.low).toBe(0);
    expect(none.high).toBeCloseTo(0.1611, 4);
    expect(Number.isNaN(script.wilson(0, 0).p)).toBe(true);
  });
});

describe("the mutation lists' files", () => {
  it("every test file is in the widest mutation list (with the chDB files) or left out with a reason", async () => {
    // A file missing from the lists makes Stryker count what it kills as survived: the seed-31 and
    // seed-32 samples ran without the whole-file tests written after seed 30.
    // By a path in a variable, so the type check of test/ does not follow the configs' own imports.
    const WIDEST: string = "../vitest.mutate-clickhouse.config.js";
    const WIDE: string = "../vitest.mutate-wide.config.js";
    const widest = ((await import(WIDEST)) as { default: { test?: { include?: string[] } } }).default;
    const { NOT_MUTATED } = (await import(WIDE)) as { NOT_MUTATED: Record<string, string> };
    const listed = new Set(widest.test?.include ?? []);
    const files = readdirSync("test").filter((name) => name.endsWith(".test.ts")).map((name) => `test/${name}`);
    expect(files.filter((file) => !listed.has(file) && !(file in NOT_MUTATED))).toEqual([]);
    expect(Object.keys(NOT_MUTATED).filter((file) => listed.has(file) || !files.includes(file))).toEqual([]);
  });

  it("CHDB_FILES holds every test file that starts chDB in its process (through test/helpers/chdb.ts)", async () => {
    // Stryker runs its lists in worker threads, and chDB segfaults when a thread that loaded it
    // ends; CHDB_FILES is what moves a list to forks (chdbInForks), so a chDB file missing from
    // it would crash every Stryker run that includes it.
    const { CHDB_FILES } = await import("../vitest.mutate.config.js");
    const loaders = readdirSync("test")
      .filter((name) => name.endsWith(".test.ts") && /from "\.\/helpers\/chdb\.js"/.test(readFileSync(join("test", name), "utf8")))
      .map((name) => `test/${name}`);
    expect(loaders.length).toBeGreaterThan(10);
    expect(loaders.filter((file) => !CHDB_FILES.includes(file))).toEqual([]);
  });
});
