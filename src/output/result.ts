// What the core hands to the output layer: columns with a kind (which says how a person reads
// the value), rows of plain values, and optional heading lines, a total row and notes.
export type ColumnKind = "text" | "int" | "number" | "usd" | "share" | "ms" | "bytes" | "time";

export interface Column {
  key: string;
  /** Header in table and Markdown output; CSV and JSON always use `key`. */
  title?: string;
  kind: ColumnKind;
  /** Draw a bar next to a share in the table. */
  bar?: boolean;
  /** Only in machine formats (CSV/JSON), e.g. full query text or raw keys. */
  machineOnly?: boolean;
  /** Only in human formats (table/md). */
  humanOnly?: boolean;
  /** Truncate text to this many characters in the table. */
  maxWidth?: number;
  /**
   * A table too wide for the terminal may leave this column out (CSV, JSON and Markdown keep it).
   * `true` columns give way first, leftmost first; then numbered ones, lowest number first.
   */
  optional?: true | number;
  align?: "left" | "right";
  /** Never cut to fit (a drawing already sized to the width, such as a waterfall's bars; a name capped by maxWidth). */
  fixed?: true;
}

export type Row = Record<string, unknown>;

export interface TableResult {
  columns: Column[];
  rows: Row[];
  /** The rows table and Markdown show, when fewer than `rows` (CSV and JSON keep them all). */
  humanRows?: Row[];
  /** A last row set apart in human output (a total). */
  total?: Row;
  /** Also write the total row as the last CSV row (it is always in human output). */
  csvTotal?: boolean;
  /** Markdown only: lines of ready Markdown (user text already escaped) before everything else, e.g. a title and a verdict. */
  mdLead?: string[];
  /** Lines above the table in human formats. */
  heading?: string[];
  /** Footnotes: dim under the table; on stderr for machine formats. */
  notes?: string[];
  /** Footnotes about the table alone (what it leaves out), which CSV and JSON would make untrue: table and Markdown only. */
  humanNotes?: string[];
  /** The JSON document for --format json; defaults to the rows. */
  json?: unknown;
  /** Columns the table, heading and notes fit (default 100); a waterfall passes the terminal's. */
  width?: number;
}
