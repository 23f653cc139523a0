/**
 * `delivery` on the errors of pool calls: a call that wrote nothing of its transaction (the
 * pool closed while it waited, its queue full, its connection not to be had) fails with an
 * error whose `delivery` is `"not-delivered"` (a queue worker may send it again), and whose
 * message agrees; an abort's reason, the caller's own value, is left as it is.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { SMTPException, SMTPPool, SMTPPoolQueueFull, SMTPServerDisconnected } from "../../src/index.js";
import { closedPort } from "../helpers/closed-port.js";
import { assertDelivery } from "../helpers/delivery.js";
import { slowGreeter } from "../helpers/line-server.js";

test("pool: close() while calls wait for a connection and for the rate limit: 'The pool is closed: the message was not sent', not-delivered; so are later calls", async () => {
  const server = await slowGreeter(Number.POSITIVE_INFINITY);
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, maxConnections: 1, rateLimit: { messages: 1, interval: 600_000 }, localHostname: "pool.test" });
  try {
    const connecting = pool.sendmail("a@x.test", "b@x.test", "first\r\n");
    const limited = pool.sendMessage("From: a@x.test\r\nTo: b@x.test\r\n\r\nsecond\r\n");
    connecting.catch(() => undefined);
    limited.catch(() => undefined);
    while (server.connections() === 0) await new Promise((r) => setTimeout(r, 5));
    await pool.close();
    for (const call of [connecting, limited, pool.deliver("a@x.test", "b@x.test", "later\r\n")]) {
      await assert.rejects(call, (err: unknown) => {
        assert.ok(err instanceof SMTPException && err.constructor === SMTPException, String(err));
        assert.match(err.message, /^The pool is closed: the message was not sent$/);
        assertDelivery(err, "not-delivered");
        return true;
      });
    }
    assert.deepEqual(server.lines, [], "nothing was sent");
  } finally {
    await pool.close();
    await server.close();
  }
});

test("pool: a call refused by maxQueued is SMTPPoolQueueFull, not-delivered", async () => {
  const server = await slowGreeter(Number.POSITIVE_INFINITY);
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, maxConnections: 1, maxQueued: 0, localHostname: "pool.test" });
  try {
    const first = pool.sendmail("a@x.test", "b@x.test", "first\r\n");
    first.catch(() => undefined);
    while (server.connections() === 0) await new Promise((r) => setTimeout(r, 5));
    await assert.rejects(pool.sendmail("a@x.test", "b@x.test", "second\r\n"), (err: unknown) => {
      assert.ok(err instanceof SMTPPoolQueueFull, String(err));
      assertDelivery(err, "not-delivered");
      return true;
    });
  } finally {
    await pool.close();
    await server.close();
  }
});

test("pool: a call whose connection cannot be opened (refused) fails with that error, not-delivered: nothing of it was written", async () => {
  const port = await closedPort();
  const pool = new SMTPPool({ host: "127.0.0.1", port, maxConnections: 1, localHostname: "pool.test" });
  try {
    await assert.rejects(pool.sendmail("a@x.test", "b@x.test", "hi\r\n"), (err: unknown) => {
      assert.ok(err instanceof SMTPException, String(err));
      assert.match(err.message, /ECONNREFUSED|refused/i);
      assert.equal(err.delivery, "not-delivered");
      return true;
    });
  } finally {
    await pool.close();
  }
});

test("pool: calls whose connection is refused fail saying 'the message was not sent', as their delivery says, once in the error they share", async () => {
  const port = await closedPort();
  const pool = new SMTPPool({ host: "127.0.0.1", port, maxConnections: 1, localHostname: "pool.test" });
  try {
    const settled = await Promise.allSettled([1, 2, 3].map((i) => pool.sendmail("a@x.test", "b@x.test", `m${i}\r\n`)));
    for (const r of settled) {
      assert.ok(r.status === "rejected", "each call fails");
      const err: unknown = r.reason;
      assertDelivery(err, "not-delivered");
      assert.match((err as Error).message, /ECONNREFUSED.*: the message was not sent$/);
      assert.equal((err as Error).message.split("was not sent").length, 2, `said once: ${(err as Error).message}`);
      assert.match((err as Error).stack ?? "", /: the message was not sent/, "the stack says it too");
    }
  } finally {
    await pool.close();
  }
});

test("pool: a server that closes the connection at once: the call's error says 'the message was not sent', as its delivery", async () => {
  const server = net.createServer((sock) => sock.destroy());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const pool = new SMTPPool({ host: "127.0.0.1", port: (server.address() as net.AddressInfo).port, maxConnections: 1, localHostname: "pool.test" });
  try {
    await assert.rejects(pool.sendmail("a@x.test", "b@x.test", "hi\r\n"), (err: unknown) => {
      assert.ok(err instanceof SMTPServerDisconnected, String(err));
      assertDelivery(err, "not-delivered");
      assert.match(err.message, /before its greeting: the message was not sent$/);
      return true;
    });
  } finally {
    await pool.close();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

test("pool: a call aborted while it waits rejects with the signal's reason as it is, even an smtplib error (the caller's own value)", async () => {
  const server = await slowGreeter(Number.POSITIVE_INFINITY);
  const pool = new SMTPPool({ host: "127.0.0.1", port: server.port, maxConnections: 1, localHostname: "pool.test" });
  try {
    const reason = new SMTPException("the caller's own reason");
    const controller = new AbortController();
    const call = pool.sendmail("a@x.test", "b@x.test", "hi\r\n", [], [], { signal: controller.signal });
    while (server.connections() === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort(reason);
    await assert.rejects(call, (err: unknown) => err === reason);
    assert.equal(reason.delivery, undefined, "the caller's error is not changed");
  } finally {
    await pool.close();
    await server.close();
  }
});
