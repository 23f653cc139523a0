/**
 * Addresses and message data as Python's smtplib quotes them: `quoteaddr`, `quotedata`,
 * `_addr_only`, plus the address-list parsing that `sendMessage` needs. Pure: no I/O.
 *
 * Unlike Python, nothing here drops part of an address silently: input that is not an
 * address is a `TypeError` naming it (Python's `quoteaddr` turns it into `<>`).
 * @module
 */
import { describeValue, quoted } from "../errors.js";
import { codePointName } from "../error-text.js";
import { checkLength, MAX_ADDRESS_LENGTH, parseBudget, parseListElement, type ParseBudget } from "./address-element.js";
import { splitAddressList } from "./address-list.js";
import { assertSafe, isAscii } from "./commands.js";
import { INVISIBLE_IN_PATH, INVISIBLE_WORDS } from "./invisible.js";
import { normalizeLineEndings } from "./dot-stuff.js";

// atext (RFC 5322 §3.2.3) dot-atom "@" a domain of letter/digit/hyphen labels, bare or in <>.
const ATOM = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+";
const DOT_ATOM_ADDR = `${ATOM}(?:\\.${ATOM})*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*`;
const SIMPLE_ADDRESS = new RegExp(`^(?:(${DOT_ATOM_ADDR})|<(${DOT_ATOM_ADDR})>)$`);
/** {@link SIMPLE_ADDRESS} without brackets, and with them: tested, not matched, so nothing is allocated. */
const SIMPLE_BARE = new RegExp(`^${DOT_ATOM_ADDR}$`);
const SIMPLE_BRACKETED = new RegExp(`^<${DOT_ATOM_ADDR}>$`);
/**
 * Characters a path may not hold even where RFC 6532 lets UTF-8 in, beyond controls: see
 * `INVISIBLE_CLASS` (ZWNJ and ZWJ, which some scripts need, are not among them).
 */
const PATH_INVISIBLE = INVISIBLE_IN_PATH;
/** U+2028 LINE SEPARATOR and U+2029 PARAGRAPH SEPARATOR. */
const LINE_SEPARATOR = /[\u2028\u2029]/;
// eslint-disable-next-line no-control-regex
const PATH_FORBIDDEN = /[\u0000-\u001f\u007f-\u009f]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** RFC 5321 §4.1.3 IPv4-address-literal: four Snum (1-3 digits, 0-255) with dots. */
const IPV4_LITERAL = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
/** §4.1.3 General-address-literal: Standardized-tag (an Ldh-str) `:` 1*dcontent. */
const GENERAL_LITERAL = /^[A-Za-z0-9-]*[A-Za-z0-9]:[\x21-\x5a\x5e-\x7e]+$/;

/**
 * True when `text` (a domain literal without its brackets) is an RFC 5321 §4.1.3 address
 * literal: IPv4 (`192.0.2.1`), `IPv6:` and an IPv6 address (no zone), or a tag and text.
 */
function isAddressLiteral(text: string): boolean {
  // Dotted digits are an IPv4 literal or nothing (a tag cannot start so: it needs a ":").
  if (/^[\d.]+$/.test(text)) return isIPv4(text);
  if (/^IPv6:/i.test(text)) return isIPv6(text.slice(5));
  return GENERAL_LITERAL.test(text);
}

/** Four numbers 0-255 with dots (§4.1.3 IPv4-address-literal). */
function isIPv4(text: string): boolean {
  const m = IPV4_LITERAL.exec(text);
  return m !== null && Number(m[1]) <= 255 && Number(m[2]) <= 255 && Number(m[3]) <= 255 && Number(m[4]) <= 255;
}

/**
 * §4.1.3 IPv6-addr: eight groups of 1-4 hex digits, or at most six around `::` (which
 * stands for two or more), the last two of either written as IPv4 if wished. No zone.
 */
function isIPv6(text: string): boolean {
  let s = text;
  if (s.includes(".")) {
    const colon = s.lastIndexOf(":");
    if (colon < 0 || !isIPv4(s.slice(colon + 1))) return false;
    s = `${s.slice(0, colon + 1)}0:0`;
  }
  const halves = s.split("::");
  if (halves.length > 2) return false;
  let groups = 0;
  for (const half of halves) {
    if (half === "") continue;
    for (const group of half.split(":")) {
      if (!/^[0-9A-Fa-f]{1,4}$/.test(group)) return false;
      groups++;
    }
  }
  return halves.length === 1 ? groups === 8 : groups <= 6;
}

