/**
 * The "did you mean" of an unknown option key, for every check that refuses one (the
 * client's, a call's and the debugging server's options through `checkKnownKeys`, the TLS
 * options through `checkKnownTLSKeys`): one rule, so that `{ timout: 5 }` and `{ servrname }`
 * are each told the key meant. No I/O.
 * @module
 */

/**
 * The number of single-character edits (insert, delete, replace, swap two neighbours) that
 * turn `a` into `b` (optimal string alignment distance). Quadratic: called only for strings
 * whose lengths are within two of a known key's (see {@link nearestKey}).
 */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The most edits a suggestion may be away: a key of four characters or fewer gets one. */
const MAX_EDITS = 2;

/**
 * The key of `known` that `key` most likely misspells, compared without case: the same
 * letters in another case (`CA`, `requireTls`), else the nearest within two edits (`timout`,
 * `rejectUnauthorised`; one for a key of four characters or fewer, where two would make
 * almost any short key "near"); the first in `known` of those equally near; `undefined` when
 * none is. The cost is bounded whatever `key`'s length (a hostile caller's): a key longer
 * than every known one by more than two characters is near none, and is not even lowered.
 */
export function nearestKey(key: string, known: readonly string[]): string | undefined {
  if (!known.some((k) => key.length <= k.length + MAX_EDITS)) return undefined;
  const lower = key.toLowerCase();
  const sameLetters = known.find((k) => k.toLowerCase() === lower);
  if (sameLetters !== undefined) return sameLetters;
  const limit = lower.length <= 4 ? 1 : MAX_EDITS;
  let best: string | undefined;
  let bestDistance = limit + 1;
  for (const k of known) {
    // Lengths further apart than the limit cannot be within it.
    if (Math.abs(k.length - lower.length) > limit) continue;
    const distance = editDistance(lower, k.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [k, distance];
  }
  return best;
}

/**
 * The hint an "unknown option" message gives for `key`: ` (did you mean "timeout"?)` when a
 * key of `known` is near (see {@link nearestKey}), else the empty string.
 */
export function didYouMean(key: string, known: readonly string[]): string {
  const near = nearestKey(key, known);
  return near === undefined ? "" : ` (did you mean ${JSON.stringify(near)}?)`;
}
