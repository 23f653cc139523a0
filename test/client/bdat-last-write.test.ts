/**
 * A 3yz reply that closes the connection while the bytes of BDAT LAST are still being
 * written (a large message goes after its `BDAT n LAST` line, in pieces with back-pressure):
 * the write then fails, and the caller must see the server's reply as the error, with the
 * close as its cause, not the failed write; so too a refusal of the envelope followed by
 * the server hanging up (`-- destroy`). The server stops reading (`-- pause`) once
 * the BDAT line has come and only then answers, so the client is still writing: the
 * message is larger than what the sockets' buffers hold.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP, SMTP, SMTPDataError, SMTPRecipientsRefused, SMTPSenderRefused } from "../../src/index.js";
import { greeting } from "../helpers/client.js";
import { closedOn, notSent, rcpt354 } from "../helpers/closed-on.js";
import { MESSAGE, SIZE, withPausedScript } from "../helpers/paused-script.js";

test("pipelined BDAT, a stream: 354 to RCPT while BDAT LAST's bytes are being written -> SMTPResponseException for that RCPT, caused by the close", async () => {
  const script = `${greeting(["PIPELINING", "CHUNKING"])}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: BDAT ${SIZE} LAST
-- pause
S: 250 ok
S: 354 go ahead
`;
  // One chunk: the stream ends at once, and all of it goes with LAST.
  async function* body(): AsyncGenerator<Buffer> {
    yield MESSAGE;
  }
  await withPausedScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", body()), (err: unknown) => rcpt354(err, "b@y.test"));
    assert.equal(client.connected, false);
  });
});

test("pipelined BDAT, a stream: the sender or every recipient refused, then the server hangs up (a reset) while BDAT LAST's bytes are being written -> that refusal, as for an in-memory message, not the failed write", async () => {
  // [the envelope replies, the refusal expected]
  const cases: [string, (err: unknown) => boolean][] = [
    ["S: 250 ok\nS: 550 no such user\n", (err) => err instanceof SMTPRecipientsRefused && err.recipients.get("b@y.test")?.code === 550],
    ["S: 550 sender rejected\nS: 250 ok\n", (err) => err instanceof SMTPSenderRefused && err.smtpCode === 550],
  ];
  for (const [replies, refusal] of cases) {
    const script = `${greeting(["PIPELINING", "CHUNKING"])}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<b@y.test>
C: BDAT ${SIZE} LAST
-- pause
${replies}-- destroy
`;
    // One chunk: the stream ends at once, and all of it goes with LAST.
    async function* body(): AsyncGenerator<Buffer> {
      yield MESSAGE;
    }
    await withPausedScript(script, async (client) => {
      await assert.rejects(client.sendmail("a@x.test", "b@y.test", body()), (err: unknown) => {
        assert.ok(refusal(err), `${replies}: got ${String(err)}`);
        return true;
      });
      assert.equal(client.connected, false);
    });
  }
});

test("354 to BDAT LAST itself while its bytes are being written (SMTP lock-step, LMTP pipelined, SMTP pipelined written whole) -> SMTPDataError for the end of data, caused by the close; a queued call sends nothing", async () => {
  const envelope = "C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\n";
  const pipelined = "C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\n";
  // [name, class, the script up to BDAT LAST, the replies that come before the 354]
  const scripts: [string, typeof SMTP, string, string][] = [
    ["SMTP lock-step", SMTP, `${greeting(["CHUNKING"])}${envelope}`, ""],
    ["LMTP pipelined", LMTP, `${greeting(["PIPELINING", "CHUNKING"], "LHLO")}${pipelined}S: 250 ok\nS: 250 ok\n`, ""],
    // MAIL, RCPT and BDAT LAST in one write, the envelope replies after it.
    ["SMTP written whole", SMTP, `${greeting(["PIPELINING", "CHUNKING"])}${pipelined}`, "S: 250 ok\nS: 250 ok\n"],
  ];
  for (const [name, cls, opening, replies] of scripts) {
    const script = `${opening}C: BDAT ${SIZE} LAST\n-- pause\n${replies}S: 354 go ahead\n`;
    await withPausedScript(script, async (client) => {
      const sent = client.sendmail("a@x.test", "b@y.test", MESSAGE);
      const queued = client.noop();
      await assert.rejects(sent, (err: unknown) => {
        assert.ok(err instanceof SMTPDataError, `${name}: expected SMTPDataError, got ${String(err)}`);
        assert.equal(err.smtpCode, 354);
        assert.equal(err.command, "end of data");
        closedOn(err.cause, 354, new RegExp(`BDAT ${SIZE} LAST`));
        return true;
      });
      await assert.rejects(queued, notSent);
      assert.equal(client.connected, false);
    }, cls);
  }
});
