// CHUNKING (RFC 3030) in the debugging server at its edges: the longest size it can count,
// what a client is told, and what is kept.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { RawClient, withServer } from "../helpers/debug-client.js";

const ON = { extensions: { chunking: true } } as const;

/** A session past RCPT TO:<b@example.org>, after EHLO (LHLO in LMTP). */
async function inTransaction(server: { host: string; port: number }, lmtp = false): Promise<RawClient> {
  const c = await RawClient.open(server);
  await c.reply();
  await c.cmd(`${lmtp ? "LHLO" : "EHLO"} client.example`);
  assert.match(await c.cmd("MAIL FROM:<a@example.org>"), /^250 /);
  assert.match(await c.cmd("RCPT TO:<b@example.org>"), /^250 /);
  return c;
}

test("a BDAT size of 15 digits is read (leading zeros and all); one of 16, past what the server counts exactly, is 501 and the connection closed", async () => {
  await withServer(ON, async (server) => {
    const c = await inTransaction(server);
    c.socket.write("BDAT 000000000000003 LAST\r\nabc");
    assert.match(await c.reply(), /^250 /);
    c.close();
    assert.equal(server.messages[0]?.data.toString(), "abc");
    const d = await inTransaction(server);
    d.socket.write("BDAT 0000000000000003 LAST\r\nabcRSET\r\n");
    assert.match(await d.reply(), /^501 /);
    await assert.rejects(d.reply(), /closed/);
    d.close();
    assert.equal(server.messages.length, 1);
  });
});

test("with CHUNKING on, MAIL BODY= other than 7BIT, 8BITMIME or BINARYMIME is still refused (501), and DATA before MAIL is 503, the session going on", async () => {
  await withServer(ON, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("EHLO client.example");
    assert.match(await c.cmd("DATA"), /^503 /);
    assert.match(await c.cmd("MAIL FROM:<a@example.org> BODY=9BITMIME"), /^501 /);
    assert.match(await c.cmd("MAIL FROM:<a@example.org> BODY=8BITMIME"), /^250 /);
    assert.match(await c.cmd("RCPT TO:<b@example.org>"), /^250 /);
    assert.match(await c.cmd("DATA"), /^354 /);
    assert.match(await c.cmd("x\r\n."), /^250 /);
    c.close();
    assert.deepEqual(server.messages[0]?.envelope.mailParams, { BODY: "8BITMIME" });
  });
});

test("BDAT chunks adding up to exactly `size` are taken and kept whole; one octet more is 552", async () => {
  await withServer({ ...ON, size: 10 }, async (server) => {
    const c = await inTransaction(server);
    c.socket.write("BDAT 4\r\nabcd");
    assert.match(await c.reply(), /^250 /);
    c.socket.write("BDAT 6 LAST\r\nefghij");
    assert.match(await c.reply(), /^250 /);
    c.close();
    assert.equal(server.messages[0]?.data.toString(), "abcdefghij");
    const d = await inTransaction(server);
    d.socket.write("BDAT 11 LAST\r\nabcdefghijk");
    assert.match(await d.reply(), /^552 /);
    d.close();
    assert.equal(server.messages.length, 1);
  });
});

test("LMTP: a BDAT chunk past `size` gets one 552, and a BDAT LAST past it one 552 per recipient", async () => {
  await withServer({ ...ON, size: 10, lmtp: true }, async (server) => {
    for (const last of [false, true]) {
      const c = await inTransaction(server, true);
      assert.match(await c.cmd("RCPT TO:<c@example.org>"), /^250 /);
      c.socket.write(`BDAT 11${last ? " LAST" : ""}\r\nabcdefghijkNOOP\r\n`);
      // the NOOP's 250 comes right after the 552(s): no reply more, none fewer
      const expected = last ? ["552 ", "552 ", "250 "] : ["552 ", "250 "];
      const replies: string[] = [];
      while (replies.length < expected.length) replies.push((await c.reply()).slice(0, 4));
      assert.deepEqual(replies, expected, `LAST: ${last}`);
      c.close();
    }
    assert.equal(server.messages.length, 0);
  });
});

test("SMTP: a message refused after BDAT LAST (refuseAfterData, onMessage failing) gets one reply, the next command answered as itself", async () => {
  const onMessage = (message: { envelope: { rcptTo: readonly string[] } }): void => {
    if (message.envelope.rcptTo.includes("fail@example.org")) throw new Error("disk full");
  };
  await withServer({ ...ON, refuseAfterData: ["b@example.org"], onMessage }, async (server) => {
    const c = await inTransaction(server);
    c.socket.write("BDAT 3 LAST\r\nabcNOOP\r\n");
    assert.match(await c.reply(), /^550 /);
    assert.match(await c.reply(), /^250 /);
    assert.match(await c.cmd("MAIL FROM:<a@example.org>"), /^250 /);
    assert.match(await c.cmd("RCPT TO:<fail@example.org>"), /^250 /);
    c.socket.write("BDAT 3 LAST\r\nabcNOOP\r\n");
    assert.match(await c.reply(), /^451 /);
    assert.match(await c.reply(), /^250 /);
    c.close();
    assert.equal(server.messages.length, 0);
  });
});

test("a BDAT chunk far larger than a stream buffers (held back, then resumed), with a command pipelined after it: the octets whole, one reply each", async () => {
  await withServer(ON, async (server) => {
    const c = await inTransaction(server);
    const octets = Buffer.alloc(1 << 20, "z");
    c.socket.write(Buffer.concat([Buffer.from(`BDAT ${octets.length} LAST\r\n`), octets, Buffer.from("NOOP\r\nNOOP\r\n")]));
    assert.match(await c.reply(), /^250 /);
    assert.match(await c.reply(), /^250 /);
    assert.match(await c.cmd("MAIL FROM:<a@example.org>"), /^250 /);
    c.close();
    assert.equal(server.messages.length, 1);
    assert.ok(server.messages[0]?.data.equals(octets));
  });
});
