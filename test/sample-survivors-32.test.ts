// Survivors of the seed-32 mutation sample (drawn at aff56cf): each test names the mutant it
// kills; expected values are worked by hand in the comments.
import { mkdtempSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { describe, expect, it } from "vitest";
import { parseGroupKeys } from "../src/analysis/breakdown.js";
import { readSide } from "../src/analysis/diff.js";
import { exportFormatFor } from "../src/analysis/export.js";
import { EventTimeline, type TimedSpan } from "../src/analysis/retime.js";
import { adtraceIn } from "./helpers/in-process.js";
import { FIXTURE } from "./helpers/cli.js";
import { configError } from "./helpers/config-error.js";

const dir = mkdtempSync(join(tmpdir(), "adtrace-s32-"));

describe("export: the format from the output's name", () => {
  // analysis/export.ts:23 `/\.csv(\.gz)?$/i` → without `$`: a name that only holds ".csv" before
  // another extension was written as CSV instead of being refused.
  it("is CSV only when the name ends in .csv or .csv.gz", () => {
    expect(exportFormatFor("spans.csv")).toBe("csv");
    expect(exportFormatFor("spans.CSV.gz")).toBe("csv");
    expect(() => exportFormatFor("spans.csv.bak")).toThrow("cannot tell the export format from 'spans.csv.bak'");
    expect(() => exportFormatFor("spans.csvx")).toThrow("cannot tell the export format from 'spans.csvx'");
  });
});

describe("re-timing: siblings that ended before a child started, in end order", () => {
  // analysis/retime.ts:44 byEnd = byStart unsorted: the walk stops at the first sibling (in start
  // order) still running when a child starts, so a shorter sibling started later was never seen
  // as the child's predecessor.
  const s = (id: string, parent: string | null, start: number, end: number): TimedSpan => ({ id, parent, start, end });
  it("a child waits on the sibling that ended before it, even behind a longer sibling started earlier", () => {
    // P 0–40 holds A 0–35, B 10–20 and C 30–40 (C starts 10 after B ends; A is still running).
    // B → 0 ns: B 10–10; C follows B by the same 10: C 20–30; A stays 0–35; P ends with its
    // last child: max(35, 10, 30) = 35, so the event takes 35 (unshortened: 40).
    const t = new EventTimeline([s("P", null, 0, 40), s("A", "P", 0, 35), s("B", "P", 10, 20), s("C", "P", 30, 40)]);
    expect(t.durationNs).toBe(40);
    expect(t.retime(new Map([["B", 0]]))).toBe(35);
  });
});

describe("diff against a report.json: a stage without a p95", () => {
  // analysis/diff.ts:275 `g.p95_ms === null` → `false`: a report's null p95 (unknown) was read
  // as Number(null) = 0 ms.
  it("reads null as no p95, a number as itself", async () => {
    const path = join(dir, "report.json");
    writeFileSync(path, JSON.stringify({
      adtrace_version: "0.0.0", events: 10,
      breakdown: {
        total: { events: 10 },
        groups: [
          { stage: "tracking", cost_per_event_usd: 0.002, cost_share: 0.5, p95_ms: null },
          { stage: "auction", cost_per_event_usd: 0.002, cost_share: 0.5, p95_ms: 12.5 },
        ],
      },
    }));
    const side = await readSide(path, {}, parseGroupKeys("stage"));
    const p95 = Object.fromEntries([...side.groups.values()].map((g) => [g.keys.stage, g.p95]));
    expect(p95).toEqual({ tracking: null, auction: 12.5 });
  });
});

describe("--input-format other than parquet on a canonical Parquet file", () => {
  // analysis/inputs.ts:125 `options.inputFormat !== "parquet"` → `=== "parquet"`: a forced
  // format other than Parquet no longer stopped the in-place Parquet read, so the file was
  // analysed as Parquet although the user said it was OTLP JSON.
  it("reads the file as the format given (and refuses it), not in place as Parquet", async () => {
    const parquet = join(dir, "spans.parquet");
    expect((await adtraceIn(["export", `${FIXTURE}/otlp.jsonl`, "--out", parquet, "-q"])).code).toBe(0);
    // Detected: the fixture's 369 spans (fixtures/auction/README.md).
    const detected = await adtraceIn(["inspect", parquet, "--format", "json"]);
    expect(detected.code, detected.stderr).toBe(0);
    expect(JSON.parse(detected.stdout).spans).toBe(369);
    // Forced OTLP JSON: Parquet's binary bytes are not UTF-8 text.
    const forced = await adtraceIn(["inspect", parquet, "--input-format", "otlp", "--format", "json"]);
    // Bad input: exit 2, one line naming the file.
    expect(forced.code).toBe(2);
    expect(forced.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(forced.stderr).toContain(parquet);
    expect(forced.stderr).toContain("not valid UTF-8 text");
  });
});

describe("pii.extra: an empty pattern", () => {
  // model/pii.ts:52 `e.pattern === ""` → another string: an empty pattern (which matches every
  // value) was taken as a detector. It is refused at its own item's line: line 3 of
  // "pii:\n  extra:\n    - pattern: ''\n      kind: user_id\n" (the `- pattern` item).
  it("is refused with file:line, naming the item", () => {
    expect(configError("pii:\n  extra:\n    - pattern: ''\n      kind: user_id\n")).toBe("c.yaml:3: pii.extra[0]: empty pattern");
    // The second item, at line 5, is named by its own index; a pattern of one space is a pattern.
    expect(configError("pii:\n  extra:\n    - pattern: ' '\n      kind: user_id\n    - pattern: \"\"\n      kind: email\n")).toBe("c.yaml:5: pii.extra[1]: empty pattern");
  });
});
