// CHUNKING (RFC 3030) in the debugging server: BDAT octets read exactly as announced, one
// reply per BDAT, the message as it arrived.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { connect as netConnect } from "node:net";
import { once } from "node:events";
import { SMTP } from "../../src/client/smtp.js";
import { LMTP } from "../../src/client/lmtp.js";
import { formatEntry, type TranscriptEntry } from "../../src/server/debug-server.js";
import { RawClient, withServer } from "../helpers/debug-client.js";

const ON = { extensions: { chunking: true } } as const;

/** Sends a BDAT command and its octets (no CRLF added after them) and resolves to the reply. */
async function bdat(c: RawClient, command: string, octets: string): Promise<string> {
  c.socket.write(`${command}\r\n${octets}`);
  return c.reply();
}

/** Sends `input` in pieces cut at `cuts` and resolves to everything the server sent until it closed. */
async function exchange(port: number, input: Buffer, cuts: readonly number[]): Promise<string> {
  const socket = netConnect(port, "127.0.0.1");
  let received = "";
  socket.setEncoding("latin1");
  socket.on("data", (d: string) => { received += d; });
  await once(socket, "connect");
  // the greeting first: input before it is refused ("You talk too soon")
  while (!received.includes("\r\n")) await once(socket, "data");
  let at = 0;
  for (const cut of [...cuts, input.length]) {
    socket.write(input.subarray(at, cut));
    at = cut;
    await new Promise((resolve) => setImmediate(resolve));
  }
  await once(socket, "close");
  return received;
}

test("CHUNKING is advertised only when asked for", async () => {
  await withServer(ON, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    assert.match(await c.cmd("EHLO client.example"), /^250 CHUNKING\r\n/m);
    c.close();
  });
  await withServer({}, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    assert.doesNotMatch(await c.cmd("EHLO client.example"), /CHUNKING/);
    c.close();
  });
});

test("pipelined BDAT chunks, split at every byte: exact octets (dots, CRLF.CRLF and a command-like line kept), one reply each, the next command read after", async () => {
  const body1 = "Subject: x\r\n.\r\n";
  const body2 = "..dot\r\nRSET\r\n";
  const input = Buffer.from(`EHLO c.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nBDAT ${body1.length}\r\n${body1}BDAT ${body2.length} LAST\r\n${body2}NOOP\r\nQUIT\r\n`, "latin1");
  const expected = "Subject: x\r\n.\r\n..dot\r\nRSET\r\n";
  await withServer(ON, async (server) => {
    for (let cut = 0; cut <= input.length; cut++) {
      const wire = await exchange(server.port, input, cut === 0 ? [] : [cut]);
      const codes = wire.split("\r\n").filter((l) => /^\d{3} /.test(l)).map((l) => l.slice(0, 3));
      assert.deepEqual(codes, ["220", "250", "250", "250", "250", "250", "250", "221"], `cut at ${cut}: ${wire}`);
      const m = server.messages.at(-1)!;
      assert.equal(m.data.toString("latin1"), expected, `cut at ${cut}`);
    }
    assert.equal(server.messages.length, input.length + 1);
    const lines = server.transcript.map((e) => formatEntry(e));
    assert.ok(lines.includes(`C: BDAT ${body2.length} LAST`), lines.join("\n"));
    assert.ok(lines.includes(`C: <${body2.length} bytes of BDAT data>`), lines.join("\n"));
    assert.ok(lines.includes(`S: 250 2.0.0 ${body1.length} octets received`), lines.join("\n"));
  });
});

