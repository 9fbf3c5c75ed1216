// "Did you mean …?": the known name closest to a mistyped one (config keys, --by keys, stages,
// levers). Its own module so that an analysis suggesting a name loads no config schema.

/** " (did you mean 'x'?)" for the closest known name, when it is close. */
export function suggest(word: string, known: readonly string[]): string {
  const best = closest(word, known);
  return best ? ` (did you mean '${best}'?)` : "";
}

/**
 * The known name fewest edits from `word` (case aside), when within max(2, ⌊length/3⌋) edits; of
 * names equally close, the first in `known`'s order (a config key's error lists them in it).
 */
export function closest(word: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of known) {
    const d = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      bestDistance = d;
      best = candidate;
    }
  }
  return best !== undefined && bestDistance <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}
