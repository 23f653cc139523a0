import assert from "node:assert/strict";
import { test } from "node:test";
import { createMimeMessage } from "mimetext";
import { SMTP, SMTPNotSupportedError } from "../../src/index.js";
import { GREET, greeting, LOCK_STEP_TO_DATA, withScript } from "../helpers/client.js";
import { startScriptServer } from "../helpers/script-server.js";


test("sendMessage: envelope from Sender/To/Cc/Bcc, Bcc never transmitted, CRLF on the wire", async () => {
  const msg = "From: A <a@x.test>\nSender: s@x.test\nTo: b@y.test, \"C, D\" <c@y.test>\nCc: undisclosed:;\nBcc: hidden@z.test,\n  more@z.test\nSubject: hi\n\n.body\n";
  const script = `${greeting(["PIPELINING", "8BITMIME"])}C: MAIL FROM:<s@x.test>
C: RCPT TO:<b@y.test>
C: RCPT TO:<c@y.test>
C: RCPT TO:<hidden@z.test>
C: RCPT TO:<more@z.test>
C: DATA
S: 250 ok
S: 250 ok
S: 250 ok
S: 250 ok
S: 250 ok
S: 354 go
C: From: A <a@x.test>
C: Sender: s@x.test
C: To: b@y.test, "C, D" <c@y.test>
C: Cc: undisclosed:;
C: Subject: hi
C:
C: ..body
C: .
S: 250 queued
`;
  await withScript(script, async (client) => {
    assert.equal((await client.sendMessage(msg)).size, 0);
  });
});

test("sendMessage(msg, null, null): Python's send_message(msg, None, None) reads the envelope from the headers (a null to was a TypeError)", async () => {
  const msg = "From: a@x.test\r\nTo: b@y.test\r\n\r\nhi\r\n";
  const script = `${greeting([])}${LOCK_STEP_TO_DATA}C: From: a@x.test
C: To: b@y.test
C:
C: hi
C: .
S: 250 queued
`;
  await withScript(script, async (client) => {
    assert.equal((await client.sendMessage(msg, null as never, null as never)).size, 0);
  });
});

test("sendMessage: non-ASCII addresses add SMTPUTF8 and BODY=8BITMIME; without server support nothing is sent", async () => {
  const msg = "From: jörg@x.test\r\nTo: b@y.test\r\n\r\nhi\r\n";
  const script = `${greeting(["SMTPUTF8", "8BITMIME"])}C: MAIL FROM:<jörg@x.test> SMTPUTF8 BODY=8BITMIME
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
C: DATA
S: 354 go
C: From: jörg@x.test
C: To: b@y.test
C:
C: hi
C: .
S: 250 ok
`;
  await withScript(script, async (client) => {
    await client.sendMessage(msg);
  });
  await withScript(greeting(["8BITMIME"]), async (client) => {
    await assert.rejects(client.sendMessage(msg), SMTPNotSupportedError);
  });
});

test("sendMessage, sendmail, mail and rcpt: a non-ASCII display name in a given address asks for no SMTPUTF8 (only <path> is sent)", async () => {
  const msg = "From: j@x.test\r\nTo: b@y.test\r\n\r\nhi\r\n";
  const transaction = `C: MAIL FROM:<j@x.test>
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
C: DATA
S: 354 go
C: From: j@x.test
C: To: b@y.test
C:
C: hi
C: .
S: 250 ok
`;
  const lowLevel = "C: MAIL FROM:<j@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\n";
  await withScript(`${greeting([])}${transaction}${transaction}${lowLevel}`, async (client) => {
    await client.sendMessage(msg, "Jörg <j@x.test>", ["Zoë <b@y.test>"]);
    await client.sendmail("Jörg <j@x.test>", "Zoë <b@y.test>", msg);
    assert.equal((await client.mail("Jörg <j@x.test>")).code, 250);
    assert.equal((await client.rcpt("Zoë <b@y.test>")).code, 250);
  });
});

test("sendMessage and sendmail: a blank recipient is a TypeError before MAIL, never RCPT TO:<>", async () => {
  await withScript(greeting(["PIPELINING"]), async (client) => {
    await client.ehlo(); // the script's EHLO; after it the server must get nothing more
    for (const blank of ["", "<>", " < > "]) {
      await assert.rejects(client.sendMessage("From: a@x.test\r\nTo: b@y.test\r\n\r\nx\r\n", undefined, ["b@y.test", blank]), /null path/);
      await assert.rejects(client.sendmail("a@x.test", blank, "x\r\n"), /null path/);
    }
  });
});

