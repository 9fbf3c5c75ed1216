// Grouping by attributes (issue 13): cost per event of the group's own events, and statement
// attributes grouped by their fingerprint so that no literal reaches any output.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { withModelDb } from "./helpers/analysis.js";
import { adtrace, FIXTURE } from "./helpers/cli.js";
import { adtraceIn } from "./helpers/in-process.js";
import { eventCost } from "./helpers/hand.js";
import { otlpDocument, spanId, traceId, writeTemp, type TestSpan } from "./helpers/otlp.js";
import { Chalk } from "chalk";
import { breakdown, parseGroupKeys } from "../src/analysis/breakdown.js";
import { diff } from "../src/analysis/diff.js";
import { breakdownView } from "../src/output/cost-views.js";
import { diffView } from "../src/output/diff-view.js";
import { formatters } from "../src/output/format.js";
import type { TableResult } from "../src/output/result.js";

const FORMATS = ["table", "csv", "json", "md"] as const;
const plain = { colors: new Chalk({ level: 0 }) };

/**
 * Per event t of the fixture (fixtures/auction/README.md): it starts at 12:00:00Z + 1.5 s × t
 * and costs $0.00025 from cost attributes, plus a Snowflake lookup ($0.0003 + its compute) and
 * a BigQuery aggregate ($0.0003814697265625 + its compute), a second lookup when 8 divides t and
 * a second aggregate when 10 does (eventCost). Its locale is read from its root span here.
 */
function fixtureEventsByLocale(): Map<string, number[]> {
  const base = Date.parse("2024-05-01T12:00:00Z") * 1e6;
  const byLocale = new Map<string, number[]>();
  for (const line of readFileSync(`${FIXTURE}/otlp.jsonl`, "utf8").split("\n").filter(Boolean)) {
    for (const rs of JSON.parse(line).resourceSpans) {
      for (const span of rs.scopeSpans.flatMap((ss: { spans: unknown[] }) => ss.spans)) {
        if (span.parentSpanId) continue;
        const t = Math.round((Number(span.startTimeUnixNano) - base) / 1.5e9);
        const locale = span.attributes.find((a: { key: string }) => a.key === "user_locale").value.stringValue;
        const cost = eventCost(t);
        byLocale.set(locale, [...(byLocale.get(locale) ?? []), cost]);
      }
    }
  }
  return byLocale;
}

