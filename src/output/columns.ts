// Which of a result's columns each kind of output shows, and how a person reads a cell: what the
// table and Markdown formats (src/output/formats/) and the path views share.
import type { Column, TableResult } from "./result.js";
import { formatBytes, formatCount, formatMs, formatShare, formatUsd, shareBar } from "./units.js";
import { stripControl, truncate } from "./text.js";

/** The columns a person sees (table, Markdown). */
export function humanColumns(result: TableResult): Column[] {
  return result.columns.filter((c) => !c.machineOnly);
}

/** The columns a program reads (CSV, JSON, Arrow). */
export function machineColumns(result: TableResult): Column[] {
  return result.columns.filter((c) => !c.humanOnly);
}

export function humanCell(column: Column, value: unknown, withBar: boolean): string {
  if (value === null || value === undefined || value === "") return column.kind === "text" ? "" : "–";
  const n = typeof value === "number" ? value : Number(value);
  switch (column.kind) {
    case "usd":
      return formatUsd(n);
    case "share":
      return withBar && column.bar ? `${formatShare(n).padStart(6)} ${shareBar(n, 7).padEnd(7)}` : formatShare(n);
    case "ms":
      return formatMs(n);
    case "int":
    case "number":
      return formatCount(n);
    case "bytes":
      return formatBytes(n);
    default: {
      const text = stripControl(String(value));
      return column.maxWidth ? truncate(text, column.maxWidth) : text;
    }
  }
}

export function isRightAligned(column: Column): boolean {
  return column.align ? column.align === "right" : column.kind !== "text" && column.kind !== "time";
}
