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
