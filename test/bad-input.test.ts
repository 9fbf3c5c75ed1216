// Bad input: one line on stderr naming the file, exit 2, empty stdout, no stack trace, and a
// database left exactly as it was. Hostile files, interrupted and concurrent runs.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { spawn } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { adtrace, FIXTURE, startAdtrace, BIN, ROOT } from "./helpers/cli.js";
import { otlpDocument, spanId, traceId } from "./helpers/otlp.js";

const dir = mkdtempSync(join(tmpdir(), "adtrace-bad-"));
const file = (name: string, content: string | Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const fixtureLine = readFileSync(`${FIXTURE}/otlp.jsonl`, "utf8").split("\n")[0]!;
let db: string;

function count(dbPath: string): number {
  const r = adtrace(["inspect", "--db", dbPath, "--format", "json"]);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout).spans;
}

function expectBadInput(args: string[], fileName: string) {
  const r = adtrace(args);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe("");
  const lines = r.stderr.trim().split("\n");
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^adtrace: error: /);
  expect(lines[0]).toContain(fileName);
  expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
  expect(r.stderr).not.toMatch(/\u001b\[/);
  return lines[0]!;
}

beforeAll(() => {
  db = join(dir, "base.duckdb");
  expect(adtrace(["load", `${FIXTURE}/otlp.jsonl`, "--db", db, "-q"]).code).toBe(0);
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
  ];
  for (const [name, make, message] of cases) {
    it(name, () => {
      const path = make();
      const before = count(db);
      const line = expectBadInput(["load", `${FIXTURE}/zipkin.json`, path, "--db", db], path);
      expect(line).toMatch(message);
      expect(count(db)).toBe(before);
      // Analysis commands say the same about the same file.
      expectBadInput(["cost", "breakdown", path], path);
    });
  }

  it("a corrupt database file", () => {
    const bad = file("corrupt.duckdb", Buffer.alloc(20000, 7));
    expectBadInput(["inspect", "--db", bad], bad);
  });

  it("a missing database", () => {
    expectBadInput(["cost", "breakdown", "--db", join(dir, "missing.duckdb")], "missing.duckdb");
  });
});

