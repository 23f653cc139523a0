/**
 * SASLprep (RFC 4013, the stringprep profile of RFC 3454) for SCRAM user names and
 * passwords, by `@mongodb-js/saslprep`, the implementation MongoDB's drivers use for their
 * own SCRAM: non-ASCII spaces mapped to U+0020, the characters "commonly mapped to
 * nothing" removed, NFKC, the prohibited characters (tables C.1.2-C.9) refused, and the
 * bidirectional check (RFC 3454 §6) applied. Code points unassigned in Unicode 3.2 are
 * allowed, as RFC 4013 §2.5 allows for "queries" (a client preparing what it sends).
 *
 * Printable ASCII, which SASLprep leaves as it is, is returned at once. The library is
 * loaded on the first string that needs it: its code-point tables take ~15 ms to load.
 * @module
 */

import { createRequire } from "node:module";

type Prepare = (input: string, options?: { allowUnassigned?: boolean }) => string;

/** Table B.1, "commonly mapped to nothing", as [first, last] code point ranges. */
const MAPPED_TO_NOTHING: readonly (readonly [number, number])[] = [
  [0x00ad, 0x00ad], [0x034f, 0x034f], [0x1806, 0x1806], [0x180b, 0x180d],
  [0x200b, 0x200d], [0x2060, 0x2060], [0xfe00, 0xfe0f], [0xfeff, 0xfeff],
];

/**
 * True when every character of a non-empty `value` is in table B.1: the string is then
 * empty after SASLprep (which the library does not report: it fails on the empty result).
 */
function onlyMappedToNothing(value: string): boolean {
  if (value === "") return false;
  for (const char of value) {
    const cp = char.codePointAt(0)!;
    if (!MAPPED_TO_NOTHING.some(([first, last]) => cp >= first && cp <= last)) return false;
  }
  return true;
}

/** Printable ASCII: SASLprep leaves it as it is (nothing mapped, NFKC-stable, nothing prohibited, no RandALCat). */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

let prepare: Prepare | undefined;

function load(): Prepare {
  prepare ??= (createRequire(import.meta.url)("@mongodb-js/saslprep") as { saslprep: Prepare }).saslprep;
  return prepare;
}

/** Why the library refused a string, in our words: its message is never passed on as is. */
function reason(err: unknown): string {
  // The library spreads the string's code points as call arguments: a very long string
  // overflows the stack.
  if (err instanceof RangeError) return "is too long for SASLprep";
  const message = err instanceof Error ? err.message : "";
  if (/bidirectional|RandALCat|LCat/i.test(message)) {
    return "mixes right-to-left and left-to-right text, or does not start and end with right-to-left text (RFC 3454 §6)";
  }
  if (/prohibited/i.test(message)) return "contains a character SASLprep prohibits (RFC 4013 §2.3)";
  return "is not valid SASLprep input (RFC 4013)";
}

/**
 * Prepares a SCRAM user name or password by SASLprep (see the module comment).
 * Throws `TypeError` naming `what` (never the value) when the string holds a prohibited
 * character, fails the bidirectional check, or is empty after preparation.
 */
export function saslprep(value: string, what: string): string {
  if (PRINTABLE_ASCII.test(value)) return value;
  if (onlyMappedToNothing(value)) throw new TypeError(`${what} is empty after SASLprep (RFC 4013)`);
  try {
    return load()(value, { allowUnassigned: true });
  } catch (err) {
    // The library's messages never hold the input, so its error may be the cause.
    throw new TypeError(`${what} ${reason(err)}`, { cause: err });
  }
}
