// The cost model stored in a database file (issue 16, model/stored.ts) against the model computed
// per session (install.ts) over the same spans: per span, per event, and through every analysis
// that reads it, to 1e-12 relative, on the hand-worked fixture and on generated data (sampled
// and priced from usage). The stored-only columns are checked against their own definitions
// (the fingerprint macro; the largest weight per trace and stage; the critical path's walk run
// again here trace by trace). A changed config, a missing
// model and a database that cannot be written are each detected and handled as the issue says.
import { copyFileSync, existsSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Db } from "../src/db/db.js";
import { loadIntoDatabase } from "../src/ingest/load-db.js";
import { installModel, type ModelOptions } from "../src/model/install.js";
import { modelDigest, storedModelState, useStoredModel } from "../src/model/stored.js";
import { defaultConfig, parseConfig, type Config } from "../src/model/config.js";
import { breakdown, keyParams, parseGroupKeys, warehouseQueries } from "../src/analysis/breakdown.js";
import { costFlags } from "../src/analysis/flags.js";
import { savings, suggestedScenario } from "../src/analysis/savings.js";
import { costCriticalPath, onPathShareByStage } from "../src/analysis/path-cost.js";
import { spanSide } from "../src/analysis/diff.js";
import { criticalPath } from "../src/model/critical-path.js";
import { ensurePathsWalked } from "../src/model/span-path.js";
import { adtrace, FIXTURE, ROOT } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";

const dir = mkdtempSync(join(tmpdir(), "adtrace-stored-"));
const fixtureDb = join(dir, "fixture.duckdb");

// The fixture loaded once; a test that writes to a database gets a copy of the closed file.
beforeAll(async () => {
  await loadIntoDatabase({ inputs: [`${ROOT}/${FIXTURE}/otlp.jsonl`], db: fixtureDb });
  expect(existsSync(`${fixtureDb}.wal`)).toBe(false);
}, 60_000);

/** A fresh copy of the loaded fixture's database, as `adtrace load` of otlp.jsonl leaves it. */
function fixtureCopy(name: string): string {
  const path = join(dir, name);
  copyFileSync(fixtureDb, path);
  return path;
}

/** Every number in a and b within 1e-12 relative (or both zero); everything else equal. */
function expectClose(a: unknown, b: unknown, path = "$"): void {
  if (typeof a === "number" && typeof b === "number") {
    const scale = Math.max(Math.abs(a), Math.abs(b));
    if (scale !== 0 && Math.abs(a - b) / scale > 1e-12) expect.fail(`${path}: ${a} vs ${b}`);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    expect(a.length, path).toBe(b.length);
    a.forEach((x, i) => expectClose(x, b[i], `${path}[${i}]`));
    return;
  }
  if (a && b && typeof a === "object" && typeof b === "object") {
    expect(Object.keys(a).sort(), path).toEqual(Object.keys(b).sort());
    for (const key of Object.keys(a)) expectClose((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key], `${path}.${key}`);
    return;
  }
  expect(a, path).toEqual(b);
}

/** Run fn on the database twice: reading the stored model, and computing it in the session. */
async function bothPaths<T>(path: string, config: Config, fn: (db: Db) => Promise<T>, model: ModelOptions = {}): Promise<{ stored: T; computed: T }> {
  const stored = await Db.open({ path, readOnly: true });
  let storedResult: T;
  try {
    expect(await storedModelState(stored, config)).toBe("current");
    await useStoredModel(stored, config, model);
    storedResult = await fn(stored);
  } finally {
    stored.close();
  }
  const computed = await Db.open({ path, readOnly: true });
  try {
    await installModel(computed, config, model);
    return { stored: storedResult, computed: await fn(computed) };
  } finally {
    computed.close();
  }
}

const SPAN_COLUMNS = "SELECT * EXCLUDE (attributes, query_fingerprint, statement_hash, stage_event_w, query_event_w) FROM costed_spans ORDER BY trace_id, span_id";

