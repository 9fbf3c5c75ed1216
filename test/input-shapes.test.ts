// The shapes trace stores return spans in, and inputs that hold no spans. Grafana Tempo's
// trace-by-id JSON (fixtures/tempo/, built by hand to the shapes its README cites) reads to the
// rows worked out by hand there; a file that yields no span and skips nothing is bad input,
// named, in every command and whatever else is loaded with it.
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { FIXTURE } from "./helpers/cli.js";
import { adtraceRuns } from "./helpers/runs.js";
import { adtraceIn } from "./helpers/in-process.js";
import { Db } from "../src/db/db.js";
import { loadInputs } from "../src/ingest/load.js";

const TEMPO = "fixtures/tempo";
const dir = mkdtempSync(join(tmpdir(), "adtrace-shapes-"));

/** fixtures/tempo/README.md: the trace every Tempo file holds, ids decoded from base64 by hand. */
const TEMPO_ROWS = [
  {
    trace_id: "5b8efff798038103d269b633813fc60c", span_id: "0102030405060708", parent_span_id: "eee19b7ec3c1b174",
    name: "auction.bidder.call", service: "auction", kind: "CLIENT", status: "UNSET",
    start_ns: "1714564801511000000", duration_ns: 9_000_000,
    attributes: { "ad.exchange": "x1", "bid.count": "3" }, resource_attributes: { "service.name": "auction" },
  },
  {
    trace_id: "5b8efff798038103d269b633813fc60c", span_id: "eee19b7ec3c1b173", parent_span_id: null,
    name: "adserver.http.bid_request", service: "adserver", kind: "SERVER", status: "UNSET",
    start_ns: "1714564801500000000", duration_ns: 49_200_000,
    attributes: { "http.method": "POST" }, resource_attributes: { "service.name": "adserver", "host.cpu.count": "2" },
  },
  {
    trace_id: "5b8efff798038103d269b633813fc60c", span_id: "eee19b7ec3c1b174", parent_span_id: "eee19b7ec3c1b173",
    name: "auction.rtb.run", service: "auction", kind: "INTERNAL", status: "ERROR",
    start_ns: "1714564801510000000", duration_ns: 12_800_000,
    attributes: {}, resource_attributes: { "service.name": "auction" },
  },
];

const TEMPO_FILES = ["tempo-v1-batches.json", "tempo-v1-legacy-instrumentation-library.json", "tempo-v2-trace.json", "tempo-v2-partial.json"];

async function rowsOf(file: string) {
  const db = await Db.open();
  try {
    const load = await loadInputs(db, { inputs: [file] });
    const rows = await db.all(`SELECT trace_id, span_id, parent_span_id, name, service, kind, status, CAST(start_ns AS VARCHAR) AS start_ns,
        duration_ns, attributes, resource_attributes FROM spans ORDER BY span_id`);
    return { load, rows };
  } finally {
    db.close();
  }
}

