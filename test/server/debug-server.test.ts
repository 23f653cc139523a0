// The debugging server, driven by a raw node:net / node:tls client so that these tests do
// not depend on the client library.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { connect as tlsConnect } from "node:tls";
import { once } from "node:events";
import { startDebugServer, formatEntry, type DebugServer } from "../../src/server/debug-server.js";
import { RawClient, withServer } from "../helpers/debug-client.js";
import { getTestCerts } from "../helpers/certs.js";

test("receives a message over SMTP: envelope, un-stuffed data, transcript, onMessage", async () => {
  const seen: unknown[] = [];
  await withServer({ onMessage: (m) => void seen.push(m) }, async (server) => {
    assert.equal(server.host, "127.0.0.1");
    assert.ok(server.port > 0);
    const c = await RawClient.open(server);
    assert.match(await c.reply(), /^220 smtplib-debug ESMTP/);
    const ehlo = await c.cmd("EHLO client.example");
    for (const ext of ["PIPELINING", "8BITMIME", "SMTPUTF8", "ENHANCEDSTATUSCODES"]) assert.match(ehlo, new RegExp(`^250[- ]${ext}\\r?$`, "m"));
    assert.doesNotMatch(ehlo, /STARTTLS|AUTH/);
    assert.match(await c.cmd("MAIL FROM:<alice@example.org> BODY=8BITMIME"), /^250 /);
    assert.match(await c.cmd("RCPT TO:<bob@example.org>"), /^250 /);
    assert.match(await c.cmd("RCPT TO:<carol@example.org>"), /^250 /);
    assert.match(await c.cmd("DATA"), /^354 /);
    assert.match(await c.cmd("Subject: hi\r\n\r\n..leading dot\r\nlast line\r\n."), /^250 /);
    assert.match(await c.cmd("QUIT"), /^221 /);
    c.close();
    assert.equal(server.messages.length, 1);
    const m = server.messages[0]!;
    assert.deepEqual(m.envelope, { mailFrom: "alice@example.org", rcptTo: ["bob@example.org", "carol@example.org"], mailParams: { BODY: "8BITMIME" }, mailParamsSent: "BODY=8BITMIME", rcptParamsSent: ["", ""] });
    assert.equal(m.data.toString("latin1"), "Subject: hi\r\n\r\n.leading dot\r\nlast line\r\n");
    assert.equal(m.secure, false);
    assert.deepEqual(seen, [m]);
    const lines = server.transcript.map((e) => formatEntry(e));
    assert.ok(lines.includes("C: MAIL FROM:<alice@example.org> BODY=8BITMIME"), lines.join("\n"));
    assert.ok(lines.some((l) => /^S: 250 /.test(l)));
    assert.ok(lines.some((l) => /^\* connection from 127\.0\.0\.1:/.test(l)));
    assert.ok(server.transcript.every((e) => e.session === m.session));
  });
});

test("LMTP mode answers once per recipient after the data", async () => {
  await withServer({ lmtp: true, refuseAfterData: [{ address: "Full@Example.org", code: 452, message: "Mailbox full" }] }, async (server) => {
    const c = await RawClient.open(server);
    assert.match(await c.reply(), /^220 .* LMTP/);
    assert.match(await c.cmd("EHLO client.example"), /^5\d\d /);
    assert.match(await c.cmd("LHLO client.example"), /^250 /m);
    await c.cmd("MAIL FROM:<a@example.org>");
    await c.cmd("RCPT TO:<one@example.org>");
    await c.cmd("RCPT TO:<full@example.org>");
    await c.cmd("RCPT TO:<two@example.org>");
    assert.match(await c.cmd("DATA"), /^354 /);
    c.socket.write("Subject: x\r\n\r\nbody\r\n.\r\n");
    const replies = [await c.reply(), await c.reply(), await c.reply()];
    assert.match(replies[0]!, /^250 .*one@example\.org/);
    assert.match(replies[1]!, /^452 .*Mailbox full/);
    assert.match(replies[2]!, /^250 .*two@example\.org/);
    assert.match(await c.cmd("NOOP"), /^250 /);
    c.close();
    assert.equal(server.messages.length, 1);
  });
});

test("LMTP: every recipient refused after the data -> no message kept", async () => {
  await withServer({ lmtp: true, refuseAfterData: ["x@example.org"] }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("LHLO client.example");
    await c.cmd("MAIL FROM:<a@example.org>");
    await c.cmd("RCPT TO:<x@example.org>");
    await c.cmd("DATA");
    assert.match(await c.cmd("body\r\n."), /^550 /);
    c.close();
    assert.equal(server.messages.length, 0);
  });
});

