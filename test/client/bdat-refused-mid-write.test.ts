/**
 * BDAT: a server that refuses (the envelope, a chunk, or BDAT LAST before its bytes are
 * all read: a message over its size limit) while the client is still sending the message,
 * and then closes the connection. The client's write (or its wait for the body stream)
 * then fails, but the server's reply had already been read: the caller must get that
 * refusal, as it would had the reply come once the message was all written, with the
 * failure as its `cause`, and not the bare disconnect. Nothing more is sent.
 *
 * The server stops reading (`-- pause`) once the command whose bytes follow has come, so
 * the client is still writing them when the reply comes; then it hangs up with the client's
 * bytes unread (`-- destroy`). Already right before these tests (bdat-refusals.test.ts): a refused
 * sender or every recipient refused while a large pipelined message is being written.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP, SMTPRecipientsRefused, SMTPSenderRefused } from "../../src/index.js";
import { greeting, withScript } from "../helpers/client.js";
import { lostWhileWriting } from "../helpers/closed-on.js";
import {
  dataRefused, EARLY, MESSAGE, messageStream, recipientsRefusedAtEnd, refusedAndClosed, refusedWhileWriting, SIZE, withPausedScript,
} from "../helpers/paused-script.js";

const PIPELINED = greeting(["PIPELINING", "CHUNKING"]);
/** The size of the chunks a stream is cut into (bdat-flow.ts). */
const CHUNK = 256 * 1024;
const METHODS = ["sendmail", "deliver"] as const;

/** A stream of the whole message in one piece: it all goes with BDAT LAST, written in pieces. */
async function* onePiece(): AsyncGenerator<Buffer> {
  yield MESSAGE;
}

test("BDAT LAST refused (552, 421) while its bytes are being written, then the server closes: SMTP pipelined (in memory) and lock-step (in memory, a stream) -> SMTPDataError for the end of data, the failed write as cause", async (t) => {
  const cases: [string, string, () => Buffer | AsyncGenerator<Buffer>][] = [
    ["pipelined, in memory", `${PIPELINED}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nC: BDAT ${SIZE} LAST\n-- pause\nS: 250 ok\nS: 250 ok\n`, () => MESSAGE],
    ["lock-step, in memory", `${greeting(["CHUNKING"])}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: BDAT ${SIZE} LAST\n-- pause\n`, () => MESSAGE],
    ["lock-step, a stream", `${greeting(["CHUNKING"])}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: BDAT ${SIZE} LAST\n-- pause\n`, onePiece],
  ];
  let run = 0;
  for (const [flow, opening, body] of cases) {
    for (const [code, text] of EARLY) {
      const method = METHODS[run++ % METHODS.length]!;
      const label = `${flow}, ${method}, ${code}`;
      await t.test(label, () => withPausedScript(`${opening}${refusedWhileWriting(code, text)}`, (client) => refusedAndClosed(
        client, () => client[method]("a@x.test", "b@y.test", body()), (err) => dataRefused(err, code, text, "end of data", label),
      )));
    }
  }
});

test("BDAT LAST refused (552, 421) while its bytes are being written, then the server closes: LMTP pipelined and lock-step -> SMTPRecipientsRefused for the end of data, as after it, r2 (no reply) not delivered (LAST's bytes never all went), the failed write as cause", async (t) => {
  const envelope = "C: MAIL FROM:<a@x.test>\nC: RCPT TO:<r1@y.test>\nC: RCPT TO:<r2@y.test>\n";
  const openings: [string, string][] = [
    ["pipelined", `${greeting(["PIPELINING", "CHUNKING"], "LHLO")}${envelope}S: 250 ok\nS: 250 ok\nS: 250 ok\n`],
    ["lock-step", `${greeting(["CHUNKING"], "LHLO")}${envelope.replace(/\n/g, "\nS: 250 ok\n")}`],
  ];
  let run = 0;
  for (const [flow, opening] of openings) {
    for (const [code, text] of EARLY) {
      const method = METHODS[run++ % METHODS.length]!;
      const label = `${flow}, ${method}, ${code}`;
      const script = `${opening}C: BDAT ${SIZE} LAST\n-- pause\n${refusedWhileWriting(code, text)}`;
      await t.test(label, () => withPausedScript(script, (client) => refusedAndClosed(
        client, () => client[method]("a@x.test", ["r1@y.test", "r2@y.test"], MESSAGE), (err) => recipientsRefusedAtEnd(err, code, text, label, true),
      ), LMTP));
    }
  }
});

