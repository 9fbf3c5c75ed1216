// adtrace cost breakdown's options layer (src/commands/cost-options.ts), in-process with no
// DuckDB and no child process: the typed options, the attribute keys the model is told to read,
// and each refusal, worded as the CLI prints it after "adtrace: error: ".
import { describe, expect, it } from "vitest";
import { breakdownOptions } from "../src/commands/cost-options.js";
import { usageError } from "./helpers/usage-error.js";

describe("cost breakdown options", () => {
  it("groups, limits, and the attribute keys the grouping reads go to the model", () => {
    const typed = breakdownOptions(["a.jsonl"], { by: "stage,attr:user_locale", top: "10", minShare: "5%" }, { db: undefined, unweighted: true });
    expect(typed.breakdown).toEqual({ by: [{ kind: "stage" }, { kind: "attr", key: "user_locale" }], top: 10, minShare: 0.05 });
    expect(typed.analysis.inputs).toEqual(["a.jsonl"]);
    expect(typed.analysis.model?.attributeKeys).toEqual(["user_locale"]);
    expect(typed.analysis.model?.unweighted).toBe(true);
    expect(breakdownOptions([], { by: "stage" }, {}).breakdown).toEqual({ by: [{ kind: "stage" }], top: undefined, minShare: undefined });
  });

  it("refuses a --top that is not a whole number ≥ 1 and a --min-share outside 0–1", () => {
    expect(usageError(() => breakdownOptions([], { by: "stage", top: "0" }, {}))).toBe("--top expects a whole number ≥ 1, got '0'");
    expect(usageError(() => breakdownOptions([], { by: "stage", top: "2.5" }, {}))).toBe("--top expects a whole number ≥ 1, got '2.5'");
    expect(usageError(() => breakdownOptions([], { by: "stage", minShare: "150%" }, {}))).toBe("--min-share expects a share like 0.05 or 5%, got '150%'");
    expect(usageError(() => breakdownOptions([], { by: "stage", minShare: "some" }, {}))).toBe("--min-share expects a share like 0.05 or 5%, got 'some'");
  });
});
