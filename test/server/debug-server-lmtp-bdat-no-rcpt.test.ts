// LMTP with CHUNKING in the debugging server when no RCPT was accepted: RFC 2033 §4.3 has
// `BDAT n LAST` then answered with zero replies (Dovecot's lib-smtp does so, and answers
// `BDAT 0 LAST`, which carries no data, with the 503 of §4.2's DATA). The chunk's octets are
// still read as data (length-framed), never as commands. Raw sockets, byte for byte.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { connect as netConnect } from "node:net";
import { once } from "node:events";
import { LMTP as LMTPClient } from "../../src/client/lmtp.js";
import { SMTPRecipientsRefused } from "../../src/errors.js";
import { withServer } from "../helpers/debug-client.js";

const LMTP = { lmtp: true, extensions: { chunking: true, pipelining: true }, refuseRecipients: ["no@example.org"] } as const;

/**
 * Opens a session, sends LHLO, waits for its reply, then writes `input` at once (pipelined)
 * and resolves to everything the server sent after the LHLO reply until it closed.
 */
async function afterLhlo(port: number, input: string): Promise<string> {
  const socket = netConnect(port, "127.0.0.1");
  let received = "";
  socket.setEncoding("latin1");
  socket.on("data", (d: string) => { received += d; });
  await once(socket, "connect");
  while (!received.includes("\r\n")) await once(socket, "data");
  socket.write("LHLO client.example\r\n");
  while (!/\r\n250 [^\r\n]*\r\n$/.test(received)) await once(socket, "data");
  const at = received.length;
  socket.write(input);
  await once(socket, "close");
  return received.slice(at);
}

const REFUSED = "550 5.1.1 Recipient <no@example.org> refused\r\n";
const NOOP = "250 2.0.0 OK\r\n";
const BYE = /^221 [^\r\n]*\r\n$/;

test("LMTP: BDAT n LAST with no recipient accepted gets no reply; its octets (a command line among them) are read as data; the transaction is over: a MAIL after it is taken", async () => {
  await withServer(LMTP, async (server) => {
    const wire = await afterLhlo(server.port, "MAIL FROM:<a@example.org>\r\nRCPT TO:<no@example.org>\r\nBDAT 6 LAST\r\nQUIT\r\nNOOP\r\nMAIL FROM:<a@example.org>\r\nQUIT\r\n");
    const [head, bye] = [wire.slice(0, wire.lastIndexOf("221 ")), wire.slice(wire.lastIndexOf("221 "))];
    assert.equal(head, `250 2.1.0 Accepted\r\n${REFUSED}${NOOP}250 2.1.0 Accepted\r\n`);
    assert.match(bye, BYE);
    assert.equal(server.messages.length, 0);
    assert.ok(server.transcript.some((e) => e.line.startsWith("BDAT LAST with no recipient accepted: no reply")), server.transcript.map((e) => e.line).join("\n"));
  });
});

test("LMTP: BDAT 0 LAST with no recipient accepted gets one 503 (no data: as DATA, RFC 2033 §4.2; as Dovecot)", async () => {
  await withServer(LMTP, async (server) => {
    const wire = await afterLhlo(server.port, "MAIL FROM:<a@example.org>\r\nRCPT TO:<no@example.org>\r\nBDAT 0 LAST\r\nNOOP\r\nQUIT\r\n");
    const head = wire.slice(0, wire.lastIndexOf("221 "));
    assert.equal(head, `250 2.1.0 Accepted\r\n${REFUSED}503 5.5.1 Error: need RCPT command\r\n${NOOP}`);
  });
});

test("LMTP: after a chunk refused for want of a recipient, BDAT n LAST gets its 503 too (one reply per BDAT, as Dovecot's)", async () => {
  await withServer(LMTP, async (server) => {
    const wire = await afterLhlo(server.port, "MAIL FROM:<a@example.org>\r\nRCPT TO:<no@example.org>\r\nBDAT 3\r\nabcBDAT 3 LAST\r\ndefNOOP\r\nQUIT\r\n");
    const head = wire.slice(0, wire.lastIndexOf("221 "));
    const need = "503 5.5.1 Error: need RCPT command\r\n";
    assert.equal(head, `250 2.1.0 Accepted\r\n${REFUSED}${need}${need}${NOOP}`);
  });
});

