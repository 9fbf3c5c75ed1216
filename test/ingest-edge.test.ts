// Ingest paths and cases not covered elsewhere: large single documents read element by element,
// duplicate spans with different content, Parquet with columns of the wrong type, spans in parent
// cycles (counted, by hand, from the links written out in each case).
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { FIXTURE } from "./helpers/cli.js";
import { adtraceRuns } from "./helpers/runs.js";
import { adtraceIn } from "./helpers/in-process.js";
import { documentElements } from "../src/ingest/json-reader.js";
import { InputError } from "../src/errors.js";
import { Db } from "../src/db/db.js";

const dir = mkdtempSync(join(tmpdir(), "adtrace-edge-"));

async function elements(text: string, chunk = 7) {
  const chunks: Buffer[] = [];
  const bytes = Buffer.from(text);
  for (let i = 0; i < bytes.length; i += chunk) chunks.push(bytes.subarray(i, i + chunk));
  const out: unknown[] = [];
  for await (const e of documentElements(Readable.from(chunks), "doc.json")) out.push([e.path.join("."), e.value]);
  return out;
}

describe("large documents, one element at a time", () => {
  it("splits resourceSpans, Jaeger data, the result wrapper and root arrays, across chunk boundaries", async () => {
    expect(await elements('{"resourceSpans": [{"a": "x,]}"}, {"b": [1, {"c": 2}]}]}')).toEqual([["resourceSpans", { a: "x,]}" }], ["resourceSpans", { b: [1, { c: 2 }] }]]);
    expect(await elements('{"result": {"resourceSpans": [{"a": 1}]}}')).toEqual([["result.resourceSpans", { a: 1 }]]);
    expect(await elements('\ufeff{"data": [{"traceID": "\\"q\\""}], "total": 1}')).toEqual([["data", { traceID: '"q"' }]]);
    expect(await elements('[{"id": 1}, {"id": 2}]', 3)).toEqual([["", { id: 1 }], ["", { id: 2 }]]);
  });

  it("says a truncated document is truncated", async () => {
    await expect(elements('{"resourceSpans": [{"a": 1}, {"b":')).rejects.toThrow(InputError);
    await expect(elements('{"resourceSpans": [{"a": 1}, {"b":')).rejects.toThrow(/truncated/);
  });

  it("loads a document above the size threshold through the streaming reader, same as whole", async () => {
    const whole = JSON.parse((await adtraceIn(["inspect", `${FIXTURE}/jaeger.json`, "--format", "json"])).stdout);
    // ADTRACE_LARGE_JSON_BYTES is read when the module loads: both runs in one child process (test/helpers/runs.mjs).
    const [streamed, zipkin] = adtraceRuns([
      { args: ["inspect", `${FIXTURE}/jaeger.json`, "--format", "json"] },
      { args: ["inspect", `${FIXTURE}/zipkin.json`, "--format", "json"] },
    ], { env: { ADTRACE_LARGE_JSON_BYTES: "1000" } });
    expect(streamed!.code, streamed!.stderr).toBe(0);
    const { formats: _a, ...a } = whole;
    const { formats: _b, ...b } = JSON.parse(streamed!.stdout);
    expect(b).toEqual(a);
    expect(zipkin!.code, zipkin!.stderr).toBe(0);
    expect(JSON.parse(zipkin!.stdout).spans).toBe(369);
  });
});

describe("duplicates with different content", () => {
  it("keep the first copy (a stored span wins) and count the conflict", async () => {
    const db = join(dir, "dup.duckdb");
    const line = readFileSync(`${FIXTURE}/otlp.jsonl`, "utf8").split("\n")[0]!;
    const changed = line.replace('"name":"auction.rtb.run"', '"name":"auction.rtb.changed"');
    expect(changed).not.toBe(line);
    writeFileSync(join(dir, "a.jsonl"), line + "\n");
    writeFileSync(join(dir, "b.jsonl"), changed + "\n");
    await adtraceIn(["load", join(dir, "a.jsonl"), "--db", db, "-q"]);
    const second = JSON.parse((await adtraceIn(["load", join(dir, "b.jsonl"), "--db", db, "--format", "json"])).stdout);
    expect([second.spans_added, second.duplicates, second.conflicts]).toEqual([0, 9, 1]);
    const names = JSON.parse((await adtraceIn(["cost", "breakdown", "--db", db, "--by", "name", "--format", "json"])).stdout).groups.map((g: { name: string }) => g.name);
    expect(names).toContain("auction.rtb.run");
    expect(names).not.toContain("auction.rtb.changed");
  });
});

