// The debugging server's default bounds: a message past 32 MiB (aiosmtpd's default) is refused
// 552 5.3.4 and not kept, without SIZE being advertised (a client's MAIL is as before); `size:
// 0` lifts it. At most 100 clients at once, as `smtplib serve`; `maxClients` raises it. Before,
// neither was bounded: one message, or any number of clients, could take all the memory.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { once } from "node:events";
import { DEFAULT_DEBUG_MAX_CLIENTS, DEFAULT_DEBUG_SIZE } from "../../src/constants.js";
import { RawClient, withServer } from "../helpers/debug-client.js";

/** Message data of exactly `size` bytes (lines of 1,000 with their CRLF), then the final dot. */
function dataOf(size: number): string {
  const line = `${"a".repeat(998)}\r\n`;
  const rest = size % line.length;
  return line.repeat(Math.floor(size / line.length)) + (rest === 0 ? "" : `${"b".repeat(rest - 2)}\r\n`) + ".";
}

test("by default a message of 32 MiB is taken, one byte more is 552 5.3.4 and not kept; SIZE is not advertised", { timeout: 60_000 }, async () => {
  assert.equal(DEFAULT_DEBUG_SIZE, 32 * 1024 * 1024);
  await withServer({}, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    assert.doesNotMatch(await c.cmd("EHLO client.example"), /SIZE/);
    for (const [size, reply] of [[DEFAULT_DEBUG_SIZE, /^250 /], [DEFAULT_DEBUG_SIZE + 1, /^552 5\.3\.4 Message exceeds fixed maximum message size 33554432\r\n$/]] as const) {
      assert.match(await c.cmd("MAIL FROM:<a@example.org>"), /^250 /);
      assert.match(await c.cmd("RCPT TO:<b@example.org>"), /^250 /);
      assert.match(await c.cmd("DATA"), /^354 /);
      assert.match(await c.cmd(dataOf(size)), reply, String(size));
    }
    assert.deepEqual(server.messages.map((m) => m.size), [DEFAULT_DEBUG_SIZE]);
    c.close();
  });
});

test("size: 0 lifts the default bound", { timeout: 60_000 }, async () => {
  await withServer({ size: 0 }, async (server) => {
    const c = await RawClient.inData(server);
    assert.match(await c.cmd(dataOf(DEFAULT_DEBUG_SIZE + 1)), /^250 /);
    assert.equal(server.messages[0]?.size, DEFAULT_DEBUG_SIZE + 1);
    c.close();
  });
});

test("by default at most 100 clients at once: the 101st is refused with 421 (and a transcript line); maxClients raises it", { timeout: 60_000 }, async () => {
  assert.equal(DEFAULT_DEBUG_MAX_CLIENTS, 100);
  for (const [options, refused] of [[{}, true], [{ maxClients: 101 }, false]] as const) {
    await withServer(options, async (server) => {
      const clients: RawClient[] = [];
      try {
        // opened together: each greeting comes some 100 ms after its connection (smtp-server)
        clients.push(...await Promise.all(Array.from({ length: 100 }, () => RawClient.open(server))));
        for (const [i, c] of clients.entries()) assert.match(await c.reply(), /^220 /, `client ${i + 1}`);
        const last = await RawClient.open(server);
        clients.push(last);
        const greeting = await last.reply();
        if (refused) {
          assert.match(greeting, /^421 .*Too many connected clients/);
          await once(last.socket, "close");
          assert.ok(server.transcript.some((e) => / refused: the server already has its 100 client\(s\) \(maxClients\)$/.test(e.line)));
        } else {
          assert.match(greeting, /^220 /);
        }
      } finally {
        for (const c of clients) c.close();
      }
    });
  }
});
