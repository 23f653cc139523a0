/**
 * The reply type and the push-style reply parser (RFC 5321 §4.2). Pure: no I/O.
 * @module
 */

import { MAX_REPLY_BYTES, MAX_REPLY_LINE_BYTES, MAX_REPLY_LINES } from "../constants.js";
import { quoteLineBytes } from "../error-text.js";
import { describeValue, parseEnhancedStatus, SMTPResponseException } from "../errors.js";
import { asBuffer, flatCopy } from "./bytes.js";

/** One reply from the server: what Python returns as `(code, msg)`. */
export interface SMTPReply {
  /** The 3-digit reply code (of the last line, for a multi-line reply). */
  code: number;
  /** The text of every line without its code, joined by "\n" (Python's `msg`, decoded as UTF-8). */
  message: string;
  /** The same text, one entry per line. */
  lines: string[];
  /** The RFC 3463 enhanced status code ("2.1.5") when the text starts with one of the code's class. */
  enhancedStatus?: string;
}

/** Caps on what one reply may hold; every read is bounded (Python fixes, API.md "Replies"). */
export interface ReplyLimits {
  /** Longest line, CRLF included. Default 8192 (Python's `_MAXLINE`). */
  maxLineLength?: number;
  /** Largest whole reply in bytes. Default 64 KiB. */
  maxReplyBytes?: number;
  /** Most lines in one reply. Default 1,000. */
  maxReplyLines?: number;
}

const CR = 0x0d;

/**
 * Fills in the default caps and checks the given ones. A line cap below 5 bytes could not
 * hold even `250\r\n`, so it counts as out of range.
 * @throws TypeError for a cap that is not a number; RangeError for a number that is not
 * an integer in range.
 */
export function resolveLimits(limits: ReplyLimits = {}): Required<ReplyLimits> {
  const check = (name: keyof ReplyLimits, fallback: number, min: number): number => {
    const value: unknown = limits[name] ?? fallback;
    // Not a number at all is a TypeError; a number out of range (NaN, 1.5, 0) a RangeError.
    if (typeof value !== "number") throw new TypeError(`limits.${name} must be an integer >= ${min}, got ${describeValue(value)}`);
    if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`limits.${name} must be an integer >= ${min}, got ${String(value)}`);
    return value;
  };
  return {
    maxLineLength: check("maxLineLength", MAX_REPLY_LINE_BYTES, 5),
    maxReplyBytes: check("maxReplyBytes", MAX_REPLY_BYTES, 5),
    maxReplyLines: check("maxReplyLines", MAX_REPLY_LINES, 1),
  };
}

/**
 * The code of each line of the parser's replies whose lines did not all carry the same one
 * (`250-a`, `220 b`). Kept beside the reply, not in it: the reply's shape stays the one
 * every reply has, and a reply whose lines agree (every real server's) costs nothing.
 */
const mixedCodes = new WeakMap<SMTPReply, readonly number[]>();

/**
 * The code each line of `reply` carried on the wire, when its lines did not all carry the
 * same one: `"250-a\r\n220 b\r\n"` gives `[250, 220]` (`reply.code` is the last line's, as
 * in Python). `undefined` for a reply whose every line carried `reply.code`, and for a
 * reply the parser did not make (a copy, `makeReply`). For showing a reply as received
 * (the debug trace).
 */
export function mixedLineCodes(reply: SMTPReply): readonly number[] | undefined {
  return mixedCodes.get(reply);
}

/** True for a 2yz "positive completion" reply (RFC 5321 §4.2.1): the command succeeded. */
export function isPositiveCompletion(code: number): boolean {
  return code >= 200 && code < 300;
}

/**
 * True for a reply that completes nothing (RFC 5321 §4.2.1): a 3yz "positive
 * intermediate" (the server now waits for more input) or a 1yz "positive preliminary"
 * (which no SMTP command takes; another reply would follow it, and every later reply would
 * then reach the wrong command).
 */
export function isIncomplete(code: number): boolean {
  return code < 200 ? code >= 100 : code >= 300 && code < 400;
}

/** Builds a reply from its code and text lines (used by the parser and by tests). */
export function makeReply(code: number, lines: string[]): SMTPReply {
  const message = lines.length === 1 ? lines[0]! : lines.join("\n");
  return replyOf(code, message, lines, parseEnhancedStatus(code, lines[0] ?? ""));
}