describe("cost_per_group_event_usd: a group's cost over its own events", () => {
  it("on the fixture by locale: each locale's events' mean cost, where $/event divides by all 40", async () => {
    const byLocale = fixtureEventsByLocale();
    expect([...byLocale.values()].flat()).toHaveLength(40);
    const r = await adtraceIn(["cost", "breakdown", `${FIXTURE}/otlp.jsonl`, "--by", "attr:user_locale", "--format", "json"]);
    expect(r.code).toBe(0);
    const groups = JSON.parse(r.stdout).groups as Record<string, number | string>[];
    expect(groups.map((g) => g.user_locale).sort()).toEqual([...byLocale.keys()].sort());
    for (const g of groups) {
      const costs = byLocale.get(String(g.user_locale))!;
      const total = costs.reduce((a, b) => a + b, 0);
      expect(g.events).toBe(costs.length);
      expect(g.cost_per_group_event_usd).toBeCloseTo(total / costs.length, 12);
      expect(g.cost_per_event_usd).toBeCloseTo(total / 40, 12);
      // In CSV and JSON, always right after cost_per_event_usd.
      expect(Object.keys(g).slice(Object.keys(g).indexOf("cost_per_event_usd"), Object.keys(g).indexOf("cost_per_event_usd") + 2))
        .toEqual(["cost_per_event_usd", "cost_per_group_event_usd"]);
    }
  });

  it("is in the table when --by has an attribute, in CSV always, after cost_per_event_usd", async () => {
    const table = async (by: string) => (await adtraceIn(["cost", "breakdown", `${FIXTURE}/otlp.jsonl`, "--by", by, "--format", "table"])).stdout;
    expect(await table("attr:user_locale")).toMatch(/\$\/event\s+\$\/own event/);
    expect(await table("stage,attr:user_locale")).toMatch(/\$\/own event/);
    expect(await table("stage")).not.toMatch(/own event/);
    const csv = (await adtraceIn(["cost", "breakdown", `${FIXTURE}/otlp.jsonl`, "--format", "csv"])).stdout;
    expect(csv.split("\r\n")[0]).toMatch(/^stage,spans,events,cost_per_event_usd,cost_per_group_event_usd,cost_share,/);
  });

  it("counts the group's own events by their sampling weights", async () => {
    // fr: 2 stored events kept 1 in 10 (weight 10), $0.30 each; en: 3 unsampled events, $0.10 each.
    const event = (n: number, locale: string, usd: string, weight?: string): TestSpan => ({
      trace: traceId(n), id: spanId(n), name: "adserver.request.handle", startMs: n, durationMs: 1,
      attrs: { user_locale: locale, "cost.usd": usd, ...(weight ? { sampleRate: weight } : {}) },
    });
    const spans = [event(1, "fr", "0.3", "10"), event(2, "fr", "0.3", "10"), event(3, "en", "0.1"), event(4, "en", "0.1"), event(5, "en", "0.1")];
    await withModelDb(spans, async (db) => {
      const { groups } = await breakdown(db, { by: parseGroupKeys("attr:user_locale") });
      const fr = groups.find((g) => g.keys.user_locale === "fr")!;
      const en = groups.find((g) => g.keys.user_locale === "en")!;
      expect(fr.events).toBe(20);
      expect(fr.cost_per_group_event_usd).toBeCloseTo((2 * 10 * 0.3) / 20, 12);
      expect(fr.cost_per_event_usd).toBeCloseTo((2 * 10 * 0.3) / 23, 12);
      expect(en.cost_per_group_event_usd).toBeCloseTo(0.1, 12);
      expect(en.cost_per_event_usd).toBeCloseTo(0.3 / 23, 12);
    }, undefined, { attributeKeys: ["user_locale"] });
  });

  it("a group's event counts with the largest weight among the group's spans in it", async () => {
    // One event; two auction spans in it carry 1 in 2 and 1 in 4 of their own. The root carries
    // none, so it takes the largest its trace carries, 4: the request group counts the event 4
    // times, and so does the auction group (its spans' largest weight, not their smallest, 2).
    const t = traceId(1);
    const spans: TestSpan[] = [
      { trace: t, id: spanId(1), name: "adserver.request.handle", startMs: 0, durationMs: 10, attrs: { "cost.usd": "0.1" } },
      { trace: t, id: spanId(2), parent: spanId(1), name: "auction.rtb.run", startMs: 1, durationMs: 2, attrs: { sampleRate: 2, "cost.usd": "0.1" } },
      { trace: t, id: spanId(3), parent: spanId(1), name: "auction.rtb.run", startMs: 4, durationMs: 2, attrs: { sampleRate: 4, "cost.usd": "0.1" } },
    ];
    await withModelDb(spans, async (db) => {
      const { groups } = await breakdown(db, { by: parseGroupKeys("stage") });
      expect(Object.fromEntries(groups.map((g) => [g.keys.stage, g.events]))).toEqual({ auction: 4, request: 4 });
    });
  });

  it("compute and query per event divide by all events, the group's per-event cost by its own", async () => {
    // Two events; only the first has an auction span, its compute $0.30 and query $0.10 given
    // split (cost.compute_usd, cost.query_usd). Per event (of 2): compute 0.15, query 0.05; per
    // auction event (of 1): 0.40.
    const spans: TestSpan[] = [
      { trace: traceId(1), id: spanId(1), name: "adserver.request.handle", startMs: 0, durationMs: 10, attrs: { "cost.usd": "0.1" } },
      { trace: traceId(1), id: spanId(2), parent: spanId(1), name: "auction.rtb.run", startMs: 1, durationMs: 2, attrs: { "cost.compute_usd": "0.3", "cost.query_usd": "0.1" } },
      { trace: traceId(2), id: spanId(3), name: "adserver.request.handle", startMs: 0, durationMs: 10, attrs: { "cost.usd": "0.1" } },
    ];
    await withModelDb(spans, async (db) => {
      const { groups } = await breakdown(db, { by: parseGroupKeys("stage") });
      const auction = groups.find((g) => g.keys.stage === "auction")!;
      expect(auction.events).toBe(1);
      expect(auction.compute_per_event_usd).toBeCloseTo(0.15, 12);
      expect(auction.query_per_event_usd).toBeCloseTo(0.05, 12);
      expect(auction.cost_per_event_usd).toBeCloseTo(0.2, 12);
      expect(auction.cost_per_group_event_usd).toBeCloseTo(0.4, 12);
    });
  });
});

