// diff reads a side's groups from diff.side_groups (unweighted spans, no attribute keys) rather
// than the whole breakdown: the same cost per event, share and p95 as cost.breakdown gives,
// exactly, on the hand-worked fixture and on generated data, for every grouping diff takes.
import { describe, expect, it } from "vitest";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { breakdown, keyParams, type GroupKey } from "../src/analysis/breakdown.js";
import { withModelDb } from "./helpers/analysis.js";
import { adtrace } from "./helpers/cli.js";

const groupings: GroupKey[][] = [[{ kind: "stage" }], [{ kind: "name" }], [{ kind: "service" }], [{ kind: "stage" }, { kind: "service" }], [{ kind: "service" }, { kind: "stage" }, { kind: "name" }]];

async function compare(inputs: string[]) {
  await withModelDb(inputs, async (db) => {
    for (const by of groupings) {
      const full = (await breakdown(db, { by })).groups;
      const rows = await db.query("diff.side_groups", keyParams(by));
      expect(rows.length, JSON.stringify(by)).toBe(full.length);
      expect(full.length).toBeGreaterThan(1);
      rows.forEach((r, i) => {
        const g = full[i]!;
        by.forEach((k, j) => expect(String(r[`g${j + 1}`])).toBe(g.keys[k.kind === "attr" ? k.key : k.kind]));
        expect(Number(r.cost_per_event_usd)).toBe(g.cost_per_event_usd);
        expect(Number(r.cost_share)).toBe(g.cost_share);
        expect(r.p95_ms === null ? null : Number(r.p95_ms)).toBe(g.p95_ms);
      });
    }
  });
}

describe("diff.side_groups = cost.breakdown's cost per event, share and p95", () => {
  it("on the hand-worked fixture", () => compare(["fixtures/auction/otlp.jsonl"]), 60_000);
  it("on generated data", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "adtrace-diff-side-")), "g.jsonl");
    expect(adtrace(["generate", "--events", "300", "--seed", "5", "--out", out, "-q"]).stderr).toBe("");
    await compare([out]);
  }, 60_000);
});
