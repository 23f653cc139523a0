// The debugging server's CRAM-MD5 and XOAUTH2 logins (its default mechanisms include
// CRAM-MD5; XOAUTH2 when asked for): the right secret is accepted, a wrong one refused (for
// XOAUTH2 as RFC 7628 §3.2.2 and Gmail do: an error challenge, then 535), and the transcript
// shows neither.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { createHmac } from "node:crypto";
import { formatEntry } from "../../src/server/debug-server.js";
import { RawClient, withServer } from "../helpers/debug-client.js";

const b64 = (text: string): string => Buffer.from(text).toString("base64");

/** The CRAM-MD5 answer (RFC 2195) to the challenge of a `334` reply. */
function cramAnswer(challengeReply: string, user: string, password: string): string {
  const challenge = Buffer.from(challengeReply.slice(4).trim(), "base64").toString("latin1");
  return b64(`${user} ${createHmac("md5", password).update(challenge, "latin1").digest("hex")}`);
}

test("CRAM-MD5: the right password is accepted, a wrong one refused (535); the transcript shows no answer", async () => {
  await withServer({ auth: { users: { alice: "s3cret-pw" } } }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    assert.match(await c.cmd("EHLO client.example"), /^250[- ]AUTH PLAIN LOGIN CRAM-MD5\r$/m);
    const wrong = cramAnswer(await c.cmd("AUTH CRAM-MD5"), "alice", "wrong-pw");
    assert.match(await c.cmd(wrong), /^535 /);
    const right = cramAnswer(await c.cmd("AUTH CRAM-MD5"), "alice", "s3cret-pw");
    assert.match(await c.cmd(right), /^235 /);
    await c.cmd("QUIT");
    c.close();
    const text = server.transcript.map((e) => formatEntry(e)).join("\n");
    assert.match(text, /AUTH CRAM-MD5 as "alice": refused/);
    assert.match(text, /AUTH CRAM-MD5 as "alice": accepted/);
    for (const secret of [wrong, right]) assert.ok(!text.includes(secret), `transcript leaks ${secret}:\n${text}`);
  });
});

test("XOAUTH2: a refused token gets the OAuth error challenge (334, JSON), then 535 for its answer; the next command is answered as itself", async () => {
  await withServer({ auth: { users: { bob: "tok-123" }, methods: ["XOAUTH2"] } }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    assert.match(await c.cmd("EHLO client.example"), /^250[- ]AUTH XOAUTH2\r$/m);
    const wrong = b64("user=bob\x01auth=Bearer tok-999\x01\x01");
    const challenge = await c.cmd(`AUTH XOAUTH2 ${wrong}`);
    assert.match(challenge, /^334 \S+\r\n$/);
    assert.equal((JSON.parse(Buffer.from(challenge.slice(4).trim(), "base64").toString("utf8")) as { status?: unknown }).status, "401");
    assert.match(await c.cmd(""), /^535 /);
    // the exchange is over: NOOP is a command again, not a SASL answer
    assert.match(await c.cmd("NOOP"), /^250 /);
    const right = b64("user=bob\x01auth=Bearer tok-123\x01\x01");
    assert.match(await c.cmd(`AUTH XOAUTH2 ${right}`), /^235 /);
    await c.cmd("QUIT");
    c.close();
    const text = server.transcript.map((e) => formatEntry(e)).join("\n");
    assert.match(text, /AUTH XOAUTH2 as "bob": refused/);
    assert.match(text, /AUTH XOAUTH2 as "bob": accepted/);
    assert.match(text, /^C: NOOP$/m);
    for (const secret of [wrong, right, "tok-123", "tok-999"]) assert.ok(!text.includes(secret), `transcript leaks ${secret}:\n${text}`);
  });
});

test("a user name with U+2028/U+2029 (which JSON.stringify leaves raw) is escaped in the AUTH event line, as control characters are", async () => {
  await withServer({ auth: { users: { alice: "pw" } } }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("EHLO client.example");
    assert.match(await c.cmd(`AUTH PLAIN ${b64("\0ca\u2028rl\u2029\0pw")}`), /^535 /);
    await c.cmd("QUIT");
    c.close();
    const lines = server.transcript.map((e) => formatEntry(e));
    assert.ok(lines.includes('* AUTH PLAIN as "ca\\u2028rl\\u2029": refused'), lines.join("\n"));
    for (const line of lines) assert.doesNotMatch(line, /[\u2028\u2029]/);
  });
});
