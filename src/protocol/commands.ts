/**
 * Command encoders: each renders one wire line (CRLF included) as bytes. Verbs and
 * parameter keywords are upper-case; a CR, LF or NUL anywhere is a `TypeError` before
 * a byte is sent (the encoded bytes are checked, not only the string). Pure: no I/O.
 * @module
 */

import { normalizeParams } from "./params.js";

/** How command text is encoded: ASCII, or UTF-8 inside an SMTPUTF8 transaction (RFC 6531). */
export type CommandEncoding = "ascii" | "utf8";

/**
 * Throws a `TypeError` when `value` holds CR, LF or NUL (command injection).
 * @param what names the value in the message ("address", "argument", ...).
 */
export function assertSafe(value: string, what: string): void {
  if (typeof value !== "string") throw new TypeError(`${what} must be a string, got ${typeof value}`);
  if (/[\r\n\0]/.test(value)) {
    throw new TypeError(`${what} must not contain CR, LF or NUL: ${JSON.stringify(value.slice(0, 80))}`);
  }
}

/** True when `text` is 7-bit ASCII. */
export function isAscii(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /^[\u0000-\u007f]*$/.test(text);
}

/**
 * Encodes `verb args\r\n`. The verb is sent as given (for `putcmd`); use upper-case verbs.
 * @throws TypeError for CR, LF or NUL, non-ASCII text when `encoding` is `"ascii"`, or a
 * lone surrogate (text that has no UTF-8 form).
 */
export function encodeCommand(verb: string, args = "", encoding: CommandEncoding = "ascii"): Buffer {
  assertSafe(verb, "command");
  assertSafe(args, "command argument");
  const line = args === "" ? verb : `${verb} ${args}`;
  if (encoding === "ascii" && !isAscii(line)) {
    throw new TypeError(`Non-ASCII command text needs an SMTPUTF8 transaction: ${JSON.stringify(line.slice(0, 80))}`);
  }
  // A lone surrogate would be sent as U+FFFD: a different address than the caller gave.
  if (/\p{Surrogate}/u.test(line)) {
    throw new TypeError(`command text is not well-formed Unicode (lone surrogate): ${JSON.stringify(line.slice(0, 80))}`);
  }
  const bytes = Buffer.from(`${line}\r\n`, encoding === "ascii" ? "latin1" : "utf8");
  const eol = bytes.length - 2;
  if (bytes.indexOf(0x0d) !== eol || bytes.indexOf(0x0a) !== eol + 1 || bytes.includes(0)) {
    throw new TypeError("command bytes must not contain CR, LF or NUL");
  }
  return bytes;
}

/**
 * `MAIL FROM:<path> PARAMS` (RFC 5321 §4.1.1.2); `path` is already quoted (`<a@b>`).
 * @throws TypeError as {@link encodeCommand}, or for an invalid option (see `parseParam`).
 */
export function encodeMail(path: string, options: readonly string[] = [], encoding: CommandEncoding = "ascii"): Buffer {
  return encodeCommand("MAIL", joinParams(`FROM:${path}`, options), encoding);
}

/**
 * `RCPT TO:<path> PARAMS` (RFC 5321 §4.1.1.3); `path` is already quoted.
 * @throws TypeError as {@link encodeMail}.
 */
export function encodeRcpt(path: string, options: readonly string[] = [], encoding: CommandEncoding = "ascii"): Buffer {
  return encodeCommand("RCPT", joinParams(`TO:${path}`, options), encoding);
}

/** `BDAT size [LAST]` (RFC 3030 §2). */
export function encodeBdat(size: number, last: boolean): Buffer {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`BDAT chunk size must be a non-negative integer, got ${size}`);
  return Buffer.from(last ? `BDAT ${size} LAST\r\n` : `BDAT ${size}\r\n`, "latin1");
}

function joinParams(head: string, options: readonly string[]): string {
  const params = normalizeParams(options);
  return params.length === 0 ? head : `${head} ${params.join(" ")}`;
}
