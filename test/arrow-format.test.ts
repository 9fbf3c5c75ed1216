// --format arrow (issue 21, part 4): every tabular command's Arrow, read back with apache-arrow,
// holds the same columns, rows and values as its CSV, with typed columns (Int64, Float64, Bool,
// Utf8, Null); same bytes run to run; .arrow/.arrows from --out; refused on a terminal.
// DuckDB 1.5 has no Arrow IPC reader without the community `arrow` extension (read_arrow is not a
// core function, and `FROM 'x.arrow'` answers "No extension found"), and tests install nothing,
// so DuckDB's reading is not checked here.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tableFromIPC, Type, type Table } from "apache-arrow";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURE, ROOT } from "./helpers/cli.js";
import { adtraceIn, adtraceInBytes } from "./helpers/in-process.js";
import { arrowType } from "../src/output/arrow.js";
import { formatters } from "../src/output/format.js";
import { Chalk } from "chalk";

const OTLP = `${FIXTURE}/otlp.jsonl`;
const TTY_RUNS = fileURLToPath(new URL("./helpers/tty-runs.mjs", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "adtrace-arrow-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// The commands run in-process (helpers/in-process.ts: the CLI's program, stdout captured as the
// bytes written, not a terminal); only the terminal refusal below needs a real process and pty.
const adtraceBytes = adtraceInBytes;

/** RFC 4180 CSV (CRLF rows, quoted fields with "" for a quote), parsed by hand for the comparison. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") row.push(field), (field = "");
    else if (ch === "\r" && text[i + 1] === "\n") {
      row.push(field), rows.push(row), (row = []), (field = ""), i++;
    } else field += ch;
  }
  return rows;
}

/** The Arrow type of each column, by name; and a check that every cell equals the CSV's. */
function compareWithCsv(table: Table, csvText: string): Record<string, string> {
  const [header, ...rows] = parseCsv(csvText);
  expect(table.schema.fields.map((f) => f.name)).toEqual(header);
  expect(table.numRows).toBe(rows.length);
  const types: Record<string, string> = {};
  table.schema.fields.forEach((field, c) => {
    const column = table.getChildAt(c)!;
    types[field.name] = Type[field.typeId];
    for (let r = 0; r < rows.length; r++) {
      const csv = rows[r]![c]!;
      const value: unknown = column.get(r);
      const where = `${field.name} row ${r}: arrow ${String(value)}, csv '${csv}'`;
      switch (field.typeId) {
        case Type.Null:
          expect(csv, where).toBe("");
          break;
        case Type.Bool:
          expect(value === null ? "" : String(value), where).toBe(csv);
          break;
        case Type.Int:
          expect(value === null ? "" : (value as bigint).toString(), where).toBe(csv);
          if (value !== null) expect(typeof value, where).toBe("bigint");
          break;
        case Type.Float:
          if (value === null) expect(csv, where).toBe("");
          else expect(value, where).toBe(Number(csv));
          break;
        case Type.Utf8:
          expect(value ?? "", where).toBe(csv);
          break;
        default:
          throw new Error(`unexpected Arrow type ${String(field.type)} for ${field.name}`);
      }
    }
  });
  return types;
}

/** A column of CSV text that is nothing but numbers (or empty) should not be Arrow text. */
function looksNumeric(csvText: string, name: string): boolean {
  const [header, ...rows] = parseCsv(csvText);
  const c = header!.indexOf(name);
  const cells = rows.map((r) => r[c]!).filter((v) => v !== "");
  return cells.length > 0 && cells.every((v) => /^-?\d+(\.\d+)?(e[-+]?\d+)?$/i.test(v));
}

// The fixture loaded once, each side of the diff too: every command reads the database (`--db`),
// whose stored model an analysis reads instead of installing its own (in-process, a breakdown of
// the database costs about 0.2 CPU s, of the JSON file 0.6; measured 2026-12-02). What is
// compared is each command's Arrow with its own CSV, whatever the input.
const DB = join(dir, "otlp.duckdb");
const JAEGER_DB = join(dir, "jaeger.duckdb");
beforeAll(async () => {
  for (const [input, db] of [[OTLP, DB], [`${FIXTURE}/jaeger.json`, JAEGER_DB]] as const) {
    const r = await adtraceIn(["load", input, "--db", db, "-q"]);
    expect(r.code, r.stderr).toBe(0);
  }
});
// Each command with the columns its Arrow must type as given (the rest are checked against CSV all the same).
const cases: { name: string; args: string[]; expect: Record<string, string> }[] = [
  { name: "cost breakdown", args: ["cost", "breakdown", "--db", DB], expect: { stage: "Utf8", spans: "Int", events: "Int", cost_per_event_usd: "Float", p95_ms: "Float" } },
  { name: "cost queries", args: ["cost", "queries", "--db", DB], expect: { query: "Utf8", calls: "Int", bytes_scanned_per_call: "Int", total_cost_usd: "Float" } },
  { name: "cost flags", args: ["cost", "flags", "--db", DB], expect: { reason: "Utf8", cost_share: "Float", est_savings_per_event_usd: "Float" } },
  { name: "savings --suggest", args: ["savings", "--db", DB, "--suggest"], expect: { scenario: "Utf8", savings_per_year_usd: "Float" } },
  { name: "diff", args: ["diff", DB, JAEGER_DB], expect: { stage: "Utf8", change_usd: "Float", share_after: "Float", significant: "Bool", p95_significant: "Bool" } },
  { name: "inspect", args: ["inspect", "--db", DB], expect: { key: "Utf8", value: "Utf8" } },
  { name: "cost outliers", args: ["cost", "outliers", "--db", DB], expect: { key: "Utf8", selected_events: "Int", lift: "Float", p_value: "Null" } },
  { name: "cost trend", args: ["cost", "trend", "--db", DB], expect: { bucket_start: "Utf8", events: "Int", baseline_cost_per_event_usd: "Null" } },
  { name: "cost critical-path", args: ["cost", "critical-path", "--db", DB], expect: { quadrant: "Utf8", events: "Int", on_path_share: "Float" } },
  { name: "sampling advise", args: ["sampling", "advise", "--db", DB], expect: { rate: "Float", events_per_window: "Float", meets_target: "Bool" } },
];

describe("--format arrow reads back as the CSV of the same command, typed", () => {
  for (const c of cases) {
    it(c.name, async () => {
      const csv = await adtraceIn([...c.args, "-q", "--format", "csv", "--raw-csv"]);
      expect(csv.code, csv.stderr).toBe(0);
      const arrow = await adtraceBytes([...c.args, "-q", "--format", "arrow"]);
      expect(arrow.code, arrow.stderr).toBe(0);
      const table = tableFromIPC(arrow.stdout);
      const types = compareWithCsv(table, csv.stdout);
      for (const [column, type] of Object.entries(c.expect)) expect(types[column], column).toBe(type);
      // No column of plain numbers left as text (inspect's key/value column mixes text and numbers).
      for (const [column, type] of Object.entries(types)) if (type === "Utf8" && c.name !== "inspect") expect(looksNumeric(csv.stdout, column), column).toBe(false);
      // Same input, same bytes.
      expect((await adtraceBytes([...c.args, "-q", "--format", "arrow"])).stdout.equals(arrow.stdout)).toBe(true);
    });
  }
});

describe("--out names", () => {
  it(".arrows is the IPC stream and .arrow the IPC file, both the same table as stdout's", async () => {
    const args = ["cost", "breakdown", "--db", DB, "-q"];
    const stream = (await adtraceBytes([...args, "--format", "arrow"])).stdout;
    expect((await adtraceIn([...args, "--out", join(dir, "b.arrows")])).code).toBe(0);
    expect((await adtraceIn([...args, "--out", join(dir, "b.ARROW")])).code).toBe(0);
    const arrows = readFileSync(join(dir, "b.arrows"));
    const file = readFileSync(join(dir, "b.ARROW"));
    expect(arrows.equals(stream)).toBe(true);
    // The IPC file format starts and ends with the magic "ARROW1"; the stream does not.
    expect(file.subarray(0, 6).toString()).toBe("ARROW1");
    expect(file.subarray(-6).toString()).toBe("ARROW1");
    expect(arrows.subarray(0, 6).toString()).not.toBe("ARROW1");
    const csv = (await adtraceIn([...args, "--format", "csv", "--raw-csv"])).stdout;
    compareWithCsv(tableFromIPC(file), csv);
  });

  it("an empty result is its schema with no rows", () => {
    const bytes = formatters.arrow({ columns: [{ key: "stage", kind: "text" }, { key: "spans", kind: "int" }], rows: [] }, { colors: new Chalk({ level: 0 }) });
    const table = tableFromIPC(bytes);
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.map((f) => f.name)).toEqual(["stage", "spans"]);
  });
});

describe("arrow column types", () => {
  const col = (kind: "int" | "usd" | "text" | "bytes") => ({ key: "k", kind });
  it("follow the kind, checked against the values", () => {
    expect(arrowType(col("int"), [1, 2, null])).toBe("int64");
    expect(arrowType(col("bytes"), [1n, 2n])).toBe("int64");
    expect(arrowType(col("int"), [1, 2.5])).toBe("float64");
    expect(arrowType(col("usd"), [1, 2])).toBe("float64");
    expect(arrowType(col("usd"), [1, "n/a"])).toBe("utf8");
    expect(arrowType(col("text"), [true, null, false])).toBe("bool");
    expect(arrowType(col("text"), [null, undefined])).toBe("null");
    expect(arrowType(col("text"), [])).toBe("null");
    expect(arrowType(col("text"), [1, 2])).toBe("utf8");
    expect(arrowType(col("usd"), [1, Infinity, NaN])).toBe("float64");
    expect(arrowType(col("int"), [1, Infinity])).toBe("float64");
  });

  it("write NaN and infinities as null, as CSV leaves them empty", () => {
    const view = { columns: [{ key: "x", kind: "usd" as const }], rows: [{ x: 1.5 }, { x: Infinity }, { x: NaN }, { x: null }] };
    const table = tableFromIPC(formatters.arrow(view, { colors: new Chalk({ level: 0 }) }));
    expect(String(table.schema.fields[0]!.type)).toBe("Float64");
    expect([0, 1, 2, 3].map((i) => table.getChildAt(0)!.get(i))).toEqual([1.5, null, null, null]);
  });
});

describe("arrow on a terminal", () => {
  const hasScript = spawnSync("script", ["--version"]).status === 0;
  it.skipIf(!hasScript)("is refused before any work, in one line, exit 2, suggesting --out or a pipe", () => {
    const args = ["cost", "breakdown", OTLP, "--format", "ARROW"];
    const out = join(dir, "tty.arrow");
    // The three runs on one terminal, in one process of the built program (test/helpers/tty-runs.mjs,
    // which marks where each run's output, stdout and stderr alike, ends, with its exit code).
    const list = join(dir, "tty-runs.json");
    writeFileSync(list, JSON.stringify([args, [...args, "--out", "/dev/stdout"], [...args, "-q", "--out", out]]));
    const cmd = [process.execPath, TTY_RUNS, list].map((a) => `'${a}'`).join(" ");
    const r = spawnSync("script", ["-qec", cmd, "/dev/null"], { cwd: ROOT, encoding: "utf8", env: { ...process.env, NO_COLOR: "1", TERM: "xterm" } });
    const parts = r.stdout.replace(/\r/g, "").split(/\n@@adtrace-run-end (\d+) (\d+)\n/);
    expect(parts.length, r.stdout).toBe(10);
    const [refused, through, ok] = [0, 1, 2].map((i) => ({ text: parts[3 * i]!, code: Number(parts[3 * i + 2]) }));
    expect(refused!.code).toBe(2);
    const lines = refused!.text.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^adtrace: .*--format arrow.*terminal.*--out FILE\.arrow.*pipe/);
    // --out /dev/stdout is the terminal too.
    expect(through!.code).toBe(2);
    expect(through!.text).toMatch(/--format arrow is binary/);
    // On the same terminal, --out still works.
    expect(ok!.code, ok!.text).toBe(0);
    expect(tableFromIPC(readFileSync(out)).numRows).toBeGreaterThan(0);
  });
});