test("sendMessage: 8-bit body needs 8BITMIME, explicit from/to win, no sender is a TypeError", async () => {
  await withScript(greeting(["PIPELINING"]), async (client) => {
    await assert.rejects(client.sendMessage("From: a@x.test\r\nTo: b@y.test\r\n\r\nGrüße\r\n"), SMTPNotSupportedError);
    await assert.rejects(client.sendMessage("To: b@y.test\r\n\r\nx\r\n"), TypeError);
    await assert.rejects(client.sendMessage("From: a@x.test\r\n\r\nx\r\n"), TypeError);
  });
  const script = `${greeting(["8BITMIME"])}C: MAIL FROM:<env@x.test> BODY=8BITMIME
S: 250 ok
C: RCPT TO:<r@y.test>
S: 250 ok
C: DATA
S: 354 go
C: From: a@x.test
C:
C: Grüße
C: .
S: 250 ok
`;
  await withScript(script, async (client) => {
    await client.sendMessage("From: a@x.test\r\n\r\nGrüße\r\n", "env@x.test", "r@y.test");
  });
});

test("sendMessage takes mimetext's MIMEMessage (asRaw) and never sends its Bcc", async () => {
  const m = createMimeMessage();
  m.setSender("Alice <a@x.test>");
  m.setRecipients(["b@y.test"]);
  m.setBcc(["secret@z.test"]);
  m.setSubject("hello");
  m.addMessage({ contentType: "text/plain", data: "hi" });
  const script = `${greeting([])}C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
C: RCPT TO:<secret@z.test>
S: 250 ok
C: DATA
S: 354 go
-- wait 300
S: 250 ok
`;
  const server = await startScriptServer(script);
  const client = await SMTP.connect("127.0.0.1", server.port, { localHostname: "client.test" });
  try {
    await client.sendMessage(m);
  } finally {
    client.close();
    await server.close();
  }
  const sent = server.received();
  const data = sent.slice(sent.indexOf("DATA\r\n") + 6);
  assert.ok(data.includes("Subject: =?utf-8?B?aGVsbG8=?="), data);
  assert.ok(!/^Bcc:/im.test(data) && !data.includes("secret@z.test"), data);
});

test("sendMessage with BODY=BINARYMIME: the header section gets CRLF line ends, the binary body goes untouched (its bare CRs and LFs are data)", async () => {
  // Header lines end in bare LF; the body holds NUL, bare LFs and bare CRs.
  const msg = Buffer.concat([
    Buffer.from("From: a@x.test\nTo: b@y.test\nBcc: h@z.test\nContent-Transfer-Encoding: binary\n\n"),
    Buffer.from([0x00, 0x0a, 0x01, 0x0d, 0x41, 0x0a, 0x0d]),
  ]);
  const script = `${greeting(["PIPELINING", "BINARYMIME", "CHUNKING"])}C: MAIL FROM:<a@x.test> BODY=BINARYMIME
C: RCPT TO:<b@y.test>
C: RCPT TO:<h@z.test>
C: BDAT 74 LAST
C: From: a@x.test
C: To: b@y.test
C: Content-Transfer-Encoding: binary
C:
C! \\x00\\n\\x01\\rA\\n\\r
S: 250 ok
S: 250 ok
S: 250 ok
S: 250 queued
`;
  await withScript(script, async (client) => {
    assert.equal((await client.sendMessage(msg, undefined, undefined, ["body=BINARYMIME"])).size, 0);
  });
});

test("sendMessage: a Bcc whose wrapped address line has no leading blank is a TypeError with nothing sent, never that address sent to every recipient as body text", async () => {
  // The line after the Bcc is no field and no continuation: it ends the header section, the
  // Bcc field above it is removed, and the line itself (a blind recipient) would be body text.
  const broken = [
    "From: a@x.test\r\nTo: b@y.test\r\nBcc: hidden@z.test,\r\nsecret@z.test\r\nSubject: hi\r\n\r\nhi\r\n",
    "From: a@x.test\nTo: b@y.test\nbcc: hidden@z.test,\n  more@z.test,\nsecret@z.test\n\nhi\n",
    "From: a@x.test\r\nTo: b@y.test\r\nResent-Date: x\r\nResent-From: a@x.test\r\nResent-To: b@y.test\r\nResent-Bcc: hidden@z.test,\r\nsecret@z.test", // no body at all
  ];
  await withScript(GREET, async (client) => {
    for (const msg of broken) {
      for (const [from, to] of [[undefined, undefined], ["a@x.test", ["b@y.test"]]] as const) {
        await assert.rejects(client.sendMessage(msg, from, to), (err: unknown) =>
          err instanceof TypeError && /its (Bcc|bcc|Resent-Bcc) field is followed by a line that is neither a header field nor its continuation \("secret@z\.test"\)/.test(err.message));
      }
    }
  });
});

