// Hardening of the CLI surface, each case run through the built CLI as a user would: report
// directories that are not ours are never deleted, stdin reports are byte-stable and leave no
// copy behind, control and bidi characters never reach a terminal or stderr, internal errors are
// one line, unwritable --out paths are usage errors, Ctrl-C leaves no temporary file, export CSV
// is documented as raw and report --raw-csv works, machine formats carry plain numbers and
// snake_case keys, subcommand help lists the global options, and a closed pipe is not an error.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { adtrace, BIN, FIXTURE, ROOT, startHeld, type CliResult } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";
import { repeatedFixture } from "./helpers/repeated-fixture.js";
import { withStdin } from "./helpers/with-stdin.js";
import { otlpDocument, spanId, traceId } from "./helpers/otlp.js";
import { displayWidth, escapeJsonControl, stripControl, truncate, wrapText } from "../src/output/text.js";

const dir = mkdtempSync(join(tmpdir(), "adtrace-hard-"));
const TTY_RUNS = fileURLToPath(new URL("./helpers/tty-runs.mjs", import.meta.url));
const fixture = `${FIXTURE}/otlp.jsonl`;
const fixtureBytes = readFileSync(join(ROOT, fixture));

/** A fresh, empty directory for TMPDIR, so a test sees every temporary file the CLI leaves. */
const freshTmp = (name: string) => mkdtempSync(join(dir, `${name}-`));

function expectOneLineError(r: CliResult, code: number, ...mentions: string[]): string {
  expect(r.code, r.stderr).toBe(code);
  expect(r.stdout).toBe("");
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines, r.stderr).toHaveLength(1);
  for (const m of mentions) expect(lines[0]).toContain(m);
  return lines[0]!;
}

// Span names that attack a terminal (CSI colour, OSC title set ended by BEL, bidi override and
// isolate, zero-width space) or a spreadsheet (formulas).
const HOSTILE = [
  "\u001b[31mRED\u001b]0;pwned\u0007",
  "bidi\u202Eevil\u2066x\u2069",
  "zero\u200Bwidth",
  "=HYPERLINK(\"http://x\",\"y\")",
  "+cmd|' /C calc'!A0",
  "@SUM(A1)",
  "-2+3",
  "\tlead",
];
let hostile: string;

beforeAll(async () => {
  hostile = join(dir, "hostile.json");
  writeFileSync(hostile, otlpDocument(HOSTILE.map((name, i) => ({ trace: traceId(i + 1), id: spanId(i + 1), name, startMs: i, durationMs: 5, attrs: { "cost.usd": "0.001" } }))));
});

