/**
 * Cutting a body into pieces for property tests.
 * @module
 */

/**
 * `whole` cut at `cuts` (fractions of its length, in any order), empty pieces where two cuts
 * meet: the pieces, joined, are `whole`.
 */
export function cutAtFractions<T extends string | Buffer>(whole: T, cuts: readonly number[]): T[] {
  const at = cuts.map((c) => Math.floor(c * whole.length)).sort((a, b) => a - b);
  const pieces: T[] = [];
  let prev = 0;
  for (const end of [...at, whole.length]) {
    pieces.push(whole.slice(prev, end) as T);
    prev = end;
  }
  return pieces;
}
