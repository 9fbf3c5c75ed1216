// --format table: aligned columns for a person, fitted to the terminal's width, colour only where
// colorsFor allows it. cli-table3 is loaded when a table is drawn, not when the registry is read.
import { createRequire } from "node:module";
import type TableModule from "cli-table3";
import type { Column, TableResult } from "../result.js";
import { humanCell, humanColumns, isRightAligned } from "../columns.js";
import { displayWidth, stripControl, truncate, wrapText } from "../text.js";
import { widenTextColumns } from "../table-width.js";
import type { FormatContext } from "./index.js";

const require = createRequire(import.meta.url);

export function formatTable(result: TableResult, { colors, width: columnsAvailable }: FormatContext): string {
  const lines: string[] = [];
  const notes = [...(result.humanNotes ?? []), ...(result.notes ?? [])];
  const width = result.width ?? columnsAvailable ?? TABLE_WIDTH;
  for (const line of result.heading ?? []) lines.push(...wrapText(stripControl(line), width));
  if (result.heading?.length) lines.push("");
  if (humanColumns(result).length === 0 || ((result.humanRows ?? result.rows).length === 0 && !result.total)) {
    lines.push(colors.dim("(no rows)"));
  } else {
    const { columns, cells, total, widths, dropped } = fitTable(result, width);
    if (dropped.length) notes.unshift(`${dropped.join(", ")}: left out to fit ${width} columns (a wider terminal, or --format csv, shows them).`);
    const hasHeader = columns.some((c) => (c.title ?? c.key) !== "");
    const Table = require("cli-table3") as typeof TableModule;
    const table = new Table({
      head: hasHeader ? columns.map((c) => colors.bold(c.title ?? c.key)) : [],
      colWidths: widths,
      colAligns: columns.map((c) => (isRightAligned(c) ? "right" : "left")),
      style: { head: [], border: [], compact: true, "padding-left": 0, "padding-right": 0 },
      chars: {
        top: "", "top-mid": "", "top-left": "", "top-right": "",
        bottom: "", "bottom-mid": "", "bottom-left": "", "bottom-right": "",
        left: "", "left-mid": "", mid: "", "mid-mid": "", right: "", "right-mid": "", middle: GUTTER,
      },
    });
    for (const row of cells) table.push(row);
    if (total) table.push(total.map((cell) => colors.bold(cell)));
    const rendered = table.toString().split("\n").map((line) => line.trimEnd());
    // A rule under the header, and one above the total row.
    const rule = colors.dim("─".repeat(tableWidth(widths)));
    if (hasHeader) lines.push(rendered[0]!, rule);
    const body = hasHeader ? rendered.slice(1) : rendered;
    if (total) lines.push(...body.slice(0, -1), rule, body[body.length - 1]!);
    else lines.push(...body);
  }
  if (notes.length) {
    lines.push("");
    for (const note of notes) lines.push(...wrapText(stripControl(note), width).map((l) => colors.dim(l)));
  }
  return lines.join("\n") + "\n";
}

/** Tables, headings and notes fit this many columns (DESIGN: a 100-column terminal). */
const TABLE_WIDTH = 100;
const GUTTER = "  ";
// Text columns are first cut down to their title or this, whichever is wider.
const MIN_TEXT_WIDTH = 12;

const tableWidth = (widths: number[]) => widths.reduce((sum, w) => sum + w, 0) + GUTTER.length * (widths.length - 1);

/**
 * The table's columns, cells and widths, fitted to its width (TABLE_WIDTH unless it says) by giving up, in this order and
 * only as far as needed: the share bars; characters of the widest left-aligned text column
 * (names, queries, levers; cut with …) down to MIN_TEXT_WIDTH or its title; optional columns
 * (Column.optional's order); text characters down to the title. Numbers are never cut. Each column is as
 * wide as its widest cell.
 */
function fitTable(result: TableResult, maxWidth: number): { columns: Column[]; cells: string[][]; total?: string[]; widths: number[]; dropped: string[] } {
  let columns = widenTextColumns(humanColumns(result), result.humanRows ?? result.rows, maxWidth);
  let withBars = true;
  const render = () => {
    const cells = (result.humanRows ?? result.rows).map((row) => columns.map((c) => humanCell(c, row[c.key], withBars)));
    const total = result.total ? columns.map((c) => humanCell(c, result.total![c.key], withBars)) : undefined;
    const titles = columns.map((c) => c.title ?? c.key);
    // At least 1: cli-table3 draws an empty column one cell wide, and the fit must count what it draws.
    const widths = columns.map((_, i) => Math.max(1, displayWidth(titles[i]!), ...[...cells, ...(total ? [total] : [])].map((r) => displayWidth(r[i]!))));
    return { cells, total, widths };
  };
  let fitted = render();
  if (tableWidth(fitted.widths) > maxWidth && columns.some((c) => c.bar)) {
    withBars = false;
    fitted = render();
  }
  const titleWidth = (c: Column) => displayWidth(c.title ?? c.key);
  shrinkText(columns, fitted.widths, (c) => Math.max(titleWidth(c), MIN_TEXT_WIDTH), maxWidth);
  const dropRank = (c: Column) => (c.optional === true ? 0 : c.optional ?? Infinity);
  while (tableWidth(fitted.widths) > maxWidth && columns.some((c) => c.optional)) {
    const drop = columns.reduce((best, c, i) => (dropRank(c) < dropRank(columns[best]!) ? i : best), 0);
    columns = columns.filter((_, i) => i !== drop);
    fitted = render();
    shrinkText(columns, fitted.widths, (c) => Math.max(titleWidth(c), MIN_TEXT_WIDTH), maxWidth);
  }
  shrinkText(columns, fitted.widths, (c) => Math.max(titleWidth(c), 1), maxWidth);
  // Last, on a narrow terminal: whole columns from the right (the first, the row's name, stays),
  // named in a note so that nothing disappears unsaid.
  const dropped: string[] = [];
  while (tableWidth(fitted.widths) > maxWidth && columns.length > 1) {
    dropped.unshift(columns[columns.length - 1]!.title || columns[columns.length - 1]!.key);
    columns = columns.slice(0, -1);
    fitted = render();
    shrinkText(columns, fitted.widths, (c) => Math.max(titleWidth(c), 1), maxWidth);
  }
  const fit = (row: string[]) => row.map((cell, i) => truncate(cell, fitted.widths[i]!));
  return { columns, cells: fitted.cells.map(fit), total: fitted.total && fit(fitted.total), widths: fitted.widths, dropped };
}

/** Narrow the widest left-aligned text column a character at a time (not below `floor`) until the table fits. */
function shrinkText(columns: Column[], widths: number[], floor: (column: Column) => number, maxWidth = TABLE_WIDTH): void {
  const shrinkable = columns.map((c, i) => (c.kind === "text" && !isRightAligned(c) && !c.fixed ? i : -1)).filter((i) => i >= 0);
  while (tableWidth(widths) > maxWidth) {
    const candidates = shrinkable.filter((i) => widths[i]! > floor(columns[i]!));
    if (candidates.length === 0) return;
    const widest = candidates.reduce((a, b) => (widths[b]! > widths[a]! ? b : a));
    widths[widest]!--;
  }
}
