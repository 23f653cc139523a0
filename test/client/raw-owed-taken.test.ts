/**
 * The count of replies owed to lines written raw (`send()`, see `RawTransactionScan.repliesOwed`)
 * must not stay up once those replies can no longer be read by `getreply()`: a raw MAIL given to
 * `docmd()` (or a low-level `mail()`) while a transaction written whole is unread is led by RSET
 * only while no reply to a raw line is still to come (see `rawLeadSafe`), and a count that
 * stays too high skips that RSET for good on the connection (a server that kept a refused
 * transaction's sender, Exim, then answers "503 sender already given").
 *
 * Two ways the reply owed to a raw line is taken without `getreply()`:
 * - a `noop()` (or `docmd()`) made before the raw line's reply came takes it (Python's
 *   pairing: the first unread reply), and its own reply, which no command waits for, is
 *   dropped;
 * - the raw line's reply came and was held for `getreply()`, and a `noop()` opened a slot
 *   first, which drops the held replies (their lines are answered).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPRecipientsRefused, type SMTP, type SMTPReply } from "../../src/index.js";
import { heardInTrace, withScript } from "../helpers/client.js";
import { EHLO_CHUNKING_PIPELINING } from "../helpers/bdat-scripts.js";

/** A whole BDAT transaction refused, then a raw MAIL led by RSET: every raw reply was taken before. */
const REFUSED_THEN_LED_MAIL = `C: MAIL FROM:<a@x.test>
C: RCPT TO:<nobody@y.test>
C: BDAT 4 LAST
C! m1\\r\\n
C: RSET
C: MAIL FROM:<z@x.test>
S: 250 ok
S: 550 5.1.1 no such user
S: 503 5.5.1 valid RCPT command must precede BDAT
S: 250 reset
S: 250 sender ok
`;

/** The MAIL given each way: raw with docmd(), and the low-level mail(). */
const MAIL_WAYS: { name: string; mail: (client: SMTP) => Promise<SMTPReply> }[] = [
  { name: "a raw docmd() MAIL", mail: (client) => client.docmd("MAIL", "FROM:<z@x.test>") },
  { name: "a low-level mail()", mail: (client) => client.mail("z@x.test") },
];

/** The refused whole transaction, then `sendMail` behind it: its reply is MAIL's own (an RSET led it). */
async function refusedThenMail(client: SMTP, sendMail: (client: SMTP) => Promise<SMTPReply>): Promise<void> {
  const refused = client.sendmail("a@x.test", "nobody@y.test", Buffer.from("m1\r\n"));
  const mail = sendMail(client);
  await assert.rejects(refused, SMTPRecipientsRefused);
  assert.equal((await mail).message, "sender ok");
}

for (const { name, mail } of MAIL_WAYS) {
  test(`a noop() that took the reply owed to a raw send()'s line (before it came): ${name} behind an unread whole BDAT transaction is still led by RSET`, async () => {
    const script = `${EHLO_CHUNKING_PIPELINING}C: NOOP a
C: NOOP
S: 250 a
S: 250 own
${REFUSED_THEN_LED_MAIL}`;
    await withScript(script, async (client) => {
      await client.ehlo();
      await client.send("NOOP a\r\n");
      // Python's pairing: the first unread reply, the raw line's; NOOP's own is dropped.
      assert.equal((await client.noop()).message, "a");
      await refusedThenMail(client, mail);
    });
  });

  test(`a noop() that dropped the held reply to a raw send()'s line: ${name} behind an unread whole BDAT transaction is still led by RSET`, async () => {
    const script = `${EHLO_CHUNKING_PIPELINING}C: NOOP a
S: 250 a
C: NOOP
S: 250 own
${REFUSED_THEN_LED_MAIL}`;
    const { heard: held, debugOutput } = heardInTrace("250 a");
    await withScript(script, async (client) => {
      await client.ehlo();
      await client.send("NOOP a\r\n");
      await held; // the raw line's reply came, held for getreply()
      assert.equal((await client.noop()).message, "own");
      await refusedThenMail(client, mail);
    }, { debugLevel: 1, debugOutput });
  });
}

test("pin: a raw send()'s reply still due when a raw MAIL is given to docmd(): no RSET lead (it would take that reply); docmd() gets the raw line's reply", async () => {
  const script = `${EHLO_CHUNKING_PIPELINING}C: MAIL FROM:<a@x.test>
C: RCPT TO:<nobody@y.test>
C: BDAT 4 LAST
C! m1\\r\\n
C: NOOP a
C: MAIL FROM:<z@x.test>
S: 250 ok
S: 550 5.1.1 no such user
S: 503 5.5.1 valid RCPT command must precede BDAT
S: 250 a
S: 250 sender ok
`;
  await withScript(script, async (client) => {
    await client.ehlo();
    const refused = client.sendmail("a@x.test", "nobody@y.test", Buffer.from("m1\r\n"));
    await client.send("NOOP a\r\n");
    const mail = client.docmd("MAIL", "FROM:<z@x.test>");
    await assert.rejects(refused, SMTPRecipientsRefused);
    assert.equal((await mail).message, "a");
  });
});
