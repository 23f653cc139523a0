/**
 * The misbehaving SMTP server of the soak (`soak.ts`), in the soak's own process: it offers
 * PIPELINING, answers in order, and does what each recipient's local part says, so that
 * one run goes through every kind of event a long-running sender meets:
 *
 * - `ok…`: accepted; `refuse…`: 550 at RCPT;
 * - `busy…`: 421 at RCPT, and the connection closed (RFC 5321 §3.8);
 * - `stall…`: the end of data, and anything after it, is never answered (the client's
 *   `dataTermination` times out);
 * - `hang…`: the connection is destroyed when the end of data arrives;
 * - `slow…`: the end of data is answered after {@link SLOW_MS} (time for a caller to abort);
 * - `pause…`: the server stops reading once DATA is answered (a large message's writes stall
 *   until the client's `dataBlock` timeout), and hangs up a second later.
 *
 * `restart()` ends every connection and listens again on the same port (a server restart).
 * Not a test helper: it checks nothing, and is run by hand (see bench/README.md, "Soak").
 * @module
 */
import net from "node:net";
import { onLines } from "../test/helpers/lines.js";

/** How long a `slow…` recipient's end of data waits for its reply, ms. */
export const SLOW_MS = 30;

/** A running soak server. */
export interface SoakServer {
  readonly port: number;
  /** Connections open at the server right now. */
  open(): number;
  /** Connections it has taken since it started. */
  accepted(): number;
  /** Ends every connection, stops listening, and listens again on the same port. */
  restart(): Promise<void>;
  /** Ends every connection and stops listening (connections are refused until {@link up}). */
  down(): Promise<void>;
  /** Listens again on the same port after {@link down}. */
  up(): Promise<void>;
  /** Ends every connection and stops listening. */
  close(): Promise<void>;
}

interface Session {
  readonly sock: net.Socket;
  inData: boolean;
  /** A `stall…` end of data came (or a `pause…` DATA): nothing more is answered. */
  stalled: boolean;
  /** A `pause…` recipient was accepted: the socket stops being read after DATA. */
  paused: boolean;
  /** What the end of data does, from the transaction's recipients. */
  end: "ok" | "stall" | "hang" | "slow";
  /** Replies in order: each line's reply waits for the ones before it (a `slow` end of data). */
  chain: Promise<void>;
}

function endOf(rcpt: string): Session["end"] | undefined {
  if (rcpt.startsWith("stall")) return "stall";
  if (rcpt.startsWith("hang")) return "hang";
  if (rcpt.startsWith("slow")) return "slow";
  return undefined;
}

function answer(s: Session, line: string): Promise<void> | void {
  const { sock } = s;
  if (sock.destroyed || s.stalled) return;
  if (s.inData) {
    if (line !== ".") return;
    s.inData = false;
    const end = s.end;
    s.end = "ok";
    if (end === "stall") {
      s.stalled = true;
      return;
    }
    if (end === "hang") {
      sock.destroy();
      return;
    }
    if (end === "slow") return new Promise<void>((resolve) => setTimeout(() => {
      if (!sock.destroyed) sock.write("250 2.0.0 queued slowly\r\n");
      resolve();
    }, SLOW_MS));
    sock.write("250 2.0.0 queued\r\n");
    return;
  }
  const verb = line.slice(0, 4).toUpperCase();
  if (verb === "EHLO") sock.write("250-soak.test\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 ENHANCEDSTATUSCODES\r\n");
  else if (verb === "HELO") sock.write("250 soak.test\r\n");
  else if (verb === "MAIL") {
    s.end = "ok";
    sock.write("250 2.1.0 ok\r\n");
  } else if (verb === "RCPT") {
    const rcpt = /<([^>]*)>/.exec(line)?.[1] ?? "";
    if (rcpt.startsWith("refuse")) sock.write("550 5.1.1 no such user\r\n");
    else if (rcpt.startsWith("busy")) sock.end("421 4.3.2 shutting down\r\n");
    else {
      s.end = endOf(rcpt) ?? s.end;
      if (rcpt.startsWith("pause")) s.paused = true;
      sock.write("250 2.1.5 ok\r\n");
    }
  } else if (verb === "DATA") {
    s.inData = true;
    sock.write("354 go ahead\r\n");
    if (s.paused) {
      s.stalled = true;
      sock.pause();
      // As a server's own timeout would: else each such connection stays open at this end.
      setTimeout(() => sock.destroy(), 1000).unref();
    }
  } else if (verb === "QUIT") sock.end("221 2.0.0 bye\r\n");
  else if (verb === "RSET" || verb === "NOOP") sock.write("250 2.0.0 ok\r\n");
  else sock.write("502 5.5.1 not here\r\n");
}

/** Starts a soak server on 127.0.0.1 (a free port); `silent`: it never greets (the client's `greeting` times out). */
export async function startSoakServer(silent = false): Promise<SoakServer> {
  const sockets = new Set<net.Socket>();
  let accepted = 0;
  const onConnection = (sock: net.Socket): void => {
    accepted++;
    sockets.add(sock);
    sock.on("close", () => sockets.delete(sock));
    sock.on("error", () => undefined);
    const s: Session = { sock, inData: false, stalled: false, paused: false, end: "ok", chain: Promise.resolve() };
    onLines(sock, (line) => {
      s.chain = s.chain.then(() => answer(s, line));
    });
    if (!silent) sock.write("220 soak.test ESMTP\r\n");
  };
  let server = net.createServer(onConnection);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as net.AddressInfo).port;
  const stop = (): Promise<void> => new Promise<void>((resolve) => {
    for (const s of sockets) s.destroy();
    server.close(() => resolve());
  });
  const up = async (): Promise<void> => {
    server = net.createServer(onConnection);
    await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  };
  return {
    port,
    open: () => sockets.size,
    accepted: () => accepted,
    restart: async () => {
      await stop();
      await up();
    },
    down: stop,
    up,
    close: stop,
  };
}