describe("report --out-dir never deletes what is not an adtrace report", () => {
  it("a non-empty directory that is not a report is refused, one line, exit 2, untouched", async () => {
    const victim = join(dir, "victim");
    mkdirSync(victim);
    writeFileSync(join(victim, "notes.txt"), "x");
    const r = await adtraceIn(["report", fixture, "--out-dir", victim]);
    expectOneLineError(r, 2, victim, "not an adtrace report");
    expect(readdirSync(victim)).toEqual(["notes.txt"]);
    expect(readFileSync(join(victim, "notes.txt"), "utf8")).toBe("x");
    // No temporary directory left beside it either.
    expect(readdirSync(dir).filter((n) => n.startsWith(".victim"))).toEqual([]);
  });

  it("--out-dir . in a directory with files is refused, the files stay", async () => {
    const cwd = mkdtempSync(join(dir, "cwd-"));
    writeFileSync(join(cwd, "keep.txt"), "mine");
    const r = await adtraceIn(["report", join(ROOT, fixture), "--out-dir", "."], { cwd });
    expect(r.code, r.stderr).toBe(2);
    expect(readdirSync(cwd)).toEqual(["keep.txt"]);
  });

  it("a directory with only a stranger's report.json is not taken for a report", async () => {
    const other = join(dir, "other");
    mkdirSync(other);
    writeFileSync(join(other, "report.json"), JSON.stringify({ quarterly: true }));
    expect((await adtraceIn(["report", fixture, "--out-dir", other])).code).toBe(2);
    expect(readdirSync(other)).toEqual(["report.json"]);
  });

  it("an earlier bundle is replaced; a bundle someone added a file to is refused; missing parents are created", async () => {
    const out = join(dir, "a", "b", "report");
    expect((await adtraceIn(["report", fixture, "--out-dir", out, "-q"])).code).toBe(0);
    const first = readFileSync(join(out, "report.json"), "utf8");
    expect((await adtraceIn(["report", `${FIXTURE}/zipkin.json`, "--out-dir", out, "-q"])).code).toBe(0);
    const second = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    expect(second.inputs[0].path).toBe(`${FIXTURE}/zipkin.json`);
    expect(JSON.parse(first).inputs[0].path).toBe(fixture);
    writeFileSync(join(out, "my-notes.md"), "mine");
    expect((await adtraceIn(["report", fixture, "--out-dir", out])).code).toBe(2);
    expect(readFileSync(join(out, "my-notes.md"), "utf8")).toBe("mine");
    expect(readdirSync(join(dir, "a", "b"))).toEqual(["report"]);
  });

  it("an --out-dir below a file is refused before any work", async () => {
    const file = join(dir, "plain-file");
    writeFileSync(file, "");
    expectOneLineError(await adtraceIn(["report", fixture, "--out-dir", join(file, "sub")]), 2, file, "not a directory");
  });
});

