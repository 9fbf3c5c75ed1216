// The output format registry (src/output/formats/index.ts): every entry has a renderer, the
// --format choices and help and the --out extensions come from it, and a binary format is
// refused on a terminal by its own name. In-process, no DuckDB.
import { describe, expect, it } from "vitest";
import { Chalk } from "chalk";
import { FORMAT_NAMES, formatFromExtension, formatOptionHelp, OUTPUT_FORMATS } from "../src/output/formats/index.js";
import { binaryOnTerminal, defaultFormat, formatters, parseFormat } from "../src/output/format.js";
import { buildProgram } from "../src/cli.js";
import { INPUT_FORMATS } from "../src/ingest/formats/names.js";

const result = { columns: [{ key: "stage", kind: "text" as const }, { key: "cost_usd", kind: "usd" as const }], rows: [{ stage: "auction", cost_usd: 0.5 }] };

describe("output format registry", () => {
  it("every format has a renderer, and each renders a result", () => {
    expect(Object.keys(formatters).sort()).toEqual([...FORMAT_NAMES].sort());
    for (const f of OUTPUT_FORMATS) {
      const data = formatters[f.name](result, { colors: new Chalk({ level: 0 }) });
      expect(f.isBinary ? data instanceof Uint8Array : typeof data === "string").toBe(true);
      expect(data.length).toBeGreaterThan(0);
    }
  });

  it("an --out extension, in any case, chooses its format; others fall back to csv", () => {
    for (const f of OUTPUT_FORMATS) {
      for (const ext of f.extensions) {
        expect(formatFromExtension(`out/x${ext.toUpperCase()}`)).toBe(f.name);
        expect(defaultFormat(true, `x${ext}`)).toBe(f.name);
      }
    }
    expect(defaultFormat(false, "x.parquet")).toBe("csv");
    expect(defaultFormat(true, undefined)).toBe("table");
  });

  it("--format's choices and help are the registry's", async () => {
    const program = await buildProgram([]);
    const option = program.options.find((o) => o.long === "--format")!;
    for (const f of OUTPUT_FORMATS) {
      expect(option.description).toContain(f.name);
      for (const ext of f.extensions) expect(option.description).toContain(ext);
      expect(parseFormat(f.name)).toBe(f.name);
    }
    expect(option.description).toBe(formatOptionHelp());
    // diff's page is a --format choice that no renderer draws: every other command refuses it.
    expect(option.description).toContain("html (diff only: a before/after page)");
    expect(() => parseFormat("html")).toThrow("--format html is diff's before/after page");
    expect(() => parseFormat("xml")).toThrow(`unknown --format 'xml' (expected one of ${FORMAT_NAMES.join(", ")})`);
  });

  it("a binary format on a terminal is refused naming its format and extension", () => {
    expect(binaryOnTerminal("arrow").message).toBe("--format arrow is binary and stdout is a terminal: write it with --out FILE.arrow or pipe it to a program");
  });

  it("--input-format's choices are the input format names, in sniffing order", async () => {
    const program = await buildProgram([]);
    expect(program.options.find((o) => o.long === "--input-format")!.argChoices).toEqual([...INPUT_FORMATS]);
  });
});
