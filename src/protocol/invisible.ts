/**
 * The characters refused in a MAIL/RCPT path and in an ESMTP parameter value even where
 * RFC 6531 lets UTF-8 in: one list, so that an address and the same address in `ORCPT=`
 * are held to the same rule. Pure.
 * @module
 */

/**
 * The body of a regular-expression character class (no brackets): white space other than
 * ASCII's (U+00A0, U+1680, the Zs up to U+200A, U+202F, U+205F, U+3000, U+FEFF), zero-width
 * space (U+200B) and word joiner (U+2060), the other invisible format characters (soft hyphen
 * U+00AD, U+180E, the invisible operators U+2061-U+2064, the deprecated U+206A-U+206F), and
 * the bidi marks, embeddings, overrides and isolates (U+061C, U+200E, U+200F, U+202A-U+202E,
 * U+2066-U+2069). Invisible or mistaken for a blank, they make a value that looks like
 * another; IDNA 2008 refuses them in a domain. ZWNJ and ZWJ (U+200C, U+200D) are
 * not among them: Persian and Indic scripts need them inside words, so a UTF-8 mailbox
 * (RFC 6531) may hold them.
 */
export const INVISIBLE_CLASS = "\\u00a0\\u00ad\\u061c\\u1680\\u180e\\u2000-\\u200b\\u200e\\u200f\\u202a-\\u202f\\u205f-\\u2064\\u2066-\\u206f\\u3000\\ufeff";

/** A character of {@link INVISIBLE_CLASS}. */
export const INVISIBLE_IN_PATH = new RegExp(`[${INVISIBLE_CLASS}]`);

/** The words that say what a character of {@link INVISIBLE_CLASS} is, for an error message. */
export const INVISIBLE_WORDS = "Unicode white space, a zero-width, invisible or bidi control character";
