/**
 * DATA: a server that answers "early", while the client is still writing the message (a
 * 552 over its size limit, a 421 as it shuts down, or any other reply), and goes on
 * reading. No command waits for a reply then, and the server may never answer the end of
 * data: the client must stop at once, close the connection (only "." ends DATA mode, and
 * it would deliver a truncated message) and report that reply as the refusal of the end
 * of data (LMTP: `SMTPRecipientsRefused`), with the close as `cause`; not write the rest
 * and wait for the data-termination timeout. A 2xx there is no success either: not all of
 * the message was sent (`SMTPDataError` with that reply, whose `delivery` is "unknown": the
 * server may deliver the truncated copy it took).
 *
 * The server stops reading (`-- pause`) before the message, so that the client is still
 * writing it when the reply comes; it reads again (`-- resume`) just before replying.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP, SMTPServerDisconnected } from "../../src/index.js";
import { greeting, PIPELINED_GROUP } from "../helpers/client.js";
import { assertDelivery } from "../helpers/delivery.js";
import { dataRefused, EARLY, MESSAGE, messageStream, recipientsRefusedAtEnd, refusedAndClosed, withPausedScript } from "../helpers/paused-script.js";

/** The early replies: those of {@link EARLY}, an acceptance that comes too soon, and a 3yz (no acceptance: not delivered). */
const REPLIES: readonly [number, string][] = [...EARLY, [250, "2.0.0 Ok: queued"], [300, "3.0.0 odd"]];

/** The end of a script whose server has stopped reading: it reads again, then replies `code text` and keeps reading. */
function repliedWhileReading(code: number, text: string): string {
  return `-- wait 100\n-- resume\nS: ${code} ${text}\n`;
}

/** `err`'s cause says the client closed the connection because the server replied `code` during the message. Returns true. */
function closedOnEarlyReply(err: unknown, code: number, label: string): true {
  const cause = (err as Error).cause;
  assert.ok(cause instanceof SMTPServerDisconnected, `${label}: expected the close as cause, got ${String(cause)}`);
  assert.match(cause.message, new RegExp(`the server replied \\(${code} .*\\) while the message was still being sent`), label);
  return true;
}

/** A 2yz there says the server took what it had as the message: it may deliver that truncated copy. A refusal: not delivered. */
function earlyDelivery(err: unknown, code: number): true {
  assertDelivery(err, code >= 200 && code < 300 ? "unknown" : "not-delivered");
  return true;
}

test("DATA, SMTP pipelined and lock-step, in memory and streamed: a 552, 421, 250 or 300 while the message is being written, the server still reading -> at once SMTPDataError for the end of data with that reply, the close as cause; no '.' is sent; a queued call sends nothing", async (t) => {
  const openings: [string, string][] = [
    ["pipelined", `${greeting(["PIPELINING"])}${PIPELINED_GROUP}-- pause\nS: 250 ok\nS: 250 ok\nS: 354 go ahead\n`],
    ["lock-step", `${greeting([])}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: DATA\n-- pause\nS: 354 go ahead\n`],
  ];
  const bodies: readonly [string, () => Buffer | AsyncGenerator<Buffer>][] = [
    ["in memory", () => MESSAGE],
    ["a stream", () => messageStream(64 * 1024)],
  ];
  let run = 0;
  for (const [flow, opening] of openings) {
    for (const [kind, body] of bodies) {
      for (const method of ["sendmail", "deliver"] as const) {
        const [code, text] = REPLIES[run++ % REPLIES.length]!;
        const label = `${flow}, ${kind}, ${method}, ${code}`;
        // withPausedScript checks that the server got part of the message and nothing after it.
        await t.test(label, () => withPausedScript(`${opening}${repliedWhileReading(code, text)}`, (client) => refusedAndClosed(
          client, () => client[method]("a@x.test", "b@y.test", body()),
          (err) => dataRefused(err, code, text, "end of data", label) && closedOnEarlyReply(err, code, label) && earlyDelivery(err, code),
        )));
      }
    }
  }
});

test("DATA, LMTP: a 552 while the message is being written, the server still reading -> at once SMTPRecipientsRefused for the end of data (the first recipient's reply; the other got none, and not the message), the close as cause; no '.' is sent", async () => {
  const envelope = "C: MAIL FROM:<a@x.test>\nC: RCPT TO:<r1@y.test>\nC: RCPT TO:<r2@y.test>\nC: DATA\n";
  const opening = `${greeting(["PIPELINING"], "LHLO")}${envelope}-- pause\nS: 250 ok\nS: 250 ok\nS: 250 ok\nS: 354 go ahead\n`;
  const [code, text] = EARLY[0]!;
  await withPausedScript(`${opening}${repliedWhileReading(code, text)}`, (client) => refusedAndClosed(
    client, () => client.sendmail("a@x.test", ["r1@y.test", "r2@y.test"], MESSAGE),
    (err) => recipientsRefusedAtEnd(err, code, text, "LMTP", true) && closedOnEarlyReply(err, code, "LMTP"),
  ), LMTP);
});
