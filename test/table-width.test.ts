// Tables fit the terminal (issue 21 part 4): process.stdout.columns when stdout is one (at least
// 60), 100 when piped or written to a file; past 100 the extra width goes to the text cells a table
// had cut (queries, names); below what the numbers need, whole columns go, named in a note.
// Checked on the formatter with awkward rows, and on the built program in a real pseudo-terminal
// (`script`, with `stty cols N`) for every command that prints a table (all of them in one process
// per width, helpers/tty-runs.mjs).
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { tmpdir } from "node:os";
import { Chalk } from "chalk";
import { describe, expect, it } from "vitest";
import { formatters } from "../src/output/format.js";
import type { TableResult } from "../src/output/result.js";
import { tableColumns } from "../src/output/table-width.js";
import { displayWidth } from "../src/output/text.js";
import { FIXTURE, ROOT } from "./helpers/cli.js";

const TTY_RUNS = fileURLToPath(new URL("./helpers/tty-runs.mjs", import.meta.url));

const plain = { colors: new Chalk({ level: 0 }) };
const widest = (text: string) => Math.max(...text.split("\n").map(displayWidth));

const QUERY = "SELECT campaign_id, count(*), sum(spend_usd) FROM ad_events WHERE campaign_id = ? AND ts >= ? AND region IN (?, ?, ?) GROUP BY campaign_id ORDER BY 3 DESC";
const result: TableResult = {
  heading: ["Warehouse queries by fingerprint — a heading long enough that it has to wrap on a narrow terminal, as headings do"],
  columns: [
    { key: "stage", kind: "text", maxWidth: 28 },
    { key: "calls", kind: "int" },
    { key: "cost_usd", title: "$/event", kind: "usd" },
    { key: "share", kind: "share" },
    { key: "p95_ms", title: "p95", kind: "ms" },
    { key: "query", kind: "text", maxWidth: 48 },
  ],
  rows: [
    { stage: "aggregation", calls: 123456, cost_usd: 0.000419616699219, share: 0.4168, p95_ms: 6.5, query: QUERY },
    { stage: "tracking", calls: 45, cost_usd: 0.000338, share: 0.335, p95_ms: 2.5, query: "SELECT 1" },
  ],
};

describe("table width", () => {
  it("the terminal's columns, at least 60; 100 when piped or of unknown size", () => {
    expect(tableColumns({ isTTY: false, columns: 200 }, { COLUMNS: "180" })).toBe(100);
    expect(tableColumns({ isTTY: true, columns: 150 }, {})).toBe(150);
    expect(tableColumns({ isTTY: true, columns: 40 }, {})).toBe(60);
    expect(tableColumns({ isTTY: true, columns: 0 }, { COLUMNS: "130" })).toBe(130);
    expect(tableColumns({ isTTY: true }, {})).toBe(100);
    expect(tableColumns({ isTTY: true, columns: 0 }, { COLUMNS: "wide" })).toBe(100);
  });

  it("extra width goes to the text cells; numbers are never cut", () => {
    const at = (width: number) => formatters.table(result, { ...plain, width });
    const shownQuery = (text: string) => text.split("\n").find((l) => l.startsWith("aggregation"))!.split("  ").pop()!.trim();
    const q100 = shownQuery(at(100));
    const q140 = shownQuery(at(140));
    expect(q100.endsWith("…")).toBe(true);
    expect(q140.length).toBeGreaterThan(q100.length + 30);
    // Wide enough, the whole query shows.
    expect(at(220)).toContain(QUERY);
    for (const width of [60, 72, 100, 140, 220]) {
      const text = at(width);
      expect(widest(text), `width ${width}`).toBeLessThanOrEqual(width);
      if (width >= 72) for (const figure of ["123,456", "$0.000420", "41.7%", "6.50 ms"]) expect(text, `width ${width}`).toContain(figure);
    }
    // At 60 the query is cut to a few characters, every number still whole.
    expect(at(60)).toMatch(/ SELECT cam…\n/);
    // Too narrow for every number: whole columns go, from the right, and a note names them.
    const narrow = at(45);
    expect(widest(narrow)).toBeLessThanOrEqual(45);
    expect(narrow).toMatch(/\nquery: left out to fit 45 columns/);
    expect(narrow).toMatch(/\n─+\naggregat…  123,456  \$0.000420  41.7%  6.50 ms\n/);
    expect(narrow).toContain("123,456");
  });

  it("every table command fits a real terminal of 60 and of 180 columns", () => {
    const dir = mkdtempSync(join(tmpdir(), "adtrace-width-"));
    const F = `${FIXTURE}/otlp.jsonl`;
    const commands = [
      ["inspect", F], ["cost", "breakdown", F], ["cost", "breakdown", F, "--by", "service,attr:user_locale"], ["cost", "queries", F],
      ["cost", "flags", F], ["savings", F, "--scenario", "fixtures/scenarios.yaml"], ["cost", "critical-path", F], ["cost", "outliers", F],
      ["cost", "trend", F, "--every", "10s", "--baseline", "30s"], ["trace", "--pick", "median", F], ["sampling", "advise", F],
      ["diff", F, `${FIXTURE}/zipkin.json`], ["load", F],
    ];
    const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;
    try {
      for (const cols of [60, 180]) {
        const db = join(dir, `w${cols}.duckdb`);
        const runs = commands.map((args) => (args[0] === "load" ? [...args, "--db", db] : args));
        const list = join(dir, `runs-${cols}.json`);
        writeFileSync(list, JSON.stringify(runs));
        // stdout is the pseudo-terminal `script` opens; stderr (notes) is left out. The commands run
        // one after another in one process of the built program (helpers/tty-runs.mjs), each
        // reading the terminal's width from its own process.stdout, as the CLI does.
        const shell = `stty cols ${cols} rows 50; ${quote(process.execPath)} ${quote(TTY_RUNS)} ${quote(list)} 2>/dev/null`;
        const all = execFileSync("script", ["-qec", shell, "/dev/null"], { cwd: ROOT, env: { ...process.env, NO_COLOR: "1" }, encoding: "utf8" }).replace(/\r/g, "");
        const parts = all.split(/\n@@adtrace-run-end (\d+) (\d+)\n/);
        expect(parts.length, all.slice(-500)).toBe(3 * runs.length + 1);
        runs.forEach((args, i) => {
          const out = parts[3 * i]!;
          expect([parts[3 * i + 1], parts[3 * i + 2]], args.join(" ")).toEqual([String(i), "0"]);
          expect(out.length, args.join(" ")).toBeGreaterThan(100);
          expect(widest(out), `${cols} columns: ${args.join(" ")}`).toBeLessThanOrEqual(cols);
          if (cols === 180 && args[1] === "queries") expect(out).toContain("SELECT impressions_left FROM campaign_caps WHERE campaign_id = ? AND day = ?");
        });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
