// A BDAT line whose size can be read but which is otherwise malformed: `BDAT 5 LAST` ended by
// CR CR LF (a bare CR in the line, which RFC 5321 §2.3.8 forbids a client to send) got 501
// and the connection closed, "as the chunk's end cannot be found", though its size says
// where it ends. Now: 501, its octets read and dropped (never taken for commands), the
// transaction failed as by any refused chunk (RFC 3030 §2), and the session goes on.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { RawClient, withServer } from "../helpers/debug-client.js";

const ON = { extensions: { chunking: true } } as const;
const FAILED = "501 5.5.4 Error: syntax: BDAT <size> [LAST]; its 5 octets read and discarded, transaction failed: send RSET (RFC 3030 section 2)\r\n";

async function inTransaction(server: { host: string; port: number }): Promise<RawClient> {
  const c = await RawClient.open(server);
  await c.reply();
  await c.cmd("EHLO client.example");
  assert.match(await c.cmd("MAIL FROM:<a@example.org>"), /^250 /);
  assert.match(await c.cmd("RCPT TO:<b@example.org>"), /^250 /);
  return c;
}

test("BDAT 5 LAST then CR CR LF: 501, its 5 octets dropped, the transaction failed until RSET, the session goes on", async () => {
  await withServer(ON, async (server) => {
    const c = await inTransaction(server);
    // its 5 octets are a command: dropped, not run
    c.socket.write("BDAT 5 LAST\r\r\nQUIT\r");
    assert.equal(await c.reply(), FAILED);
    assert.equal(await c.cmd("NOOP"), "250 2.0.0 OK\r\n");
    // a chunk still in the pipeline behind it: read and dropped, 503 saying why
    c.socket.write("BDAT 3 LAST\r\nabc");
    assert.match(await c.reply(), /^503 5\.5\.1 Error: transaction failed by an earlier refused BDAT chunk/);
    assert.match(await c.cmd("RSET"), /^250 /);
    assert.match(await c.cmd("MAIL FROM:<a@example.org>"), /^250 /);
    assert.match(await c.cmd("RCPT TO:<b@example.org>"), /^250 /);
    c.socket.write("BDAT 3 LAST\r\nabc");
    assert.match(await c.reply(), /^250 /);
    assert.deepEqual(server.messages.map((m) => m.data.toString()), ["abc"]);
    c.close();
  });
});

test("a malformed BDAT in the middle of a message: 501, the message so far discarded (not delivered without that chunk)", async () => {
  await withServer(ON, async (server) => {
    const c = await inTransaction(server);
    c.socket.write("BDAT 3\r\nabc");
    assert.match(await c.reply(), /^250 /);
    c.socket.write("BDAT 5 LAST\r\r\nhello");
    assert.equal(await c.reply(), FAILED);
    assert.match(await c.cmd("RSET"), /^250 /);
    assert.equal(server.messages.length, 0);
    assert.ok(server.transcript.some((e) => e.line === "message not received in full, discarded: malformed BDAT line"));
    c.close();
  });
});

test("a malformed BDAT outside a transaction: 501, its octets dropped; one whose size cannot be read: 501 and the connection closed", async () => {
  await withServer(ON, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("EHLO client.example");
    c.socket.write("BDAT 4 FIRST\r\nNOOP");
    assert.equal(await c.reply(), "501 5.5.4 Error: syntax: BDAT <size> [LAST]; its 4 octets read and discarded\r\n");
    assert.match(await c.cmd("MAIL FROM:<a@example.org>"), /^250 /);
    c.socket.write("BDAT 5x LAST\r\nhello");
    assert.equal(await c.reply(), "501 5.5.4 Error: syntax: BDAT <size> [LAST]; closing, as the chunk's end cannot be found\r\n");
    await assert.rejects(c.reply(), /closed/);
  });
});
