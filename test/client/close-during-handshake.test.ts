/**
 * `close()` or the `signal` option while `starttls()` waits for the TLS handshake (the server
 * said 220 and then nothing): the rejection says what closed it, as for every call pending at
 * that moment, never "closed while connecting" (the connection had been up for a while, and
 * the server did not close it).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTP, SMTPServerDisconnected } from "../../src/index.js";
import { LOCAL } from "../helpers/client.js";
import { lineServer } from "../helpers/line-server.js";

/**
 * Connects to a server that agrees to STARTTLS and then never answers the client's TLS
 * hello, starts starttls(), and resolves once that hello has reached the server.
 */
async function inHandshake(signal?: AbortSignal): Promise<{ client: SMTP; upgrading: Promise<unknown>; close: () => Promise<void> }> {
  let hello: () => void = () => undefined;
  const helloCame = new Promise<void>((resolve) => { hello = resolve; });
  const server = await lineServer((sock, line) => {
    if (line.startsWith("EHLO")) sock.write("250-mx.test\r\n250 STARTTLS\r\n");
    else if (line === "STARTTLS") {
      sock.write("220 go ahead\r\n");
      sock.once("data", () => hello());
    }
  });
  const client = await SMTP.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 5000, ...(signal ? { signal } : {}) });
  const upgrading = client.starttls();
  upgrading.catch(() => undefined);
  await helloCame;
  return { client, upgrading, close: () => server.close() };
}

test("close() during the STARTTLS handshake: SMTPServerDisconnected as close() gives every pending call, not 'closed while connecting'", async () => {
  const { client, upgrading, close } = await inHandshake();
  try {
    client.close();
    const err = await upgrading.then(() => undefined, (e: unknown) => e);
    assert.ok(err instanceof SMTPServerDisconnected, String(err));
    assert.equal(err.message, "Connection closed by close()");
    assert.equal(client.connected, false);
  } finally {
    await close();
  }
});

test("the signal aborting during the STARTTLS handshake: rejects with its reason as it is", async () => {
  const controller = new AbortController();
  const { client, upgrading, close } = await inHandshake(controller.signal);
  try {
    const reason = new Error("shutting down");
    controller.abort(reason);
    assert.equal(await upgrading.then(() => undefined, (e: unknown) => e), reason);
    assert.equal(client.connected, false);
  } finally {
    await close();
  }
});
