// The debugging server fails a transaction once one of its BDAT chunks was refused for want
// of a recipient, until RSET (RFC 3030 §2; README: "saying the transaction failed and to
// send RSET"). DATA is no way around that: after such a chunk and a RCPT accepted, DATA got
// its 354 and the message was taken, in a transaction the server had said failed. Now it
// gets 503 (the transaction failed), SMTP and LMTP, and RSET starts over as before.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { RawClient, withServer } from "../helpers/debug-client.js";

for (const lmtp of [false, true]) {
  test(`${lmtp ? "LMTP" : "SMTP"}: DATA after a BDAT chunk refused 'need RCPT' (a RCPT accepted since) is 503, nothing taken, until RSET`, async () => {
    await withServer({ lmtp, extensions: { chunking: true } }, async (server) => {
      const c = await RawClient.open(server);
      await c.reply();
      await c.cmd(`${lmtp ? "LHLO" : "EHLO"} client.example`);
      assert.match(await c.cmd("MAIL FROM:<a@example.org>"), /^250 /);
      c.socket.write("BDAT 3\r\nxyz");
      assert.match(await c.reply(), /^503 .*RCPT/);
      assert.match(await c.cmd("RCPT TO:<b@example.org>"), /^250 /);
      assert.match(await c.cmd("DATA"), /^503 .*failed by an earlier refused BDAT chunk.*RSET/);
      // Not in DATA mode: these are commands.
      assert.match(await c.cmd("RSET"), /^250 /);
      assert.match(await c.cmd("MAIL FROM:<a@example.org>"), /^250 /);
      assert.match(await c.cmd("RCPT TO:<b@example.org>"), /^250 /);
      assert.match(await c.cmd("DATA"), /^354 /);
      assert.match(await c.cmd("hello\r\n."), /^250 /);
      c.close();
      assert.equal(server.messages.length, 1);
      assert.equal(server.messages[0]!.data.toString(), "hello\r\n");
    });
  });
}
