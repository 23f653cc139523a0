// A server that answers AUTH with 250 (a sink, such as Postfix's smtp-sink, that says Ok to
// everything) has not logged the client in: send exits 6, and the error says that only 235
// confirms a login, so that "250 2.0.0 Ok" does not read as a success. A 334 is a challenge:
// a mechanism that refused one says why itself.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { lineServer } from "../helpers/line-server.js";
import { run } from "../helpers/cli-process.js";
import { authenticateWith } from "../../src/client/authenticate.js";
import { createScramSha256Mechanism } from "../../src/auth/scram-sha-256.js";
import { describeError } from "../../src/cli/connect.js";
import { b64, FakeIO } from "../auth/fake-io.js";

test("send --user to a server that answers AUTH with 250: exit 6, the error says 235 is what confirms a login", async () => {
  const server = await lineServer((sock, line) => {
    if (/^EHLO /i.test(line)) sock.write("250-mx.test\r\n250 AUTH LOGIN\r\n");
    else if (/^AUTH /i.test(line)) sock.write("250 2.0.0 Ok\r\n");
    else if (/^QUIT/i.test(line)) sock.end("221 bye\r\n");
    else sock.write("250 2.0.0 Ok\r\n");
  });
  try {
    const r = await run(["send", "--server", `127.0.0.1:${server.port}`, "--from", "a@x.test", "--to", "b@x.test", "--subject", "s", "--user", "u", "--password-env", "SMTPLIB_TEST_PW"], { env: { SMTPLIB_TEST_PW: "pw" } });
    assert.equal(r.code, 6, r.stdout + r.stderr);
    assert.equal(r.stderr, "smtplib: SMTPAuthenticationError: 250 2.0.0 Ok (not a login: only 235 confirms one)\n");
    assert.equal(r.stdout, "");
  } finally {
    await server.close();
  }
});

test("a mechanism's refusal of the server's 334 challenge is said as the mechanism says it, without the note for a login answered by a code other than 235", async () => {
  const nonce = "rOprNGfwEbeRWgbNEkqO";
  const mech = createScramSha256Mechanism({ nonce: () => nonce, pbkdf2: () => Promise.resolve(Buffer.alloc(32)) });
  const io = new FakeIO([`334 ${b64(`r=${nonce}x,s=not*base64,i=4096`)}`, "501 5.7.0 cancelled"]);
  const err = await authenticateWith(io, mech, { user: "user", password: "pencil" }).then(() => assert.fail("accepted"), (e: unknown) => e);
  assert.equal(describeError(err, false, "none"), "SMTPAuthenticationError: 334 SCRAM-SHA-256: malformed salt");
});