describe("Parquet with columns of the wrong type", () => {
  it("maps text ids, text times and text durations, and skips rows it cannot use", async () => {
    const path = join(dir, "typed.parquet");
    const db = await Db.open();
    try {
      await db.exec(`COPY (SELECT * FROM (VALUES
          ('0000000000000000000000000000abcd', '000000000000000a', 'op', 'svc', '1714564800123456', '2.5'),
          ('0000000000000000000000000000abcd', '000000000000000b', 'op', 'svc', 'yesterday', '1'),
          ('not-hex', '000000000000000c', 'op', 'svc', '1714564800123456', '1')
        ) t(trace_id, span_id, name, service, start_us, duration_ms)) TO $path (FORMAT parquet)`, { path });
    } finally {
      db.close();
    }
    const r = JSON.parse((await adtraceIn(["inspect", path, "--format", "json"])).stdout);
    expect([r.spans, r.skipped]).toEqual([1, 2]);
    expect(r.start).toBe("2024-05-01T12:00:00.123456Z");
    const bd = JSON.parse((await adtraceIn(["cost", "breakdown", path, "--by", "name", "--format", "json"])).stdout);
    expect(bd.groups[0].p50_ms).toBe(2.5);
  });
});

describe("spans in a parent cycle, or their own parent", () => {
  const T = "0123456789abcdef0123456789abcdef";
  const id = (n: number) => n.toString(16).padStart(16, "0");
  const doc = (links: [number, number | null][], trace = T) => JSON.stringify({ resourceSpans: [{ resource: {}, scopeSpans: [{ spans: links.map(([span, parent]) => ({
    traceId: trace, spanId: id(span), ...(parent === null ? {} : { parentSpanId: id(parent) }), name: `s${span}`,
    startTimeUnixNano: "1714564801500000000", endTimeUnixNano: "1714564801600000000",
  })) }] }] });

  it("are counted as cyclic (not roots, not orphans); spans below a cycle are not; a load counts the traces it touched", async () => {
    // 1 ⇄ 2 is a cycle, 3 is its own parent, 4 hangs below the cycle, 5 is a root with child 6, 7's parent is missing.
    const path = join(dir, "cycles.json");
    writeFileSync(path, doc([[1, 2], [2, 1], [3, 3], [4, 1], [5, null], [6, 5], [7, 99]]));
    const out = JSON.parse((await adtraceIn(["inspect", path, "--format", "json"])).stdout);
    expect([out.spans, out.roots, out.orphans, out.cyclic]).toEqual([7, 1, 1, 3]);
    const db = join(dir, "cycles.duckdb");
    const first = await adtraceIn(["load", path, "--db", db, "--format", "json"]);
    expect(JSON.parse(first.stdout).cyclic).toBe(3);
    expect(first.stderr).toMatch(/warning: spans in a parent cycle \(or their own parent\) were kept: they are neither roots nor orphans \(3\)/);
    // Another load into the same database touches other traces: none of its own; inspect still sees the 3.
    expect(JSON.parse((await adtraceIn(["load", `${FIXTURE}/zipkin.json`, "--db", db, "--format", "json"])).stdout).cyclic).toBe(0);
    expect(JSON.parse((await adtraceIn(["inspect", "--db", db, "--format", "json"])).stdout).cyclic).toBe(3);
    // Analyses over them end, with what the links say: every span lasts 100 ms and is priced
    // from its self time at 1 vCPU. A parent's children cover it whole: 1 (children 2 and 4) and 2
    // (child 1) have self 0, as has 5 (child 6); 3 (its own parent, not its own child), 4, 6 and 7
    // have 100 ms each: 400 ms × $0.0425/h over the one event (trace T, whose one root is 5).
    const bd = await adtraceIn(["cost", "breakdown", path, "--format", "json"]);
    expect(bd.code, bd.stderr).toBe(0);
    const json = JSON.parse(bd.stdout);
    expect([json.events, json.total.spans]).toEqual([1, 7]);
    expect(json.groups.map((g: { stage: string }) => g.stage)).toEqual(["other"]);
    expect([json.groups[0].p50_ms, json.groups[0].self_p50_ms, json.groups[0].self_p95_ms]).toEqual([100, 100, 100]);
    expect(Math.abs(json.total.cost_per_event_usd / ((0.4 * 0.0425) / 3600) - 1)).toBeLessThan(1e-11);
    expect(json.total.e2e_p95_ms).toBe(100);
  });

  it("a long cycle with a long chain leading into it: exactly the cycle's spans", async () => {
    // Spans 1..100 form a ring (i's parent is i+1, 100's is 1); 101..160 a chain whose end points into the ring.
    const ring: [number, number | null][] = Array.from({ length: 100 }, (_, i) => [i + 1, i === 99 ? 1 : i + 2]);
    const chain: [number, number | null][] = Array.from({ length: 60 }, (_, i) => [101 + i, i === 59 ? 37 : 102 + i]);
    const path = join(dir, "ring.json");
    writeFileSync(path, doc([...ring, ...chain, [500, null], [501, 500]]));
    const out = JSON.parse((await adtraceIn(["inspect", path, "--format", "json"])).stdout);
    expect([out.spans, out.roots, out.orphans, out.cyclic]).toEqual([162, 1, 0, 100]);
  });
});