describe("Grafana Tempo's trace JSON", () => {
  for (const name of TEMPO_FILES) {
    it(`${name}: base64 ids, enum names, 64-bit times as strings, read as otlp`, async () => {
      const { load, rows } = await rowsOf(join(TEMPO, name));
      expect(rows).toEqual(TEMPO_ROWS);
      expect(load.files.map((f) => [f.format, f.spansRead, f.skipped])).toEqual([["otlp", 3, 0]]);
    });
  }

  it("inspect names the format otlp; a v2 PARTIAL status is a warning", async () => {
    for (const name of TEMPO_FILES) {
      const r = await adtraceIn(["inspect", join(TEMPO, name), "--format", "json"]);
      expect(r.code, r.stderr).toBe(0);
      const json = JSON.parse(r.stdout);
      expect(json, name).toMatchObject({
        spans: 3, traces: 1, roots: 1, orphans: 0, skipped: 0, services: 2,
        start: "2024-05-01T12:00:01.500000Z", end: "2024-05-01T12:00:01.549200Z",
        formats: [{ format: "otlp", files: 1, spans_read: 3 }],
      });
      const partial = name.includes("partial") ? [{ message: "Tempo returned partial traces (status PARTIAL): some of their spans are missing", count: 1 }] : [];
      expect(json.warnings, name).toEqual(partial);
    }
  });

  it("a large document (read element by element) splits Tempo's batches and the v2 trace.resourceSpans too", async () => {
    const names = ["tempo-v1-batches.json", "tempo-v1-legacy-instrumentation-library.json", "tempo-v2-trace.json"];
    const pretty = (name: string) => join(dir, `pretty-${name}`);
    // Pretty-printed, so each is one document, not JSON Lines; streamed past 10 bytes.
    for (const name of names) writeFileSync(pretty(name), JSON.stringify(JSON.parse(readFileSync(join(TEMPO, name), "utf8")), null, 2));
    // ADTRACE_LARGE_JSON_BYTES is read when the module loads: the three runs in one child process (test/helpers/runs.mjs).
    const results = adtraceRuns(names.map((name) => ({ args: ["inspect", pretty(name), "--format", "json"] })), { env: { ADTRACE_LARGE_JSON_BYTES: "10" } });
    names.forEach((name, i) => {
      expect(results[i]!.code, results[i]!.stderr).toBe(0);
      expect(JSON.parse(results[i]!.stdout), name).toMatchObject({ spans: 3, traces: 1, roots: 1, skipped: 0 });
    });
  });

  it("Tempo responses saved one per line are JSON Lines", async () => {
    const lines = join(dir, "tempo.jsonl");
    writeFileSync(lines, TEMPO_FILES.map((f) => readFileSync(join(TEMPO, f), "utf8").trim()).join("\n") + "\n");
    const r = await adtraceIn(["inspect", lines, "--format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    // Four copies of the same three spans: three kept, nine duplicates.
    expect(JSON.parse(r.stdout)).toMatchObject({ spans: 3, duplicates: 9, skipped: 0, formats: [{ format: "otlp", spans_read: 12 }] });
  });
});

describe("an input that yields no spans and skips nothing is bad input", () => {
  const cases: [string, string, string][] = [
    ["an empty Jaeger result", '{"data": []}', "jaeger"],
    ["an empty Tempo v2 trace", '{"trace": {"resourceSpans": []}}', "otlp"],
    ["an OTLP request without spans", '{"resourceSpans": [{"resource": {}, "scopeSpans": [{"spans": []}]}]}', "otlp"],
    ["a CSV header without rows", "trace_id,span_id,name,start_time_unix_nano\n", "csv"],
  ];
  for (const [what, content, format] of cases) {
    it(`${what}: FILE: no spans found (read as ${format}), for load and analyses`, async () => {
      const path = join(dir, `${what.replace(/\W+/g, "-")}.${format === "csv" ? "csv" : "json"}`);
      writeFileSync(path, content);
      const db = join(dir, `${format}-${what.length}.duckdb`);
      for (const args of [["load", path, "--db", db], ["inspect", path], ["cost", "breakdown", path], ["report", path, "--out-dir", join(dir, "never")]]) {
        const r = await adtraceIn(args);
        expect([r.code, r.stdout, r.stderr], args.join(" ")).toEqual([2, "", `adtrace: error: ${path}: no spans found (read as ${format})\n`]);
      }
      expect(existsSync(db)).toBe(false);
      expect(existsSync(join(dir, "never"))).toBe(false);
    });
  }

  it("canonical Parquet without rows, which analyses read in place without loading: refused the same way", async () => {
    const full = join(dir, "canonical.parquet");
    expect((await adtraceIn(["export", `${FIXTURE}/otlp.jsonl`, "--out", full, "-q"])).code).toBe(0);
    const empty = join(dir, "canonical-empty.parquet");
    const db = await Db.open();
    try {
      await db.exec("CREATE TABLE t AS SELECT * FROM read_parquet($full) LIMIT 0", { full });
      await db.exec(`COPY t TO '${empty}' (FORMAT parquet)`);
    } finally {
      db.close();
    }
    for (const args of [["inspect", empty], ["cost", "breakdown", empty], ["cost", "breakdown", full, empty]]) {
      const r = await adtraceIn(args);
      expect([r.code, r.stderr], args.join(" ")).toEqual([2, `adtrace: error: ${empty}: no spans found (read as parquet)\n`]);
    }
  });

  it("among other files, and in a directory: the load fails naming the file, and the database is left as it was", async () => {
    const empty = join(dir, "empty-result.json");
    writeFileSync(empty, '{"data": []}');
    const db = join(dir, "among.duckdb");
    expect((await adtraceIn(["load", `${FIXTURE}/zipkin.json`, "--db", db, "-q"])).code).toBe(0);
    const before = readFileSync(db);
    const r = await adtraceIn(["load", `${FIXTURE}/otlp.jsonl`, empty, "--db", db]);
    expect([r.code, r.stderr]).toEqual([2, `adtrace: error: ${empty}: no spans found (read as jaeger)\n`]);
    const exports = join(dir, "exports");
    mkdirSync(exports);
    copyFileSync(`${FIXTURE}/otlp.jsonl`, join(exports, "a.jsonl"));
    copyFileSync(empty, join(exports, "b.json"));
    writeFileSync(join(exports, "README.md"), "# not spans: ignored, as before\n");
    const d = await adtraceIn(["load", exports, "--db", db]);
    expect([d.code, d.stderr]).toEqual([2, `adtrace: error: ${join(exports, "b.json")}: no spans found (read as jaeger)\n`]);
    expect(readFileSync(db).equals(before)).toBe(true);
  });
});
