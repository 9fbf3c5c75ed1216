// Tests for the last survivors of the seed-27 Stryker sample (TESTING.md, "Mutation testing", "The
// seed-27 sample"; the earlier ones are in sample-survivors-27.test.ts). Each compares with a value
// worked by hand or taken from the fixture's README, and each was seen to fail with its mutant
// applied by hand. In-process, so Stryker's runs see them.
// Not here: model/span-path.ts:100 (`!first.has(sid)` → true) is equivalent: the last span of a
// stage then carries the event's weight instead of the first, still one carrier per event and
// stage, and the only reader (critical_path.sql on_path_by_stage) sums by stage. units.ts:97's
// empty loop body and advise.ts:276's `b--` are endless loops (Stryker: Timeout, detected).
import { describe, expect, it } from "vitest";
import { latencySpec, renderChart } from "../src/output/html/charts.js";
import type { ReportDoc } from "../src/output/html/doc.js";
import { loadSummary } from "../src/output/views.js";
import type { LoadDbResult } from "../src/ingest/load-db.js";
import { FIXTURE } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";

describe("the report's charts: grid lines", () => {
  // output/html/charts.ts:37 (gridColor "#e5e7eb" → ""): every grid line came out as stroke="",
  // which draws nothing, so a chart lost its grid. The colour is the page's rule gray, the one
  // page.ts's stylesheet gives every table and card border.
  it("are drawn, in the page's rule gray #e5e7eb", async () => {
    const doc = { breakdown: { groups: [{ stage: "auction", p50_ms: 10, p95_ms: 20, p99_ms: 40 }] } } as unknown as ReportDoc;
    const svg = (await renderChart("latency", "t", latencySpec(doc))).svg;
    const grid = [...svg.matchAll(/<g class="mark-rule role-axis-grid"[^>]*>(.*?)<\/g>/g)].map((m) => m[1]!).join("");
    const strokes = [...grid.matchAll(/<line [^>]*stroke="([^"]*)"/g)].map((m) => m[1]);
    expect(strokes.length).toBeGreaterThan(1);
    expect(new Set(strokes)).toEqual(new Set(["#e5e7eb"]));
  });
});

describe("`cost critical-path` as a table", () => {
  // output/path-views.ts:52 (the heading's lines → []): the table lost the two lines that say what
  // it is grouped by, what it read and what its columns mean. The fixture holds 40 events (its README).
  it("opens with what it is grouped by, its input, and the events it read", async () => {
    const r = await adtraceIn(["cost", "critical-path", `${FIXTURE}/otlp.jsonl`, "--format", "table"]);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n").slice(0, 2)).toEqual([
      `Critical path by stage — ${FIXTURE}/otlp.jsonl`,
      "40 events; crit p50/p95: the group's time on the path per event; of e2e: its share of all path time.",
    ]);
  });
});

describe("`load`'s summary notes", () => {
  // output/views.ts:69 (the notes' start [] → ["Stryker was here"]): a load that skipped and
  // ignored nothing has nothing to note; one whose spans were all there already notes exactly its
  // duplicates. The fixture's 369 spans (its README), loaded twice.
  const file = { source: "otlp.jsonl", format: "otlp", bytes: 240_977, sha256: "0".repeat(64), spansRead: 369, conflicts: 0, skipped: 0 };
  const result = (added: number, duplicates: number): LoadDbResult => ({
    db: "a.duckdb",
    totalSpans: 369,
    load: {
      files: [{ ...file, spansAdded: added, duplicates }],
      spansRead: 369, spansAdded: added, duplicates, conflicts: 0, skipped: 0,
      skippedExamples: [], warnings: [], ignoredFiles: [],
    },
  });

  it("are none for a clean first load", () => {
    expect(loadSummary(result(369, 0)).notes).toEqual([]);
  });

  it("are the duplicates alone when every span was already stored", () => {
    const view = loadSummary(result(0, 369));
    expect(view.heading).toEqual(["Nothing new: all 369 spans were already in a.duckdb."]);
    expect(view.notes).toEqual(["369 duplicate spans skipped (same trace_id and span_id; the first copy is kept)."]);
  });
});
