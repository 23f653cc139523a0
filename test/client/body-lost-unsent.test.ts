/**
 * The connection goes while a streamed message is being written, before its end of data (the
 * final "." or BDAT LAST): the server cannot have taken the message, and the call's error
 * says that it was not sent, as one that goes before the replies to the envelope does
 * (unsent.ts), and unlike one after the end of data, which may have been delivered
 * (end-of-data-lost.test.ts). It used to be a bare "Connection unexpectedly closed" (or
 * "Connection closed"), naming no command: a service could not tell a message safe to send
 * again from one that may have been delivered without knowing that convention.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP, SMTPServerDisconnected, SMTPTimeoutError, type SMTP } from "../../src/index.js";
import { EHLO_PIPELINING, LHLO_PIPELINING, greeting, withScript } from "../helpers/client.js";
import type { ScriptServer } from "../helpers/script-server.js";
import { assertDelivery } from "../helpers/delivery.js";

/**
 * A body stream: `parts`, then (once `ready` resolves) one more that can no longer go. (Over
 * BDAT a chunk of 256 KiB goes once the next is known, to tell whether it is the LAST.)
 */
async function* partsThen(parts: readonly Buffer[], ready: () => Promise<unknown>): AsyncGenerator<Buffer> {
  yield* parts;
  await ready();
  yield Buffer.from("last\r\n");
}

const FIRST = [Buffer.from("first\r\n")];

/** Resolves once the server's script has ended (it hung up) and the client has seen the connection go. */
async function hungUp(client: SMTP, server: ScriptServer): Promise<void> {
  await server.done;
  while (client.connected) await new Promise((resolve) => setImmediate(resolve));
}

/** Checks for the error of a message not sent: `command`, the connection's error as `cause`. */
const notSent = (command: string, closedBy: RegExp) => (err: unknown): boolean => {
  assert.ok(err instanceof SMTPServerDisconnected && !(err instanceof SMTPTimeoutError), `expected SMTPServerDisconnected, got ${String(err)}`);
  assert.match(err.message, closedBy);
  assert.match(err.message, /before the end of data was sent: the message was not sent$/);
  assert.doesNotMatch(err.message, /may have been delivered/);
  assertDelivery(err, "not-delivered");
  assert.equal(err.command, command);
  assert.ok(err.cause instanceof SMTPServerDisconnected, "the connection's error is the cause");
  return true;
};

const DATA_FIRST = "S: 250 ok\nS: 250 ok\nS: 354 go\nC: first\n";

/** Sends a stream of `parts` and one more with `send`, the server hanging up after those. */
async function hangUpMidBody(client: SMTP, server: ScriptServer, send: (body: AsyncIterable<Buffer>) => Promise<unknown>, command: string, parts = FIRST): Promise<void> {
  await assert.rejects(send(partsThen(parts, () => hungUp(client, server))), notSent(command, /^Connection unexpectedly closed/));
}

test("SMTP over DATA: the server hangs up while the message is being written -> the error says it was not sent (DATA)", async () => {
  const script = `${EHLO_PIPELINING}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nC: DATA\n${DATA_FIRST}-- close\n`;
  await withScript(script, (client, server) => hangUpMidBody(client, server, (body) => client.sendmail("a@x.test", "b@y.test", body), "DATA"));
});

test("LMTP over DATA: the server hangs up while the message is being written -> deliver fails saying it was not sent (DATA)", async () => {
  const script = `${LHLO_PIPELINING}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nC: RCPT TO:<c@y.test>\nC: DATA\nS: 250 ok\n${DATA_FIRST}-- close\n`;
  await withScript(script, (client, server) => hangUpMidBody(client, server, (body) => client.deliver("a@x.test", ["b@y.test", "c@y.test"], body), "DATA"), {}, LMTP);
});

test("BDAT, lock-step: the server hangs up after a chunk, before BDAT LAST -> the error says the message was not sent (BDAT)", async () => {
  const chunk = Buffer.alloc(256 * 1024, "a");
  const script = `${greeting(["CHUNKING"])}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: BDAT ${chunk.length}\nC! ${chunk.toString("latin1")}\nS: 250 ok\n-- close\n`;
  await withScript(script, (client, server) => hangUpMidBody(client, server, (body) => client.sendmail("a@x.test", "b@y.test", body), "BDAT", [chunk, chunk]));
});

test("close() while the message is being written -> the call's error says it was not sent, and that close() closed it", async () => {
  const script = `${EHLO_PIPELINING}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nC: DATA\n${DATA_FIRST}`;
  await withScript(script, async (client, server) => {
    const sent = client.sendmail("a@x.test", "b@y.test", partsThen(FIRST, async () => {
      await server.done;
      client.close();
    }));
    await assert.rejects(sent, notSent("DATA", /^Connection closed by close\(\), /));
  });
});
