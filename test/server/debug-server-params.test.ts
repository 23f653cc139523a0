// The debugging server takes only the MAIL FROM and RCPT TO parameters of the extensions it
// advertises (RFC 5321 §4.1.1.11: 555 otherwise), so `serve --hide smtputf8` (say) shows a
// client that uses an extension it was not offered.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { formatMessage } from "../../src/cli/serve.js";
import { RawClient, withServer } from "../helpers/debug-client.js";

test("parameters of extensions not advertised, and unknown ones, get 555; those advertised are taken", async () => {
  await withServer({ size: 1000, extensions: { smtpUtf8: false, eightBitMime: false } }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("EHLO client.example");
    for (const params of ["SMTPUTF8", "BODY=8BITMIME", "RET=HDRS", "ENVID=x", "FOO=bar"]) {
      assert.match(await c.cmd(`MAIL FROM:<a@example.org> ${params}`), /^555 /, params);
    }
    assert.match(await c.cmd("MAIL FROM:<a@example.org> SIZE=10"), /^250 /);
    assert.match(await c.cmd("RCPT TO:<b@example.org> NOTIFY=NEVER"), /^555 /);
    assert.match(await c.cmd("RCPT TO:<b@example.org>"), /^250 /);
    c.close();
  });
  await withServer({ extensions: { dsn: true } }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("EHLO client.example");
    assert.match(await c.cmd("MAIL FROM:<a@example.org> SMTPUTF8 BODY=8BITMIME RET=HDRS ENVID=x"), /^250 /);
    assert.match(await c.cmd("RCPT TO:<b@example.org> NOTIFY=SUCCESS ORCPT=rfc822;b@example.org"), /^250 /);
    assert.match(await c.cmd("RCPT TO:<c@example.org> XYZ"), /^555 /);
    c.close();
  });
});

test("after HELO (no extensions at all), any MAIL FROM parameter gets 555", async () => {
  await withServer({ size: 1000 }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("HELO client.example");
    assert.match(await c.cmd("MAIL FROM:<a@example.org> SIZE=10"), /^555 /);
    assert.match(await c.cmd("MAIL FROM:<a@example.org>"), /^250 /);
    c.close();
  });
});

test("a non-ASCII address in a transaction without the SMTPUTF8 parameter gets 553 (RFC 6531 3.4)", async () => {
  await withServer({}, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("EHLO client.example");
    assert.match(await c.cmd("MAIL FROM:<jörg@example.org>"), /^553 /);
    assert.match(await c.cmd("MAIL FROM:<a@example.org>"), /^250 /);
    assert.match(await c.cmd("RCPT TO:<zoë@example.org>"), /^553 /);
    assert.match(await c.cmd("RCPT TO:<b@example.org>"), /^250 /);
    assert.match(await c.cmd("RSET"), /^250 /);
    assert.match(await c.cmd("MAIL FROM:<jörg@example.org> SMTPUTF8"), /^250 /);
    assert.match(await c.cmd("RCPT TO:<zoë@example.org>"), /^250 /);
    c.close();
  });
});

test("RCPT and MAIL parameters are kept and printed as the client sent them (xtext not decoded), one per recipient", async () => {
  await withServer({ extensions: { dsn: true } }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("EHLO client.example");
    assert.match(await c.cmd("MAIL FROM:<a@example.org> RET=HDRS ENVID=a+2Bb"), /^250 /);
    assert.match(await c.cmd("RCPT TO:<b@example.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b+2Bx@example.org"), /^250 /);
    assert.match(await c.cmd("RCPT TO:<c@example.org>"), /^250 /);
    assert.match(await c.cmd("DATA"), /^354 /);
    assert.match(await c.cmd("hi\r\n."), /^250 /);
    c.close();
    const m = server.messages[0]!;
    assert.equal(m.envelope.mailParamsSent, "RET=HDRS ENVID=a+2Bb");
    assert.deepEqual(m.envelope.rcptParamsSent, ["NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b+2Bx@example.org", ""]);
    const shown = formatMessage(m, 1);
    assert.match(shown, /\nMAIL FROM: <a@example\.org> RET=HDRS ENVID=a\+2Bb\nRCPT TO: {3}<b@example\.org> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;b\+2Bx@example\.org\nRCPT TO: {3}<c@example\.org>\n/);
  });
});

test("the extension's name given as a MAIL parameter (Python's docs' \"8bitmime\") gets 555 naming the parameter it means", async () => {
  await withServer({}, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("EHLO client.example");
    assert.match(await c.cmd("MAIL FROM:<a@example.org> 8bitmime"), /^555 .*8BITMIME's MAIL parameter is BODY=8BITMIME/i);
    assert.match(await c.cmd("MAIL FROM:<a@example.org> BODY=8BITMIME"), /^250 /);
    c.close();
  });
});

test("the extension's name as a MAIL parameter is not pointed at BODY= when that BODY is not taken either (8BITMIME hidden, after HELO)", async () => {
  await withServer({ extensions: { eightBitMime: false } }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("EHLO client.example");
    const reply = await c.cmd("MAIL FROM:<a@example.org> 8BITMIME");
    assert.match(reply, /^555 /);
    assert.doesNotMatch(reply, /is BODY=8BITMIME/);
    assert.match(await c.cmd("MAIL FROM:<a@example.org> BODY=8BITMIME"), /^555 /);
    c.close();
  });
  await withServer({}, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("HELO client.example");
    const reply = await c.cmd("MAIL FROM:<a@example.org> 8BITMIME");
    assert.match(reply, /^555 /);
    assert.doesNotMatch(reply, /is BODY=8BITMIME/);
    c.close();
  });
});

test("BINARYMIME as a MAIL parameter is pointed at BODY=BINARYMIME only when CHUNKING (which brings it) is offered", async () => {
  await withServer({}, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("EHLO client.example");
    const reply = await c.cmd("MAIL FROM:<a@example.org> BINARYMIME");
    assert.match(reply, /^555 /);
    assert.doesNotMatch(reply, /is BODY=BINARYMIME/);
    assert.match(await c.cmd("MAIL FROM:<a@example.org> BODY=BINARYMIME"), /^5/);
    c.close();
  });
  await withServer({ extensions: { chunking: true } }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("EHLO client.example");
    assert.match(await c.cmd("MAIL FROM:<a@example.org> BINARYMIME"), /^555 .*is BODY=BINARYMIME/);
    assert.match(await c.cmd("MAIL FROM:<a@example.org> BODY=BINARYMIME"), /^250 /);
    c.close();
  });
});
