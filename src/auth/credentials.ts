/**
 * Checks shared by every mechanism: credentials are UTF-8 text without the characters the
 * protocol cannot carry, and tokens may come from a callback. Error messages name the
 * field, never its value.
 * @module
 */

import { describeType } from "../errors.js";
import type { AuthCredentials, TokenSource } from "./mechanism.js";

/** CR, LF and NUL: refused in every credential (API.md, "A caller's mistake"). */
const LINE_BREAKING = /[\r\n\0]/;

/**
 * A lone surrogate: text with no UTF-8 form, which `Buffer.from` would send as U+FFFD
 * (another password than the caller's; Python raises UnicodeEncodeError).
 */
export const LONE_SURROGATE = /\p{Surrogate}/u;

/**
 * Throws `TypeError` unless `value` is a string free of CR, LF, NUL and lone surrogates
 * (and of `extra`, characters a given mechanism uses as separators). The message names
 * `what`, never the value.
 */
export function checkCredential(value: unknown, what: string, extra?: RegExp): string {
  if (typeof value !== "string") throw new TypeError(`${what} must be a string`);
  if (LINE_BREAKING.test(value)) throw new TypeError(`${what} must not contain CR, LF or NUL`);
  if (LONE_SURROGATE.test(value)) throw new TypeError(`${what} is not well-formed Unicode (a lone surrogate has no UTF-8 form)`);
  if (extra !== undefined && extra.test(value)) {
    throw new TypeError(`${what} contains a character this mechanism cannot carry`);
  }
  return value;
}

/**
 * A value assigned to `user` or `password`: a string, or `null`/`undefined` for none (read
 * back as `null`). Its CR, LF and NUL are refused where it is used (`login()`, the auth
 * objects), as a credential given there is. @throws TypeError naming `what` and the type of
 * anything else, never the value: a number or an object may be the password itself.
 */
export function checkCredentialSetting(value: unknown, what: "user" | "password"): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== "string") throw new TypeError(`${what} must be a string or null, got ${describeType(value)}`);
  return value;
}

/** The user name, checked. Throws `TypeError`. */
export function checkUser(creds: AuthCredentials, extra?: RegExp): string {
  return checkCredential(creds.user, "user name", extra);
}

/** The password, checked; `TypeError` when it is missing or malformed. */
export function checkPassword(creds: AuthCredentials, extra?: RegExp): string {
  if (creds.password === undefined) throw new TypeError("a password is required for this mechanism");
  return checkCredential(creds.password, "password", extra);
}

/**
 * An RFC 6750 bearer token: `b64token` characters only, which also keeps out the
 * separators of XOAUTH2 and OAUTHBEARER (`\x01`) and every control character.
 */
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * Resolves the caller's token (calling the function if it is one, once per attempt, so a
 * refreshed token is used) and checks it. Throws `TypeError` when there is no token or it
 * is not an RFC 6750 `b64token`.
 */
export async function resolveToken(source: TokenSource | undefined): Promise<string> {
  if (source === undefined) throw new TypeError("an OAuth token is required for this mechanism");
  const token = typeof source === "function" ? await source() : source;
  if (typeof token !== "string") throw new TypeError("the OAuth token must be a string");
  if (!B64TOKEN.test(token)) throw new TypeError("the OAuth token is not a valid bearer token (RFC 6750 b64token)");
  return token;
}

/** A name in a GS2 header or SCRAM message (RFC 5802 §5.1 saslname): "=" and "," escaped. */
export function saslName(name: string): string {
  return name.replace(/=/g, "=3D").replace(/,/g, "=2C");
}

/** UTF-8 bytes of a string (user names and passwords are UTF-8: Python's gh-73936). */
export function utf8(text: string): Buffer {
  return Buffer.from(text, "utf8");
}
