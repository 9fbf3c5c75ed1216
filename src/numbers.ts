// Reading the numbers people type, on the command line and in config and scenario files: counts
// with suffixes (2e9, 2B, 500M, 1.5k) and shares (0.3, 30%). Each returns undefined rather than
// guess, so the compiler makes every caller decide what a bad value means (a flag's UsageError in
// src/commands/options.ts, a config file's error at its line in src/model/config.ts): a comma is a
// thousands separator only in groups of three (1,500,000), never a decimal comma (1,5M), and a
// value too large for a double (1e400) is no count. Below every layer: it knows only text.

const SUFFIX: Record<string, number> = { k: 1e3, m: 1e6, b: 1e9, g: 1e9, t: 1e12 };

// Digits with `_` between them (2_000_000), or comma-grouped thousands (2,000,000).
const COUNT_RE = /^\s*((?:[0-9]{1,3}(?:,[0-9]{3})+|[0-9]+(?:_[0-9]+)*)(?:\.[0-9]+)?(?:e[+-]?[0-9]+)?)\s*([kmbgt])?\s*$/i;

/** A count such as 2000000000, 2e9, 2B, 500M, 1.5k, 2_000_000, 2,000,000; undefined when it is not one. */
export function readCount(text: string): number | undefined {
  const match = COUNT_RE.exec(text);
  if (!match) return undefined;
  const value = Number(match[1]!.replace(/[_,]/g, "")) * (match[2] ? SUFFIX[match[2].toLowerCase()]! : 1);
  return Number.isFinite(value) ? value : undefined;
}

/** A share given as 0.3 or 30% (any sign or size: the caller bounds it); undefined when it is not one. */
export function readShare(text: string): number | undefined {
  const match = /^\s*(-?[0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*(%)?\s*$/i.exec(text);
  if (!match) return undefined;
  const value = Number(match[1]) / (match[2] ? 100 : 1);
  return Number.isFinite(value) ? value : undefined;
}
