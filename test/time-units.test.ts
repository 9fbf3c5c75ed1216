// Times in the wrong unit (issue 9: "timestamps clearly in ms or µs where ns are expected: detect,
// warn, and do not produce durations of years"), in every adapter, checked against start times
// and durations worked out by hand from the input written next to them. The anchor instant is
// 2024-05-01T12:00:01.5Z = 1714564801.5 s = 1714564801500 ms = 1714564801500000 µs = …500000000 ns.
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { Db } from "../src/db/db.js";
import { loadInputs, type LoadResult } from "../src/ingest/load.js";
import { InputError } from "../src/errors.js";
import { adtrace } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";

const dir = mkdtempSync(join(tmpdir(), "adtrace-units-"));
const T = "0123456789abcdef0123456789abcdef";
const S1 = "00000000000000a1";
const S2 = "00000000000000a2";
const START_NS = "1714564801500000000";
const MS_250 = "250000000";

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

/** Load one file in-process; the spans' start and duration as exact decimal text, by span id. */
async function load(path: string, strict = false): Promise<{ load: LoadResult; spans: Record<string, [string, string]>; warnings: string }> {
  const db = await Db.open();
  try {
    const result = await loadInputs(db, { inputs: [path], strict });
    const rows = await db.all("SELECT span_id, CAST(start_ns AS VARCHAR) AS s, CAST(duration_ns AS VARCHAR) AS d FROM spans ORDER BY span_id");
    return {
      load: result,
      spans: Object.fromEntries(rows.map((r) => [String(r.span_id), [String(r.s), String(r.d)]])),
      warnings: result.warnings.map((w) => w.message).join("\n"),
    };
  } finally {
    db.close();
  }
}

const otlp = (...spans: [string, string, string | undefined][]) => JSON.stringify({
  resourceSpans: [{ resource: {}, scopeSpans: [{ spans: spans.map(([id, start, end]) => ({
    traceId: T, spanId: id, name: "n", startTimeUnixNano: start, ...(end === undefined ? {} : { endTimeUnixNano: end }),
  })) }] }],
});

describe("OTLP: one unit decision, from the start, for both ends", () => {
  it("small relative times stay ns: start 1000, end 5000000000 is a 4.999999 s span, not 158 years", async () => {
    const r = await load(file("relative.json", otlp([S1, "1000", "5000000000"])));
    expect(r.spans[S1]).toEqual(["1000", "4999999000"]);
    expect(r.warnings).toMatch(/too small to be Unix epoch times/);
  });

  it("µs where ns are expected: both ends scaled by 1000 (a 250 ms span)", async () => {
    const r = await load(file("micros.json", otlp([S1, "1714564801500000", "1714564801750000"])));
    expect(r.spans[S1]).toEqual([START_NS, MS_250]);
    expect(r.warnings).toMatch(/looked like µs rather than ns/);
  });

  it("times past 64-bit ns are skipped and counted with their record, not a failed load; fatal with --strict", async () => {
    // 5e16 looks like µs (a 5e19 ns start does not fit); an end of 1e23 ns does not fit either way.
    const path = file("overflow.json", JSON.stringify({ resourceSpans: [
      JSON.parse(otlp([S1, "50000000000000000", "100000000000000000000000"])).resourceSpans[0],
      JSON.parse(otlp([S2, START_NS, "1714564801750000000"])).resourceSpans[0],
    ] }));
    const r = await load(path);
    expect(r.spans).toEqual({ [S2]: [START_NS, MS_250] });
    expect(r.load.skipped).toBe(1);
    expect(r.load.skippedExamples[0]).toMatch(new RegExp(`^${path}:record 1: span ${S1}: start time 50000000000000000 .*64-bit`));
    await expect(load(path, true)).rejects.toThrow(InputError);
    await expect(load(path, true)).rejects.toThrow(`${path}:record 1:`);
    // The same in JSON Lines: the line says where.
    const lines = file("overflow.jsonl", `${otlp([S2, START_NS, "1714564801750000000"])}\n${otlp([S1, START_NS, "100000000000000000000000"])}\n`);
    const l = await load(lines);
    expect([Object.keys(l.spans), l.load.skipped]).toEqual([[S2], 1]);
    expect(l.load.skippedExamples[0]).toMatch(new RegExp(`^${lines}:2: span ${S1}: end time 100000000000000000000000 .*64-bit`));
  });
});

