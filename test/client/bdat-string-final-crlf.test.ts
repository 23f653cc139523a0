/**
 * A string body (or a `sendMessage` message) whose last line has no CRLF gets one over BDAT
 * too, as over DATA and as Python's `data()` adds it: the stored message must not depend on
 * whether the server offers CHUNKING (found by the interop parity scenario: Dovecot stored
 * Python's copy with a final line end and ours without). Bytes still go untouched.
 */

import { test } from "node:test";
import { greeting, withScript } from "../helpers/client.js";
import { scriptEscape } from "../helpers/flow-trace.js";
import { EHLO_CHUNKING, EHLO_CHUNKING_PIPELINING } from "../helpers/bdat-scripts.js";

function bdatScript(ehlo: string, wire: string, pipelined: boolean): string {
  const envelope = pipelined
    ? "C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\n"
    : "C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\n";
  return `${ehlo}
${envelope}C: BDAT ${Buffer.byteLength(wire)} LAST
C! ${scriptEscape(wire)}
${pipelined ? "S: 250 ok\nS: 250 ok\n" : ""}S: 250 queued
`;
}

test("sendmail: a string whose last line has no CRLF ends in CRLF over BDAT (pipelined)", async () => {
  await withScript(bdatScript(EHLO_CHUNKING_PIPELINING, "Subject: x\r\n\r\nlast\r\n.\r\n", true), async (client) => {
    await client.sendmail("a@x.test", "b@y.test", "Subject: x\r\n\r\nlast\n.");
  });
});

test("sendmail: the same over lock-step BDAT; an empty string has no line to end: BDAT 0 LAST, as zero bytes (empty-message.test.ts)", async () => {
  await withScript(bdatScript(EHLO_CHUNKING, "body\r\n", false), async (client) => {
    await client.sendmail("a@x.test", "b@y.test", "body");
  });
  await withScript(bdatScript(EHLO_CHUNKING, "", false), async (client) => {
    await client.sendmail("a@x.test", "b@y.test", "");
  });
});

test("sendMessage: a message whose last line has no CRLF ends in CRLF over BDAT", async () => {
  const msg = "From: a@x.test\r\nTo: b@y.test\r\n\r\nlast";
  await withScript(bdatScript(EHLO_CHUNKING_PIPELINING, `${msg}\r\n`, true), async (client) => {
    await client.sendMessage(msg);
  });
});

test("bytes still go untouched over BDAT: no CRLF added", async () => {
  await withScript(bdatScript(EHLO_CHUNKING_PIPELINING, "Subject: x\r\n\r\nlast", true), async (client) => {
    await client.sendmail("a@x.test", "b@y.test", Buffer.from("Subject: x\r\n\r\nlast"));
  });
});

test("sendmail to a server offering SIZE: MAIL's SIZE= over BDAT counts the CRLF added to a string's last line (the bytes BDAT LAST sends)", async () => {
  const script = `${greeting(["SIZE 1000", "CHUNKING"])}
C: MAIL FROM:<a@x.test> SIZE=6
S: 250 ok
C: RCPT TO:<b@y.test>
S: 250 ok
C: BDAT 6 LAST
C! ${scriptEscape("body\r\n")}
S: 250 queued
`;
  await withScript(script, async (client) => {
    await client.sendmail("a@x.test", "b@y.test", "body");
  });
});
