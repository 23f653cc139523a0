/**
 * PLAIN (RFC 4616): `[authzid] NUL authcid NUL passwd` in one message, sent as the initial
 * response or after the server's empty challenge. It reveals the password.
 * @module
 */

import { SMTPAuthenticationError } from "../errors.js";
import { checkCredential, checkPassword, checkUser, utf8 } from "./credentials.js";
import type { AuthCredentials, SASLExchange, SASLMechanism } from "./mechanism.js";

/**
 * Encodes the PLAIN message `authzid NUL user NUL password` as UTF-8 (RFC 4616 §2).
 * Throws `TypeError` when a part holds CR, LF or NUL or the password is missing.
 */
export function encodePlain(creds: AuthCredentials): Buffer {
  const user = checkUser(creds);
  const password = checkPassword(creds);
  const authzid = creds.authzid === undefined ? "" : checkCredential(creds.authzid, "authorization identity");
  return utf8(`${authzid}\0${user}\0${password}`);
}

/** The PLAIN mechanism. `start()` throws `TypeError` for credentials PLAIN cannot carry. */
export const plainMechanism: SASLMechanism = Object.freeze({
  name: "PLAIN",
  revealsSecret: true,
  needs: "password",
  carriesAuthzid: true,
  start(credentials: AuthCredentials): SASLExchange {
    const message = encodePlain(credentials);
    return {
      initialResponse: () => message,
      respond(): Buffer {
        // PLAIN is one message; the adapter answers the first (empty) challenge with the
        // initial response, so a further challenge means the server is confused.
        throw new SMTPAuthenticationError(334, "PLAIN: unexpected extra challenge from the server");
      },
    };
  },
});
