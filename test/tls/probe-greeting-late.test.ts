/**
 * A slow SMTP server whose greeting begins on the first connection while the implicit-TLS
 * probe's second connection is still out must be read, never refused: whatever that second
 * connection sees (here plain text that is no SMTP reply, as a port multiplexer that sends
 * a ClientHello to another service might answer), a greeting begun outweighs it. The
 * verdict was taken as it came, and the client failed with "this looks like an HTTP
 * server, not an SMTP server" while the server was greeting.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { SMTP } from "../../src/index.js";
import { onCommands } from "../helpers/lines.js";

test("a greeting begun while the probe runs is read: the probe's 'not SMTP' verdict, come after it, is dropped", { timeout: 20_000 }, async () => {
  const sockets: net.Socket[] = [];
  let first: net.Socket | undefined;
  const server = net.createServer((s) => {
    sockets.push(s);
    s.on("error", () => undefined);
    if (first === undefined) {
      // The client's connection: no greeting until the probe comes.
      first = s;
      onCommands(s, (line) => {
        if (line.startsWith("EHLO")) s.write("250 mx.test\r\n");
        else if (line === "QUIT") s.end("221 bye\r\n");
      });
      return;
    }
    // The probe's connection: the greeting begins on the first one, then this one answers
    // its ClientHello in plain text that is no SMTP reply; once the probe has closed it, the
    // greeting ends.
    const greeter = first;
    s.once("data", () => {
      greeter.write("220-mx.test ESMTP, slowly\r\n");
      setTimeout(() => s.write("HTTP/1.1 400 Bad Request\r\n\r\n"), 200);
    });
    s.resume();
    s.once("close", () => greeter.write("220 mx.test ready\r\n"));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const port = (server.address() as net.AddressInfo).port;
    const client = await SMTP.connect("127.0.0.1", port, { localHostname: "client.test", timeouts: { greeting: 15_000 } });
    try {
      assert.equal(sockets.length, 2, "the probe ran");
      assert.equal((await client.ehlo()).code, 250);
    } finally {
      await client.quit().catch(() => client.close());
    }
  } finally {
    for (const s of sockets) s.destroy();
    await new Promise((r) => server.close(r));
  }
});
