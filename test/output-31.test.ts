// Three output files measured whole under StrykerJS (helper out31): the table format
// (src/output/formats/table.ts), the inspect and load views (src/output/views.ts) and report.html's
// sections (src/output/html/report-page.ts). Each is given results built by hand and its text is
// compared with text worked out here: column widths, cuts and wraps counted character by
// character, figures formatted by the rules units.ts states (cents to $10k, three significant
// digits below $1, thousands separators). Pure: no DuckDB, no child process.
import { Chalk } from "chalk";
import { describe, expect, it } from "vitest";
import { formatTable } from "../src/output/formats/table.js";
import type { TableResult } from "../src/output/result.js";
import { formatCsv } from "../src/output/formats/csv.js";
import { inspectView, loadSummary } from "../src/output/views.js";
import type { InspectResult } from "../src/analysis/inspect.js";
import type { LoadDbResult } from "../src/ingest/load-db.js";
import type { FileLoad } from "../src/ingest/load.js";
import { unsampled } from "./helpers/views.js";
import { dataSection, detailSections, reportHtml, stageTable, subtitle, withReportHtml } from "../src/output/html/report-page.js";
import type { ReportDoc } from "../src/output/html/doc.js";

const plain = new Chalk({ level: 0 });
const ansi = new Chalk({ level: 1 });
const table = (result: TableResult, width?: number) => formatTable(result, { colors: plain, width });
const RULE = (n: number) => "─".repeat(n);

