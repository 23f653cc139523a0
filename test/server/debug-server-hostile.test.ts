// The debugging server against hostile or broken clients: what its transcript shows, and
// how it lets go of them.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { once } from "node:events";
import { connect as netConnect, type Socket } from "node:net";
import { connect as connectTls } from "node:tls";
import { formatEntry, type TranscriptEntry } from "../../src/server/debug-server.js";
import { getTestCerts } from "../helpers/certs.js";
import { RawClient, withServer } from "../helpers/debug-client.js";

test("AUTH with tabs between its words (refused as unknown) still has its credentials masked in the transcript", async () => {
  await withServer({ auth: { users: { alice: "s3cret-pw" } } }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("EHLO client.example");
    const secret = Buffer.from("\0alice\0s3cret-pw").toString("base64");
    assert.match(await c.cmd(`AUTH\tPLAIN\t${secret}`), /^500 /);
    assert.match(await c.cmd(`auth  plain   ${secret}`), /^235 /);
    await c.cmd("QUIT");
    c.close();
    const text = server.transcript.map((e) => formatEntry(e)).join("\n");
    assert.ok(!text.includes(secret), text);
    assert.match(text, /^C: AUTH PLAIN \*\*\*$/m);
    assert.match(text, /^C: auth plain \*\*\*$/m);
  });
});

test("plain text to the implicit-TLS port: one escaped transcript line naming the client and the TLS failure, not OpenSSL's raw message", async () => {
  const { cert, key } = await getTestCerts();
  let errorLine: (line: string) => void = () => undefined;
  const seen = new Promise<string>((resolve) => { errorLine = resolve; });
  const onTranscript = (e: TranscriptEntry): void => { if (e.session === "server") errorLine(e.line); };
  await withServer({ tls: { cert, key, mode: "implicit" }, onTranscript }, async (server) => {
    const socket = netConnect(server.port, server.host);
    socket.on("error", () => undefined);
    socket.write("EHLO client.example\r\n");
    const line = await seen;
    socket.destroy();
    assert.equal(line, "error (client 127.0.0.1): TLS handshake failed: wrong version number");
  });
});

test("a message that onMessage fails (451 to the client) is not kept in messages; LMTP's 'message accepted' counts only the recipients that got it", async () => {
  await withServer({ onMessage: () => Promise.reject(new Error("disk full")) }, async (server) => {
    const c = await RawClient.inData(server);
    assert.match(await c.cmd("hi\r\n."), /^451 /);
    c.close();
    assert.equal(server.messages.length, 0);
  });
  await withServer({ lmtp: true, refuseAfterData: ["c@example.org"] }, async (server) => {
    const c = await RawClient.inData(server, { hello: "LHLO client.example", to: ["b@example.org", "c@example.org"] });
    c.socket.write("hi\r\n.\r\n");
    assert.match(await c.reply(), /^250 /);
    assert.match(await c.reply(), /^550 /);
    c.close();
    assert.ok(server.transcript.some((e) => e.line === "message accepted: 4 bytes from <a@example.org> to 1 recipient(s) (1 refused after the data)"), server.transcript.map((e) => e.line).join("\n"));
  });
});

test("a SASL answer sent after an AUTH that was refused (a client that does not wait for 334) is masked in the transcript, not logged as an unknown command", async () => {
  const { cert, key } = await getTestCerts();
  // AUTH in clear text with STARTTLS on offer is refused; so is a second AUTH once logged in
  await withServer({ tls: { cert, key }, auth: { users: { alice: "s3cret-pw" } } }, async (server) => {
    const secret = Buffer.from("\0alice\0s3cret-pw").toString("base64");
    const user = Buffer.from("alice").toString("base64");
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("EHLO client.example");
    c.socket.write(`AUTH PLAIN\r\n${secret}\r\nAUTH LOGIN\r\n${user}\r\n${secret}\r\n*\r\nNOOP\r\n`);
    for (let i = 0; i < 6; i++) assert.match(await c.reply(), /^5\d\d /);
    assert.match(await c.reply(), /^250 /);
    c.close();
    const text = server.transcript.map((e) => formatEntry(e)).join("\n");
    for (const s of [secret, user]) assert.ok(!text.includes(s), text);
    assert.match(text, /^C: NOOP$/m);
  });
});

