/**
 * The common forms of an address-list element, recognised by linear-time regular
 * expressions instead of the full RFC 5322 parser (`email-addresses`), which builds a node
 * per character and tries every obsolete alternative: tens of microseconds per ordinary
 * mailbox, and time that grows faster than the input for long absurd ones. Pure: no I/O.
 *
 * Each form here is a subset of what that parser accepts, read to the same addr-spec (a
 * property test in test/protocol/address-bounds.test.ts holds the two to it); anything else
 * goes to the parser, as before. Characters from U+0080 up stand where RFC 6532 allows
 * UTF-8 (atext, qtext, ctext), as the parser takes them, one UTF-16 unit at a time.
 * @module
 */

/** RFC 5322 §3.2.3 atext, with RFC 6532 UTF-8. */
const ATEXT = String.raw`[A-Za-z0-9!#$%&'*+\-/=?^_${"`"}{|}~\u0080-\uffff]`;
/** §3.2.4 quoted-string, without FWS line breaks (values are unfolded) or obsolete controls. */
const QUOTED = String.raw`"(?:[ \t\x21\x23-\x5b\x5d-\x7e\u0080-\uffff]|\\[\t\x20-\x7e\u0080-\uffff])*"`;
/** §3.2.2 comment, one level, no quoted-pair: the parser reads anything else. */
const COMMENT = String.raw`\((?:[ \t\x21-\x27\x2a-\x5b\x5d-\x7e\u0080-\uffff])*\)`;
/**
 * A comment beside a bare local part: also without `"`, `,`, `:`, `;`, `<`, `>` or `@`,
 * which the bare-local-part reading (address-list.ts) looks for outside quoted strings.
 */
const BARE_COMMENT = String.raw`\((?:[ \t\x21\x23-\x27\x2a\x2b\x2d-\x39\x3d\x3f\x41-\x5b\x5d-\x7e\u0080-\uffff])*\)`;
const DOT_ATOM = `${ATEXT}+(?:\\.${ATEXT}+)*`;
/** An RFC 5321 §4.1.3 address literal as the parser's domain-literal reads it: no blanks. */
const LITERAL = String.raw`\[[\x21-\x5a\x5e-\x7e]+\]`;
/** A local part (group 1): a dot-atom or a quoted string. */
const LOCAL = `(${DOT_ATOM}|${QUOTED})`;
/** addr-spec: local part (group 1), domain (group 2). */
const ADDR_SPEC = `${LOCAL}@(${DOT_ATOM}|${LITERAL})`;

/** Optional CFWS of spaces, tabs and `comment`s. */
const cfws = (comment: string): string => `(?:[ \\t]|${comment})*`;
/**
 * A display name: a word (atom, quoted string), then words, spaces, `comment`s and `more`
 * (RFC 5322 §4.1 obs-phrase: `.`, and `@`, which the parser is told to take). Every
 * alternative starts with a character of its own, so matching backtracks at most linearly.
 */
const phrase = (comment: string, more: string): string => `(?:${ATEXT}|${QUOTED})(?:${ATEXT}|${QUOTED}|[${more} \\t]|${comment})*`;

/** Whole-element forms whose group 1 is the local part and group 2 the domain (none: a bare local part). */
const FORMS: readonly RegExp[] = [
  // a@b, (c) a@b (c)
  new RegExp(`^${cfws(COMMENT)}${ADDR_SPEC}${cfws(COMMENT)}$`),
  // <a@b>, Name <a@b>, "Doe, J." (c) <a@b> (c)
  new RegExp(`^${cfws(COMMENT)}(?:${phrase(COMMENT, ".@")})?<${ADDR_SPEC}>${cfws(COMMENT)}$`),
  // Sally, "John Q", Sally (friend): a bare local part, as Python takes it
  new RegExp(`^${cfws(BARE_COMMENT)}${LOCAL}${cfws(BARE_COMMENT)}$`),
  // <Postmaster>, John <Sally>
  new RegExp(`^${cfws(BARE_COMMENT)}(?:${phrase(BARE_COMMENT, ".")})?<${LOCAL}>${cfws(BARE_COMMENT)}$`),
];

/** A group's display name, before its `:`: no `@`, which would let the parser read a mailbox there and fail. */
const GROUP_NAME_FORM = new RegExp(`^${cfws(COMMENT)}${phrase(COMMENT, ".")}$`);
/** Only spaces, tabs and simple comments. */
const CFWS_FORM = new RegExp(`^${cfws(COMMENT)}$`);

/** The addr-spec of a mailbox in a common form, as the parser reads it. */
export interface CommonAddrSpec {
  /** The local part's meaning: a quoted string unquoted, its quoted-pairs undone. */
  readonly local: string;
  /** The domain as written (a dot-atom or an address literal), `null` for a bare local part. */
  readonly domain: string | null;
}

/**
 * The addr-spec of `element` when it is a mailbox in one of the common forms (`a@b`,
 * `<a@b>`, `Name <a@b>`, `"Name" <a@b>`, a bare local part such as `Sally` or `<Sally>`,
 * with spaces and simple comments around); `null` for anything else, which may still be
 * an address. `mailboxOnly` leaves bare local parts out (a group's members). Never throws.
 */
export function commonMailbox(element: string, mailboxOnly = false): CommonAddrSpec | null {
  for (let i = 0; i < (mailboxOnly ? 2 : FORMS.length); i++) {
    const m = FORMS[i].exec(element);
    if (m === null) continue;
    const local = m[1].startsWith('"') ? m[1].slice(1, -1).replace(/\\([\s\S])/g, "$1") : m[1];
    return { local, domain: m[2] ?? null };
  }
  return null;
}

/** True when `text` is a group's display name in a common form (words, `.`, spaces, simple comments). */
export function isCommonGroupName(text: string): boolean {
  return GROUP_NAME_FORM.test(text);
}

/** True when `text` holds only spaces, tabs and simple comments (or nothing). */
export function isCommonCfws(text: string): boolean {
  return CFWS_FORM.test(text);
}