test("pipelined BDAT, a stream: the first chunk refused (552) while the next ones are being written, then the server closes (SMTP, LMTP) -> SMTPDataError for BDAT, the failed write as cause; no BDAT LAST", async (t) => {
  const [code, text] = EARLY[0]!;
  const scripts: [string, typeof LMTP | undefined, string][] = [
    ["SMTP", undefined, `${PIPELINED}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nC: BDAT ${CHUNK}\n-- pause\nS: 250 ok\nS: 250 ok\n`],
    ["LMTP", LMTP, `${greeting(["PIPELINING", "CHUNKING"], "LHLO")}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nS: 250 ok\nS: 250 ok\nC: BDAT ${CHUNK}\n-- pause\n`],
  ];
  for (const [dialect, cls, opening] of scripts) {
    for (const method of METHODS) {
      const label = `${dialect}, ${method}`;
      await t.test(label, () => withPausedScript(`${opening}${refusedWhileWriting(code, text)}`, (client) => refusedAndClosed(
        client, () => client[method]("a@x.test", "b@y.test", messageStream(CHUNK)), (err) => dataRefused(err, code, text, "BDAT", label),
      ), cls));
    }
  }
});

test("pipelined BDAT, in memory: a 421 to the second RCPT (the first accepted) while the message is being written, then the server closes -> SMTPRecipientsRefused as after it (the RCPT replies up to the 421), the failed write as cause", async () => {
  const script = `${PIPELINED}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nC: RCPT TO:<c@y.test>\nC: BDAT ${SIZE} LAST\n-- pause\nS: 250 ok\nS: 250 ok\n${refusedWhileWriting(421, "4.3.2 Shutting down")}`;
  await withPausedScript(script, (client) => refusedAndClosed(client, () => client.sendmail("a@x.test", ["b@y.test", "c@y.test"], MESSAGE), (err) => {
    if (!(err instanceof SMTPRecipientsRefused)) throw new Error(`expected SMTPRecipientsRefused, got ${String(err)}`);
    if (err.command !== "RCPT" || err.recipients.size !== 1 || err.recipients.get("c@y.test")?.code !== 421) throw new Error(`not the 421 alone: ${err.message}`);
    return lostWhileWriting(err.cause);
  }));
});

test("pipelined BDAT, a stream that waits: the sender refused, or every recipient, and the server closes while the client waits for the stream -> that refusal, with the close as cause; no BDAT", async (t) => {
  /** A first piece (held for the next chunk or LAST), then a wait that never ends. */
  async function* stalled(): AsyncGenerator<Buffer> {
    yield Buffer.from("Subject: x\r\n\r\n");
    await new Promise(() => undefined);
  }
  const envelope = `${PIPELINED}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\n`;
  const cases: [string, string, (err: unknown) => boolean][] = [
    ["sender", "S: 550 5.7.1 sender blocked\nS: 250 ok\n", (err) => err instanceof SMTPSenderRefused && err.smtpCode === 550],
    ["every recipient", "S: 250 ok\nS: 550 5.1.1 no such user\n", (err) => err instanceof SMTPRecipientsRefused && err.recipients.get("b@y.test")?.code === 550],
  ];
  for (const [refused, replies, isRefusal] of cases) {
    await t.test(refused, () => withScript(`${envelope}${replies}-- wait 50\n-- close\n`, (client) => refusedAndClosed(client, () => client.sendmail("a@x.test", "b@y.test", stalled()), (err) => {
      if (!isRefusal(err)) throw new Error(`${refused}: expected the refusal, got ${String(err)}`);
      return lostWhileWriting((err as Error).cause);
    })));
  }
});

