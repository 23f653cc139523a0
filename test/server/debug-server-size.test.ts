// The debugging server's size limit with SIZE hidden (`serve --size N --hide size`).
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { startDebugServer } from "../../src/server/debug-server.js";
import { RawClient, withServer } from "../helpers/debug-client.js";

test("size limit with SIZE hidden: SIZE not in EHLO at all, a message over the limit still refused with 552", async () => {
  for (const lmtp of [false, true]) {
    await withServer({ size: 100, lmtp, extensions: { size: false } }, async (server) => {
      const c = await RawClient.open(server);
      await c.reply();
      // smtp-server's hideSize only drops the number: a bare "SIZE" still advertises the extension
      assert.doesNotMatch(await c.cmd(`${lmtp ? "LHLO" : "EHLO"} client.example`), /SIZE/);
      assert.match(await c.cmd("MAIL FROM:<a@example.org>"), /^250 /);
      assert.match(await c.cmd("RCPT TO:<b@example.org>"), /^250 /);
      assert.match(await c.cmd("RCPT TO:<c@example.org>"), /^250 /);
      assert.match(await c.cmd("DATA"), /^354 /);
      // one reply in SMTP, one per recipient in LMTP
      const expected = lmtp ? /^552 .*size 100\r\n552 .*size 100\r\n$/ : /^552 .*size 100\r\n$/;
      c.socket.write(`${"x".repeat(300)}\r\n.\r\n`);
      assert.match((await c.reply()) + (lmtp ? await c.reply() : ""), expected);
      // a message within the limit still goes through
      await c.cmd("MAIL FROM:<a@example.org>");
      await c.cmd("RCPT TO:<b@example.org>");
      await c.cmd("DATA");
      assert.match(await c.cmd("small\r\n."), /^250 /);
      c.close();
      assert.equal(server.messages.length, 1);
      assert.equal(server.messages[0]?.data.toString(), "small\r\n");
    });
  }
});

test("a size that is not a whole number of bytes (Infinity, -1, 1.5, NaN, past 2^53) is a RangeError from startDebugServer, not advertised as \"SIZE Infinity\"", async () => {
  for (const size of [Infinity, -1, 1.5, Number.NaN, 2 ** 60]) {
    let started: Awaited<ReturnType<typeof startDebugServer>> | undefined;
    await assert.rejects(async () => {
      started = await startDebugServer({ size });
    }, { name: "RangeError", message: `size must be a whole number of bytes (0: no limit), got ${size}` }, String(size));
    await started?.close();
  }
  // 0 is no limit, as before: no SIZE advertised
  await withServer({ size: 0 }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    assert.doesNotMatch(await c.cmd("EHLO client.example"), /SIZE/);
    c.close();
  });
});
