/**
 * Splitting an RFC 5322 address-list (§3.4) into its elements, and turning the parse tree
 * of one element (from `email-addresses`) into bare addr-specs. Pure: no I/O.
 *
 * The list is split here, at top-level commas, rather than handed whole to the parser, so
 * that an address which cannot be parsed is named in the error, empty list elements
 * (obs-addr-list, RFC 5322 §4.4) are skipped, and Python's bare local parts are accepted
 * element by element.
 * @module
 */
import { createRequire } from "node:module";
import type { ASTNode, Options, ParsedMailbox, ParsedResult } from "email-addresses";

/**
 * The parser (a CommonJS package), loaded on first use with `require`: importing it as an
 * ES module would start Node's CommonJS export lexer, about 5 MB of memory for the life of
 * the process, and clients that only send never parse an address list.
 */
let parser: typeof emailAddresses | undefined;
function emailAddresses(options: Options): ParsedResult | null {
  parser ??= createRequire(import.meta.url)("email-addresses") as typeof emailAddresses;
  return parser(options);
}

/** One element of an address-list, as written, with what the splitter learnt about it. */
export interface ListElement {
  /** The element's text, exactly as in the list (surrounding whitespace kept). */
  readonly text: string;
  /** False when the element holds only whitespace and comments (an obs-addr-list gap). */
  readonly hasContent: boolean;
}

/** An RFC 2047 encoded-word (`=?charset?B|Q?text?=`, §2), matched where a phrase may hold one. */
const ENCODED_WORD = /=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=/y;
/** Characters that may stand in an atom (RFC 5322 atext, plus "." of obs-phrase). */
const ATOM_SAFE = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~.]*$/;

/** Where a scan of RFC 5322 text stands: in a comment (its depth), a quoted string or a domain literal. */
export interface Nesting {
  /** How many comments are open (comments nest, RFC 5322 §3.2.2). */
  depth: number;
  /** Inside a quoted string. */
  inQuote: boolean;
  /** Inside a domain literal. */
  inLiteral: boolean;
}

/** A scan at top level. */
export function topLevel(): Nesting {
  return { depth: 0, inQuote: false, inLiteral: false };
}

/**
 * Reads `text[i]` when it lies inside a comment, quoted string or domain literal (a
 * quoted-pair taken whole), opens a comment, or is a blank: returns the index of the last
 * character taken. Returns -1 for anything else: top-level content, for the caller (who
 * opens a quoted string at `"` and a literal at `[`).
 */
export function skipNested(n: Nesting, text: string, i: number): number {
  const c = text[i];
  if (n.inQuote || n.depth > 0 || n.inLiteral) {
    if (c === "\\") return i + 1;
    if (n.inQuote && c === '"') n.inQuote = false;
    else if (n.inLiteral && c === "]") n.inLiteral = false;
    else if (n.depth > 0 && c === "(") n.depth++;
    else if (n.depth > 0 && c === ")") n.depth--;
    return i;
  }
  if (c === "(") n.depth = 1;
  else if (c !== " " && c !== "\t") return -1;
  return i;
}

/**
 * For positions asked in increasing order: whether the first `<`, `@` or `,` at or after a
 * position is a `<` (an encoded word just before it stands in a display name). Each
 * character is looked at once over all the calls, so that a list of many encoded words is
 * read in linear time (a fresh scan per word took seconds on a few hundred KB).
 */
function angleAheadFinder(list: string): (from: number) => boolean {
  let stop = -1;
  return (from) => {
    if (stop < from) {
      stop = from;
      while (stop < list.length && list[stop] !== "<" && list[stop] !== "@" && list[stop] !== ",") stop++;
    }
    return list[stop] === "<";
  };
}

/**
 * Splits an address-list at its top-level commas. Commas inside quoted strings, comments,
 * angle brackets, domain literals, groups (`name: a, b;`) and RFC 2047 encoded words do
 * not split. An encoded word that breaks RFC 2047 §5 by holding a special such as `,`
 * in a display name is replaced by a neutral atom, so the address beside it still parses
 * (the display name is never sent). Never throws; an element that is malformed (an
 * unterminated quote, say) is returned as it is, for the parser to refuse.
 */
