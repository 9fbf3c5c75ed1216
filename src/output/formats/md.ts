// --format md: a GitHub-flavoured Markdown table (for CI comments and summary.md), every cell
// escaped so that data cannot break the table or inject HTML.
import type { Column, TableResult } from "../result.js";
import { humanCell, humanColumns, isRightAligned } from "../columns.js";
import { stripControl } from "../text.js";
import type { FormatContext } from "./index.js";

export function formatMarkdown(result: TableResult, _ctx?: FormatContext): string {
  const columns = humanColumns(result);
  const lines: string[] = [];
  if (result.mdLead?.length) lines.push(...result.mdLead, "");
  for (const line of result.heading ?? []) lines.push(mdText(line) + "  ");
  if (result.heading?.length) lines.push("");
  const cell = (c: Column, v: unknown) => mdText(humanCell({ ...c, maxWidth: undefined }, v, false));
  lines.push(`| ${columns.map((c) => mdText(c.title ?? c.key)).join(" | ")} |`);
  lines.push(`|${columns.map((c) => (isRightAligned(c) ? "---:" : ":---")).join("|")}|`);
  for (const row of result.humanRows ?? result.rows) lines.push(`| ${columns.map((c) => cell(c, row[c.key])).join(" | ")} |`);
  if (result.total) lines.push(`| ${columns.map((c) => `**${cell(c, result.total![c.key])}**`.replace(/^\*\*\*\*$/, "")).join(" | ")} |`);
  const notes = [...(result.humanNotes ?? []), ...(result.notes ?? [])];
  if (notes.length) {
    lines.push("");
    for (const note of notes) lines.push(`<sub>${mdText(note)}</sub>  `);
  }
  return lines.join("\n") + "\n";
}

/** Markdown-safe text: no control characters, pipes and HTML escaped, one line. */
export function mdText(text: string): string {
  return stripControl(text)
    .replace(/\\/g, "\\\\")
    .replace(/\|/g, "\\|")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/`/g, "\\`");
}