/** Everything compareEverything compares, read from one session (stored or computed), in one order. */
async function everything(db: Db, config: Config) {
  // The critical path's columns: walked at load (stored), walked here in the session (computed).
  await ensurePathsWalked(db);
  const spans = await db.all(SPAN_COLUMNS);
  const events = await db.all("SELECT * FROM event_weights ORDER BY trace_id");
  const stageCosts = await db.all("SELECT * FROM event_stage_costs ORDER BY trace_id, stage");
  const criticalPaths: Record<string, Awaited<ReturnType<typeof costCriticalPath>>> = {};
  for (const by of ["stage", "name", "service,stage"]) criticalPaths[by] = await costCriticalPath(db, { by: parseGroupKeys(by) });
  const shares = Object.fromEntries(await onPathShareByStage(db));
  const sides: Record<string, unknown> = {};
  for (const by of ["stage", "stage,name"]) {
    const side = await spanSide(db, "side", parseGroupKeys(by));
    sides[by] = { moments: [...side.moments!], groups: [...side.groups], total: side.total, events: side.events };
  }
  // diff by stage reads each stage's cost per event (event_stage_costs; with a stored model the
  // moments stored at load from them, compared above): the per-group pass over the spans, which
  // every other grouping runs, gives the same moments.
  await db.run("diff.group_costs", keyParams(parseGroupKeys("stage")));
  await db.run("diff.group_moments");
  const perGroup = await db.query("diff.moments");
  await db.run("diff.stage_costs");
  await db.run("diff.group_moments");
  const moments = { perGroup, perStage: await db.query("diff.moments") };
  const summaries = [await db.all("SELECT * FROM _span_summary"), await db.all("SELECT * FROM _bad_values ORDER BY ALL")];
  const breakdowns: Record<string, unknown> = {};
  for (const by of ["stage", "name", "service,stage"]) breakdowns[by] = await breakdown(db, { by: parseGroupKeys(by) });
  const queries = await warehouseQueries(db);
  const flags = await costFlags(db, config);
  const saved = await savings(db, { scenarios: [await suggestedScenario(db, config)], config });
  return { spans, events, stageCosts, criticalPaths, shares, sides, moments, summaries, breakdowns, queries, flags, saved };
}

/**
 * The same model through both paths: per-span and per-event rows, summaries and every analysis.
 * One session reads the stored model and one computes it, each running every analysis in turn
 * (as a command's session runs several); the attribute grouping needs its own pair.
 */
async function compareEverything(path: string, config: Config): Promise<void> {
  const { stored, computed } = await bothPaths(path, config, (db) => everything(db, config));
  expect(stored.spans.length).toBeGreaterThan(0);
  expect(stored.spans.filter((s) => s.critical_ns !== null).length).toBeGreaterThan(0);
  expectClose(stored.spans, computed.spans, "spans");
  expect(stored.events.every((e) => e.path_ns !== null)).toBe(true);
  expectClose(stored.events, computed.events, "events");
  expect(stored.stageCosts.length).toBeGreaterThan(stored.events.length);
  expectClose(stored.stageCosts, computed.stageCosts, "stage costs");
  for (const by of ["stage", "name", "service,stage"]) expectClose(stored.criticalPaths[by], computed.criticalPaths[by], `critical-path ${by}`);
  // cost flags' one-pass shares are critical-path's by stage (two formulations, both paths).
  expectClose(stored.shares, Object.fromEntries(stored.criticalPaths.stage!.groups.map((g) => [g.keys.stage!, g.on_path_share])));
  expectClose(computed.shares, stored.shares);
  for (const by of ["stage", "stage,name"]) {
    expect((stored.sides[by] as { moments: unknown[] }).moments.length).toBeGreaterThan(2);
    expectClose(stored.sides[by], computed.sides[by], `diff side ${by}`);
  }
  expect(stored.moments.perStage.length).toBeGreaterThan(2);
  expectClose(stored.moments.perStage, stored.moments.perGroup);
  expectClose(computed.moments.perStage, computed.moments.perGroup);
  expectClose(stored.summaries, computed.summaries, "summaries");
  for (const by of ["stage", "name", "service,stage"]) expectClose(stored.breakdowns[by], computed.breakdowns[by], by);
  expect(stored.queries.queries.length).toBeGreaterThan(0);
  expectClose(stored.queries, computed.queries, "queries");
  expectClose(stored.flags, computed.flags, "flags");
  expectClose(stored.saved, computed.saved, "savings");
  const byAttr = parseGroupKeys("stage,attr:db.system");
  const attr = await bothPaths(path, config, (db) => breakdown(db, { by: byAttr }), { attributeKeys: ["db.system"] });
  expectClose(attr.stored, attr.computed, "attr");
  expect(attr.stored.groups.some((g) => g.keys["db.system"] !== "(none)")).toBe(true);
}

