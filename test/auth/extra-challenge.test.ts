/**
 * A hostile server that sends one challenge more than PLAIN, LOGIN, XOAUTH2 or OAUTHBEARER has
 * answers for: the exchange is cancelled with SMTPAuthenticationError naming the mechanism,
 * and no credential goes again after the extra challenge.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { authenticateWith } from "../../src/client/authenticate.js";
import type { SASLMechanism } from "../../src/auth/mechanism.js";
import { loginMechanism } from "../../src/auth/login.js";
import { oauthBearerMechanism } from "../../src/auth/oauthbearer.js";
import { plainMechanism } from "../../src/auth/plain.js";
import { xoauth2Mechanism } from "../../src/auth/xoauth2.js";
import { SMTPAuthenticationError } from "../../src/errors.js";
import { b64, FakeIO } from "./fake-io.js";

const ERROR = `334 ${b64('{"status":"invalid_token"}')}`;

// mechanism, the server's challenges, credentials, the answers after the AUTH command
const cases: [SASLMechanism, string[], { user: string; password?: string; token?: string }, string[]][] = [
  [plainMechanism, ["334 "], { user: "tim", password: "tanstaaftanstaaf" }, ["*"]],
  [loginMechanism, ["334 UGFzc3dvcmQ6", "334 UGFzc3dvcmQ6"], { user: "tim", password: "tanstaaftanstaaf" }, [b64("tanstaaftanstaaf"), "*"]],
  [xoauth2Mechanism, [ERROR, ERROR], { user: "tim", token: "tanstaaftanstaaf" }, ["", "*"]],
  [oauthBearerMechanism, [ERROR, ERROR], { user: "tim", token: "tanstaaftanstaaf" }, [b64("\x01"), "*"]],
];

for (const [mechanism, challenges, credentials, answers] of cases) {
  test(`${mechanism.name}: a challenge after the last answer fails with SMTPAuthenticationError; the credential is not sent again`, async () => {
    const io = new FakeIO([...challenges, "501 5.7.0 cancelled"]);
    await assert.rejects(authenticateWith(io, mechanism, credentials), (err: unknown) => {
      assert.ok(err instanceof SMTPAuthenticationError, String(err));
      assert.equal(err.smtpError, `${mechanism.name}: unexpected extra challenge from the server`);
      assert.equal(err.smtpCode, 334, "the code of the reply that carried the extra challenge");
      assert.doesNotMatch(err.message, /tanstaaf/);
      return true;
    });
    assert.equal(io.remaining, 0, "the cancellation's reply was read");
    // The credential went once, in the AUTH command; then the error answer, then "*".
    assert.match(io.sent[0]!, new RegExp(`^AUTH ${mechanism.name} \\S+$`));
    assert.deepEqual(io.sent.slice(1), answers);
  });
}