describe("Zipkin and Jaeger (µs): a start in ms scales the duration too", () => {
  it("Zipkin: timestamp 1714564801500 ms with duration 250 is a 250 ms span at 12:00:01.5", async () => {
    const r = await load(file("zipkin-ms.json", JSON.stringify([{ traceId: T, id: S1, name: "n", timestamp: 1714564801500, duration: 250 }])));
    expect(r.spans[S1]).toEqual([START_NS, MS_250]);
    expect(r.warnings).toMatch(/Zipkin timestamps that looked like ms rather than µs/);
  });

  it("Jaeger: startTime 1714564801500 ms with duration 250 is a 250 ms span", async () => {
    const doc = { data: [{ traceID: T, spans: [{ traceID: T, spanID: S1, operationName: "n", startTime: 1714564801500, duration: 250, processID: "p" }], processes: { p: { serviceName: "s" } } }] };
    const r = await load(file("jaeger-ms.json", JSON.stringify(doc)));
    expect(r.spans[S1]).toEqual([START_NS, MS_250]);
    expect(r.warnings).toMatch(/Jaeger startTime values that looked like ms rather than µs/);
  });

  it("µs as the format says: no scaling, no warning", async () => {
    const r = await load(file("zipkin-us.json", JSON.stringify([{ traceId: T, id: S1, name: "n", timestamp: 1714564801500000, duration: 250000 }])));
    expect(r.spans[S1]).toEqual([START_NS, MS_250]);
    expect(r.warnings).toBe("");
  });

  it("Zipkin with a timestamp in ns (past 64-bit ns once read as µs): skipped with its record number, the rest loads", async () => {
    const path = file("zipkin-ns.json", JSON.stringify([
      { traceId: T, id: S1, name: "n", timestamp: 1714564801500000000, duration: 250 },
      { traceId: T, id: S2, name: "n", timestamp: 1714564801500000, duration: 250000 },
    ]));
    const r = await load(path);
    expect(r.spans).toEqual({ [S2]: [START_NS, MS_250] });
    expect(r.load.skippedExamples).toEqual([expect.stringMatching(new RegExp(`^${path}:record 1: span ${S1}: start time 1714564801500000000 \\(read as µs\\)`))]);
    // The CLI: exit 0, the skip named on stderr; --strict: exit 2, one line, the database not created.
    const cli = await adtraceIn(["load", path, "--db", join(dir, "zipkin-ns.duckdb")]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stderr).toContain(`adtrace: skipped: ${path}:record 1: span ${S1}`);
    const strict = await adtraceIn(["load", path, "--db", join(dir, "strict.duckdb"), "--strict"]);
    expect(strict.code).toBe(2);
    expect(strict.stderr.trim().split("\n")).toEqual([expect.stringMatching(new RegExp(`^adtrace: error: ${path}:record 1: `))]);
    expect(existsSync(join(dir, "strict.duckdb"))).toBe(false);
  });
});