test("refusals: sender, recipient (custom code), whole message in SMTP mode", async () => {
  const options = {
    refuseSenders: ["Spammer@example.org"],
    refuseRecipients: [{ address: "busy@example.org", code: 451, message: "Try later" }, "nobody@example.org"],
    refuseAfterData: ["reject-data@example.org"],
  };
  await withServer(options, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("EHLO client.example");
    assert.match(await c.cmd("MAIL FROM:<spammer@example.org>"), /^550 .*spammer@example\.org/);
    assert.match(await c.cmd("MAIL FROM:<ok@example.org>"), /^250 /);
    assert.match(await c.cmd("RCPT TO:<busy@example.org>"), /^451 4\.\d\.\d Try later/);
    assert.match(await c.cmd("RCPT TO:<nobody@example.org>"), /^550 /);
    assert.match(await c.cmd("RCPT TO:<reject-data@example.org>"), /^250 /);
    await c.cmd("DATA");
    assert.match(await c.cmd("x\r\n."), /^550 /);
    c.close();
    assert.equal(server.messages.length, 0);
  });
});

test("size limit: SIZE advertised, too large refused at MAIL and after the data", async () => {
  await withServer({ size: 100 }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    assert.match(await c.cmd("EHLO client.example"), /^250[- ]SIZE 100\r$/m);
    assert.match(await c.cmd("MAIL FROM:<a@example.org> SIZE=1000"), /^552 /);
    await c.cmd("MAIL FROM:<a@example.org>");
    await c.cmd("RCPT TO:<b@example.org>");
    await c.cmd("DATA");
    assert.match(await c.cmd(`${"x".repeat(300)}\r\n.`), /^552 /);
    c.close();
    assert.equal(server.messages.length, 0);
  });
});

test("AUTH accepts configured users; the transcript never shows credentials", async () => {
  await withServer({ auth: { users: { alice: "s3cret-pw" } } }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    assert.match(await c.cmd("EHLO client.example"), /^250[- ]AUTH PLAIN LOGIN CRAM-MD5\r$/m);
    const bad = Buffer.from("\0alice\0wrong-pw").toString("base64");
    assert.match(await c.cmd(`AUTH PLAIN ${bad}`), /^535 /);
    assert.match(await c.cmd("AUTH LOGIN"), /^334 /);
    assert.match(await c.cmd(Buffer.from("alice").toString("base64")), /^334 /);
    assert.match(await c.cmd(Buffer.from("s3cret-pw").toString("base64")), /^235 /);
    await c.cmd("MAIL FROM:<alice@example.org>");
    await c.cmd("RCPT TO:<b@example.org>");
    await c.cmd("DATA");
    await c.cmd("hi\r\n.");
    c.close();
    assert.equal(server.messages[0]?.user, "alice");
    const text = server.transcript.map((e) => formatEntry(e)).join("\n");
    for (const secret of [bad, "s3cret-pw", "wrong-pw", Buffer.from("s3cret-pw").toString("base64"), Buffer.from("alice").toString("base64")]) {
      assert.ok(!text.includes(secret), `transcript leaks ${secret}:\n${text}`);
    }
    assert.match(text, /^C: AUTH PLAIN \*\*\*$/m);
    assert.match(text, /AUTH LOGIN as "alice": accepted/);
  });
});

test("extensions can be hidden", async () => {
  const extensions = { pipelining: false, eightBitMime: false, smtpUtf8: false, enhancedStatusCodes: false };
  await withServer({ extensions }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    const ehlo = await c.cmd("EHLO client.example");
    assert.doesNotMatch(ehlo, /PIPELINING|8BITMIME|SMTPUTF8|ENHANCEDSTATUSCODES/);
    assert.match(await c.cmd("MAIL FROM:<a@example.org>"), /^250 Accepted/);
    c.close();
  });
});

test("STARTTLS with the given certificate, then implicit TLS", async () => {
  const certs = await getTestCerts();
  await withServer({ tls: { key: certs.key, cert: certs.cert } }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    assert.match(await c.cmd("EHLO client.example"), /^250[- ]STARTTLS\r$/m);
    assert.match(await c.cmd("STARTTLS"), /^220 /);
    const secure = tlsConnect({ socket: c.socket, ca: certs.ca, servername: "localhost" });
    await once(secure, "secureConnect");
    const t = new RawClient(secure);
    assert.doesNotMatch(await t.cmd("EHLO client.example"), /STARTTLS/);
    t.close();
    await once(secure, "close");
    assert.ok(server.transcript.some((e) => /^TLS established TLSv1\.[23]/.test(e.line)));
  });
  await withServer({ tls: { key: certs.key, cert: certs.cert, mode: "implicit" } }, async (server) => {
    const secure = tlsConnect({ host: server.host, port: server.port, ca: certs.ca });
    await once(secure, "secureConnect");
    const t = new RawClient(secure);
    assert.match(await t.reply(), /^220 /);
    assert.doesNotMatch(await t.cmd("EHLO client.example"), /STARTTLS/);
    t.close();
  });
});

test("close() ends an idle session promptly with 421", async () => {
  const server = await startDebugServer({ closeTimeout: 200 });
  const c = await RawClient.open(server);
  await c.reply();
  const started = Date.now();
  const closed = server.close();
  assert.match(await c.reply(), /^421 /);
  await closed;
  assert.ok(Date.now() - started < 2000);
  assert.strictEqual(server.close(), closed);
  c.close();
});

