// Hostile input through the built CLI: decompression bombs of white space and giant records
// (bounded memory, a record limit that is a clean exit 2 leaving nothing behind), named pipes and
// stdin read in one pass, UTF-16 and binary data named for what they are, and small values that
// were misread: a 300-digit timestamp quoted whole, times before 1970 loaded without a word,
// NDJSON `null` lines and infinite durations. Memory is checked only against a generous bound, never time.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream, existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip, gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { adtrace, FIXTURE, ROOT } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";
import { adtraceRuns } from "./helpers/runs.js";

const dir = mkdtempSync(join(tmpdir(), "adtrace-hostile-"));
const freshTmp = (name: string) => mkdtempSync(join(dir, `${name}-tmp-`));
const fixtureLines = readFileSync(join(ROOT, FIXTURE, "otlp.jsonl"), "utf8").trim().split("\n");
/** The fixture's first event on one line, and how many spans it holds (counted here, from the JSON). */
const spansIn = (line: string) => (JSON.parse(line).resourceSpans as { scopeSpans: { spans: unknown[] }[] }[])
  .reduce((n, rs) => n + rs.scopeSpans.reduce((m, ss) => m + ss.spans.length, 0), 0);
const line1 = fixtureLines[0]!;
const line1Spans = spansIn(line1);

/** A gzip file of `parts`, where a number is that many MiB of one repeated byte (streamed: never held). */
async function gzipFile(name: string, parts: (string | { mib: number; byte: string })[]): Promise<string> {
  const path = join(dir, name);
  async function* bytes() {
    for (const part of parts) {
      if (typeof part === "string") yield Buffer.from(part);
      else {
        const block = Buffer.alloc(1 << 20, part.byte);
        for (let i = 0; i < part.mib; i++) yield block;
      }
    }
  }
  await pipeline(bytes(), createGzip({ level: 1 }), createWriteStream(path));
  return path;
}

/**
 * Run `load … --format json -q` for each argument list, one after another in one CLI process
 * (test/helpers/runs.mjs), with the process's peak RSS recorded (test/helpers/max-rss.mjs), in MiB:
 * the peak of the lot bounds each run's. Each run must exit 0; its JSON summary.
 */
function loadsJson(runs: { args: string[]; env?: Record<string, string> }[]) {
  const rssFile = join(dir, `rss-${Math.random().toString(36).slice(2)}`);
  const hook = new URL("./helpers/max-rss.mjs", import.meta.url).href;
  const results = adtraceRuns(runs.map(({ args, env }) => ({ args: ["load", ...args, "--format", "json", "-q"], env })), {
    nodeArgs: ["--import", hook], env: { ADTRACE_TEST_RSS_FILE: rssFile },
  });
  const summaries = results.map((r) => {
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout);
  });
  return { summaries, peakMiB: existsSync(rssFile) ? Number(readFileSync(rssFile, "utf8")) / 1024 : NaN };
}

describe("white space bombs stream at constant memory, gzipped or not", () => {
  // The 256 MiB of blank lines used to be read as one document, held whole: well over 1 GB.
  // 400 MB is generous for a run that holds a few MiB of it at a time (BENCHMARKS.md has the 3 GB case).
  it("one span line, then 256 MiB of newlines (gzip): the spans load, memory stays bounded", async () => {
    const bomb = await gzipFile("newlines.jsonl.gz", [line1, "\n", { mib: 256, byte: "\n" }]);
    const tmp = freshTmp("newlines");
    const { summaries: [r], peakMiB } = loadsJson([{ args: [bomb, "--db", join(dir, "newlines.duckdb")], env: { TMPDIR: tmp } }]);
    expect([r.spans_read, r.skipped]).toEqual([line1Spans, 0]);
    expect(peakMiB).toBeLessThan(400);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it("spaces: on the span's own line, on a line of their own, and between the elements of a large document", async () => {
    const sameLine = await gzipFile("spaces-same-line.jsonl.gz", [line1, { mib: 96, byte: " " }]);
    const ownLine = await gzipFile("spaces-own-line.jsonl.gz", [line1, "\n", { mib: 96, byte: " " }, "\n", fixtureLines[1]!, "\n"]);
    const doc = JSON.parse(line1) as { resourceSpans: unknown[] };
    // Pretty-printed, so one document; it unpacks to more than 128 MiB, so it is read element by element.
    const elements = doc.resourceSpans.map((rs) => JSON.stringify(rs, null, 1));
    const between = await gzipFile("spaces-between-elements.json.gz", [
      '{\n "resourceSpans": [\n', elements[0]!, { mib: 96, byte: " " }, ",", { mib: 64, byte: "\n" }, elements.slice(1).join(",\n"), "\n ]\n}", { mib: 32, byte: " " },
    ]);
    const secondSpans = spansIn(fixtureLines[1]!);
    const bombs = [[sameLine, line1Spans], [ownLine, line1Spans + secondSpans], [between, line1Spans]] as const;
    // The three loads in one process: its peak bounds each.
    const { summaries, peakMiB } = loadsJson(bombs.map(([bomb, spans]) => ({ args: [bomb, "--db", join(dir, `${spans}-${bomb.length}.duckdb`)] })));
    bombs.forEach(([bomb, spans], i) => expect([summaries[i].spans_read, summaries[i].skipped], bomb).toEqual([spans, 0]));
    expect(peakMiB).toBeLessThan(400);
  });

  it("uncompressed, through a pipe: a line of 64 MiB of spaces after the spans costs nothing", async () => {
    const input = Buffer.concat([Buffer.from(line1 + "\n"), Buffer.alloc(64 << 20, " "), Buffer.from("\n")]);
    const r = adtrace(["inspect", "-", "--format", "json", "--max-record-size", "1MiB"], { input });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ spans: line1Spans, skipped: 0 });
  });
});

