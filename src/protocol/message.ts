/**
 * Reading an RFC 5322 message as bytes: its header section, unfolded header values, the
 * envelope that Python's `send_message` derives from them, and removal of header fields
 * (Bcc) without re-serialising anything else. Pure: no I/O.
 * @module
 */
import { isAscii, isUtf8 } from "node:buffer";
import { escapeControl, quoted } from "../errors.js";
import { parseBudget, type ParseBudget } from "./address-element.js";
import { isAsciiAddress, parseAddressList } from "./address.js";
import { asBuffer } from "./bytes.js";

const CR = 0x0d;
const LF = 0x0a;

/** One header field as it lies in the message bytes. */
export interface HeaderField {
  /** The field name as written (`Resent-Bcc`), without whitespace before the colon. */
  readonly name: string;
  /** The field name in lower case, for comparisons. */
  readonly key: string;
  /** Offset of the field's first byte. */
  readonly start: number;
  /** Offset just past the field: past the line end of its last continuation line. */
  readonly end: number;
  /** Offset of the first byte after the colon. */
  readonly valueStart: number;
  /** Offset of the line end (CRLF or LF) of the field's last line, or `end` when it has none. */
  readonly valueEnd: number;
}

/** The header section of a message. */
export interface HeaderSection {
  /** Every header field, in order. */
  readonly fields: readonly HeaderField[];
  /**
   * Length of what comes before the first field and is never sent: a UTF-8 byte order mark
   * and a leading mbox `From ` line (with its line end), each when present; 0 for neither.
   * Python's parser takes the `From ` line as the envelope line and never sends it; neither do we.
   */
  readonly mboxLineEnd: number;
  /** Offset of the first byte of the body (past the empty line), or the data's length. */
  readonly bodyStart: number;
  /**
   * True when the section ended at a line that is neither a field nor empty (no empty line
   * before the body, RFC 5322 §2.1): the body starts with that line, fields after it or not.
   */
  readonly unseparated?: boolean;
}

/** Length of the field name at `pos` when the line there starts a header field (`name *WSP ":"`), else -1. */
function fieldNameEnd(data: Uint8Array, pos: number, lineEnd: number): number {
  let i = pos;
  // RFC 5322 §3.6.8 ftext: printable US-ASCII except ":".
  while (i < lineEnd && data[i] >= 0x21 && data[i] <= 0x7e && data[i] !== 0x3a) i++;
  const nameEnd = i;
  if (nameEnd === pos) return -1;
  while (i < lineEnd && (data[i] === 0x20 || data[i] === 0x09)) i++; // obs-optional (§4.5.3)
  return i < lineEnd && data[i] === 0x3a ? nameEnd : -1;
}

/**
 * True when the line at `pos` is one that CPython's feedparser reads as a header line but
 * drops (a misplaced mbox `From ` line, or a field with no name: `:x`), going on with the
 * header section: the fields after it, a Bcc among them, are still fields.
 */
function isSkippedHeaderLine(data: Uint8Array, pos: number): boolean {
  return data[pos] === 0x3a || asBuffer(data).toString("latin1", pos, pos + 5) === "From ";
}

/**
 * Finds the header fields of a message. A line ends at LF (a CR before it belongs to the
 * line end); normalise lone CRs first (`normalizeLineEndingBytes` in dot-stuff.ts) when they must count as line
 * ends, as they do on the wire. The header section ends at the first empty line, or (as in
 * Python's parser) at the first line that is neither a field nor a continuation, except a
 * `From ` line or one that starts with ":", which Python drops and reads on; a
 * continuation line before any field, or after such a line, belongs to no field. Never throws.
 */
export function parseHeaderSection(data: Uint8Array): HeaderSection {
  const fields: HeaderField[] = [];
  const text = asBuffer(data);
  let pos = 0;
  let mboxLineEnd = 0;
  let current: { name: string; start: number; valueStart: number; valueEnd: number; end: number } | null = null;
  const close = (): void => {
    if (current) fields.push({ ...current, key: current.name.toLowerCase() });
    current = null;
  };
  // A UTF-8 byte order mark (as editors save text files) is no header byte: left in, it
  // would make the first line no field, the whole header section (a Bcc in it) body.
  if (text[0] === 0xef && text[1] === 0xbb && text[2] === 0xbf) pos = mboxLineEnd = 3;
  if (text.subarray(pos, pos + 5).toString("latin1") === "From ") {
    const lf = text.indexOf(LF, pos);
    const lineEnd = lf < 0 ? text.length : lf;
    if (fieldNameEnd(text, pos, lineEnd) < 0) pos = mboxLineEnd = lf < 0 ? text.length : lf + 1;
  }
  while (pos < text.length) {
    const lf = text.indexOf(LF, pos);
    const next = lf < 0 ? text.length : lf + 1;
    const lineEnd = lf < 0 ? text.length : lf > pos && text[lf - 1] === CR ? lf - 1 : lf;
    if (lineEnd === pos) { close(); return { fields, mboxLineEnd, bodyStart: next }; }
    const first = text[pos];
    if (first === 0x20 || first === 0x09) {
      if (current !== null) {
        const field: { valueEnd: number; end: number } = current;
        field.valueEnd = lineEnd;
        field.end = next;
      }
    } else {
      const nameEnd = fieldNameEnd(text, pos, lineEnd);
      close();
      if (nameEnd < 0) {
        if (!isSkippedHeaderLine(text, pos)) return { fields, mboxLineEnd, bodyStart: pos, unseparated: true };
        pos = next;
        continue;
      }
      const colon = text.indexOf(0x3a, nameEnd);
      current = { name: text.toString("latin1", pos, nameEnd), start: pos, valueStart: colon + 1, valueEnd: lineEnd, end: next };
    }
    pos = next;
  }
  close();
  return { fields, mboxLineEnd, bodyStart: pos };
}