/** A reply from its parts, its enhanced status already found (see {@link makeReply}). */
function replyOf(code: number, message: string, lines: string[], enhanced: string | undefined): SMTPReply {
  // Two literals rather than adding the property later: an added property would give every
  // such reply a second object to hold it.
  return enhanced === undefined ? { code, message, lines } : { code, message, lines, enhancedStatus: enhanced };
}

/** True for the bytes of Python's `strip(b' \t\r\n')` set. */
function isStripped(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a;
}

/**
 * Strips Python's `strip(b' \t\r\n')` set from both ends (most text has none: no copy).
 * A scan of the stripped characters only: a regular expression for the end (`[ \t]+$`) is
 * tried at every blank of the text and backtracks through the run it starts, quadratic in
 * a run of blanks inside the text (a 64 KiB reply of such lines took a second).
 */
function stripText(text: string): string {
  let a = 0;
  let b = text.length;
  while (a < b && isStripped(text.charCodeAt(a))) a++;
  while (b > a && isStripped(text.charCodeAt(b - 1))) b--;
  return a === 0 && b === text.length ? text : text.slice(a, b);
}

/** True when `text[from..to)` holds CRs alone (or nothing). */
function onlyCRs(text: string, from: number, to: number): boolean {
  while (from < to && text.charCodeAt(from) === CR) from++;
  return from === to;
}

/** Shows a hostile line (one char per byte) safely in an error message. */
function preview(line: string): string {
  return quoteLineBytes(line.slice(0, 60).replace(/[\r\n]+$/, ""));
}

/** A byte past 7-bit ASCII, in text read one char per byte. */
const HIGH_BYTE = /[\u0080-\u00ff]/;

/** The text of the parser's error for a line past its cap (Python's, with code 500): the server's line, not a server's refusal. */
export const LINE_TOO_LONG = "Line too long.";

/** How many recent one-line replies the parser remembers (see `ReplyParser`). */
const RECENT_REPLIES = 4;

/**
 * A one-line reply remembered by its exact wire form (`250 text\r\n`), and when it was
 * last seen. Its strings share no storage with the chunk it came in (a remembered slice
 * would keep a whole read alive).
 */
interface RecentReply {
  wire: string;
  code: number;
  message: string;
  enhancedStatus: string | undefined;
  seen: number;
}

/**
 * A push-style reply parser: feed it bytes as they arrive, in chunks of any size, and it
 * returns every reply completed so far. It keeps no more than one line's bytes plus the
 * lines of the reply in progress, and enforces the caps before reading further.
 *
 * Bytes are read as one-byte (latin1) text, so that the scan for line ends is a string
 * search and every length is a byte count; a line with bytes past ASCII is decoded as
 * UTF-8 on its own.
 *
 * A malformed line throws `SMTPResponseException` with code -1, a line past the line cap
 * throws it with code 500 "Line too long." (Python's message), a reply past its line or
 * byte cap with code -1 "Reply too long"; the caps are enforced on a partial line too, as
 * soon as its bytes cannot fit. After any of these the parser is poisoned (the connection
 * must be closed): later pushes throw the same error. The error does not depend on how the
 * bytes were chunked.
 */
export class ReplyParser {
  readonly #maxLine: number;
  readonly #maxBytes: number;
  readonly #maxLines: number;
  /**
   * The bytes of an unfinished line, one char per byte, in the pieces they came in: joined
   * once, when the line's LF comes, so that a line dripped in small chunks is copied once
   * rather than once per chunk (which was quadratic in the line's length).
   */
  readonly #partial: string[] = [];
  /** The length of {@link #partial}, all its pieces. */
  #partialBytes = 0;
  #lines: string[] = [];
  /** The code of the first line of the reply in progress (while {@link #lines} is not empty). */
  #firstCode = 0;
  /**
   * The code of each line of the reply in progress, once one differed from the first's;
   * `null` while they all agree, so that ordinary replies allocate nothing for it.
   */
  #codes: number[] | null = null;
  #replyBytes = 0;
  #failure: SMTPResponseException | null = null;
  /**
   * The last few distinct one-line replies (ASCII, `ddd text\r\n` with nothing stripped):
   * a pipelined group's replies repeat (fifty RCPTs, fifty `250 2.1.5 Ok`), and a line equal
   * to one of these is answered from it with one comparison, without being cut, checked and
   * parsed again. Each hit gets its own reply object, so no caller shares one with another.
   */
  readonly #recent: RecentReply[] = [];
  /** The entry of {@link #recent} seen last, tried first. */
  #last: RecentReply | null = null;
  /** Counts lines, to find the least recently seen entry of {@link #recent}. */
  #clock = 0;

