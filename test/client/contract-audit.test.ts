/**
 * A second audit of API.md and Python's smtplib documentation: claims no other test held
 * the library to, each checked byte for byte against a scripted server. This file: the
 * module's exports and exception tree, default ports and hosts, the audit events, calls
 * before connecting, and the connection's life (greeting, partial replies, quit, reconnect).
 */

import assert from "node:assert/strict";
import diagnostics from "node:diagnostics_channel";
import { test } from "node:test";
import {
  LMTP, LMTP_PORT, SMTP, SMTP_PORT, SMTP_SSL, SMTP_SSL_PORT, SMTPAuthenticationError, SMTPConnectError,
  SMTPDataError, SMTPException, SMTPHeloError, SMTPNotSupportedError, SMTPRecipientsRefused,
  SMTPResponseException, SMTPSenderRefused, SMTPServerDisconnected, SMTPTimeoutError, quoteaddr, quotedata,
} from "../../src/index.js";
import { greeting, LOCAL, PIPELINED_GROUP, withScript } from "../helpers/client.js";
import { startScriptServer } from "../helpers/script-server.js";

const GREET = "S: 220 mx.test ESMTP\n";

test("exports: the port constants are 25, 465 and 2003; SMTP_SSL and LMTP extend SMTP; quoteaddr and quotedata are functions", () => {
  assert.deepEqual([SMTP_PORT, SMTP_SSL_PORT, LMTP_PORT], [25, 465, 2003]);
  assert.equal(Object.getPrototypeOf(SMTP_SSL), SMTP);
  assert.equal(Object.getPrototypeOf(LMTP), SMTP);
  assert.ok(new SMTP_SSL() instanceof SMTP && new LMTP() instanceof SMTP);
  assert.equal(quoteaddr("a@b"), "<a@b>");
  assert.equal(quotedata("a\n.b"), "a\r\n..b");
});

test("exceptions: Python's hierarchy under Error, and each one's name is its class name", () => {
  const tree: [new (...args: never[]) => Error, object, Error][] = [
    [SMTPException, Error, new SMTPException("x")],
    [SMTPServerDisconnected, SMTPException, new SMTPServerDisconnected("x")],
    [SMTPTimeoutError, SMTPServerDisconnected, new SMTPTimeoutError("x")],
    [SMTPNotSupportedError, SMTPException, new SMTPNotSupportedError("x")],
    [SMTPRecipientsRefused, SMTPException, new SMTPRecipientsRefused(new Map())],
    [SMTPResponseException, SMTPException, new SMTPResponseException(500, "x")],
    [SMTPSenderRefused, SMTPResponseException, new SMTPSenderRefused(550, "x", "a@b")],
    [SMTPDataError, SMTPResponseException, new SMTPDataError(554, "x")],
    [SMTPConnectError, SMTPResponseException, new SMTPConnectError(554, "x")],
    [SMTPHeloError, SMTPResponseException, new SMTPHeloError(501, "x")],
    [SMTPAuthenticationError, SMTPResponseException, new SMTPAuthenticationError(535, "x")],
  ];
  for (const [cls, parent, instance] of tree) {
    assert.equal(Object.getPrototypeOf(cls), parent, cls.name);
    assert.ok(instance instanceof cls && instance instanceof Error, cls.name);
    assert.equal(instance.name, cls.name);
  }
  const e = new SMTPDataError(554, "5.6.0 bad");
  assert.deepEqual([e.smtpCode, e.smtpError, e.enhancedStatus], [554, "5.6.0 bad", "5.6.0"]);
  assert.equal(new SMTPTimeoutError("x").code, "ETIMEDOUT");
});

/**
 * Connects a `cls` client with no host and with `"h.test:0"`, through a socketFactory that
 * records its target and fails, and returns what the smtplib.connect event and the factory saw.
 */
