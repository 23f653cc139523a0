import assert from "node:assert/strict";
import { test } from "node:test";
import {
  SMTPDataError, SMTPNotSupportedError, SMTPRecipientsRefused, SMTPSenderRefused, SMTPServerDisconnected,
} from "../../src/index.js";
import { greeting, withScript } from "../helpers/client.js";

const LOCKSTEP_EHLO = greeting(["SIZE 1000000", "8BITMIME"]);

/** Script lines: a lock-step transaction a@x.test -> b@y.test with the body "x", accepted. */
const lockStepX = (mail: string): string => `C: ${mail}
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
C: DATA
S: 354 go
C: x
C: .
S: 250 queued
`;

test("sendmail lock-step: byte-exact transcript with SIZE, stuffing and CRLF fixing", async () => {
  const script = `${LOCKSTEP_EHLO}
C: MAIL FROM:<a@x.test> SIZE=35
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
C: RCPT TO:<c@y.test>
S: 550 5.1.1 no such user
C: DATA
S: 354 go
C: Subject: t
C:
C: ..leading dot
C: bare lf
C: .
S: 250 2.0.0 queued
C: QUIT
S: 221 bye
`;
  await withScript(script, async (client) => {
    const refused = await client.sendmail("a@x.test", ["b@y.test", "c@y.test"], "Subject: t\n\n.leading dot\nbare lf");
    assert.deepEqual([...refused.keys()], ["c@y.test"]);
    assert.equal(refused.get("c@y.test")?.code, 550);
    assert.equal(refused.get("c@y.test")?.enhancedStatus, "5.1.1");
    assert.equal((await client.quit()).code, 221);
  });
});

test("a call queued behind a new EHLO uses the extensions in force at its turn, not those when it was made", async () => {
  const script = `${greeting([])}C: EHLO client.test
S: 250-mx.test
S: 250 SIZE 1000
${lockStepX("MAIL FROM:<a@x.test> SIZE=1")}`;
  await withScript(script, async (client) => {
    await client.ehlo();
    // Made while the first greeting (no SIZE) is in force; its turn comes after the second.
    const [, refused] = await Promise.all([client.ehlo(), client.sendmail("a@x.test", "b@y.test", "x")]);
    assert.equal(refused.size, 0);
  });
});

test("a queued call sees edits made to esmtpFeatures before its turn (as Python's esmtp_features)", async () => {
  const script = `${LOCKSTEP_EHLO}C: NOOP
S: 250 ok
${lockStepX("MAIL FROM:<a@x.test>")}`;
  await withScript(script, async (client) => {
    await client.ehlo();
    const noop = client.noop();
    const sent = client.sendmail("a@x.test", "b@y.test", "x");
    client.esmtpFeatures.delete("size");
    await noop;
    assert.equal((await sent).size, 0);
  });
});

test("a queued call whose envelope cannot be built fails in its turn, after the calls before it, with the usual error", async () => {
  await withScript(`${LOCKSTEP_EHLO}C: NOOP\nS: 250 ok\n`, async (client) => {
    await client.ehlo();
    const order: string[] = [];
    const noop = client.noop().then(() => order.push("noop"));
    // No SMTPUTF8 offered: refused when its turn comes, before any byte of it is sent.
    const sent = client.sendmail("j\u00f6rg@x.test", "b@y.test", "x").catch((err: unknown) => {
      order.push("sendmail");
      throw err;
    });
    await assert.rejects(sent, SMTPNotSupportedError);
    await noop;
    assert.deepEqual(order, ["noop", "sendmail"]);
  });
});

test("lock-step: a RCPT line that may not be sent is a TypeError before MAIL is written", async () => {
  const script = `${LOCKSTEP_EHLO}
${lockStepX("MAIL FROM:<a@x.test> SIZE=1")}`;
  await withScript(script, async (client) => {
    // A valid ESMTP option whose value is not ASCII: only the rendered RCPT line is refused.
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "x", [], ["X-NOTE=caf\u00e9"]), TypeError);
    assert.equal((await client.sendmail("a@x.test", "b@y.test", "x")).size, 0);
  });
});

test("a refused sender is followed by RSET and throws SMTPSenderRefused with the sender as given", async () => {
  const script = `${LOCKSTEP_EHLO}
C: MAIL FROM:<a@x.test> SIZE=4
S: 553 5.7.1 go away
C: RSET
S: 250 ok
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("Al <a@x.test>", "b@y.test", "hi\r\n"), (err: unknown) => {
      assert.ok(err instanceof SMTPSenderRefused);
      assert.equal(err.smtpCode, 553);
      assert.equal(err.sender, "Al <a@x.test>");
      assert.equal(err.enhancedStatus, "5.7.1");
      assert.equal(err.name, "SMTPSenderRefused");
      return true;
    });
  });
});

test("421 to MAIL closes the connection without RSET", async () => {
  const script = `${LOCKSTEP_EHLO}
C: MAIL FROM:<a@x.test> SIZE=4
S: 421 4.3.2 shutting down
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi\r\n"), SMTPSenderRefused);
    await assert.rejects(client.noop(), SMTPServerDisconnected);
  });
});

test("every recipient refused: RSET, SMTPRecipientsRefused with each reply", async () => {
  const script = `${LOCKSTEP_EHLO}
C: MAIL FROM:<a@x.test> SIZE=4
S: 250 ok
C: RCPT TO:<b@y.test>
S: 550 no
C: RCPT TO:<c@y.test>
S: 451 later
C: RSET
S: 250 ok
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", ["b@y.test", "c@y.test"], "hi\r\n"), (err: unknown) => {
      assert.ok(err instanceof SMTPRecipientsRefused);
      assert.deepEqual([...err.recipients].map(([k, v]) => [k, v.code]), [["b@y.test", 550], ["c@y.test", 451]]);
      return true;
    });
  });
});

test("a refused DATA command is followed by RSET (Python skips it)", async () => {
  const script = `${LOCKSTEP_EHLO}
C: MAIL FROM:<a@x.test> SIZE=4
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
C: DATA
S: 554 no data for you
C: RSET
S: 250 ok
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi\r\n"), (err: unknown) => err instanceof SMTPDataError && err.smtpCode === 554);
  });
});

test("a refused end of data throws SMTPDataError after RSET; 421 there closes", async () => {
  const script = `${LOCKSTEP_EHLO}
C: MAIL FROM:<a@x.test> SIZE=4
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
C: DATA
S: 354 go
C: hi
C: .
S: 552 5.3.4 too big
C: RSET
S: 250 ok
C: MAIL FROM:<a@x.test> SIZE=4
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
C: DATA
S: 354 go
C: hi
C: .
S: 421 bye
`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi\r\n"), (err: unknown) => err instanceof SMTPDataError && err.smtpCode === 552);
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", "hi\r\n"), (err: unknown) => err instanceof SMTPDataError && err.smtpCode === 421);
    await assert.rejects(client.noop(), SMTPServerDisconnected);
  });
});