/**
 * Parses a single address (`a@b`, `<a@b>`, `John <j@x.org>`, `j@x.org (John)`,
 * `"quoted local"@x`, or a bare local part such as `Sally`) into its addr-spec, with
 * comments and display name removed and the local part quoted only where RFC 5321
 * §4.1.2 requires. Returns `null` when `addr` is not exactly one such address.
 * @throws TypeError when `addr` holds CR, LF or NUL, or is longer than
 *   {@link MAX_ADDRESS_LENGTH} (1,000) characters.
 */
export function parseAddress(addr: string): string | null {
  assertSafe(addr, "address");
  checkLength(addr);
  // Fast path for the common case, a plain dot-atom address with or without brackets: the
  // full RFC 5322 parser costs tens of microseconds per call and gives the same answer here.
  const simple = SIMPLE_ADDRESS.exec(addr);
  if (simple) return simple[1] ?? simple[2]!;
  const elements = splitAddressList(addr).filter((e) => e.hasContent);
  if (elements.length !== 1) return null;
  const parsed = parseListElement(elements[0].text);
  return parsed !== null && parsed.kind === "mailbox" ? parsed.specs[0] : null;
}

/**
 * Python's `smtplib.quoteaddr`: the address in angle brackets, as MAIL and RCPT take it
 * (`John <j@x.org>` -> `<j@x.org>`, `Sally` -> `<Sally>`). `""` and `"<>"` give `"<>"`,
 * the null reverse-path (RFC 5321 §4.1.1.2).
 * @throws TypeError when `addr` holds CR, LF, NUL, U+2028 or U+2029, when its address
 *   holds any other control character, Unicode white space, a zero-width space or bidi
 *   control (see `PATH_INVISIBLE`) or a lone surrogate, when its domain literal is not
 *   an RFC 5321 address literal, or when it is not exactly one address (Python would send
 *   `<>` or the raw text instead).
 */
export function quoteaddr(addr: string): string {
  // The common case first: a plain dot-atom address, bare or in brackets, is printable
  // ASCII and its own addr-spec, so it needs none of the checks below.
  if (typeof addr === "string" && addr.length <= MAX_ADDRESS_LENGTH) {
    if (SIMPLE_BARE.test(addr)) return `<${addr}>`;
    if (SIMPLE_BRACKETED.test(addr)) return addr;
  }
  assertSafe(addr, "address");
  // A line or paragraph separator is a line break to JavaScript and to some mail software:
  // refused anywhere in the text given (even in a display name or comment), as CR and LF are.
  if (LINE_SEPARATOR.test(addr)) throw new TypeError(`address holds a Unicode line separator (U+2028 or U+2029): ${quoted(addr)}`);
  // Blanks, then optionally <blanks> and blanks: two blank runs side by side would backtrack
  // quadratically on a long run of blanks followed by text.
  if (/^[ \t]*(?:<[ \t]*>[ \t]*)?$/.test(addr)) return "<>";
  const spec = parseAddress(addr);
  if (spec === null) throw new TypeError(`cannot parse address ${quoted(addr)}${severalAddresses(addr)}`);
  // RFC 5321 §4.1.2 allows no control character in a path, even quoted (nor does aiosmtplib);
  // a lone surrogate would go out as U+FFFD, another address.
  if (PATH_FORBIDDEN.test(spec)) throw new TypeError(`address holds a control character or invalid text: ${quoted(addr)}`);
  const invisible = PATH_INVISIBLE.exec(spec);
  if (invisible !== null) {
    // Named by code point: quoted() shows a no-break space as a blank, which says nothing.
    throw new TypeError(`address holds ${codePointName(invisible[0])} (${INVISIBLE_WORDS}): ${quoted(addr)}`);
  }
  // A domain literal (no other addr-spec ends in "]", and its text holds no "[") must be an
  // address literal: Python sends `u@[foo]` or `u@[999.1.1.1]`, which no server can route.
  if (spec.endsWith("]") && !isAddressLiteral(spec.slice(spec.lastIndexOf("[") + 1, -1))) {
    throw new TypeError(`not an RFC 5321 address literal (IPv4, IPv6:..., or tag:text) in ${quoted(addr)}`);
  }
  return `<${spec}>`;
}

