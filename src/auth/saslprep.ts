/**
 * SASLprep-lite (RFC 4013 profile of stringprep, RFC 3454) for SCRAM user names and passwords.
 *
 * What it does: maps non-ASCII spaces (table C.1.2) to U+0020, removes the characters
 * "commonly mapped to nothing" (table B.1: soft hyphen, zero-width joiners, variation
 * selectors, ...), normalises to NFKC, then refuses the prohibited characters (tables
 * C.2.1-C.9): ASCII and non-ASCII controls, private use, non-characters, lone surrogates,
 * characters inappropriate for plain or canonical text, display-changing and tagging
 * characters.
 *
 * What it does not do: the bidirectional check (RFC 3454 §6) and the refusal of code
 * points unassigned in Unicode 3.2. Both are "query" leniency as RFC 4013 §2.5 allows; a
 * server that stores SASLprep'd secrets still compares correctly for every string this
 * accepts and prepares the same way.
 * @module
 */

/** Table C.1.2: non-ASCII space characters, mapped to SPACE. */
const NON_ASCII_SPACE = /[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]/g;
/** Table B.1: commonly mapped to nothing (as [first, last] code point ranges). */
const MAPPED_TO_NOTHING: readonly (readonly [number, number])[] = [
  [0x00ad, 0x00ad], [0x034f, 0x034f], [0x1806, 0x1806], [0x180b, 0x180d],
  [0x200b, 0x200d], [0x2060, 0x2060], [0xfe00, 0xfe0f], [0xfeff, 0xfeff],
];

function mappedToNothing(char: string): boolean {
  const cp = char.codePointAt(0) ?? 0;
  return MAPPED_TO_NOTHING.some(([first, last]) => cp >= first && cp <= last);
}

/** Tables C.2.1 to C.9 (C.1.2 is mapped away before this is tested). */
const PROHIBITED = new RegExp(
  [
    "[\\u0000-\\u001f\\u007f-\\u009f]", // C.2.1, C.2.2 controls
    "[\\u06dd\\u070f\\u180e\\u2028\\u2029\\u2061-\\u2063\\u206a-\\u206f]", // C.2.2 (U+200C/D, 2060, FEFF are mapped away)
    "[\\ufff9-\\ufffd]", // C.2.2, C.6
    "[\\u{1d173}-\\u{1d17a}]", // C.2.2 musical controls
    "\\p{Co}", // C.3 private use
    "[\\ufdd0-\\ufdef]", // C.4 non-characters
    "[\\ufffe\\uffff\\u{1fffe}\\u{1ffff}\\u{2fffe}\\u{2ffff}\\u{3fffe}\\u{3ffff}\\u{4fffe}\\u{4ffff}]",
    "[\\u{5fffe}\\u{5ffff}\\u{6fffe}\\u{6ffff}\\u{7fffe}\\u{7ffff}\\u{8fffe}\\u{8ffff}\\u{9fffe}\\u{9ffff}]",
    "[\\u{afffe}\\u{affff}\\u{bfffe}\\u{bffff}\\u{cfffe}\\u{cffff}\\u{dfffe}\\u{dffff}\\u{efffe}\\u{effff}]",
    "[\\u{ffffe}\\u{fffff}\\u{10fffe}\\u{10ffff}]",
    "\\p{Cs}", // C.5 lone surrogates
    "[\\u2ff0-\\u2ffb]", // C.7
    "[\\u0340\\u0341\\u200e\\u200f\\u202a-\\u202e]", // C.8
    "[\\u{e0001}\\u{e0020}-\\u{e007f}]", // C.9 tagging
  ].join("|"),
  "u",
);

/**
 * Prepares a SCRAM user name or password by SASLprep-lite (see the module comment).
 * Throws `TypeError` naming `what` (never the value) when the string holds a prohibited
 * character, or is empty after preparation.
 */
export function saslprep(value: string, what: string): string {
  const spaced = value.replace(NON_ASCII_SPACE, " ");
  const mapped = Array.from(spaced).filter((c) => !mappedToNothing(c)).join("").normalize("NFKC");
  if (PROHIBITED.test(mapped)) throw new TypeError(`${what} contains a character SASLprep prohibits (RFC 4013 §2.3)`);
  if (mapped.length === 0 && value.length > 0) throw new TypeError(`${what} is empty after SASLprep (RFC 4013)`);
  return mapped;
}
