/**
 * `close()` while a `sendmail` is in flight: the call's error says that the caller's own
 * `close()` closed the connection (it said a bare "Connection closed", as if something else
 * had), and, as every error of a call that sends a message does, whether the message may
 * have been delivered (`delivery`, and the words of it). Before its transaction began (its
 * EHLO, or the STARTTLS of `requireTLS`, still waiting for a reply) it said nothing of the
 * message at all, and a call queued behind (or made after) `close()` said only "please run
 * connect() first", with `delivery` "not-delivered" but no words for it. A server that hangs
 * up during that EHLO, or a timeout of it, is said the same way.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTP, SMTPServerDisconnected, SMTPTimeoutError } from "../../src/index.js";
import { assertDelivery } from "../helpers/delivery.js";
import { GREET, greeting, LOCAL } from "../helpers/client.js";
import { startScriptServer, type ScriptServer } from "../helpers/script-server.js";

/** Resolves once the server has read `text` from the client. */
async function received(server: ScriptServer, text: string): Promise<void> {
  const guard = AbortSignal.timeout(10_000);
  while (!server.received().includes(text)) {
    if (guard.aborted) throw new Error(`the server never read ${JSON.stringify(text)}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Connects to `script`, starts `call`, and calls close() once the server has read `last`; resolves to the call's error. */
async function closedDuring(script: string, last: string, call: (client: SMTP) => Promise<unknown>, options = {}): Promise<SMTPServerDisconnected> {
  const server = await startScriptServer(`${script}-- wait 3000\n`);
  const client = await SMTP.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 5000, ...options });
  try {
    const running = call(client).then(() => assert.fail("the call succeeded"), (e: unknown) => e);
    await received(server, last);
    client.close();
    const err = await running;
    assert.ok(err instanceof SMTPServerDisconnected, String(err));
    return err;
  } finally {
    client.close();
    await server.close();
  }
}

const ENVELOPE = `${greeting(["8BITMIME"])}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\n`;
const send = (client: SMTP): Promise<unknown> => client.sendmail("a@x.test", ["b@y.test"], "hi\r\n");

test("close() while a RCPT's reply is due: says close() closed it and that the message was not sent", async () => {
  const err = await closedDuring(ENVELOPE, "RCPT TO:<b@y.test>\r\n", send);
  assert.equal(err.message, "Connection closed by close() before the replies to RCPT came: the message was not sent");
  assertDelivery(err, "not-delivered");
});

test("close() once the end of data was written: says close() closed it and that the message may have been delivered", async () => {
  const err = await closedDuring(`${ENVELOPE}S: 250 ok\nC: DATA\nS: 354 go\nC: hi\nC: .\n`, "hi\r\n.\r\n", send);
  assert.equal(err.message, "Connection closed by close(), after the end of data was sent: the message may have been delivered");
  assertDelivery(err, "unknown");
});

test("close() while the EHLO before the transaction waits for its reply: the message was not sent (it said a bare 'Connection closed')", async () => {
  const err = await closedDuring(`${GREET}C: EHLO ${LOCAL}\n`, `EHLO ${LOCAL}\r\n`, send);
  assert.equal(err.message, "Connection closed by close() before MAIL was sent: the message was not sent");
  assertDelivery(err, "not-delivered");
  assert.ok(err.cause instanceof SMTPServerDisconnected && err.cause.message === "Connection closed by close()", String(err.cause));
});

test("close() while requireTLS's STARTTLS waits for its reply: the message was not sent", async () => {
  const err = await closedDuring(`${greeting(["STARTTLS"])}C: STARTTLS\n`, "STARTTLS\r\n", send, { requireTLS: true });
  assert.equal(err.message, "Connection closed by close() before MAIL was sent: the message was not sent");
  assertDelivery(err, "not-delivered");
});

test("a sendmail queued behind a call that close() cut off, and one made after close(): nothing of it was sent, said with why; after connect() and quit(), Python's words alone", async () => {
  const server = await startScriptServer(`${GREET}C: NOOP\n-- wait 3000\n`);
  const client = await SMTP.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 5000 });
  try {
    const noop = client.noop().then(() => assert.fail("NOOP succeeded"), (e: unknown) => e);
    const queued = send(client).then(() => assert.fail("the call succeeded"), (e: unknown) => e);
    await received(server, "NOOP\r\n");
    client.close();
    const first = await noop;
    assert.ok(first instanceof SMTPServerDisconnected && first.message === "Connection closed by close()", String(first));
    const expected = "Not connected (Connection closed by close()): nothing of this call was sent; please run connect() first";
    for (const err of [await queued, await send(client).then(() => undefined, (e: unknown) => e)]) {
      assert.ok(err instanceof SMTPServerDisconnected, String(err));
      assert.equal(err.message, expected);
      assertDelivery(err, "not-delivered");
    }
  } finally {
    client.close();
    await server.close();
  }
  const again = await startScriptServer(`${GREET}C: QUIT\nS: 221 bye\n`);
  try {
    await client.connect("127.0.0.1", again.port);
    await client.quit();
    await assert.rejects(send(client), { name: "SMTPServerDisconnected", message: "please run connect() first" });
  } finally {
    await again.close();
  }
});

test("the server hangs up while the EHLO before the transaction waits for its reply: the message was not sent", async () => {
  const server = await startScriptServer(`${GREET}C: EHLO ${LOCAL}\n-- close\n`);
  const client = await SMTP.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 5000 });
  try {
    await assert.rejects(send(client), (err: unknown) => {
      assert.ok(err instanceof SMTPServerDisconnected, String(err));
      assert.equal(err.message, "Connection unexpectedly closed before MAIL was sent: the message was not sent");
      assertDelivery(err, "not-delivered");
      return true;
    });
  } finally {
    client.close();
    await server.close();
  }
});

test("the EHLO before the transaction times out: the SMTPTimeoutError (phase kept) says the message was not sent", async () => {
  const server = await startScriptServer(`${GREET}C: EHLO ${LOCAL}\n-- wait 3000\n`);
  const client = await SMTP.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeouts: { command: 1000 } });
  try {
    await assert.rejects(send(client), (err: unknown) => {
      assert.ok(err instanceof SMTPTimeoutError && err.phase === "command" && err.timeout === 1000, String(err));
      assert.equal(err.message, `Timed out after 1000 ms waiting for the reply to EHLO ${LOCAL}: the message was not sent`);
      assertDelivery(err, "not-delivered");
      return true;
    });
  } finally {
    client.close();
    await server.close();
  }
});
