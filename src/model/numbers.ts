// Parsing the numbers people type: counts with suffixes (2e9, 2B, 500M, 1.5k) and shares
// (0.3, 30%).

const SUFFIX: Record<string, number> = { k: 1e3, m: 1e6, b: 1e9, g: 1e9, t: 1e12 };

/** A count such as 2000000000, 2e9, 2B, 500M, 1.5k, 2_000_000; NaN when it is not one. */
export function parseCount(text: string): number {
  const match = /^\s*([0-9][0-9_,]*(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?)\s*([kmbgt])?\s*$/i.exec(text);
  if (!match) return NaN;
  const value = Number(match[1]!.replace(/[_,]/g, ""));
  return value * (match[2] ? SUFFIX[match[2].toLowerCase()]! : 1);
}

/** A share given as 0.3 or 30%; NaN when it is not one. */
export function parseShare(text: string): number {
  const match = /^\s*(-?[0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*(%)?\s*$/i.exec(text);
  if (!match) return NaN;
  return Number(match[1]) / (match[2] ? 100 : 1);
}
