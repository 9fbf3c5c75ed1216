// Notes about what the table leaves out (outliers' first 15 rows, trend's last sparkline
// buckets) belong to the table and Markdown alone: CSV and JSON carry every row, so the same note
// on stderr beside them would be untrue. Other notes go with every format. In-process, no DuckDB.
import { describe, expect, it } from "vitest";
import { Writable } from "node:stream";
import { printResult } from "../src/output/format.js";
import type { TableResult } from "../src/output/result.js";

function sink(): Writable & { text: string } {
  const s = new Writable({ write(chunk, _enc, done) { s.text += String(chunk); done(); } }) as Writable & { text: string };
  s.text = "";
  return s;
}

const rows = Array.from({ length: 3 }, (_, i) => ({ key: `k${i}` }));
const result: TableResult = {
  columns: [{ key: "key", kind: "text" }],
  rows,
  humanRows: rows.slice(0, 1),
  humanNotes: ["the table shows the first 1 of 3 values"],
  notes: ["a note for every format"],
};

function run(format: "table" | "md" | "csv" | "json") {
  const stdout = sink();
  const stderr = sink();
  printResult(result, { format, stdout, stderr, env: { NO_COLOR: "1" } });
  return { stdout: stdout.text, stderr: stderr.text };
}

describe("notes about the table alone", () => {
  it("the table and Markdown show them beside the other notes", () => {
    for (const format of ["table", "md"] as const) {
      const { stdout } = run(format);
      expect(stdout).toContain("the table shows the first 1 of 3 values");
      expect(stdout).toContain("a note for every format");
      expect(stdout).not.toContain("k2");
    }
  });

  it("CSV and JSON carry every row, and stderr has only the notes that stay true", () => {
    for (const format of ["csv", "json"] as const) {
      const { stdout, stderr } = run(format);
      expect(stdout).toContain("k2");
      expect(stderr).toContain("a note for every format");
      expect(stderr).not.toContain("the table shows");
    }
  });
});
