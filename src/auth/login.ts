/**
 * LOGIN (draft-murchison-sasl-login): the user name, then the password, each as its own
 * response. Like Python, the user name goes out as the initial response when allowed.
 * It reveals the password.
 * @module
 */

import { SMTPAuthenticationError } from "../errors.js";
import { checkPassword, checkUser, utf8 } from "./credentials.js";
import type { AuthCredentials, SASLExchange, SASLMechanism } from "./mechanism.js";

/** The LOGIN mechanism. `start()` throws `TypeError` for a missing or malformed credential. */
export const loginMechanism: SASLMechanism = Object.freeze({
  name: "LOGIN",
  revealsSecret: true,
  needs: "password",
  start(credentials: AuthCredentials): SASLExchange {
    const user = utf8(checkUser(credentials));
    const password = utf8(checkPassword(credentials));
    let answered = 0;
    return {
      // The user name; without an initial response the adapter gives it to the first
      // challenge ("Username:"), so `respond` only ever has the password to give.
      initialResponse: () => user,
      respond(): Buffer {
        answered += 1;
        if (answered > 1) throw new SMTPAuthenticationError(334, "LOGIN: unexpected extra challenge from the server");
        return password;
      },
    };
  },
});