/** The stored-only columns against their definitions, computed here from the session's model. */
async function checkStoredColumns(path: string, config: Config): Promise<void> {
  const db = await Db.open({ path, readOnly: true });
  try {
    await installModel(db, config);
    const rows = await db.all(`
      WITH s AS (SELECT * FROM main.model_spans),
      c AS (SELECT trace_id, span_id, stage, weight, warehouse, statement,
                   COALESCE(adtrace_fingerprint(statement, warehouse), '(no query text)') AS fp FROM costed_spans)
      SELECT
        -- The fingerprint of every warehouse span, and no other span's.
        count(*) FILTER (WHERE c.warehouse IS NOT NULL AND s.query_fingerprint IS DISTINCT FROM c.fp) AS bad_fingerprints,
        count(*) FILTER (WHERE c.warehouse IS NULL AND s.query_fingerprint IS NOT NULL) AS stray_fingerprints,
        count(*) FILTER (WHERE c.statement IS NOT NULL AND s.statement_hash IS DISTINCT FROM hash(adtrace_uncommented(c.statement, c.warehouse))) AS bad_hashes,
        count(*) FILTER (WHERE c.warehouse IS NOT NULL) AS warehouse_spans
      FROM s JOIN c USING (trace_id, span_id)`);
    expect(rows[0]).toMatchObject({ bad_fingerprints: 0, stray_fingerprints: 0, bad_hashes: 0 });
    expect(Number(rows[0]!.warehouse_spans)).toBeGreaterThan(0);
    // Per trace and stage (and per trace and query), the stored event weights add up to the
    // largest weight among those spans, as the breakdown counts a group's events.
    const [counts] = await db.all(`
      WITH st AS (SELECT trace_id, stage, sum(stage_event_w) AS stored, max(weight) AS expected, count(*) FILTER (WHERE stage_event_w > 0) AS carriers
                  FROM main.model_spans GROUP BY ALL),
      qu AS (SELECT trace_id, stage, warehouse, query_fingerprint, sum(query_event_w) AS stored, max(weight) AS expected
             FROM main.model_spans WHERE warehouse IS NOT NULL GROUP BY ALL)
      SELECT (SELECT count(*) FROM st WHERE stored <> expected OR carriers <> 1) AS bad_stage,
             (SELECT count(*) FROM qu WHERE stored <> expected) AS bad_query,
             (SELECT count(*) FROM main.model_spans WHERE warehouse IS NULL AND query_event_w IS NOT NULL) AS stray_query`);
    expect(counts).toEqual({ bad_stage: 0, bad_query: 0, stray_query: 0 });
    // The walk's columns against their definitions: per event, the spans' critical times add up to
    // the path; per event and stage, one span carries the event's weight, and again when the stage
    // has a span on the path.
    const [path] = await db.all(`
      WITH ev AS (SELECT trace_id, sum(critical_ns) AS ns FROM main.model_spans GROUP BY trace_id),
      st AS (SELECT trace_id, stage, sum(stage_path_w) AS w, sum(stage_on_path_w) AS on_w, bool_or(on_path) AS on_path,
                    count(*) FILTER (WHERE stage_path_w > 0) AS carriers
             FROM main.model_spans GROUP BY ALL)
      SELECT (SELECT count(*) FROM ev JOIN main.model_events e USING (trace_id) WHERE ev.ns IS DISTINCT FROM e.path_ns) AS bad_sums,
             (SELECT count(*) FROM st JOIN main.model_events e USING (trace_id)
               WHERE st.w <> e.w OR st.carriers <> 1 OR st.on_w <> CASE WHEN st.on_path THEN e.w ELSE 0 END) AS bad_carriers`);
    expect(path).toEqual({ bad_sums: 0, bad_carriers: 0 });
    // And against the walk run here on each trace's spans as the spans table holds them (their
    // text ids and absolute times), one trace at a time, on up to 200 traces.
    const spans = await db.all(`
      SELECT s.trace_id, s.span_id, s.parent_span_id, CAST(s.start_ns - min(s.start_ns) OVER (PARTITION BY s.trace_id) AS DOUBLE) AS start,
             CAST(s.duration_ns AS DOUBLE) AS duration, m.critical_ns, m.on_path
      FROM spans s JOIN main.model_spans m USING (trace_id, span_id)
      WHERE s.trace_id IN (SELECT DISTINCT trace_id FROM spans ORDER BY trace_id LIMIT 200)
      ORDER BY s.trace_id, s.span_id`);
    const byTrace = new Map<unknown, typeof spans>();
    for (const r of spans) byTrace.set(r.trace_id, [...(byTrace.get(r.trace_id) ?? []), r]);
    let compared = 0;
    for (const rows of byTrace.values()) {
      const walk = criticalPath(rows.map((r) => ({ id: String(r.span_id), parent: (r.parent_span_id as string | null) ?? null, start: Number(r.start), end: Number(r.start) + Number(r.duration) })));
      for (const node of walk.forest.nodes) {
        const row = rows.find((r) => r.span_id === node.span.id)!;
        expect([row.critical_ns, row.on_path]).toEqual([walk.criticalNs[node.index], walk.onPath[node.index] === 1]);
        compared++;
      }
    }
    expect(compared).toBeGreaterThan(300);
  } finally {
    db.close();
  }
}