async function connectTargets(cls: typeof SMTP): Promise<string[]> {
  const seen: string[] = [];
  const onConnect = (msg: unknown): void => {
    const { client, host, port } = msg as { client: unknown; host: string; port: number };
    seen.push(`event ${host}:${port}${client instanceof cls ? "" : " (another client)"}`);
  };
  diagnostics.subscribe("smtplib.connect", onConnect);
  try {
    const client = new cls({ localHostname: LOCAL, diagnoseTLS: false, socketFactory: ({ host, port }) => {
      seen.push(`factory ${host}:${port}`);
      throw new Error("no network here");
    } });
    await assert.rejects(client.connect(), SMTPConnectError);
    await assert.rejects(client.connect("h.test:0"), SMTPConnectError);
  } finally {
    diagnostics.unsubscribe("smtplib.connect", onConnect);
  }
  return seen;
}

for (const [cls, port] of [[SMTP, 25], [SMTP_SSL, 465], [LMTP, 2003]] as const) {
  test(`${cls.name}: connect() goes to localhost port ${port}, "host:0" to port ${port}; smtplib.connect has the resolved port, before connecting`, async () => {
    assert.deepEqual(await connectTargets(cls), [
      `event localhost:${port}`, `factory localhost:${port}`, `event h.test:${port}`, `factory h.test:${port}`,
    ]);
  });
}

test("smtplib.send: every write, message data included, as Uint8Array; together exactly the bytes the server read", async () => {
  const body = `.first\r\n${"x".repeat(100_000)}\r\n`;
  const script = `${greeting(["PIPELINING"])}${PIPELINED_GROUP}S: 250 ok\nS: 250 ok\nS: 354 go\nC: ..first\nC: ${"x".repeat(100_000)}\nC: .\nS: 250 queued\nC: NOOP\nS: 250 ok\n`;
  const writes: unknown[] = [];
  const onSend = (msg: unknown): void => { writes.push((msg as { data: unknown }).data); };
  diagnostics.subscribe("smtplib.send", onSend);
  try {
    await withScript(script, async (client, server) => {
      assert.equal((await client.sendmail("a@x.test", "b@y.test", body)).size, 0);
      await client.noop();
      assert.ok(writes.every((w) => w instanceof Uint8Array));
      assert.equal(Buffer.concat(writes as Uint8Array[]).toString("latin1"), server.received());
    });
  } finally {
    diagnostics.unsubscribe("smtplib.send", onSend);
  }
});

test("before connect(), every call is SMTPServerDisconnected with nothing sent; close() is harmless", async () => {
  const client = new SMTP({ localHostname: LOCAL });
  const calls: (() => Promise<unknown>)[] = [
    () => client.noop(), () => client.putcmd("NOOP"), () => client.getreply(), () => client.send("NOOP\r\n"),
    () => client.docmd("NOOP"), () => client.ehlo(), () => client.helo(), () => client.ehloOrHeloIfNeeded(),
    () => client.mail("a@x.test"), () => client.rcpt("b@x.test"), () => client.data("x"), () => client.quit(),
    () => client.sendmail("a@x.test", "b@x.test", "x"), () => client.login("u", "p"), () => client.starttls(),
  ];
  for (const call of calls) await assert.rejects(call(), SMTPServerDisconnected, String(call));
  assert.doesNotThrow(() => client.close());
});

test("the instance connect() with a greeting other than 220 throws SMTPConnectError too (Python returns it) and closes", async () => {
  const server = await startScriptServer("S: 554 5.7.1 go away\n");
  const client = new SMTP({ localHostname: LOCAL, timeout: 5000 });
  try {
    await assert.rejects(client.connect("127.0.0.1", server.port), (err: unknown) =>
      err instanceof SMTPConnectError && err.smtpCode === 554 && err.smtpError === "5.7.1 go away" && err.enhancedStatus === "5.7.1");
    assert.equal(client.connected, false);
    await server.done;
    assert.equal(server.received(), "");
  } finally {
    await server.close();
  }
});

test("a partial reply line and then the server hangs up: SMTPServerDisconnected, connection closed", async () => {
  await withScript(`${GREET}C: NOOP\nS! 250 part\n-- close\n`, async (client) => {
    await assert.rejects(client.noop(), (err: unknown) => err instanceof SMTPServerDisconnected && !(err instanceof SMTPTimeoutError));
    assert.equal(client.connected, false);
    await assert.rejects(client.noop(), SMTPServerDisconnected);
  });
});

