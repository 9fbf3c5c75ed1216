// Bad input: one line on stderr naming the file, exit 2, empty stdout, no stack trace, and a
// database left exactly as it was. Hostile files, interrupted and concurrent runs.
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from "node:fs";
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { beforeAll, describe, expect, it } from "vitest";
import { FIXTURE, startHeld, ROOT, type CliResult } from "./helpers/cli.js";
import { holdDuckDb } from "./helpers/duckdb-holder.js";
import { adtraceIn } from "./helpers/in-process.js";
import { adtraceRuns } from "./helpers/runs.js";
import { Db } from "../src/db/db.js";
import { otlpDocument, spanId, traceId } from "./helpers/otlp.js";
import { otlpType } from "../src/ingest/formats/otlp-schema.js";

const dir = mkdtempSync(join(tmpdir(), "adtrace-bad-"));
const file = (name: string, content: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const fixtureLine = readFileSync(`${FIXTURE}/otlp.jsonl`, "utf8").split("\n")[0]!;
let db: string;

/** The spans adtrace finds in a database (inspect: it opens and reads it). */
async function count(dbPath: string): Promise<number> {
  const r = await adtraceIn(["inspect", "--db", dbPath, "--format", "json"]);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout).spans;
}

/** What must not change when a load fails: the spans a database holds (read by DuckDB directly) and its bytes. */
async function snapshot(dbPath: string): Promise<{ spans: number; sha256: string }> {
  const d = await Db.open({ path: dbPath, readOnly: true });
  let spans: number;
  try {
    spans = Number(await d.scalar("SELECT count(*) FROM spans"));
  } finally {
    d.close();
  }
  return { spans, sha256: createHash("sha256").update(readFileSync(dbPath)).digest("hex") };
}
/** The base database's snapshot, taken once it is loaded: every failed load into it must leave it so. */
let base: { spans: number; sha256: string };

/** Run in-process, then expectBadResult. */
async function expectBadInput(args: string[], fileName: string, options: { env?: NodeJS.ProcessEnv } = {}) {
  return expectBadResult(await adtraceIn(args, options), fileName);
}

/** Exit 2, nothing on stdout, one line on stderr naming the file, no stack, no colour; the line. */
function expectBadResult(r: CliResult, fileName: string): string {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe("");
  const lines = r.stderr.trim().split("\n");
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^adtrace: error: /);
  expect(lines[0]).toContain(fileName);
  // In-process the stack would name src/*.ts, in a child dist/*.js.
  expect(r.stderr).not.toMatch(/\bat .*\.[jt]s:\d+/);
  expect(r.stderr).not.toMatch(/\u001b\[/);
  return lines[0]!;
}

beforeAll(async () => {
  db = join(dir, "base.duckdb");
  expect((await adtraceIn(["load", `${FIXTURE}/otlp.jsonl`, "--db", db, "-q"])).code).toBe(0);
  base = await snapshot(db);
  expect(base.spans).toBe(369);
});

