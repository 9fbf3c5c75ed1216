// How wide a table may be, and who gets the room. Tables fit the terminal: its columns
// (process.stdout.columns) when stdout is one, at least MIN_COLUMNS (COLUMNS when the terminal
// reports no size); piped or written to a file, DEFAULT_COLUMNS, so that a file's bytes do not
// depend on the window it was made in. Width past the
// default goes to the text cells a table cut to fit (queries, names, sources), never to numbers.
import type { Column, Row } from "./result.js";
import { displayWidth, stripControl } from "./text.js";

/** The width tables are laid out for when nothing says otherwise (DESIGN: a 100-column terminal). */
export const DEFAULT_COLUMNS = 100;
/** Narrower than this, a table of numbers cannot be read at all: it is laid out for this and wraps. */
export const MIN_COLUMNS = 60;

/**
 * The columns a table fits: on a terminal, its size (else COLUMNS); else DEFAULT_COLUMNS; never
 * below MIN_COLUMNS.
 */
export function tableColumns(stdout: { isTTY?: boolean; columns?: number }, env: NodeJS.ProcessEnv): number {
  if (!stdout.isTTY) return DEFAULT_COLUMNS;
  const fromTerminal = stdout.columns ?? 0;
  const fromEnv = Number(env.COLUMNS);
  const columns = fromTerminal || (Number.isFinite(fromEnv) && fromEnv > 0 ? Math.floor(fromEnv) : 0) || DEFAULT_COLUMNS;
  return Math.max(MIN_COLUMNS, columns);
}

/**
 * The columns with the width past DEFAULT_COLUMNS handed out to capped text columns (maxWidth)
 * whose cells are longer than the cap: a character at a time to each in turn, never more than its
 * longest cell needs. Columns are returned as given when there is no extra width.
 */
export function widenTextColumns(columns: Column[], rows: Row[], width: number): Column[] {
  let extra = width - DEFAULT_COLUMNS;
  if (extra <= 0) return columns;
  const need = columns.map((c) => {
    if (c.kind !== "text" || !c.maxWidth || c.fixed) return 0;
    return Math.max(0, ...rows.map((r) => (r[c.key] === null || r[c.key] === undefined ? 0 : displayWidth(stripControl(String(r[c.key])))))) - c.maxWidth;
  });
  const grant = columns.map(() => 0);
  while (extra > 0) {
    let given = false;
    for (let i = 0; i < columns.length && extra > 0; i++) {
      if (grant[i]! < need[i]!) {
        grant[i]!++;
        extra--;
        given = true;
      }
    }
    if (!given) break;
  }
  return columns.map((c, i) => (grant[i] ? { ...c, maxWidth: c.maxWidth! + grant[i]! } : c));
}
