/**
 * The raw `send()` (Python's, whose `sock.sendall` blocks while the server does not read,
 * and fails once its timeout passes) waits for the socket to take its bytes: to a server
 * that stopped reading it fails with `SMTPTimeoutError` (phase `dataBlock`, "writing to
 * ...") and closes the connection. It used to resolve at once whatever the server read, so
 * a loop of `send()` calls piled the bytes up in memory without bound and never timed out.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTP, SMTPServerDisconnected, SMTPTimeoutError } from "../../src/index.js";
import { LOCAL } from "../helpers/client.js";
import { startScriptServer } from "../helpers/script-server.js";

const STALL = 300;
/** Far more than loopback's socket buffers hold: a server that reads none of it leaves most of it unsent. */
const BIG = Buffer.alloc(32 * 1024 * 1024, 0x78);

test("send() to a server that stopped reading fails with SMTPTimeoutError (dataBlock) and closes the connection", async () => {
  const server = await startScriptServer("S: 220 mx.test ESMTP\n-- pause\n");
  const client = await SMTP.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 5000, timeouts: { dataBlock: STALL } });
  try {
    const err = await client.send(BIG).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof SMTPTimeoutError, `expected SMTPTimeoutError, got ${String(err)}`);
    assert.equal(err.phase, "dataBlock");
    assert.equal(err.timeout, STALL);
    assert.match(err.message, /writing to 127\.0\.0\.1:/);
    assert.equal(client.connected, false);
    const next = await client.noop().then(() => undefined, (e: unknown) => e);
    assert.ok(next instanceof SMTPServerDisconnected, `expected SMTPServerDisconnected, got ${String(next)}`);
  } finally {
    client.close();
    await server.close();
  }
});

test("send() to a server that hangs up while it writes fails with SMTPServerDisconnected", async () => {
  const server = await startScriptServer(`S: 220 mx.test ESMTP\n-- pause\n-- wait ${STALL}\n-- destroy\n`);
  const client = await SMTP.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 5000 });
  try {
    const err = await client.send(BIG).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof SMTPServerDisconnected && !(err instanceof SMTPTimeoutError), `expected SMTPServerDisconnected, got ${String(err)}`);
    assert.equal(client.connected, false);
  } finally {
    client.close();
    await server.close();
  }
});

test("send() that the server reads resolves, its bytes all sent", async () => {
  const server = await startScriptServer("S: 220 mx.test ESMTP\n-- resume\n");
  const client = await SMTP.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 5000, timeouts: { dataBlock: 5000 } });
  try {
    await client.send(BIG.subarray(0, 4 * 1024 * 1024));
    assert.equal(client.connected, true);
  } finally {
    client.close();
    await server.close();
  }
});