describe("records that are not spans", () => {
  it("JSON Lines with one bad line in the middle: skipped and counted with its line number, fatal with --strict", () => {
    const lines = readFileSync(`${FIXTURE}/otlp.jsonl`, "utf8").trim().split("\n");
    const path = file("one-bad.jsonl", [...lines.slice(0, 5), '{"resourceSpans": [ broken', ...lines.slice(5)].join("\r\n") + "\r\n");
    const r = adtrace(["inspect", path, "--format", "json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.spans).toBe(369);
    expect(out.skipped).toBe(1);
    expect(out.skipped_examples[0]).toContain(`${path}:6`);
    const strict = expectBadInput(["inspect", path, "--strict"], `${path}:6`);
    expect(strict).toMatch(/--strict/);
  });

  it("ids of the wrong length or not hex are skipped and counted", () => {
    const doc = JSON.parse(otlpDocument([
      { trace: traceId(1), id: spanId(1), name: "ok", startMs: 0, durationMs: 1 },
      { trace: "xyz", id: spanId(2), name: "bad trace", startMs: 0, durationMs: 1 },
      { trace: traceId(1), id: "123", name: "short span id", startMs: 0, durationMs: 1 },
    ]));
    const r = adtrace(["inspect", file("ids.json", JSON.stringify(doc)), "--format", "json"]);
    const out = JSON.parse(r.stdout);
    expect([out.spans, out.skipped]).toEqual([1, 2]);
  });

  it("a UTF-8 BOM and CRLF line endings are fine", () => {
    const r = adtrace(["inspect", file("bom.jsonl", "\ufeff" + fixtureLine + "\r\n" + fixtureLine + "\r\n"), "--format", "json"]);
    expect(JSON.parse(r.stdout)).toMatchObject({ spans: 9, duplicates: 9, skipped: 0 });
  });

  it("timestamps in ms where ns are expected are scaled (and warned about), end before start is duration 0", () => {
    const doc = {
      resourceSpans: [{ resource: {}, scopeSpans: [{ spans: [
        { traceId: traceId(1), spanId: spanId(1), name: "ms", startTimeUnixNano: "1700000000000", endTimeUnixNano: "1700000000250" },
        { traceId: traceId(1), spanId: spanId(2), name: "backwards", startTimeUnixNano: "1700000000000000000", endTimeUnixNano: "1699999999000000000" },
      ] }] }],
    };
    const r = adtrace(["inspect", file("units.json", JSON.stringify(doc)), "--format", "json"]);
    const out = JSON.parse(r.stdout);
    expect(out.start).toBe("2023-11-14T22:13:20.000000Z");
    expect(out.warnings.map((w: { message: string }) => w.message).join(" ")).toMatch(/looked like ms.*|end before they start/);
    const bd = JSON.parse(adtrace(["cost", "breakdown", file("units2.json", JSON.stringify(doc)), "--by", "name", "--format", "json"]).stdout);
    const byName = Object.fromEntries(bd.groups.map((g: { name: string; p50_ms: number }) => [g.name, g.p50_ms]));
    expect(byName).toEqual({ ms: 250, backwards: 0 });
  });

  it("a 10 MB attribute value and deeply nested kvlists load", () => {
    let nested: unknown = { stringValue: "leaf" };
    for (let i = 0; i < 200; i++) nested = { kvlistValue: { values: [{ key: "k", value: nested }] } };
    const doc = {
      resourceSpans: [{ resource: {}, scopeSpans: [{ spans: [{
        traceId: traceId(9), spanId: spanId(9), name: "big", startTimeUnixNano: "1700000000000000000", endTimeUnixNano: "1700000000000000100",
        attributes: [{ key: "huge", value: { stringValue: "x".repeat(10 << 20) } }, { key: "deep", value: nested }],
      }] }] }],
    };
    const path = file("big.jsonl", JSON.stringify(doc) + "\n");
    const r = adtrace(["inspect", path, "--format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).spans).toBe(1);
  });

  it("CSV fields with quotes, commas and newlines, and columns of the wrong type", () => {
    const csv = [
      "trace_id,span_id,name,service,start_time,duration_ms,note",
      `${traceId(1)},${spanId(1)},"get ""a"", then b","svc, inc",2024-05-01T00:00:00Z,1.5,"line one\nline two"`,
      `${traceId(1)},${spanId(2)},x,svc,not-a-time,abc,`,
    ].join("\n");
    const r = adtrace(["export", file("quoted.csv", csv), "--out", join(dir, "quoted-out.csv"), "-q"]);
    expect(r.code, r.stderr).toBe(0);
    const inspect = JSON.parse(adtrace(["inspect", join(dir, "quoted.csv"), "--format", "json"]).stdout);
    expect([inspect.spans, inspect.skipped]).toEqual([1, 1]);
    const bd = JSON.parse(adtrace(["cost", "breakdown", join(dir, "quoted.csv"), "--by", "name,service", "--format", "json"]).stdout);
    expect(bd.groups[0]).toMatchObject({ name: 'get "a", then b', service: "svc, inc", p50_ms: 1.5 });
  });
});

describe("runs", () => {
  it("a load killed with SIGKILL halfway leaves the database openable and as before", async () => {
    const big = join(dir, "big-load.jsonl");
    const lines = readFileSync(`${FIXTURE}/otlp.jsonl`, "utf8").trim().split("\n");
    // Re-id the fixture's traces so every copy is new: enough work to kill it mid-way.
    const out: string[] = [];
    for (let copy = 0; copy < 300; copy++) for (const line of lines) out.push(line.replace(/"traceId":"0{24}ad/g, `"traceId":"${(copy + 1).toString(16).padStart(24, "0")}ad`));
    writeFileSync(big, out.join("\n") + "\n");
    const target = join(dir, "killed.duckdb");
    copyFileSync(db, target);
    const before = count(target);
    const child = startAdtrace(["load", big, "--db", target, "-q"]);
    await new Promise((r) => setTimeout(r, 1500));
    child.kill("SIGKILL");
    await new Promise((r) => child.on("exit", r));
    expect(count(target)).toBe(before);
  });

  it("two loads on one database: the second says the database is in use (exit 2), nothing is corrupted", async () => {
    const target = join(dir, "busy.duckdb");
    copyFileSync(db, target);
    const first = startAdtrace(["load", join(dir, "big-load.jsonl"), "--db", target, "-q"]);
    await new Promise((r) => setTimeout(r, 700));
    const second = adtrace(["load", `${FIXTURE}/zipkin.json`, "--db", target]);
    await new Promise((r) => first.on("exit", r));
    expect(second.code).toBe(2);
    expect(second.stderr).toMatch(/in use/);
    expect(count(target)).toBe(369 + 300 * 369);
  });

  it("Ctrl-C ends a long command with exit 130 and no partial output file", async () => {
    const outDir = mkdtempSync(join(tmpdir(), "adtrace-int-"));
    const child = spawn(process.execPath, [BIN, "report", join(dir, "big-load.jsonl"), "--out-dir", join(outDir, "report")], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" } });
    await new Promise((r) => setTimeout(r, 1200));
    child.kill("SIGINT");
    const code = await new Promise((r) => child.on("exit", (c) => r(c)));
    expect(code).toBe(130);
    expect(existsSync(join(outDir, "report"))).toBe(false);
    expect(readdirSync(outDir)).toEqual([]);
  });
});