// A chunk refused "need RCPT" fails its transaction (RFC 3030 §2: after a 5yz to a BDAT the
// client sends no more chunks; Dovecot keeps the transaction failed until RSET): a RCPT
// accepted after it no longer lets the next chunk in (this test had BDAT 3 taken there).
test("BDAT without a transaction is 503 and its octets are read, not taken as commands; a chunk refused for want of RCPT fails the transaction until RSET; DATA after BDAT is 503", async () => {
  await withServer(ON, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("EHLO client.example");
    assert.match(await bdat(c, "BDAT 6", "QUIT\r\n"), /^503 /);
    assert.match(await c.cmd("MAIL FROM:<a@example.org>"), /^250 /);
    assert.match(await bdat(c, "BDAT 6 LAST", "QUIT\r\n"), /^503 .*RCPT/);
    assert.match(await c.cmd("RCPT TO:<b@example.org>"), /^250 /);
    assert.match(await bdat(c, "BDAT 3", "xyz"), /^503 .*failed by an earlier refused BDAT chunk.*send RSET/);
    assert.match(await c.cmd("RSET"), /^250 /);
    assert.match(await c.cmd("MAIL FROM:<a@example.org>"), /^250 /);
    assert.match(await c.cmd("RCPT TO:<b@example.org>"), /^250 /);
    assert.match(await bdat(c, "BDAT 3", "abc"), /^250 /);
    assert.match(await c.cmd("DATA"), /^503 /);
    assert.match(await c.cmd("BDAT 0 LAST"), /^250 /);
    assert.match(await c.cmd("NOOP"), /^250 /);
    c.close();
    assert.equal(server.messages.length, 1);
    assert.equal(server.messages[0]!.data.toString(), "abc");
  });
});

test("a BDAT whose size cannot be read is 501 and the connection is closed (its octets cannot be skipped)", async () => {
  await withServer(ON, async (server) => {
    for (const bad of ["BDAT", "BDAT x LAST", "BDAT -1", "BDAT 12345678901234567890"]) {
      const c = await RawClient.open(server);
      await c.reply();
      await c.cmd("EHLO client.example");
      await c.cmd("MAIL FROM:<a@example.org>");
      await c.cmd("RCPT TO:<b@example.org>");
      c.socket.write(`${bad}\r\nRSET\r\n`);
      assert.match(await c.reply(), /^501 /, bad);
      await assert.rejects(c.reply(), /closed/, bad);
      c.close();
    }
    assert.equal(server.messages.length, 0);
  });
});

test("RSET between chunks discards the message (the transcript says so); a chunk past --size is 552 and ends the transaction", async () => {
  await withServer({ ...ON, size: 10 }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("EHLO client.example");
    await c.cmd("MAIL FROM:<a@example.org>");
    await c.cmd("RCPT TO:<b@example.org>");
    assert.match(await bdat(c, "BDAT 3", "abc"), /^250 /);
    assert.match(await c.cmd("RSET"), /^250 /);
    assert.match(await bdat(c, "BDAT 3 LAST", "def"), /^503 /);
    await c.cmd("MAIL FROM:<a@example.org>");
    await c.cmd("RCPT TO:<b@example.org>");
    assert.match(await bdat(c, "BDAT 8", "12345678"), /^250 /);
    assert.match(await bdat(c, "BDAT 3", "9ab"), /^552 /);
    assert.match(await bdat(c, "BDAT 1 LAST", "c"), /^503 /);
    assert.match(await c.cmd("NOOP"), /^250 /);
    c.close();
    assert.equal(server.messages.length, 0);
    assert.ok(server.transcript.some((e) => e.line.startsWith("message not received in full, discarded")));
  });
});

