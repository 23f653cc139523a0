// The debugging server's size limit at its edge: a message of exactly `size` bytes is taken
// whole, and of one that is over it nothing reaches the caller (serve's live output).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { RawClient, withServer } from "../helpers/debug-client.js";

const BODY = `Subject: edge\r\n\r\n${"x".repeat(80)}\r\n`;

test("a message of exactly `size` bytes is accepted and kept whole, with SIZE advertised or hidden", async () => {
  for (const advertised of [true, false]) {
    await withServer({ size: BODY.length, extensions: { size: advertised } }, async (server) => {
      const c = await RawClient.inData(server);
      assert.match(await c.cmd(`${BODY}.`), /^250 /, `SIZE advertised: ${advertised}`);
      c.close();
      assert.equal(server.messages.length, 1);
      assert.equal(server.messages[0]?.data.toString("latin1"), BODY, `SIZE advertised: ${advertised}`);
      assert.equal(server.messages[0]?.size, BODY.length);
    });
  }
});

test("a message over `size` is refused (552) and onMessageData is handed none of it past the limit", async () => {
  for (const advertised of [true, false]) {
    const shown: Buffer[] = [];
    const ends: (string | undefined)[] = [];
    await withServer({
      size: 100,
      extensions: { size: advertised },
      onMessageData: (_session, chunk) => void shown.push(chunk),
      onMessageEnd: (_session, refused) => void ends.push(refused),
    }, async (server) => {
      const c = await RawClient.inData(server);
      assert.match(await c.cmd(`${"y".repeat(1000)}\r\n.`), /^552 /, `SIZE advertised: ${advertised}`);
      c.close();
      assert.equal(server.messages.length, 0);
    });
    assert.ok(Buffer.concat(shown).length <= 100, `SIZE advertised: ${advertised}: ${Buffer.concat(shown).length} bytes shown`);
    assert.equal(ends.length, 1);
    assert.match(String(ends[0]), /exceeds fixed maximum message size 100/);
  }
});

test("with SIZE hidden, MAIL FROM's SIZE= parameter is 555 (extension not advertised); with SIZE advertised it is taken", async () => {
  for (const advertised of [true, false]) {
    await withServer({ size: 100, extensions: { size: advertised } }, async (server) => {
      const c = await RawClient.open(server);
      await c.reply();
      await c.cmd("EHLO client.example");
      assert.match(await c.cmd("MAIL FROM:<a@example.org> SIZE=10"), advertised ? /^250 / : /^555 .*SIZE/);
      c.close();
    });
  }
});
