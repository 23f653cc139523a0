/**
 * SASLprep (RFC 4013, the stringprep profile of RFC 3454) for SCRAM user names and
 * passwords, by `@mongodb-js/saslprep`, the implementation MongoDB's drivers use for their
 * own SCRAM: non-ASCII spaces mapped to U+0020, the characters "commonly mapped to
 * nothing" removed, NFKC, the prohibited characters (tables C.1.2-C.9) refused, and the
 * bidirectional check (RFC 3454 §6) applied.
 *
 * Two choices of ours:
 * - Code points unassigned in Unicode 3.2 are allowed: RFC 4013 §2.5 allows it for
 *   "queries". RFC 5802 §2.2 asks SCRAM to treat names and passwords as "stored strings",
 *   which refuses them, but that would refuse every emoji and every script added since
 *   2002 in a password that the server accepts.
 * - U+200B (ZERO WIDTH SPACE) is in both table C.1.2 (mapped to a space) and table B.1
 *   (mapped to nothing). Like the library and GNU libidn, we map it to a space.
 *
 * Printable ASCII, which SASLprep leaves as it is, is returned at once. The library is
 * loaded on the first string that needs it: its code-point tables take ~15 ms to load.
 * @module
 */

import { createRequire } from "node:module";

type Prepare = (input: string, options?: { allowUnassigned?: boolean }) => string;

/** Table B.1 without U+200B (mapped to a space first, see the module comment), as [first, last] ranges. */
const MAPPED_TO_NOTHING: readonly (readonly [number, number])[] = [
  [0x00ad, 0x00ad], [0x034f, 0x034f], [0x1806, 0x1806], [0x180b, 0x180d],
  [0x200c, 0x200d], [0x2060, 0x2060], [0xfe00, 0xfe0f], [0xfeff, 0xfeff],
];

/** Printable ASCII: SASLprep leaves it as it is (nothing mapped, NFKC-stable, nothing prohibited, no RandALCat). */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/**
 * Table C.4, the non-characters. The library's table lacks U+FFFFE and U+FFFFF, so the
 * result is checked again with Unicode's own property (non-characters never change).
 */
const NONCHARACTER = /\p{Noncharacter_Code_Point}/u;

/**
 * The longest string prepared, in UTF-16 code units. The library passes every code point
 * as a call argument, so a much longer string would fail or not depending on how deep
 * the call stack is; no real user name or password comes near it.
 */
export const MAX_SASLPREP_LENGTH = 32 * 1024;

let prepare: Prepare | undefined;

function load(): Prepare {
  prepare ??= (createRequire(import.meta.url)("@mongodb-js/saslprep") as { saslprep: Prepare }).saslprep;
  return prepare;
}

/**
 * True when every character of a non-empty `value` is in {@link MAPPED_TO_NOTHING}: the
 * string is then empty after SASLprep (which the library does not report: it fails on
 * the empty result).
 */
function onlyMappedToNothing(value: string): boolean {
  if (value === "") return false;
  for (const char of value) {
    const cp = char.codePointAt(0)!;
    if (!MAPPED_TO_NOTHING.some(([first, last]) => cp >= first && cp <= last)) return false;
  }
  return true;
}

/** The reason given for a prohibited character (ours, or the library's refusal). */
const PROHIBITED = "contains a character SASLprep prohibits (RFC 4013 §2.3)";

/** Why the library refused a string, in our words: its message is never passed on as is. */
function reason(err: unknown): string {
  const message = err instanceof Error ? err.message : "";
  if (/bidirectional|RandALCat|LCat/i.test(message)) {
    return "mixes right-to-left and left-to-right text, or does not start and end with right-to-left text (RFC 3454 §6)";
  }
  if (/prohibited/i.test(message)) return PROHIBITED;
  return "is not valid SASLprep input (RFC 4013)";
}


/**
 * Prepares a SCRAM user name or password by SASLprep (see the module comment).
 * Throws `TypeError` naming `what` (never the value) when the string holds a prohibited
 * character, fails the bidirectional check, is empty after preparation, or is longer than
 * {@link MAX_SASLPREP_LENGTH}.
 */
export function saslprep(value: string, what: string): string {
  if (PRINTABLE_ASCII.test(value)) return value;
  if (value.length > MAX_SASLPREP_LENGTH) throw new TypeError(`${what} is too long for SASLprep (more than ${MAX_SASLPREP_LENGTH} characters)`);
  if (onlyMappedToNothing(value)) throw new TypeError(`${what} is empty after SASLprep (RFC 4013)`);
  const run = load(); // outside the try: a missing module is its own error, not the input's fault
  let prepared: string;
  try {
    prepared = run(value, { allowUnassigned: true });
  } catch (err) {
    // The library's messages never hold the input, so its error may be the cause.
    throw new TypeError(`${what} ${reason(err)}`, { cause: err });
  }
  if (NONCHARACTER.test(prepared)) throw new TypeError(`${what} ${PROHIBITED}`);
  return prepared;
}