/**
 * When `section` ended at a line that is not a field (see `HeaderSection.unseparated`), the
 * name of the first field among `keys` (lower-case names) in the lines after it, indented
 * or not, up to the first empty line: a field its author meant as a header, which is body
 * text now (a Bcc sent to every recipient). `null` otherwise. Never throws.
 */
export function fieldAfterHeaderSection(data: Uint8Array, section: HeaderSection, keys: ReadonlySet<string>): string | null {
  if (section.unseparated !== true) return null;
  const text = asBuffer(data);
  for (let pos = section.bodyStart; pos < text.length;) {
    const lf = text.indexOf(LF, pos);
    const next = lf < 0 ? text.length : lf + 1;
    const lineEnd = lf < 0 ? text.length : lf > pos && text[lf - 1] === CR ? lf - 1 : lf;
    if (lineEnd === pos) return null;
    // indented or not: body text either way ("  Bcc: x" after "wrapped without a blank"),
    // by a no-break space too (a template copied from a web page), which ends the section,
    // or behind a byte order mark (files joined)
    const start = afterBlanks(text, pos, lineEnd);
    const nameEnd = fieldNameEnd(text, start, lineEnd);
    if (nameEnd >= 0 && keys.has(text.toString("latin1", start, nameEnd).toLowerCase())) return text.toString("latin1", start, nameEnd);
    pos = next;
  }
  return null;
}

/** Offset of the first byte at or after `pos` (before `lineEnd`) that is no space, tab, VT, FF, UTF-8 no-break space or byte order mark. */
function afterBlanks(text: Uint8Array, pos: number, lineEnd: number): number {
  let i = pos;
  for (;;) {
    const b = text[i];
    if (i < lineEnd && (b === 0x20 || b === 0x09 || b === 0x0b || b === 0x0c)) i++;
    else if (i + 1 < lineEnd && b === 0xc2 && text[i + 1] === 0xa0) i += 2;
    else if (i + 2 < lineEnd && b === 0xef && text[i + 1] === 0xbb && text[i + 2] === 0xbf) i += 3;
    else return i;
  }
}

/** What {@link indentedField} found: the blind field's name as written, and the field whose text its line is. */
export interface IndentedField {
  readonly name: string;
  /** The field the indented line continues; undefined for a line of no field (before the first, or in a message with none). */
  readonly field: HeaderField | undefined;
}

/**
 * The name of the first field among `keys` (lower-case names) written on an indented line:
 * in the header section, a continuation line whose text after its leading blanks starts such a
 * field (`  Bcc: x`, as an indented template literal gives every line but the first); and,
 * in a message with no header field at all (its first line empty or indented), such a line in
 * the first block of the body. Either way that "field" is text of another field or of the
 * body, sent to every recipient. A mail program's fold that puts "Bcc:" at a line's start
 * (see `foldedText`) is no such line. Returns that name and the field whose text the line
 * is (none for a line before the first field, or in a message with none); `null` otherwise.
 * Never throws.
 */
export function indentedField(data: Uint8Array, section: HeaderSection, keys: ReadonlySet<string>): IndentedField | null {
  const text = asBuffer(data);
  const noFields = section.fields.length === 0;
  for (let pos = section.mboxLineEnd; pos < text.length;) {
    const lf = text.indexOf(LF, pos);
    const next = lf < 0 ? text.length : lf + 1;
    const lineEnd = lf < 0 ? text.length : lf > pos && text[lf - 1] === CR ? lf - 1 : lf;
    if (lineEnd === pos) {
      // The header section's empty line; with no field, the body's first block is read too.
      if (pos >= section.bodyStart || !noFields) return null;
      pos = next;
      continue;
    }
    if (pos >= section.bodyStart && !noFields) return null;
    const start = afterBlanks(text, pos, lineEnd);
    if (start > pos || (noFields && pos >= section.bodyStart)) {
      const nameEnd = fieldNameEnd(text, start, lineEnd);
      if (nameEnd >= 0 && keys.has(text.toString("latin1", start, nameEnd).toLowerCase())) {
        const field = section.fields.find((f) => f.start < pos && pos < f.end);
        if (!foldedText(text, field, pos, nameEnd)) return { name: text.toString("latin1", start, nameEnd), field };
      }
    }
    pos = next;
  }
  return null;
}

