/**
 * What the client shows of a session: debug transcripts (levels 1 and 2, escaped, each
 * reply line with its own code, credentials masked, a throwing `debugOutput` survived) and
 * the `smtplib.connect` / `smtplib.send` audit events on `node:diagnostics_channel`.
 */

import assert from "node:assert/strict";
import diagnostics from "node:diagnostics_channel";
import { test } from "node:test";
import { GREET, withScript } from "../helpers/client.js";


test("debug output: level 1 shows commands and replies, escapes control characters; level 2 adds times", async () => {
  const lines: string[] = [];
  await withScript(`${GREET}C: NOOP\nS: 250 ok \x1b[31mred\nC: NOOP\nS: 250 ok`, async (client) => {
    await client.noop();
    client.setDebugLevel(2);
    assert.equal(client.debugLevel, 2);
    await client.noop();
  }, { debugLevel: 1, debugOutput: (l) => lines.push(l) });
  assert.ok(lines.includes("C: NOOP"));
  assert.ok(lines.some((l) => l === "S: 250 ok \\u001b[31mred"), lines.join("\n"));
  assert.ok(lines.some((l) => /^\d\d:\d\d:\d\d\.\d{3} C: NOOP$/.test(l)), lines.join("\n"));
});

test("a debugOutput that throws does not stop the session: the calls still get their replies, and one warning says so", async () => {
  const warnings: Error[] = [];
  const onWarning = (w: Error): void => void warnings.push(w);
  process.on("warning", onWarning);
  try {
    await withScript(`${GREET}C: NOOP\nS: 250 one\nC: EHLO client.test\nS: 250 mx.test\nC: MAIL FROM:<a@x>\nS: 250 ok\nC: RCPT TO:<b@x>\nS: 250 ok\nC: DATA\nS: 354 go\nC: hi\nC: .\nS: 250 queued`, async (client) => {
      assert.equal((await client.noop()).message, "one");
      assert.equal((await client.sendmail("a@x", ["b@x"], "hi")).size, 0);
    }, { debugLevel: 1, debugOutput: () => { throw new Error("log sink full"); } });
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off("warning", onWarning);
  }
  const ours = warnings.filter((w) => w.name === "SMTPDebugOutputWarning");
  assert.equal(ours.length, 1, warnings.map((w) => w.message).join("\n"));
  assert.match(ours[0]!.message, /log sink full/);
});

test("debug output shows each line of a reply with the code it came with (a hostile '250-a' then '220 b'), escaped as ever", async () => {
  const lines: string[] = [];
  const script = `${GREET}C: NOOP\nS: 250-first \x1b[31mred\nS: 550-second\nS: 220 third\nC: NOOP\nS: 250-x\nS: 250 y`;
  await withScript(script, async (client) => {
    const reply = await client.noop();
    assert.equal(reply.code, 220, "the reply still takes the last line's code, as in Python");
    await client.noop();
  }, { debugLevel: 1, debugOutput: (l) => lines.push(l) });
  assert.deepEqual(lines.filter((l) => l.startsWith("S: ")), [
    "S: 220 mx.test ESMTP",
    "S: 250-first \\u001b[31mred",
    "S: 550-second",
    "S: 220 third",
    "S: 250-x",
    "S: 250 y",
  ]);
});

test("credentials never reach debug output", async () => {
  const lines: string[] = [];
  const secret = Buffer.from("\0user\0hunter2").toString("base64");
  const script = `${GREET}C: EHLO client.test\nS: 250-mx\nS: 250 AUTH PLAIN\nC: AUTH PLAIN ${secret}\nS: 235 ok`;
  await withScript(script, async (client) => {
    await client.login("user", "hunter2");
  }, { debugLevel: 2, debugOutput: (l) => lines.push(l) });
  const all = lines.join("\n");
  assert.ok(!all.includes(secret) && !all.includes("hunter2"), all);
  assert.ok(all.includes("AUTH PLAIN ****"), all);
});

test("diagnostics_channel: smtplib.connect and smtplib.send with the bytes written", async () => {
  const events: { name: string; msg: Record<string, unknown> }[] = [];
  const onConnect = (msg: unknown): void => { events.push({ name: "connect", msg: msg as Record<string, unknown> }); };
  const onSend = (msg: unknown): void => { events.push({ name: "send", msg: msg as Record<string, unknown> }); };
  diagnostics.subscribe("smtplib.connect", onConnect);
  diagnostics.subscribe("smtplib.send", onSend);
  try {
    let port = 0;
    await withScript(`${GREET}C: NOOP\nS: 250 ok`, async (client, server) => {
      port = server.port;
      await client.noop();
      assert.equal(events.find((e) => e.name === "send")?.msg.client, client);
    });
    const connect = events.find((e) => e.name === "connect")!;
    assert.equal(connect.msg.host, "127.0.0.1");
    assert.equal(connect.msg.port, port);
    const sent = events.filter((e) => e.name === "send").map((e) => Buffer.from(e.msg.data as Uint8Array).toString());
    assert.deepEqual(sent, ["NOOP\r\n"]);
  } finally {
    diagnostics.unsubscribe("smtplib.connect", onConnect);
    diagnostics.unsubscribe("smtplib.send", onSend);
  }
});