describe("formats/table", () => {
  // Three columns: a name (text, left), a dollar figure titled "$/event" and a count (right).
  // Widths: name = max("name" 4, "alpha" 5, "b" 1, "total" 5) = 5; $/event = max("$/event" 7,
  // "$1.50" 5, "$0.250" 6 (three significant digits below $1), "$1.75" 5) = 7; n = max(1,
  // "1,200" 5, "3" 1, "1,203" 5) = 5. The table is 5 + 7 + 5 + 2 gutters × 2 = 21 wide.
  const base: TableResult = {
    columns: [
      { key: "name", kind: "text" },
      { key: "cost", title: "$/event", kind: "usd" },
      { key: "n", kind: "int" },
    ],
    rows: [
      { name: "alpha", cost: 1.5, n: 1200 },
      { name: "b", cost: 0.25, n: 3 },
    ],
  };

  it("draws the heading, a blank line, the header with a rule under it, the rows, a rule above the total and the notes after a blank line", () => {
    const text = table({ ...base, heading: ["A heading"], total: { name: "total", cost: 1.75, n: 1203 }, notes: ["note one"], humanNotes: ["human note"] });
    expect(text).toBe([
      "A heading",
      "",
      "name   $/event      n",
      RULE(21),
      "alpha    $1.50  1,200",
      "b       $0.250      3",
      RULE(21),
      "total    $1.75  1,203",
      "",
      "human note",
      "note one",
      "",
    ].join("\n"));
  });

  it("writes no blank line for an empty heading list or empty notes, and ends in one newline", () => {
    expect(table({ ...base, heading: [], notes: [], humanNotes: [] })).toBe([
      "name   $/event      n",
      RULE(21),
      "alpha    $1.50  1,200",
      "b       $0.250      3",
      "",
    ].join("\n"));
  });

  it("shows (no rows) when there are no rows and no total, when humanRows is empty, or when every column is machine-only; notes still follow", () => {
    expect(table({ ...base, rows: [], heading: ["H"], notes: ["n"] })).toBe("H\n\n(no rows)\n\nn\n");
    expect(table({ ...base, humanRows: [] })).toBe("(no rows)\n");
    expect(table({ ...base, columns: base.columns.map((c) => ({ ...c, machineOnly: true })) })).toBe("(no rows)\n");
    // (no rows) is dim: chalk's dim is ESC[2m … ESC[22m.
    expect(formatTable({ ...base, rows: [] }, { colors: ansi })).toBe("\u001b[2m(no rows)\u001b[22m\n");
  });

  it("draws a total alone when there are no rows: header, rule, rule, total", () => {
    // Widths: name = max(4, "total" 5) = 5; $/event 7; n = max(1, "3" 1) = 1: 5 + 7 + 1 + 4 = 17.
    expect(table({ ...base, rows: [], total: { name: "total", cost: 0.25, n: 3 } })).toBe([
      "name   $/event  n",
      RULE(17),
      RULE(17),
      "total   $0.250  3",
      "",
    ].join("\n"));
  });

  it("shows humanRows instead of rows when given", () => {
    // name = max(4, "b" 1) = 4; $/event 7; n 1: 4 + 7 + 1 + 4 = 16.
    expect(table({ ...base, humanRows: [base.rows[1]!] })).toBe(["name  $/event  n", RULE(16), "b      $0.250  3", ""].join("\n"));
  });

  it("leaves out the header and its rule when every column's title is empty (title wins over key)", () => {
    const columns = base.columns.map((c) => ({ ...c, title: "" }));
    // Widths: name 5, cost 6, n 5 (no titles): 5 + 6 + 5 + 4 = 20.
    expect(table({ ...base, columns, total: { name: "total", cost: 1.75, n: 1203 } })).toBe([
      "alpha   $1.50  1,200",
      "b      $0.250      3",
      RULE(20),
      "total   $1.75  1,203",
      "",
    ].join("\n"));
    // A column named by its title alone (an empty key) has a header too: "value", a rule of 5.
    expect(table({ columns: [{ key: "", title: "value", kind: "int" }], rows: [{ "": 5 }] })).toBe(["value", RULE(5), "    5", ""].join("\n"));
    // One column with a key and no title is enough for a header.
    expect(table({ ...base, columns: [{ ...columns[0]!, title: undefined }, columns[1]!, columns[2]!] }).split("\n").slice(0, 2)).toEqual(["name", RULE(20)]);
  });

  it("aligns by kind unless align says: text and time left, figures right", () => {
    const text = table({
      columns: [
        { key: "k", kind: "text", align: "right" },
        { key: "v", kind: "int", align: "left" },
        { key: "t", kind: "time" },
        { key: "e", kind: "text" },
      ],
      rows: [{ k: "x", v: 5, t: "2026", e: "" }, { k: "long", v: 12345, t: "1", e: "z" }],
    });
    // k: 4, v: max(1, "12,345" 6) = 6, t: 4, e: 1; 4 + 6 + 4 + 1 + 6 = 21. An empty text cell is blank.
    expect(text).toBe(["   k  v       t     e", RULE(21), "   x  5       2026", "long  12,345  1     z", ""].join("\n"));
  });

  it("counts a column with an empty title and only empty cells one cell wide, as cli-table3 draws it, when fitting", () => {
    // cli-table3 gives every column at least 1 cell. Widths: name 4, gap 1, n 1: 4 + 1 + 1 + 2 × 2 = 10.
    const gap: TableResult = { columns: [{ key: "name", kind: "text" }, { key: "gap", title: "", kind: "text" }, { key: "n", kind: "int" }], rows: [{ name: "a", gap: "", n: 5 }] };
    expect(table(gap)).toBe(["name     n", RULE(10), "a        5", ""].join("\n"));
    // At 9 it does not fit: n goes (counted as 0 wide, the table was drawn 10 wide at 9). Then
    // name 4 + gap 1 + 2 = 7.
    expect(table(gap, 9).split("\n").slice(0, 4)).toEqual(["name", RULE(7), "a", ""]);
    expect(table(gap, 9).split("\n")[4]).toBe("n: left"); // "n: left out" is 11 > 9
  });

  it("colours the header and the total bold, the rules and the notes dim", () => {
    const lines = formatTable({ ...base, total: { name: "total", cost: 1.75, n: 1203 }, notes: ["a note"] }, { colors: ansi }).split("\n");
    expect(lines[0]).toContain("\u001b[1mname\u001b[22m");
    expect(lines[0]).toContain("\u001b[1m$/event\u001b[22m");
    expect(lines[1]).toBe(`\u001b[2m${RULE(21)}\u001b[22m`);
    expect(lines[4]).toBe(`\u001b[2m${RULE(21)}\u001b[22m`);
    expect(lines[5]).toContain("\u001b[1mtotal\u001b[22m");
    expect(lines[5]).toContain("\u001b[1m$1.75\u001b[22m");
    expect(lines[7]).toBe("\u001b[2ma note\u001b[22m");
    // Without the codes it is the plain table.
    const strip = (s: string) => s.replace(/\u001b\[\d+m/g, "");
    expect(lines.map(strip).join("\n")).toBe(table({ ...base, total: { name: "total", cost: 1.75, n: 1203 }, notes: ["a note"] }));
  });

  it("wraps the heading and the notes at the width and replaces control characters", () => {
    // At 12 columns: "one two three four" → "one two" (7; + " three" = 13 > 12), "  three four" (12).
    const text = table({ ...base, heading: ["one two three four"], notes: ["bell\u0007 five six seven"] }, 12);
    const lines = text.split("\n");
    expect(lines.slice(0, 3)).toEqual(["one two", "  three four", ""]);
    // "bell\uFFFD five six" is 14 > 12: "bell\uFFFD five" (10), "  six seven" (11). (The table does
    // not fit 12 either, so the note of left-out columns comes first.)
    expect(lines.slice(-3)).toEqual(["bell\uFFFD five", "  six seven", ""]);
  });

  it("fits result.width first, then the context's width, then 100 columns", () => {
    const heading = ["a".repeat(60) + " " + "b".repeat(50)];
    // 111 characters: at 100 the b's go to a second line; at 120 all on one.
    expect(formatTable({ ...base, heading }, { colors: plain }).split("\n")[0]).toBe("a".repeat(60));
    expect(table({ ...base, heading }, 120).split("\n")[0]).toBe(heading[0]);
    expect(table({ ...base, heading, width: 120 }, 80).split("\n")[0]).toBe(heading[0]);
    expect(table({ ...base, heading, width: 70 }, 120).split("\n")[0]).toBe("a".repeat(60));
  });

  describe("fitting the width", () => {
    // A share with a bar: " 50.0%" (padded to 6) + " " + shareBar(0.5, 7): 0.5 × 7 × 8 = 28 eighths,
    // 3 full blocks and 4 eighths ("▌"), padded to 7: 14 cells. "stage" 5 + 14 + 2 = 21 wide.
    const bars: TableResult = { columns: [{ key: "stage", kind: "text" }, { key: "share", kind: "share", bar: true }], rows: [{ stage: "a", share: 0.5 }], total: { stage: "t", share: 1 } };

    it("draws share bars when they fit and gives them up first when they do not", () => {
      // The total: "100.0%" + " " + 7 full blocks.
      expect(table(bars, 21)).toBe(["stage           share", RULE(21), "a       50.0% ███▌", RULE(21), "t      100.0% ███████", ""].join("\n"));
      // At 20 the bars go: share = max("share" 5, "50.0%" 5, "100.0%" 6) = 6, 5 + 6 + 2 = 13.
      expect(table(bars, 20)).toBe(["stage   share", RULE(13), "a       50.0%", RULE(13), "t      100.0%", ""].join("\n"));
      // A share column without bar: true never has one.
      expect(table({ ...bars, columns: [bars.columns[0]!, { key: "share", kind: "share" }] }, 100).split("\n")[2]).toBe("a       50.0%");
    });

    // name "abcdefghijklmnopqrst" (20), query "SELECT * FROM t WHERE x = 1" (27), n "7" (1):
    // 20 + 27 + 1 + 4 = 52.
    const texts: TableResult = {
      columns: [{ key: "name", kind: "text" }, { key: "query", kind: "text" }, { key: "n", kind: "int" }],
      rows: [{ name: "abcdefghijklmnopqrst", query: "SELECT * FROM t WHERE x = 1", n: 7 }],
    };

    it("cuts the widest text column a character at a time, the leftmost on a tie, with …", () => {
      // To 40: query 27 → 20 (45 wide), then name and query in turn from a tie (name first):
      // name 19, query 19, name 18, query 18, name 17 → 17 + 18 + 1 + 4 = 40.
      // Header: "name" padded to 17 + gutter = 15 spaces; "query" padded to 18 + gutter = 15.
      expect(table(texts, 40)).toBe([
        `name${" ".repeat(15)}query${" ".repeat(15)}n`,
        RULE(40),
        "abcdefghijklmnop…  SELECT * FROM t W…  7",
        "",
      ].join("\n"));
      expect(table(texts, 52).split("\n")[2]).toBe("abcdefghijklmnopqrst  SELECT * FROM t WHERE x = 1  7");
    });

    it("never cuts a fixed column, a right-aligned text column or a time column", () => {
      for (const other of [{ fixed: true as const }, { align: "right" as const }]) {
        const text = table({ ...texts, columns: [texts.columns[0]!, { ...texts.columns[1]!, ...other }, texts.columns[2]!] }, 40);
        // Only name is cut: 40 − 27 − 1 − 4 = 8 cells, "abcdefg…".
        expect(text.split("\n")[2]).toBe("abcdefg…  SELECT * FROM t WHERE x = 1  7");
      }
      const timed = table({ ...texts, columns: [texts.columns[0]!, { key: "query", kind: "time" }, texts.columns[2]!] }, 40);
      expect(timed.split("\n")[2]).toBe("abcdefg…  SELECT * FROM t WHERE x = 1  7");
    });

    // name (30 cells) and four counts of "1,234,567" (9 cells): 30 + 36 + 4 gutters × 2 = 74.
    const BIG = 1234567;
    const wide = (optional: (true | number | undefined)[]): TableResult => ({
      columns: [{ key: "name", kind: "text" }, ...["a", "b", "c", "d"].map((key, i) => ({ key, kind: "int" as const, ...(optional[i] === undefined ? {} : { optional: optional[i] }) }))],
      rows: [{ name: "x".repeat(30), a: BIG, b: BIG, c: BIG, d: BIG }],
    });
    const header = (text: string) => text.split("\n")[0]!.split(/\s+/);

    it("cuts text to 12 cells (or its title) before leaving out optional columns, true first, then by number", () => {
      // At 50: name to 12 gives 56, still over; b (true) goes: name 30 + 27 + 6 = 63, cut to 17 → 50.
      const at50 = table(wide([2, true, 1, undefined]), 50);
      expect(header(at50)).toEqual(["name", "a", "c", "d"]);
      expect(at50.split("\n")[2]).toBe(`${"x".repeat(16)}…  1,234,567  1,234,567  1,234,567`);
      // At 40: after b, name at 12 gives 45; c (1) goes before a (2): 30 + 18 + 4 → name 18 → 40.
      const at40 = table(wide([2, true, 1, undefined]), 40);
      expect(header(at40)).toEqual(["name", "a", "d"]);
      expect(at40.split("\n")[2]).toBe(`${"x".repeat(17)}…  1,234,567  1,234,567`);
      // A true column goes before a numbered one even to its left: [1, true] → b goes, not a.
      expect(header(table(wide([1, true, undefined, undefined]), 50))).toEqual(["name", "a", "c", "d"]);
      // Two true columns: the leftmost goes first.
      expect(header(table(wide([true, true, undefined, undefined]), 50))).toEqual(["name", "b", "c", "d"]);
      // At 56 cutting name to 12 is enough: nothing optional goes.
      expect(header(table(wide([true, true, true, true]), 56))).toEqual(["name", "a", "b", "c", "d"]);
      expect(table(wide([true, true, true, true]), 56).split("\n")[2]).toBe(`${"x".repeat(11)}…  1,234,567  1,234,567  1,234,567  1,234,567`);
      // A title wider than 12 is the floor: "a long name title" (17) → 17 + 36 + 8 = 61 > 60, so a goes.
      const titled = wide([true, undefined, undefined, undefined]);
      titled.columns[0] = { key: "name", title: "a long name title", kind: "text" };
      // After a: 30 + 27 + 6 = 63 → name cut to 60 − 33 = 27.
      expect(table(titled, 60).split("\n")[2]).toBe(`${"x".repeat(26)}…  1,234,567  1,234,567  1,234,567`);
    });

    it("then cuts text to its title, then leaves out whole columns from the right, named (title, else key) in a note before the others", () => {
      const cols: TableResult = {
        columns: [{ key: "name", kind: "text" }, { key: "x", kind: "int" }, { key: "y", title: "yy", kind: "int" }, { key: "z", title: "", kind: "int" }],
        rows: [{ name: "abcdefghijklmnopqrst", x: BIG, y: BIG, z: BIG }],
        humanNotes: ["other note"],
      };
      // At 30: name to "name" (4) gives 4 + 27 + 6 = 37; z goes (title "" → key "z"); then
      // 20 + 18 + 4 = 42 → name cut to 8 → 30.
      const at30 = table(cols, 30).split("\n");
      // Header: "name" in 8 + gutter + "x" right in 9: 4 + 2 + 8 = 14 spaces; then 2 + 7 before "yy".
      expect(at30.slice(0, 3)).toEqual([`name${" ".repeat(14)}x${" ".repeat(9)}yy`, RULE(30), "abcdefg…  1,234,567  1,234,567"]);
      expect(at30.slice(4)).toEqual(["z: left out to fit 30 columns", "  (a wider terminal, or", "  --format csv, shows them).", "other note", ""]);
      // At 20: then yy goes too (name at 4: 4 + 18 + 4 = 26): name 20 + 9 + 2 → 9 → 20. The note
      // "yy, z: left out to fit 20 columns (a wider terminal, or --format csv, shows them)." at 20.
      const at20 = table(cols, 20).split("\n");
      expect(at20.slice(0, 3)).toEqual([`name${" ".repeat(15)}x`, RULE(20), "abcdefgh…  1,234,567"]);
      expect(at20.slice(4)).toEqual(["yy, z: left out to", "  fit 20 columns (a", "  wider terminal, or", "  --format csv,", "  shows them).", "other note", ""]);
      // Text is never cut below its title to keep a number: at 14, name at "name" (4) + 9 + 2 = 15
      // is one too many, so x goes and name alone is cut to 14 ("abcdefghijklm…").
      const two: TableResult = { columns: [{ key: "name", kind: "text" }, { key: "x", kind: "int" }], rows: [{ name: "abcdefghijklmnopqrst", x: BIG }] };
      const at14 = table(two, 14).split("\n");
      expect(at14.slice(0, 5)).toEqual(["name", RULE(14), "abcdefghijklm…", "", "x: left out to"]);
      // The first column always stays: at 5 only name is left, cut to 5; at 3 it stops at its
      // title's 4 cells, wider than asked.
      expect(table({ ...cols, humanNotes: undefined }, 5).split("\n").slice(0, 3)).toEqual(["name", RULE(5), "abcd…"]);
      expect(table({ ...cols, humanNotes: undefined }, 3).split("\n").slice(0, 3)).toEqual(["name", RULE(4), "abc…"]);
    });

    it("gives width past 100 to text capped by maxWidth, from the rows shown", () => {
      const capped: TableResult = { columns: [{ key: "q", kind: "text", maxWidth: 10 }], rows: [{ q: "abcdefghijklmnopqrst" }] };
      // At 100 the cap holds: 9 characters and "…"; at 105 the column gets 5 more (need 20 − 10 = 10).
      expect(table(capped, 100).split("\n")[2]).toBe("abcdefghi…");
      expect(table(capped, 105).split("\n")[2]).toBe("abcdefghijklmn…");
      // The need is measured on humanRows when there are any: a short shown row needs nothing.
      expect(table({ ...capped, rows: [{ q: "abc" }], humanRows: capped.rows }, 105).split("\n")[2]).toBe("abcdefghijklmn…");
    });
  });
});

describe("views: inspect", () => {
  // fixtures/auction/README.md's hand-checked totals: 369 spans, 40 events (traces, roots), no
  // orphans, 7 services, 9 span names; 280 spans priced from cost attributes, 89 by the price book.
  // The services' spans as README.md's inspect session lists them (tracker 85 = 40 tracking spans
  // + 45 Snowflake queries; aggregator 84 = 40 + 44 BigQuery); the seventh's name is cut off there
  // and off the line here, so any name does.
  const fixture = (): InspectResult => ({
    spans: 369, traces: 40, roots: 40, orphans: 0, cyclic: 0, services: 7, names: 9, duplicates: 0, conflicts: 0, skipped: 0,
    start: "2024-05-01T12:00:01.500000Z", end: "2024-05-01T12:01:00.049200Z",
    formats: [{ format: "otlp", files: 1, spans_read: 369, duplicates: 0, skipped: 0 }],
    top_services: [
      { service: "tracker", spans: 85, traces: 40 }, { service: "aggregator", spans: 84, traces: 40 }, { service: "adserver", spans: 40, traces: 40 },
      { service: "auction", spans: 40, traces: 40 }, { service: "delivery", spans: 40, traces: 40 }, { service: "inventory", spans: 40, traces: 40 },
      { service: "profiler", spans: 40, traces: 40 },
    ],
    estimated_events: 40, estimated_spans: 369, unknown_weight_spans: 0, disagreeing_weight_traces: 0, unpriced_spans: 0,
    warnings: [], skipped_examples: [], weights: unsampled(40, 369),
    pricing: { cost_sources: { billed: 0, explicit: 280, price_book: 89, unpriced: 0 }, bad_values: [] },
    redaction: { inputs: 1, redacted_inputs: 0, modes: null, detectors: null, key_ids: null },
  });

  it("prints README.md's inspect session of the fixture", () => {
    // README.md "adtrace inspect [inputs…]". (Until helper out31 it lacked the rows "priced by
    // billing records" and "redacted", which its ClickHouse session showed, after "skipped records"
    // and last; the built CLI prints them there for the fixture too.)
    expect(table(inspectView(fixture()))).toBe([
      "spans                      369",
      "traces                     40",
      "estimated events           40",
      "roots                      40",
      "orphans                    0",
      "in parent cycles           0",
      "services                   7",
      "span names                 9",
      "duplicates                 0",
      "conflicting duplicates     0",
      "skipped records            0",
      "priced by billing records  0",
      "priced by cost attributes  280",
      "priced by the price book   89",
      "unpriced spans             0",
      "unknown sampling weight    0",
      "start                      2024-05-01T12:00:01.500000Z",
      "end                        2024-05-01T12:01:00.049200Z",
      "formats                    otlp (1 file)",
      "top services               tracker 85, aggregator 84, adserver 40, auction 40, delivery 40, invento…",
      "redacted                   no",
      "",
      "every span priced: 280 from cost attributes, 89 from the price book.",
      "",
    ].join("\n"));
  });

  it("names each figure by its JSON key in CSV, with the value as it is", () => {
    const csv = formatCsv(inspectView(fixture()), { colors: plain }).trimEnd().split("\r\n");
    expect(csv.map((l) => l.split(",")[0])).toEqual([
      "key", "spans", "traces", "estimated_events", "roots", "orphans", "cyclic", "services", "names", "duplicates", "conflicts", "skipped",
      "cost_sources.billed", "cost_sources.explicit", "cost_sources.price_book", "unpriced_spans", "unknown_weight_spans", "start", "end",
      "formats", "top_services", "redaction",
    ]);
    // The columns: key and value for programs, label and shown (untitled) for people.
    expect(inspectView(fixture()).columns).toEqual([
      { key: "label", title: "", kind: "text", humanOnly: true },
      { key: "key", kind: "text", machineOnly: true },
      { key: "shown", title: "", kind: "text", humanOnly: true },
      { key: "value", kind: "text", machineOnly: true },
    ]);
    const rows = inspectView(fixture()).rows;
    const value = (key: string) => rows.find((r) => r.key === key)!.value;
    expect([value("spans"), value("cost_sources.explicit"), value("cost_sources.price_book"), value("start")]).toEqual([369, 280, 89, "2024-05-01T12:00:01.500000Z"]);
    expect(value("formats")).toEqual(fixture().formats);
    expect(value("redaction")).toEqual(fixture().redaction);
  });

  it("shows counts with thousands separators, a missing time as blank, files in the plural, a nameless service as (none)", () => {
    const r = fixture();
    Object.assign(r, { spans: 1234567, start: null, end: null, top_services: [{ service: "", spans: 12000, traces: 1 }, { service: "a", spans: 1, traces: 1 }] });
    r.formats = [{ format: "otlp", files: 2, spans_read: 1, duplicates: 0, skipped: 0 }, { format: "csv", files: 1, spans_read: 1, duplicates: 0, skipped: 0 }];
    const shown = (label: string) => inspectView(r).rows.find((row) => row.label === label)!.shown;
    expect(shown("spans")).toBe("1,234,567");
    expect(shown("start")).toBe("");
    expect(shown("end")).toBe("");
    expect(shown("formats")).toBe("otlp (2 files), csv (1 file)");
    expect(shown("top services")).toBe("(none) 12,000, a 1");
  });

  it("says whether the loads were redacted: no, yes, or partly, with the detectors and key id", () => {
    const redacted = (inputs: number, redactedInputs: number) => {
      const r = fixture();
      r.redaction = { inputs, redacted_inputs: redactedInputs, modes: "auto", detectors: "auto: secret, email", key_ids: "e22206b6c523" };
      return inspectView(r).rows.find((row) => row.key === "redaction")!;
    };
    expect(redacted(2, 0).shown).toBe("no");
    expect(redacted(1, 1).shown).toBe("yes (auto: secret, email; key id e22206b6c523)");
    expect(redacted(3, 1).shown).toBe("partly: 1 of 3 inputs (auto: secret, email; key id e22206b6c523)");
    expect(redacted(3, 1).label).toBe("redacted");
  });

  it("notes pricing, then sampling, then warnings with their counts, then skipped records", () => {
    const r = fixture();
    r.pricing = { cost_sources: { billed: 0, explicit: 280, price_book: 89, unpriced: 3 }, bad_values: [] };
    r.weights = { ...unsampled(40, 369), estimated_events: 400 };
    r.warnings = [{ message: "times guessed as µs", count: 12 }];
    r.skipped_examples = ["line 3: null"];
    expect(inspectView(r).notes).toEqual([
      "3 unpriced span(s): no cost attribute and nothing to price them by (counted as $0); priced: 280 from cost attributes, 89 from the price book. See README \"Cost model\".",
      "sampled data: 40 stored traces stand for ~400 events; every figure is weighted by sampling (--unweighted for raw figures).",
      "warning: times guessed as µs (12)",
      "skipped: line 3: null",
    ]);
  });

  it("gives JSON every figure but pricing, which becomes cost_sources and bad_values, and the weights block", () => {
    const r = fixture();
    const { pricing, weights, ...rest } = r;
    expect(inspectView(r).json).toEqual({
      ...rest,
      weights: {
        weighted: true, stored_traces: 40, estimated_events: 40, stored_spans: 369, estimated_spans: 369,
        unknown_weight_spans: 0, assumed_weight: 1, disagreeing_traces: 0,
      },
      cost_sources: { billed: 0, explicit: 280, price_book: 89, unpriced: 0 },
      bad_values: [],
    });
    expect(pricing).toBeDefined();
    expect(weights).toBeDefined();
  });
});

describe("views: load", () => {
  // README.md "adtrace load" on the fixture: 240,977 bytes (its CSV session), 240977 ÷ 1024 =
  // 235.33 → "235 KiB"; the sha256 from the same CSV session.
  const SHA = "4bda258613e2ad08df37071f65faa8333b82a9e44b794f1a118de456512a0ce5";
  const file = (over: Partial<FileLoad> = {}): FileLoad => ({
    source: "fixtures/auction/otlp.jsonl", format: "otlp", bytes: 240977, sha256: SHA, spansRead: 369, spansAdded: 369, duplicates: 0, conflicts: 0, skipped: 0, ...over,
  });
  const loaded = (over: Partial<LoadDbResult["load"]> = {}, totalSpans = 369, files = [file()]): LoadDbResult => ({
    db: "pipeline.duckdb", totalSpans,
    load: { files, spansRead: 369, spansAdded: 369, duplicates: 0, conflicts: 0, skipped: 0, skippedExamples: [], warnings: [], ignoredFiles: [], ...over },
  });

  it("prints README.md's load session of the fixture, and its CSV session", () => {
    expect(table(loadSummary(loaded()))).toBe([
      "Loaded 369 new spans into pipeline.duckdb (now 369).",
      "",
      "source                       format    bytes  read  added  duplicates  skipped",
      "──────────────────────────────────────────────────────────────────────────────",
      "fixtures/auction/otlp.jsonl  otlp    235 KiB   369    369           0        0",
      "",
    ].join("\n"));
    // CSV lines end in CRLF (RFC 4180).
    expect(formatCsv(loadSummary(loaded()), { colors: plain })).toBe([
      "source,format,bytes,spans_read,spans_added,duplicates,skipped,sha256",
      `fixtures/auction/otlp.jsonl,otlp,240977,369,369,0,0,${SHA}`,
      "",
    ].join("\r\n"));
    expect(loadSummary(loaded()).notes).toEqual([]);
  });

  it("says Nothing new only when spans were read and none added", () => {
    const heading = (read: number, added: number, total: number) => loadSummary(loaded({ spansRead: read, spansAdded: added }, total)).heading;
    expect(heading(1500, 0, 1500)).toEqual(["Nothing new: all 1,500 spans were already in pipeline.duckdb."]);
    expect(heading(0, 0, 1500)).toEqual(["Loaded 0 new spans into pipeline.duckdb (now 1,500)."]);
    expect(heading(1500, 2, 4000)).toEqual(["Loaded 2 new spans into pipeline.duckdb (now 4,000)."]);
  });

  it("notes duplicates (one or many, with conflicts), skipped records and ignored files (five named, then …)", () => {
    const notes = (over: Partial<LoadDbResult["load"]>) => loadSummary(loaded(over)).notes;
    expect(notes({ duplicates: 1 })).toEqual(["1 duplicate span skipped (same trace_id and span_id; the first copy is kept)."]);
    expect(notes({ duplicates: 1200, conflicts: 1000 })).toEqual(["1,200 duplicate spans skipped (same trace_id and span_id; the first copy is kept), 1,000 of them with different content."]);
    expect(notes({ skipped: 1 })).toEqual(["1 record skipped as not spans (the first named in the \"skipped:\" lines)."]);
    expect(notes({ skipped: 2 })).toEqual(["2 records skipped as not spans (the first named in the \"skipped:\" lines)."]);
    const names = ["a", "b", "c", "d", "e", "f"];
    expect(notes({ ignoredFiles: names.slice(0, 5) })).toEqual(["ignored 5 file(s) that hold no span format: a, b, c, d, e"]);
    expect(notes({ ignoredFiles: names })).toEqual(["ignored 6 file(s) that hold no span format: a, b, c, d, e, …"]);
    expect(notes({ duplicates: 2, skipped: 3, ignoredFiles: ["x"] })).toEqual([
      "2 duplicate spans skipped (same trace_id and span_id; the first copy is kept).",
      "3 records skipped as not spans (the first named in the \"skipped:\" lines).",
      "ignored 1 file(s) that hold no span format: x",
    ]);
  });

  it("caps the source at 48 characters in the table and keeps sha256 for programs only", () => {
    const long = "d/".repeat(30) + "x.jsonl"; // 67 characters
    const view = loadSummary(loaded({}, 369, [file({ source: long })]));
    expect(view.columns.find((c) => c.key === "source")!.maxWidth).toBe(48);
    // 47 characters and "…".
    expect(table(view).split("\n")[4]!.startsWith(`${long.slice(0, 47)}…  otlp`)).toBe(true);
    expect(table(view)).not.toContain(SHA);
    expect(view.columns.map((c) => [c.key, c.title ?? c.key, c.kind])).toEqual([
      ["source", "source", "text"], ["format", "format", "text"], ["bytes", "bytes", "bytes"], ["spans_read", "read", "int"],
      ["spans_added", "added", "int"], ["duplicates", "duplicates", "int"], ["skipped", "skipped", "int"], ["sha256", "sha256", "text"],
    ]);
  });

  it("gives JSON the database, the files with their conflicts, the load's counts (cyclic 0 when not counted) and its lists", () => {
    const two = [file(), file({ source: "b.csv", format: "csv", bytes: 10, sha256: "ab", spansRead: 5, spansAdded: 3, duplicates: 2, conflicts: 1, skipped: 4 })];
    const over = { spansRead: 374, spansAdded: 372, duplicates: 2, conflicts: 1, skipped: 4, skippedExamples: ["line 9"], warnings: [{ message: "w", count: 2 }], ignoredFiles: ["README"] };
    const json = (cyclic?: number) => loadSummary(loaded({ ...over, ...(cyclic === undefined ? {} : { cyclic }) }, 400, two)).json;
    expect(json()).toEqual({
      db: "pipeline.duckdb",
      total_spans: 400,
      files: [
        { source: "fixtures/auction/otlp.jsonl", format: "otlp", bytes: 240977, sha256: SHA, spans_read: 369, spans_added: 369, duplicates: 0, conflicts: 0, skipped: 0 },
        { source: "b.csv", format: "csv", bytes: 10, sha256: "ab", spans_read: 5, spans_added: 3, duplicates: 2, conflicts: 1, skipped: 4 },
      ],
      spans_read: 374, spans_added: 372, duplicates: 2, conflicts: 1, skipped: 4, cyclic: 0,
      skipped_examples: ["line 9"], warnings: [{ message: "w", count: 2 }], ignored_files: ["README"],
    });
    expect((json(7) as { cyclic: number }).cyclic).toBe(7);
    expect(loadSummary(loaded(over, 400, two)).rows).toEqual([
      { source: "fixtures/auction/otlp.jsonl", format: "otlp", bytes: 240977, spans_read: 369, spans_added: 369, duplicates: 0, skipped: 0, sha256: SHA },
      { source: "b.csv", format: "csv", bytes: 10, spans_read: 5, spans_added: 3, duplicates: 2, skipped: 4, sha256: "ab" },
    ]);
  });
});

describe("html/report-page", () => {
  // A report document built by hand; every figure's text is worked from units.ts's rules:
  // dollars below $1 to three significant digits ($0.000358, $0.0000100), cents from $1
  // ($1,007.23), shares to one decimal (0.375 → 37.5%), milliseconds to three digits (6.5 → 6.50 ms).
  const SHA = "4bda258613e2ad08df37071f65faa8333b82a9e44b794f1a118de456512a0ce5";
  const doc = (): ReportDoc => ({
    adtrace_version: "1.2.3", generated_at: "2026-12-02T10:00:00Z",
    inputs: [{ path: "spans/a.jsonl", bytes: 240977, sha256: SHA }],
    config: { source: "adtrace.config.yaml", digest: "c0ffee" },
    events: 1234, spans: 5678, start: "2024-05-01T12:00:01.500000Z", end: "2024-05-01T12:01:00.049200Z", events_per_day: 1_000_000,
    headline: { cost_per_event_usd: 0.00100723431207, cost_per_day_usd: 1007.23431207, flagged_stages: ["tracking", "aggregation"], top_saving: { scenario: "s", lever: "cache", stage: "tracking", savings_per_day_usd: 250.5 } },
    breakdown: {
      groups: [
        { stage: "tracking", events: 40, cost_per_event_usd: 0.000358, cost_share: 0.375, compute_per_event_usd: 0.00001, query_per_event_usd: 0.000348, p50_ms: 6.5, p95_ms: 6.78, p99_ms: 7, warehouse: "snowflake" },
        { stage: "request", events: 40, cost_per_event_usd: 0.00001, cost_share: 0.01, compute_per_event_usd: 0.00001, query_per_event_usd: 0, p50_ms: 49.2, p95_ms: null, p99_ms: null, warehouse: null },
      ],
      total: { cost_per_event_usd: 0.00101, compute_per_event_usd: 0.00025, query_per_event_usd: 0.00076, e2e_p50_ms: 44.1, e2e_p95_ms: 46.9, e2e_p99_ms: 49.2 },
      weights: { weighted: true, stored_traces: 1234, estimated_events: 12340, stored_spans: 5678, estimated_spans: 56780, unknown_weight_spans: 3, assumed_weight: 10, disagreeing_traces: 2 },
    },
    queries: [],
    flags: [],
    savings: { rows: [], scenarios: [] },
  });
  const tr = (...cells: string[]) => `<tr>${cells.join("")}</tr>`;
  const th = (...names: string[]) => `<thead><tr>${names.map((n) => `<th>${n}</th>`).join("")}</tr></thead>`;
  const td = (text: string) => `<td>${text}</td>`;
  const num = (text: string, value?: string) => `<td class="num"${value === undefined ? "" : ` data-value="${value}"`}>${text}</td>`;
  const htmlTable = (name: string, head: string, rows: string[]) => [`<table data-table="${name}">`, head, "<tbody>", ...rows, "</tbody>", "</table>"].join("\n");

  it("subtitles the page with events, spans, the time range, the version and when it was generated", () => {
    expect(subtitle(doc())).toBe("1,234 events, 5,678 spans, 2024-05-01T12:00:01.500000Z → 2024-05-01T12:01:00.049200Z; adtrace 1.2.3; generated 2026-12-02T10:00:00Z");
    expect(subtitle({ ...doc(), start: null, end: null, generated_at: undefined })).toBe("1,234 events, 5,678 spans; adtrace 1.2.3");
  });

  it("tabulates each stage's figures with their raw values, a total row of end-to-end latency, and says so", () => {
    expect(stageTable(doc())).toBe(htmlTable("stages", th("stage", "$/event", "queries", "compute", "share", "p50", "p95", "p99", "warehouse"), [
      tr(td("tracking"), num("$0.000358", "0.000358"), num("$0.000348", "0.000348"), num("$0.0000100", "0.00001"), num("37.5%", "0.375"), num("6.50 ms", "6.5"), num("6.78 ms", "6.78"), num("7.00 ms", "7"), td("snowflake")),
      // No p95/p99: "–" and no data-value; no warehouse: an empty cell; $0 has the value 0.
      tr(td("request"), num("$0.0000100", "0.00001"), num("$0", "0"), num("$0.0000100", "0.00001"), num("1.0%", "0.01"), num("49.2 ms", "49.2"), num("–"), num("–"), td("")),
      tr(td("total"), num("$0.00101", "0.00101"), num("$0.000760", "0.00076"), num("$0.000250", "0.00025"), num("100.0%", "1"), num("44.1 ms", "44.1"), num("46.9 ms", "46.9"), num("49.2 ms", "49.2"), td("")),
    ]) + '\n<p class="sub">Stage rows: span durations; total row: end-to-end per event.</p>');
  });

  it("lists the inputs with sizes and sha256, the facts, and the sampling weights", () => {
    // 240977 B ÷ 1024 = 235.33 → "235 KiB".
    expect(dataSection(doc())).toBe([
      htmlTable("inputs", th("input", "bytes", "sha256"), [tr(td("spans/a.jsonl"), num("235 KiB", "240977"), td(`<code>${SHA}</code>`))]),
      htmlTable("facts", th("", ""), [
        tr(td("events"), num("1,234", "1234")),
        tr(td("spans"), num("5,678", "5678")),
        tr(td("time range"), td("2024-05-01T12:00:01.500000Z → 2024-05-01T12:01:00.049200Z")),
        tr(td("events per day (projections)"), num("1,000,000", "1000000")),
        tr(td("config"), td("adtrace.config.yaml")),
        tr(td("config digest"), td("<code>c0ffee</code>")),
        tr(td("adtrace"), td("1.2.3")),
        tr(td("generated at"), td("2026-12-02T10:00:00Z")),
      ]),
      "<h3>Sampling weights</h3>",
      htmlTable("weights", th("", ""), [
        tr(td("weighted"), td("yes")),
        tr(td("stored traces"), num("1,234", "1234")),
        tr(td("estimated events"), num("12,340", "12340")),
        tr(td("stored spans"), num("5,678", "5678")),
        tr(td("estimated spans"), num("56,780", "56780")),
        tr(td("spans of unknown weight"), num("3", "3")),
        tr(td("weight assumed for them"), num("10", "10")),
        tr(td("traces whose spans disagree on weight"), num("2", "2")),
      ]),
    ].join("\n"));
  });

  it("says unweighted, no time range, no generation time and no weights as such", () => {
    const d = doc();
    const unweighted = dataSection({ ...d, breakdown: { ...d.breakdown, weights: { ...d.breakdown.weights!, weighted: false } } });
    expect(unweighted).toContain(tr(td("weighted"), td("no (--unweighted: raw figures)")));
    const bare = dataSection({ ...d, start: null, end: null, generated_at: undefined, breakdown: { ...d.breakdown, weights: undefined } });
    expect(bare).toContain(tr(td("time range"), td("–")));
    expect(bare).not.toContain("generated at");
    expect(bare.split("<h3>Sampling weights</h3>\n")[1]).toBe(htmlTable("weights", th("", ""), [tr(td("weights"), td("not in this report"))]));
  });

  it("lists a ClickHouse source by label, table, range and spans (– for an open end); a file among them is an empty row", () => {
    const d = doc();
    d.inputs = [
      { path: "clickhouse://host/db", table: "otel_traces", since: "2024-05-01", until: null, spans: 12345 },
      { path: "chdb:./x", table: "t", since: null, until: "2024-06-01", spans: 0 },
    ];
    const inputs = dataSection(d).split("\n<table data-table=\"facts\">")[0];
    expect(inputs).toBe(htmlTable("inputs", th("source", "table", "since", "until", "spans"), [
      tr(td("clickhouse://host/db"), td("otel_traces"), td("2024-05-01"), td("–"), num("12,345", "12345")),
      tr(td("chdb:./x"), td("t"), td("–"), td("2024-06-01"), num("0", "0")),
    ]));
    // One ClickHouse source among files makes it the ClickHouse table: the file's row is empty.
    d.inputs = [{ path: "a.jsonl", bytes: 1, sha256: "ab" }, ...d.inputs];
    expect(dataSection(d).split("\n<table data-table=\"facts\">")[0]).toBe(htmlTable("inputs", th("source", "table", "since", "until", "spans"), [
      "<tr></tr>",
      tr(td("clickhouse://host/db"), td("otel_traces"), td("2024-05-01"), td("–"), num("12,345", "12345")),
      tr(td("chdb:./x"), td("t"), td("–"), td("2024-06-01"), num("0", "0")),
    ]));
  });

  it("writes the sections in order, each under its heading, with none flagged, no queries and no savings said so", () => {
    const sections = detailSections(doc());
    expect(sections.filter((_, i) => i % 2 === 0)).toEqual(["<h2>Cost per event by stage</h2>", "<h2>Warehouse-heavy stages</h2>", "<h2>Warehouse queries</h2>", "<h2>Savings</h2>", "<h2>Data</h2>"]);
    expect(sections[1]).toBe(stageTable(doc()));
    expect(sections[3]).toBe("<p>None flagged.</p>");
    expect(sections[5]).toBe("<p>No warehouse queries.</p>");
    expect(sections[7]).toBe(htmlTable("savings", th("scenario", "lever", "stage", "$/event before", "after", "saved / event", "saved / day"), []));
    expect(sections[9]).toBe(dataSection(doc()));
  });

  it("draws each flag with its share, lever, saving, reason and top query (escaped), and leaves out what a flag lacks", () => {
    const d = doc();
    const flag = { stage: "tracking", cost_share: 0.375, warehouse: "snowflake", top_query: "SELECT a FROM t WHERE b < 'c' & d", top_query_cost_share: 0.5, reason: "warehouse share 97%", lever: "cache", est_savings_per_event_usd: 0.0002 };
    d.flags = [flag, { ...flag, stage: "agg", warehouse: null }, { ...flag, stage: "x", top_query_cost_share: null }, { ...flag, stage: "y", top_query: null }];
    const code = `<code class="top-query">SELECT a FROM t WHERE b &lt; &#39;c&#39; &amp; d</code>`;
    // 0.0002 → three significant digits: "$0.000200".
    const head = (stage: string) => `<h3>${stage}: 37.5% of cost per event — lever: cache, ≈ $0.000200/event</h3>\n<p class="reason">warehouse share 97%</p>`;
    expect(detailSections(d)[3]).toBe([
      `<div class="flag" data-flag="tracking">\n${head("tracking")}\n<p>Top query (50.0% of the stage's cost, snowflake): ${code}</p>\n</div>`,
      `<div class="flag" data-flag="agg">\n${head("agg")}\n<p>Top query (50.0% of the stage's cost): ${code}</p>\n</div>`,
      `<div class="flag" data-flag="x">\n${head("x")}\n<p>Top query: ${code}</p>\n</div>`,
      `<div class="flag" data-flag="y">\n${head("y")}\n</div>`,
    ].join("\n"));
  });

  it("tabulates the top 10 queries as Q1…, with a line for the rest", () => {
    const d = doc();
    const q = (i: number) => ({ stage: `s${i}`, warehouse: "bigquery", calls: 1000 + i, cost_per_event_usd: 0.0003, cost_share: 0.5, query: `SELECT ${i} <` });
    const row = (i: number) => tr(td(`Q${i + 1}`), td(`s${i}`), td("bigquery"), num(`1,00${i}`, `100${i}`), num("$0.000300", "0.0003"), num("50.0%", "0.5"), td(`<code>SELECT ${i} &lt;</code>`));
    const head = th("#", "stage", "warehouse", "calls", "$/event", "share", "query (fingerprint)");
    d.queries = Array.from({ length: 10 }, (_, i) => q(i));
    expect(detailSections(d)[5]).toBe(htmlTable("queries", head, d.queries.map((_, i) => row(i))));
    // 12 queries: 10 shown, 12 − 10 = 2 more.
    d.queries = [...d.queries, q(10), q(11)];
    expect(detailSections(d)[5]).toBe(htmlTable("queries", head, Array.from({ length: 10 }, (_, i) => row(i))) + '\n<p class="sub">2 more in queries.csv.</p>');
  });

  it("tabulates the savings rows (the total row's lever says total) and lists the scenarios' assumptions", () => {
    const d = doc();
    const r = { scenario: "cache it", lever: "cache", lever_label: "cache results", stage: "tracking", cost_per_event_before_usd: 0.000358, cost_per_event_after_usd: 0.000158, savings_per_event_usd: 0.0002, savings_per_day_usd: 200 };
    d.savings = {
      rows: [r, { ...r, lever: "total", lever_label: "all levers", stage: "" }],
      scenarios: [{ name: "cache it", assumptions: ["hit rate 90%", "a < b"] }, { name: "none" }, { name: "empty", assumptions: [] }],
    };
    const cells = [num("$0.000358", "0.000358"), num("$0.000158", "0.000158"), num("$0.000200", "0.0002"), num("$200.00", "200")];
    expect(detailSections(d)[7]).toBe(htmlTable("savings", th("scenario", "lever", "stage", "$/event before", "after", "saved / event", "saved / day"), [
      tr(td("cache it"), td("cache results"), td("tracking"), ...cells),
      tr(td("cache it"), td("total"), td(""), ...cells),
    ]) + '\n<ul class="sub">\n<li>cache it: hit rate 90%</li>\n<li>cache it: a &lt; b</li>\n</ul>');
  });

  it("makes one page: title, heading, subtitle, the headline figures, the charts, then the sections", async () => {
    const d = doc();
    const html = await reportHtml(d);
    expect(html).toContain("<title>adtrace cost report</title>");
    const body = html.split("<main>\n")[1]!.split("\n</main>")[0]!;
    // $0.00100723… → "$0.00101"; $1,007.23431207 → "$1,007.23"; $250.5 → "$250.50".
    expect(body.startsWith([
      "<h1>adtrace cost report</h1>",
      `<p class="sub">${subtitle(d)}</p>`,
      '<div class="headline">',
      '<div class="figure" data-figure="cost-per-event"><div class="value">$0.00101</div><div class="label">per ad event</div></div>',
      '<div class="figure" data-figure="cost-per-day"><div class="value">$1,007.23</div><div class="label">per day at 1,000,000 events/day</div></div>',
      '<div class="figure" data-figure="flagged"><div class="value">tracking, aggregation</div><div class="label">warehouse-heavy stages</div></div>',
      '<div class="figure" data-figure="top-saving"><div class="value">$250.50/day</div><div class="label">top saving: cache on tracking</div></div>',
      "</div>",
      "<h2>Charts</h2>",
      '<div class="charts">',
      '<figure class="chart" id="cost-by-stage" data-chart="cost-by-stage">',
    ].join("\n"))).toBe(true);
    expect(body.endsWith(`</figure>\n</div>\n${detailSections(d).join("\n")}`)).toBe(true);
    expect([...body.matchAll(/<figure class="chart" id="([^"]+)"/g)].map((m) => m[1])).toEqual(["cost-by-stage", "latency"]);
    // One figure a line: the first ends where the second starts.
    expect(body).toContain('</figure>\n<figure class="chart" id="latency" data-chart="latency">');
    // No flagged stage and no saving: "none", and no fourth figure.
    const none = await reportHtml({ ...d, headline: { ...d.headline, flagged_stages: [], top_saving: null } });
    expect(none).toContain('<div class="figure" data-figure="flagged"><div class="value">none</div>');
    expect(none).not.toContain("top-saving");
    expect(none).toContain('<div class="label">warehouse-heavy stages</div></div>\n</div>\n<h2>Charts</h2>');
    // withReportHtml adds the page drawn from report.json and keeps the other files.
    const files = await withReportHtml({ "report.json": JSON.stringify(d), "a.csv": "x\r\n" });
    expect(files).toEqual({ "report.json": JSON.stringify(d), "a.csv": "x\r\n", "report.html": html });
  });
});
