/**
 * BDAT: a server that accepts (2yz) a chunk or BDAT LAST while the client is still
 * writing that command's counted bytes, and goes on reading. It cannot have read them all:
 * it took a part of the message as the whole (a truncated message "accepted") and would
 * read the rest as commands. The call must not succeed, and nothing more is written: the
 * client stops, closes the connection, and reports that reply as SMTPDataError (as it does
 * for a reply during DATA's message), whose `delivery` is "unknown" for BDAT LAST: the
 * server may deliver the truncated message it took (it was "not-delivered" before).
 *
 * The server stops reading (`-- pause`) once the BDAT line has come, so the client is still
 * writing the bytes when the reply comes, then reads again (`-- resume`), so the client's
 * writes would all succeed.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP, SMTPDataError, SMTPServerDisconnected } from "../../src/index.js";
import { greeting } from "../helpers/client.js";
import { assertDelivery } from "../helpers/delivery.js";
import { MESSAGE, refusedAndClosed, SIZE, withPausedScript } from "../helpers/paused-script.js";

/** The reply while the bytes are being written, then reading again. */
const EARLY_250 = "S: 250 2.0.0 queued\n-- wait 100\n-- resume\n";

/**
 * `err` is the SMTPDataError of that 250 to `command`, the close as cause; to BDAT LAST ("end
 * of data") it may have been delivered (the server took what it had as the message), to a
 * chunk not (without LAST nothing was ended). Returns true.
 */
function acceptedEarly(err: unknown, command: string, label: string): true {
  assert.ok(err instanceof SMTPDataError, `${label}: expected SMTPDataError, got ${String(err)}`);
  assert.deepEqual([err.smtpCode, err.smtpError, err.command], [250, "2.0.0 queued", command], label);
  assertDelivery(err, command === "end of data" ? "unknown" : "not-delivered");
  assert.ok(err.cause instanceof SMTPServerDisconnected, `${label}: cause ${String(err.cause)}`);
  assert.match(err.cause.message, /before its bytes were all sent/, label);
  return true;
}

/** A stream: the whole message as one chunk (written in pieces), then one more byte for LAST. */
async function* chunkThenLast(): AsyncGenerator<Buffer> {
  yield MESSAGE;
  yield Buffer.from("x");
}

test("BDAT: a 250 to the chunk or to BDAT LAST while its bytes are still being written (the server then reads on) -> SMTPDataError with that 250, no more bytes, the connection closed; never a success", async (t) => {
  const lockStep = `${greeting(["CHUNKING"])}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\n`;
  const pipelined = `${greeting(["PIPELINING", "CHUNKING"])}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\n`;
  const lmtp = `${greeting(["PIPELINING", "CHUNKING"], "LHLO")}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nC: RCPT TO:<c@y.test>\nS: 250 ok\nS: 250 ok\nS: 250 ok\n`;
  const cases: [string, string, string, () => Buffer | AsyncGenerator<Buffer>][] = [
    ["SMTP lock-step, BDAT LAST", `${lockStep}C: BDAT ${SIZE} LAST\n-- pause\n`, "end of data", () => MESSAGE],
    ["SMTP pipelined (written whole), BDAT LAST", `${pipelined}C: BDAT ${SIZE} LAST\n-- pause\nS: 250 ok\nS: 250 ok\n`, "end of data", () => MESSAGE],
    ["LMTP pipelined, BDAT LAST, the first recipient's reply", `${lmtp}C: BDAT ${SIZE} LAST\n-- pause\n`, "end of data", () => MESSAGE],
    ["LMTP pipelined, BDAT LAST, the second recipient's reply (the first refused)", `${lmtp}C: BDAT ${SIZE} LAST\n-- pause\nS: 452 4.2.2 over quota\n`, "end of data", () => MESSAGE],
    ["SMTP lock-step, a stream's chunk", `${lockStep}C: BDAT ${SIZE}\n-- pause\n`, "BDAT", chunkThenLast],
    ["SMTP pipelined, a stream's chunk", `${pipelined}S: 250 ok\nS: 250 ok\nC: BDAT ${SIZE}\n-- pause\n`, "BDAT", chunkThenLast],
  ];
  for (const [label, opening, command, body] of cases) {
    const lmtpCase = label.startsWith("LMTP");
    const to = lmtpCase ? ["b@y.test", "c@y.test"] : ["b@y.test"];
    await t.test(label, () => withPausedScript(`${opening}${EARLY_250}`, (client) => refusedAndClosed(
      client, () => client.sendmail("a@x.test", to, body()), (err) => acceptedEarly(err, command, label),
    ), lmtpCase ? LMTP : undefined));
  }
});

test("BDAT lock-step: a 200, the lowest 2yz, to BDAT LAST while its bytes are still being written -> SMTPDataError with that 200, as a 250", async () => {
  const script = `${greeting(["CHUNKING"])}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: BDAT ${SIZE} LAST\n-- pause\nS: 200 2.0.0 taken\n-- wait 100\n-- resume\n`;
  await withPausedScript(script, (client) => refusedAndClosed(client, () => client.sendmail("a@x.test", "b@y.test", MESSAGE), (err) => {
    assert.ok(err instanceof SMTPDataError, `expected SMTPDataError, got ${String(err)}`);
    assert.deepEqual([err.smtpCode, err.smtpError, err.command], [200, "2.0.0 taken", "end of data"]);
    assertDelivery(err, "unknown");
    assert.ok(err.cause instanceof SMTPServerDisconnected && /before its bytes were all sent/.test(err.cause.message), String(err.cause));
    return true;
  }));
});
