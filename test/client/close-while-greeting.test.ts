/**
 * `close()` or the `signal` option while `connect()` waits for the greeting: the connection
 * is up but has not greeted yet. The rejection says what closed it, never that the server
 * did ("... closed the connection before its greeting").
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTP, SMTPServerDisconnected } from "../../src/index.js";
import { slowGreeter } from "../helpers/line-server.js";

/** Connects a client to a server that never greets, and resolves once the TCP connection is up. */
async function waitingForGreeting(server: { port: number }, signal?: AbortSignal): Promise<{ client: SMTP; connecting: Promise<unknown> }> {
  const client = new SMTP({ localHostname: "client.test", diagnoseTLS: false, ...(signal ? { signal } : {}) });
  const connecting = client.connect("127.0.0.1", server.port);
  connecting.catch(() => undefined);
  // connected turns true once the socket is up, before the greeting is read.
  while (!client.connected) await new Promise((resolve) => setImmediate(resolve));
  return { client, connecting };
}

test("close() while connect() waits for the greeting: rejects saying close() was called, not that the server hung up", async () => {
  const server = await slowGreeter(Number.POSITIVE_INFINITY);
  try {
    const { client, connecting } = await waitingForGreeting(server);
    client.close();
    await assert.rejects(connecting, (err: unknown) => {
      assert.ok(err instanceof SMTPServerDisconnected, String(err));
      assert.match(err.message, /close\(\) was called while connecting/);
      assert.doesNotMatch(err.message, /closed the connection before its greeting/);
      return true;
    });
    assert.equal(client.connected, false);
  } finally {
    await server.close();
  }
});

test("the signal aborting while connect() waits for the greeting: rejects with the signal's reason as it is", async () => {
  const server = await slowGreeter(Number.POSITIVE_INFINITY);
  try {
    const controller = new AbortController();
    const { client, connecting } = await waitingForGreeting(server, controller.signal);
    const reason = new SMTPServerDisconnected("shutting down");
    controller.abort(reason);
    await assert.rejects(connecting, (err: unknown) => err === reason);
    assert.equal(client.connected, false);
  } finally {
    await server.close();
  }
});
