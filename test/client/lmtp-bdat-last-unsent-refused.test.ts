/**
 * LMTP over pipelined BDAT, a message in memory large enough (over 64 KiB) that BDAT LAST's
 * bytes go in pieces after its command. The server answers LAST for the first recipient with
 * a refusal as soon as it reads the command line (the message is too big), stops reading and
 * hangs up while those pieces are still being written: the last byte of LAST's chunk was
 * never handed over, so no recipient can have the message (RFC 3030 §2: it ends with that
 * byte). The second recipient, whose reply never came, was reported "whether it got the
 * message is unknown" (as after the whole message went), though the call's error said
 * "not-delivered": a caller who retries only recipients known not to have it never sent it
 * again. As over DATA (a reply while its message is still being written), it now says that
 * the message was not all sent, so it was not delivered.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { test } from "node:test";
import { LMTP, SMTPRecipientsRefused } from "../../src/index.js";
import { LOCAL } from "../helpers/client.js";
import { onCommands } from "../helpers/lines.js";

/** Far more than the loopback socket buffers hold: the last piece cannot be handed over once the server stops reading. */
const LARGE = Buffer.alloc(32 * 1024 * 1024, 0x61);

/** An LMTP server offering PIPELINING and CHUNKING that refuses BDAT LAST for the first recipient on its command line, then stops reading and hangs up. */
async function server(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((sock) => {
    sockets.add(sock);
    sock.on("error", () => undefined);
    let gone = false;
    const reply = (text: string): void => { if (!sock.destroyed) sock.write(`${text}\r\n`); };
    sock.write("220 lmtp.test ready\r\n");
    onCommands(sock, (line) => {
      if (gone) return;
      if (/^LHLO/.test(line)) return reply("250-lmtp.test\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 ENHANCEDSTATUSCODES");
      if (/^BDAT \d+ LAST/.test(line)) {
        gone = true;
        sock.pause();
        reply("552 5.3.4 <r1@y.test> message too big");
        sock.end();
        return;
      }
      reply("250 2.1.0 ok");
    });
  });
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  return {
    port: (srv.address() as net.AddressInfo).port,
    close: () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); srv.close(() => resolve()); }),
  };
}

test("LMTP, pipelined BDAT, large message in memory: LAST refused for r1 and the server hangs up before LAST's bytes all went: r2, unanswered, was not delivered (not 'unknown')", { timeout: 30_000 }, async () => {
  const srv = await server();
  let client: LMTP | undefined;
  try {
    client = await LMTP.connect("127.0.0.1", srv.port, { localHostname: LOCAL, timeout: 10_000 });
    await assert.rejects(client.deliver("a@x.test", ["r1@y.test", "r2@y.test"], LARGE), (err: unknown) => {
      assert.ok(err instanceof SMTPRecipientsRefused, String(err));
      assert.equal(err.delivery, "not-delivered");
      assert.equal(err.recipients.get("r1@y.test")?.code, 552);
      const r2 = err.recipients.get("r2@y.test");
      assert.equal(r2?.code, -1);
      assert.match(r2.message, /the message was not all sent, so it was not delivered/);
      return true;
    });
  } finally {
    client?.close();
    await srv.close();
  }
});