export function splitAddressList(list: string): ListElement[] {
  const out: ListElement[] = [];
  let start = 0;
  const n = topLevel();
  let inAngle = false;
  let inGroup = false;
  let content = false;
  let text = "";
  const angleAhead = angleAheadFinder(list);
  const flush = (end: number): void => {
    text += list.slice(start, end);
    out.push({ text, hasContent: content });
    text = "";
    content = false;
    start = end + 1;
  };
  for (let i = 0; i < list.length; i++) {
    const taken = skipNested(n, list, i);
    if (taken >= 0) { i = taken; continue; }
    const c = list[i];
    if (c === "," && !inAngle && !inGroup) { flush(i); continue; }
    content = true;
    if (c === '"') n.inQuote = true;
    else if (c === "[") n.inLiteral = true;
    else if (c === "<") inAngle = true;
    else if (c === ">") inAngle = false;
    else if (c === ":" && !inAngle) inGroup = true;
    else if (c === ";" && !inAngle) inGroup = false;
    else if (c === "=" && !inAngle) {
      ENCODED_WORD.lastIndex = i;
      const m = ENCODED_WORD.exec(list);
      if (m) {
        const word = m[0];
        const end = i + word.length;
        if (!ATOM_SAFE.test(word) && angleAhead(end)) {
          text += list.slice(start, i) + "encoded-word";
          start = end;
        }
        i = end - 1;
      }
    }
  }
  text += list.slice(start);
  // An unterminated comment, quote or literal swallowed the rest: never skip that silently.
  out.push({ text, hasContent: content || n.depth > 0 || n.inQuote || n.inLiteral });
  // A trailing comma leaves an empty last element: harmless, it has no content.
  return out;
}

/** Collects the meaning of a local part or domain: CFWS dropped, quoting undone. */
function semanticText(node: ASTNode, inQuoted = false): string {
  switch (node.name) {
    case "cfws":
    case "comment":
    case "dquote":
      return "";
    case "fws":
    case "obs-FWS":
      return inQuoted ? node.tokens.replace(/\r?\n/g, "") : "";
    case "quoted-pair":
    case "obs-qp":
      return node.tokens.slice(1);
    default:
      break;
  }
  if (node.children.length === 0) return node.tokens;
  // Whitespace inside a domain literal is part of it, as in a quoted string: never dropped.
  const quoted = inQuoted || node.name === "quoted-string" || node.name === "domain-literal";
  return node.children.map((child) => semanticText(child, quoted)).join("");
}

/** RFC 5321 Dot-string, with RFC 6531 UTF-8 allowed in atoms. */
const DOT_STRING = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u0080-\u{10FFFF}]+(?:\.[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~\u0080-\u{10FFFF}]+)*$/u;

/**
 * Writes a local part the way RFC 5321 §4.1.2 wants it on the wire: as a Dot-string when
 * it is one, otherwise as a Quoted-string with `"` and `\` escaped.
 */
export function canonicalLocalPart(value: string): string {
  return DOT_STRING.test(value) ? value : `"${value.replace(/["\\]/g, "\\$&")}"`;
}

/**
 * An RFC 5321 §4.1.3 address literal: `[`, one or more printable ASCII characters other than
 * `[`, `\\` and `]` (dcontent; no space), `]`.
 */
const ADDRESS_LITERAL = /^\[[\x21-\x5a\x5e-\x7e]+\]$/;

/**
 * `text[from..to)` without the spaces and tabs at either end. A scan: `/^[ \t]+|[ \t]+$/g`
 * tried its second branch at every blank of a run inside the literal and backtracked through
 * the rest of the run each time, quadratic in it.
 */
function trimBlanks(text: string, from: number, to: number): string {
  const blank = (i: number): boolean => text.charCodeAt(i) === 0x20 || text.charCodeAt(i) === 0x09;
  while (from < to && blank(from)) from++;
  while (to > from && blank(to - 1)) to--;
  return text.slice(from, to);
}

/**
 * The bare addr-spec (`local@domain`) of a parsed mailbox, comments and quoting normalised;
 * `null` when its domain literal is not one RFC 5321 can carry (`[1.2.3.4 5]` must not
 * become `[1.2.3.45]`, nor `[x\\ y]` put a space in the path). Whitespace just inside the
 * brackets is dropped.
 */
export function addrSpecOf(mailbox: ParsedMailbox): string | null {
  const local = canonicalLocalPart(semanticText(mailbox.parts.local));
  let domain = semanticText(mailbox.parts.domain);
  if (domain.startsWith("[")) {
    domain = `[${trimBlanks(domain, 1, domain.length - 1)}]`;
    if (!ADDRESS_LITERAL.test(domain)) return null;
  }
  return `${local}@${domain}`;
}