describe("a record over --max-record-size: exit 2 naming the file and line, nothing left behind", () => {
  async function expectRefused(args: string[], where: string, message: string) {
    const tmp = freshTmp("limit");
    const db = join(dir, `limit-${Math.random().toString(36).slice(2)}.duckdb`);
    const r = await adtraceIn(["load", ...args, "--db", db], { env: { TMPDIR: tmp } });
    expect([r.code, r.stdout, r.stderr]).toEqual([2, "", `adtrace: error: ${where}: ${message}\n`]);
    // No database, no .wal, no spool: the load left nothing.
    expect(readdirSync(dir).filter((n) => n.startsWith(db.split("/").pop()!))).toEqual([]);
    expect(readdirSync(tmp)).toEqual([]);
  }

  it("a JSON Lines line (plain or gzipped), and a long one made of text rather than white space", async () => {
    const big = JSON.parse(line1);
    big.resourceSpans[0].resource.attributes.push({ key: "blob", value: { stringValue: "x".repeat(6000) } });
    const lines = join(dir, "long-line.jsonl");
    writeFileSync(lines, `${fixtureLines[1]}\n${JSON.stringify(big)}\n${fixtureLines[2]}\n`);
    // The fixture's lines are under 8 KiB; line 2 carries 6000 characters more.
    expect([fixtureLines[1]!.length, fixtureLines[2]!.length].every((n) => n < 8192) && JSON.stringify(big).length > 8192).toBe(true);
    await expectRefused([lines, "--max-record-size", "8KiB"], `${lines}:2`, "line is longer than 8 KiB (--max-record-size)");
    const gz = join(dir, "long-line.jsonl.gz");
    writeFileSync(gz, gzipSync(readFileSync(lines)));
    await expectRefused([gz, "--max-record-size", "8192"], `${gz}:2`, "line is longer than 8 KiB (--max-record-size)");
    // 5 MiB of one string (not white space) in a line: the open line itself outgrows a 1 MiB limit.
    big.resourceSpans[0].resource.attributes[0] = { key: "blob", value: { stringValue: "y".repeat(5 << 20) } };
    const huge = join(dir, "huge-line.jsonl.gz");
    writeFileSync(huge, gzipSync(`${fixtureLines[1]}\n${JSON.stringify(big)}\n`));
    await expectRefused([huge, "--max-record-size", "1MiB"], `${huge}:2`, "line is longer than 1 MiB (--max-record-size)");
  });

  it("with parse workers, the first line over the limit is named, whichever worker finishes first", async () => {
    const big = JSON.parse(line1);
    big.resourceSpans[0].resource.attributes.push({ key: "blob", value: { stringValue: "w".repeat(20000) } });
    // 2100 lines of ~6 KB: chunks of 4 MiB go to two workers in turn; lines 800 and 1500 land in different chunks.
    const lines = Array.from({ length: 2100 }, (_, i) => (i === 799 || i === 1499 ? JSON.stringify(big) : fixtureLines[i % fixtureLines.length]!));
    const path = join(dir, "workers.jsonl");
    writeFileSync(path, lines.join("\n") + "\n");
    // Three runs (in one process of the built program, test/helpers/runs.mjs), each with its own workers.
    const runs = [0, 1, 2].map((run) => ({ args: ["load", path, "--db", join(dir, `workers-${run}.duckdb`), "--max-record-size", "16KiB", "-q"] }));
    for (const r of adtraceRuns(runs, { env: { ADTRACE_WORKERS: "2" } })) {
      expect([r.code, r.stderr]).toEqual([2, `adtrace: error: ${path}:800: line is longer than 16 KiB (--max-record-size)\n`]);
    }
  });

  it("an element of a large document", async () => {
    const doc = JSON.parse(line1);
    doc.resourceSpans[1].resource.attributes.push({ key: "blob", value: { stringValue: "z".repeat(20000) } });
    const pretty = join(dir, "big-element.json");
    writeFileSync(pretty, JSON.stringify(doc, null, 1));
    const line = JSON.stringify(doc, null, 1).split("\n").findIndex((l, i, all) => i > 2 && all[i - 1] === "  }," && l === "  {") + 1;
    await expectRefused([pretty, "--max-record-size", "16KiB"], `${pretty}:${line}`, "record 2 is larger than 16 KiB (--max-record-size)");
  });

  it("a bad size is a usage error", async () => {
    const r = await adtraceIn(["inspect", `${FIXTURE}/otlp.jsonl`, "--max-record-size", "lots"]);
    expect([r.code, r.stderr]).toEqual([2, "adtrace: error: --max-record-size expects a size such as 256MiB, 64MB or 1048576 (bytes), got 'lots'\n"]);
  });
});

