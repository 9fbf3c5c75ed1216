// The output layer: one golden file per format from a result with the awkward values (unicode,
// nulls, huge and tiny numbers, commas, quotes, newlines, formula-like text, escape sequences).
// The golden files were written by hand from the rules in src/output/, not copied from output.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { Chalk } from "chalk";
import { csvField, formatters, machineNumber, printResult, defaultFormat, terminalColumns } from "../src/output/format.js";
import type { TableResult } from "../src/output/result.js";
import { formatBytes, formatUsd, formatMs, shareBar } from "../src/output/units.js";
import { colorsFor } from "../src/output/colors.js";

const awkward: TableResult = {
  heading: ["Awkward values"],
  columns: [
    { key: "name", kind: "text" },
    { key: "cost_usd", title: "$", kind: "usd" },
    { key: "share", kind: "share" },
    { key: "p95_ms", title: "p95", kind: "ms" },
  ],
  rows: [
    { name: "zürich, \"quoted\"", cost_usd: 123456789.5, share: 0.5, p95_ms: 1500 },
    { name: "=HYPERLINK(\"x\")", cost_usd: 0.00000123, share: 0.25, p95_ms: 0.5 },
    { name: "line\nbreak\u001b[31mred", cost_usd: null, share: null, p95_ms: null },
    { name: "-1 minus", cost_usd: -2.5, share: 0, p95_ms: 0 },
  ],
  notes: ["a note"],
};

const golden = (name: string) => readFileSync(new URL(`./golden/${name}`, import.meta.url), "utf8");
const plain = { colors: new Chalk({ level: 0 }) };

describe("golden files", () => {
  for (const [format, file] of [["csv", "awkward.csv"], ["json", "awkward.json"], ["md", "awkward.md"], ["table", "awkward.txt"]] as const) {
    it(`${format} matches ${file}`, () => {
      expect(formatters[format](awkward, plain)).toBe(golden(file));
    });
  }
});

describe("csv", () => {
  it("quotes per RFC 4180 and guards formula-like text unless raw", () => {
    expect(csvField('a,"b"', true)).toBe('"a,""b"""');
    expect(csvField("=1+1", true)).toBe("'=1+1");
    expect(csvField("@SUM(A1)", true)).toBe("'@SUM(A1)");
    expect(csvField("\tx", true)).toBe("'\tx");
    expect(csvField("=1+1", false)).toBe("=1+1");
    expect(formatters.csv(awkward, { ...plain, rawCsv: true })).toContain("\r\n\"=HYPERLINK(\"\"x\"\")\",");
  });

  it("guards header cells too: a column may be named after an attribute key", () => {
    const result: TableResult = { columns: [{ key: "=cmd|' /C calc'!A0", kind: "text" }, { key: "spans", kind: "int" }], rows: [{ "=cmd|' /C calc'!A0": "x", spans: 1 }] };
    expect(formatters.csv(result, plain).split("\r\n")[0]).toBe("'=cmd|' /C calc'!A0,spans");
    expect(formatters.csv(result, { ...plain, rawCsv: true }).split("\r\n")[0]).toBe("=cmd|' /C calc'!A0,spans");
  });
});

describe("numbers in machine formats", () => {
  it("have 12 significant digits, without float noise; exact integers stay whole", () => {
    expect(machineNumber(0.00035749999999999996)).toBe(0.0003575);
    expect(machineNumber(2.000000000000002e-5)).toBe(0.00002);
    expect(machineNumber(0.1 + 0.2)).toBe(0.3);
    expect(machineNumber(1 / 3)).toBe(0.333333333333);
    expect(machineNumber(123456789012345)).toBe(123456789012345);
    expect(machineNumber(2 ** 60 + 0.5)).toBe(1.15292150461e18);
    const result: TableResult = { columns: [{ key: "usd", kind: "usd" }, { key: "n", kind: "int" }], rows: [{ usd: 0.1 + 0.2, n: 9007199254740991 }] };
    expect(formatters.csv(result, plain)).toBe("usd,n\r\n0.3,9007199254740991\r\n");
    expect(JSON.parse(formatters.json({ ...result, json: { nested: { usd: [0.1 + 0.2] } } }, plain))).toEqual({ schema_version: 1, nested: { usd: [0.3] } });
  });
});

