/**
 * LMTP's replies after the data (RFC 2033 §4.2), one per accepted recipient, give each
 * recipient its own reply however the server's bytes are cut: whole, or split in two at
 * every index (a multi-line reply among them).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { LMTP } from "../../src/client/lmtp.js";
import { LMTP_TWO_TO_DATA, withScript } from "../helpers/client.js";

const REPLIES = "250 2.0.0 r1 saved\r\n452-4.2.2 r2 mailbox\r\n452 4.2.2 r2 over quota\r\n";

/** The script's text for `bytes` sent without a line end added (escapes for S!). */
const raw = (bytes: string): string => bytes.replace(/\r/g, "\\r").replace(/\n/g, "\\n");

test("LMTP after the data: the per-recipient replies split in two at every index give the same outcome as whole", async () => {
  for (let cut = 0; cut < REPLIES.length; cut++) {
    const parts = cut === 0 ? `S! ${raw(REPLIES)}\n` : `S! ${raw(REPLIES.slice(0, cut))}\n-- wait 3\nS! ${raw(REPLIES.slice(cut))}\n`;
    const script = `${LMTP_TWO_TO_DATA}C: hi\nC: .\n${parts}C: NOOP\nS: 250 ok\n`;
    await withScript(script, async (client) => {
      const d = await client.deliver("a@x.test", ["r1@y.test", "r2@y.test"], "hi");
      assert.deepEqual([...d.delivered.keys()], ["r1@y.test"], `cut at ${cut}`);
      assert.equal(d.delivered.get("r1@y.test")?.message, "2.0.0 r1 saved");
      const r2 = d.refused.get("r2@y.test");
      assert.deepEqual([r2?.code, r2?.lines, r2?.enhancedStatus], [452, ["4.2.2 r2 mailbox", "4.2.2 r2 over quota"], "4.2.2"], `cut at ${cut}`);
      assert.equal((await client.noop()).code, 250, `cut at ${cut}: the next reply is the NOOP's`);
    }, {}, LMTP);
  }
});
