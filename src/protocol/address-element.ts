/**
 * One element of an address-list (a mailbox or a group) read into its addr-specs within
 * fixed bounds. The full RFC 5322 parser (`email-addresses`) costs about a microsecond per
 * character on ordinary input and, on long absurd input (an unterminated quote, a
 * thousand-word phrase), time that grows faster than the length: a 40 KB element took
 * a second or more. So the common forms are read without it (address-forms.ts), a group
 * is read member by member, and what is left for the parser is bounded, per address and
 * per list. Results are the parser's: a property test holds the two paths together. Pure.
 * @module
 */
import { quoted } from "../errors.js";
import { commonMailbox, isCommonCfws, isCommonGroupName } from "./address-forms.js";
import { canonicalLocalPart, parseElementFully, parseMailboxFully, skipNested, topLevel, type ParsedElement } from "./address-list.js";

/**
 * The longest address read, in UTF-16 units: a mailbox, or a group's display name or one
 * of its members (a group as a whole may be longer). RFC 5321 §4.5.3.1.3 caps a path at
 * 256 octets and RFC 5322 §2.1.1 a line at 998 characters; an address longer than a
 * line is absurd, and the parser's time on such input grows faster than its length.
 */
export const MAX_ADDRESS_LENGTH = 1000;

/**
 * The most characters of one address list (one header value, the To, Cc and Bcc fields of
 * one message together, or one given address) that the full parser reads, each call
 * counting {@link FULL_PARSE_OVERHEAD} more: addresses in the common forms (`a@b`,
 * `<a@b>`, `Name <a@b>`, `"Name" <a@b>`, `Sally`, with spaces and simple comments around)
 * do not count. At up to 8 µs a character, some 30 ms at most.
 */
export const MAX_FULLY_PARSED = 4000;

/**
 * What one call of the full parser counts beyond its characters: its fixed cost (two
 * passes, strict then obsolete syntax, and a second reading for a bare local part) is
 * that of some 50 characters, so that a list of many tiny uncommon addresses is bounded too.
 */
export const FULL_PARSE_OVERHEAD = 50;

/** What is left of one list's allowance for the full parser, in characters. */
export interface ParseBudget {
  /** Characters left; below zero, the list is refused. */
  remaining: number;
}

/** A fresh allowance for one address list. */
export function parseBudget(): ParseBudget {
  return { remaining: MAX_FULLY_PARSED };
}

/** @throws TypeError when `text` is longer than {@link MAX_ADDRESS_LENGTH}. */
export function checkLength(text: string): void {
  if (text.length > MAX_ADDRESS_LENGTH) {
    throw new TypeError(`address is longer than ${MAX_ADDRESS_LENGTH} characters (${text.length}): ${quoted(text.trim(), 60)}`);
  }
}

/** Takes what reading `text` costs from the budget. @throws TypeError when the budget is spent. */
function charge(budget: ParseBudget, text: string): void {
  budget.remaining -= text.length + FULL_PARSE_OVERHEAD;
  if (budget.remaining < 0) {
    throw new TypeError(
      `address list too complex to read: more than ${MAX_FULLY_PARSED} characters of it (each address ` +
        `counting ${FULL_PARSE_OVERHEAD} more) are not in a common form (a@b, Name <a@b>, "Name" <a@b>), near ${quoted(text.trim(), 60)}`,
    );
  }
}

/** The full parser's reading of a whole element, within bounds. */
function fully(element: string, budget: ParseBudget): ParsedElement | null {
  checkLength(element);
  charge(budget, element);
  return parseElementFully(element);
}

/** A group split as the parser's grammar splits it. */
interface GroupParts {
  /** The display name, before the first top-level `:`. */
  readonly name: string;
  /** The members between `:` and the first top-level `;`, split at top-level commas. */
  readonly members: ReadonlyArray<{ readonly text: string; readonly hasContent: boolean }>;
  /** What follows the `;`. */
  readonly rest: string;
}

