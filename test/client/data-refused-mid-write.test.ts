/**
 * DATA: a server that refuses the message "early", while the client is still writing it
 * (a 552 for a message over its size limit, a 421 as it shuts down: RFC 5321 §3.8), and
 * then closes the connection. The client's write then fails, but the server's reply had
 * already been read: the caller must get that refusal, as it would had the reply come
 * after the end of data (`SMTPDataError` for the end of data; LMTP: `SMTPRecipientsRefused`
 * with each recipient's outcome), with the failed write as its `cause`, and not the bare
 * disconnect. No slot waits for such a reply (the end of data is not written yet).
 *
 * The server stops reading (`-- pause`) before the message, so the client is still writing
 * it (a large in-memory body in pieces, or a stream) when the reply comes; then it hangs up
 * with the client's bytes unread (`-- destroy`).
 */

import { test } from "node:test";
import { LMTP } from "../../src/index.js";
import { greeting, PIPELINED_GROUP } from "../helpers/client.js";
import {
  dataRefused, EARLY, MESSAGE, messageStream, recipientsRefusedAtEnd, refusedAndClosed, refusedWhileWriting, withPausedScript,
} from "../helpers/paused-script.js";

/** A message body: the large one in memory, or the same bytes as a stream. */
const BODIES: readonly [string, () => Buffer | AsyncGenerator<Buffer>][] = [
  ["in memory", () => MESSAGE],
  ["a stream", () => messageStream(64 * 1024)],
];

/** The two calls that send a whole transaction. */
const METHODS = ["sendmail", "deliver"] as const;

test("DATA, SMTP pipelined and lock-step, in memory and streamed: a 552 or 421 while the message is being written, then the server closes -> SMTPDataError for the end of data with that reply, the failed write as cause; a queued call sends nothing", async (t) => {
  const openings: [string, string][] = [
    ["pipelined", `${greeting(["PIPELINING"])}${PIPELINED_GROUP}-- pause\nS: 250 ok\nS: 250 ok\nS: 354 go ahead\n`],
    ["lock-step", `${greeting([])}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: DATA\n-- pause\nS: 354 go ahead\n`],
  ];
  let run = 0;
  for (const [flow, opening] of openings) {
    for (const [kind, body] of BODIES) {
      for (const method of METHODS) {
        const [code, text] = EARLY[run++ % EARLY.length]!;
        const label = `${flow}, ${kind}, ${method}, ${code}`;
        await t.test(label, () => withPausedScript(`${opening}${refusedWhileWriting(code, text)}`, (client) => refusedAndClosed(
          client, () => client[method]("a@x.test", "b@y.test", body()), (err) => dataRefused(err, code, text, "end of data", label),
        )));
      }
    }
  }
});

test("DATA, LMTP pipelined and lock-step: a 552 or 421 while the message is being written, then the server closes -> SMTPRecipientsRefused for the end of data, as after it (the first recipient's reply; the other got none, and not the message: its end was never sent), the failed write as cause", async (t) => {
  const envelope = "C: MAIL FROM:<a@x.test>\nC: RCPT TO:<r1@y.test>\nC: RCPT TO:<r2@y.test>\nC: DATA\n";
  const openings: [string, string][] = [
    ["pipelined", `${greeting(["PIPELINING"], "LHLO")}${envelope}-- pause\nS: 250 ok\nS: 250 ok\nS: 250 ok\nS: 354 go ahead\n`],
    ["lock-step", `${greeting([], "LHLO")}${envelope.replace(/\n(?!$)/g, "\nS: 250 ok\n")}-- pause\nS: 354 go ahead\n`],
  ];
  let run = 0;
  for (const [flow, opening] of openings) {
    for (const [code, text] of EARLY) {
      const [kind, body] = BODIES[run % BODIES.length]!;
      const method = METHODS[run++ % METHODS.length]!;
      const label = `${flow}, ${kind}, ${method}, ${code}`;
      await t.test(label, () => withPausedScript(`${opening}${refusedWhileWriting(code, text)}`, (client) => refusedAndClosed(
        client, () => client[method]("a@x.test", ["r1@y.test", "r2@y.test"], body()), (err) => recipientsRefusedAtEnd(err, code, text, label, true),
      ), LMTP));
    }
  }
});

test("DATA: a 552 while the message is being written, then the server closes only its side (a half-close, still not reading) -> the same SMTPDataError at once, not after the data-block timeout", async (t) => {
  // `-- close` ends the server's side (FIN) and reads nothing more: the client's pending
  // writes would never drain, so only the end of the server's side can tell it to stop.
  const halfClosed = "-- wait 100\nS: 552 5.3.4 message too big\n-- close\n";
  const openings: [string, string][] = [
    ["pipelined", `${greeting(["PIPELINING"])}${PIPELINED_GROUP}-- pause\nS: 250 ok\nS: 250 ok\nS: 354 go ahead\n`],
    ["lock-step", `${greeting([])}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: DATA\n-- pause\nS: 354 go ahead\n`],
  ];
  for (const [flow, opening] of openings) {
    for (const [kind, body] of BODIES) {
      const label = `${flow}, ${kind}`;
      await t.test(label, () => withPausedScript(`${opening}${halfClosed}`, (client) => refusedAndClosed(
        client, () => client.sendmail("a@x.test", "b@y.test", body()), (err) => dataRefused(err, 552, "5.3.4 message too big", "end of data", label),
      )));
    }
  }
});