describe("stored model = model computed per session (1e-12 relative)", () => {
  const generatedDb = join(dir, "generated.duckdb");
  const generated = join(dir, "generated.jsonl");

  beforeAll(async () => {
    // Usage priced by the book (no cost attributes); half the events head-sampled at 1 in 4, half
    // unsampled, so weights differ between traces.
    for (const [seed, rate] of [["5", "0.25"], ["6", "1"]]) {
      const r = await adtraceIn(["generate", "--events", "200", "--seed", seed!, "--sample-rate", rate!, "--out", `${generated}.${seed}.jsonl`, "-q"]);
      expect(r.stderr).toBe("");
    }
    await loadIntoDatabase({ inputs: [`${generated}.5.jsonl`, `${generated}.6.jsonl`], db: generatedDb });
  }, 60_000);

  it("on the hand-worked fixture", async () => {
    await compareEverything(fixtureDb, defaultConfig());
    await checkStoredColumns(fixtureDb, defaultConfig());
  }, 60_000);

  it("on generated, sampled, usage-priced data", async () => {
    const db = await Db.open({ path: generatedDb, readOnly: true });
    try {
      await useStoredModel(db, defaultConfig());
      const [w] = await db.all("SELECT min(weight) AS lo, max(weight) AS hi, count(DISTINCT cost_source) AS sources FROM costed_spans");
      expect(w!.hi).toBeGreaterThan(w!.lo as number);
    } finally {
      db.close();
    }
    await compareEverything(generatedDb, defaultConfig());
    await checkStoredColumns(generatedDb, defaultConfig());
  }, 120_000);

  it("the hand-worked totals read from the stored model", async () => {
    const r = await adtraceIn(["cost", "breakdown", "--db", fixtureDb, "--format", "json"]);
    expect(r.stderr).not.toMatch(/recomputed|this run only/);
    const files = await adtraceIn(["cost", "breakdown", `${FIXTURE}/otlp.jsonl`, "--format", "json"]);
    expect(JSON.parse(r.stdout).groups).toEqual(JSON.parse(files.stdout).groups);
  });
});