describe("reports from stdin", () => {
  it("are byte-stable, record the input as '-', and leave no copy of stdin behind", async () => {
    const tmp = freshTmp("stdin");
    const args = (out: string) => ["report", "-", "--out-dir", join(dir, out), "--no-timestamp", "-q"];
    // The first run a child reading its own stdin, the second in-process reading the same bytes
    // as process.stdin (test/helpers/with-stdin.ts): the same bundle, byte for byte.
    expect(adtrace(args("stdin-a"), { input: fixtureBytes, env: { TMPDIR: tmp } }).code).toBe(0);
    expect((await withStdin(fixtureBytes, () => adtraceIn(args("stdin-b"), { env: { TMPDIR: tmp } }))).code).toBe(0);
    for (const f of readdirSync(join(dir, "stdin-a"))) {
      expect(readFileSync(join(dir, "stdin-b", f), "utf8"), f).toBe(readFileSync(join(dir, "stdin-a", f), "utf8"));
    }
    const report = JSON.parse(readFileSync(join(dir, "stdin-a", "report.json"), "utf8"));
    expect(report.inputs).toEqual([{ path: "-", bytes: fixtureBytes.length, sha256: createHash("sha256").update(fixtureBytes).digest("hex") }]);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it("bad stdin: an error, and still no copy left", async () => {
    const tmp = freshTmp("stdin-bad");
    const r = await withStdin("not spans\n", () => adtraceIn(["inspect", "-"], { env: { TMPDIR: tmp } }));
    expectOneLineError(r, 2, "stdin");
    expect(readdirSync(tmp)).toEqual([]);
  });

  it("Ctrl-C while stdin is being read: exit 130, nothing left", async () => {
    const tmp = freshTmp("stdin-int");
    const child = spawn(process.execPath, [BIN, "load", "-", "--db", join(dir, "stdin-int.duckdb")], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1", TMPDIR: tmp } });
    child.stdin.write(fixtureBytes.subarray(0, 1000));
    // Standard input is read in the load itself (never copied first): the load's spool is there.
    await until(() => readdirSync(tmp).some((n) => n.startsWith("adtrace-spool-")));
    child.kill("SIGINT");
    expect(await exitCode(child)).toBe(130);
    expect(readdirSync(tmp)).toEqual([]);
  });
});

describe("control characters never reach a terminal or stderr", () => {
  /**
   * Run the command lines on a pseudo-terminal (util-linux script), so stdout.isTTY is true, one
   * after another in one process of the built program (test/helpers/tty-runs.mjs, which marks
   * where each run's output ends); stdout and stderr both reach the terminal. Each run's output.
   */
  function onTerminal(runs: string[][]): string[] {
    const list = join(mkdtempSync(join(dir, "terminal-")), "runs.json");
    writeFileSync(list, JSON.stringify(runs));
    const command = [process.execPath, TTY_RUNS, list].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(" ");
    const r = spawnSync("script", ["-qec", command, "/dev/null"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", SHELL: "/bin/sh" } });
    expect(r.status, r.stderr).toBe(0);
    // The terminal turns each \n into \r\n (and CSV ends records with \r\n of its own).
    const parts = r.stdout.replace(/\r*\n/g, "\n").split(/\n@@adtrace-run-end (\d+) (\d+)\n/);
    expect(parts.length, r.stdout.slice(-500)).toBe(3 * runs.length + 1);
    return runs.map((args, i) => {
      expect([parts[3 * i + 1], parts[3 * i + 2]], args.join(" ")).toEqual([String(i), "0"]);
      return parts[3 * i]!;
    });
  }
  // Anything a terminal would act on or hide: C0/C1 controls (bar the line feed), bidi, zero-width.
  const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]/;

  it("CSV, JSON, table and Markdown on a terminal carry none; JSON still reads back to the exact names", async () => {
    const formats = ["csv", "json", "table", "md"];
    const outputs = onTerminal(formats.map((format) => ["cost", "breakdown", hostile, "--by", "name", "--format", format, "-q"]));
    formats.forEach((format, i) => {
      const out = outputs[i]!;
      expect(out, format).not.toMatch(UNSAFE);
      expect(out, format).toContain("zero");
      if (format === "json") expect(JSON.parse(out).groups.map((g: { name: string }) => g.name).sort()).toEqual([...HOSTILE].sort());
    });
  });

  it("piped, CSV and JSON keep the data exactly (apart from the formula guard)", async () => {
    const csv = (await adtraceIn(["cost", "breakdown", hostile, "--by", "name", "--format", "csv"])).stdout;
    expect(csv).toContain("\u001b[31mRED\u001b]0;pwned\u0007,");
    expect(csv).toContain("bidi\u202Eevil\u2066x\u2069,");
    expect(csv).toContain("'@SUM(A1),");
    const json = JSON.parse((await adtraceIn(["cost", "breakdown", hostile, "--by", "name", "--format", "json"])).stdout);
    expect(json.groups.map((g: { name: string }) => g.name).sort()).toEqual([...HOSTILE].sort());
  });

  it("file names found in a directory are cleaned in errors and in the ignored-files note", async () => {
    const walked = join(dir, "walked");
    mkdirSync(walked);
    writeFileSync(join(walked, "spans.json"), readFileSync(join(ROOT, FIXTURE, "zipkin.json")));
    writeFileSync(join(walked, "evil\u001b[31m\u202Ename.txt"), "hello\n");
    const ok = await adtraceIn(["load", walked, "--db", join(dir, "walked.duckdb"), "--format", "csv"]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/ignored 1 file\(s\).*evil\uFFFD\[31m\uFFFDname\.txt/);
    expect(ok.stderr).not.toMatch(UNSAFE);
    writeFileSync(join(walked, "bad\u001b]0;title\u0007.json"), '{"resourceSpans":[{');
    const bad = await adtraceIn(["load", walked, "--db", join(dir, "walked2.duckdb")]);
    const line = expectOneLineError(bad, 2, "bad\uFFFD]0;title\uFFFD.json");
    expect(line).not.toMatch(UNSAFE);
  });

  it("stripControl removes bidi and format characters; escapeJsonControl keeps the document", async () => {
    expect(stripControl("a\u202Eb\u2066c\u2069d\u200Be\u00ADf\uFEFFg\u2028h")).toBe("a\uFFFDb\uFFFDc\uFFFDd\uFFFDe\uFFFDf\uFFFDg\uFFFDh");
    const value = { s: "x\u001b[1m\u007f\u0085\u202E\u2028\u{E0041}y", k: ["\u2066"] };
    const escaped = escapeJsonControl(JSON.stringify(value));
    expect(escaped).not.toMatch(UNSAFE);
    expect(escaped).not.toContain("\u{E0041}");
    expect(JSON.parse(escaped)).toEqual(value);
  });
});

describe("errors", () => {
  it("an internal error (DuckDB out of memory) is one line; --debug has the details", async () => {
    const db = join(dir, "small.duckdb");
    expect((await adtraceIn(["load", fixture, "--db", db, "-q"])).code).toBe(0);
    const env = { ADTRACE_MEMORY_LIMIT: "1MB" };
    const line = expectOneLineError(await adtraceIn(["cost", "breakdown", "--db", db], { env }), 70, "adtrace: internal error: ", "--debug");
    expect(line).toMatch(/Out of Memory/);
    const debug = await adtraceIn(["cost", "breakdown", "--db", db, "--debug"], { env });
    expect(debug.code).toBe(70);
    expect(debug.stderr.split("\n").length).toBeGreaterThan(3);
  });

  it("--out into a missing directory or onto a directory is a usage error naming the path", async () => {
    const missing = join(dir, "no-such-dir", "x.csv");
    expectOneLineError(await adtraceIn(["inspect", fixture, "--out", missing]), 2, `--out ${missing}`, "no such directory");
    expectOneLineError(await adtraceIn(["inspect", fixture, "--out", dir]), 2, `--out ${dir}`, "is a directory");
    const parquet = join(dir, "no-such-dir", "x.parquet");
    expectOneLineError(await adtraceIn(["export", fixture, "--out", parquet]), 2, `--out ${parquet}`, "no such directory");
    expectOneLineError(await adtraceIn(["cost", "breakdown", fixture, "--out", join(dir, "no-such-dir", "b.json")]), 2, "no such directory");
    expect(existsSync(join(dir, "no-such-dir"))).toBe(false);
  });
});

/** Poll until `condition` holds (the CLI reached the state a test wants to interrupt). */
async function until(condition: () => boolean, timeoutMs = 60_000): Promise<void> {
  const started = Date.now();
  while (!condition()) {
    if (Date.now() - started > timeoutMs) throw new Error("the CLI never reached the awaited state");
    await new Promise((r) => setTimeout(r, 10));
  }
}

function exitCode(child: ReturnType<typeof spawn>): Promise<number | null> {
  return new Promise((resolve) => child.on("exit", (code) => resolve(code)));
}

describe("Ctrl-C", () => {
  // Each run is held while its output is being written (ADTRACE_TEST_HOLD=output-written, see
  // src/db/interrupt.ts) and interrupted there, whatever the machine's speed.
  it("during generate: exit 130, no output file, no partial or spool file, for JSON Lines and Parquet", async () => {
    for (const name of ["spans.jsonl", "spans.parquet"]) {
      const outDir = mkdtempSync(join(dir, "gen-int-"));
      const held = await startHeld(["generate", "--events", "200", "--out", join(outDir, name), "-q"], "output-written");
      expect(readdirSync(outDir).some((n) => n.includes(".tmp")), `${name}: the partial file is there`).toBe(true);
      held.child.kill("SIGINT");
      expect((await held.done).code, name).toBe(130);
      expect(readdirSync(outDir), name).toEqual([]);
    }
  });

  it("during export: exit 130, no output file, no temporary file, no DuckDB spill directory", async () => {
    const big = await repeatedFixture(300);
    const tmp = freshTmp("int");
    const outDir = mkdtempSync(join(dir, "int-out-"));
    // A memory limit small enough that DuckDB spills to its temporary directory.
    const held = await startHeld(["export", big, "--out", join(outDir, "spans.parquet"), "-q"], "output-written", { env: { TMPDIR: tmp, ADTRACE_MEMORY_LIMIT: "100MB" } });
    expect(readdirSync(tmp).some((n) => n.startsWith("adtrace-duckdb-")), "DuckDB spilled to its temporary directory").toBe(true);
    expect(readdirSync(outDir).some((n) => n.endsWith(".tmp")), "the partial file is there").toBe(true);
    held.child.kill("SIGINT");
    expect((await held.done).code).toBe(130);
    expect(readdirSync(outDir)).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  });
});

describe("CSV formula guard", () => {
  it("export's help and the README say export CSV is raw data; export keeps the cells exactly", async () => {
    expect((await adtraceIn(["export", "--help"])).stdout).toMatch(/raw data for reading back[\s\S]*NOT guarded/);
    expect(readFileSync(join(ROOT, "README.md"), "utf8")).toMatch(/Export CSV is raw data for reading back, \*\*not for spreadsheets\*\*/);
    const csv = join(dir, "hostile.csv");
    expect((await adtraceIn(["export", hostile, "--out", csv, "-q"])).code).toBe(0);
    expect(readFileSync(csv, "utf8")).toContain('"=HYPERLINK(""http://x"",""y"")"');
    const back = JSON.parse((await adtraceIn(["cost", "breakdown", csv, "--by", "name", "--format", "json"])).stdout);
    expect(back.groups.map((g: { name: string }) => g.name).sort()).toEqual([...HOSTILE].sort());
  });

  it("report guards its CSV cells, and --raw-csv turns the guard off", async () => {
    const spans = join(dir, "formula-query.json");
    writeFileSync(spans, otlpDocument([{ trace: traceId(1), id: spanId(1), name: "tracker.warehouse.query", startMs: 0, durationMs: 5,
      attrs: { "cost.usd": "0.001", "db.system": "snowflake", "db.statement": "=HYPERLINK(\"http://x\") FROM t WHERE id = 42" } }]));
    expect((await adtraceIn(["report", spans, "--out-dir", join(dir, "guarded"), "-q"])).code).toBe(0);
    expect((await adtraceIn(["report", spans, "--out-dir", join(dir, "raw"), "--raw-csv", "-q"])).code).toBe(0);
    const cell = '=HYPERLINK(""http://x"") FROM t WHERE id = ?"';
    expect(readFileSync(join(dir, "guarded", "queries.csv"), "utf8")).toContain(`,"'${cell}`);
    expect(readFileSync(join(dir, "raw", "queries.csv"), "utf8")).toContain(`,"${cell}`);
  });
});

describe("machine formats", () => {
  it("inspect CSV and JSON numbers have no thousands separators; the table keeps them", async () => {
    const input = await repeatedFixture(3);
    const csv = (await adtraceIn(["inspect", input, "--format", "csv"])).stdout;
    expect(csv).toContain("\r\nspans,1107\r\n");
    expect(csv).toContain("\r\ntraces,120\r\n");
    expect(csv).not.toMatch(/\d,\d{3}/);
    expect((await adtraceIn(["inspect", input, "--format", "table"])).stdout).toMatch(/^spans\s+1,107\s*$/m);
  });

  it("load --format json has snake_case keys like every other JSON", async () => {
    const walked = join(dir, "load-json");
    mkdirSync(walked);
    writeFileSync(join(walked, "spans.json"), readFileSync(join(ROOT, FIXTURE, "zipkin.json")));
    writeFileSync(join(walked, "readme.txt"), "not spans\n");
    const r = await adtraceIn(["load", walked, "--db", join(dir, "load-json.duckdb"), "--format", "json", "-q"]);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ total_spans: 369, spans_read: 369, spans_added: 369, skipped_examples: [], ignored_files: [join(walked, "readme.txt")] });
    expect(doc.files[0]).toMatchObject({ format: "zipkin", spans_read: 369, spans_added: 369 });
    const keys: string[] = [];
    const walk = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) keys.push(k), walk(x);
    };
    walk(doc);
    expect(keys.filter((k) => /[A-Z]/.test(k))).toEqual([]);
  });
});

describe("help and pipes", () => {
  it("subcommand --help lists the global options", async () => {
    for (const command of [["load"], ["cost", "breakdown"], ["report"]]) {
      const help = (await adtraceIn([...command, "--help"])).stdout;
      for (const option of ["--db <file>", "--strict", "--quiet", "--format <format>", "--debug"]) expect(help, `${command.join(" ")} ${option}`).toContain(option);
    }
  });

  it("a reader that closes the pipe early (2>&1 | head -1) is not an error; a breached gate still exits 1", async () => {
    const piped = (args: string[]) => {
      const r = spawnSync("bash", ["-c", `"$@" 2>&1 | head -1 >/dev/null; exit "\${PIPESTATUS[0]}"`, "bash", process.execPath, BIN, ...args], { cwd: ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1" } });
      return r.status;
    };
    expect(piped(["cost", "breakdown", fixture])).toBe(0);
    expect(piped(["inspect", fixture, "--format", "json"])).toBe(0);
    const regressed = join(dir, "regressed.jsonl");
    writeFileSync(regressed, fixtureBytes.toString("utf8").replace(/"cost\.usd","value":\{"stringValue":"([0-9.e-]+)"/g, (_m, usd: string) => `"cost.usd","value":{"stringValue":"${Number(usd) * 2}"`));
    expect(piped(["diff", fixture, regressed, "--max-cost-increase", "5%"])).toBe(1);
  });
});

describe("tables fit 100 columns", () => {
  /** Terminal cells of the widest line: code points (these views hold no double-width characters). */
  const widest = (text: string) => Math.max(...text.split("\n").map((l) => [...l].length));

  it("every table view on the fixture, headings and notes included", async () => {
    const long = join(dir, "long-names.json");
    writeFileSync(long, otlpDocument([1, 2, 3].map((i) => ({ trace: traceId(i), id: spanId(i), name: `service.component.${"very-long-operation-name-".repeat(6)}${i}`, startMs: i, durationMs: 5, attrs: { "cost.usd": "0.001", user_locale: `${"x".repeat(60)}-${i}` } }))));
    const views = [
      ["inspect", fixture],
      ["load", fixture, "--db", join(dir, "width.duckdb")],
      ["cost", "breakdown", fixture],
      ["cost", "breakdown", fixture, "--by", "name"],
      ["cost", "breakdown", fixture, "--by", "service"],
      ["cost", "breakdown", fixture, "--by", "stage,attr:user_locale"],
      ["cost", "breakdown", fixture, "--by", "stage,name,attr:user_locale"],
      ["cost", "breakdown", long, "--by", "name,attr:user_locale"],
      ["cost", "queries", fixture],
      ["cost", "flags", fixture],
      ["savings", fixture, "--suggest"],
      ["savings", fixture, "--scenario", "fixtures/scenarios.yaml"],
      ["diff", fixture, `${FIXTURE}/zipkin.json`],
      ["diff", fixture, `${FIXTURE}/zipkin.json`, "--by", "name"],
    ];
    for (const args of views) {
      const r = await adtraceIn([...args, "--format", "table"]);
      expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
      expect(widest(r.stdout), `${args.join(" ")}\n${r.stdout}`).toBeLessThanOrEqual(100);
    }
  });

  it("widths are terminal cells: wide characters count two, combining marks none; notes wrap at spaces", async () => {
    expect(displayWidth("日本語")).toBe(6);
    expect(displayWidth("e\u0301")).toBe(1);
    // Emoji as the table library measures them (a hand-rolled table counted ☕ and 🚀 as 1 or 2
    // apart from it, and the library cut a fitted cell a second time).
    expect(displayWidth("🚀launcher")).toBe(10);
    expect(displayWidth("☕brew")).toBe(6);
    expect(truncate("🚀launcher", 9)).toBe("🚀launch…");
    expect(truncate("日本語テキスト", 7)).toBe("日本語…");
    expect(truncate("abcdef", 6)).toBe("abcdef");
    expect(truncate("abcdefg", 6)).toBe("abcde…");
    expect(wrapText("aaaa bbbb cccc", 9)).toEqual(["aaaa bbbb", "  cccc"]);
    expect(wrapText("x".repeat(12), 5)).toEqual(["xxxxx", "  xxx", "  xxx", "  x"]);
  });

  it("what gives way, in order: bars, then long text (cut with …), then optional columns; numbers never", async () => {
    const byName = (await adtraceIn(["cost", "breakdown", fixture, "--by", "name", "--format", "table"])).stdout;
    // 110 columns with bars: the bars go, then the longest name is cut to fit, self p95 stays.
    expect(byName).not.toMatch(/█/);
    expect(byName).toMatch(/self p95/);
    // fixtures/auction/README.md: the BigQuery aggregates cost $0.01678804435763888… ($0.000420 per
    // event, 41.7% of $0.0402893724826…), $0.01678466796875 of it query cost ($0.000420 per event).
    expect(byName).toMatch(/^aggregator\.warehouse\.\S*…\s+44\s+40\s+\$0\.000420\s+41\.7%\s+\$0\.000420\s+6\.50 ms\s+6\.50 ms\s+bigquery\s*$/m);
    const byStage = (await adtraceIn(["cost", "breakdown", fixture, "--format", "table"])).stdout;
    expect(byStage).toMatch(/43\.7% ███ /); // fits as it is: bars kept (0.4365 × 7 cells = 3 whole)
    const twoKeys = (await adtraceIn(["cost", "breakdown", fixture, "--by", "stage,attr:user_locale", "--format", "table"])).stdout;
    // Stage names are short: they stay whole; the optional self p95 column goes, then (grouped by
    // an attribute, where the table shows $/own event) the query split.
    // en-US is t = 4, 8, … 40: 10 rollups ($0.00002 each) and 12 aggregates (t = 20 and 40 run two),
    // 12 × ($0.0003814697265625 + $0.0000000767361…) + $0.0002 = $0.00477855755…: $0.000119 per event
    // (÷ 40), $0.000478 per en-US event (÷ 10), 11.9% of $0.0402893724826….
    expect(twoKeys).toMatch(/^aggregation\s+en-US\s+22\s+10\s+\$0\.000119\s+\$0\.000478\s+11\.9%\s+15\.6 ms\s+bigquery$/m);
    expect(twoKeys).toMatch(/^inventory_lookup\s/m);
    expect(twoKeys).not.toMatch(/self p95|\bquery\b/);
    const queries = (await adtraceIn(["cost", "queries", fixture, "--format", "table"])).stdout;
    expect(queries).toMatch(/^aggregation\s+bigquery\s+44\s+40\s+\$0\.000420\s+41\.7%\s+\$0\.0168\s+64\.0 MiB\s+6\.50 ms\s+SELECT \S.*…\s*$/m);
    // The CSV keeps everything whole.
    const csv = (await adtraceIn(["cost", "queries", fixture, "--format", "csv"])).stdout;
    expect(csv).toContain("SELECT campaign_id, count(*), sum(spend_usd) FROM ad_events WHERE campaign_id = ? AND ts >= ? GROUP BY campaign_id");
  });
});

describe("README", () => {
  it("the GitHub Actions example uploads the report even when the diff gate fails the job", async () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const step = readme.match(/- uses: actions\/upload-artifact@v\d+\n((?:\s{8}.*\n)+)/);
    expect(step, "an upload-artifact step").not.toBeNull();
    expect(step![1]).toMatch(/^\s+if: always\(\)/m);
  });
});
