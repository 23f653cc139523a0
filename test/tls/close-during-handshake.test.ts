/**
 * close() while starttls() is in its TLS handshake: starttls() rejects saying close() was
 * called, not that the connection "closed while connecting" (which reads as the server's
 * doing).
 */

import assert from "node:assert/strict";
import { once } from "node:events";
import net from "node:net";
import { test } from "node:test";
import { SMTP, SMTPServerDisconnected } from "../../src/index.js";

test("close() during the STARTTLS handshake: starttls() rejects with SMTPServerDisconnected naming close()", async () => {
  let helloSeen!: () => void;
  const hello = new Promise<void>((resolve) => { helloSeen = resolve; });
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.write("220 test ESMTP\r\n");
    let text = "";
    socket.on("data", (chunk: Buffer) => {
      // The ClientHello (a TLS handshake record, 0x16) after the 220: never answered.
      if (chunk[0] === 0x16) return helloSeen();
      text += chunk.toString("latin1");
      if (text.endsWith("\r\n")) {
        const line = text.trim();
        text = "";
        socket.write(line.startsWith("EHLO") ? "250-test\r\n250 STARTTLS\r\n" : "220 go ahead\r\n");
      }
    });
    socket.on("error", () => undefined);
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as net.AddressInfo;
  try {
    const smtp = await SMTP.connect("127.0.0.1", port, { timeout: 10_000 });
    await smtp.ehlo("client.test");
    const starting = smtp.starttls().then(() => null, (err: unknown) => err);
    await hello;
    smtp.close();
    const err = await starting;
    assert.ok(err instanceof SMTPServerDisconnected, `got ${String(err)}`);
    assert.match(err.message, /close\(\) was called/);
    assert.equal(smtp.connected, false);
  } finally {
    for (const s of sockets) s.destroy();
    server.close();
  }
});
