// The enhanced status codes (RFC 3463) smtp-server leaves out or gets wrong: none in reply to
// LHLO on an SMTP server (smtp-server exempts it as a hello, as RFC 2034 §3 does HELO/EHLO),
// 4.4.2 (bad connection) on its 421 after too many unknown commands, and 4.2.2 (mailbox
// full) on a 452 refusing one recipient too many. Compared byte for byte.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { enhancedStatusFor } from "../../src/server/reply-status.js";
import { RCPT_PARAMS_BUDGET, RcptParamsBudget } from "../../src/server/rcpt-budget.js";
import { RawClient, withServer } from "../helpers/debug-client.js";

test("LHLO on an SMTP server: 500 5.5.1, as a command unsupported here", async () => {
  await withServer({}, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    assert.equal(await c.cmd("LHLO client.example"), "500 5.5.1 Error: command not recognized\r\n");
    // an unknown verb still gets smtp-server's 5.5.2; EHLO's reply still carries none (RFC 2034 §3)
    assert.equal(await c.cmd("FOO"), "500 5.5.2 Error: command not recognized\r\n");
    assert.match(await c.cmd("EHLO client.example"), /^250-[^\d]/);
    c.close();
  });
});

test("LHLO on an SMTP server with ENHANCEDSTATUSCODES hidden: no status, as every other reply", async () => {
  await withServer({ extensions: { enhancedStatusCodes: false } }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    assert.equal(await c.cmd("LHLO client.example"), "500 Error: command not recognized\r\n");
    c.close();
  });
});

test("LHLO on an LMTP server is its hello: 250, no status; HELO and EHLO there: 500 5.5.1, as LHLO on an SMTP server", async () => {
  await withServer({ lmtp: true }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    assert.equal(await c.cmd("HELO client.example"), "500 5.5.1 Error: HELO not allowed in LMTP server\r\n");
    assert.equal(await c.cmd("EHLO client.example"), "500 5.5.1 Error: EHLO not allowed in LMTP server\r\n");
    assert.match(await c.cmd("LHLO client.example"), /^250-smtplib-debug /);
    c.close();
  });
});

for (const last of ["LHLO client.example", "FOO"]) {
  test(`the tenth unknown command (${last}): 421 4.7.0, and the session is closed`, async () => {
    await withServer({}, async (server) => {
      const c = await RawClient.open(server);
      await c.reply();
      for (let i = 0; i < 9; i++) assert.match(await c.cmd(i % 2 === 0 ? "LHLO x.example" : "BAR"), /^500 5\.5\.[12] /);
      assert.equal(await c.cmd(last), "421 4.7.0 Error: too many unrecognized commands\r\n");
      await assert.rejects(c.reply(), /closed/);
    });
  });
}

test("one RCPT past maxRecipients: 452 4.5.3", async () => {
  await withServer({ maxRecipients: 1 }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("EHLO client.example");
    await c.cmd("MAIL FROM:<a@example.org>");
    assert.match(await c.cmd("RCPT TO:<b@example.org>"), /^250 /);
    assert.equal(await c.cmd("RCPT TO:<c@example.org>"), "452 4.5.3 Too many recipients\r\n");
    c.close();
  });
});

test("a RCPT past the RCPT-parameter budget: 452 4.5.3", async () => {
  await withServer({ extensions: { dsn: true } }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("EHLO client.example");
    await c.cmd("MAIL FROM:<a@example.org>");
    const orcpt = (i: number): string => `ORCPT=rfc822;${String(i).padStart(4, "0")}${"o".repeat(15_000)}`;
    let i = 0;
    for (; ; i++) {
      const reply = await c.cmd(`RCPT TO:<r${i}@example.org> ${orcpt(i)}`);
      if (!reply.startsWith("250 ")) {
        assert.equal(reply, `452 4.5.3 ${new RcptParamsBudget().refusal().message}\r\n`);
        break;
      }
    }
    assert.equal(i, Math.floor(RCPT_PARAMS_BUDGET / orcpt(0).length));
    c.close();
  });
});

test("enhancedStatusFor: only the replies it names; smtp-server's own choice otherwise", () => {
  assert.equal(enhancedStatusFor(500, "Error: command not recognized", "LHLO", false), "5.5.1");
  assert.equal(enhancedStatusFor(500, "Error: command not recognized", "LHLO", true), undefined);
  assert.equal(enhancedStatusFor(500, "Error: command not recognized", "FOO", false), undefined);
  assert.equal(enhancedStatusFor(421, "Error: too many unrecognized commands", "FOO", false), "4.7.0");
  assert.equal(enhancedStatusFor(421, "Server shutting down", "LHLO", false), "4.4.2");
  assert.equal(enhancedStatusFor(421, "Server shutting down", "EHLO", false), undefined);
  assert.equal(enhancedStatusFor(452, "Too many recipients", undefined, false), "4.5.3");
  assert.equal(enhancedStatusFor(452, "Mailbox full", undefined, false), undefined);
  assert.equal(enhancedStatusFor(452, "Too many recipients", false, false), undefined);
  assert.equal(enhancedStatusFor(250, ["a", "b"], "LHLO", false), undefined);
  assert.equal(enhancedStatusFor(500, "Error: EHLO not allowed in LMTP server", false, true), "5.5.1");
  assert.equal(enhancedStatusFor(500, "Error: EHLO not allowed in LMTP server", false, false), undefined);
  assert.equal(enhancedStatusFor(220, "greeting", false, true), undefined);
});