/**
 * True when the continuation line at `pos` of `field`, which starts with a blind field's name and a
 * colon, reads as a mail program's fold of its field's text ("Subject: ... the\r\n Bcc:
 * header", a DKIM-Signature's `h=` list) rather than an indented field: no "@" after the
 * colon, to the field's end (no address to leak), and no other continuation line of that
 * field that starts a field of a plain name (letters, digits, hyphens), as an indented
 * template literal's lines do. A line of no field (before the first, or in a message with none) is never a fold.
 */
function foldedText(text: Buffer, field: HeaderField | undefined, pos: number, nameEnd: number): boolean {
  if (field === undefined) return false;
  // an address after the colon, on that line or wrapped onto the field's next ones ("Bcc:\n    s@z")
  if (text.subarray(nameEnd, field.end).includes(0x40)) return false;
  for (let at = text.indexOf(LF, field.start) + 1; at > 0 && at < field.end;) {
    const lf = text.indexOf(LF, at);
    const end = lf < 0 || lf >= field.end ? field.end : lf;
    const start = afterBlanks(text, at, end);
    const other = at === pos ? -1 : fieldNameEnd(text, start, end);
    if (other > start && /^[A-Za-z0-9-]+$/.test(text.toString("latin1", start, other))) return false;
    at = lf < 0 ? field.end : lf + 1;
  }
  return true;
}

/**
 * Unfolds a header value (RFC 5322 §2.2.3): every line break (CRLF, CR or LF, or a run of
 * them) followed by a space or tab is removed, the whitespace kept. Idempotent.
 */