test("chunks pipelined behind a refused (552) chunk get a 503 saying the transaction failed and to send RSET, not 'need MAIL command' (RFC 3030 §2)", async () => {
  await withServer({ ...ON, size: 10 }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("EHLO client.example");
    await c.cmd("MAIL FROM:<a@example.org>");
    await c.cmd("RCPT TO:<b@example.org>");
    // all in one write, as a pipelining client sends them before any reply
    c.socket.write("BDAT 8\r\n12345678BDAT 3\r\n9abBDAT 2\r\ncdBDAT 1 LAST\r\ne");
    assert.match(await c.reply(), /^250 /);
    assert.match(await c.reply(), /^552 /);
    for (let i = 0; i < 2; i++) {
      const reply = await c.reply();
      assert.match(reply, /^503 5\.5\.1 /);
      assert.match(reply, /transaction failed by an earlier refused BDAT chunk.*send RSET/);
      assert.doesNotMatch(reply, /need MAIL/);
    }
    // RSET ends that: a BDAT then is one without a transaction
    assert.match(await c.cmd("RSET"), /^250 /);
    assert.match(await bdat(c, "BDAT 1 LAST", "f"), /^503 .*need MAIL command/);
    // and so does a new MAIL straight after the refusal, without RSET
    await c.cmd("MAIL FROM:<a@example.org>");
    await c.cmd("RCPT TO:<b@example.org>");
    assert.match(await bdat(c, "BDAT 12", "123456789abc"), /^552 /);
    assert.match(await c.cmd("MAIL FROM:<a@example.org>"), /^250 /);
    assert.match(await c.cmd("RCPT TO:<b@example.org>"), /^250 /);
    assert.match(await bdat(c, "BDAT 3 LAST", "xyz"), /^250 /);
    c.close();
    assert.equal(server.messages.length, 1);
    assert.equal(server.messages[0]!.data.toString(), "xyz");
  });
});

test("after a refused chunk, a new MAIL that is itself refused ends the failed transaction too: a BDAT then is 'need MAIL command', not 'failed by an earlier refused BDAT chunk'", async () => {
  await withServer({ ...ON, size: 10, refuseSenders: ["bad@example.org"] }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("EHLO client.example");
    await c.cmd("MAIL FROM:<a@example.org>");
    await c.cmd("RCPT TO:<b@example.org>");
    assert.match(await bdat(c, "BDAT 12", "123456789abc"), /^552 /);
    // a new transaction, its sender refused: no chunk of it was refused
    assert.match(await c.cmd("MAIL FROM:<bad@example.org>"), /^5\d\d /);
    const reply = await bdat(c, "BDAT 3 LAST", "xyz");
    assert.match(reply, /^503 .*need MAIL command/);
    assert.doesNotMatch(reply, /earlier refused BDAT chunk/);
    c.close();
    assert.equal(server.messages.length, 0);
  });
});

test("a client that leaves mid-BDAT: the message is discarded, not left pending", async () => {
  let discarded: () => void = () => undefined;
  const seen = new Promise<void>((resolve) => { discarded = resolve; });
  const onTranscript = (e: TranscriptEntry): void => { if (e.line.startsWith("message not received in full, discarded")) discarded(); };
  await withServer({ ...ON, onTranscript }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("EHLO client.example");
    await c.cmd("MAIL FROM:<a@example.org>");
    await c.cmd("RCPT TO:<b@example.org>");
    assert.match(await bdat(c, "BDAT 3", "abc"), /^250 /);
    c.socket.write("BDAT 100 LAST\r\nonly part");
    c.close();
    await seen;
    assert.equal(server.messages.length, 0);
  });
});

test("our client sends over BDAT to it, SMTP and LMTP (one reply per recipient after BDAT LAST)", async () => {
  await withServer(ON, async (server) => {
    const client = await SMTP.connect(server.host, server.port, { localHostname: "client.example" });
    await client.sendmail("a@example.org", ["b@example.org"], "Subject: hi\r\n\r\n.dot\r\n");
    await client.quit();
    assert.equal(server.messages[0]!.data.toString(), "Subject: hi\r\n\r\n.dot\r\n");
    assert.ok(server.transcript.some((e) => /^BDAT \d+ LAST$/.test(e.line)));
  });
  await withServer({ ...ON, lmtp: true, refuseAfterData: ["c@example.org"] }, async (server) => {
    const client = await LMTP.connect(server.host, server.port, { localHostname: "client.example" });
    const refused = await client.sendmail("a@example.org", ["b@example.org", "c@example.org"], "Subject: hi\r\n\r\nbody\r\n");
    assert.deepEqual([...refused.keys()], ["c@example.org"]);
    await client.quit();
    assert.ok(server.transcript.some((e) => /^BDAT \d+ LAST$/.test(e.line)));
  });
});

