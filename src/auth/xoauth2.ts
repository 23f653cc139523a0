/**
 * XOAUTH2 (Google's and Microsoft's OAuth 2.0 mechanism):
 * `user=USER \x01 auth=Bearer TOKEN \x01\x01`. It reveals the token. An error challenge
 * (base64 JSON) is answered with an empty response, as Google documents; its JSON becomes
 * the `details` of the `SMTPAuthenticationError` that follows.
 * @module
 */

import { SMTPAuthenticationError } from "../errors.js";
import { checkUser, resolveToken, utf8 } from "./credentials.js";
import type { AuthCredentials, SASLExchange, SASLMechanism } from "./mechanism.js";
import { parseOAuthError } from "./oauth-error.js";

/** `\x01` separates XOAUTH2 fields, so a user name cannot hold one. */
// eslint-disable-next-line no-control-regex
const SEPARATOR = /\x01/;

/**
 * Encodes the XOAUTH2 initial client response. Throws `TypeError` when the user name holds
 * CR, LF, NUL or `\x01`, or the token is missing or not an RFC 6750 bearer token.
 */
export async function encodeXoauth2(credentials: AuthCredentials): Promise<Buffer> {
  const user = checkUser(credentials, SEPARATOR);
  const token = await resolveToken(credentials.token);
  return utf8(`user=${user}\x01auth=Bearer ${token}\x01\x01`);
}

/** The XOAUTH2 mechanism; its token may be a function, called once per attempt. */
export const xoauth2Mechanism: SASLMechanism = Object.freeze({
  name: "XOAUTH2",
  revealsSecret: true,
  needs: "token",
  start(credentials: AuthCredentials): SASLExchange {
    checkUser(credentials, SEPARATOR);
    let message: Promise<Buffer> | undefined;
    let errorDetails: unknown;
    return {
      initialResponse: () => (message ??= encodeXoauth2(credentials)),
      respond(challenge: Buffer): Buffer {
        if (errorDetails !== undefined) throw new SMTPAuthenticationError(334, "XOAUTH2: unexpected extra challenge from the server");
        errorDetails = parseOAuthError(challenge);
        return Buffer.alloc(0);
      },
      get errorDetails(): unknown {
        return errorDetails;
      },
    };
  },
});
