/**
 * LMTP: the end of data (here BDAT LAST, a message in memory, pipelined) refused with ONE
 * reply that refuses the command itself (500-504, or an RFC 3463 X.5.Y "protocol status"
 * code: "503 5.5.0 ...", "554 5.5.1 no valid recipients"), as RFC 3030 §2 answers a failed
 * BDAT, where RFC 2033 §4.3 owes one reply per recipient accepted. Such a reply cannot be
 * one recipient's delivery (a later recipient cannot have the message after the command
 * failed): every accepted recipient is refused with it at once, and copies of it that a
 * server sends per recipient are read and dropped. Before, the call waited for the other
 * recipients' replies until the `dataTermination` timeout (10 minutes by default).
 *
 * No timed assertion: the timeout is set far beyond the test's own watchdog, which fails
 * the test if the call has not settled by then.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP, SMTPRecipientsRefused } from "../../src/index.js";
import { greeting, withScript } from "../helpers/client.js";

const LHLO_BDAT = greeting(["PIPELINING", "CHUNKING"], "LHLO");
const HI = Buffer.from("hi\r\n");
const NOOP = "C: NOOP\nS: 250 noop here\n";
/** Far beyond the watchdog: a call that waits for it fails the test by the watchdog. */
const LONG = { timeout: 600_000 };

function group(to: readonly string[]): string {
  return `C: MAIL FROM:<a@x.test>\n${to.map((r) => `C: RCPT TO:<${r}>`).join("\n")}\nC: BDAT 4 LAST\nC! hi\\r\\n\n`;
}

/** `p`, or a failure once `ms` pass without it settling. */
async function settlesBefore<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const watchdog = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`watchdog: the call had not settled after ${ms} ms (it waits for replies that never come)`)), ms);
  });
  try {
    return await Promise.race([p, watchdog]);
  } finally {
    clearTimeout(timer);
  }
}

for (const refusal of ["503 5.5.0 Previous data chunk failed", "554 5.5.1 no valid recipients", "503 bad sequence of commands"]) {
  test(`LMTP, BDAT LAST answered once with "${refusal}" for 3 accepted recipients, then silence -> every recipient refused with it at once; the connection stays in step`, async () => {
    const to = ["r1@y.test", "r2@y.test", "r3@y.test"];
    const script = `${LHLO_BDAT}${group(to)}S: 250 ok
S: 250 ok
S: 250 ok
S: 250 ok
S: ${refusal}
${NOOP}`;
    await withScript(script, async (client) => {
      await assert.rejects(settlesBefore(client.sendmail("a@x.test", to, HI), 3000), (err: unknown) => {
        assert.ok(err instanceof SMTPRecipientsRefused, String(err));
        assert.deepEqual([...err.recipients].map(([k, v]) => [k, `${v.code} ${v.message}`]), to.map((r) => [r, refusal]));
        return true;
      });
      assert.equal((await settlesBefore(client.noop(), 3000)).message, "noop here");
    }, LONG, LMTP);
  });
}

/** BDAT LAST refused as a command with a copy per recipient: the same text, or each naming its recipient. */
const COPIES_PER_RECIPIENT = [
  { name: "the server sending a copy per recipient (as Dovecot's lib-smtp does)", copies: ["503 5.5.0 no", "503 5.5.0 no"] },
  { name: "a copy per recipient naming its recipient (same code and enhanced status, other text)", copies: ["503 5.5.0 <r1@y.test> previous chunk failed", "503 5.5.0 <r2@y.test> previous chunk failed"] },
];

for (const { name, copies } of COPIES_PER_RECIPIENT) {
  test(`LMTP, BDAT LAST refused as a command, ${name} -> the copies are read and dropped; the next call gets its own replies`, async () => {
    const to = ["r1@y.test", "r2@y.test"];
    const script = `${LHLO_BDAT}${group(to)}S: 250 ok
S: 250 ok
S: 250 ok
S: ${copies[0]}
-- wait 30
S: ${copies[1]}
${group(["r3@y.test"])}S: 250 ok
S: 250 ok
S: 250 2.0.0 r3 saved
${NOOP}`;
    await withScript(script, async (client) => {
      const d = await settlesBefore(client.deliver("a@x.test", to, HI).catch((err: unknown) => err), 3000);
      assert.ok(d instanceof SMTPRecipientsRefused, String(d));
      const next = await settlesBefore(client.deliver("a@x.test", "r3@y.test", HI), 3000);
      assert.deepEqual([...next.delivered].map(([k, v]) => [k, v.message]), [["r3@y.test", "2.0.0 r3 saved"]]);
      assert.equal((await client.noop()).message, "noop here");
    }, LONG, LMTP);
  });
}

test("LMTP, the first reply after BDAT LAST a recipient's refusal (452 4.2.2 over quota), the next one later: still one reply per recipient, r2 delivered", async () => {
  const to = ["r1@y.test", "r2@y.test"];
  const script = `${LHLO_BDAT}${group(to)}S: 250 ok
S: 250 ok
S: 250 ok
S: 452 4.2.2 r1 over quota
-- wait 30
S: 250 2.0.0 r2 saved
${NOOP}`;
  await withScript(script, async (client) => {
    const d = await settlesBefore(client.deliver("a@x.test", to, HI), 3000);
    assert.deepEqual([...d.delivered.keys()], ["r2@y.test"]);
    assert.equal(d.refused.get("r1@y.test")?.code, 452);
    assert.equal((await client.noop()).message, "noop here");
  }, LONG, LMTP);
});

