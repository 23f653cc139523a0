/**
 * Pipelined BDAT with a message large enough that BDAT LAST's bytes go in pieces after its
 * command, and a client socket that holds its last piece undrained, deterministically: it
 * passes that write on at once but never completes it (see `endedAnyway` in bdat-flow.ts).
 * @module
 */

import net from "node:net";
import { KIB } from "./bdat-scripts.js";
import { onCommands } from "./lines.js";

/** The message: over 64 KiB, so written in 128 KiB pieces, the last of them 100 KiB (more than a socket's 16 KiB high-water mark); it ends "END\r\n". */
export const MESSAGE = Buffer.concat([Buffer.alloc(356 * KIB - 5, 0x61), Buffer.from("END\r\n")]);

/** A socket to 127.0.0.1:`port` that passes on the write ending {@link MESSAGE} at once but never completes it (it never drains). */
export function holdingLastWrite(port: number): net.Socket {
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

/**
 * A server offering PIPELINING and CHUNKING (and LHLO when `lmtp`) that accepts MAIL, every
 * RCPT and every chunk, and once BDAT LAST's bytes are in, calls `atEnd` (it never answers
 * LAST itself).
 */
export async function lastEndServer(lmtp: boolean, atEnd: (sock: net.Socket) => void): Promise<{ port: number; close: () => Promise<void> }> {
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
