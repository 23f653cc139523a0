/**
 * Command encoders: each renders one wire line (CRLF included) as text or as bytes. Verbs and
 * parameter keywords are upper-case; a CR, LF or NUL anywhere is a `TypeError` before
 * a byte is sent (the encoded bytes are checked, not only the string). Pure: no I/O.
 * @module
 */

import { describeType, escapeControl } from "../errors.js";
import { invisibleNamed } from "../error-text.js";
import { normalizeParams } from "./params.js";

/** How command text is encoded: ASCII, or UTF-8 inside an SMTPUTF8 transaction (RFC 6531). */
export type CommandEncoding = "ascii" | "utf8";

/**
 * Throws a `TypeError` when `value` holds CR, LF or NUL (command injection).
 * @param what names the value in the message ("address", "argument", ...).
 * @param shown false for a value that may hold a credential: the message does not quote it.
 */
export function assertSafe(value: string, what: string, shown = true): void {
  if (typeof value !== "string") throw new TypeError(`${what} must be a string, got ${describeType(value)}`);
  if (/[\r\n\0]/.test(value)) {
    throw new TypeError(`${what} must not contain CR, LF or NUL: ${quotedIf(value, shown)}`);
  }
}

/** The start of `text` quoted for an error message, or a note that it is not shown (a credential). */
function quotedIf(text: string, shown: boolean): string {
  // escapeControl: JSON leaves bidi controls and line separators as they are.
  return shown ? escapeControl(JSON.stringify(text.slice(0, 80))) : "(not shown: it may hold a credential)";
}

/** A character past 7-bit ASCII. (A module constant: a regular-expression literal in a function body is a new object on every call.) */
// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\u0000-\u007f]/;

/** True when `text` is 7-bit ASCII. */
export function isAscii(text: string): boolean {
  return !NON_ASCII.test(text);
}

/** Anything a line in ASCII mode may not hold: CR, LF, NUL, or a character past U+007F. */
// eslint-disable-next-line no-control-regex
const UNSAFE_ASCII = /[^\u0001-\u0009\u000b\u000c\u000e-\u007f]/;
/** Anything a line in UTF-8 mode may not hold (lone surrogates are checked apart). */
const UNSAFE_UTF8 = /[\r\n\0]|\p{Surrogate}/u;

/** Half of a UTF-16 pair without the other: text with no UTF-8 form. */
const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * Renders `verb args\r\n` as text: one check of the whole line (a single regular-expression
 * test, the hot path of every command), and the precise error only when it fails. The
 * verb is sent as given (for `putcmd`); use upper-case verbs. In `"ascii"` mode the text is
 * plain ASCII; in `"utf8"` mode it is well-formed Unicode, so either way its UTF-8 bytes
 * hold a CR, LF or NUL only where the text does: never. `shown` as in {@link commandLine}.
 * @throws TypeError for CR, LF or NUL, non-ASCII text when `encoding` is `"ascii"`, or a
 * lone surrogate (text that has no UTF-8 form).
 */
export function commandText(verb: string, args = "", encoding: CommandEncoding = "ascii", shown = true): string {
  return `${commandLine(verb, args, encoding, shown)}\r\n`;
}

/**
 * {@link commandText} without its CRLF: the checked line, which is also what traces show.
 * With `shown` false (a line of an AUTH exchange) its errors do not quote the line.
 * @throws TypeError as {@link commandText}.
 */
export function commandLine(verb: string, args = "", encoding: CommandEncoding = "ascii", shown = true): string {
  if (typeof verb !== "string" || typeof args !== "string") {
    assertSafe(verb, "command");
    assertSafe(args, "command argument");
  }
  const line = args === "" ? verb : `${verb} ${args}`;
  if ((encoding === "ascii" ? UNSAFE_ASCII : UNSAFE_UTF8).test(line)) unsafeLine(verb, args, line, encoding, shown);
  return line;
}

/** Throws the error that says what is wrong with a line that failed the check (quoting it when `shown`). */
function unsafeLine(verb: string, args: string, line: string, encoding: CommandEncoding, shown = true): never {
  assertSafe(verb, "command", shown);
  assertSafe(args, "command argument", shown);
  // A lone surrogate first: in ASCII mode, "needs an SMTPUTF8 transaction" would mislead.
  if (encoding === "ascii" && !LONE_SURROGATE.test(line)) {
    throw new TypeError(`Non-ASCII command text needs an SMTPUTF8 transaction${shown ? invisibleNamed(line) : ""}: ${quotedIf(line, shown)}`);
  }
  // A lone surrogate would be sent as U+FFFD: a different address than the caller gave.
  throw new TypeError(`command text is not well-formed Unicode (lone surrogate): ${quotedIf(line, shown)}`);
}

