/**
 * A raw `send()` of a MAIL, RSET (EHLO, HELO, LHLO), end of data (".") or BDAT LAST line
 * does to the transaction's declarations (SMTPUTF8: UTF-8 commands; BODY=8BITMIME: 8-bit
 * data) what the same line given to `docmd`/`putcmd` does, however the bytes are cut into
 * calls: a MAIL declares by its own parameters, the others end them. Before, the client
 * kept the declarations of the MAIL before: it then sent UTF-8 in a transaction that had
 * not declared SMTPUTF8 (and 8-bit data undeclared), or refused what a raw MAIL had declared.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPNotSupportedError } from "../../src/index.js";
import { greeting, withScript } from "../helpers/client.js";

const EHLO = greeting(["SMTPUTF8", "8BITMIME"]);

test("raw send(): RSET then a MAIL without SMTPUTF8, after a docmd MAIL with it -> rcpt() of a non-ASCII address is refused, not sent as UTF-8", async () => {
  const script = `${EHLO}C: MAIL FROM:<a@x.test> SMTPUTF8
S: 250 ok
C: RSET
S: 250 reset
C: MAIL FROM:<a@x.test>
S: 250 ok
`;
  await withScript(script, async (client) => {
    await client.ehlo();
    assert.equal((await client.docmd("MAIL FROM:<a@x.test> SMTPUTF8")).code, 250);
    // The RSET cut over two writes, as a caller's buffer may be.
    await client.send("RS");
    await client.send("ET\r\n");
    assert.equal((await client.getreply()).code, 250);
    await client.send("MAIL FROM:<a@x.test>\r\n");
    assert.equal((await client.getreply()).code, 250);
    await assert.rejects(client.rcpt("ü@y.test"), /needs an SMTPUTF8 transaction/);
  });
});

test("raw send(): a MAIL with BODY=8BITMIME declares 8-bit data, as docmd's does: data() sends text beyond ASCII", async () => {
  const script = `${EHLO}C: MAIL FROM:<a@x.test> BODY=8BITMIME
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
C: DATA
S: 354 go
C: hé
C: .
S: 250 queued
`;
  await withScript(script, async (client) => {
    await client.ehlo();
    await client.send("MAIL FROM:<a@x.test> BODY=8BITMIME\r\n");
    await client.getreply();
    await client.rcpt("b@y.test");
    assert.equal((await client.data("hé")).code, 250);
  });
});

test("raw send() (or docmd()): the end of data (\".\") ends the declarations, as after data(): a later command with non-ASCII text is refused, not sent as UTF-8", async () => {
  const script = `${EHLO}C: MAIL FROM:<a@x.test> SMTPUTF8 BODY=8BITMIME
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
C: DATA
S: 354 go
C: hi
C: .
S: 250 queued
`;
  await withScript(script, async (client) => {
    await client.ehlo();
    await client.docmd("MAIL FROM:<a@x.test> SMTPUTF8 BODY=8BITMIME");
    await client.rcpt("b@y.test");
    assert.equal((await client.docmd("DATA")).code, 354);
    await client.send("hi\r\n.");
    await client.send("\r\n");
    assert.equal((await client.getreply()).code, 250);
    await assert.rejects(client.verify("ü@y.test"), /needs an SMTPUTF8 transaction/);
  });
  // The same "." given to docmd(), the message before it sent raw.
  await withScript(script, async (client) => {
    await client.ehlo();
    await client.docmd("MAIL FROM:<a@x.test> SMTPUTF8 BODY=8BITMIME");
    await client.rcpt("b@y.test");
    await client.docmd("DATA");
    await client.send("hi\r\n");
    assert.equal((await client.docmd(".")).code, 250);
    await assert.rejects(client.verify("ü@y.test"), /needs an SMTPUTF8 transaction/);
  });
});

test("raw send(): the bytes of a BDAT chunk are not read as commands: a line \"MAIL FROM:<x> SMTPUTF8\" in it declares nothing", async () => {
  // A BDAT chunk holding a line "MAIL FROM:<x> SMTPUTF8": its bytes are the chunk's, not a MAIL.
  const chunk = "MAIL FROM:<x@y> SMTPUTF8\r\n";
  const script = `${greeting(["SMTPUTF8", "8BITMIME", "CHUNKING"])}C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
C: BDAT ${chunk.length}
C! ${chunk.replace("\r\n", "\\r\\n")}
S: 250 chunk
`;
  await withScript(script, async (client) => {
    await client.ehlo();
    await client.mail("a@x.test");
    await client.rcpt("b@y.test");
    await client.send(`BDAT ${chunk.length}\r\n${chunk}`);
    assert.equal((await client.getreply()).code, 250);
    await assert.rejects(client.rcpt("ü@y.test"), (err: unknown) => err instanceof TypeError || err instanceof SMTPNotSupportedError);
  });
});
