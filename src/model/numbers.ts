// Parsing the numbers people type: counts with suffixes (2e9, 2B, 500M, 1.5k), shares (0.3, 30%)
// and limits (5%). Each returns NaN (or throws, for limits) rather than guess: a comma is a
// thousands separator only in groups of three (1,500,000), never a decimal comma (1,5M), and a
// value too large for a double (1e400) is no count.

const SUFFIX: Record<string, number> = { k: 1e3, m: 1e6, b: 1e9, g: 1e9, t: 1e12 };

// Digits with `_` between them (2_000_000), or comma-grouped thousands (2,000,000).
const COUNT_RE = /^\s*((?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+(?:_[0-9]+)*)(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?)\s*([kmbgt])?\s*$/i;

/** A count such as 2000000000, 2e9, 2B, 500M, 1.5k, 2_000_000, 2,000,000; NaN when it is not one. */
export function parseCount(text: string): number {
  const match = COUNT_RE.exec(text);
  if (!match) return NaN;
  const value = Number(match[1]!.replace(/[_,]/g, "")) * (match[2] ? SUFFIX[match[2].toLowerCase()]! : 1);
  return Number.isFinite(value) ? value : NaN;
}

/** A share given as 0.3 or 30%; NaN when it is not one. */
export function parseShare(text: string): number {
  const match = /^\s*(-?[0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*(%)?\s*$/i.exec(text);
  if (!match) return NaN;
  const value = Number(match[1]) / (match[2] ? 100 : 1);
  return Number.isFinite(value) ? value : NaN;
}

/**
 * A relative limit such as `5%` or `0.05`. A bare number above 1 is refused rather than read as
 * a fraction (`5` would be 500%): the message suggests `5%`. Returns a message on error.
 */
export function parseLimit(text: string): { value: number } | { error: string } {
  const value = parseShare(text);
  if (!Number.isFinite(value) || value < 0) return { error: `expects a percentage like 5% or a fraction like 0.05, got '${text}'` };
  if (!text.includes("%") && value > 1) return { error: `'${text}' would mean ${+(value * 100).toFixed(4)}%: write ${text.trim()}% for ${text.trim()} percent (a bare number is a fraction ≤ 1)` };
  return { value };
}