test("listening on a port in use rejects", async () => {
  await withServer({}, async (server) => {
    await assert.rejects(startDebugServer({ port: server.port }), /EADDRINUSE/);
  });
});

test("keepMessages: false still calls onMessage but keeps nothing", async () => {
  let count = 0;
  await withServer({ keepMessages: false, onMessage: () => void count++ }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("HELO client.example");
    await c.cmd("MAIL FROM:<>");
    await c.cmd("RCPT TO:<b@example.org>");
    await c.cmd("DATA");
    assert.match(await c.cmd("x\r\n."), /^250 /);
    c.close();
    assert.equal(count, 1);
    assert.equal(server.messages.length, 0);
  });
});

test("maxRecipients: a RCPT past it gets 452 (the envelope stops growing); the next transaction starts afresh; it defaults to 1000", { timeout: 20_000 }, async () => {
  await withServer({ maxRecipients: 2 }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("EHLO client.example");
    await c.cmd("MAIL FROM:<a@example.org>");
    assert.match(await c.cmd("RCPT TO:<r1@example.org>"), /^250 /);
    assert.match(await c.cmd("RCPT TO:<r2@example.org>"), /^250 /);
    assert.match(await c.cmd("RCPT TO:<r3@example.org>"), /^452 4\.5\.3 Too many recipients\r\n$/);
    await c.cmd("DATA");
    assert.match(await c.cmd("x\r\n."), /^250 /);
    assert.deepEqual(server.messages[0]?.envelope.rcptTo, ["r1@example.org", "r2@example.org"]);
    await c.cmd("MAIL FROM:<a@example.org>");
    assert.match(await c.cmd("RCPT TO:<r4@example.org>"), /^250 /);
    c.close();
  });
  await withServer({}, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("EHLO client.example");
    await c.cmd("MAIL FROM:<a@example.org>");
    for (let i = 1; i <= 1000; i++) c.socket.write(`RCPT TO:<r${i}@example.org>\r\n`);
    for (let i = 1; i <= 1000; i++) assert.match(await c.reply(), /^250 /, `RCPT ${i}`);
    assert.match(await c.cmd("RCPT TO:<r1001@example.org>"), /^452 /);
    c.close();
  });
});

test("maxClients: one client more than it is greeted with 421 and closed; a place freed is taken again", { timeout: 20_000 }, async () => {
  await withServer({ maxClients: 1 }, async (server) => {
    const first = await RawClient.open(server);
    assert.match(await first.reply(), /^220 /);
    const second = await RawClient.open(server);
    assert.match(await second.reply(), /^421 .*Too many connected clients/);
    await once(second.socket, "close");
    first.close();
    await once(first.socket, "close");
    // the server may see the first close a moment later: try until a greeting is 220
    for (let attempt = 0; ; attempt++) {
      const third = await RawClient.open(server);
      const greeting = await third.reply();
      third.close();
      if (greeting.startsWith("220")) break;
      assert.ok(attempt < 50, `still refused: ${greeting}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  });
});

test("maxClients, maxRecipients: not a whole number of at least 1 is a RangeError", async () => {
  for (const options of [{ maxClients: 0 }, { maxRecipients: 0 }, { maxRecipients: 1.5 }, { maxClients: Number.NaN }]) {
    const outcome: DebugServer | unknown = await startDebugServer(options).then((server) => server, (err: unknown) => err);
    // a server that started anyway is closed, so that a failure cannot keep the process alive
    if (!(outcome instanceof Error)) await (outcome as DebugServer).close();
    assert.ok(outcome instanceof RangeError, `${JSON.stringify(options)}: ${String(outcome)}`);
  }
});

test("keepBytes: only the start of each message is held, its whole size counted (serve --print-max holds no more than it shows)", async () => {
  const line = "0123456789".repeat(7) + "\r\n"; // 72 bytes
  const body = line.repeat(20_000); // 1,440,000 bytes, in many chunks
  await withServer({ keepBytes: 100 }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("EHLO client.example");
    await c.cmd("MAIL FROM:<a@example.org>");
    await c.cmd("RCPT TO:<b@example.org>");
    assert.match(await c.cmd("DATA"), /^354 /);
    assert.match(await c.cmd(`${body}.`), /^250 /);
    assert.match(await c.cmd("QUIT"), /^221 /);
    c.close();
    const m = server.messages[0]!;
    assert.equal(m.size, body.length);
    assert.equal(m.data.toString("latin1"), body.slice(0, 100));
    assert.ok(server.transcript.some((e) => e.line === `message accepted: ${body.length} bytes from <a@example.org> to 1 recipient(s)`));
  });
  await assert.rejects(startDebugServer({ keepBytes: -1 }), /keepBytes must be a whole number of at least 0, got -1/);
});
