// BINARYMIME (RFC 3030 §3) in the debugging server, offered with CHUNKING: MAIL BODY=BINARYMIME
// taken, its message only over BDAT (DATA is 503), the octets kept exactly as sent.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { SMTP } from "../../src/client/smtp.js";
import { RawClient, withServer } from "../helpers/debug-client.js";

const ON = { extensions: { chunking: true } } as const;

test("with CHUNKING, BINARYMIME is offered; MAIL BODY=BINARYMIME is taken and its binary octets kept as sent; DATA in that transaction is 503", async () => {
  await withServer(ON, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    assert.match(await c.cmd("EHLO client.example"), /^250-BINARYMIME\r\n/m);
    assert.match(await c.cmd("MAIL FROM:<a@example.org> BODY=BINARYMIME"), /^250 /);
    assert.match(await c.cmd("RCPT TO:<b@example.org>"), /^250 /);
    assert.match(await c.cmd("DATA"), /^503 .*BINARYMIME/);
    const octets = Buffer.from([0x00, 0x0a, 0xff, 0x0d, 0x2e, 0x0d, 0x0a, 0x2e, 0x0d, 0x0a]);
    c.socket.write(Buffer.concat([Buffer.from(`BDAT ${octets.length} LAST\r\n`), octets]));
    assert.match(await c.reply(), /^250 /);
    // the next transaction, without BINARYMIME, may use DATA again
    await c.cmd("MAIL FROM:<a@example.org> BODY=8BITMIME");
    await c.cmd("RCPT TO:<b@example.org>");
    assert.match(await c.cmd("DATA"), /^354 /);
    c.close();
    assert.equal(server.messages.length, 1);
    assert.deepEqual(server.messages[0]!.data, octets);
    assert.deepEqual(server.messages[0]!.envelope.mailParams, { BODY: "BINARYMIME" });
  });
});

test("without CHUNKING, neither BINARYMIME is offered nor BODY=BINARYMIME taken; after HELO it is refused too", async () => {
  await withServer({}, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    assert.doesNotMatch(await c.cmd("EHLO client.example"), /BINARYMIME/);
    assert.match(await c.cmd("MAIL FROM:<a@example.org> BODY=BINARYMIME"), /^5\d\d /);
    c.close();
  });
  await withServer(ON, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("HELO client.example");
    assert.match(await c.cmd("MAIL FROM:<a@example.org> BODY=BINARYMIME"), /^555 /);
    c.close();
  });
});

test("our client sends a BODY=BINARYMIME message to it over BDAT, as given", async () => {
  await withServer(ON, async (server) => {
    const client = await SMTP.connect(server.host, server.port, { localHostname: "client.example" });
    const body = Buffer.concat([Buffer.from("Content-Type: application/octet-stream\r\n\r\n"), Buffer.from([0, 1, 2, 0x0a, 0xff, 0x2e])]);
    await client.sendmail("a@example.org", ["b@example.org"], body, ["BODY=BINARYMIME"]);
    await client.quit();
    assert.deepEqual(server.messages[0]!.data, body);
    assert.equal(server.messages[0]!.envelope.mailParamsSent, "BODY=BINARYMIME");
  });
});

test("with 8BITMIME hidden and CHUNKING on, BODY=BINARYMIME is taken but BODY=7BIT or 8BITMIME is 555 (their extension is not offered)", async () => {
  await withServer({ extensions: { chunking: true, eightBitMime: false } }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    assert.doesNotMatch(await c.cmd("EHLO client.example"), /8BITMIME/);
    assert.match(await c.cmd("MAIL FROM:<a@example.org> BODY=8BITMIME"), /^555 .*BODY=8BITMIME/);
    assert.match(await c.cmd("MAIL FROM:<a@example.org> BODY=7BIT"), /^555 /);
    assert.match(await c.cmd("MAIL FROM:<a@example.org> BODY=BINARYMIME"), /^250 /);
    c.close();
  });
});

test("a MAIL BODY=BINARYMIME that is refused leaves no BINARYMIME behind: the next MAIL without it may use DATA", async () => {
  await withServer({ ...ON, refuseSenders: ["bad@example.org"] }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("EHLO client.example");
    assert.match(await c.cmd("MAIL FROM:<bad@example.org> BODY=BINARYMIME"), /^550 /);
    assert.match(await c.cmd("MAIL FROM:<a@example.org>"), /^250 /);
    assert.match(await c.cmd("RCPT TO:<b@example.org>"), /^250 /);
    assert.match(await c.cmd("DATA"), /^354 /);
    assert.match(await c.cmd("text\r\n."), /^250 /);
    c.close();
    assert.equal(server.messages.length, 1);
  });
});