describe("a model that does not match is recomputed", () => {
  // Every span one stage: what the stored model (the default rules) does not say.
  const CONFIG = "stages:\n  - stage: everything\n    match: { name: '*' }\nprices:\n  - compute: { vcpu_hour_usd: 0.5 }\n";
  const configFile = join(dir, "one-stage.yaml");

  const infoOf = async (path: string) => {
    const db = await Db.open({ path, readOnly: true });
    try {
      return String((await db.all("SELECT digest FROM model_info"))[0]!.digest);
    } finally {
      db.close();
    }
  };

  it("a different --config recomputes the stored model in place and says so; the same config again reads it", async () => {
    const { writeFileSync } = await import("node:fs");
    writeFileSync(configFile, CONFIG);
    const path = fixtureCopy("changed.duckdb");
    expect(await infoOf(path)).toBe(modelDigest(defaultConfig()));

    const first = await adtraceIn(["cost", "breakdown", "--db", path, "--config", configFile, "--format", "csv"]);
    expect(first.code).toBe(0);
    expect(first.stderr).toMatch(/another config .*recomputed it and stored it in place/);
    // The same config over the files, computed per session: the answer the recomputation must give.
    const files = await adtraceIn(["cost", "breakdown", `${FIXTURE}/otlp.jsonl`, "--config", configFile, "--format", "csv"]);
    expect(first.stdout).toBe(files.stdout);
    expect(first.stdout).toMatch(/^everything,/m);
    expect(await infoOf(path)).toBe(modelDigest(parseConfig(CONFIG, configFile)));

    const again = await adtraceIn(["cost", "breakdown", "--db", path, "--config", configFile, "--format", "csv"]);
    expect(again.stderr).not.toMatch(/recomputed/);
    expect(again.stdout).toBe(files.stdout);

    // Back to the defaults: recomputed again, and the default stages are back.
    const back = await adtraceIn(["cost", "breakdown", "--db", path, "--format", "csv"]);
    expect(back.stderr).toMatch(/recomputed/);
    expect(back.stdout).toMatch(/^aggregation,/m);
    expect(await infoOf(path)).toBe(modelDigest(defaultConfig()));
  }, 60_000);

  it("a config change that is not the model (flag thresholds, daily volume) keeps the stored model", async () => {
    const path = fixtureCopy("volume.duckdb");
    const volume = join(dir, "volume.yaml");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(volume, "events_per_day: 5M\n");
    const r = await adtraceIn(["cost", "breakdown", "--db", path, "--config", volume, "--format", "csv"]);
    expect(r.stderr).not.toMatch(/recomputed/);
    expect(await infoOf(path)).toBe(modelDigest(defaultConfig()));
  }, 60_000);

  it("a database without a stored model (an earlier adtrace's) gets one", async () => {
    const path = fixtureCopy("old.duckdb");
    const db = await Db.open({ path });
    await db.exec("DROP TABLE model_info; DROP TABLE model_spans");
    db.close();
    const r = await adtraceIn(["cost", "breakdown", "--db", path, "--format", "csv"]);
    expect(r.stderr).toMatch(/holds no stored cost model.*recomputed/);
    const files = await adtraceIn(["cost", "breakdown", `${FIXTURE}/otlp.jsonl`, "--format", "csv"]);
    expect(r.stdout).toBe(files.stdout);
    expect(await infoOf(path)).toBe(modelDigest(defaultConfig()));
  }, 60_000);

  it("a database another process holds open is not written: the model is computed for this run and the stored one kept", async () => {
    const path = fixtureCopy("held.duckdb");
    const { writeFileSync } = await import("node:fs");
    writeFileSync(configFile, CONFIG);
    // This process holds it read-only: another may read it too, but none may write it.
    const held = await Db.open({ path, readOnly: true });
    try {
      const r = adtrace(["cost", "breakdown", "--db", path, "--config", configFile, "--format", "csv"]);
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/cannot be written now; computing the cost model for this run only/);
      const files = await adtraceIn(["cost", "breakdown", `${FIXTURE}/otlp.jsonl`, "--config", configFile, "--format", "csv"]);
      expect(r.stdout).toBe(files.stdout);
    } finally {
      held.close();
    }
    expect(await infoOf(path)).toBe(modelDigest(defaultConfig()));
  }, 60_000);
});
