// The fragment mechanism of the ClickHouse SQL (src/db/clickhouse-fragments.ts): a named CTE of
// queries/clickhouse_fragments.sql, written once, spliced into each statement that reads it, just
// before the first of the statement's CTEs that does, after the fragments it reads. What the engine
// then makes of the spliced statements is the ClickHouse equality tests' (test/clickhouse*.test.ts).
import { describe, expect, it } from "vitest";
import { FRAGMENT_AREA, spliceFragments, withCtes } from "../src/db/clickhouse-fragments.js";
import { parseQueryFile, queriesIn, QUERIES_DIR, type NamedQuery } from "../src/db/queries.js";
import { readdirSync } from "node:fs";

const fragments = (text: string): NamedQuery[] => parseQueryFile("/x/clickhouse_fragments.sql", text);

const FRAGMENTS = fragments(`
-- name: base
-- The rows.
SELECT * FROM t

-- name: picked
-- Some of base's rows (reads base).
SELECT id FROM base WHERE ok

-- name: totals
-- One row over the statement's own kt.
SELECT count() AS n FROM kt
`);

/** The CTE names of a spliced statement, in order. */
const names = (ctes: string[]) => ctes.map((c) => /^(\w+)/.exec(c)![1]);

describe("spliceFragments", () => {
  it("puts a fragment before the first CTE that reads it, its own fragments before it, each once", () => {
    const sql = `WITH
a AS (SELECT 1 AS x),
kt AS (SELECT id FROM picked),
b AS (SELECT n FROM totals, picked)
SELECT * FROM b, base`;
    const s = spliceFragments(sql, "t.sql:1", FRAGMENTS);
    expect(names(s.ctes)).toEqual(["a", "base", "picked", "kt", "totals", "b"]);
    expect(s.fragments.map((f) => f.key)).toEqual(["clickhouse_fragments.base", "clickhouse_fragments.picked", "clickhouse_fragments.totals"]);
    expect(s.ctes[1]).toBe("base AS (\nSELECT * FROM t\n)");
    expect(s.final).toBe("SELECT * FROM b, base");
    expect(withCtes(["costed_spans AS (m)"], s)).toBe(
      `WITH\ncosted_spans AS (m),\na AS (SELECT 1 AS x),\nbase AS (\nSELECT * FROM t\n),\npicked AS (\nSELECT id FROM base WHERE ok\n),\nkt AS (SELECT id FROM picked),\ntotals AS (\nSELECT count() AS n FROM kt\n),\nb AS (SELECT n FROM totals, picked)\nSELECT * FROM b, base`);
  });

  it("reads the final query too, and a statement with no WITH", () => {
    const s = spliceFragments("SELECT id FROM picked ORDER BY id", "t.sql:1", FRAGMENTS);
    expect(names(s.ctes)).toEqual(["base", "picked"]);
    expect(withCtes(["m AS (x)"], s)).toBe("WITH\nm AS (x),\nbase AS (\nSELECT * FROM t\n),\npicked AS (\nSELECT id FROM base WHERE ok\n)\nSELECT id FROM picked ORDER BY id");
    expect(withCtes([], spliceFragments("SELECT 1", "t.sql:1", FRAGMENTS))).toBe("SELECT 1");
  });

  it("sees no fragment in a comment, a string or a longer name; parentheses in strings and comments do not end a CTE", () => {
    const sql = `WITH
a AS (
  -- base ( and picked
  SELECT 'base (' AS s, 'it''s )' AS t, 'a\\' ) totals' AS u, base_rows, /* ) picked */ 1 AS v
),
b AS (SELECT 2)
SELECT * FROM a`;
    const s = spliceFragments(sql, "t.sql:1", FRAGMENTS);
    expect(names(s.ctes)).toEqual(["a", "b"]);
    expect(s.fragments).toEqual([]);
    expect(s.ctes[0]).toContain("1 AS v\n)");
  });

  it("refuses a CTE named as a fragment, and fragments that read each other in a cycle", () => {
    expect(() => spliceFragments("WITH base AS (SELECT 1) SELECT * FROM base", "t.sql:3", FRAGMENTS)).toThrow(/t\.sql:3: CTE base has the name of the fragment/);
    const cyclic = fragments(`
-- name: p
-- Reads q.
SELECT * FROM q

-- name: q
-- Reads p.
SELECT * FROM p
`);
    expect(() => spliceFragments("SELECT * FROM p", "t.sql:1", cyclic)).toThrow(/cycle \(p → q → p\)/);
  });

  it("fails loudly on unbalanced parentheses", () => {
    expect(() => spliceFragments("WITH a AS (SELECT (1) SELECT 2", "t.sql:9", FRAGMENTS)).toThrow(/t\.sql:9: unbalanced parentheses/);
  });
});

describe("the repo's ClickHouse statements", () => {
  const all = readdirSync(QUERIES_DIR).filter((f) => /^clickhouse.*\.sql$/.test(f) && f !== `${FRAGMENT_AREA}.sql`).flatMap((f) => queriesIn(f.replace(/\.sql$/, "")));
  const fragmentNames = queriesIn(FRAGMENT_AREA).map((f) => f.key.split(".")[1]!);

  it("every fragment is read by at least two statements (else it belongs in its one statement)", () => {
    const readers = new Map(fragmentNames.map((n) => [n, 0]));
    for (const q of all) for (const f of spliceFragments(q.sql, q.where).fragments) readers.set(f.key.split(".")[1]!, readers.get(f.key.split(".")[1]!)! + 1);
    for (const f of queriesIn(FRAGMENT_AREA)) for (const d of spliceFragments(f.sql, f.where).fragments) readers.set(d.key.split(".")[1]!, readers.get(d.key.split(".")[1]!)! + 1);
    expect([...readers].filter(([, n]) => n < 2)).toEqual([]);
  });

  it("every statement splices, and no fragment's text is written out again in a statement", () => {
    // clickhouse.costed_spans, the model, goes first, before any fragment (src/analysis/clickhouse.ts),
    // so it reads the table and its range itself.
    for (const q of all.filter((s) => s.key !== "clickhouse.costed_spans")) {
      const s = spliceFragments(q.sql, q.where);
      for (const f of queriesIn(FRAGMENT_AREA)) {
        // The fragment's longest line (its most specific text) stands in no statement.
        const longest = f.sql.split("\n").map((l) => l.trim()).sort((a, b) => b.length - a.length)[0]!;
        expect(q.sql.includes(longest), `${q.key} repeats ${f.key}: ${longest}`).toBe(false);
      }
      expect(s.final.length).toBeGreaterThan(0);
    }
  });
});
