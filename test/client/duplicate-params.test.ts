/**
 * An ESMTP keyword given twice in one command's options (`BODY=7BIT` and `BODY=BINARYMIME`)
 * is a TypeError before anything is sent: a server may honour either copy, and the checks
 * made before MAIL (BINARYMIME needs CHUNKING, REQUIRETLS must be advertised) read the first.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { greeting, withScript } from "../helpers/client.js";

test("a MAIL keyword given twice is a TypeError for sendmail, sendMessage and mail(); nothing is sent", async () => {
  const script = `${greeting(["PIPELINING", "8BITMIME"])}C: NOOP
S: 250 ok
`;
  await withScript(script, async (client) => {
    await client.ehlo("client.test");
    // Without the check, the first BODY passed the BINARYMIME check and the body went as DATA.
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi\r\n", ["BODY=7BIT", "body=BINARYMIME"]), /BODY is given more than once/);
    await assert.rejects(client.sendMessage("From: a@x.test\r\nTo: b@y.test\r\n\r\nhi\r\n", undefined, undefined, ["SIZE=1", "SIZE=2"]), TypeError);
    await assert.rejects(client.mail("a@x.test", ["ENVID=a", "ENVID=b"]), TypeError);
    await client.noop();
  });
});

test("a RCPT keyword given twice is a TypeError for sendmail and rcpt(); nothing is sent", async () => {
  const script = `${greeting(["PIPELINING", "DSN"])}C: NOOP
S: 250 ok
`;
  await withScript(script, async (client) => {
    await client.ehlo("client.test");
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi\r\n", [], ["NOTIFY=NEVER", "NOTIFY=SUCCESS"]), TypeError);
    await assert.rejects(client.rcpt("b@y.test", ["NOTIFY=NEVER", "notify=FAILURE"]), TypeError);
    await client.noop();
  });
});
