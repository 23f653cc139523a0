/**
 * `close()` while a `connect()` waits for its turn behind another call: the connect() was
 * called first, so close() ends it too, rather than letting it open a socket after the
 * caller has closed the client (and the calls queued behind it run on that socket).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTP, SMTPServerDisconnected } from "../../src/index.js";
import { lineServer } from "../helpers/line-server.js";

test("close() while connect() is queued behind a call: the connect() rejects and opens no socket, nor do calls after it send", async () => {
  const lines: string[] = [];
  // NOOP is never answered: the first call holds the queue until close().
  const server = await lineServer((sock, line) => {
    lines.push(line);
    if (line !== "NOOP") sock.write("250 ok\r\n");
  });
  const client = new SMTP({ localHostname: "client.test", diagnoseTLS: false });
  try {
    await client.connect("127.0.0.1", server.port);
    const noop = client.noop();
    const reconnect = client.connect("127.0.0.1", server.port);
    const mail = client.sendmail("a@example.org", "b@example.org", "Subject: x\r\n\r\nbody\r\n");
    client.close();
    await assert.rejects(noop, SMTPServerDisconnected);
    await assert.rejects(reconnect, (err: unknown) => {
      assert.ok(err instanceof SMTPServerDisconnected, String(err));
      assert.match(err.message, /close\(\) was called/);
      return true;
    });
    await assert.rejects(mail, SMTPServerDisconnected);
    assert.equal(client.connected, false);
    assert.equal(server.connections(), 1);
    assert.deepEqual(lines.filter((line) => /^(MAIL|EHLO|HELO)/.test(line)), []);
    // A connect() called after close() connects as usual.
    assert.equal((await client.connect("127.0.0.1", server.port)).code, 220);
    assert.equal(server.connections(), 2);
  } finally {
    client.close();
    await server.close();
  }
});
