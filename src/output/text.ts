// Cleaning text that came from data before it reaches a terminal or a spreadsheet.

// C0 and C1 control characters (ESC, BEL, CR, the CSI introducer…) except none: tables are one line per cell.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** Replace control characters so no escape sequence from span data reaches a terminal. */
export function stripControl(text: string): string {
  return text.replace(CONTROL, "�");
}

export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return text.slice(0, Math.max(0, max - 1)) + "…";
}
