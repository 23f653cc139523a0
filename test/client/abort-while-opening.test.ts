/**
 * `close()` or the `signal` option in the last steps of opening a connection: the socket is
 * up, the connect wait has ended, and the client has not yet taken the connection as its
 * own (a `debugOutput` callback runs there, on the "connected to" line). The connection is
 * closed all the same and `connect()` rejects, as at any other moment of connecting: before,
 * it went on to read the greeting and resolved, with the socket left open after close().
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTP, SMTPServerDisconnected, type SMTPOptions } from "../../src/index.js";
import { LOCAL } from "../helpers/client.js";
import { lineServer, type LineServer } from "../helpers/line-server.js";

/** Resolves once the server has no connection open (the client's socket has closed), or rejects after `ms`. */
async function serverSocketsClosed(server: LineServer, ms = 5000): Promise<void> {
  const until = performance.now() + ms;
  while (server.sockets.size > 0) {
    if (performance.now() > until) throw new Error(`${server.sockets.size} connection(s) still open at the server`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Options whose debugOutput runs `act` on the "connected to" line. */
function onConnectedLine(act: () => void, extra: SMTPOptions = {}): SMTPOptions {
  return { localHostname: LOCAL, timeout: 5000, debugLevel: 1, debugOutput: (line) => { if (line.startsWith("connected to")) act(); }, ...extra };
}

test("close() from debugOutput's 'connected to' line: connect() rejects saying close() was called, and no socket is left open", async () => {
  const server = await lineServer(() => undefined);
  try {
    const client: SMTP = new SMTP(onConnectedLine(() => client.close()));
    const err = await client.connect("127.0.0.1", server.port).then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof SMTPServerDisconnected, `expected SMTPServerDisconnected, got ${String(err)}`);
    assert.match(err.message, /close\(\) was called while connecting/);
    assert.equal(client.connected, false);
    await serverSocketsClosed(server);
  } finally {
    await server.close();
  }
});

test("the signal aborted from debugOutput's 'connected to' line: connect() rejects with its reason, and the socket is closed", async () => {
  const server = await lineServer(() => undefined);
  try {
    const controller = new AbortController();
    const reason = new Error("shutting down");
    const client = new SMTP(onConnectedLine(() => controller.abort(reason), { signal: controller.signal }));
    assert.equal(await client.connect("127.0.0.1", server.port).then(() => undefined, (e: unknown) => e), reason);
    assert.equal(client.connected, false);
    await serverSocketsClosed(server);
  } finally {
    await server.close();
  }
});
