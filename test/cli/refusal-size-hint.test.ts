// The size hint of `send` (sizeHint) is for a message refused as too large: a 552 whose
// enhanced status says something else (RFC 3463: X.2.2 mailbox full, Gmail's "552-5.2.2 The
// email account that you tried to reach is over quota") is not about the message's size, and
// the sizes would send the operator after the wrong cause.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { SMTPDataError, SMTPSenderRefused } from "../../src/index.js";
import { sizeHint } from "../../src/cli/refusal-hints.js";
import type { Client } from "../../src/cli/connect.js";

const client = { esmtpFeatures: new Map([["size", "1000"]]) } as unknown as Client;

test("sizeHint: a 552 that says the mailbox is full (5.2.2) gets no size hint", () => {
  assert.equal(sizeHint(new SMTPDataError(552, "5.2.2 The email account that you tried to reach is over quota"), 300, client), "");
  assert.equal(sizeHint(new SMTPSenderRefused(552, "5.2.2 Mailbox full", "a@x.test"), 300, client), "");
  assert.equal(sizeHint(new SMTPDataError(552, "5.2.2 <b@x.test>: mailbox size limit exceeded"), 300, client), "");
});

test("sizeHint: a 552 without an enhanced status, or with X.3.4 or X.2.3, gets the sizes", () => {
  const hint = " (the message is 3000 bytes as sent; the server's limit is SIZE 1000 bytes)";
  assert.equal(sizeHint(new SMTPDataError(552, "Message size exceeds fixed limit"), 3000, client), hint);
  assert.equal(sizeHint(new SMTPDataError(552, "5.3.4 Message size exceeds fixed limit"), 3000, client), hint);
  assert.equal(sizeHint(new SMTPDataError(552, "5.2.3 Message length exceeds administrative limit"), 3000, client), hint);
  assert.equal(sizeHint(new SMTPDataError(554, "5.3.4 Message too big for system"), 3000, client), hint);
  // smtp-server (the debug server's) gives 552 the status 5.2.2, its text about the size
  assert.equal(sizeHint(new SMTPDataError(552, "5.2.2 Message exceeds fixed maximum message size 1000"), 3000, client), hint);
});
