// Small text helpers shared by the JSON readers.
export { quoteBigNumbers } from "./span.js";

export function stripBomText(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
