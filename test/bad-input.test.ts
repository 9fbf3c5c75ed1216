// Bad input: one line on stderr naming the file, exit 2, empty stdout, no stack trace, and a
// database left exactly as it was. Hostile files, interrupted and concurrent runs.
import { chmodSync, chownSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync, existsSync, readdirSync } from "node:fs";
import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { spawn } from "node:child_process";
import { beforeAll, describe, expect, it } from "vitest";
import { adtrace, FIXTURE, startAdtrace, BIN, ROOT, type CliOptions } from "./helpers/cli.js";
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

/** What must not change when a load fails: the spans a database holds and its bytes. */
function snapshot(dbPath: string): { spans: number; sha256: string } {
  return { spans: count(dbPath), sha256: createHash("sha256").update(readFileSync(dbPath)).digest("hex") };
}

function expectBadInput(args: string[], fileName: string, options: CliOptions = {}) {
  const r = adtrace(args, options);
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
    ["an empty directory", () => { const d = join(dir, "empty-dir"); mkdirSync(d); return d; }, /directory holds no files/],
    ["a directory without span files", () => { const d = join(dir, "notes-dir"); mkdirSync(d); writeFileSync(join(d, "README.md"), "# notes\n"); return d; }, /holds no span files/],
    ["a path through a file", () => `${FIXTURE}/otlp.jsonl/spans.json`, /no such file/],
  ];
  for (const [name, make, message] of cases) {
    it(name, () => {
      const path = make();
      const before = snapshot(db);
      const line = expectBadInput(["load", `${FIXTURE}/zipkin.json`, path, "--db", db], path);
      expect(line).toMatch(message);
      expect(snapshot(db)).toEqual(before);
      // Analysis commands say the same about the same file.
      expectBadInput(["cost", "breakdown", path], path);
    });
  }

  it("a corrupt database file: refused, and left byte for byte as it was", () => {
    const bad = file("corrupt.duckdb", Buffer.alloc(20000, 7));
    const before = readFileSync(bad);
    expect(expectBadInput(["inspect", "--db", bad], bad)).toMatch(/not a readable DuckDB database/);
    expectBadInput(["cost", "breakdown", "--db", bad], bad);
    expectBadInput(["load", `${FIXTURE}/otlp.jsonl`, "--db", bad], bad);
    expect(readFileSync(bad).equals(before)).toBe(true);
  });

  it("a directory given as the database", () => {
    const d = join(dir, "db-dir");
    mkdirSync(d);
    expectBadInput(["load", `${FIXTURE}/otlp.jsonl`, "--db", d], d);
    expectBadInput(["inspect", "--db", d], d);
    expect(readdirSync(d)).toEqual([]);
  });

  it("a database locked by another process that holds it open for writing", async () => {
    const target = join(dir, "locked.duckdb");
    copyFileSync(db, target);
    const before = snapshot(target);
    // Another DuckDB process opens the file read-write (taking its lock) and keeps it open until its stdin closes.
    const holder = spawn(process.execPath, ["--input-type=module", "-e", `
      import { DuckDBInstance } from "@duckdb/node-api";
      const instance = await DuckDBInstance.create(process.argv[1]);
      await instance.connect();
      console.log("ready");
      process.stdin.resume();
      process.stdin.on("end", () => process.exit(0));`, target], { cwd: ROOT, stdio: ["pipe", "pipe", "inherit"] });
    try {
      await new Promise<void>((resolve, reject) => {
        holder.stdout!.on("data", (d: Buffer) => d.toString().includes("ready") && resolve());
        holder.on("exit", (code) => reject(new Error(`lock holder exited early (${code})`)));
      });
      for (const args of [["load", `${FIXTURE}/zipkin.json`, "--db", target], ["inspect", "--db", target], ["cost", "breakdown", "--db", target]]) {
        expect(expectBadInput(args, target), args[0]).toMatch(/in use by another/);
      }
    } finally {
      holder.stdin!.end();
      await new Promise((r) => (holder.exitCode === null ? holder.on("exit", r) : r(null)));
    }
    expect(snapshot(target)).toEqual(before);
  });

  it("an unreadable file and an unreadable directory (as an unprivileged user)", () => {
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
    const before = snapshot(target);
    for (const [path, message] of [[locked, /cannot read \(EACCES/], [closed, /cannot read directory \(permission denied\)/]] as const) {
      expect(expectBadInput(["inspect", path], path, { uid })).toMatch(message);
      expectBadInput(["cost", "breakdown", path], path, { uid });
      expectBadInput(["load", `${FIXTURE}/jaeger.json`, path, "--db", target], path, { uid });
    }
    expect(snapshot(target)).toEqual(before);
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
    const before = snapshot(db);
    expectBadInput(["load", `${FIXTURE}/zipkin.json`, path, "--db", db, "--strict"], `${path}:6`);
    expect(snapshot(db)).toEqual(before);
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