  /** @throws TypeError or RangeError for a bad limit (see {@link resolveLimits}). */
  constructor(limits: ReplyLimits = {}) {
    const resolved = resolveLimits(limits);
    this.#maxLine = resolved.maxLineLength;
    this.#maxBytes = resolved.maxReplyBytes;
    this.#maxLines = resolved.maxReplyLines;
  }

  /** The protocol error that ended parsing, if any (the parser then stays failed). */
  get failure(): SMTPResponseException | null {
    return this.#failure;
  }

  /** True when a reply has begun (some bytes or lines read) but is not complete. */
  get inProgress(): boolean {
    return this.#partialBytes !== 0 || this.#lines.length > 0;
  }

  /**
   * Parses `chunk` and returns the replies it completed, in order.
   * @throws SMTPResponseException (code -1 or 500) on a malformed or oversized reply.
   */
  push(chunk: Uint8Array): SMTPReply[] {
    if (this.#failure) throw this.#failure;
    const input = asBuffer(chunk);
    let text = input.toString("latin1");
    if (this.#partialBytes !== 0) {
      // An unfinished line grows: no copy of it, and no scan of its bytes again, until its LF.
      if (text.indexOf("\n") === -1) return this.#grow(text);
      this.#partial.push(text);
      text = this.#partial.join("");
      this.#partial.length = 0;
      this.#partialBytes = 0;
    }
    const ascii = !HIGH_BYTE.test(text);
    const replies: SMTPReply[] = [];
    let start = 0;
    try {
      for (;;) {
        const lf = text.indexOf("\n", start);
        if (lf === -1) break;
        const reply = this.#line(text, start, lf, ascii);
        if (reply) replies.push(reply);
        start = lf + 1;
      }
      if (start < text.length) this.#checkCaps(text.length - start);
    } catch (err) {
      // Replies completed before the bad bytes are returned, as they would be had the bad
      // bytes come in a later chunk; the error is then in `failure` and thrown next time.
      if (replies.length > 0) return replies;
      throw err;
    }
    // A flat copy of the unfinished line: never a view that keeps the whole chunk alive.
    if (start < text.length) {
      this.#partial.push(flatCopy(text.slice(start)));
      this.#partialBytes = text.length - start;
    }
    return replies;
  }

  /**
   * Adds `text`, a chunk without an LF, to the unfinished line, once the caps allow it.
   * (`text` is the chunk's own string, made for this push: it keeps no buffer alive.)
   */
  #grow(text: string): SMTPReply[] {
    const seen = this.#partialBytes + text.length;
    this.#checkCaps(seen);
    if (text !== "") {
      this.#partial.push(text);
      this.#partialBytes = seen;
    }
    return [];
  }