describe("units", () => {
  it("formats money, durations and bars as documented", () => {
    expect(formatUsd(0.0016)).toBe("$0.00160");
    expect(formatUsd(0.000123456)).toBe("$0.000123");
    expect(formatUsd(1234.5)).toBe("$1,234.50");
    expect(formatUsd(692_000)).toBe("$692k");
    expect(formatUsd(252_580_000)).toBe("$253M");
    expect(formatUsd(0)).toBe("$0");
    expect(formatMs(1500)).toBe("1.50 s");
    expect(formatMs(0.5)).toBe("0.50 ms");
    expect(shareBar(0.5, 10)).toBe("█████");
    expect(shareBar(0.0625, 2)).toBe("▏");
    expect(shareBar(1, 2)).toBe("██");
  });

  it("rounds to the shown precision before choosing the range, so a boundary moves up a unit", () => {
    // Each value rounds up into the next range: shown as that range shows it.
    expect(formatUsd(0.99999)).toBe("$1.00");
    expect(formatUsd(9999.995)).toBe("$10.0k");
    expect(formatUsd(99_950)).toBe("$100k");
    expect(formatUsd(999_500)).toBe("$1.00M");
    expect(formatUsd(-999_500)).toBe("-$1.00M");
    expect(formatMs(999.6)).toBe("1.00 s");
    expect(formatMs(99.96)).toBe("100 ms");
    expect(formatBytes(1023.9 * 1024)).toBe("1.00 MiB");
    // Ties go to the even digit, decided on the decimal value.
    expect(formatUsd(1.125)).toBe("$1.12");
    expect(formatUsd(0.0003575)).toBe("$0.000358");
  });
});

describe("colour and streams", () => {
  it("colours only a TTY without NO_COLOR", () => {
    expect(colorsFor({ isTTY: true }, {}).level).toBe(1);
    expect(colorsFor({ isTTY: true }, { NO_COLOR: "1" }).level).toBe(0);
    expect(colorsFor({ isTTY: false }, {}).level).toBe(0);
    expect(colorsFor({ isTTY: false }, { FORCE_COLOR: "1" }).level).toBe(1);
  });

  it("defaults to a table on a terminal and CSV when piped; notes go to stderr for machine formats", () => {
    expect(defaultFormat(true, undefined)).toBe("table");
    expect(defaultFormat(false, undefined)).toBe("csv");
    expect(defaultFormat(true, "x.json")).toBe("json");
    let out = "";
    let err = "";
    printResult(awkward, {
      format: "csv",
      stdout: { write: (t: string) => ((out += t), true) } as never,
      stderr: { write: (t: string) => ((err += t), true) } as never,
      env: { NO_COLOR: "1" },
    });
    expect(out).not.toContain("a note");
    expect(err).toBe("note: a note\n");
    // No escape sequence from data reaches a terminal table.
    expect(formatters.table(awkward, plain)).not.toContain("\u001b");
  });
});

describe("terminalColumns (the width trace's waterfall fits)", () => {
  it("a terminal's own width; a terminal reporting 0 columns, or a pipe, falls back to COLUMNS, then 100", () => {
    expect(terminalColumns(true, 120, "80")).toBe(120);
    // A pseudo-terminal with no size (script, docker exec -t) reports 0: the waterfall was squeezed
    // to nothing (span names cut to "p…") instead of using the default width.
    expect(terminalColumns(true, 0, undefined)).toBe(100);
    expect(terminalColumns(true, 0, "132")).toBe(132);
    expect(terminalColumns(false, undefined, "90")).toBe(90);
    expect(terminalColumns(false, undefined, "wide")).toBe(100);
    expect(terminalColumns(undefined, undefined, undefined)).toBe(100);
  });
});