/**
 * Splits `element` as a group (`name: a, b; (c)`) at its top-level `:`, commas and first
 * `;`: outside quoted strings, comments (nested), domain literals and angle brackets, as
 * the parser places them (RFC 2047 encoded words mean nothing to it, so nothing here).
 * `null` when there is no top-level `:` followed by a top-level `;`.
 */
function splitGroup(element: string): GroupParts | null {
  const n = topLevel();
  let inAngle = false;
  let colon = -1;
  let start = 0;
  let content = false;
  const members: Array<{ text: string; hasContent: boolean }> = [];
  for (let i = 0; i < element.length; i++) {
    const taken = skipNested(n, element, i);
    if (taken >= 0) { i = taken; continue; }
    const c = element[i];
    if (colon >= 0 && !inAngle && (c === "," || c === ";")) {
      members.push({ text: element.slice(start, i), hasContent: content });
      if (c === ";") return { name: element.slice(0, colon), members, rest: element.slice(i + 1) };
      start = i + 1;
      content = false;
      continue;
    }
    content = true;
    if (c === '"') n.inQuote = true;
    else if (c === "[") n.inLiteral = true;
    else if (c === "<") inAngle = true;
    else if (c === ">") inAngle = false;
    else if (c === ":" && !inAngle && colon < 0) {
      colon = i;
      start = i + 1;
      content = false;
    }
  }
  return null;
}

/**
 * The addr-spec (or bare local part) of a mailbox in a common form, or `null` for any other
 * text. `member`: a group's member, which is never a bare local part.
 */
function commonSpec(text: string, member = false): string | null {
  const common = commonMailbox(text, member);
  if (common === null) return null;
  const local = canonicalLocalPart(common.local);
  return common.domain === null ? local : `${local}@${common.domain}`;
}

/**
 * A group read member by member: `undefined` when its shape is one the parser's obsolete
 * syntax reads in its own way (an empty member among others, text after `;` that is not
 * simple CFWS), which is then left to the parser whole.
 */
function groupElement(group: GroupParts, budget: ParseBudget): ParsedElement | null | undefined {
  const { name, members, rest } = group;
  if (!isCommonCfws(rest)) return undefined;
  if (members.length === 1 && !members[0].hasContent) return isCommonCfws(members[0].text) ? groupWithName(name, [], budget) : undefined;
  if (members.some((m) => !m.hasContent)) return undefined;
  const specs: string[] = [];
  for (const { text } of members) {
    checkLength(text);
    let spec = commonSpec(text, true);
    if (spec === null) {
      charge(budget, text);
      spec = parseMailboxFully(text);
      if (spec === null) return null;
    }
    specs.push(spec);
  }
  return groupWithName(name, specs, budget);
}

/** The group, once its display name is known to be one. */
function groupWithName(name: string, specs: string[], budget: ParseBudget): ParsedElement | null {
  checkLength(name);
  if (!isCommonGroupName(name)) {
    charge(budget, name);
    const empty = parseElementFully(`${name}:;`);
    if (empty === null || empty.kind !== "group") return null;
  }
  return { kind: "group", specs };
}

/**
 * Parses one element of an address-list (a mailbox or a group) into its addr-specs; an
 * element that is only a local part (`Sally`, as Python accepts) gives that local part.
 * Returns `null` when the element is not an address. `budget` is shared by the elements
 * of one list.
 * @throws TypeError when an address (a mailbox, a group's name or member) is longer than
 *   {@link MAX_ADDRESS_LENGTH}, or when the list needs the full parser for more than
 *   {@link MAX_FULLY_PARSED} characters.
 */
export function parseListElement(element: string, budget: ParseBudget = parseBudget()): ParsedElement | null {
  if (element.length <= MAX_ADDRESS_LENGTH) {
    const spec = commonSpec(element);
    if (spec !== null) return { kind: "mailbox", specs: [spec] };
  }
  const group = splitGroup(element);
  const read = group === null ? undefined : groupElement(group, budget);
  return read === undefined ? fully(element, budget) : read;
}
