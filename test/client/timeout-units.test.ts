/**
 * Timeouts are milliseconds (API.md: "times are milliseconds"); Python's smtplib takes
 * seconds, so a porter's `timeout: 30` is 30 ms here, and failed with a bare "Timed out
 * after 30 ms ...". A timeout error whose limit is under a second (no default is) now says
 * that timeouts are in milliseconds, and what the value would be in seconds, after its own
 * words and before what it says of the message; `timeout` and each of `timeouts` alike. A
 * limit of a second or more reads as before, and the limits themselves are unchanged.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTP, SMTPException, SMTPTimeoutError } from "../../src/index.js";
import { timeoutUnitHint } from "../../src/error-text.js";
import { describeError } from "../../src/cli/connect.js";
import { greeting, LOCAL, withScript } from "../helpers/client.js";
import { startScriptServer } from "../helpers/script-server.js";

const hint = (given: number, ms: number): string => ` (timeouts are in milliseconds here, not seconds as in Python's smtplib: for ${given} s, give ${ms})`;

test("the hint: under 1000 ms only, with the value in seconds turned into ms", () => {
  assert.equal(timeoutUnitHint(30), hint(30, 30000));
  assert.equal(timeoutUnitHint(999), hint(999, 999000));
  assert.equal(timeoutUnitHint(1.1), hint(1.1, 1100));
  assert.equal(timeoutUnitHint(0.5), hint(0.5, 500));
  assert.equal(timeoutUnitHint(1000), "");
  assert.equal(timeoutUnitHint(300_000), "");
  assert.equal(timeoutUnitHint(undefined), "");
});

test("timeout: 30 (Python's 30 seconds) and a server slow to greet: the SMTPTimeoutError says its limit in ms and that timeouts are ms", async () => {
  const server = await startScriptServer("-- wait 2000\nS: 220 mx.test ESMTP\n");
  try {
    await assert.rejects(SMTP.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 30, diagnoseTLS: false }), (err: unknown) => {
      assert.ok(err instanceof SMTPTimeoutError, String(err));
      assert.equal(err.message, `Timed out after 30 ms waiting for the reply to the greeting${hint(30, 30000)}`);
      assert.equal(err.timeout, 30);
      assert.equal(err.phase, "greeting");
      return true;
    });
  } finally {
    await server.close();
  }
});

test("timeouts.command: 40 and a MAIL never answered: the hint comes before what the error says of the message", async () => {
  await withScript(`${greeting(["PIPELINING"])}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nC: DATA\n-- wait 1000\n`, async (client) => {
    await client.ehlo();
    await assert.rejects(client.sendmail("a@x.test", ["b@y.test"], "hi\r\n"), (err: unknown) => {
      assert.ok(err instanceof SMTPTimeoutError, String(err));
      assert.equal(err.message, `Timed out after 40 ms waiting for the reply to MAIL FROM:<a@x.test>${hint(40, 40000)}: the message was not sent`);
      assert.equal(err.delivery, "not-delivered");
      return true;
    });
  }, { timeouts: { command: 40 } });
});

test("timeouts.connect: 20 with a socketFactory that never gives a socket: the hint too", async () => {
  const client = new SMTP({ localHostname: LOCAL, timeouts: { connect: 20 }, socketFactory: () => new Promise(() => undefined) });
  await assert.rejects(client.connect("mx.example.test", 25), (err: unknown) => {
    assert.ok(err instanceof SMTPTimeoutError, String(err));
    assert.equal(err.message, `Timed out after 20 ms connecting to mx.example.test:25 through socketFactory${hint(20, 20000)}`);
    return true;
  });
});

test("an auth object's answer held to timeouts.command: 50: its SMTPException says so too", async () => {
  await withScript(greeting(["AUTH X-TOKEN"]), async (client) => {
    await client.ehlo();
    await assert.rejects(client.auth("X-TOKEN", () => new Promise<string>(() => undefined)), (err: unknown) => {
      assert.ok(err instanceof SMTPException, String(err));
      assert.match(err.message, new RegExp(`within 50 ms \\(the command timeout\\)${hint(50, 50000).replace(/[()]/g, "\\$&")}; nothing was sent$`));
      return true;
    });
  }, { timeouts: { command: 50 } });
});

test("a limit of a second or more: no hint", async () => {
  await withScript(`${greeting([])}C: NOOP\n-- wait 2000\n`, async (client) => {
    await client.ehlo();
    await assert.rejects(client.noop(), (err: unknown) => {
      assert.ok(err instanceof SMTPTimeoutError, String(err));
      assert.equal(err.message, "Timed out after 1000 ms waiting for the reply to NOOP");
      return true;
    });
  }, { timeouts: { command: 1000 } });
});

test("the CLI leaves the hint out: its --timeout is in ms and says so", () => {
  const err = new SMTPTimeoutError(`Timed out after 300 ms waiting for the reply to EHLO x.test${timeoutUnitHint(300)}`, "command", 300);
  assert.equal(describeError(err), "SMTPTimeoutError: Timed out after 300 ms waiting for the reply to EHLO x.test (--timeout sets the limit, in ms)");
});