/**
 * Encodes `verb args\r\n` as bytes (see {@link commandText}); `shown` as in {@link commandLine}.
 * @throws TypeError as {@link commandText}.
 */
export function encodeCommand(verb: string, args = "", encoding: CommandEncoding = "ascii", shown = true): Buffer {
  return Buffer.from(commandText(verb, args, encoding, shown), "utf8");
}

/**
 * `MAIL FROM:<path> PARAMS` (RFC 5321 §4.1.1.2) as text; `path` is already quoted (`<a@b>`).
 * @throws TypeError as {@link commandText}, or for an invalid option (see `parseParam`).
 */
export function mailText(path: string, options: readonly string[] = [], encoding: CommandEncoding = "ascii"): string {
  return paramsText("MAIL", `FROM:${path}`, normalizeParams(options), encoding);
}

/**
 * `RCPT TO:<path> PARAMS` (RFC 5321 §4.1.1.3) as text; `path` is already quoted.
 * @throws TypeError as {@link mailText}.
 */
export function rcptText(path: string, options: readonly string[] = [], encoding: CommandEncoding = "ascii"): string {
  return paramsText("RCPT", `TO:${path}`, normalizeParams(options), encoding);
}

/**
 * `verb head PARAMS\r\n` as text (see {@link commandText}), with `params` already
 * normalised by `normalizeParams`: a transaction normalises its options once, not once per
 * RCPT. @throws TypeError as {@link commandText}.
 */
export function paramsText(verb: string, head: string, params: readonly string[], encoding: CommandEncoding = "ascii"): string {
  return `${paramsLine(verb, head, params, encoding)}\r\n`;
}

/**
 * `RCPT TO:<path> PARAMS` for each path, as checked command lines without CRLF (see
 * {@link commandLine}); `params` already normalised. The parameters are checked once and
 * each path on its own (the verb is constant): the same check as of each whole line, without
 * building a string to test.
 * @throws TypeError as {@link commandText}.
 */
export function rcptLines(paths: readonly string[], params: readonly string[], encoding: CommandEncoding = "ascii"): string[] {
  const suffix = params.length === 0 ? "" : ` ${params.join(" ")}`;
  const unsafe = encoding === "ascii" ? UNSAFE_ASCII : UNSAFE_UTF8;
  const badSuffix = suffix !== "" && unsafe.test(suffix);
  const lines: string[] = [];
  for (const path of paths) {
    // Not a string (no caller passes one): paramsLine gives the same line or error.
    if (typeof path !== "string") {
      lines.push(paramsLine("RCPT", `TO:${path as unknown as string}`, params, encoding));
      continue;
    }
    if (badSuffix || unsafe.test(path)) {
      const args = `TO:${path}${suffix}`;
      unsafeLine("RCPT", args, `RCPT ${args}`, encoding);
    }
    lines.push("RCPT TO:" + path + suffix);
  }
  return lines;
}

/** {@link paramsText} without its CRLF (see {@link commandLine}). @throws TypeError as {@link commandText}. */
export function paramsLine(verb: string, head: string, params: readonly string[], encoding: CommandEncoding = "ascii"): string {
  return commandLine(verb, params.length === 0 ? head : `${head} ${params.join(" ")}`, encoding);
}

/** {@link mailText} as bytes. @throws TypeError as {@link mailText}. */
export function encodeMail(path: string, options: readonly string[] = [], encoding: CommandEncoding = "ascii"): Buffer {
  return Buffer.from(mailText(path, options, encoding), "utf8");
}

/** {@link rcptText} as bytes. @throws TypeError as {@link mailText}. */
export function encodeRcpt(path: string, options: readonly string[] = [], encoding: CommandEncoding = "ascii"): Buffer {
  return Buffer.from(rcptText(path, options, encoding), "utf8");
}

/** `BDAT size [LAST]` (RFC 3030 §2). */
export function encodeBdat(size: number, last: boolean): Buffer {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`BDAT chunk size must be a non-negative integer, got ${size}`);
  return Buffer.from(last ? `BDAT ${size} LAST\r\n` : `BDAT ${size}\r\n`, "latin1");
}