  /**
   * Fails when a line holding `seen` bytes before its LF has broken a cap. Each cap is
   * broken at a byte offset in the line (the line cap once `maxLine` bytes came without an
   * LF, the reply cap once the reply's bytes reach `maxBytes` without an LF); the one broken
   * first wins, so the error is the same however the bytes were chunked.
   */
  #checkCaps(seen: number): void {
    const lineAt = this.#maxLine;
    const replyAt = this.#maxBytes - this.#replyBytes;
    const lineBroken = seen >= lineAt;
    const replyBroken = seen >= replyAt;
    if (lineBroken && (!replyBroken || lineAt <= replyAt)) this.#fail(500, LINE_TOO_LONG);
    if (replyBroken) this.#fail(-1, `Reply too long: more than ${this.#maxBytes} bytes`);
  }

  /** Parses one line `text[start..lf]` (LF included); returns a reply when it was the last. */
  #line(text: string, start: number, lf: number, ascii: boolean): SMTPReply | null {
    if (this.#lines.length === 0) {
      const known = this.#known(text, start, lf);
      if (known !== null) return known;
    }
    // Caps first: split across chunks, a line can break them before its LF arrives.
    this.#checkCaps(lf - start);
    if (this.#lines.length >= this.#maxLines) this.#fail(-1, `Reply too long: more than ${this.#maxLines} lines`);
    const end = lf > start && text.charCodeAt(lf - 1) === CR ? lf - 1 : lf;
    const len = end - start;
    const d0 = text.charCodeAt(start) - 0x30, d1 = text.charCodeAt(start + 1) - 0x30, d2 = text.charCodeAt(start + 2) - 0x30;
    const sep = len > 3 ? text.charCodeAt(start + 3) : -1;
    // CRs alone between the code and the LF (`250\r\r\n`) end the line, as Python strips
    // them; looked at only once the usual separators are not there.
    const valid = len >= 3 && d0 >= 0 && d0 <= 9 && d1 >= 0 && d1 <= 9 && d2 >= 0 && d2 <= 9
      && (sep === -1 || sep === 0x20 || sep === 0x2d || (sep === CR && onlyCRs(text, start + 4, end)));
    if (!valid) this.#fail(-1, `Malformed reply line ${preview(text.slice(start, lf + 1))}`);
    this.#replyBytes += lf + 1 - start;
    let line = len > 4 ? text.slice(start + 4, end) : "";
    const plain = ascii || !HIGH_BYTE.test(line);
    if (!plain) line = Buffer.from(line, "latin1").toString("utf8");
    line = stripText(line);
    const code = d0 * 100 + d1 * 10 + d2;
    if (this.#lines.length === 0) this.#firstCode = code;
    else if (this.#codes !== null || code !== this.#firstCode) this.#lineCode(code);
    if (sep === 0x2d) {
      this.#lines.push(line);
      return null;
    }
    this.#replyBytes = 0;
    // Most replies are one line: no growable array for them, and #lines stays the same.
    if (this.#lines.length === 0) {
      const reply = makeReply(code, [line]);
      // Remembered only when the line is exactly `ddd text\r\n` in ASCII (its bytes are then
      // its text), so that equal wire bytes mean an equal reply. Whether it is ASCII is
      // decided on the bytes: decoding turns an invalid byte into U+FFFD, which is not one.
      if (sep === 0x20 && end === lf - 1 && plain && len === line.length + 4) this.#remember(text.slice(start, lf + 1), code);
      return reply;
    }
    const lines = this.#lines;
    lines.push(line);
    this.#lines = [];
    const reply = makeReply(code, lines);
    if (this.#codes !== null) {
      mixedCodes.set(reply, this.#codes);
      this.#codes = null;
    }
    return reply;
  }

  /**
   * Notes the code of a line after the first of a multi-line reply, once the codes differ:
   * the codes so far are the first line's.
   */
  #lineCode(code: number): void {
    if (this.#codes === null) this.#codes = new Array<number>(this.#lines.length).fill(this.#firstCode);
    this.#codes.push(code);
  }

  /**
   * A fresh copy of the remembered reply whose wire form is `text[start..lf]`, or `null`.
   * Such a line passed every check when first parsed, and the caps cannot differ: it
   * starts a reply, like the line it equals.
   */
  #known(text: string, start: number, lf: number): SMTPReply | null {
    const length = lf + 1 - start;
    // The reply seen last first: a pipelined group's replies mostly repeat the one before.
    let entry = this.#last;
    if (entry === null || entry.wire.length !== length || !text.startsWith(entry.wire, start)) {
      entry = null;
      for (const e of this.#recent) {
        if (e.wire.length === length && text.startsWith(e.wire, start)) {
          entry = e;
          break;
        }
      }
      if (entry === null) return null;
      this.#last = entry;
    }
    entry.seen = ++this.#clock;
    return replyOf(entry.code, entry.message, [entry.message], entry.enhancedStatus);
  }

  /** Remembers a one-line reply by its wire form, in place of the least recently seen one when full. */
  #remember(rawWire: string, code: number): void {
    const wire = flatCopy(rawWire);
    const message = wire.slice(4, -2);
    const entry: RecentReply = { wire, code, message, enhancedStatus: parseEnhancedStatus(code, message), seen: ++this.#clock };
    this.#last = entry;
    if (this.#recent.length < RECENT_REPLIES) {
      this.#recent.push(entry);
      return;
    }
    let oldest = 0;
    for (let i = 1; i < this.#recent.length; i++) if (this.#recent[i]!.seen < this.#recent[oldest]!.seen) oldest = i;
    this.#recent[oldest] = entry;
  }

  #fail(code: number, message: string): never {
    this.#partial.length = 0;
    this.#partialBytes = 0;
    this.#lines = [];
    this.#codes = null;
    this.#failure = new SMTPResponseException(code, message);
    throw this.#failure;
  }
}
