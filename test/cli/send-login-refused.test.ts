// A login refused with 535 (RFC 4954 §6: the credentials are invalid): the line says which
// user and which variable's password were tried, and the flags that set them, so that a
// typo in either shows; the password itself is never printed.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { MESSAGE, run, Serve } from "../helpers/cli-process.js";

test("send --user with a wrong password: exit 6, the line names the user, the variable, --user and --password-env, never the password", async () => {
  const serve = await Serve.start(["--auth", "alice:right", "--quiet"]);
  try {
    const r = await run(["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test", "--user", "alice", "--password-env", "SMTPLIB_TEST_PW", "--auth-mech", "PLAIN"],
      { input: MESSAGE, env: { SMTPLIB_TEST_PW: "wrong-secret" } });
    assert.equal(r.code, 6, r.stderr);
    assert.match(r.stderr, /^smtplib: SMTPAuthenticationError: 535 [^\n]* \(the server refused user alice with the password from SMTPLIB_TEST_PW: check --user and --password-env\)\n$/);
    assert.doesNotMatch(r.stdout + r.stderr, /wrong-secret/);
  } finally {
    await serve.stop();
  }
});

test("send --user user:password (curl's -u form) refused with 535: the line does not show that --user value, which holds the password", async () => {
  const serve = await Serve.start(["--auth", "alice:right", "--quiet"]);
  try {
    const r = await run(["send", "--server", `127.0.0.1:${serve.port}`, "--from", "a@x.test", "--to", "b@x.test", "--user", "alice:typed-secret", "--password-env", "SMTPLIB_TEST_PW", "--auth-mech", "PLAIN", "-v"],
      { input: MESSAGE, env: { SMTPLIB_TEST_PW: "right" } });
    assert.equal(r.code, 6, r.stderr);
    assert.doesNotMatch(r.stdout + r.stderr, /typed-secret/);
    assert.match(r.stderr, /\nsmtplib: SMTPAuthenticationError: 535 [^\n]* \(the server refused the user given with --user \(not shown: it has a ":", as user:password has; the password goes in the variable --password-env names\) with the password from SMTPLIB_TEST_PW\)\n/);
  } finally {
    await serve.stop();
  }
});
