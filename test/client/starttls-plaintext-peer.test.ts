/**
 * A server that agrees to STARTTLS (220) and then answers the client's TLS hello with plain
 * text: the handshake fails with an SMTPException that says so (not OpenSSL's "wrong
 * version number" alone), Node's error as cause; the connection is closed and every later
 * call says it is not connected.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTP, SMTPException, SMTPServerDisconnected } from "../../src/index.js";
import { LOCAL } from "../helpers/client.js";
import { lineServer } from "../helpers/line-server.js";

test("STARTTLS 220, then plain text in answer to the TLS hello -> SMTPException naming a server that sent plain text after agreeing to STARTTLS; the client is closed", async () => {
  const server = await lineServer((sock, line) => {
    if (line.startsWith("EHLO")) sock.write("250-mx.test\r\n250 STARTTLS\r\n");
    else if (line === "STARTTLS") {
      sock.write("220 go ahead\r\n");
      sock.once("data", () => sock.write("500 5.5.1 what is this?\r\n"));
    }
  });
  const client = await SMTP.connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 5000 });
  try {
    const err = await client.starttls().catch((e: unknown) => e);
    assert.ok(err instanceof SMTPException, String(err));
    assert.match(err.message, /^TLS handshake with 127\.0\.0\.1:\d+ failed: the server sent plain text instead of starting TLS after agreeing to STARTTLS/);
    assert.ok(err.cause instanceof Error);
    assert.equal(client.connected, false);
    assert.equal(client.encrypted, false);
    await assert.rejects(client.noop(), SMTPServerDisconnected);
  } finally {
    client.close();
    await server.close();
  }
});
