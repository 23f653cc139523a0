/**
 * The EHLO reply, cut anywhere by the network, gives the same capabilities: whole, or split
 * in two at every index (inside a code, a keyword, a CRLF).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { withScript } from "../helpers/client.js";

const EHLO = "250-mx.test hi\r\n250-SIZE 35882577\r\n250-AUTH=LOGIN PLAIN\r\n250-auth CRAM-MD5\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n";
const raw = (bytes: string): string => bytes.replace(/\r/g, "\\r").replace(/\n/g, "\\n");

test("EHLO's reply split in two at every index gives the capabilities it gives whole", async () => {
  for (let cut = 0; cut < EHLO.length; cut++) {
    const parts = cut === 0 ? `S! ${raw(EHLO)}\n` : `S! ${raw(EHLO.slice(0, cut))}\n-- wait 2\nS! ${raw(EHLO.slice(cut))}\n`;
    await withScript(`S: 220 mx.test ESMTP\nC: EHLO client.test\n${parts}C: NOOP\nS: 250 ok\n`, async (client) => {
      const reply = await client.ehlo();
      assert.deepEqual(reply.lines, ["mx.test hi", "SIZE 35882577", "AUTH=LOGIN PLAIN", "auth CRAM-MD5", "8BITMIME", "SMTPUTF8"], `cut at ${cut}`);
      assert.deepEqual([...client.esmtpFeatures], [["size", "35882577"], ["auth", " LOGIN PLAIN CRAM-MD5"], ["8bitmime", ""], ["smtputf8", ""]], `cut at ${cut}`);
      assert.equal((await client.noop()).code, 250, `cut at ${cut}`);
    });
  }
});
