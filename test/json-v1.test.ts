// JSON version 1 (issue 21 part 4): every JSON document adtrace writes — each command's --format
// json and the report's report.json — starts with schema_version 1, has snake_case keys only,
// types yes/no/unknown as true/false/null (diff), says "unchanged" for a change of 0, and
// inspect's CSV names each figure by its JSON key. The README's "JSON documents" section is
// the schema these check.
import { mkdtempSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { FIXTURE } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";

const F = `${FIXTURE}/otlp.jsonl`;
const dir = mkdtempSync(join(tmpdir(), "adtrace-json-"));

const COMMANDS: string[][] = [
  ["inspect", F],
  ["cost", "breakdown", F],
  ["cost", "breakdown", F, "--by", "service,attr:user_locale"],
  ["cost", "queries", F],
  ["cost", "flags", F],
  ["cost", "critical-path", F],
  ["cost", "outliers", F],
  ["cost", "trend", F, "--every", "10s", "--baseline", "30s"],
  ["savings", F, "--scenario", "fixtures/scenarios.yaml"],
  ["trace", "--pick", "median", F],
  ["sampling", "advise", F],
  ["diff", F, `${FIXTURE}/zipkin.json`],
  ["load", F, "--db", join(dir, "loaded.duckdb")],
];

/** Every key in a document, with its path. */
function keys(value: unknown, path = "$"): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => keys(v, `${path}[${i}]`));
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([k, v]) => [`${path}.${k}`, ...keys(v, `${path}.${k}`)]);
}

// A command's document by its arguments: the same run (same input, same bytes) is not repeated
// when a later test reads the document the first one checked. load is not kept (it writes).
const documents = new Map<string, string>();

async function json(args: string[]): Promise<{ text: string; doc: Record<string, any> }> {
  const key = args.join("\0");
  let text = documents.get(key);
  if (text === undefined) {
    const r = await adtraceIn([...args, "--format", "json", "-q"]);
    expect(r.code, `${args.join(" ")}: ${r.stderr}`).toBe(0);
    text = r.stdout;
    if (args[0] !== "load") documents.set(key, text);
  }
  return { text, doc: JSON.parse(text) };
}

describe("JSON version 1", () => {
  it("every command's document and report.json: schema_version 1 first, snake_case keys only", async () => {
    const docs: [string, string][] = [];
    for (const args of COMMANDS) docs.push([args.slice(0, 2).join(" "), (await json(args)).text]);
    const out = join(dir, "report");
    expect((await adtraceIn(["report", F, "--scenario", "fixtures/scenarios.yaml", "--out-dir", out, "-q"])).code).toBe(0);
    docs.push(["report.json", readFileSync(join(out, "report.json"), "utf8")]);
    for (const [name, text] of docs) {
      expect(text.startsWith('{\n  "schema_version": 1,\n'), name).toBe(true);
      const camel = keys(JSON.parse(text)).filter((path) => !/\.[a-z0-9_]+$/.test(path.replace(/\[\d+\]/g, "")));
      // Group keys are the user's own names (attribute keys, stage names): only fixed keys are checked.
      expect(camel.filter((path) => !/\.(groups|rows)\[\d+\]\.[^.]+$/.test(path) || /[A-Z]/.test(path.split(".").pop()!)), name).toEqual([]);
    }
  }, 240_000);

  it("savings: each lever's hit_cost_usd is the scenario file's", async () => {
    const { doc } = await json(["savings", F, "--scenario", "fixtures/scenarios.yaml"]);
    const both = doc.scenarios.find((s: { name: string }) => s.name === "both");
    // fixtures/scenarios.yaml: cache "tracking=0.6:0.00002"; the other levers have no hit cost (0).
    expect(both.levers.map((l: Record<string, unknown>) => [l.kind, l.stage, l.value, l.hit_cost_usd])).toEqual([
      ["cache", "tracking", 0.6, 0.00002], ["preagg", "aggregation", 0.7, 0], ["tune", "auction", 0.2, 0],
    ]);
    expect(JSON.stringify(doc)).not.toContain("hitCostUsd");
  });

  it("diff: significance as true/false/null, status unchanged when the change is 0", async () => {
    // The fixture against itself in another format: nothing changed, and the bootstrap says so.
    const same = (await json(["diff", F, `${FIXTURE}/zipkin.json`])).doc;
    for (const row of same.rows) {
      expect(row.status, row.stage).toBe(row.stage === "total" ? "total" : "unchanged");
      expect(row.significant, row.stage).toBe(false);
      expect(row.p95_significant, row.stage).toBe(false);
    }
    // A report on one side: significance cannot be judged, null (not "unknown").
    const out = join(dir, "report-side");
    await adtraceIn(["report", F, "--out-dir", out, "-q"]);
    const unknown = (await json(["diff", out, F])).doc;
    for (const row of unknown.rows) {
      expect(row.significant, row.stage).toBeNull();
      expect(row.p95_significant, row.stage).toBeNull();
    }
    // CSV carries the same: true/false, empty for null.
    const csv = (await adtraceIn(["diff", out, F, "--format", "csv", "-q"])).stdout.split("\r\n");
    const header = csv[0]!.split(",");
    const first = csv[1]!.split(",");
    expect(first[header.indexOf("significant")]).toBe("");
    expect(first[header.indexOf("status")]).toBe("unchanged");
  }, 120_000);

  it("inspect: the CSV's keys are the JSON's, with the same values", async () => {
    const { doc } = await json(["inspect", F]);
    const r = await adtraceIn(["inspect", F, "--format", "csv", "-q", "--raw-csv"]);
    const lines = r.stdout.trimEnd().split("\r\n");
    expect(lines[0]).toBe("key,value");
    const seen: string[] = [];
    for (const line of lines.slice(1)) {
      const comma = line.indexOf(",");
      const key = line.slice(0, comma);
      let value = line.slice(comma + 1);
      if (value.startsWith('"')) value = value.slice(1, -1).replace(/""/g, '"');
      const inJson = key.split(".").reduce<any>((node, part) => node?.[part], doc);
      expect(inJson, key).not.toBeUndefined();
      expect(value, key).toBe(inJson === null ? "" : typeof inJson === "object" ? JSON.stringify(inJson) : String(inJson));
      seen.push(key);
    }
    expect(seen).toEqual(expect.arrayContaining(["spans", "traces", "estimated_events", "cost_sources.explicit", "unpriced_spans", "formats", "top_services"]));
    // The fixture's README: 369 spans in 40 traces.
    expect(doc.spans).toBe(369);
    expect(doc.traces).toBe(40);
  });
});