describe("named pipes and stdin are read once", () => {
  const writers: ReturnType<typeof spawn>[] = [];
  // A writer whose reader never came (the old code) would wait on its FIFO for ever.
  afterAll(() => {
    for (const writer of writers) if (writer.exitCode === null) writer.kill();
  });

  /** A FIFO with a writer (a separate process, so this one can wait for the CLI). */
  function fifoOf(source: string | Buffer): string {
    const fifo = join(mkdtempSync(join(dir, "fifo-")), "spans");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const from = typeof source === "string" ? source : join(dir, `fifo-src-${Math.random().toString(36).slice(2)}`);
    if (typeof source !== "string") writeFileSync(from, source);
    writers.push(spawn("sh", ["-c", 'cat "$1" > "$2"', "sh", from, fifo], { stdio: "ignore" }));
    return fifo;
  }

  it("a FIFO of each format works (it used to hang, opened twice); a report records what was read", async () => {
    const sources: [string, string | Buffer][] = [
      ["otlp.jsonl", `${FIXTURE}/otlp.jsonl`], ["jaeger.json", `${FIXTURE}/jaeger.json`], ["zipkin.json", `${FIXTURE}/zipkin.json`],
      ["spans.csv", `${FIXTURE}/spans.csv`], ["spans.parquet", `${FIXTURE}/spans.parquet`], ["otlp.jsonl.gz", gzipSync(readFileSync(`${FIXTURE}/otlp.jsonl`))],
    ];
    const fifo = fifoOf(`${FIXTURE}/zipkin.json`);
    const out = join(dir, "fifo-report");
    // All seven runs in one process of the built program (test/helpers/runs.mjs), each FIFO with a
    // writer of its own; killed after 120 s if a run hangs (a report also renders report.html's
    // charts with Vega, seconds more on a loaded machine).
    const results = adtraceRuns([
      ...sources.map(([, source]) => ({ args: ["inspect", fifoOf(source), "--format", "json", "-q"] })),
      { args: ["report", fifo, "--out-dir", out, "--no-timestamp", "-q"] },
    ], { timeoutMs: 120_000 });
    sources.forEach(([name], i) => {
      expect(results[i]!.code, `${name}: ${results[i]!.stderr}`).toBe(0);
      expect(JSON.parse(results[i]!.stdout), name).toMatchObject({ spans: 369, traces: 40, skipped: 0 });
    });
    const r = results.at(-1)!;
    expect(r.code, r.stderr).toBe(0);
    const bytes = readFileSync(`${FIXTURE}/zipkin.json`);
    expect(JSON.parse(readFileSync(join(out, "report.json"), "utf8")).inputs).toEqual([
      { path: fifo, bytes: bytes.length, sha256: createHash("sha256").update(bytes).digest("hex") },
    ]);
  }, 180_000);

  it("stdin: Parquet, gzipped CSV; a first line past the sniffed head is read on, up to the record limit, which says why it stops", async () => {
    for (const input of [readFileSync(`${FIXTURE}/spans.parquet`), gzipSync(readFileSync(`${FIXTURE}/spans.csv`))]) {
      const r = adtrace(["inspect", "-", "--format", "json", "-q"], { input });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ spans: 369, skipped: 0 });
    }
    const big = JSON.parse(line1);
    big.resourceSpans[0].resource.attributes.push({ key: "blob", value: { stringValue: "b".repeat(1_500_000) } });
    const input = `${JSON.stringify(big)}\n${fixtureLines[1]}\n`;
    const read = adtrace(["inspect", "-", "--format", "json", "-q"], { input });
    expect(read.code, read.stderr).toBe(0);
    expect(JSON.parse(read.stdout).formats).toEqual([{ format: "otlp", files: 1, spans_read: line1Spans + spansIn(fixtureLines[1]!), duplicates: 0, skipped: 0 }]);
    const refused = adtrace(["inspect", "-", "--max-record-size", "1MiB"], { input });
    expect([refused.code, refused.stderr]).toEqual([2, "adtrace: error: stdin:1: line is longer than 1 MiB (--max-record-size), and a pipe cannot be read twice to tell JSON Lines from one JSON document: save it to a file and load that\n"]);
  });
});