/**
 * For the error of an address that is not one: when `addr` is a list of more than one
 * (`"a@x.org, b@y.org"`, the recipients given as one string), what to do instead; else "".
 */
function severalAddresses(addr: string): string {
  // Addresses, not any pieces between commas: "Doe, John <j@x.org>" is one address whose
  // display name needs quoting, not two ("Doe" is no mailbox).
  const count = splitAddressList(addr).filter((e) => e.hasContent && parseAddress(e.text)?.includes("@") === true).length;
  return count > 1 ? `: it holds ${count} addresses, and a sender or a recipient is one (give each recipient as its own entry of an array: ["a@x.org", "b@y.org"])` : "";
}

/**
 * {@link quoteaddr} for a recipient (RCPT TO): the same, except that the null path is
 * refused, as RFC 5321 §4.1.1.3 has no empty forward-path (Python sends `RCPT TO:<>`, which
 * every server refuses, for a blank recipient).
 * @throws TypeError as `quoteaddr`, and for `""`, `"<>"` and other blank forms.
 */
export function quoteRecipient(addr: string): string {
  const path = quoteaddr(addr);
  if (path === "<>") throw new TypeError(`a recipient cannot be the null path <>: ${quoted(addr)}`);
  return path;
}

/**
 * Python's `smtplib._addr_only`: the addr-spec of `addr` (`John <j@x.org>` -> `j@x.org`),
 * or `addr` unchanged when it is not an address (VRFY and EXPN also take user and list
 * names). Never drops part of the input: something that is not one address comes back whole.
 * @throws TypeError when `addr` holds CR, LF or NUL, or is longer than
 *   {@link MAX_ADDRESS_LENGTH} (1,000) characters.
 */
export function addrOnly(addr: string): string {
  return parseAddress(addr) ?? addr;
}

/** True when `addr` is all ASCII, i.e. needs no SMTPUTF8 (RFC 6531) to be sent. */
export function isAsciiAddress(addr: string): boolean {
  return isAscii(addr);
}

/**
 * Python's `smtplib.quotedata`: every lone CR and lone LF becomes CRLF, and a `.` at the
 * start of a line is doubled (RFC 5321 §4.5.2). The final CRLF `.` CRLF is not added.
 */
export function quotedata(data: string): string {
  if (typeof data !== "string") throw new TypeError(`data must be a string, got ${describeValue(data)}`);
  return normalizeLineEndings(data).replace(/(^|\n)\./g, "$1..");
}

/**
 * The addr-specs of an address-list header value (To, Cc, Bcc, From, Sender, Resent-*),
 * in order: display names, quoted strings, comments, RFC 2047 encoded words in display
 * names, obsolete routes and empty list elements are handled as RFC 5322 says; a group
 * gives its members (`undisclosed-recipients:;` gives none). The value must be unfolded
 * first. Local parts keep the quoting they need (`"a b"@x`).
 * Bounded (see address-element.ts): an address longer than {@link MAX_ADDRESS_LENGTH}
 * (1,000) characters, or a list whose addresses outside the common forms add up to more
 * than `MAX_FULLY_PARSED` (4,000) characters, each counting 50 more, is refused rather
 * than read for up to seconds. `budget` is that allowance: pass one to several calls to
 * bound them together (the fields of one message), else each call has its own.
 * @throws TypeError naming the first element that is not an address, when the value
 *   holds CR, LF or NUL, or when it is beyond those bounds.
 */
export function parseAddressList(headerValue: string, budget: ParseBudget = parseBudget()): string[] {
  assertSafe(headerValue, "address list");
  const out: string[] = [];
  for (const element of splitAddressList(headerValue)) {
    if (!element.hasContent) continue;
    const parsed = parseListElement(element.text, budget);
    if (parsed === null) {
      throw new TypeError(`cannot parse address ${quoted(element.text.trim())} in ${quoted(headerValue)}`);
    }
    // One push per address: spreading a group of 150,000 members into push() overflows the stack.
    for (const spec of parsed.specs) out.push(spec);
  }
  return out;
}
