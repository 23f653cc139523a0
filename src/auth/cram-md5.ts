/**
 * CRAM-MD5 (RFC 2195): the answer to the server's challenge is
 * `user SP hex(HMAC-MD5(password, challenge))`. The password never crosses the link, but
 * HMAC-MD5 is weak; SCRAM-SHA-256 and SCRAM-SHA-1 are preferred where offered.
 * @module
 */

import { createHmac } from "node:crypto";
import { SMTPAuthenticationError } from "../errors.js";
import { checkCredential, checkPassword, checkUser, utf8 } from "./credentials.js";
import type { AuthCredentials, SASLExchange, SASLMechanism } from "./mechanism.js";

/**
 * The CRAM-MD5 answer to `challenge`: `user SP lower-hex HMAC-MD5` with the UTF-8
 * password as key (RFC 2195 §2). Throws `TypeError` for a missing or malformed credential.
 */
export function cramMd5Response(user: string, password: string, challenge: Uint8Array): string {
  checkCredential(user, "user name");
  checkCredential(password, "password");
  const digest = createHmac("md5", utf8(password)).update(challenge).digest("hex");
  return `${user} ${digest}`;
}

/** The CRAM-MD5 mechanism. `start()` throws `TypeError` for a missing or malformed credential. */
export const cramMd5Mechanism: SASLMechanism = Object.freeze({
  name: "CRAM-MD5",
  revealsSecret: false,
  needs: "password",
  start(credentials: AuthCredentials): SASLExchange {
    const user = checkUser(credentials);
    const password = checkPassword(credentials);
    let answered = false;
    return {
      initialResponse: () => null,
      respond(challenge: Buffer): Buffer {
        if (answered) throw new SMTPAuthenticationError(334, "CRAM-MD5: unexpected extra challenge from the server");
        answered = true;
        return utf8(cramMd5Response(user, password, challenge));
      },
    };
  },
});