test("sendMessage: a Bcc on an indented line (an indented template literal) is a TypeError with nothing sent, never text sent to every recipient", async () => {
  const broken = [
    // Every line after the first continues the From field: the Bcc would go out inside it.
    `From: a@x.test
    To: b@y.test
    Bcc: secret@z.test
    Subject: hi

    body
`,
    // The first line empty: no header field at all, the Bcc would be body text.
    `
    From: a@x.test
    Bcc: secret@z.test

    body
`,
  ];
  await withScript(GREET, async (client) => {
    for (const msg of broken) {
      await assert.rejects(client.sendMessage(msg, "a@x.test", ["b@y.test"]), (err: unknown) =>
        err instanceof TypeError && /the message's Bcc field is on an indented line, so it is no field but text of the (field before it|body)/.test(err.message));
    }
  });
});

test("sendMessage: an indented Bcc before the first field is refused saying it continues no field (not 'the field before it')", async () => {
  await withScript(GREET, async (client) => {
    await assert.rejects(client.sendMessage("  Bcc: secret@z.test\nFrom: a@x.test\nTo: b@y.test\n\nbody\n", "a@x.test", ["b@y.test"]), (err: unknown) =>
      err instanceof TypeError && /the message's Bcc field is on an indented line, so it is no field but text before the first field \(a line that starts with a space or tab continues a field, and none came before it\)/.test(err.message));
    await assert.rejects(client.sendMessage("From: a@x.test\n  Bcc: secret@z.test\n\nbody\n", "a@x.test", ["b@y.test"]), (err: unknown) =>
      err instanceof TypeError && /text of the field before it \(From: a line that starts/.test(err.message));
  });
});

test("sendMessage: a long Subject folded before the words \"Bcc: ...\" (no address) goes as written; an indented Bcc after a line that ended the header section is refused", async () => {
  // A mail program folds at a blank: the continuation is Subject text, not an indented Bcc,
  // and "remove the indentation" would have made it a blind recipient.
  const folded = "From: a@x.test\r\nTo: b@y.test\r\nSubject: Why does my mail client keep dropping the\r\n Bcc: header when I reply to all?\r\n\r\nhi\r\n";
  const script = `${greeting([])}${LOCK_STEP_TO_DATA}C: From: a@x.test
C: To: b@y.test
C: Subject: Why does my mail client keep dropping the
C:  Bcc: header when I reply to all?
C:
C: hi
C: .
S: 250 ok
`;
  await withScript(script, async (client) => {
    assert.equal((await client.sendMessage(folded)).size, 0);
  });
  // Past a line that is no field, an indented Bcc is body text as an unindented one is.
  const broken = "From: a@x.test\r\nTo: b@y.test\r\nSubject: a long\r\nsubject, wrapped without a blank\r\n  Bcc: secret@z.test\r\n\r\nhi\r\n";
  await withScript(GREET, async (client) => {
    await assert.rejects(client.sendMessage(broken, "a@x.test", ["b@y.test"]), (err: unknown) =>
      err instanceof TypeError && /header section ends at a line that is not a header field \(".+"\), so its Bcc field after that line would be sent to every recipient/.test(err.message));
  });
});

test("sendMessage: a Bcc after a line that ends the header section (no field, no empty line) is a TypeError with nothing sent, never body text sent to every recipient", async () => {
  const broken = [
    "From: a@x.test\r\nTo: b@y.test\r\nX Mailer: 1\r\nBcc: hidden@z.test\r\n\r\nhi\r\n", // a space in a field name
    "From: a@x.test\r\nTo: b@y.test\r\nSubject: a long\r\nsubject, wrapped without a blank\r\nBcc: hidden@z.test\r\n\r\nhi\r\n",
    "From: a@x.test\nTo: b@y.test\nNot a field\nX: y\nresent-bcc: hidden@z.test\n\nhi\n",
  ];
  await withScript(GREET, async (client) => {
    for (const msg of broken) {
      for (const [from, to] of [[undefined, undefined], ["a@x.test", ["b@y.test"]]] as const) {
        await assert.rejects(client.sendMessage(msg, from, to), (err: unknown) =>
          err instanceof TypeError && /header section ends at a line that is not a header field \(".+"\), so its (Bcc|resent-bcc) field after that line would be sent to every recipient/.test(err.message));
      }
    }
  });
  // A body that merely starts without an empty line, with no Bcc after it, still goes (as in Python).
  const script = `${greeting([])}${LOCK_STEP_TO_DATA}C: From: a@x.test
C: To: b@y.test
C: Hello there
C:
C: Bcc: in the body, after the empty line
C: .
S: 250 ok
`;
  await withScript(script, async (client) => {
    await client.sendMessage("From: a@x.test\r\nTo: b@y.test\r\nHello there\r\n\r\nBcc: in the body, after the empty line\r\n");
  });
});