describe("bad files give one line, exit 2, and leave the database as it was", () => {
  const full = readFileSync(`${FIXTURE}/jaeger.json`, "utf8");
  const cases: [string, () => string, RegExp][] = [
    ["missing file", () => join(dir, "nope.json"), /no such file/],
    ["truncated JSON", () => file("truncated.json", full.slice(0, full.length / 2)), /truncated JSON/],
    ["invalid JSON", () => file("invalid.json", '{"resourceSpans": [}'), /invalid JSON|unknown format|wrong shape/],
    ["unknown format", () => file("notes.txt", "hello world\n"), /unknown format/],
    ["JSON of the wrong shape", () => file("shape.json", '{"hello": [1, 2, 3]}'), /wrong shape/],
    ["empty file", () => file("empty.json", ""), /empty file/],
    ["truncated gzip", () => file("cut.json.gz", gzipSync(full).subarray(0, 2000)), /truncated|corrupt|gzip/],
    ["invalid UTF-8 document", () => file("latin1.json", Buffer.concat([Buffer.from('{"data":[{"traceID":"'), Buffer.from([0xff, 0xfe]), Buffer.from('","spans":[]}]}')])), /UTF-8|invalid/],
    ["an empty directory", () => { const d = join(dir, "empty-dir"); mkdirSync(d); return d; }, /directory holds no files/],
    ["a directory without span files", () => { const d = join(dir, "notes-dir"); mkdirSync(d); writeFileSync(join(d, "README.md"), "# notes\n"); return d; }, /holds no span files/],
    ["a path through a file", () => `${FIXTURE}/otlp.jsonl/spans.json`, /no such file/],
  ];
  for (const [name, make, message] of cases) {
    it(name, async () => {
      const path = make();
      const line = await expectBadInput(["load", `${FIXTURE}/zipkin.json`, path, "--db", db], path);
      expect(line).toMatch(message);
      expect(await snapshot(db)).toEqual(base);
      // Analysis commands say the same about the same file.
      await expectBadInput(["cost", "breakdown", path], path);
    });
  }

  it("a corrupt database file: refused, and left byte for byte as it was", async () => {
    const bad = file("corrupt.duckdb", Buffer.alloc(20000, 7));
    const before = readFileSync(bad);
    expect(await expectBadInput(["inspect", "--db", bad], bad)).toMatch(/not a readable DuckDB database/);
    await expectBadInput(["cost", "breakdown", "--db", bad], bad);
    await expectBadInput(["load", `${FIXTURE}/otlp.jsonl`, "--db", bad], bad);
    expect(readFileSync(bad).equals(before)).toBe(true);
  });

  it("a directory given as the database", async () => {
    const d = join(dir, "db-dir");
    mkdirSync(d);
    await expectBadInput(["load", `${FIXTURE}/otlp.jsonl`, "--db", d], d);
    await expectBadInput(["inspect", "--db", d], d);
    expect(readdirSync(d)).toEqual([]);
  });

  it("a database locked by another process that holds it open for writing", async () => {
    const target = join(dir, "locked.duckdb");
    copyFileSync(db, target);
    const before = await snapshot(target);
    // Another DuckDB process opens the file read-write (taking its lock) and keeps it open until released.
    const holder = await holdDuckDb(target, "READ_WRITE");
    try {
      for (const args of [["load", `${FIXTURE}/zipkin.json`, "--db", target], ["inspect", "--db", target], ["cost", "breakdown", "--db", target]]) {
        expect(await expectBadInput(args, target), args[0]).toMatch(/in use by another/);
      }
    } finally {
      await holder.release();
    }
    expect(await snapshot(target)).toEqual(before);
  });

  it("an unreadable file and an unreadable directory (as an unprivileged user)", async () => {
    // Root reads anything, so as root the CLI runs as nobody (65534); otherwise as ourselves.
    const uid = process.getuid?.() === 0 ? 65534 : undefined;
    const open = mkdtempSync(join(tmpdir(), "adtrace-perm-"));
    chmodSync(open, 0o777);
    const locked = join(open, "spans.jsonl");
    copyFileSync(`${FIXTURE}/otlp.jsonl`, locked);
    chmodSync(locked, 0o000);
    const closed = join(open, "closed");
    mkdirSync(closed);
    copyFileSync(`${FIXTURE}/zipkin.json`, join(closed, "zipkin.json"));
    chmodSync(closed, 0o000);
    const target = join(open, "perm.duckdb");
    copyFileSync(db, target);
    if (uid !== undefined) chownSync(target, uid, uid);
    const before = await snapshot(target);
    const cases = [[locked, /cannot read \(EACCES/], [closed, /cannot read directory \(permission denied\)/]] as const;
    // The six runs in one child process as that user (test/helpers/runs.mjs).
    const results = adtraceRuns(cases.flatMap(([path]) => [
      { args: ["inspect", path] },
      { args: ["cost", "breakdown", path] },
      { args: ["load", `${FIXTURE}/jaeger.json`, path, "--db", target] },
    ]), { uid });
    cases.forEach(([path, message], i) => {
      expect(expectBadResult(results[3 * i]!, path)).toMatch(message);
      expectBadResult(results[3 * i + 1]!, path);
      expectBadResult(results[3 * i + 2]!, path);
    });
    expect(await snapshot(target)).toEqual(before);
  });

  it("a missing database", async () => {
    await expectBadInput(["cost", "breakdown", "--db", join(dir, "missing.duckdb")], "missing.duckdb");
  });
});

describe("records that are not spans", () => {
  it("JSON Lines with one bad line in the middle: skipped and counted with its line number, fatal with --strict", async () => {
    const lines = readFileSync(`${FIXTURE}/otlp.jsonl`, "utf8").trim().split("\n");
    const path = file("one-bad.jsonl", [...lines.slice(0, 5), '{"resourceSpans": [ broken', ...lines.slice(5)].join("\r\n") + "\r\n");
    const r = await adtraceIn(["inspect", path, "--format", "json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.spans).toBe(369);
    expect(out.skipped).toBe(1);
    expect(out.skipped_examples[0]).toContain(`${path}:6`);
    const strict = await expectBadInput(["inspect", path, "--strict"], `${path}:6`);
    expect(strict).toMatch(/--strict/);
    await expectBadInput(["load", `${FIXTURE}/zipkin.json`, path, "--db", db, "--strict"], `${path}:6`);
    expect(await snapshot(db)).toEqual(base);
  });

  it("ids of the wrong length or not hex are skipped and counted", async () => {
    const doc = JSON.parse(otlpDocument([
      { trace: traceId(1), id: spanId(1), name: "ok", startMs: 0, durationMs: 1 },
      { trace: "xyz", id: spanId(2), name: "bad trace", startMs: 0, durationMs: 1 },
      { trace: traceId(1), id: "123", name: "short span id", startMs: 0, durationMs: 1 },
    ]));
    const r = await adtraceIn(["inspect", file("ids.json", JSON.stringify(doc)), "--format", "json"]);
    const out = JSON.parse(r.stdout);
    expect([out.spans, out.skipped]).toEqual([1, 2]);
  });

  it("a UTF-8 BOM and CRLF line endings are fine", async () => {
    const r = await adtraceIn(["inspect", file("bom.jsonl", "\ufeff" + fixtureLine + "\r\n" + fixtureLine + "\r\n"), "--format", "json"]);
    expect(JSON.parse(r.stdout)).toMatchObject({ spans: 9, duplicates: 9, skipped: 0 });
  });

  it("timestamps in ms where ns are expected are scaled (and warned about), end before start is duration 0", async () => {
    const doc = {
      resourceSpans: [{ resource: {}, scopeSpans: [{ spans: [
        { traceId: traceId(1), spanId: spanId(1), name: "ms", startTimeUnixNano: "1700000000000", endTimeUnixNano: "1700000000250" },
        { traceId: traceId(1), spanId: spanId(2), name: "backwards", startTimeUnixNano: "1700000000000000000", endTimeUnixNano: "1699999999000000000" },
      ] }] }],
    };
    const r = await adtraceIn(["inspect", file("units.json", JSON.stringify(doc)), "--format", "json"]);
    const out = JSON.parse(r.stdout);
    expect(out.start).toBe("2023-11-14T22:13:20.000000Z");
    // One warning for each span, each counted once.
    expect(out.warnings).toEqual([
      { message: "OTLP times that looked like ms rather than ns were scaled to ns (ends and durations alike)", count: 1 },
      { message: "spans with a negative duration (end before start) were given duration 0", count: 1 },
    ]);
    const bd = JSON.parse((await adtraceIn(["cost", "breakdown", file("units2.json", JSON.stringify(doc)), "--by", "name", "--format", "json"])).stdout);
    const byName = Object.fromEntries(bd.groups.map((g: { name: string; p50_ms: number }) => [g.name, g.p50_ms]));
    expect(byName).toEqual({ ms: 250, backwards: 0 });
  });

  it("a 10 MB attribute value and deeply nested kvlists load", async () => {
    let nested: unknown = { stringValue: "leaf" };
    for (let i = 0; i < 200; i++) nested = { kvlistValue: { values: [{ key: "k", value: nested }] } };
    const doc = {
      resourceSpans: [{ resource: {}, scopeSpans: [{ spans: [{
        traceId: traceId(9), spanId: spanId(9), name: "big", startTimeUnixNano: "1700000000000000000", endTimeUnixNano: "1700000000000000100",
        attributes: [{ key: "huge", value: { stringValue: "x".repeat(10 << 20) } }, { key: "deep", value: nested }],
      }] }] }],
    };
    const path = file("big.jsonl", JSON.stringify(doc) + "\n");
    const r = await adtraceIn(["inspect", path, "--format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).spans).toBe(1);
  });

  it("CSV fields with quotes, commas and newlines, and columns of the wrong type", async () => {
    const csv = [
      "trace_id,span_id,name,service,start_time,duration_ms,note",
      `${traceId(1)},${spanId(1)},"get ""a"", then b","svc, inc",2024-05-01T00:00:00Z,1.5,"line one\nline two"`,
      `${traceId(1)},${spanId(2)},x,svc,not-a-time,abc,`,
    ].join("\n");
    const r = await adtraceIn(["export", file("quoted.csv", csv), "--out", join(dir, "quoted-out.csv"), "-q"]);
    expect(r.code, r.stderr).toBe(0);
    const inspect = JSON.parse((await adtraceIn(["inspect", join(dir, "quoted.csv"), "--format", "json"])).stdout);
    expect([inspect.spans, inspect.skipped]).toEqual([1, 1]);
    const bd = JSON.parse((await adtraceIn(["cost", "breakdown", join(dir, "quoted.csv"), "--by", "name,service", "--format", "json"])).stdout);
    expect(bd.groups[0]).toMatchObject({ name: 'get "a", then b', service: "svc, inc", p50_ms: 1.5 });
  });
});

describe("OTLP documents of the wrong shape", () => {
  it("a wrong top level is bad input naming the file and what was expected; the database is unchanged", async () => {
    for (const [name, doc, key, got] of [
      ["rs-number.json", '{"resourceSpans":5}', "resourceSpans", "a number"],
      ["rs-object.json", '{"resourceSpans":{"a":1}}', "resourceSpans", "an object"],
      ["rs-null.json", '{"result":{"resourceSpans":null}}', "result.resourceSpans", "null"],
    ] as const) {
      const path = file(name, doc);
      const line = await expectBadInput(["load", path, "--db", db], path);
      expect(line).toBe(`adtrace: error: ${path}: JSON document of the wrong shape: expected "${key}" to be an array of resource spans, got ${got}`);
      expect(await snapshot(db)).toEqual(base);
      await expectBadInput(["cost", "breakdown", path], path);
    }
  });

  it("records of the wrong shape are skipped and counted with their record (line), fatal with --strict", async () => {
    for (const [name, doc, reason] of [
      ["scopes-text.json", '{"resourceSpans":[{"scopeSpans":"x"}]}', 'resourceSpans entry: "scopeSpans" is a string, expected an array'],
      ["spans-number.json", '{"resourceSpans":[{"scopeSpans":[{"spans":7}]}]}', 'scopeSpans entry: "spans" is a number, expected an array'],
    ] as const) {
      const path = file(name, doc);
      const r = await adtraceIn(["inspect", path, "--format", "json"]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ spans: 0, skipped: 1, skipped_examples: [`${path}:record 1: ${reason}`] });
      expect(await expectBadInput(["load", path, "--db", db, "--strict"], `${path}:record 1`)).toContain(reason);
      // As JSON Lines (the same record twice, then a good line): each line counted where it is.
      const lines = file(name.replace(".json", ".jsonl"), `${doc}\n${doc}\n${fixtureLine}\n`);
      const l = JSON.parse((await adtraceIn(["inspect", lines, "--format", "json"])).stdout);
      expect(l).toMatchObject({ spans: 9, skipped: 2, skipped_examples: [`${lines}:1: ${reason}`, `${lines}:2: ${reason}`] });
    }
  });

  it("a span that cannot be used (no spanId, no traceId) is named by file, record, place and name; an analysis with nothing else says so in its one line", async () => {
    // One resourceSpans entry whose scope holds a good-looking span without a spanId: record 1,
    // scopeSpans[0].spans[0]. Its neighbour in the second case lacks the traceId instead.
    const trace = "0af7651916cd43dd8448eb211c80319c";
    const span = (ids: string, name: string) => `{${ids}"name":"${name}","startTimeUnixNano":"1700000000000000000","endTimeUnixNano":"1700000000050000000"}`;
    const path = file("no-span-id.json", `{"resourceSpans":[{"scopeSpans":[{"spans":[${span(`"traceId":"${trace}",`, "auction.run")}]}]}]}`);
    const skipped = `${path}:record 1: span without a valid spanId (missing; scopeSpans[0].spans[0], name 'auction.run')`;
    for (const command of [["cost", "breakdown"], ["cost", "flags"], ["report", "--out-dir", join(dir, "no-span-report")]]) {
      const line = await expectBadInput([...command, path], path);
      expect(line, command.join(" ")).toBe(`adtrace: error: ${path}: holds no spans: nothing to analyse; 1 record skipped as not a usable span: ${skipped}`);
    }
    // load names it too and adds nothing (it records the load: exit 0, as for any skipped record); --strict makes it the error.
    const copy = join(dir, "no-span-id.duckdb");
    copyFileSync(db, copy);
    const r = await adtraceIn(["load", path, "--db", copy]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`adtrace: skipped: ${skipped}\n`);
    expect((await snapshot(copy)).spans).toBe(base.spans);
    expect(await expectBadInput(["cost", "breakdown", path, "--strict"], path)).toBe(`adtrace: error: ${skipped} (--strict)`);
    // Two unusable spans in JSON Lines (the second in a scope of its own, with no name): counted, the first named by line.
    const two = file("no-ids.jsonl", [
      `{"resourceSpans":[{"scopeSpans":[{"spans":[${span(`"spanId":"00f067aa0ba902b7",`, "bid")}]}]}]}`,
      `{"resourceSpans":[{"scopeSpans":[{"spans":[]},{"spans":[{"traceId":"${trace}","startTimeUnixNano":"1"}]}]}]}`,
    ].join("\n") + "\n");
    expect(await expectBadInput(["cost", "breakdown", two], two)).toBe(
      `adtrace: error: ${two}: holds no spans: nothing to analyse; 2 records skipped as not usable spans, the first: ` +
      `${two}:1: span without a valid traceId (missing; scopeSpans[0].spans[0], name 'bid') (adtrace inspect names up to 5)`);
    const inspect = JSON.parse((await adtraceIn(["inspect", two, "--format", "json"])).stdout);
    expect(inspect.skipped_examples[1]).toBe(`${two}:2: span without a valid spanId (missing; scopeSpans[1].spans[0])`);
    // OTLP protobuf (one ExportTraceServiceRequest, protobufjs's encoding): the same words for the same span.
    const request = otlpType("ExportTraceServiceRequest").encode({ resource_spans: [{ scope_spans: [{ spans: [
      { trace_id: Buffer.from(trace, "hex"), name: "auction.run", start_time_unix_nano: "1700000000000000000", end_time_unix_nano: "1700000000050000000" },
    ] }] }] }).finish();
    const pb = file("no-span-id.binpb", Buffer.from(request));
    expect(await expectBadInput(["cost", "breakdown", pb, "--input-format", "otlp-proto"], pb)).toBe(
      `adtrace: error: ${pb}: holds no spans: nothing to analyse; 1 record skipped as not a usable span: ${pb}:record 1: span without a valid spanId (missing; scopeSpans[0].spans[0], name 'auction.run')`);
  });

  it("an analysis of good spans beside an unusable one names what it left out, and gives the good spans' figures", async () => {
    const path = file("beside.json", `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0af7651916cd43dd8448eb211c80319c","name":"auction.run","startTimeUnixNano":"1"}]}]}]}`);
    const both = await adtraceIn(["cost", "breakdown", `${FIXTURE}/otlp.jsonl`, path, "--format", "csv"]);
    expect(both.code, both.stderr).toBe(0);
    expect(both.stderr).toContain(`adtrace: skipped: ${path}:record 1: span without a valid spanId (missing; scopeSpans[0].spans[0], name 'auction.run')\n`);
    expect(both.stderr).toContain("adtrace: 1 record skipped as not a span, left out of this analysis");
    // The fixture's own figures, unchanged by the record left out.
    expect(both.stdout).toBe((await adtraceIn(["cost", "breakdown", `${FIXTURE}/otlp.jsonl`, "--format", "csv"])).stdout);
    // --quiet: the figures only.
    expect((await adtraceIn(["cost", "breakdown", `${FIXTURE}/otlp.jsonl`, path, "--format", "csv", "-q"])).stderr).toBe("");
  });
});

describe("Parquet: gzipped, truncated, corrupt", () => {
  const parquet = readFileSync(`${FIXTURE}/spans.parquet`);

  it("a gzipped Parquet file loads and analyses (unpacked to a temporary file that is removed)", async () => {
    const path = file("spans.parquet.gz", gzipSync(parquet));
    const tmp = mkdtempSync(join(tmpdir(), "adtrace-tmpdir-"));
    const env = { TMPDIR: tmp };
    const target = join(dir, "gz-parquet.duckdb");
    const loaded = await adtraceIn(["load", path, "--db", target, "--format", "json"], { env });
    expect(loaded.code, loaded.stderr).toBe(0);
    expect(JSON.parse(loaded.stdout)).toMatchObject({ spans_read: 369, spans_added: 369, skipped: 0, files: [{ format: "parquet" }] });
    const bd = await adtraceIn(["cost", "breakdown", path, "--format", "json"], { env });
    expect(bd.code, bd.stderr).toBe(0);
    expect(JSON.parse(bd.stdout).groups.reduce((n: number, g: { spans: number }) => n + g.spans, 0)).toBe(369);
    expect(readdirSync(tmp)).toEqual([]);
  });

  it("a truncated or corrupt Parquet file (or a gzip of one) is one line naming it, for load and analysis alike", async () => {
    const corrupt = Buffer.from(parquet);
    for (let i = 200; i < corrupt.length - 2000; i += 7) corrupt[i] = (corrupt[i]! * 31 + 7) & 255;
    for (const [name, bytes] of [
      ["cut.parquet", parquet.subarray(0, 3000)],
      ["corrupt.parquet", corrupt],
      ["cut.parquet.gz", gzipSync(parquet.subarray(0, 3000))],
    ] as const) {
      const path = file(name, bytes);
      const line = await expectBadInput(["load", path, "--db", db], path);
      expect(line).toMatch(/not a readable Parquet file/);
      expect(line).not.toMatch(/adtrace-parquet-/);
      expect(await snapshot(db)).toEqual(base);
      expect(await expectBadInput(["cost", "breakdown", path], path)).toMatch(/not a readable Parquet file/);
    }
  });
});

describe("a failed load leaves no database behind", () => {
  it("a new database file is not created by a load that fails, before or after opening it", async () => {
    const cut = file("cut-for-new.parquet", readFileSync(`${FIXTURE}/spans.parquet`).subarray(0, 3000));
    for (const [input, target] of [[join(dir, "nosuch.json"), "new-1.duckdb"], [cut, "new-2.duckdb"]]) {
      const path = join(dir, target);
      await expectBadInput(["load", input, "--db", path], input);
      expect(existsSync(path), target).toBe(false);
      expect(existsSync(`${path}.wal`), target).toBe(false);
    }
    // A load that succeeds creates it.
    expect((await adtraceIn(["load", `${FIXTURE}/zipkin.json`, "--db", join(dir, "new-3.duckdb"), "-q"])).code).toBe(0);
    expect(existsSync(join(dir, "new-3.duckdb"))).toBe(true);
  });
});

describe("JSON Lines: a broken first line, invalid UTF-8 in one line", () => {
  const lines = readFileSync(`${FIXTURE}/otlp.jsonl`, "utf8").trim().split("\n");
  const spansIn = (line: string) => (JSON.parse(line) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] }).resourceSpans
    .reduce((n, rs) => n + rs.scopeSpans.reduce((m, s) => m + s.spans.length, 0), 0);

  it("a broken first line is skipped and counted like one in the middle (sniffed or --input-format), fatal with --strict", async () => {
    const path = file("broken-first.jsonl", ['{"resourceSpans": [{"scope', ...lines].join("\n") + "\n");
    for (const extra of [[], ["--input-format", "otlp"]]) {
      const r = await adtraceIn(["inspect", path, "--format", "json", ...extra]);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ spans: 369, skipped: 1, skipped_examples: [`${path}:1: truncated JSON (the line ends in the middle of a value)`] });
    }
    await expectBadInput(["inspect", path, "--strict"], `${path}:1`);
  });

  it("a pretty-printed document with one span per line is still one document", async () => {
    const spans = lines.flatMap((l) => (JSON.parse(l) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] }).resourceSpans.flatMap((rs) => rs.scopeSpans.flatMap((s) => s.spans)));
    const path = file("one-span-per-line.json", `{"resourceSpans": [{"scopeSpans": [{"spans": [\n${spans.map((s) => JSON.stringify(s)).join(",\n")}\n]}]}]}\n`);
    const r = await adtraceIn(["inspect", path, "--format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ spans: 369, skipped: 0 });
  });

  it("invalid UTF-8 inside one line: that line is skipped and counted with its number", async () => {
    const bad = Buffer.from(lines[2]!.replace('"name":"', '"name":"\u0001').replace("\u0001", "XX"));
    bad[bad.indexOf("XX")] = 0xff;
    const path = file("bad-utf8-line.jsonl", Buffer.concat([Buffer.from(lines.slice(0, 2).join("\n") + "\n"), bad, Buffer.from("\n" + lines.slice(3).join("\n") + "\n")]));
    const r = await adtraceIn(["inspect", path, "--format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ spans: 369 - spansIn(lines[2]!), skipped: 1, skipped_examples: [`${path}:3: line is not valid UTF-8`] });
  });
});

describe("CSV rows that do not fit the header", () => {
  const csv = readFileSync(`${FIXTURE}/spans.csv`, "utf8").split("\n");
  const fields = csv[0]!.split(",").length;

  it("a row with extra or missing fields, or invalid UTF-8: file:line and the reason, one line", async () => {
    const invalid = Buffer.from([csv[0], csv[1], csv[2]!.replace(",profile.user.lookup,", ",profile.XXuser.lookup,")].join("\n") + "\n");
    expect(invalid.indexOf("XX")).toBeGreaterThan(0);
    invalid[invalid.indexOf("XX")] = 0xff;
    for (const [name, content, where, reason] of [
      ["extra.csv", [csv[0], csv[1], csv[2], "dddd,2222," + "x,".repeat(fields + 3) + "x", csv[3]].join("\n") + "\n", 4, `expected ${fields} fields as in the header, found more (CSV)`],
      ["short.csv", [csv[0], csv[1], "dddd,2222,x", csv[2]].join("\n") + "\n", 3, `expected ${fields} fields as in the header, found 3 (CSV)`],
      ["latin1.csv", invalid, 3, "not valid UTF-8 text"],
    ] as const) {
      const path = file(name, content);
      expect(await expectBadInput(["load", path, "--db", db], `${path}:${where}`)).toBe(`adtrace: error: ${path}:${where}: ${reason}`);
      expect(await snapshot(db)).toEqual(base);
      await expectBadInput(["cost", "breakdown", path], `${path}:${where}`);
    }
  });
});

describe("where a JSON document breaks: file:line:column", () => {
  const doc = '{\n  "resourceSpans": [\n    {"x": tru}\n  ]\n}\n';
  const cut = '{\n  "resourceSpans": [\n    {"x": 1},\n    {"y": [1, 2\n\n';

  for (const [mode, env] of [["whole", {}], ["large, element by element", { ADTRACE_LARGE_JSON_BYTES: "10" }]] as const) {
    it(`invalid, truncated and not UTF-8 (${mode})`, async () => {
      const invalid = file(`located-invalid-${env.ADTRACE_LARGE_JSON_BYTES ?? 0}.json`, doc);
      // Line 3 is '    {"x": tru}': the '}' at column 14 is where 'true' breaks.
      expect(await expectBadInput(["load", invalid, "--db", db], invalid, { env })).toMatch(new RegExp(`^adtrace: error: ${invalid}:3:14: invalid JSON`));
      const truncated = file(`located-cut-${env.ADTRACE_LARGE_JSON_BYTES ?? 0}.json`, cut);
      expect(await expectBadInput(["load", truncated, "--db", db], truncated, { env })).toBe(`adtrace: error: ${truncated}:4: truncated JSON (the file ends in the middle of a value)`);
      const bytes = Buffer.from(doc.replace("tru", "\u0001ru"));
      bytes[bytes.indexOf(1)] = 0xff;
      const latin = file(`located-latin1-${env.ADTRACE_LARGE_JSON_BYTES ?? 0}.json`, bytes);
      expect(await expectBadInput(["load", latin, "--db", db], latin, { env })).toBe(`adtrace: error: ${latin}:3: not valid UTF-8 text`);
    });
  }
});

describe("notes say what they mean", () => {
  it("one skipped record: singular, named on an 'adtrace: skipped:' line, 'the line ends', 'an OTLP record'", async () => {
    const lines = readFileSync(`${FIXTURE}/otlp.jsonl`, "utf8").trim().split("\n");
    const path = file("notes.jsonl", [lines[0], '{"resourceSpans": [', '{"hello": 1}', lines[1]].join("\n") + "\n");
    const r = await adtraceIn(["load", path, "--db", join(dir, "notes.duckdb"), "--format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`adtrace: skipped: ${path}:2: truncated JSON (the line ends in the middle of a value)`);
    expect(r.stderr).toContain(`adtrace: skipped: ${path}:3: not an OTLP record: expected an OTLP object with "resourceSpans"`);
    expect(r.stderr).toContain("2 records skipped as not spans");
    const one = await adtraceIn(["load", file("one-note.jsonl", [lines[0], "{", lines[1]].join("\n") + "\n"), "--db", join(dir, "one-note.duckdb"), "--format", "json"]);
    expect(one.stderr).toContain("note: 1 record skipped as not spans");
    expect(one.stderr).not.toMatch(/\b1 records\b/);
  });
});

describe("runs", () => {
  // Each run is held at a known point (ADTRACE_TEST_HOLD, src/db/interrupt.ts) and signalled
  // there, so no test depends on how fast the machine loads. Three copies of the fixture with
  // fresh trace ids (1,107 spans) are new to the database every test starts from.
  const moreSpans = () => {
    const more = join(dir, "more-spans.jsonl");
    if (existsSync(more)) return more;
    const lines = readFileSync(`${FIXTURE}/otlp.jsonl`, "utf8").trim().split("\n");
    const out: string[] = [];
    for (let copy = 0; copy < 3; copy++) for (const line of lines) out.push(line.replace(/"traceId":"0{24}ad/g, `"traceId":"${(copy + 1).toString(16).padStart(24, "0")}ad`));
    writeFileSync(more, out.join("\n") + "\n");
    return more;
  };

  it("a load killed with SIGKILL with all its rows written but not committed leaves the database openable and as before", async () => {
    const target = join(dir, "killed.duckdb");
    copyFileSync(db, target);
    const before = await count(target);
    const held = await startHeld(["load", moreSpans(), "--db", target, "-q"], "before-commit");
    held.child.kill("SIGKILL");
    expect((await held.done).signal).toBe("SIGKILL");
    expect(await count(target)).toBe(before);
  });

  it("two loads on one database: the second says the database is in use (exit 2), nothing is corrupted", async () => {
    const target = join(dir, "busy.duckdb");
    copyFileSync(db, target);
    // The first holds the database (committed, not yet closed) while the second tries.
    const first = await startHeld(["load", moreSpans(), "--db", target, "-q"], "after-commit");
    const second = await adtraceIn(["load", `${FIXTURE}/zipkin.json`, "--db", target]);
    first.child.kill("SIGINT");
    expect((await first.done).code).toBe(0);
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/in use/);
    expect(await count(target)).toBe(369 + 3 * 369);
  });

  it("Ctrl-C during a load into a new database: exit 130, and the database file it created is gone", async () => {
    const target = join(mkdtempSync(join(tmpdir(), "adtrace-int-db-")), "new.duckdb");
    const held = await startHeld(["load", moreSpans(), "--db", target, "-q"], "spooled");
    expect(existsSync(target)).toBe(true);
    held.child.kill("SIGINT");
    expect((await held.done).code).toBe(130);
    expect(existsSync(target)).toBe(false);
    expect(existsSync(`${target}.wal`)).toBe(false);
  });

  it("Ctrl-C ends a long command with exit 130 and no partial output file", async () => {
    const outDir = mkdtempSync(join(tmpdir(), "adtrace-int-"));
    const held = await startHeld(["report", moreSpans(), "--out-dir", join(outDir, "report")], "output-written");
    expect(readdirSync(outDir).length).toBeGreaterThan(0);
    held.child.kill("SIGINT");
    expect((await held.done).code).toBe(130);
    expect(existsSync(join(outDir, "report"))).toBe(false);
    expect(readdirSync(outDir)).toEqual([]);
  });
});

describe("non-finite and out-of-range values are data errors, never internal errors (issue 14, item 5)", () => {
  // One event per value the issue found: each span lasts 1 s with no children.
  const cases: [string, Record<string, string>][] = [
    ["db.bytes_billed", { "db.system": "bigquery", "db.bytes_billed": "Infinity" }],
    ["db.bytes_billed", { "db.system": "bigquery", "db.bytes_billed": "1e30" }],
    ["compute.vcpus", { "compute.vcpus": "Infinity" }],
    ["snowflake.credits_used", { "db.system": "snowflake", "snowflake.credits_used": "1e400" }],
    ["SampleRate", { SampleRate: "NaN" }],
    ["SampleRate", { SampleRate: "Infinity" }],
  ];
  const path = () => file("out-of-range.json", otlpDocument(cases.map(([, attrs], i) => ({ trace: traceId(i + 1), id: spanId(i + 1), name: `s${i}`, startMs: 0, durationMs: 1000, attrs }))));

  it("every analysis exits 0 with finite figures in every cell, and names each attribute in a note", async () => {
    const input = path();
    const csv = await adtraceIn(["cost", "breakdown", input, "--format", "csv"]);
    expect(csv.code, csv.stderr).toBe(0);
    const [header, ...lines] = csv.stdout.trim().split("\r\n");
    const last = header!.split(",").indexOf("warehouse");
    for (const line of lines) {
      // stage, then numbers up to the warehouse column (a quoted list): none empty, none infinite.
      const cells = line.replace(/,"[^"]*"$/, ",").split(",");
      for (const cell of cells.slice(1, last)) expect(Number.isFinite(Number(cell)) && cell !== "", line).toBe(true);
    }
    expect(csv.stderr).toMatch(/^note: 2 span\(s\): bad value in db\.bytes_billed \(expected 0 to 2\^60 bytes, 1 EiB\): ignored;/m);
    expect(csv.stderr).toMatch(/^note: 1 span\(s\): bad value in compute\.vcpus \(expected 0\.001 to 1e6 vCPUs\): ignored;/m);
    expect(csv.stderr).toMatch(/^note: 1 span\(s\): bad value in snowflake\.credits_used \(expected 0 to 1e6 credits\): ignored;/m);
    expect(csv.stderr).toMatch(/^note: 2 span\(s\): bad value in SampleRate \(expected a 1-in-N rate from 1 to 2\^62\): ignored;/m);
    // The two BigQuery queries have no usable bytes: unpriced, so no "every span priced".
    expect(csv.stderr).toMatch(/^note: 2 unpriced span\(s\)/m);
    expect(csv.stderr).not.toMatch(/every span priced/);
    const table = await adtraceIn(["cost", "breakdown", input, "--format", "table"]);
    expect(table.code).toBe(0);
    expect(table.stdout).not.toMatch(/∞|\$1\.00T|~– events/);
    const out = JSON.parse((await adtraceIn(["cost", "breakdown", input, "--format", "json", "-q"])).stdout);
    expect(out.events).toBe(6);
    expect(out.bad_values).toEqual([
      { attribute: "SampleRate", kind: "one_in_n", spans: 2 },
      { attribute: "db.bytes_billed", kind: "bytes", spans: 2 },
      { attribute: "compute.vcpus", kind: "vcpus", spans: 1 },
      { attribute: "snowflake.credits_used", kind: "credits", spans: 1 },
    ]);
    expect(out.cost_sources).toEqual({ billed: 0, explicit: 0, price_book: 4, unpriced: 2 });
    for (const value of Object.values(out.total)) if (typeof value !== "string") expect(Number.isFinite(value), JSON.stringify(out.total)).toBe(true);
    // 1 s of compute at 1 vCPU ($0.0425/h) per span, plus XSMALL × 1 s × $3.00 for the Snowflake query.
    expect(Math.abs(out.total.total_cost_usd / ((6 * 0.0425) / 3600 + 3 / 3600) - 1)).toBeLessThan(1e-11);
    for (const command of [["cost", "queries"], ["cost", "flags"], ["savings", "--tune", "other=0.1"], ["inspect"]]) {
      const r = await adtraceIn([...command, input, "--format", "json"]);
      expect(r.code, `${command.join(" ")}: ${r.stderr}`).toBe(0);
      expect(r.stderr, command.join(" ")).toMatch(/bad value in compute\.vcpus/);
      expect(JSON.parse(r.stdout).bad_values, command.join(" ")).toHaveLength(4);
    }
  });
});