test("RSET or EHLO between chunks ends what onData was reading of the message (not left pending, holding its chunks)", async () => {
  for (const reset of ["RSET", "EHLO client.example"]) {
    const discarded: string[] = [];
    const onTranscript = (e: TranscriptEntry): void => { if (e.line.startsWith("message not received in full")) discarded.push(e.line); };
    await withServer({ ...ON, onTranscript }, async (server) => {
      const c = await RawClient.open(server);
      await c.reply();
      await c.cmd("EHLO client.example");
      await c.cmd("MAIL FROM:<a@example.org>");
      await c.cmd("RCPT TO:<b@example.org>");
      assert.match(await bdat(c, "BDAT 3", "abc"), /^250 /);
      assert.match(await c.cmd(reset), /^250[ -]/);
      // a reply after the reset: the server has dealt with it
      assert.match(await c.cmd("NOOP"), /^250 /);
      assert.equal(discarded.length, 1, reset);
      assert.match(discarded[0]!, /reset/);
      c.close();
    });
  }
});

test("BDAT after HELO (CHUNKING offered only to EHLO, RFC 3030 §2) is 503, its octets read and dropped, the connection still usable", async () => {
  await withServer(ON, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    assert.doesNotMatch(await c.cmd("HELO client.example"), /CHUNKING/);
    assert.match(await c.cmd("MAIL FROM:<a@example.org>"), /^250 /);
    assert.match(await c.cmd("RCPT TO:<b@example.org>"), /^250 /);
    assert.match(await bdat(c, "BDAT 6 LAST", "QUIT\r\n"), /^503 .*EHLO/);
    assert.match(await c.cmd("NOOP"), /^250 /);
    // after EHLO it is offered, and taken
    await c.cmd("EHLO client.example");
    await c.cmd("MAIL FROM:<a@example.org>");
    await c.cmd("RCPT TO:<b@example.org>");
    assert.match(await bdat(c, "BDAT 3 LAST", "abc"), /^250 /);
    c.close();
    assert.deepEqual(server.messages.map((m) => m.data.toString()), ["abc"]);
  });
});

test("the server's own CHUNKING/BINARYMIME refusals are ASCII (RFC 5321 §2.4: reply text is US-ASCII)", async () => {
  await withServer(ON, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("HELO client.example");
    const replies = [await bdat(c, "BDAT 1", "x")];
    await c.cmd("EHLO client.example");
    await c.cmd("MAIL FROM:<a@example.org>");
    await c.cmd("RCPT TO:<b@example.org>");
    await bdat(c, "BDAT 1", "x");
    replies.push(await c.cmd("DATA"), await c.cmd("RSET"), await c.cmd("MAIL FROM:<a@example.org> BODY=BINARYMIME"), await c.cmd("RCPT TO:<b@example.org>"), await c.cmd("DATA"));
    c.close();
    assert.deepEqual(replies.map((r) => r.slice(0, 3)), ["503", "503", "250", "250", "250", "503"]);
    // the client reads latin1: a UTF-8 "§" would show as two characters past 0x7f
    for (const r of replies) assert.match(r, /^[\x20-\x7e]*\r\n$/, r);
  });
});

test("RSET mid-BDAT with the next transaction pipelined: the abandoned message's end is reported before the next one starts (hooks in order, per message)", async () => {
  const events: string[] = [];
  const hooks = {
    onMessageStart: () => void events.push("start"),
    onMessageData: (_s: string, chunk: Buffer) => void events.push(`data ${chunk.toString()}`),
    onMessageEnd: (_s: string, refused?: string) => void events.push(refused === undefined ? "end kept" : "end refused"),
  };
  await withServer({ ...ON, keepBytes: 0, ...hooks }, async (server) => {
    const wire = await exchange(server.port, Buffer.from("EHLO c.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nBDAT 3\r\nabcRSET\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nBDAT 3 LAST\r\nxyzQUIT\r\n"), []);
    assert.match(wire, /250 2\.6\.0 OK: message queued/);
    assert.equal(server.messages.length, 1);
  });
  // the first message's data may or may not have been read before the RSET ended it
  assert.deepEqual(events.filter((e) => e !== "data abc"), ["start", "end refused", "start", "data xyz", "end kept"]);
});
