// Input a client pipelines in bulk, in one write: the debugging server answers all of it, in
// order, and neither hangs nor crashes.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { RawClient, withServer } from "../helpers/debug-client.js";

/** Writes `bytes` at once after the greeting and returns every reply until the server closes. */
async function pipelined(server: { host: string; port: number }, bytes: string): Promise<string[]> {
  const c = await RawClient.open(server);
  await c.reply();
  c.socket.write(Buffer.from(bytes, "latin1"));
  const replies: string[] = [];
  for (;;) {
    const reply = await c.reply();
    replies.push(reply);
    if (/^(221|421) /.test(reply)) break;
  }
  c.close();
  return replies;
}

test("three messages pipelined in one write (MAIL, RCPT, DATA, data each) are all answered, and QUIT after them: smtp-server's parser lost its place after the second, and the client waited for the idle timeout's 421", async () => {
  // the idle timeout short, so that a server that stops reading answers 421 soon
  await withServer({ socketTimeout: 1000 }, async (server) => {
    const message = (n: number): string => `MAIL FROM:<a@example.org>\r\nRCPT TO:<b${n}@example.org>\r\nDATA\r\nmessage ${n}\r\n.\r\n`;
    const replies = await pipelined(server, `EHLO client.example\r\n${message(1)}${message(2)}${message(3)}QUIT\r\n`);
    assert.deepEqual(replies.map((r) => r.slice(0, 3)), ["250", ...Array<string[]>(3).fill(["250", "250", "354", "250"]).flat(), "221"]);
    assert.deepEqual(server.messages.map((m) => m.data.toString()), ["message 1\r\n", "message 2\r\n", "message 3\r\n"]);
  });
});

test("an LMTP client's messages pipelined in one write are each answered once per recipient, then QUIT", async () => {
  await withServer({ lmtp: true, socketTimeout: 1000 }, async (server) => {
    const message = "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nRCPT TO:<c@example.org>\r\nDATA\r\nhi\r\n.\r\n";
    const replies = await pipelined(server, `LHLO client.example\r\n${message.repeat(4)}QUIT\r\n`);
    assert.equal(replies.filter((r) => r.startsWith("250 2.6.0 OK: delivered to")).length, 8);
    assert.match(replies.at(-1)!, /^221 /);
    assert.equal(server.messages.length, 4);
  });
});

test("2,000 BDAT chunks of one octet pipelined in one write (18 KB) are each answered: the server no longer overflows its stack (a RangeError that ended the process) handling a chunk within the last one's", async () => {
  await withServer({ extensions: { chunking: true } }, async (server) => {
    const chunks = 2000;
    const replies = await pipelined(server, `EHLO client.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\n${"BDAT 1\r\nx".repeat(chunks)}BDAT 0 LAST\r\nQUIT\r\n`);
    assert.equal(replies.filter((r) => r === "250 2.0.0 1 octets received\r\n").length, chunks);
    assert.deepEqual(replies.slice(-2).map((r) => r.slice(0, 3)), ["250", "221"]);
    assert.equal(server.messages[0]?.data.toString(), "x".repeat(chunks));
  });
});

test("a BDAT transfer ended by RSET with commands pipelined behind it: its 'discarded' transcript line comes right after RSET, not after those commands (its place depended on how the bytes were cut)", async () => {
  await withServer({ extensions: { chunking: true } }, async (server) => {
    const replies = await pipelined(server, "EHLO client.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nBDAT 3\r\nabcRSET\r\nNOOP\r\nNOOP\r\nQUIT\r\n");
    assert.deepEqual(replies.slice(-5).map((r) => r.slice(0, 3)), ["250", "250", "250", "250", "221"]);
    const lines = server.transcript.map((e) => `${e.direction} ${e.line}`);
    const rset = lines.indexOf("C RSET");
    assert.deepEqual(lines.slice(rset, rset + 3), ["C RSET", "* message not received in full, discarded: transaction reset before BDAT LAST", "S 250 2.0.0 Flushed"]);
    assert.equal(lines.filter((l) => l.startsWith("* message not received in full")).length, 1);
  });
});

test("a BDAT chunk refused as too big with chunks pipelined behind it: its 'discarded' transcript line comes with the refused chunk (after its octets, before its 552, as RSET's), not after those chunks (its place depended on how the bytes were cut; found by debug-server-fuzz, seed 101)", async () => {
  await withServer({ size: 40, extensions: { chunking: true } }, async (server) => {
    const replies = await pipelined(server, `EHLO client.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nBDAT 41\r\n${"y".repeat(41)}${"BDAT 1\r\nx".repeat(50)}RSET\r\nQUIT\r\n`);
    assert.equal(replies.filter((r) => r.startsWith("503 ")).length, 50);
    const lines = server.transcript.map((e) => `${e.direction} ${e.line}`);
    const refused = lines.findIndex((l) => l.startsWith("S 552 "));
    assert.ok(refused > 0, lines.join("\n"));
    assert.deepEqual(lines.slice(refused - 2, refused + 2), ["C <41 bytes of BDAT data>", "* message not received in full, discarded: BDAT chunk refused: message too big", "S 552 5.3.4 Error: message exceeds fixed maximum message size 40", "C BDAT 1"]);
    assert.equal(lines.filter((l) => l.startsWith("* message not received in full")).length, 1);
  });
});
