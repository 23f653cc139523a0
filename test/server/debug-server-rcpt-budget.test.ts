// The debugging server bounds what one transaction's RCPT parameters hold. With DSN on, a
// RCPT line of up to 16 KiB (NOTIFY, a long ORCPT) was kept whole, twice (as sent and
// decoded): at the 1,000-recipient limit, about 32 MB per session. Past RCPT_PARAMS_BUDGET
// characters a RCPT gets 452 (RFC 5321 §4.5.3.1.10), as one recipient too many does: the
// client sends the others in another transaction, which starts afresh.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { RCPT_PARAMS_BUDGET, RcptParamsBudget } from "../../src/server/rcpt-budget.js";
import { RawClient, withServer } from "../helpers/debug-client.js";

/** One RCPT's parameters: NOTIFY and an ORCPT that fills a line of about 15 KB (under smtp-server's 16 KiB). */
function params(i: number): string {
  return `NOTIFY=FAILURE ORCPT=rfc822;${String(i).padStart(4, "0")}${"o".repeat(15_000)}`;
}

test("with DSN on, RCPT parameters past the budget get 452 4.5.3; those accepted are delivered; the next transaction starts afresh", { timeout: 30_000 }, async () => {
  const fit = Math.floor(RCPT_PARAMS_BUDGET / params(0).length);
  assert.ok(fit > 1 && fit < 100, `${fit} RCPTs fit`);
  await withServer({ extensions: { dsn: true } }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("EHLO client.example");
    await c.cmd("MAIL FROM:<a@example.org>");
    for (let i = 0; i < fit; i++) assert.match(await c.cmd(`RCPT TO:<r${i}@example.org> ${params(i)}`), /^250 /, `RCPT ${i}`);
    assert.match(await c.cmd(`RCPT TO:<r${fit}@example.org> ${params(fit)}`),
      new RegExp(`^452 4\\.5\\.3 Too many recipients: their parameters would pass ${RCPT_PARAMS_BUDGET} characters in this transaction; send the others in another transaction\\r\\n$`));
    // one without parameters still fits
    assert.match(await c.cmd(`RCPT TO:<plain@example.org>`), /^250 /);
    await c.cmd("DATA");
    assert.match(await c.cmd("x\r\n."), /^250 /);
    const m = server.messages[0]!;
    assert.equal(m.envelope.rcptTo.length, fit + 1);
    assert.ok(!m.envelope.rcptTo.includes(`r${fit}@example.org`));
    assert.equal(m.envelope.rcptParamsSent[0], params(0));
    // a new transaction has the whole budget again
    await c.cmd("MAIL FROM:<a@example.org>");
    assert.match(await c.cmd(`RCPT TO:<r${fit}@example.org> ${params(fit)}`), /^250 /);
    // and so does one after RSET
    await c.cmd("RSET");
    await c.cmd("MAIL FROM:<a@example.org>");
    for (let i = 0; i < fit; i++) assert.match(await c.cmd(`RCPT TO:<s${i}@example.org> ${params(i)}`), /^250 /, `RCPT ${i} after RSET`);
    c.close();
  });
});

test("RcptParamsBudget: counts per recipient list; exactly the limit fits, one character more does not and is not counted", () => {
  const budget = new RcptParamsBudget(10);
  const first: object[] = [];
  const second: object[] = [];
  assert.equal(budget.take(first, "123456"), true);
  assert.equal(budget.take(first, "12345"), false);
  assert.equal(budget.take(first, "1234"), true);
  assert.equal(budget.take(first, ""), true);
  assert.equal(budget.take(first, "1"), false);
  assert.equal(budget.take(second, "1234567890"), true);
  assert.equal(budget.refusal().responseCode, 452);
});
