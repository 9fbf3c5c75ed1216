// diff's ClickHouse sides (src/commands/diff-sources.ts, through diff's options layer), in-process
// with no engine: which window each side reads (--since/--until for the current side and for a
// ClickHouse baseline without its own, --baseline-since/--baseline-until for the baseline), the
// end of a window with a start fixed at `now`, and each refusal as the CLI prints it.
import { describe, expect, it } from "vitest";
import { diffOptions } from "../src/commands/diff-options.js";
import { usageError } from "./helpers/usage-error.js";

const none = { by: "stage" };
const NOW = new Date("2024-06-03T00:00:00Z");
const ns = (iso: string) => BigInt(Date.parse(iso)) * 1_000_000n;
const URL_A = "clickhouse://ci@ch.example:8123/otel";
const sources = (baseline: string, current: string, flags: Record<string, string> = {}, globals: Record<string, unknown> = {}) =>
  diffOptions({ ...none, ...flags }, globals, { baseline, current }, NOW).sources;

describe("diff's ClickHouse sides", () => {
  it("the last 24 h against the 24 h before, on one table: each side its window, relative times against one now", () => {
    const s = sources(URL_A, URL_A, { since: "24h", baselineSince: "48h", baselineUntil: "24h" });
    expect([s.baseline!.sinceNs, s.baseline!.untilNs]).toEqual([ns("2024-06-01T00:00:00Z"), ns("2024-06-02T00:00:00Z")]);
    // A window with a start and no end ends at now, the same instant for every statement.
    expect([s.current!.sinceNs, s.current!.untilNs]).toEqual([ns("2024-06-02T00:00:00Z"), ns("2024-06-03T00:00:00Z")]);
    expect(s.current!.label).toBe("clickhouse://ci@ch.example:8123/otel otel.otel_traces (since 24h)");
  });

  it("--since/--until bound a ClickHouse baseline without its own window, and a side that is the only ClickHouse one; files and reports have none", () => {
    const onlyBaseline = sources("chdb:/data", "pr.jsonl", { since: "2024-06-01", until: "2024-06-02", table: "spans" });
    expect(onlyBaseline.current).toBeUndefined();
    expect(onlyBaseline.baseline).toMatchObject({ kind: "chdb", path: "/data", database: "default", table: "spans", sinceNs: ns("2024-06-01T00:00:00Z"), untilNs: ns("2024-06-02T00:00:00Z") });
    const onlyCurrent = sources("report-main/", "chdb:/data", { since: "2024-06-02T00:00:00Z", timeout: "30" });
    expect(onlyCurrent.baseline).toBeUndefined();
    expect(onlyCurrent.current).toMatchObject({ sinceNs: ns("2024-06-02T00:00:00Z"), untilNs: ns("2024-06-03T00:00:00Z"), timeoutSeconds: 30 });
    // Two tables: the same window on each is no overlap.
    const twoTables = sources("chdb:/staging", "chdb:/prod", { since: "24h" });
    expect(twoTables.baseline!.sinceNs).toBe(twoTables.current!.sinceNs);
    expect(sources("a.jsonl", "b.jsonl")).toEqual({});
    // Abutting windows do not overlap: [00:00, 12:00) and [12:00, now).
    const abut = sources("chdb:/d", "chdb:/d", { baselineUntil: "2024-06-01T12:00:00Z", since: "2024-06-01T12:00:00Z" });
    expect([abut.baseline!.sinceNs, abut.baseline!.untilNs]).toEqual([undefined, ns("2024-06-01T12:00:00Z")]);
  });

  it("refuses, in one line each: windows without a ClickHouse side, overlapping windows of one table, bills, bad times named by their flag", () => {
    expect(usageError(() => sources("a.jsonl", "b.jsonl", { since: "24h" }))).toBe("--since applies to a ClickHouse side (clickhouse://…, clickhouses://… or chdb:PATH); neither BASELINE nor CURRENT is one");
    expect(usageError(() => sources("a.jsonl", "chdb:/d", { baselineSince: "48h" }))).toBe("--baseline-since bounds a ClickHouse baseline (clickhouse://…, clickhouses://… or chdb:PATH); BASELINE 'a.jsonl' is not one");
    expect(usageError(() => sources("chdb:/d", "b.jsonl", { baselineSince: "48h", since: "24h" }))).toBe("--since bounds the current side, and CURRENT 'b.jsonl' is not a ClickHouse source (the baseline's window is --baseline-since/--baseline-until)");
    expect(usageError(() => sources(URL_A, URL_A, { since: "24h", baselineSince: "48h" }))).toBe(
      "BASELINE and CURRENT read overlapping windows of clickhouse://ci@ch.example:8123/otel otel.otel_traces: give the baseline an earlier window, e.g. --since 24h --baseline-since 48h --baseline-until 24h");
    expect(usageError(() => sources("chdb:/d", "chdb:/d"))).toMatch(/^BASELINE and CURRENT read overlapping windows of chdb:\/d default\.otel_traces/);
    expect(usageError(() => sources("chdb:/d", "b.jsonl", {}, { billingFile: ["bill.csv"] }))).toBe("--billing-file joins bills to span files; a ClickHouse side is priced from its spans alone");
    expect(usageError(() => sources("chdb:/d", "chdb:/d", { since: "24h", baselineSince: "yesterday" }))).toMatch(/^--baseline-since expects a time ago \(30m, 24h, 7d, 2w\) or an ISO-8601 time .*, got 'yesterday'$/);
    expect(usageError(() => sources("chdb:/d", "chdb:/d", { since: "24h", baselineSince: "24h", baselineUntil: "48h" }))).toBe("--baseline-until must be later than --baseline-since");
  });
});
