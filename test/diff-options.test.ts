// adtrace diff's options layer (src/commands/diff-options.ts), in-process with no DuckDB and no
// child process: what each flag becomes, and the usage error for each bad value, worded as the
// CLI prints it after "adtrace: error: ".
import { describe, expect, it } from "vitest";
import { diffOptions } from "../src/commands/diff-options.js";
import { usageError } from "./helpers/usage-error.js";

const none = { by: "stage" };

describe("diff options", () => {
  it("turns limits (5% or 0.05) and group keys into the analysis's options", () => {
    const typed = diffOptions({ by: "stage,attr:user_locale", maxCostIncrease: "5%", maxStageIncrease: "0.1", significantOnly: true, onlyIncreases: true }, { strict: true, unweighted: true });
    expect(typed.diff).toEqual({
      by: [{ kind: "stage" }, { kind: "attr", key: "user_locale" }],
      significantOnly: true,
      gates: { maxCostIncrease: 0.05, maxStageIncrease: 0.1, maxP95Increase: undefined },
    });
    expect(typed.onlyIncreases).toBe(true);
    expect(typed.analysis.strict).toBe(true);
    expect(typed.analysis.model?.unweighted).toBe(true);
    expect(typed.analysis).not.toHaveProperty("inputs");
    expect(diffOptions(none, {}).diff.gates).toEqual({ maxCostIncrease: undefined, maxStageIncrease: undefined, maxP95Increase: undefined });
  });

  it("refuses --db, a bare number above 1, a negative or unreadable limit, each naming its flag", () => {
    expect(usageError(() => diffOptions(none, { db: "x.duckdb" }))).toMatch(/^diff reads its two sides from its arguments; pass the \.duckdb file as BASELINE or CURRENT instead of --db$/);
    expect(usageError(() => diffOptions({ ...none, maxCostIncrease: "5" }, {}))).toBe("--max-cost-increase '5' would mean 500%: write 5% for 5 percent (a bare number is a fraction ≤ 1)");
    expect(usageError(() => diffOptions({ ...none, maxStageIncrease: "-1%" }, {}))).toBe("--max-stage-increase expects a percentage like 5% or a fraction like 0.05, got '-1%'");
    expect(usageError(() => diffOptions({ ...none, maxP95Increase: "lots" }, {}))).toBe("--max-p95-increase expects a percentage like 5% or a fraction like 0.05, got 'lots'");
    // The global options are checked with the command's (an unknown --input-format).
    expect(usageError(() => diffOptions(none, { inputFormat: "xml" }))).toMatch(/^unknown --input-format 'xml'/);
  });
});
