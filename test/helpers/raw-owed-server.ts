/**
 * A small SMTP/LMTP server for the tests of a transaction made while a raw `send()`'s reply
 * is unread: it answers every line in order, as a real server does, and can hold back its
 * reply to the raw line (a `NOOP` or an `XYZZY`) until the client writes a MAIL (a client
 * that writes its transaction without waiting for that reply then has its MAIL's slot open
 * before the raw line's reply comes) or, when none comes, a moment later.
 */

import net from "node:net";
import { LMTP, SMTP, type SMTPOptions } from "../../src/index.js";
import { LOCAL } from "./client.js";
import { onCommands } from "./lines.js";

/** How the {@link rawOwedServer} behaves. */
export interface RawOwedOptions {
  /** "lmtp": LHLO, and a reply per accepted recipient after the data. */
  dialect: "smtp" | "lmtp";
  /** The extensions it advertises (PIPELINING, CHUNKING). */
  extensions: readonly string[];
  /** Its reply to the end of data: the message accepted (250) or refused (554). */
  end: 250 | 554;
  /**
   * Held back until a MAIL comes (or {@link RAW_GRACE_MS}), with every reply after it: true, the
   * reply to the first raw line (`NOOP`, `XYZZY`); a verb, the reply to the first line with it;
   * "end-rest", the replies to an end of data after its first (LMTP). So a reply to a raw line
   * is still due when the transaction starts.
   */
  holdRaw: boolean | "XYZZY" | "end-rest";
  /** Never answers the raw line (a server that lost it). */
  silentRaw?: boolean;
}

/** The replies to the raw lines: `NOOP` gets a 250, `XYZZY` a 500. */
export const RAW_REPLIES: Readonly<Record<string, string>> = { NOOP: "250 2.0.0 raw noop ok", XYZZY: "500 5.5.2 raw line unknown" };

/**
 * How long a held raw reply waits for a MAIL before it goes anyway: a client that waits for
 * that reply writes no MAIL before it. Not a bound anything is checked against.
 */
const RAW_GRACE_MS = 50;

/** A running {@link rawOwedServer}. */
export interface RawOwedServer {
  readonly port: number;
  /** Every command line received, in order (the data's lines not included). */
  readonly lines: string[];
  close(): Promise<void>;
}

/** Starts the server on 127.0.0.1 (a free port). */
export async function rawOwedServer(options: RawOwedOptions): Promise<RawOwedServer> {
  const sockets = new Set<net.Socket>();
  const lines: string[] = [];
  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on("close", () => sockets.delete(sock));
    sock.on("error", () => undefined);
    serve(sock, options, lines);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    lines,
    close: () => new Promise<void>((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/**
 * Runs `fn` with a client (LMTP for `options.dialect` "lmtp", else SMTP; `localHostname:
 * LOCAL`, `timeout: 5000` and `clientOptions`) connected to a fresh {@link rawOwedServer},
 * and closes both.
 */
export async function withRawOwedClient(options: RawOwedOptions, fn: (client: SMTP, server: RawOwedServer) => Promise<void>, clientOptions: SMTPOptions = {}): Promise<void> {
  const server = await rawOwedServer(options);
  let client: SMTP | undefined;
  try {
    client = await (options.dialect === "lmtp" ? LMTP : SMTP).connect("127.0.0.1", server.port, { localHostname: LOCAL, timeout: 5000, ...clientOptions });
    await fn(client, server);
  } finally {
    client?.close();
    await server.close();
  }
}

/** One connection: replies written in order; while the raw reply is held, the later ones wait behind it. */
function serve(sock: net.Socket, options: RawOwedOptions, lines: string[]): void {
  const out: string[] = [];
  let gate: NodeJS.Timeout | undefined;
  let held = false;
  const flush = (): void => {
    if (held || out.length === 0) return;
    sock.write(out.join(""));
    out.length = 0;
  };
  const release = (): void => {
    clearTimeout(gate);
    held = false;
    flush();
  };
  /** The next reply and those after it wait (see `holdRaw`), once. */
  let holdOnce = options.holdRaw !== false;
  const holdNext = (): void => {
    if (!holdOnce) return;
    holdOnce = false;
    held = true;
    gate = setTimeout(release, RAW_GRACE_MS);
  };
  const reply = (...texts: string[]): void => {
    for (const t of texts) out.push(`${t}\r\n`);
    flush();
  };
  sock.on("close", () => clearTimeout(gate));
  let inData = false;
  let accepted = 0;
  const endReplies = (): string[] => {
    const text = options.end === 250 ? "250 2.0.0 queued" : "554 5.7.1 rejected";
    return options.dialect === "lmtp" ? Array.from({ length: Math.max(accepted, 1) }, () => text) : [text];
  };
  let lastChunk = false;
  const ended = (): void => {
    const [first, ...rest] = endReplies();
    reply(first!);
    if (options.holdRaw === "end-rest" && rest.length > 0) holdNext();
    reply(...rest);
    accepted = 0;
  };
  reply("220 mx.test ESMTP");
  onCommands(sock, (line) => {
    if (inData) {
      if (line === ".") {
        inData = false;
        ended();
      }
      return;
    }
    lines.push(line);
    const verb = line.split(" ")[0]!.toUpperCase();
    if (verb === "MAIL" && held) release();
    if (verb === "EHLO" || verb === "LHLO") {
      const ext = ["mx.test", ...options.extensions];
      reply(...ext.map((e, i) => `250${i === ext.length - 1 ? " " : "-"}${e}`));
    } else if (RAW_REPLIES[verb] !== undefined) {
      if (options.silentRaw) return;
      if (options.holdRaw === true || options.holdRaw === verb) holdNext();
      reply(RAW_REPLIES[verb]);
    } else if (verb === "MAIL") {
      accepted = 0;
      reply("250 2.1.0 sender ok");
    } else if (verb === "RCPT") {
      accepted++;
      reply("250 2.1.5 rcpt ok");
    } else if (verb === "DATA") {
      inData = true;
      reply("354 go ahead");
    } else if (verb === "BDAT") {
      lastChunk = /\sLAST\s*$/i.test(line);
    } else if (verb === "RSET") {
      accepted = 0;
      reply("250 2.0.0 reset");
    } else if (verb === "QUIT") {
      reply("221 2.0.0 bye");
      sock.end();
    } else reply("500 5.5.1 unknown command");
  }, {
    chunkEnd: () => {
      if (lastChunk) ended();
      else reply("250 2.0.0 chunk ok");
    },
  });
}
