// Cleaning text that came from data before it reaches a terminal or a spreadsheet: control
// characters (escape sequences, bell, carriage return), Unicode format characters (bidi
// overrides and isolates that reorder what a reader sees, zero-width characters), and the line
// and paragraph separators. Tables, Markdown and every stderr message go through here; CSV and
// JSON keep the data exact unless they are printed on a terminal.
import { createRequire } from "node:module";
import type StringWidth from "string-width";

// stripControl and messageLine live with the stderr writer (src/diagnostics.ts), which every layer may use.
export { messageLine, stripControl } from "../diagnostics.js";

// What JSON.stringify leaves raw: it escapes U+0000–U+001F itself, but not DEL, C1, format
// characters or the separators.
const UNSAFE_IN_JSON = /[\u007f-\u009f\p{Cf}\u2028\u2029]/gu;

/** JSON text with every unsafe character written as a \uXXXX escape: the same document, safe to print. */
export function escapeJsonControl(json: string): string {
  // Astral format characters (U+E0001 tags…) are two UTF-16 units: escape each, as JSON does.
  return json.replace(UNSAFE_IN_JSON, (c) => {
    let escaped = "";
    for (let i = 0; i < c.length; i++) escaped += `\\u${c.charCodeAt(i).toString(16).padStart(4, "0")}`;
    return escaped;
  });
}

/**
 * string-width (CommonJS, with its emoji table, ~10 ms of CPU to load), required when a width is
 * first measured: a command writing CSV or JSON never does.
 */
let stringWidth: typeof StringWidth | undefined;

/**
 * Terminal cells `text` takes (text without escape sequences), measured as cli-table3 measures
 * cells, so a column fitted here is not cut again by the table.
 */
export function displayWidth(text: string): number {
  stringWidth ??= createRequire(import.meta.url)("string-width") as typeof StringWidth;
  return stringWidth(text);
}

/** `text` cut to at most `max` terminal cells, ending in … when cut. */
export function truncate(text: string, max: number): string {
  if (displayWidth(text) <= max) return text;
  let out = "";
  let width = 0;
  for (const c of text) {
    width += displayWidth(c);
    if (width > max - 1) break;
    out += c;
  }
  return out + "…";
}

/** Lines of at most `width` cells, broken at spaces (a longer word is cut); continuation lines indented by two. */
export function wrapText(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    const candidate = line === "" ? word : `${line} ${word}`;
    if (displayWidth(candidate) <= width || line.trim() === "") {
      line = candidate;
    } else {
      lines.push(line);
      line = `  ${word}`;
    }
    while (displayWidth(line) > width) {
      const head = truncate(line, width + 1).slice(0, -1); // the first `width` cells
      lines.push(head);
      line = `  ${line.slice(head.length)}`;
    }
  }
  lines.push(line);
  return lines;
}
