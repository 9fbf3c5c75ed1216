// Tests for the ClickHouse mutants of the seed-28 Stryker sample (TESTING.md, "Mutation testing")
// that no test killed, decided by hand since no Stryker list runs a chDB file: each compares the
// ClickHouse path (chDB, in-process) with the DuckDB path over the same spans, with DuckDB itself,
// or with a value worked by hand, and each was seen to fail with its mutant applied. Three chDB
// sessions on the fixture's copy (test/helpers/chdb.ts), one statement each.
import { beforeAll, describe, expect, it } from "vitest";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chdbDatasets, differences } from "./helpers/chdb.js";
import { withAnalysis } from "../src/analysis/analysis.js";
import { breakdown, type GroupKey } from "../src/analysis/breakdown.js";
import { clickhouseBreakdown, globToRegex, withClickHouse } from "../src/analysis/clickhouse.js";
import { clickhouseTrace } from "../src/analysis/clickhouse-events.js";
import { parseClickHouseSource } from "../src/ingest/clickhouse-source.js";
import { defaultConfig, loadConfig } from "../src/model/config.js";
import { InputError } from "../src/errors.js";
import { Db } from "../src/db/db.js";

const work = mkdtempSync(join(tmpdir(), "adtrace-ch-surv28-"));
const data: Record<string, { input: string; dir: string }> = {};

beforeAll(async () => {
  await chdbDatasets(work, data);
}, 600_000);

describe("cost breakdown over ClickHouse with rules the other tests do not write", () => {
  // analysis/clickhouse.ts:170 a sampling rule's attribute globs → `[]` (no attribute rule in any
  // chDB test's config); :126 an unclosed `[` → "" (the bracket dropped: `*auction[*` matched
  // like `*auction*`); :260 `groups.slice(0, options.top)` → `groups` (no chDB test passes --top).
  it("a sampling rule on attributes, a stage rule with an unclosed bracket, and --top: the DuckDB path's groups, weights and omitted row", async () => {
    const path = join(work, "adtrace.config.yaml");
    writeFileSync(path, `
stages:
  - stage: never
    match: { name: "*auction[*" }
  - stage: warehouse
    match: { name: "*.warehouse.*" }
  - stage: auction
    match: { name: "auction.*" }
  - stage: tracking
    match: { service: "tracker*" }
sampling:
  - match: { attribute: { user_locale: "[ef][nr]-*", ad.campaign_id: "c-[!1]" } }
    rate: 0.25
`);
    const { input, dir } = data.fixture!;
    const by: GroupKey[] = [{ kind: "stage" }];
    const local = await withAnalysis({ inputs: [input], config: path }, async (a) => ({
      all: await breakdown(a.db, { by }), top: await breakdown(a.db, { by, top: 2 }),
    }));
    // One statement: the second breakdown reads the session's rows of the first.
    const pushed = await withClickHouse(parseClickHouseSource([`chdb:${dir}`]), loadConfig(path), {}, async (s) => ({
      all: await clickhouseBreakdown(s, { by }), top: await clickhouseBreakdown(s, { by, top: 2 }),
    }));
    expect(differences(local, pushed)).toEqual([]);
    // Something to compare: the rule weighted the fr-FR events (campaign c-3; en-US is c-1) by 4
    // (weights differ), DuckDB's GLOB matched no name against the unclosed bracket (auction.rtb.run
    // is in auction), and --top kept 2 of the 4 groups.
    expect(pushed.all.weights.min_weight).toBe(1);
    expect(pushed.all.weights.max_weight).toBe(4);
    expect(pushed.all.groups.map((g) => g.keys.stage).sort()).toEqual(["auction", "other", "tracking", "warehouse"]);
    expect(pushed.top.groups.length).toBe(2);
    expect(pushed.top.omitted?.groups).toBe(2);
  }, 300_000);
});

