// slo.ts as a whole file under Stryker (TESTING.md, "Whole files: slo check and the ClickHouse
// session's tail"): the two mutants the suite left, both in the error-rate branch of sloRow without
// events (`bad === null` → false made actual 1 − null = 1 and the budget used null ÷ rate = 0, "ok").
// Pure: sloRow on counts written here, no DuckDB.
import { describe, expect, it } from "vitest";
import { sloRow } from "../src/analysis/slo.js";
import type { Slo } from "../src/model/config.js";

const slo = (entry: Omit<Slo, "where">): Slo => ({ where: "adtrace.config.yaml:3", ...entry }) as Slo;

describe("an error-rate SLO without events", () => {
  it("has no actual figure, no budget used, no burn rate: status no data, not ok", () => {
    const r = sloRow(slo({ name: "errors", error_rate: 0.01 }), {});
    expect(r).toEqual({
      name: "errors", stage: null, indicator: "errors", target: 0.01, objective: 0.99, actual: null,
      error_budget_used: null, burn_rate: null, events: 0, window_events: 0, status: "no data",
    });
  });

  it("with a stage, counts only the events that have it: none of 40 events has the stage, so no data; the window's 5 that have it, 1 with an error, still burn", () => {
    // Whole data: 40 events, 3 with an error, none with the stage: 0 ÷ 0, no figure.
    // Window: 5 of its 10 events have the stage, 1 with an error: 20% bad of 1% allowed → burn 20.
    const r = sloRow(slo({ name: "errors", error_rate: 0.01, stage: "auction" }), {
      events: 40, error_events: 3, stage_events: 0, window_events: 10, window_stage_events: 5, window_error_events: 1,
    });
    expect([r.actual, r.error_budget_used, r.status, r.events, r.window_events]).toEqual([null, null, "no data", 0, 5]);
    expect(r.burn_rate).toBeCloseTo(0.2 / 0.01, 12);
  });
});
