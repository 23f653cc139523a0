/**
 * The debugging server's check of a login against its users' passwords.
 * @module
 */
import type { SMTPServerAuthentication } from "smtp-server";

/** Whether `auth` (a login smtp-server parsed) proves the password `expected` for its user. */
export function checkCredentials(auth: SMTPServerAuthentication, expected: string): boolean {
  switch (auth.method) {
    case "PLAIN":
    case "LOGIN":
      return auth.password === expected;
    case "CRAM-MD5":
      return auth.validatePassword(expected);
    case "XOAUTH2":
      return auth.accessToken === expected;
    default:
      return false;
  }
}