describe("a grouping key is a CSV column header", () => {
  it("is guarded like a data cell (--by attr:=KEY), in breakdown and diff, unless --raw-csv", async () => {
    // Spans that carry the formula-like keys (a key no span carries is refused, exit 2).
    const fixture = writeTemp("formula-keys.json", otlpDocument([
      { trace: traceId(1), id: spanId(1), name: "root", startMs: 0, durationMs: 5, attrs: { "=1+2": "a", "@cmd": "b", "-x": "c", "cost.usd": "0.001" } },
    ]));
    const header = async (args: string[]) => (await adtraceIn([...args, "--format", "csv", "-q"])).stdout.split("\r\n")[0]!;
    expect(await header(["cost", "breakdown", fixture, "--by", "attr:=1+2"])).toMatch(/^'=1\+2,spans,/);
    expect(await header(["cost", "breakdown", fixture, "--by", "stage,attr:@cmd", "--raw-csv"])).toMatch(/^stage,@cmd,spans,/);
    expect(await header(["diff", fixture, fixture, "--by", "attr:-x"])).toMatch(/^'-x,status,/);
  });
});

describe("statement attributes are grouped by their fingerprint", () => {
  // Warehouse and non-warehouse statements in both attributes, with literals a report must not
  // show: an email, ids, a date, an IN list and a dollar-quoted string.
  const STATEMENTS: [string, string, string][] = [
    ["snowflake", "db.statement", "SELECT * FROM users WHERE email = 'alice@example.com' AND id = 4242"],
    ["snowflake", "db.statement", "SELECT * FROM users WHERE email = 'bob@example.org' AND id = 7171"],
    ["postgresql", "db.query.text", "UPDATE carts SET total = 19.99 WHERE session IN ('s-1x9', 's-2y8') AND day = '2024-05-01'"],
    ["postgresql", "db.query.text", "SELECT $$secret-token$$ AS t FROM tokens WHERE owner = 'carol'"],
  ];
  const LITERALS = [...STATEMENTS.map(([, , s]) => s).join(" ").matchAll(/'([^']*)'|\$\$([^$]*)\$\$|\b(\d+(?:\.\d+)?)\b/g)].map((m) => m[1] ?? m[2] ?? m[3]!);
  const spans: TestSpan[] = STATEMENTS.map(([system, key, statement], i) => ({
    trace: traceId(i + 1), id: spanId(i + 1), name: "db.call", startMs: i, durationMs: 5,
    attrs: { "db.system": system, [key]: statement, "cost.usd": "0.001" },
  }));
  const input = writeTemp("statements.json", otlpDocument(spans));

  it("no literal reaches the table, CSV, JSON or Markdown of breakdown or diff", async () => {
    expect(LITERALS).toEqual(expect.arrayContaining(["alice@example.com", "4242", "19.99", "s-1x9", "secret-token", "carol", "2024-05-01"]));
    const outputs: [string, TableResult][] = [];
    for (const key of ["db.statement", "db.query.text"]) {
      const by = parseGroupKeys(`stage,attr:${key}`);
      const label = { config: "test", label: input };
      await withModelDb([input], async (db) => outputs.push([`breakdown ${key}`, breakdownView(await breakdown(db, { by }), label)]), undefined, { attributeKeys: [key] });
      outputs.push([`diff ${key}`, diffView(await diff(input, input, {}, { by, gates: {} }))]);
    }
    for (const [what, view] of outputs) {
      for (const format of FORMATS) {
        const text = formatters[format](view, plain);
        expect(text).toContain("(none)");
        for (const literal of LITERALS) expect(text, `${what}, ${format}`).not.toContain(literal);
      }
    }
    // And through the CLI.
    const r = await adtraceIn(["cost", "breakdown", input, "--by", "attr:db.query.text", "--format", "csv"]);
    expect(r.stdout).toMatch(/UPDATE carts SET total = \? WHERE session IN \(\?\) AND day = \?/);
    for (const literal of LITERALS) expect(r.stdout).not.toContain(literal);
  });

  it("groups statements that differ only in their literals, as cost queries does", async () => {
    const r = await adtraceIn(["cost", "breakdown", input, "--by", "attr:db.statement", "--format", "json"]);
    const groups = JSON.parse(r.stdout).groups as { "db.statement": string; spans: number }[];
    const queries = JSON.parse((await adtraceIn(["cost", "queries", input, "--format", "json"])).stdout).queries as { query: string }[];
    expect(groups.map((g) => [g["db.statement"], g.spans])).toEqual([
      ["(none)", 2],
      [queries.find((q) => q.query.startsWith("SELECT * FROM users"))!.query, 2],
    ]);
    expect(groups[1]!["db.statement"]).toBe("SELECT * FROM users WHERE email = ? AND id = ?");
  });

  it("says so in breakdown --help", async () => {
    expect((await adtraceIn(["cost", "breakdown", "--help"])).stdout).toMatch(/attr:db\.statement[\s\S]*fingerprint/);
  });
});

describe("cost breakdown --by attr:KEY naming no attribute", () => {
  it("exits 2 with the nearest key instead of one '(none)' row; a key some span carries still groups", async () => {
    // fixtures/auction's spans carry user_locale (README: en-US and fr-FR); the misspelt key is on none of them.
    const typo = await adtraceIn(["cost", "breakdown", `${FIXTURE}/otlp.jsonl`, "--by", "stage,attr:user_locle", "--format", "csv"]);
    expect(typo.code).toBe(2);
    expect(typo.stdout).toBe("");
    expect(typo.stderr).toBe("adtrace: error: --by: no attribute 'user_locle' on these spans (did you mean 'attr:user_locale'?)\n");
    const ok = await adtraceIn(["cost", "breakdown", `${FIXTURE}/otlp.jsonl`, "--by", "attr:user_locale", "--format", "csv", "-q"]);
    expect(ok.code).toBe(0);
    expect(ok.stdout.split("\n").filter((l) => /^(en-US|fr-FR),/.test(l))).toHaveLength(2);
  });
});
