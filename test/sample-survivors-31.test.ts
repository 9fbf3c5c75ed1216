// The seed-31 sample's survivors (issue 25; TESTING.md "The seed-31 sample"): each test fails with
// its mutant applied by hand, and compares with an independent value.
import { describe, expect, it } from "vitest";
import { globToRegex } from "../src/analysis/clickhouse.js";
import type { CollectDbResult } from "../src/ingest/collect-db.js";
import { collectSummary } from "../src/output/collect-view.js";

describe("collect's summary line", () => {
  // collect-view.ts:6: one span and one commit are singular ("committed 1 span in 1 commit"), any
  // other count plural (`n === 1 ? "" : "s"` → `false` wrote "1 spans in 1 commits").
  const totals = { requests: 1, spansReceived: 1, spansCommitted: 1, spansAdded: 1, duplicates: 0, rejected: 0, throttled: 0, refused: 0, commits: 1 };
  const summary = (spans: number, commits: number) =>
    collectSummary({ db: "c.duckdb", totalSpans: 5, signal: "SIGTERM", totals: { ...totals, spansCommitted: spans, commits } } as unknown as CollectDbResult).heading;

  it("says 1 span in 1 commit, and 0 or 2 of them in the plural", () => {
    expect(summary(1, 1)).toEqual(["Stopped by SIGTERM: committed 1 span in 1 commit into c.duckdb (now 5)."]);
    expect(summary(0, 0)).toEqual(["Stopped by SIGTERM: committed 0 spans in 0 commits into c.duckdb (now 5)."]);
    expect(summary(2, 1)).toEqual(["Stopped by SIGTERM: committed 2 spans in 1 commit into c.duckdb (now 5)."]);
  });
});

describe("a glob's character class on the ClickHouse path", () => {
  // clickhouse.ts:162: a class that is not negated opens with `[` alone (`negate ? "^" : ""`; the
  // mutant put "Stryker was here!" inside every such class, so [ab] also took t, r, e…). DuckDB's
  // GLOB: '[ab]*' matches names that start with a or b, nothing else.
  it("[ab]* is a or b then anything: 'tracking' and 'event' are not matched", () => {
    expect(globToRegex("[ab]*")).toBe("^(?s:[ab].*)$");
    const re = new RegExp(globToRegex("[ab]*").replace("(?s:", "(?:"), "s");
    expect(["auction", "bid", "tracking", "event", "Stryker"].filter((name) => re.test(name))).toEqual(["auction", "bid"]);
  });
});
