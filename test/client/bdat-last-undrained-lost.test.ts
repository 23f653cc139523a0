/**
 * Pipelined BDAT, a message large enough that BDAT LAST's bytes go in pieces after its
 * command (in memory over 64 KiB; a stream's last chunk with LAST): its last piece has been
 * handed to the socket, which has not drained it yet, when no reply to LAST ever comes.
 * Those replies are read as when the socket had drained (see `endedAnyway` in bdat-flow.ts),
 * so the call must still say that the message may have been delivered (`delivery`
 * "unknown"; for LMTP every accepted recipient's outcome unknown, code -1): never "not
 * delivered" (a retry would deliver it twice), never a success, and never a wait for a reply
 * on a closed connection.
 *
 * - the server reads the whole message and hangs up without a reply;
 * - the server reads it and says nothing: the wait for the last piece to drain stalls past
 *   the `dataBlock` timeout, which closes the connection.
 *
 * The socket is held undrained deterministically (as in lmtp-bdat-last-undrained.test.ts):
 * the client's socket passes the last piece on at once but never completes that write.
 */

import assert from "node:assert/strict";
import net from "node:net";
import { Readable } from "node:stream";
import { test } from "node:test";
import { LMTP, SMTP, SMTPServerDisconnected, SMTPTimeoutError } from "../../src/index.js";
import { LOCAL } from "../helpers/client.js";
import { onCommands } from "../helpers/lines.js";

const KIB = 1024;
/** Over 64 KiB, so written in pieces; its last piece over a socket's 16 KiB high-water mark. */
const MESSAGE = Buffer.concat([Buffer.alloc(356 * KIB - 5, 0x61), Buffer.from("END\r\n")]);

/**
 * A server offering PIPELINING and CHUNKING that accepts MAIL, every RCPT and every chunk,
 * and once BDAT LAST's bytes are in, calls `atEnd` (and never answers LAST).
 */
async function server(lmtp: boolean, atEnd: (sock: net.Socket) => void): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const srv = net.createServer((sock) => {
    sockets.add(sock);
    sock.on("error", () => undefined);
    const reply = (text: string): void => { if (!sock.destroyed) sock.write(`${text}\r\n`); };
    let last = false;
    sock.write(`220 ${lmtp ? "lmtp" : "mx"}.test ready\r\n`);
    onCommands(sock, (line) => {
      if (/^(LHLO|EHLO)/.test(line)) return reply("250-x.test\r\n250-PIPELINING\r\n250-CHUNKING\r\n250 ENHANCEDSTATUSCODES");
      if (/^QUIT/.test(line)) { reply("221 bye"); sock.end(); return; }
      if (/^BDAT \d+ LAST/.test(line)) { last = true; return; }
      reply("250 2.0.0 ok");
    }, { chunkEnd: () => { if (last) atEnd(sock); } });
  });
  await new Promise<void>((resolve) => srv.listen(0, "127.0.0.1", resolve));
  return {
    port: (srv.address() as net.AddressInfo).port,
    close: () => new Promise<void>((resolve) => { for (const s of sockets) s.destroy(); srv.close(() => resolve()); }),
  };
}

/** A socket to 127.0.0.1:`port` that passes on the write ending the message at once but never completes it (it never drains). */
function holdingLastWrite(port: number): net.Socket {
  const socket = net.connect(port, "127.0.0.1");
  type WriteFn = (chunk: Buffer, encoding: BufferEncoding, cb: (err?: Error | null) => void) => void;
  const sock = socket as unknown as { _write: WriteFn };
  const write = sock._write.bind(socket);
  sock._write = (chunk, encoding, cb) => {
    const ends = Buffer.isBuffer(chunk) && chunk.length > 16 * KIB && chunk.subarray(-5).toString("latin1") === "END\r\n";
    write(chunk, encoding, ends ? () => undefined : cb);
  };
  return socket;
}

const BODIES = [
  { kind: "in memory", body: (): Buffer | Readable => MESSAGE },
  { kind: "streamed", body: (): Buffer | Readable => Readable.from([MESSAGE]) },
];

const ENDS = [
  { what: "the server hangs up without a reply", atEnd: (sock: net.Socket) => sock.destroy(), type: SMTPServerDisconnected, timeouts: {} },
  // Longer than loopback ever stalls on the earlier pieces (the server reads them at once).
  { what: "the server stays silent: the dataBlock timeout closes the connection", atEnd: () => undefined, type: SMTPTimeoutError, timeouts: { dataBlock: 1500 } },
];

for (const { kind, body } of BODIES) for (const { what, atEnd, type, timeouts } of ENDS) {
  test(`SMTP, pipelined BDAT, large message ${kind}, LAST's last piece handed over but undrained, ${what}: may have been delivered`, async () => {
    const srv = await server(false, atEnd);
    let client: SMTP | undefined;
    try {
      client = await SMTP.connect("127.0.0.1", srv.port, { localHostname: LOCAL, timeout: 5000, timeouts, socketFactory: () => holdingLastWrite(srv.port) });
      await assert.rejects(client.deliver("a@x.test", ["r1@y.test"], body()), (err: unknown) => {
        assert.ok(err instanceof type, String(err));
        assert.equal(err.delivery, "unknown");
        return true;
      });
    } finally {
      client?.close();
      await srv.close();
    }
  });

  test(`LMTP, pipelined BDAT, large message ${kind}, LAST's last piece handed over but undrained, ${what}: every recipient unknown`, async () => {
    const srv = await server(true, atEnd);
    let client: LMTP | undefined;
    try {
      client = await LMTP.connect("127.0.0.1", srv.port, { localHostname: LOCAL, timeout: 5000, timeouts, socketFactory: () => holdingLastWrite(srv.port) });
      await assert.rejects(client.deliver("a@x.test", ["r1@y.test", "r2@y.test"], body()), (err: unknown) => {
        assert.ok(err instanceof type, String(err));
        assert.equal(err.delivery, "unknown");
        assert.deepEqual([...(err.recipients ?? new Map()).entries()].map(([addr, r]) => [addr, r.code]), [["r1@y.test", -1], ["r2@y.test", -1]]);
        return true;
      });
    } finally {
      client?.close();
      await srv.close();
    }
  });
}