export function unfoldHeader(value: string): string {
  return value.replace(/(?:\r\n|[\r\n])+(?=[ \t])/g, "");
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * The value of `field`, decoded as UTF-8 (RFC 6532), unfolded and trimmed.
 * @throws TypeError when the value is not valid UTF-8 (the envelope's fields are then read
 *   byte for byte: see `findSender`, `findRecipients`).
 */
export function headerValue(data: Uint8Array, field: HeaderField): string {
  let raw: string;
  try {
    raw = strictUtf8.decode(data.subarray(field.valueStart, field.valueEnd));
  } catch {
    throw new TypeError(`the ${field.name} header is not valid UTF-8`);
  }
  return unfoldHeader(raw).trim();
}

/**
 * `data` without the given byte ranges (each `[start, end)`, sorted, disjoint): a copy, or
 * `data` itself (as a Buffer) when no range removes anything.
 * Everything else is kept byte for byte.
 */
export function removeRanges(data: Uint8Array, ranges: ReadonlyArray<readonly [number, number]>): Buffer {
  const parts: Uint8Array[] = [];
  let pos = 0;
  for (const [start, end] of ranges) {
    if (start > pos) parts.push(data.subarray(pos, start));
    pos = Math.max(pos, end);
  }
  if (pos === 0) return asBuffer(data); // nothing removed: no copy of the message
  parts.push(data.subarray(pos));
  return Buffer.concat(parts);
}

/**
 * Removes every header field whose name is in `keys` (lower-case), continuation lines
 * included, and what precedes the first field (`mboxLineEnd`); nothing else changes.
 */
export function removeHeaderFields(data: Uint8Array, section: HeaderSection, keys: ReadonlySet<string>): Buffer {
  const ranges: Array<[number, number]> = [];
  if (section.mboxLineEnd > 0) ranges.push([0, section.mboxLineEnd]);
  for (const f of section.fields) if (keys.has(f.key)) ranges.push([f.start, f.end]);
  return removeRanges(data, ranges);
}

/** True when `data` holds a byte above 127, so it needs 8BITMIME (RFC 6152) or SMTPUTF8. */
export function hasEightBitData(data: Uint8Array): boolean {
  // Node's native scan: ~20x a byte-by-byte loop (10 MiB in ~1 ms, not ~18).
  return !isAscii(data);
}

/**
 * True when the header section of `data` (up to and including the empty line, which ends
 * at `bodyStart`: found again when not given) holds a byte above 127 and is valid UTF-8:
 * internationalized headers (RFC 6532 §3), which call for SMTPUTF8 (RFC 6531 §3.4). Raw
 * 8-bit headers in another charset are not UTF-8 and are not declared as such.
 */
export function hasUtf8Headers(data: Uint8Array, bodyStart = parseHeaderSection(data).bodyStart): boolean {
  const head = data.subarray(0, bodyStart);
  return hasEightBitData(head) && isUtf8(head);
}

/**
 * The prefix of the header names that carry the envelope: `"resent-"` when the message
 * holds exactly one set of Resent-* fields, else `""`.
 *
 * CPython counts `Resent-Date` fields alone. Here a set is counted by whichever Resent-*
 * field occurs most often (each occurs at most once per set, RFC 5322 §3.6.6), so the
 * answer is Python's whenever the sets are well formed, and a block without its
 * `Resent-Date`, or a second `Resent-To` slipped into one set, is neither ignored nor
 * half used.
 * @throws TypeError when there is more than one set (no way to tell which is the latest).
 */
export function resentPrefix(section: HeaderSection): "" | "resent-" {
  const counts = new Map<string, { name: string; count: number }>();
  for (const f of section.fields) {
    if (!f.key.startsWith("resent-")) continue;
    const entry = counts.get(f.key) ?? { name: f.name, count: 0 };
    entry.count++;
    counts.set(f.key, entry);
  }
  let worst: { name: string; count: number } | null = null;
  for (const entry of counts.values()) if (worst === null || entry.count > worst.count) worst = entry;
  if (worst === null) return "";
  if (worst.count > 1) {
    throw new TypeError(
      `message has more than one set of Resent-* headers (${worst.count} ${escapeControl(worst.name)} fields): ` +
        "cannot tell which is the most recent (from and to given do not change that, as in Python): remove the older sets, " +
        "or send it with sendmail(), which reads no header (and removes no Bcc)",
    );
  }
  return "resent-";
}

/**
 * The addr-specs of an address field, read within `budget`. A value that is not UTF-8 (a
 * display name in a legacy charset such as Latin-1, as older messages hold) is read one
 * character per byte, as Python reads it: the display name is not sent, and the addresses
 * must then be ASCII, since the charset of their other bytes is unknown.
 * @throws TypeError when the value cannot be parsed, or is not UTF-8 and holds an address that is not ASCII.
 */
function addressesIn(data: Uint8Array, field: HeaderField, budget: ParseBudget): string[] {
  const raw = data.subarray(field.valueStart, field.valueEnd);
  if (isUtf8(raw)) return parseAddressList(headerValue(data, field), budget);
  const specs = parseAddressList(unfoldHeader(asBuffer(raw).toString("latin1")).trim(), budget);
  const bad = specs.find((spec) => !isAsciiAddress(spec));
  if (bad !== undefined) {
    throw new TypeError(`the ${field.name} header is not valid UTF-8, and its address ${quoted(bad)} is not ASCII: its charset is unknown`);
  }
  return specs;
}

/** The addr-specs of every field named `key`, in order, read within `budget`. */
function addressesOf(data: Uint8Array, section: HeaderSection, key: string, budget: ParseBudget): string[] {
  const out: string[] = [];
  for (const f of section.fields) {
    if (f.key !== key) continue;
    // One push per address, not push(...list): a list of 150,000 addresses overflows the stack.
    for (const spec of addressesIn(data, f, budget)) out.push(spec);
  }
  return out;
}

/**
 * The envelope sender from the headers (Python's `send_message`): the first address of
 * the first `Sender` field, or of the first `From` field when there is no usable Sender
 * (`Resent-Sender` / `Resent-From` when `prefix` is `"resent-"`). `null` when none.
 * @throws TypeError when the chosen field cannot be parsed (see `addressesIn`).
 */
export function findSender(data: Uint8Array, section: HeaderSection, prefix: "" | "resent-"): string | null {
  for (const key of [`${prefix}sender`, `${prefix}from`]) {
    const field = section.fields.find((f) => f.key === key);
    if (field === undefined) continue;
    const addrs = addressesIn(data, field, parseBudget());
    if (addrs.length > 0) return addrs[0];
  }
  return null;
}

/**
 * The envelope recipients from the headers: every address of every `To`, `Bcc` and `Cc`
 * field, in that order, which is CPython's (`send_message` reads them so, though its
 * documentation lists To, Cc, Bcc): the RCPT commands go in the same order
 * (`Resent-To`, `Resent-Bcc`, `Resent-Cc` when `prefix` is `"resent-"`). Duplicates are kept, as in Python. The fields are read as one address
 * list (Python's `getaddresses` reads them so), within one bound (see `parseAddressList`):
 * splitting a list over many fields does not multiply the time it may take.
 * @throws TypeError when one of those fields cannot be parsed, or they are beyond that bound.
 */
export function findRecipients(data: Uint8Array, section: HeaderSection, prefix: "" | "resent-"): string[] {
  const budget = parseBudget();
  return ["to", "bcc", "cc"].flatMap((name) => addressesOf(data, section, prefix + name, budget));
}
