/**
 * The `SIZE=` a bytes body declares over DATA (RFC 1870) is the size that goes out: DATA
 * turns each lone CR and LF into CRLF, so each adds a byte, at any size of message. A
 * lower SIZE can get the message refused after it was sent whole.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPSenderRefused } from "../../src/index.js";
import { greeting, withScript } from "../helpers/client.js";

/** `lines` lines of 79 "x" ended by a bare LF (80 bytes each), and the same with CRLF. */
function bareLf(lines: number): { bytes: Buffer; normalized: number } {
  return { bytes: Buffer.alloc(lines * 80, `${"x".repeat(79)}\n`), normalized: lines * 81 };
}

for (const lines of [100, 20_000]) {
  test(`a bytes body of ${lines * 80} bytes with bare LFs declares SIZE= its size with CRLF line ends`, async () => {
    const { bytes, normalized } = bareLf(lines);
    // The server refuses that size: nothing of the message is sent.
    const script = `${greeting(["SIZE"])}C: MAIL FROM:<a@x.test> SIZE=${normalized}\nS: 552 5.3.4 too big\nC: RSET\nS: 250 ok\n`;
    await withScript(script, async (client) => {
      await assert.rejects(client.sendmail("a@x.test", "b@y.test", bytes), SMTPSenderRefused);
    });
  });
}
