// A message over the debugging server's size limit with SIZE hidden (`extensions: { size:
// false }`: the server, not smtp-server, refuses it) gets 552 5.3.4 (RFC 3463: message too
// big for system), as with SIZE shown, not 5.2.2 (mailbox full), which a client (the CLI's
// size hint among them) reads as a full mailbox. Byte for byte, SMTP and LMTP.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { RawClient, withServer } from "../helpers/debug-client.js";

test("SIZE hidden: DATA over the limit is 552 5.3.4, as with SIZE shown", async () => {
  for (const size of [false, true]) {
    await withServer({ size: 5, extensions: { size } }, async (server) => {
      const c = await RawClient.inData(server);
      const reply = await c.cmd("abcdefgh\r\n.");
      assert.match(reply, /^552 5\.3\.4 /, `SIZE shown: ${size}`);
      c.close();
      assert.equal(server.messages.length, 0);
    });
  }
});

test("SIZE hidden, LMTP: DATA over the limit is 552 5.3.4 once per RCPT (a repeat included), byte for byte", async () => {
  await withServer({ size: 5, lmtp: true, extensions: { size: false } }, async (server) => {
    const c = await RawClient.inData(server, { hello: "LHLO client.example", to: ["b@example.org", "c@example.org", "b@example.org"] });
    c.socket.write("abcdefgh\r\n.\r\nNOOP\r\n");
    const replies = [await c.reply(), await c.reply(), await c.reply(), await c.reply()];
    assert.deepEqual(replies, [
      ...Array<string>(3).fill("552 5.3.4 Message exceeds fixed maximum message size 5\r\n"),
      "250 2.0.0 OK\r\n",
    ]);
    c.close();
  });
});

test("a refusal the caller chose with code 552 (refuseAfterData) keeps smtp-server's status: only the size refusal is 5.3.4", async () => {
  await withServer({ size: 5, extensions: { size: false }, refuseAfterData: [{ address: "b@example.org", code: 552, message: "Mailbox full" }] }, async (server) => {
    const c = await RawClient.inData(server);
    assert.equal(await c.cmd("abc\r\n."), "552 5.2.2 Mailbox full\r\n");
    c.close();
  });
});
