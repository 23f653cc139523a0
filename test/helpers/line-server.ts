/**
 * A small hand-written SMTP server for tests: greets each connection with a 220, hands each
 * line it receives to the test, and keeps its connections so that `close()` ends them all.
 */

import net from "node:net";
import { onLines } from "./lines.js";

/** A running {@link lineServer}. */
export interface LineServer {
  readonly port: number;
  /** The connections still open. */
  readonly sockets: ReadonlySet<net.Socket>;
  /** How many connections it has taken. */
  connections(): number;
  /** Destroys every connection and stops listening. */
  close(): Promise<void>;
}

/**
 * Listens on 127.0.0.1 (a free port); `handle` answers each line a connection sends. The
 * 220 greeting goes at once, or `greetAfter` ms after the connection (never when Infinity).
 */
export async function lineServer(handle: (sock: net.Socket, line: string) => void, greetAfter = 0): Promise<LineServer> {
  const sockets = new Set<net.Socket>();
  let connections = 0;
  const server = net.createServer((sock) => {
    connections++;
    sockets.add(sock);
    sock.on("close", () => sockets.delete(sock));
    sock.on("error", () => undefined);
    if (greetAfter === 0) sock.write("220 mx.test ESMTP\r\n");
    else if (Number.isFinite(greetAfter)) {
      const timer = setTimeout(() => sock.write("220 mx.test ESMTP\r\n"), greetAfter);
      sock.on("close", () => clearTimeout(timer));
    }
    onLines(sock, (line) => handle(sock, line));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    sockets,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/** A running {@link acceptingServer}. */
export interface AcceptingServer {
  readonly port: number;
  /** Each MAIL line received, in order. */
  readonly mails: string[];
  /** How many connections it has taken. */
  connections(): number;
  /** Destroys every connection and stops listening. */
  close(): Promise<void>;
}

/**
 * A {@link lineServer} that accepts everything in lock-step (no extensions: EHLO gets a
 * plain 250), answers QUIT with 221 and a close (or hands it to `quit`), and records each
 * MAIL line. `endOfData` is its reply to the end of a message.
 */
export async function acceptingServer(quit: (sock: net.Socket) => void = (sock) => sock.end("221 bye\r\n"), endOfData = "250 queued"): Promise<AcceptingServer> {
  const mails: string[] = [];
  const inData = new WeakSet<net.Socket>();
  const server = await lineServer((sock, line) => {
    if (inData.has(sock)) {
      if (line === ".") { inData.delete(sock); sock.write(`${endOfData}\r\n`); }
      return;
    }
    const verb = line.split(/[ :]/)[0]!.toUpperCase();
    if (verb === "MAIL") mails.push(line);
    if (verb === "DATA") { inData.add(sock); sock.write("354 go\r\n"); }
    else if (verb === "QUIT") quit(sock);
    else sock.write("250 ok\r\n");
  });
  return { port: server.port, mails, connections: server.connections, close: server.close };
}

/** A server that greets `delay` ms after accepting (or never), then answers every command, recording each line. */
export async function slowGreeter(delay: number): Promise<{ port: number; lines: string[]; connections(): number; open(): number; close(): Promise<void> }> {
  const lines: string[] = [];
  const server = await lineServer((sock, line) => {
    if (lines.at(-1) === "DATA" && line !== ".") return;
    lines.push(line);
    const verb = line.split(" ")[0]!.toUpperCase();
    if (verb === "EHLO") sock.write("250-slow.test\r\n250 PIPELINING\r\n");
    else if (verb === "DATA") sock.write("354 go\r\n");
    else if (verb === "QUIT") sock.end("221 bye\r\n");
    else sock.write("250 ok\r\n");
  }, delay);
  return { port: server.port, lines, connections: server.connections, open: () => server.sockets.size, close: server.close };
}
