/**
 * LMTP (RFC 2033) over a Unix socket, with BDAT (in memory and streamed in chunks), and a
 * streamed body over DATA: one reply per recipient in each case.
 */

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { tmpdir } from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { test } from "node:test";
import { LMTP } from "../../src/index.js";
import { LOCAL, greeting, withScript, LHLO_PIPELINING } from "../helpers/client.js";
import { scriptEscape, traced } from "../helpers/flow-trace.js";
import { expectedClientBytes, startScriptServer } from "../helpers/script-server.js";

test("LMTP over a Unix socket: LMTP.connect('/path.sock') speaks LHLO and reads a reply per recipient", async () => {
  const sock = path.join(tmpdir(), `smtplib-lmtp-${process.pid}-${randomBytes(4).toString("hex")}.sock`);
  const script = `${LHLO_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<r1@y.test>
C: RCPT TO:<r2@y.test>
C: DATA
S: 250 ok
S: 250 ok
S: 250 ok
S: 354 go
C: hi
C: .
S: 250 2.0.0 r1 saved
S: 552 5.2.2 r2 over quota
C: QUIT
S: 221 bye
`;
  const server = await startScriptServer(script, { path: sock });
  let client: LMTP | undefined;
  try {
    client = await LMTP.connect(sock, 0, { localHostname: LOCAL, timeout: 5000 });
    const refused = await client.sendmail("a@x.test", ["r1@y.test", "r2@y.test"], "hi\r\n");
    assert.deepEqual([...refused].map(([k, v]) => [k, v.code]), [["r2@y.test", 552]]);
    assert.equal((await client.quit()).code, 221);
    await server.done;
    assert.equal(server.received(), expectedClientBytes(script));
  } finally {
    client?.close();
    await server.close();
  }
});

const LHLO_CHUNKING = greeting(["PIPELINING", "CHUNKING"], "LHLO");

test("LMTP with BDAT: BDAT LAST pipelined with the envelope (one round trip), then one reply per accepted recipient, counted from the RCPT replies", async () => {
  const script = `${LHLO_CHUNKING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<r1@y.test>
C: RCPT TO:<r2@y.test>
C: RCPT TO:<r3@y.test>
C: BDAT 4 LAST
C! hi\\r\\n
S: 250 ok
S: 250 ok
S: 550 5.1.1 no r2
S: 250 ok
S: 250 2.0.0 r1 saved
S: 452 4.2.2 r3 over quota
C: NOOP
S: 250 noop here
`;
  const t = traced();
  await withScript(script, async (client) => {
    const d = await client.deliver("a@x.test", ["r1@y.test", "r2@y.test", "r3@y.test"], Buffer.from("hi\r\n"));
    assert.deepEqual([...d.refused].map(([k, v]) => [k, v.code]), [["r2@y.test", 550], ["r3@y.test", 452]]);
    assert.deepEqual([...d.delivered.keys()], ["r1@y.test"]);
    assert.equal((await client.noop()).message, "noop here");
  }, t.options, LMTP);
  assert.equal(t.flow(), "S 220 | C LHLO | S 250 | C MAIL RCPT RCPT RCPT BDAT LAST | S 250 250 550 250 250 452 | C NOOP | S 250");
});

test("LMTP with BDAT, lock-step, a streamed body in two chunks: one reply per chunk, then one per recipient", async () => {
  const KIB = 1024;
  const whole = Buffer.alloc(300 * KIB, "x");
  for (let i = 100; i < whole.length; i += 100) whole.write("\r\n.", i - 3, "latin1");
  const script = `
S: 220 lmtp.test LMTP ready
C: LHLO client.test
S: 250-lmtp.test
S: 250 CHUNKING
C: MAIL FROM:<a@x.test>
S: 250 ok
C: RCPT TO:<r1@y.test>
S: 250 ok
C: RCPT TO:<r2@y.test>
S: 250 ok
C: BDAT ${256 * KIB}
C! ${scriptEscape(whole.subarray(0, 256 * KIB).toString("latin1"))}
S: 250 chunk ok
C: BDAT ${whole.length - 256 * KIB} LAST
C! ${scriptEscape(whole.subarray(256 * KIB).toString("latin1"))}
S: 250 2.0.0 r1 saved
S: 250 2.0.0 r2 saved
C: NOOP
S: 250 noop here
`;
  await withScript(script, async (client) => {
    const chunks: Buffer[] = [];
    for (let i = 0; i < whole.length; i += 32 * KIB) chunks.push(whole.subarray(i, i + 32 * KIB));
    const d = await client.deliver("a@x.test", ["r1@y.test", "r2@y.test"], Readable.from(chunks));
    assert.deepEqual([...d.delivered].map(([k, v]) => [k, v.message]), [["r1@y.test", "2.0.0 r1 saved"], ["r2@y.test", "2.0.0 r2 saved"]]);
    assert.equal((await client.noop()).message, "noop here");
  }, {}, LMTP);
});

test("LMTP with a streamed body over DATA: dot-stuffed, one reply per recipient", async () => {
  const script = `${LHLO_PIPELINING}
C: MAIL FROM:<a@x.test>
C: RCPT TO:<r1@y.test>
C: RCPT TO:<r2@y.test>
C: DATA
S: 250 ok
S: 250 ok
S: 250 ok
S: 354 go
C: ..one
C: ..two
C: .
S: 550 5.7.1 r1 no
S: 250 2.0.0 r2 yes
`;
  await withScript(script, async (client) => {
    const refused = await client.sendmail("a@x.test", ["r1@y.test", "r2@y.test"], Readable.from([".one\r", "\n.two"], { objectMode: true }));
    assert.deepEqual([...refused.keys()], ["r1@y.test"]);
  }, {}, LMTP);
});
