/**
 * A raw MAIL given to `docmd()` (or a low-level `mail()`) while a transaction written whole (pipelined BDAT) is unread
 * is led by RSET, as `putcmd()`'s and a raw `send()`'s are, but not while the reply to a line
 * written before by `send()` has yet to come: that reply would reach the RSET's slot (read by
 * nobody), and `docmd()` would return the RSET's reply as MAIL's, neither the reply it takes
 * in Python's pairing (the first unread, the earlier line's) nor MAIL's own.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPRecipientsRefused, type SMTP, type SMTPReply } from "../../src/index.js";
import { withScript } from "../helpers/client.js";
import { EHLO_CHUNKING_PIPELINING } from "../helpers/bdat-scripts.js";

/** A refused whole BDAT transaction unread, a raw RCPT sent behind it, then a MAIL: none led by RSET. */
const UNREAD_THEN_RAW_RCPT = `${EHLO_CHUNKING_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<nobody@y.test>
C: BDAT 4 LAST
C! m1\\r\\n
C: RCPT TO:<x@y.test>
C: MAIL FROM:<z@x.test>
S: 250 ok
S: 550 5.1.1 no such user
S: 503 5.5.1 valid RCPT command must precede BDAT
S: 550 5.1.1 no x
S: 250 sender ok
`;

/** The MAIL given each way: raw with docmd(), and the low-level mail() (which takes the first unread reply, as Python's does). */
const MAIL_WAYS: { name: string; mail: (client: SMTP) => Promise<SMTPReply> }[] = [
  { name: "a raw docmd() MAIL", mail: (client) => client.docmd("MAIL", "FROM:<z@x.test>") },
  { name: "a low-level mail()", mail: (client) => client.mail("z@x.test") },
];

for (const { name, mail: sendMail } of MAIL_WAYS) {
  test(`pipelined in-memory BDAT: ${name} is not led by RSET while the reply to an earlier send()'s line is still due: it takes that reply (the first unread), never the RSET's`, async () => {
    await withScript(UNREAD_THEN_RAW_RCPT, async (client) => {
      const refused = client.sendmail("a@x.test", "nobody@y.test", Buffer.from("m1\r\n"));
      await client.send("RCPT TO:<x@y.test>\r\n");
      const mail = sendMail(client);
      await assert.rejects(refused, SMTPRecipientsRefused);
      assert.equal((await mail).message, "5.1.1 no x");
    });
  });
}