test("BDAT, a stream's chunk larger than a write (so written in pieces), refused (552, 421) while its bytes are being written, then the server closes: lock-step and pipelined -> SMTPDataError for BDAT, the failed write as cause; no BDAT LAST", async (t) => {
  /** The whole message in one chunk, then one more byte: the message goes as a BDAT chunk, not with LAST. */
  async function* wholeThenMore(): AsyncGenerator<Buffer> {
    yield MESSAGE;
    yield Buffer.from("x");
  }
  const openings: [string, string][] = [
    ["lock-step", `${greeting(["CHUNKING"])}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: BDAT ${SIZE}\n-- pause\n`],
    ["pipelined", `${PIPELINED}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nC: BDAT ${SIZE}\n-- pause\nS: 250 ok\nS: 250 ok\n`],
  ];
  for (const [flow, opening] of openings) {
    for (const [code, text] of EARLY) {
      const label = `${flow}, ${code}`;
      await t.test(label, () => withPausedScript(`${opening}${refusedWhileWriting(code, text)}`, (client) => refusedAndClosed(
        client, () => client.sendmail("a@x.test", "b@y.test", wholeThenMore()), (err) => dataRefused(err, code, text, "BDAT", label),
      )));
    }
  }
});

test("BDAT LAST refused with 400, the lowest refusal, while its bytes are being written, then the server closes (SMTP lock-step) -> SMTPDataError 400 for the end of data, not the failed write", async () => {
  const script = `${greeting(["CHUNKING"])}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: BDAT ${SIZE} LAST\n-- pause\n${refusedWhileWriting(400, "4.3.0 try later")}`;
  await withPausedScript(script, (client) => refusedAndClosed(
    client, () => client.sendmail("a@x.test", "b@y.test", MESSAGE), (err) => dataRefused(err, 400, "4.3.0 try later", "end of data", "400"),
  ));
});

test("BDAT LAST refused with 400 while its bytes are being written, then the server closes (LMTP pipelined) -> SMTPRecipientsRefused for the end of data, as for any refusal", async () => {
  const opening = `${greeting(["PIPELINING", "CHUNKING"], "LHLO")}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<r1@y.test>\nC: RCPT TO:<r2@y.test>\nS: 250 ok\nS: 250 ok\nS: 250 ok\n`;
  const script = `${opening}C: BDAT ${SIZE} LAST\n-- pause\n${refusedWhileWriting(400, "4.3.0 try later")}`;
  await withPausedScript(script, (client) => refusedAndClosed(
    client, () => client.sendmail("a@x.test", ["r1@y.test", "r2@y.test"], MESSAGE), (err) => recipientsRefusedAtEnd(err, 400, "4.3.0 try later", "LMTP 400", true),
  ), LMTP);
});

test("LMTP, pipelined BDAT, large message in memory: LAST refused for r1 and the server hangs up before LAST's bytes all went: r2, unanswered, was not delivered (not 'unknown')", async () => {
  const text = "5.3.4 <r1@y.test> message too big";
  const opening = `${greeting(["PIPELINING", "CHUNKING"], "LHLO")}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<r1@y.test>\nC: RCPT TO:<r2@y.test>\nS: 250 ok\nS: 250 ok\nS: 250 ok\n`;
  const script = `${opening}C: BDAT ${SIZE} LAST\n-- pause\n${refusedWhileWriting(552, text)}`;
  await withPausedScript(script, (client) => assert.rejects(client.deliver("a@x.test", ["r1@y.test", "r2@y.test"], MESSAGE), (err: unknown) => {
    assert.ok(err instanceof SMTPRecipientsRefused, String(err));
    assert.equal(err.delivery, "not-delivered");
    assert.equal(err.recipients.get("r1@y.test")?.code, 552);
    const r2 = err.recipients.get("r2@y.test");
    assert.equal(r2?.code, -1);
    assert.match(r2.message, /the message was not all sent, so it was not delivered/);
    return true;
  }), LMTP);
});
