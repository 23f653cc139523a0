/**
 * MAIL's REQUIRETLS (RFC 8689): the caller's demand that the message travel only over TLS
 * goes only to a server that advertises REQUIRETLS (which it does only over TLS, §4.1).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPNotSupportedError } from "../../src/index.js";
import { greeting, HELO_ONLY, withScript } from "../helpers/client.js";

test("REQUIRETLS to a server that does not advertise it is SMTPNotSupportedError before MAIL, for sendmail, sendMessage and mail()", async () => {
  // A server that ignored the unknown parameter would take the message in clear text.
  const script = `${greeting(["PIPELINING", "8BITMIME"])}C: NOOP
S: 250 ok
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi\r\n", ["requiretls"]), SMTPNotSupportedError);
    await assert.rejects(client.sendMessage("From: a@x.test\r\nTo: b@y.test\r\n\r\nhi\r\n", undefined, undefined, ["REQUIRETLS"]), SMTPNotSupportedError);
    await assert.rejects(client.mail("a@x.test", ["REQUIRETLS"]), SMTPNotSupportedError);
    await client.noop();
  });
});

test("REQUIRETLS to a server that only took HELO is SMTPNotSupportedError, not dropped with the other options", async () => {
  const script = `${HELO_ONLY}C: NOOP
S: 250 ok
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi\r\n", ["REQUIRETLS"]), SMTPNotSupportedError);
    await client.noop();
  });
});

test("REQUIRETLS to a server that advertises it goes on MAIL as given", async () => {
  const script = `${greeting(["REQUIRETLS"])}C: MAIL FROM:<a@x.test> REQUIRETLS
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
C: DATA
S: 354 go
C: hi
C: .
S: 250 queued
`;
  await withScript(script, async (client) => {
    assert.equal((await client.sendmail("a@x.test", "b@y.test", "hi\r\n", ["requiretls"])).size, 0);
  });
});