// RFC 3030 §2: a chunk answered 5yz fails the transaction; the client must send no more
// chunks, and RSET. Dovecot's LMTP keeps it failed until RSET. A RCPT accepted after the
// refused chunk let the next chunks through here, into a message whose first chunk was dropped.
test("LMTP: after a chunk refused for want of a recipient, a RCPT accepted then does not let later chunks in: 503 until RSET, as Dovecot", async () => {
  await withServer(LMTP, async (server) => {
    const wire = await afterLhlo(server.port, "MAIL FROM:<a@example.org>\r\nBDAT 3\r\nabcRCPT TO:<b@example.org>\r\nBDAT 3 LAST\r\ndefRSET\r\n"
      + "MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nBDAT 3 LAST\r\nxyzQUIT\r\n");
    const head = wire.slice(0, wire.lastIndexOf("221 "));
    const failed = "503 5.5.1 Error: transaction failed by an earlier refused BDAT chunk; this chunk discarded, send RSET (RFC 3030 section 2)\r\n";
    assert.equal(head, `250 2.1.0 Accepted\r\n503 5.5.1 Error: need RCPT command\r\n250 2.1.5 Accepted\r\n${failed}250 2.0.0 Flushed\r\n`
      + `250 2.1.0 Accepted\r\n250 2.1.5 Accepted\r\n250 2.6.0 OK: delivered to <b@example.org>\r\n`);
    assert.deepEqual(server.messages.map((m) => m.data.toString()), ["xyz"]);
  });
});

test("SMTP: BDAT n LAST with no recipient accepted still gets its one 503", async () => {
  await withServer({ ...LMTP, lmtp: false }, async (server) => {
    const socket = netConnect(server.port, "127.0.0.1");
    let received = "";
    socket.setEncoding("latin1");
    socket.on("data", (d: string) => { received += d; });
    await once(socket, "connect");
    while (!received.includes("\r\n")) await once(socket, "data");
    socket.write("EHLO client.example\r\n");
    while (!/\r\n250 [^\r\n]*\r\n$/.test(received)) await once(socket, "data");
    const at = received.length;
    socket.write("MAIL FROM:<a@example.org>\r\nRCPT TO:<no@example.org>\r\nBDAT 6 LAST\r\nQUIT\r\nNOOP\r\nQUIT\r\n");
    await once(socket, "close");
    const wire = received.slice(at);
    assert.equal(wire.slice(0, wire.lastIndexOf("221 ")), `250 2.1.0 Accepted\r\n${REFUSED}503 5.5.1 Error: need RCPT command\r\n${NOOP}`);
  });
});

test("the library's LMTP client against it (one round trip, BDAT LAST): every recipient refused is SMTPRecipientsRefused, and the connection goes on in step", async () => {
  await withServer(LMTP, async (server) => {
    const client = await LMTPClient.connect(server.host, server.port, { localHostname: "client.example" });
    await assert.rejects(client.sendmail("a@example.org", ["no@example.org"], "Subject: hi\r\n\r\nbody\r\n"), SMTPRecipientsRefused);
    const refused = await client.sendmail("a@example.org", ["b@example.org"], "Subject: again\r\n\r\nbody\r\n");
    assert.equal(refused.size, 0);
    assert.equal((await client.noop()).code, 250);
    await client.quit();
    assert.deepEqual(server.messages.map((m) => m.data.toString()), ["Subject: again\r\n\r\nbody\r\n"]);
    const lines = server.transcript.map((e) => e.line);
    assert.ok(lines.some((l) => l.startsWith("BDAT LAST with no recipient accepted: no reply")), lines.join("\n"));
  });
});