/** What one element of an address-list holds: a mailbox's addr-spec, or a group's. */
export interface ParsedElement {
  /** `mailbox` (including a bare local part) or `group`. */
  readonly kind: "mailbox" | "group";
  /** The addr-specs: exactly one for a mailbox, any number for a group. */
  readonly specs: string[];
}

/**
 * Parses one element of an address-list (a mailbox or a group) into its addr-specs with the
 * full RFC 5322 parser; an element that is only a local part (`Sally`, as Python accepts)
 * gives that local part. Returns `null` when the element is not an address. Its time grows
 * faster than the element's length: callers bound the input (see address-element.ts).
 */
export function parseElementFully(element: string): ParsedElement | null {
  return stackGuarded(() => parseElement(element));
}

/**
 * The addr-spec of `text` read as one mailbox (a group's member: no group, no bare local
 * part) by the full parser, or `null` when it is not one.
 */
export function parseMailboxFully(text: string): string | null {
  return stackGuarded(() => {
    const parsed = emailAddresses({ input: text, startAt: "mailbox", rfc6532: true, atInDisplayName: true });
    const found = parsed !== null && parsed.addresses.length === 1 ? parsed.addresses[0] : undefined;
    return found !== undefined && found.type === "mailbox" ? addrSpecOf(found) : null;
  });
}

/** `parse()`, or `null` when the recursive-descent parser runs out of stack on absurd nesting ("((((..."). */
function stackGuarded<T>(parse: () => T | null): T | null {
  try {
    return parse();
  } catch (e) {
    if (e instanceof RangeError) return null;
    throw e;
  }
}

/**
 * The display name of one mailbox (`"Doe, J" <j@x>` gives `Doe, J`): unquoted, its
 * whitespace collapsed, encoded words left as written. `null` when the mailbox has none
 * (comments are not a display name), or when `mailbox` is not one mailbox.
 */
export function displayNameOf(mailbox: string): string | null {
  return stackGuarded(() => {
    const parsed = emailAddresses({ input: mailbox, startAt: "address", rfc6532: true, atInDisplayName: true });
    const found = parsed !== null && parsed.addresses.length === 1 ? parsed.addresses[0] : undefined;
    return found !== undefined && found.type === "mailbox" ? found.name : null;
  });
}

/** `parseElementFully` without the stack guard. */
function parseElement(element: string): ParsedElement | null {
  const parsed = emailAddresses({ input: element, startAt: "address", rfc6532: true, atInDisplayName: true });
  if (parsed !== null && parsed.addresses.length === 1) {
    const found = parsed.addresses[0];
    const members = found.type === "group" ? found.addresses : [found];
    const specs: string[] = [];
    for (const mailbox of members) {
      const spec = addrSpecOf(mailbox);
      if (spec === null) return null;
      specs.push(spec);
    }
    return { kind: found.type, specs };
  }
  const local = bareLocalPart(element);
  return local === null ? null : { kind: "mailbox", specs: [local] };
}

/**
 * Python's `parseaddr` takes a lone local part (`Sally`, `"John Q"`, `Sally (friend)`) as
 * an address for local delivery, bare or in angle brackets (`<Postmaster>`, the path RFC
 * 5321 §4.1.1.3 requires every server to accept; `John <Sally>`). It is checked with the
 * same grammar, as the local part of an addr-spec, so that nothing else (`John Smith`, a
 * stray `<`) slips through.
 */
function bareLocalPart(element: string): string | null {
  // Quoted strings masked, length kept, so that what they hold is not taken for syntax.
  const masked = element.replace(/"(?:[^"\\]|\\.)*"/g, (q) => `"${"x".repeat(q.length - 2)}"`);
  if (/[@:;,]/.test(masked)) return null;
  let input = `${element}@invalid`;
  const bracketed = /[<>]/.test(masked);
  if (bracketed) {
    if (!/^[^<>]*<[^<>]*>[^<>]*$/.test(masked)) return null;
    const close = masked.indexOf(">");
    input = `${element.slice(0, close)}@invalid${element.slice(close)}`;
  }
  const parsed = emailAddresses({ input, startAt: "address", rfc6532: true });
  if (parsed === null || parsed.addresses.length !== 1) return null;
  const found = parsed.addresses[0];
  if (found.type !== "mailbox" || (!bracketed && found.parts.name !== null)) return null;
  return canonicalLocalPart(semanticText(found.parts.local));
}