describe("UTF-16 and binary data are named for what they are", () => {
  const jaeger = readFileSync(`${FIXTURE}/jaeger.json`, "utf8");
  /** Bytes from a fixed sha256 chain: noise, the same every run. */
  const noise = Buffer.concat(Array.from({ length: 256 }, (_, i) => createHash("sha256").update(`noise ${i}`).digest()));
  const be = (text: string) => Buffer.from(text, "utf16le").swap16();
  const cases: [string, Buffer, string][] = [
    ["utf16le-bom.json", Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(jaeger, "utf16le")]), "UTF-16 text: convert to UTF-8"],
    ["utf16be-bom.json", Buffer.concat([Buffer.from([0xfe, 0xff]), be(jaeger)]), "UTF-16 text: convert to UTF-8"],
    ["utf16le.jsonl", Buffer.from(fixtureLines.slice(0, 3).join("\n"), "utf16le"), "UTF-16 text: convert to UTF-8"],
    ["noise.bin", noise, "binary data"],
    // A zip archive's local file header (an export zipped instead of gzipped).
    ["spans.zip", Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x00, 0x00, 0x08, 0x00]), noise.subarray(0, 512)]), "binary data"],
  ];
  for (const [name, bytes, message] of cases) {
    it(`${name}: ${message}`, async () => {
      const path = join(dir, name);
      writeFileSync(path, bytes);
      for (const args of [["load", path, "--db", join(dir, "never.duckdb")], ["cost", "breakdown", path]]) {
        const r = await adtraceIn(args);
        expect([r.code, r.stdout, r.stderr]).toEqual([2, "", `adtrace: error: ${path}: ${message}\n`]);
      }
      if (message.startsWith("UTF-16")) {
        // No format is UTF-16: forcing one says the same.
        expect((await adtraceIn(["inspect", path, "--input-format", "otlp"])).stderr).toBe(`adtrace: error: ${path}: ${message}\n`);
      }
    });
  }
});

