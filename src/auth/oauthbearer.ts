/**
 * OAUTHBEARER (RFC 7628): `n,a=USER,\x01host=HOST\x01port=PORT\x01auth=Bearer TOKEN\x01\x01`.
 * It reveals the token. An error challenge (RFC 7628 §3.2.2, base64 JSON) is answered with
 * a single `\x01` (§3.2.3); its JSON becomes the `details` of the `SMTPAuthenticationError`.
 * @module
 */

import { SMTPAuthenticationError } from "../errors.js";
import { checkCredential, checkUser, resolveToken, saslName, utf8 } from "./credentials.js";
import type { AuthContext, AuthCredentials, SASLExchange, SASLMechanism } from "./mechanism.js";
import { parseOAuthError } from "./oauth-error.js";

/** `\x01` separates the key-value pairs, so no value can hold one. */
// eslint-disable-next-line no-control-regex
const SEPARATOR = /\x01/;

/** RFC 5801 `saslname`: `=` and `,` in the authzid escaped as `=3D` and `=2C`. */
/**
 * Encodes the OAUTHBEARER initial client response (RFC 7628 §3.1). Throws `TypeError`
 * when the user name or host holds CR, LF, NUL or `\x01`, or the token is missing or not
 * an RFC 6750 bearer token.
 */
export async function encodeOAuthBearer(credentials: AuthCredentials, context: AuthContext): Promise<Buffer> {
  const user = checkUser(credentials, SEPARATOR);
  const host = checkCredential(context.host, "host", SEPARATOR);
  const token = await resolveToken(credentials.token);
  const port = Number.isInteger(context.port) ? `port=${context.port}\x01` : "";
  // RFC 7628 §3.1 (RFC 5801's gs2-header): an authzid "a=" names at least one character;
  // without a user name there is none (`n,,`).
  const authzid = user === "" ? "" : `a=${saslName(user)}`;
  return utf8(`n,${authzid},\x01host=${host}\x01${port}auth=Bearer ${token}\x01\x01`);
}

/** The OAUTHBEARER mechanism; its token may be a function, called once per attempt. */
export const oauthBearerMechanism: SASLMechanism = Object.freeze({
  name: "OAUTHBEARER",
  revealsSecret: true,
  needs: "token",
  start(credentials: AuthCredentials, context: AuthContext): SASLExchange {
    checkUser(credentials, SEPARATOR);
    let message: Promise<Buffer> | undefined;
    let errorDetails: unknown;
    return {
      initialResponse: () => (message ??= encodeOAuthBearer(credentials, context)),
      respond(challenge: Buffer): Buffer {
        if (errorDetails !== undefined) throw new SMTPAuthenticationError(334, "OAUTHBEARER: unexpected extra challenge from the server");
        errorDetails = parseOAuthError(challenge);
        return Buffer.from([0x01]);
      },
      get errorDetails(): unknown {
        return errorDetails;
      },
    };
  },
});
