/**
 * The `SIZE=` a bytes body declares over DATA (RFC 1870) is the size that goes out: DATA
 * turns each lone CR and LF into CRLF, so each adds a byte. A lower SIZE can get the
 * message refused after it was sent whole, so it is exact up to 1 MiB, and beyond that
 * whenever the server's SIZE limit lies between the body's length and twice that length.
 * Otherwise no limit can fall between the two, and the length is declared as the
 * estimate RFC 1870 allows (no scan of a large message for nothing).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPSenderRefused } from "../../src/index.js";
import { greeting, withScript } from "../helpers/client.js";

/** `lines` lines of 79 "x" ended by a bare LF (80 bytes each), and the same with CRLF. */
function bareLf(lines: number): { bytes: Buffer; normalized: number } {
  return { bytes: Buffer.alloc(lines * 80, `${"x".repeat(79)}\n`), normalized: lines * 81 };
}

/** Sends `bytes` to a server advertising `size`, which refuses the MAIL it expects with `declared`. */
async function declares(size: string, bytes: Buffer, declared: number): Promise<void> {
  const script = `${greeting([size])}C: MAIL FROM:<a@x.test> SIZE=${declared}\nS: 552 5.3.4 too big\nC: RSET\nS: 250 ok\n`;
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", bytes), SMTPSenderRefused);
  });
}

test("a bytes body up to 1 MiB with bare LFs declares SIZE= its size with CRLF line ends, limit or none", async () => {
  const { bytes, normalized } = bareLf(100);
  await declares("SIZE", bytes, normalized);
  await declares("SIZE 100000000", bytes, normalized);
});

test("a bytes body over 1 MiB with bare LFs declares its size with CRLF line ends when the server's limit lies between its length and twice that", async () => {
  const { bytes, normalized } = bareLf(20_000); // 1,600,000 bytes, 1,620,000 with CRLF
  for (const limit of [bytes.length, normalized - 1, normalized, 2 * bytes.length - 1]) {
    await declares(`SIZE ${limit}`, bytes, normalized);
  }
});

test("a bytes body over 1 MiB declares its length where no server limit can fall between it and its size with CRLF line ends", async () => {
  const { bytes } = bareLf(20_000);
  for (const size of ["SIZE", "SIZE 0", `SIZE ${2 * bytes.length}`, `SIZE ${bytes.length - 1}`]) {
    await declares(size, bytes, bytes.length);
  }
});
