// A login the library will not run in clear (PLAIN to a host that is not loopback) after
// --starttls went on without encryption (the server offers no STARTTLS): the error says so,
// rather than advising --starttls, the flag that was given.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { login, type AuthIO } from "../../src/client/authenticate.js";
import { describeError } from "../../src/cli/connect.js";

/** The library's refusal to send PLAIN over a link in clear to a host that is not loopback. */
async function insecureRefusal(): Promise<unknown> {
  const io: AuthIO = {
    command: () => Promise.reject(new Error("nothing may be sent")),
    encrypted: false, loopback: false, host: "mx.example.org", port: 25,
  };
  return login(io, "PLAIN", { user: "u", password: "secret" }).then(() => assert.fail("login went on in clear"), (err: unknown) => err);
}

test("a login refused in clear after --starttls found no STARTTLS says the server offers none, not 'Use --starttls'", async () => {
  const err = await insecureRefusal();
  const starttls = describeError(err, false, "starttls");
  assert.doesNotMatch(starttls, /Use --starttls/);
  assert.match(starttls, /^SMTPException: Refusing AUTH PLAIN to mx\.example\.org: .* The server offers no STARTTLS \(--starttls went on without encryption\): use --ssl instead of --starttls if it has an implicit-TLS port \(465\)\.$/);
  // without a TLS flag the advice stands, worded as the CLI's flags
  assert.match(describeError(err, false, "none"), / Use --starttls, --require-tls or --ssl\.$/);
  assert.doesNotMatch(starttls + describeError(err, false, "none"), /secret/);
});
