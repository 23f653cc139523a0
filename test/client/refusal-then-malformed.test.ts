/**
 * A refusal already read stays the call's error when what the client reads after it (the
 * RSET that ends the refused transaction, the pipelined replies nobody needs any more) is
 * not SMTP: that malformed reply closes the connection (API.md, "Python behaviours we
 * fix"), as a server that hangs up does, and the caller is told of the refusal, not of a
 * reply to a command it never sent.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPDataError, SMTPRecipientsRefused, SMTPSenderRefused, SMTPServerDisconnected } from "../../src/index.js";
import { greeting, LOCK_STEP_TO_DATA, PIPELINED_GROUP, withScript } from "../helpers/client.js";

/** A server that offers nothing the client would add to MAIL (no SIZE), nor PIPELINING. */
const LOCK_STEP = greeting(["HELP"]);
const PIPELINING = greeting(["PIPELINING"]);

test("lock-step: the sender refused, RSET answered with a line that is not SMTP -> SMTPSenderRefused; the connection is closed", async () => {
  await withScript(`${LOCK_STEP}C: MAIL FROM:<a@x.test>\nS: 550 5.7.1 sender blocked\nC: RSET\nS: garbage\n`, async (client) => {
    const err = await client.sendmail("a@x.test", ["b@y.test"], "hi").catch((e: unknown) => e);
    assert.ok(err instanceof SMTPSenderRefused, String(err));
    assert.equal(err.smtpCode, 550);
    assert.equal(err.sender, "a@x.test");
    assert.equal(client.connected, false);
    await assert.rejects(client.noop(), SMTPServerDisconnected);
  });
});

test("lock-step: every recipient refused, RSET answered with a line that is not SMTP -> SMTPRecipientsRefused; the connection is closed", async () => {
  await withScript(`${LOCK_STEP}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 550 5.1.1 no such user\nC: RSET\nS: garbage\n`, async (client) => {
    const err = await client.sendmail("a@x.test", ["b@y.test"], "hi").catch((e: unknown) => e);
    assert.ok(err instanceof SMTPRecipientsRefused, String(err));
    assert.equal(err.recipients.get("b@y.test")?.code, 550);
    assert.equal(client.connected, false);
  });
});

test("lock-step: the message refused at the end of data, RSET answered with a line that is not SMTP -> SMTPDataError; the connection is closed", async () => {
  await withScript(`${LOCK_STEP}${LOCK_STEP_TO_DATA}C: hi\nC: .\nS: 554 5.7.1 rejected\nC: RSET\nS: garbage\n`, async (client) => {
    const err = await client.sendmail("a@x.test", ["b@y.test"], "hi").catch((e: unknown) => e);
    assert.ok(err instanceof SMTPDataError, String(err));
    assert.equal(err.smtpCode, 554);
    assert.equal(client.connected, false);
  });
});

test("pipelined: the sender refused, the next reply (RCPT's) not SMTP -> SMTPSenderRefused; nothing more is written", async () => {
  await withScript(`${PIPELINING}${PIPELINED_GROUP}S: 550 5.7.1 sender blocked\nS: garbage\n`, async (client) => {
    const err = await client.sendmail("a@x.test", ["b@y.test"], "hi").catch((e: unknown) => e);
    assert.ok(err instanceof SMTPSenderRefused, String(err));
    assert.equal(err.smtpCode, 550);
    assert.equal(client.connected, false);
  });
});

test("pipelined: every recipient refused, DATA's reply not SMTP -> SMTPRecipientsRefused; nothing more is written", async () => {
  await withScript(`${PIPELINING}${PIPELINED_GROUP}S: 250 ok\nS: 550 5.1.1 no such user\nS: garbage\n`, async (client) => {
    const err = await client.sendmail("a@x.test", ["b@y.test"], "hi").catch((e: unknown) => e);
    assert.ok(err instanceof SMTPRecipientsRefused, String(err));
    assert.equal(err.recipients.get("b@y.test")?.code, 550);
    assert.equal(client.connected, false);
  });
});

test("the client's signal aborting while RSET after a refusal waits for its reply -> the signal's reason, not the refusal", async () => {
  const ac = new AbortController();
  const reason = new Error("shutting down");
  await withScript(`${LOCK_STEP}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 550 5.1.1 no such user\nC: RSET\n`, async (client, server) => {
    const call = client.sendmail("a@x.test", ["b@y.test"], "hi");
    await server.done; // RSET has been written
    ac.abort(reason);
    await assert.rejects(call, (err) => err === reason);
    assert.equal(client.connected, false);
  }, { signal: ac.signal });
});
