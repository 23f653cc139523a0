/**
 * LMTP, CHUNKING and PIPELINING, a message in memory in one round trip (MAIL, every RCPT
 * and BDAT LAST in one write): a 421 to a RCPT closes the connection (RFC 5321 §3.8), so the
 * server read nothing after it, BDAT LAST and its message included. No recipient has the
 * message: the call must not say it may have been delivered.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP } from "../../src/index.js";
import { greeting, withScript } from "../helpers/client.js";

const LHLO_BDAT = greeting(["PIPELINING", "CHUNKING"], "LHLO");
const HI = Buffer.from("hi\r\n");

for (const at of [1, 2]) {
  test(`LMTP one-trip BDAT, 3 recipients, a 421 to RCPT ${at + 1} after ${at} accepted: nothing was delivered, and the call says so`, async () => {
    const to = ["r1@y.test", "r2@y.test", "r3@y.test"];
    const script = `${LHLO_BDAT}C: MAIL FROM:<a@x.test>
${to.map((r) => `C: RCPT TO:<${r}>`).join("\n")}
C: BDAT 4 LAST
C! hi\\r\\n
S: 250 ok
${"S: 250 ok\n".repeat(at)}S: 421 4.3.2 shutting down
-- close
`;
    await withScript(script, async (client) => {
      const outcome: Awaited<ReturnType<typeof client.deliver>> | Error = await client.deliver("a@x.test", to, HI).then((d) => d, (e: unknown) => e as Error);
      const text = outcome instanceof Error ? `${outcome.name}: ${outcome.message}` : JSON.stringify([...outcome.refused].map(([k, v]) => [k, v.code, v.message]));
      assert.ok(!(outcome instanceof Error) || (outcome as { delivery?: string }).delivery !== "unknown", text);
      assert.doesNotMatch(text, /may have been delivered|unknown/i);
      if (!(outcome instanceof Error)) assert.equal(outcome.delivered.size, 0, text);
    }, {}, LMTP);
  });
}