test("a user name with a line separator (U+2028, which smtp-server lets through) is escaped in the transcript's AUTH line, as C: and S: lines are", async () => {
  await withServer({ auth: { users: { alice: "s3cret-pw" }, allowInsecure: true } }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("EHLO client.example");
    assert.match(await c.cmd(`AUTH PLAIN ${Buffer.from("\0ali\u2028ce\0pw").toString("base64")}`), /^535 /);
    await c.cmd("QUIT");
    c.close();
    const auth = server.transcript.find((e) => e.direction === "*" && e.line.startsWith("AUTH PLAIN as"));
    assert.equal(auth?.line, "AUTH PLAIN as \"ali\\u2028ce\": refused");
  });
});

test("a command byte that is not UTF-8 shows as \\xNN in the transcript, not as U+FFFD; a SASL answer holding one stays masked", async () => {
  await withServer({ auth: { users: { alice: "pw" }, allowInsecure: true } }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("EHLO client.example");
    c.socket.write(Buffer.from("NOOP caf\xe9 \xc3\xa9\xff\r\n", "latin1"));
    assert.match(await c.reply(), /^250 /);
    assert.match(await c.cmd("AUTH LOGIN"), /^334 /);
    c.socket.write(Buffer.from("s3cr\xe9t\r\n", "latin1"));
    assert.match(await c.reply(), /^334 /);
    c.socket.write(Buffer.from("pw\xff\r\n", "latin1"));
    assert.match(await c.reply(), /^535 /);
    c.close();
    const lines = server.transcript.map((e) => formatEntry(e));
    assert.ok(lines.includes("C: NOOP caf\\xe9 \u00e9\\xff"), lines.join("\n"));
    assert.ok(!lines.some((l) => l.includes("s3cr") || l.includes("pw\\x")), lines.join("\n"));
  });
});

test("AUTH with its initial response glued to the mechanism (AUTH PLAIN=<base64>, refused 504) or NUL-separated, as a client's first command, has it masked in the transcript", async () => {
  await withServer({ auth: { users: { alice: "s3cret-pw" }, allowInsecure: true } }, async (server) => {
    const secret = Buffer.from("\0alice\0s3cret-pw").toString("base64");
    for (const line of [`AUTH PLAIN=${secret}`, `AUTH\0PLAIN\0${secret}`, `AUTH PLAIN,${secret}`]) {
      const c = await RawClient.open(server);
      await c.reply();
      await c.cmd("EHLO client.example");
      assert.match(await c.cmd(line), /^50\d /);
      await c.cmd("QUIT");
      c.close();
    }
    const text = server.transcript.map((e) => formatEntry(e)).join("\n");
    assert.ok(!text.includes(secret), text);
    assert.equal(text.match(/^C: AUTH \*\*\*$/gm)?.length, 3, text);
  });
});

test("commands pipelined behind STARTTLS in clear text are dropped, not run in the TLS session (RFC 3207 section 5, command injection)", async () => {
  const { cert, key, ca } = await getTestCerts();
  await withServer({ tls: { cert, key } }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("EHLO client.example");
    c.socket.write("STARTTLS\r\nMAIL FROM:<evil@example.org>\r\nRCPT TO:<victim@example.org>\r\n");
    assert.match(await c.reply(), /^220 /);
    const tls = connectTls({ socket: c.socket, ca, servername: "localhost" });
    await once(tls, "secureConnect");
    const inTls = new RawClient(tls as unknown as Socket);
    assert.match(await inTls.cmd("EHLO client.example"), /^250[ -]/);
    assert.match(await inTls.cmd("RCPT TO:<victim@example.org>"), /^503 5\.5\.1 Error: need MAIL command/);
    assert.match(await inTls.cmd("QUIT"), /^221 /);
    inTls.close();
    assert.ok(!server.transcript.some((e) => e.line.includes("evil@")), server.transcript.map((e) => formatEntry(e)).join("\n"));
  });
});
