// `inspect` pushed down to ClickHouse (issue 17), on the real engine in-process (chDB): the same
// spans in a chDB MergeTree otel_traces and in DuckDB, and every figure a table can answer equal to
// the local inspect's (counts exactly, weighted figures to 1e-9 relative) — on the fixture, on
// generated data, on sampled generated data (ot=th) and on hand-written traces with an orphan,
// parent cycles and long chains; the figures only a load knows are null and said to be "not computed", never 0.
// The CLI runs in-process (test/helpers/in-process.ts), but once as the built CLI in a child
// process, for the exit code of a real process.
import { beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { adtrace } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";
import { chdbDatasets, chdbWith, differences } from "./helpers/chdb.js";
import { withAnalysis } from "../src/analysis/analysis.js";
import { inspectSpans, type InspectResult } from "../src/analysis/inspect.js";
import { withClickHouse } from "../src/analysis/clickhouse.js";
import { clickhouseInspect, isoMicros } from "../src/analysis/clickhouse-inspect.js";
import { parseClickHouseSource } from "../src/ingest/clickhouse-source.js";
import { defaultConfig } from "../src/model/config.js";

const FIXTURE = "fixtures/auction/otlp.jsonl";
const work = mkdtempSync(join(tmpdir(), "adtrace-ch-inspect-"));
const ODD = join(work, "odd.json");
const data: Record<string, { input: string; dir: string }> = {};

// Two traces, by hand. A: 1 ⇄ 2 a cycle, 3 its own parent, 4 below the cycle, 5 a root with child
// 6, 7's parent (99) missing: 7 spans, 1 root, 1 orphan (7; 4 has its parent), 3 on cycles.
// B: 1 → 2 → … → 5 → 1 a cycle of 5, 6 … 45 a chain of 40 hanging below it, and a root 100 with a
// chain 101 … 150 of 50 below it: 96 spans, 1 root, 0 orphans, 5 on a cycle. Together: 103 spans,
// 2 roots, 1 orphan, 8 on cycles.
function oddTraces(): string {
  const id = (n: number) => n.toString(16).padStart(16, "0");
  const a: [number, number | null][] = [[1, 2], [2, 1], [3, 3], [4, 1], [5, null], [6, 5], [7, 99]];
  const b: [number, number | null][] = [
    ...[1, 2, 3, 4, 5].map((n): [number, number] => [n, n === 5 ? 1 : n + 1]),
    ...Array.from({ length: 40 }, (_, i): [number, number] => [6 + i, 5 + i]),
    [100, null], ...Array.from({ length: 50 }, (_, i): [number, number] => [101 + i, 100 + i]),
  ];
  const spans = (trace: string, links: [number, number | null][]) => links.map(([span, parent], i) => ({
    traceId: trace, spanId: id(span), ...(parent === null ? {} : { parentSpanId: id(parent) }), name: `s${span % 4}`,
    startTimeUnixNano: String(1714564801500000000n + BigInt(i) * 1_234_567n), endTimeUnixNano: "1714564801600000000",
  }));
  return JSON.stringify({ resourceSpans: [{ resource: { attributes: [{ key: "service.name", value: { stringValue: "odd" } }] }, scopeSpans: [{
    spans: [...spans("0123456789abcdef0123456789abcdef", a), ...spans("fedcba9876543210fedcba9876543210", b)],
  }] }] });
}

beforeAll(async () => {
  // The fixture, 400 generated events (seed 7) and 1,200 sampled ones (seed 8, 1 in 4), each in a
  // chDB otel_traces: the data sets the other chDB files compare on (test/helpers/chdb.ts).
  await chdbDatasets(work, data);
  expect(data.fixture!.input).toBe(FIXTURE);
  writeFileSync(ODD, oddTraces());
  const { dir, rows } = await chdbWith([ODD]);
  expect(rows).toBe(103);
  data.odd = { input: ODD, dir };
}, 600_000);

/** The figures a table can answer, from either result. */
function comparable(r: Omit<InspectResult, "duplicates" | "conflicts" | "skipped" | "formats" | "redaction">) {
  return {
    spans: r.spans, traces: r.traces, roots: r.roots, orphans: r.orphans, cyclic: r.cyclic, services: r.services, names: r.names, start: r.start, end: r.end,
    top_services: r.top_services, estimated_events: r.estimated_events, estimated_spans: r.estimated_spans,
    unknown_weight_spans: r.unknown_weight_spans, disagreeing_weight_traces: r.disagreeing_weight_traces, unpriced_spans: r.unpriced_spans,
    weights: r.weights, cost_sources: r.pricing.cost_sources,
  };
}

async function compare(name: string) {
  const { input, dir } = data[name]!;
  const local = await withAnalysis({ inputs: [input], allowEmpty: true }, ({ db, load }) => inspectSpans(db, load));
  const pushed = await withClickHouse(parseClickHouseSource([`chdb:${dir}`]), defaultConfig(), {}, (s) => clickhouseInspect(s));
  return { local, pushed, diff: differences(comparable(local), comparable(pushed)) };
}

describe("inspect pushed down to ClickHouse (chDB) equals the local inspect", () => {
  it("on the fixture: counts, time range to the microsecond, top services, cost sources", async () => {
    const { pushed, diff } = await compare("fixture");
    expect(diff).toEqual([]);
    // The fixture's hand-known figures (fixtures/auction/README.md): 40 events, 369 spans, 7 services.
    expect([pushed.spans, pushed.traces, pushed.roots, pushed.services]).toEqual([369, 40, 40, 7]);
    expect(pushed.start).toBe("2024-05-01T12:00:01.500000Z");
  }, 300_000);

  it("on generated data and on sampled generated data (ot=th): weighted events and spans", async () => {
    const results: Record<string, Awaited<ReturnType<typeof compare>>> = {};
    for (const name of ["generated", "sampled"]) {
      const { pushed, diff } = (results[name] = await compare(name));
      expect(diff, name).toEqual([]);
      expect(pushed.top_services.length, name).toBeGreaterThan(3);
    }
    const { pushed } = results.sampled!;
    expect(pushed.weights.min_weight).toBe(4);
    expect(pushed.estimated_events).toBe(pushed.traces * 4);
  }, 300_000);

  it("on traces with an orphan, parent cycles and long chains: roots, orphans and cyclic spans as counted by hand", async () => {
    const { local, pushed, diff } = await compare("odd");
    expect(diff).toEqual([]);
    expect([pushed.spans, pushed.traces, pushed.roots, pushed.orphans, pushed.cyclic]).toEqual([103, 2, 2, 1, 8]);
    expect(local.cyclic).toBe(8);
    expect(pushed.start).toBe("2024-05-01T12:00:01.500000Z");
  }, 300_000);

  it("isoMicros floors to the microsecond as DuckDB's strftime(make_timestamp(ns // 1000)) does", () => {
    expect(isoMicros("1714564801500000999")).toBe("2024-05-01T12:00:01.500000Z");
    expect(isoMicros("1714564801000001000")).toBe("2024-05-01T12:00:01.000001Z");
    expect(isoMicros(null)).toBeNull();
  });
});

describe("adtrace inspect with a ClickHouse source", () => {
  it("prints the local figures, and the load-only ones as not computed (null in JSON), never zero", async () => {
    const pushed = await adtraceIn(["inspect", `chdb:${data.fixture!.dir}`, "--format", "json"]);
    expect(pushed.code, pushed.stderr).toBe(0);
    const localRun = await adtraceIn(["inspect", FIXTURE, "--format", "json"]);
    expect(localRun.code, localRun.stderr).toBe(0);
    const local = JSON.parse(localRun.stdout);
    const json = JSON.parse(pushed.stdout);
    for (const key of ["spans", "traces", "roots", "orphans", "cyclic", "services", "names", "start", "end", "top_services", "estimated_events", "unpriced_spans"]) {
      expect(json[key], key).toEqual(local[key]);
    }
    for (const key of ["duplicates", "conflicts", "skipped", "formats", "redaction", "bad_values"]) expect(json[key], key).toBeNull();
    expect(pushed.stderr).toMatch(/not computed: duplicates, conflicts and skipped records/);
    const table = await adtraceIn(["inspect", `chdb:${data.fixture!.dir}`, "--format", "table"]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/in parent cycles\s+0\n/);
    expect(table.stdout).toMatch(/duplicates\s+not computed \(ClickHouse source\)/);
  }, 300_000);

  it("an empty range is zeros, not an error; --table on a missing table is one line, exit 2", async () => {
    const empty = await adtraceIn(["inspect", `chdb:${data.fixture!.dir}`, "--since", "2030-01-01T00:00:00Z", "--format", "json"]);
    expect(empty.code, empty.stderr).toBe(0);
    const json = JSON.parse(empty.stdout);
    expect([json.spans, json.traces, json.start]).toEqual([0, 0, null]);
    // A real process once: exit 2, one line.
    const missing = adtrace(["inspect", `chdb:${data.fixture!.dir}`, "--table", "nope"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim().split("\n")).toHaveLength(1);
    expect(missing.stderr).toMatch(/no table default\.nope/);
  }, 300_000);
});
