import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP, SMTP, SMTP_SSL, SMTPServerDisconnected } from "../../src/index.js";
import { GREET, LOCAL, withScript } from "../helpers/client.js";

type Call = [string, (c: SMTP) => Promise<unknown>];

/** Every method that needs a connection, with arguments a caller could well pass. */
const CALLS: Call[] = [
  ["helo", (c) => c.helo()], ["ehlo", (c) => c.ehlo()], ["ehloOrHeloIfNeeded", (c) => c.ehloOrHeloIfNeeded()],
  ["noop", (c) => c.noop()], ["rset", (c) => c.rset()], ["quit", (c) => c.quit()], ["help", (c) => c.help()],
  ["getreply", (c) => c.getreply()], ["starttls", (c) => c.starttls()], ["verify", (c) => c.verify("a@x.test")],
  ["expn", (c) => c.expn("list")], ["docmd", (c) => c.docmd("NOOP")], ["putcmd", (c) => c.putcmd("NOOP")],
  ["send", (c) => c.send("NOOP\r\n")], ["mail", (c) => c.mail("a@x.test")], ["rcpt", (c) => c.rcpt("b@y.test")],
  ["data", (c) => c.data("x")], ["login", (c) => c.login("u", "p")], ["auth", (c) => c.auth("PLAIN", () => "x")],
  ["sendmail", (c) => c.sendmail("a@x.test", ["b@y.test"], "x")], ["deliver", (c) => c.deliver("a@x.test", "b@y.test", "x")],
  ["sendMessage", (c) => c.sendMessage("From: a@x.test\r\nTo: b@y.test\r\n\r\nx\r\n")],
];

/** Calls each method on `client`: none throws synchronously, each rejects with SMTPServerDisconnected. */
async function assertEachDisconnected(client: SMTP, when: string): Promise<void> {
  for (const [name, call] of CALLS) {
    let pending: Promise<unknown> | undefined;
    assert.doesNotThrow(() => { pending = call(client); }, `${name} ${when} threw synchronously`);
    await assert.rejects(pending!, (err: unknown) => err instanceof SMTPServerDisconnected, `${name} ${when}`);
  }
}

test("every method of an SMTP, SMTP_SSL or LMTP never connected rejects with SMTPServerDisconnected (API.md: Python's 'please run connect() first')", async () => {
  for (const cls of [SMTP, SMTP_SSL, LMTP]) await assertEachDisconnected(new cls({ localHostname: LOCAL }), `(${cls.name}, never connected)`);
});

test("every method after quit() and after close() rejects with SMTPServerDisconnected; close() and await using stay quiet", async () => {
  await withScript(`${GREET}C: QUIT\nS: 221 bye\n`, async (client) => {
    await client.quit();
    await assertEachDisconnected(client, "after quit()");
    client.close();
    await assertEachDisconnected(client, "after close()");
    await client[Symbol.asyncDispose]();
  });
});