describe("small values misread", () => {
  it("a 300-digit Zipkin timestamp is quoted cut short in the skip note", async () => {
    const digits = "9".repeat(300);
    const path = join(dir, "zipkin-300.json");
    writeFileSync(path, `[{"traceId":"a03ee8fff1dcd9b9","id":"19f84f102048e047","name":"x","timestamp":${digits},"duration":5},` +
      '{"traceId":"a03ee8fff1dcd9b9","id":"8b1e63c0f49a81f7","name":"y","timestamp":1541485537291342,"duration":5}]');
    const r = await adtraceIn(["load", path, "--db", join(dir, "z300.duckdb"), "--format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    const skipped = r.stderr.split("\n").find((l) => l.includes("skipped:") && l.includes("19f84f102048e047"))!;
    expect(skipped).toBe(`adtrace: skipped: ${path}:record 1: span 19f84f102048e047: start time ${"9".repeat(40)}… (300 characters) (read as µs) is past the 64-bit nanosecond range`);
    expect(JSON.parse(r.stdout)).toMatchObject({ spans_read: 1, skipped: 1 });
    // Column names are input values too: a 500-character header name is cut where it is listed.
    const csv = join(dir, "long-header.csv");
    writeFileSync(csv, `trace_id,span_id,${"c".repeat(500)}\n0af7651916cd43dd8448eb211c80319c,b7ad6b7169203331,1\n`);
    const c = await adtraceIn(["load", csv, "--db", join(dir, "long-header.duckdb")]);
    expect([c.code, c.stderr]).toEqual([2, `adtrace: error: ${csv}: cannot find a column for start (columns: trace_id, span_id, ${"c".repeat(40)}… (500 characters)); name one with --map start=COLUMN\n`]);
  });

  it("OTLP start times before 1970 load with a counted warning", async () => {
    const span = (id: string, start: string, end: string) => ({ traceId: "5b8efff798038103d269b633813fc60c", spanId: id, name: "old", startTimeUnixNano: start, endTimeUnixNano: end });
    const path = join(dir, "pre-1970.json");
    writeFileSync(path, JSON.stringify({ resourceSpans: [{ resource: {}, scopeSpans: [{ spans: [
      span("0000000000000001", "-1000000000000000000", "-999999999000000000"), // 1938, 1 s long
      span("0000000000000002", "-5", "5"), // 5 ns before 1970
      span("0000000000000003", "1714564801500000000", "1714564801600000000"),
    ] }] }] }));
    const r = await adtraceIn(["inspect", path, "--format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout);
    expect(json).toMatchObject({ spans: 3, skipped: 0, start: "1938-04-24T22:13:20.000000Z" });
    expect(json.warnings).toContainEqual({ message: "OTLP times before 1970 (negative epoch times) were kept as given", count: 2 });
  });

  it("NDJSON: a null line (first or later) and other non-object lines are skipped and counted by line; the rest loads", async () => {
    const row = (id: string, extra = "") => `{"trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"${id}","name":"n","start_ms":1714564800000,"duration_ms":5${extra}}`;
    const path = join(dir, "nulls.ndjson");
    writeFileSync(path, ["null", row("b7ad6b7169203331"), "null", "[1, 2]", ' "text"', "7", row("b7ad6b7169203332"), ""].join("\n"));
    const r = await adtraceIn(["load", path, "--db", join(dir, "nulls.duckdb"), "--format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ spans_read: 2, skipped: 5 });
    for (const [line, kind] of [[1, "null"], [3, "null"], [4, "an array"], [5, "a string"], [6, "a number"]] as const) {
      expect(r.stderr).toContain(`adtrace: skipped: ${path}:${line}: line holds ${kind}, not a JSON object of span columns\n`);
    }
    const strict = await adtraceIn(["load", path, "--db", join(dir, "nulls-strict.duckdb"), "--strict"]);
    expect([strict.code, strict.stderr]).toEqual([2, `adtrace: error: ${path}:1: line holds null, not a JSON object of span columns (--strict)\n`]);
  });

  it("NDJSON and CSV: a duration of 1e400 (or not a number) is skipped and counted, never a duration of 0", async () => {
    const path = join(dir, "inf.ndjson");
    writeFileSync(path, [
      '{"trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203331","name":"ok","start_ms":1714564800000,"duration_ms":5}',
      '{"trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203332","name":"inf","start_ms":1714564800000,"duration_ms":1e400}',
      '{"trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203333","name":"nan","start_ms":1714564800000,"duration_ms":"soon"}',
      '{"trace_id":"0af7651916cd43dd8448eb211c80319c","span_id":"b7ad6b7169203334","name":"none","start_ms":1714564800000}',
    ].join("\n") + "\n");
    const db = join(dir, "inf.duckdb");
    const r = await adtraceIn(["load", path, "--db", db, "--format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      spans_read: 2, skipped: 2,
      skipped_examples: [`${path}: 2 rows without a valid trace id, span id or start time, with a duration or end that is not a number in range, or ending past the 64-bit ns range`],
    });
    expect((await adtraceIn(["export", "--db", db, "--out", join(dir, "inf.csv"), "-q"])).code).toBe(0);
    const rows = readFileSync(join(dir, "inf.csv"), "utf8").trim().split("\n").slice(1).map((l) => l.split(",").slice(3, 9));
    // The span without a duration keeps 0 (none given); the one of 5 ms keeps 5 ms.
    expect(rows.map((c) => [c[0], c[5]]).sort()).toEqual([["none", "0"], ["ok", "5000000"]]);
    const csv = join(dir, "inf.csv.in");
    writeFileSync(csv, "trace_id,span_id,name,start_ms,duration_ms\n0af7651916cd43dd8448eb211c80319c,b7ad6b7169203331,a,1714564800000,1e400\n0af7651916cd43dd8448eb211c80319c,b7ad6b7169203332,b,1714564800000,2\n");
    const c = await adtraceIn(["inspect", csv, "--format", "json"]);
    expect(JSON.parse(c.stdout)).toMatchObject({ spans: 1, skipped: 1 });
  });
});
