import { describe, expect, it } from "vitest";
import { loadQueries, parseQueryFile, QUERIES_DIR } from "../src/db/queries.js";

describe("query loader", () => {
  it("loads every file in queries/ without error: each `-- name:` header once, keyed file.name, with its line", async () => {
    const { readdirSync, readFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    // The headers as a plain scan of the files finds them: key → file:line.
    const expected = new Map<string, string>();
    for (const file of readdirSync(QUERIES_DIR).filter((f) => f.endsWith(".sql"))) {
      readFileSync(join(QUERIES_DIR, file), "utf8").split("\n").forEach((line, i) => {
        const header = /^-- name: (\S+)\s*$/.exec(line);
        if (header) expected.set(`${file.slice(0, -4)}.${header[1]}`, `${join(QUERIES_DIR, file)}:${i + 1}`);
      });
    }
    expect(expected.size).toBeGreaterThan(50);
    const queries = loadQueries(QUERIES_DIR);
    expect([...queries.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [key, query] of queries) {
      expect(query.where, key).toBe(expected.get(key));
      expect(query.doc.length, key).toBeGreaterThan(0);
      expect(query.sql, key).toMatch(/\b(SELECT|INSERT|CREATE|SET|UPDATE|DELETE|WITH|ALTER|DROP)\b/i);
    }
  });

  it("fails with file:line on a parameter used but not declared", () => {
    const text = "-- name: a\n-- Doc.\nSELECT 1;\n\n-- name: b\n-- Doc.\nSELECT $x;\n";
    expect(() => parseQueryFile("/q/area.sql", text)).toThrow(/\/q\/area\.sql:5: query b uses \$x but does not declare it/);
  });

  it("fails on a parameter declared but unused", () => {
    expect(() => parseQueryFile("f.sql", "-- name: a\n-- Doc.\n-- params: $x\nSELECT 1;\n")).toThrow(/f\.sql:1: query a declares \$x but never uses it/);
  });

  it("fails on an empty query and on a missing doc line", () => {
    expect(() => parseQueryFile("f.sql", "-- name: a\n-- Doc.\n\n")).toThrow(/f\.sql:1: query a is empty/);
    expect(() => parseQueryFile("f.sql", "-- name: a\nSELECT 1;\n")).toThrow(/no one-line doc comment/);
  });

  it("ignores $ inside string literals and comments", () => {
    const [q] = parseQueryFile("f.sql", "-- name: a\n-- Doc.\n-- params: $y\nSELECT '$x', $y -- $z\n");
    expect(q!.params).toEqual(["y"]);
  });

  it("reads an apostrophe inside a comment as comment, not as the start of a string", () => {
    // Stripping strings before comments would take `'s … '` as one string, hide $y and find $q.
    const text = "-- name: a\n-- Doc.\n-- params: $y\n-- the user's value\nSELECT $y, '$q' -- don't\n/* it's $z */\n";
    const [q] = parseQueryFile("f.sql", text);
    expect(q!.params).toEqual(["y"]);
  });

  it("fails on duplicate names across a directory", async () => {
    const { mkdtempSync, writeFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const dir = mkdtempSync(join(tmpdir(), "q-"));
    writeFileSync(join(dir, "a.sql"), "-- name: x\n-- Doc.\nSELECT 1;\n-- name: x\n-- Doc.\nSELECT 2;\n");
    expect(() => loadQueries(dir)).toThrow(/a\.sql:4: duplicate query name a\.x \(first at .*a\.sql:1\)/);
  });
});
