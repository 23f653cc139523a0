// A server that does not offer STARTTLS: starttls() said only Python's "STARTTLS extension
// not supported by server.", and requireTLS that it refused to go on; neither said what to
// do. Both now say where to look: a port of the server that offers TLS (587 with STARTTLS,
// 465 with SMTP_SSL), or that the extension may be stripped on the path.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { SMTPNotSupportedError } from "../../src/index.js";
import { greeting, withScript } from "../helpers/client.js";

const ADVICE = "Look for a port of the server that offers TLS: 587 with STARTTLS, or 465 with SMTP_SSL (TLS from the first byte); a server known to offer STARTTLS that does not here may have it stripped on the path.";

test("starttls() to a server without STARTTLS: SMTPNotSupportedError in Python's words, then where to look", async () => {
  await withScript(greeting(["PIPELINING"]), async (client) => {
    await assert.rejects(client.starttls(), (err: unknown) => {
      assert.ok(err instanceof SMTPNotSupportedError, String(err));
      assert.equal(err.message, `STARTTLS extension not supported by server. ${ADVICE}`);
      return true;
    });
  });
});

test("requireTLS, a server without STARTTLS: refused before MAIL, saying where to look", async () => {
  await withScript(greeting(["PIPELINING"]), async (client) => {
    await assert.rejects(client.sendmail("a@x.test", ["b@y.test"], "hi\r\n"), (err: unknown) => {
      assert.ok(err instanceof SMTPNotSupportedError, String(err));
      assert.match(err.message, /^requireTLS is set but the server does not offer STARTTLS: refusing to continue in clear text \(possible downgrade attack\)\. Look for a port/);
      assert.ok(err.message.includes(ADVICE.slice(0, -1)), err.message);
      return true;
    });
  }, { requireTLS: true });
});
