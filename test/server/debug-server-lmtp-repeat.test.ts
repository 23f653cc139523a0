// LMTP answers the data once for each RCPT accepted (RFC 2033 §4.2), a repeated recipient
// included: smtp-server keeps one envelope entry for a repeat (compared case-insensitively),
// and the debugging server must still send as many replies as it gave 250s to RCPT. Each
// test pipelines a NOOP behind the data: a missing reply would show as the NOOP's "250 2.0.0
// OK" where the repeat's reply belongs, not as a hang.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import type { DebugServerHooks, DebugServerOptions } from "../../src/server/debug-server.js";
import { RawClient, withServer } from "../helpers/debug-client.js";

/**
 * LHLO, MAIL and the RCPTs of `to` (each must be taken), DATA, then `data` and a NOOP in one
 * write; the replies after the data, up to the NOOP's (the last one) or `to.length` + 1.
 */
async function lmtpReplies(options: DebugServerOptions & DebugServerHooks, to: readonly string[], data: string): Promise<string[]> {
  const replies: string[] = [];
  await withServer({ ...options, lmtp: true }, async (server) => {
    const c = await RawClient.inData(server, { hello: "LHLO client.example", to: [...to] });
    c.socket.write(`${data}\r\n.\r\nNOOP\r\n`);
    while (replies.length <= to.length && !/^250 2\.0\.0 OK\r\n$/.test(replies.at(-1) ?? "")) replies.push(await c.reply());
    c.close();
  });
  return replies;
}

test("LMTP: a recipient given twice (also in another case) gets one reply after the data for each RCPT, in order", async () => {
  const replies = await lmtpReplies({}, ["b@example.org", "c@example.org", "B@example.org"], "Subject: x\r\n\r\nbody");
  assert.deepEqual(replies, [
    "250 2.6.0 OK: delivered to <b@example.org>\r\n",
    "250 2.6.0 OK: delivered to <c@example.org>\r\n",
    "250 2.6.0 OK: delivered to <B@example.org>\r\n",
    "250 2.0.0 OK\r\n",
  ]);
});

test("LMTP: a repeated recipient refused after the data is refused at each of its RCPTs", async () => {
  const replies = await lmtpReplies({ refuseAfterData: [{ address: "full@example.org", code: 452, message: "Mailbox full" }] },
    ["full@example.org", "ok@example.org", "Full@example.org"], "body");
  assert.deepEqual(replies, [
    "452 4.2.2 Mailbox full\r\n",
    "250 2.6.0 OK: delivered to <ok@example.org>\r\n",
    "452 4.2.2 Mailbox full\r\n",
    "250 2.0.0 OK\r\n",
  ]);
});

test("LMTP: a message over the size limit is refused (552 5.3.4) once for each RCPT, repeats included", async () => {
  const replies = await lmtpReplies({ size: 10 }, ["b@example.org", "c@example.org", "B@example.org"], "x".repeat(100));
  assert.deepEqual(replies, [
    ...Array<string>(3).fill("552 5.3.4 Error: message exceeds fixed maximum message size 10\r\n"),
    "250 2.0.0 OK\r\n",
  ]);
});

test("LMTP: a message onMessage fails is refused once for each RCPT, repeats included", async () => {
  const failing = await lmtpReplies({ onMessage: () => { throw new Error("disk full"); } }, ["b@example.org", "B@example.org"], "body");
  assert.deepEqual(failing.map((r) => r.slice(0, 4)), ["451 ", "451 ", "250 "]);
  assert.match(failing[2]!, /^250 2\.0\.0 OK/);
});

test("LMTP: repeats count towards maxRecipients (each is one more reply after the data)", async () => {
  await withServer({ lmtp: true, maxRecipients: 2 }, async (server) => {
    const c = await RawClient.inData(server, { hello: "LHLO client.example", to: ["b@example.org", "b@example.org"] });
    c.close();
  });
  await withServer({ lmtp: true, maxRecipients: 2 }, async (server) => {
    const c = await RawClient.open(server);
    await c.reply();
    await c.cmd("LHLO client.example");
    await c.cmd("MAIL FROM:<a@example.org>");
    assert.match(await c.cmd("RCPT TO:<b@example.org>"), /^250 /);
    assert.match(await c.cmd("RCPT TO:<b@example.org>"), /^250 /);
    assert.match(await c.cmd("RCPT TO:<B@example.org>"), /^452 /);
    c.close();
  });
});