describe("flat tables: units settled once per table, from the data, with a warning", () => {
  it("a start_ns column holding ms is read as ms (not 1970), and says so", async () => {
    const path = file("named-wrong.csv", `trace_id,span_id,name,start_ns,end_ns\n${T},${S1},n,1714564801500,1714564801750\n`);
    const r = await load(path);
    // The end follows the start's unit decision (its own name is as wrong).
    expect(r.spans[S1]).toEqual([START_NS, MS_250]);
    expect(r.warnings).toMatch(/column 'start_ns' holds values like 1714564801500, which are epoch ms rather than ns: read as ms/);
  });

  it("a unitless start_time in ms and a unitless duration: both ms, both warned about", async () => {
    const r = await load(file("unitless.csv", `trace_id,span_id,name,start_time,duration\n${T},${S1},n,1714564801500,250\n`));
    expect(r.spans[S1]).toEqual([START_NS, MS_250]);
    expect(r.warnings).toMatch(/column 'start_time' names no unit .*read as epoch ms/);
    expect(r.warnings).toMatch(/duration column 'duration' names no unit: read as ms/);
  });

  it("relative start and end times: one decision (ns) for both ends", async () => {
    const r = await load(file("relative.csv", `trace_id,span_id,name,start_time,end_time\n${T},${S1},n,1000,5000000000\n`));
    expect(r.spans[S1]).toEqual(["1000", "4999999000"]);
    expect(r.warnings).toMatch(/too small to be Unix epoch times/);
  });

  it("units the names give and the values bear out: no warning (Parquet, typed columns)", async () => {
    const path = join(dir, "typed.parquet");
    const db = await Db.open();
    try {
      await db.exec(`COPY (SELECT $t AS trace_id, $s AS span_id, 'n' AS name, 1714564801500000::BIGINT AS start_us, 250.0::DOUBLE AS duration_ms) TO $path (FORMAT parquet)`, { t: T, s: S1, path });
    } finally {
      db.close();
    }
    const r = await load(path);
    expect(r.spans[S1]).toEqual([START_NS, MS_250]);
    expect(r.warnings).toBe("");
  });

  it("a row whose end is past 64-bit ns is skipped and counted, the others load", async () => {
    const r = await load(file("flat-overflow.csv", `trace_id,span_id,name,start_ns,duration_ns\n${T},${S1},n,9223372036854775000,10000\n${T},${S2},n,${START_NS},${MS_250}\n`));
    expect(r.spans).toEqual({ [S2]: [START_NS, MS_250] });
    expect(r.load.skipped).toBe(1);
  });

  it("values far past any scale (1e300, 30 digits) skip their row instead of overflowing the load", async () => {
    // start_ms 1714564801500 = START_NS; the two bad rows cannot be ns in 64 bits (nor fit a
    // decimal or a 64-bit integer at all). Three good rows keep the median, which decides units, sane.
    const id = (c: string) => c.repeat(16);
    const csv = `trace_id,span_id,name,start_ms,duration_ms\n${T},${id("a")},n,1e300,1\n${T},${id("b")},n,123456789012345678901234567890,1\n` +
      `${T},${id("c")},n,1714564801500,250\n${T},${id("d")},n,1714564801500,250\n${T},${id("e")},n,1714564801500,250\n`;
    const r = await load(file("huge-times.csv", csv));
    expect(r.spans).toEqual({ [id("c")]: [START_NS, MS_250], [id("d")]: [START_NS, MS_250], [id("e")]: [START_NS, MS_250] });
    expect(r.load.skipped).toBe(2);
  });

  it("load and inspect show the warnings on stderr", async () => {
    const path = file("warned.csv", `trace_id,span_id,name,start_time,duration_ms\n${T},${S1},n,1714564801500,250\n`);
    const loaded = await adtraceIn(["load", path, "--db", join(dir, "warned.duckdb")]);
    expect(loaded.code, loaded.stderr).toBe(0);
    expect(loaded.stderr).toMatch(/^adtrace: warning: .*warned\.csv: column 'start_time' names no unit/m);
    const inspected = await adtraceIn(["inspect", path, "--format", "json"]);
    expect(JSON.parse(inspected.stdout).start).toBe("2024-05-01T12:00:01.500000Z");
    expect(inspected.stderr).toMatch(/warning: .*column 'start_time' names no unit/);
  });
});