describe("a config's globs in ClickHouse", () => {
  // analysis/clickhouse.ts:126 an unclosed `[` → "": survived, and showed that the line itself was
  // wrong: DuckDB's GLOB (the local path's stage and sampling rules) matches nothing past a `[` no
  // `]` closes, where the pattern matched a literal `[`; and a reversed range (`[z-a]`, `[a-]x]`) made
  // RE2 refuse the whole statement. DuckDB's own GLOB is the independent answer here.
  it("ClickHouse's match of each pattern agrees with DuckDB's GLOB, on generated ASCII globs and names", async () => {
    // Globs over the characters that mean something to GLOB, and names, most drawn from the glob so
    // that many match.
    let seed = 28;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const chars = ["a", "b", "c", "-", "!", "[", "]", "*", "?", "\\"];
    const draw = (n: number) => Array.from({ length: n }, () => chars[Math.floor(random() * chars.length)]).join("");
    /** A name like `glob`: a wildcard filled in, a bracket's text replaced by one of its characters, a character changed now and then. */
    const like = (glob: string) => {
      let name = "";
      for (let i = 0; i < glob.length; i++) {
        const c = glob[i]!;
        const close = c === "[" ? glob.indexOf("]", i + 2) : -1;
        if (close > 0) {
          const inside = glob.slice(i + 1, close);
          name += inside[Math.floor(random() * inside.length)];
          i = close;
        } else name += c === "*" ? draw(Math.floor(random() * 3)) : c === "?" || random() < 0.15 ? draw(1) : c;
      }
      return name;
    };
    // The edges first: unclosed brackets, `]` first in a class, ranges empty or ending in `]`, escapes.
    const edges: [string, string][] = [
      ["a[b", "a[b"], ["a[b", "ab"], ["*auction[*", "auction.rtb.run"], ["*auction[*", "auction[x"], ["x[", "x["], ["a[]", "a[]"],
      ["[!]", "[!]"], ["a[]b]", "a]"], ["a[]b]", "ab"], ["a[]b]", "a["], ["a[!]b]", "ac"], ["a[!]b]", "a]"], ["a\\[b", "a[b"],
      ["a[b]c[d", "abc[d"], ["[a-]", "-"], ["[a-]x]", "x"], ["[z-a]", "a"], ["[!z-a]", "q"], ["x\\", "x\\"], ["[0-9][0-9]", "42"],
      ["[!0-9]*", "x1"], ["db.[!s]*", "db.q"], ["[-a]", "-"], ["[a^]", "^"],
    ];
    const globs: string[] = edges.map(([g]) => g);
    const names: string[] = edges.map(([, n]) => n);
    for (let i = 0; i < 1500; i++) {
      const glob = draw(1 + Math.floor(random() * 6));
      globs.push(glob);
      names.push(random() < 0.3 ? draw(Math.floor(random() * 5)) : like(glob));
    }
    const db = await Db.open();
    let duck: boolean[];
    try {
      duck = await db.scalar<boolean[]>("SELECT list(n GLOB g ORDER BY i) FROM (SELECT unnest($names) AS n, unnest($globs) AS g, unnest(range(len($names))) AS i)", { names, globs });
    } finally {
      db.close();
    }
    const [row] = await withClickHouse(parseClickHouseSource([`chdb:${data.fixture!.dir}`]), defaultConfig(), {}, async (s) =>
      (await s.engine.query("SELECT arrayMap((n, r) -> match(n, r), {names:Array(String)}, {res:Array(String)}) AS m", { names, res: globs.map(globToRegex) })).rows);
    const pushed = (row!.m as number[]).map((m) => m === 1);
    const differ = globs.flatMap((g, i) => (pushed[i] === duck[i] ? [] : [`${JSON.stringify(names[i])} GLOB ${JSON.stringify(g)}: DuckDB ${duck[i]}, ClickHouse ${pushed[i]}`]));
    expect(differ).toEqual([]);
    // Something to compare: both answers, and the cases the line was about.
    expect(duck.length).toBe(globs.length);
    expect(duck.filter(Boolean).length).toBeGreaterThan(200);
    expect(globs.filter((g, i) => duck[i] && g.includes("[")).length).toBeGreaterThan(10);
    expect(duck.slice(0, edges.length)).toEqual([
      false, false, false, false, false, false, false, true, true, false, true, false, true,
      false, false, true, false, true, false, true, true, true, true, true,
    ]);
  }, 300_000);
});

describe("trace --pick over a ClickHouse range without spans", () => {
  // analysis/clickhouse-events.ts:37 the message → "": the error named the source and said nothing.
  it("is one input error naming the source: it holds no spans in this range", async () => {
    const source = parseClickHouseSource([`chdb:${data.fixture!.dir}`], { since: "2030-01-01T00:00:00Z" });
    const error = await withClickHouse(source, defaultConfig(), {}, (s) => clickhouseTrace(s, { pick: "costliest" })).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as Error).message).toBe(`${source.label}: holds no spans in this range: nothing to analyse`);
  }, 300_000);
});