test("quit() returns the 221, closes and forgets the greeting (as Python's); connect() then opens a new session on the same object", async () => {
  const first = await startScriptServer(`${GREET}C: EHLO client.test\nS: 250-mx.test\nS: 250 SIZE 10\nC: QUIT\nS: 221 2.0.0 bye\n`);
  const second = await startScriptServer("S: 220 two.test\nC: EHLO client.test\nS: 250 two.test\nC: NOOP\nS: 250 ok\n");
  const client = await SMTP.connect("127.0.0.1", first.port, { localHostname: LOCAL, timeout: 5000 });
  try {
    await client.ehloOrHeloIfNeeded();
    assert.equal(client.hasExtn("size"), true);
    assert.deepEqual(await client.quit(), { code: 221, message: "2.0.0 bye", lines: ["2.0.0 bye"], enhancedStatus: "2.0.0" });
    assert.equal(client.connected, false);
    assert.deepEqual([client.ehloResp, client.heloResp, client.doesEsmtp, client.esmtpFeatures.size], [null, null, false, 0]);
    await assert.rejects(client.noop(), SMTPServerDisconnected);
    assert.equal((await client.connect("127.0.0.1", second.port)).message, "two.test");
    await client.ehlo();
    assert.equal(client.ehloResp, "two.test");
    assert.equal((await client.noop()).code, 250);
    await first.done;
    await second.done;
  } finally {
    client.close();
    await first.close();
    await second.close();
  }
});

test("await using: the socket is closed after QUIT's 221; a server that hangs up on QUIT, and a client never connected, are not errors (Python's __exit__)", async () => {
  const server = await startScriptServer(`${GREET}C: QUIT\nS: 221 bye\n`);
  const hangsUp = await startScriptServer(`${GREET}C: QUIT\n-- close\n`);
  try {
    let kept: SMTP | undefined;
    {
      await using client = await SMTP.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 5000 });
      kept = client;
    }
    assert.equal(kept.connected, false);
    const rude = await SMTP.connect("127.0.0.1", hangsUp.port, { localHostname: LOCAL, timeout: 5000 });
    await rude[Symbol.asyncDispose]();
    assert.equal(rude.connected, false);
    await new SMTP()[Symbol.asyncDispose]();
    await hangsUp.done;
    assert.equal(hangsUp.received(), "QUIT\r\n");
  } finally {
    await server.close();
    await hangsUp.close();
  }
});

test("a NaN timeout is a number out of range: RangeError, as 0 and negatives are (Python: ValueError), for every class and phase", () => {
  for (const cls of [SMTP, SMTP_SSL, LMTP]) {
    assert.throws(() => new cls({ timeout: Number.NaN }), (err: unknown) => err instanceof RangeError && /got NaN/.test(err.message), cls.name);
    assert.throws(() => new cls({ timeout: 0 }), RangeError, cls.name);
  }
  assert.throws(() => new SMTP({ timeouts: { dataBlock: Number.NaN } }), RangeError);
  assert.throws(() => new SMTP({ timeout: "5" as unknown as number }), TypeError);
});

test("a value that is not a number where a number goes is a TypeError; a number out of range a RangeError (debug level, limits)", () => {
  const client = new SMTP();
  for (const bad of ["1", null, undefined, {}]) {
    assert.throws(() => client.setDebugLevel(bad as never), TypeError, String(bad));
  }
  assert.throws(() => new SMTP({ debugLevel: "2" as never }), TypeError);
  for (const bad of [3, -1, 1.5, Number.NaN]) assert.throws(() => client.setDebugLevel(bad as never), RangeError, String(bad));
  client.setDebugLevel(true);
  assert.equal(client.debugLevel, 1);
  assert.throws(() => new SMTP({ limits: { maxReplyBytes: "65536" as never } }), TypeError);
  assert.throws(() => new SMTP({ limits: { maxReplyLines: Number.NaN } }), RangeError);
});

test("the client's signal aborted between calls closes the socket at once; later calls reject with its reason, nothing sent", async () => {
  const controller = new AbortController();
  const reason = new Error("shutting down");
  await withScript(GREET, async (client) => {
    controller.abort(reason);
    assert.equal(client.connected, false);
    await assert.rejects(client.noop(), (err: unknown) => err === reason);
  }, { signal: controller.signal });
});
