/**
 * Python-style auth objects: a function answering one challenge at a time, as
 * `SMTP.auth()` takes them, and the three Python provides (`auth_plain`, `auth_login`,
 * `auth_cram_md5`) bound to credentials the caller reads at call time.
 * @module
 */

import { checkCredential } from "./credentials.js";
import { cramMd5Response } from "./cram-md5.js";

/**
 * Python's `authobject`: called with no argument for the RFC 4954 initial response (return
 * `null` when the mechanism has none), then with each server challenge, base64-decoded. A
 * string answer is sent as UTF-8, a `Buffer` as its bytes, both base64-encoded.
 */
export type AuthObject = (challenge?: Buffer) => string | Buffer | null | Promise<string | Buffer | null>;

/** Where the credentials of a bound auth object come from (SMTP's `user`/`password`), read at each call. */
export type CredentialsGetter = () => { user?: string | null; password?: string | null };

/**
 * Python's `_auth_challenge_count` as the exchange loop keeps it: 1 after an AUTH command
 * that carried an initial response (0 otherwise), plus one per challenge received.
 */
export interface AuthState {
  /** The count, updated by `authenticate()` as the exchange goes. */
  challengeCount: number;
}

/**
 * The credentials a bound auth object will use, checked. @throws TypeError when they are
 * unset or hold CR, LF or NUL (the message names the field, never its value).
 */
export function credentials(get: CredentialsGetter): { user: string; password: string } {
  const { user, password } = get();
  if (user === null || user === undefined || password === null || password === undefined) {
    throw new TypeError("user and password must be set before authenticating");
  }
  return { user: checkCredential(user, "user name"), password: checkCredential(password, "password") };
}

/**
 * Python's `auth_plain`: `NUL user NUL password` whatever the challenge. The auth object
 * throws `TypeError` when the credentials are unset or hold CR, LF or NUL.
 */
export function authPlainObject(getCreds: CredentialsGetter): AuthObject {
  return () => {
    const { user, password } = credentials(getCreds);
    return `\0${user}\0${password}`;
  };
}

/**
 * Python's `auth_login`: the user name when called without a challenge or while
 * `challengeCount()` is below 2 (the first challenge), the password after. Pass the
 * `AuthState` count that `authenticate()` updates. The auth object throws `TypeError`
 * when the credentials are unset or hold CR, LF or NUL.
 */
export function authLoginObject(getCreds: CredentialsGetter, challengeCount: () => number): AuthObject {
  return (challenge?: Buffer) => {
    const { user, password } = credentials(getCreds);
    return challenge === undefined || challengeCount() < 2 ? user : password;
  };
}

/**
 * Python's `auth_cram_md5`: `null` without a challenge (no initial response), otherwise
 * `user SP hex(HMAC-MD5(password, challenge))` (RFC 2195). The auth object throws
 * `TypeError` when the credentials are unset or hold CR, LF or NUL.
 */
export function authCramMd5Object(getCreds: CredentialsGetter): AuthObject {
  return (challenge?: Buffer) => {
    // Checked before the AUTH line too, so a bad credential is refused before it is sent.
    const { user, password } = credentials(getCreds);
    if (challenge === undefined) return null;
    return cramMd5Response(user, password, challenge);
  };
}
