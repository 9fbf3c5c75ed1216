// Repeated rows in a ClickHouse source (issue 17): an exporter that retries a batch writes the same
// (TraceId, SpanId) twice, and a local load keeps one copy (src/ingest/load.ts: the first copy
// wins). The pushed-down model keeps one copy per (TraceId, SpanId) too, so a table holding the
// fixture's spans once, twice and three times answers exactly what the local path answers over the
// fixture: breakdown, queries and inspect, to 1e-9 relative. Copies that differ (a later copy with a
// longer Duration) lose to the original, as the later copy loses in a local load.
import { beforeAll, describe, expect, it } from "vitest";
import { chdbWith, differences } from "./helpers/chdb.js";
import { withAnalysis } from "../src/analysis/analysis.js";
import { breakdown, warehouseQueries, type GroupKey } from "../src/analysis/breakdown.js";
import { inspectSpans } from "../src/analysis/inspect.js";
import { clickhouseBreakdown, clickhouseQueries, withClickHouse } from "../src/analysis/clickhouse.js";
import { clickhouseInspect } from "../src/analysis/clickhouse-inspect.js";
import { parseClickHouseSource } from "../src/ingest/clickhouse-source.js";
import { defaultConfig } from "../src/model/config.js";

const FIXTURE = "fixtures/auction/otlp.jsonl";
let dir = "";
let rows = 0;

beforeAll(async () => {
  dir = (await chdbWith([FIXTURE])).dir;
  const { Session } = await import("chdb");
  const session = new Session(dir);
  try {
    // Identical copies: a third of the spans twice more (three copies), another third once more.
    session.query("INSERT INTO otel_traces SELECT * FROM otel_traces WHERE cityHash64(SpanId) % 3 = 0");
    session.query("INSERT INTO otel_traces SELECT * FROM otel_traces WHERE cityHash64(SpanId) % 3 != 2");
    // A copy that differs: a fifth of the spans again, 1 ms longer.
    session.query("INSERT INTO otel_traces SELECT * REPLACE (Duration + 1000000 AS Duration) FROM otel_traces WHERE cityHash64(SpanId) % 5 = 1 LIMIT 1 BY TraceId, SpanId");
    rows = Number(session.query("SELECT count() FROM otel_traces", "CSV").trim());
  } finally {
    session.close();
  }
}, 300_000);

const source = () => parseClickHouseSource([`chdb:${dir}`]);

describe("a ClickHouse table with repeated rows answers what the local path answers over the spans once", () => {
  it("holds the fixture's 369 spans in far more rows", () => {
    expect(rows).toBeGreaterThan(369 * 2);
  });

  it("cost breakdown by stage and by name", async () => {
    for (const by of [[{ kind: "stage" }], [{ kind: "name" }]] as GroupKey[][]) {
      const local = await withAnalysis({ inputs: [FIXTURE] }, (a) => breakdown(a.db, { by }));
      const pushed = await withClickHouse(source(), defaultConfig(), {}, (s) => clickhouseBreakdown(s, { by }));
      expect(differences(local, pushed)).toEqual([]);
      expect(pushed.totals.stored_spans).toBe(369);
    }
  }, 300_000);

  it("cost queries", async () => {
    const local = await withAnalysis({ inputs: [FIXTURE] }, (a) => warehouseQueries(a.db));
    const pushed = await withClickHouse(source(), defaultConfig(), {}, (s) => clickhouseQueries(s));
    expect(differences(local, pushed)).toEqual([]);
    expect(pushed.queries.length).toBeGreaterThan(1);
  }, 300_000);

  it("inspect: spans, traces, roots, orphans, cycles, services", async () => {
    const local = await withAnalysis({ inputs: [FIXTURE], allowEmpty: true }, ({ db, load }) => inspectSpans(db, load));
    const pushed = await withClickHouse(source(), defaultConfig(), {}, (s) => clickhouseInspect(s));
    const pick = (r: typeof local | typeof pushed) => ({
      spans: r.spans, traces: r.traces, roots: r.roots, orphans: r.orphans, cyclic: r.cyclic, services: r.services, names: r.names,
      start: r.start, end: r.end, top_services: r.top_services, estimated_events: r.estimated_events, cost_sources: r.pricing.cost_sources,
    });
    expect(differences(pick(local), pick(pushed))).toEqual([]);
    expect([pushed.spans, pushed.traces, pushed.roots, pushed.orphans, pushed.cyclic]).toEqual([369, 40, 40, 0, 0]);
  }, 300_000);
});
