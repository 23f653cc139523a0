/**
 * A small SMTP/LMTP peer for TLS tests on 127.0.0.1 (or a Unix socket): plain text with
 * STARTTLS, or TLS from the first byte; it records every command line it reads (with
 * whether the link was encrypted then) and the SNI name of each TLS session. Hooks let a
 * test answer STARTTLS with anything (response injection) or stay silent.
 */

import { createHash, X509Certificate } from "node:crypto";
import net from "node:net";
import tls from "node:tls";
import type { KeyPair } from "../helpers/certs.js";
import { ScramServerExchange } from "../helpers/scram-server.js";

/** How the peer behaves. */
export interface PeerOptions {
  /** Certificate and key for STARTTLS or implicit TLS. */
  readonly keyPair?: KeyPair;
  /** TLS from the first byte (like port 465). */
  readonly implicit?: boolean;
  /** Advertise STARTTLS in the EHLO reply (default: when `keyPair` is set and not implicit). */
  readonly offerStarttls?: boolean;
  /** Bytes to send in reply to STARTTLS, in one write (default `220 go\r\n`). */
  readonly starttlsReply?: string;
  /** Bytes sent in a separate write right after the STARTTLS reply, before the handshake. */
  readonly injectAfterStarttls?: string;
  /** Speak LMTP: LHLO, one reply per recipient after the data. */
  readonly lmtp?: boolean;
  /** Listen on this Unix socket path instead of TCP. */
  readonly path?: string;
  /** Wait this long before the greeting (ms). */
  readonly greetingDelay?: number;
  /** Never greet, never answer (a silent peer that is not TLS either). */
  readonly silent?: boolean;
  /** Require a client certificate issued by this CA (PEM), over implicit TLS and STARTTLS. */
  readonly clientCa?: string;
  /** Highest TLS version the peer accepts (default Node's, TLS 1.3). */
  readonly maxVersion?: tls.SecureVersion;
  /**
   * Offer SCRAM-SHA-256 (and SCRAM-SHA-256-PLUS over TLS when `offerPlus`) instead of
   * PLAIN LOGIN, and check each exchange (see test/helpers/scram-server.ts). The peer's
   * channel binding is its own TLS 1.3 exporter, under `bindingLabel` (default the RFC 9266
   * label; another one plays a man in the middle whose TLS session differs). With
   * `plainRefusal` a failed exchange gets a bare 535 instead of an `e=` server-final message.
   * With `endPointHash` it also takes RFC 5929 `tls-server-end-point`: that hash of its own
   * certificate (`keyPair.cert`), as the test computes it; without, it refuses that type.
   */
  readonly scram?: { readonly password: string; readonly offerPlus: boolean; readonly bindingLabel?: string; readonly plainRefusal?: boolean; readonly endPointHash?: string };
  /**
   * A reply (CRLF included) to send instead of the greeting or of the EHLO/LHLO
   * capabilities, by the connection's number (0 for the first accepted) and whether the
   * link is TLS then; `undefined` keeps the usual one. After a 421 the peer closes.
   */
  readonly replyInstead?: (step: "greeting" | "ehlo", connection: number, secure: boolean) => string | undefined;
}

/** What a test reads back. */
export interface Peer {
  readonly port: number;
  readonly path: string | undefined;
  /** Every command line read, `"[tls] "`-prefixed when it came over TLS, in order. */
  readonly commands: string[];
  /** The SNI name of each completed TLS session (`false` when the client sent none). */
  readonly servernames: (string | false)[];
  /** Every SNI name seen in a ClientHello, whether or not the handshake completed. */
  readonly sniSeen: string[];
  /** With `scram`: each exchange's gs2 header and mechanism, then how it ended (`v=` or `e=...`). */
  readonly scramLog: string[];
  /** Resolves once `n` TLS handshakes have completed on the server side (or after 5 s). */
  waitHandshakes(n: number): Promise<void>;
  /** Number of TLS handshakes completed. */
  readonly handshakes: () => number;
  /** Number of TCP connections accepted. */
  readonly connections: () => number;
  /** Closes the listener and every connection. */
  close(): Promise<void>;
}

/** Starts a peer. */
export async function startPeer(options: PeerOptions = {}): Promise<Peer> {
  const commands: string[] = [];
  const servernames: (string | false)[] = [];
  const sniSeen: string[] = [];
  const scramLog: string[] = [];
  const waiters: (() => void)[] = [];
  const sockets = new Set<net.Socket>();
  /** Raw TCP sockets of an implicit-TLS listener whose handshake has not completed, by remote port. */
  const unwrapped = new Map<number | undefined, net.Socket>();
  let handshakes = 0;
  let connections = 0;
  const versions = options.maxVersion === undefined ? {} : { maxVersion: options.maxVersion };
  const clientCerts = options.clientCa === undefined ? {} : { ca: options.clientCa };
  const requireCert = options.clientCa === undefined ? {} : { requestCert: true, rejectUnauthorized: true };
  const context = options.keyPair ? tls.createSecureContext({ key: options.keyPair.key, cert: options.keyPair.cert, ...versions, ...clientCerts }) : undefined;
  const SNICallback = (name: string, cb: (err: Error | null, ctx?: tls.SecureContext) => void): void => {
    sniSeen.push(name);
    cb(null, context);
  };
  const onSecure = (s: tls.TLSSocket): void => {
    handshakes++;
    servernames.push(s.servername ?? false);
    for (const wake of waiters.splice(0)) wake();
  };

  let served = 0;
  const serve = (sock: net.Socket, secure: boolean): void => {
    const connection = served++;
    sockets.add(sock);
    sock.on("error", () => undefined);
    if (options.silent) return;
    const session = new Session(sock, secure, connection, options, commands, scramLog, (plain) => {
      if (!context) throw new Error("STARTTLS without a key pair");
      const secured = new tls.TLSSocket(plain, { isServer: true, secureContext: context, SNICallback, ...requireCert });
      // Only the TLS socket is closed from here on: destroying the wrapped socket under a
      // live server-side TLSSocket crashes Node 20 (SIGSEGV) when the peer closes too.
      sockets.delete(plain);
      sockets.add(secured);
      secured.on("error", () => undefined);
      secured.on("secure", () => onSecure(secured));
      return secured;
    });
    const greet = (): void => {
      if (sock.destroyed) return;
      const instead = options.replyInstead?.("greeting", connection, secure);
      if (instead?.startsWith("421")) sock.end(instead);
      else sock.write(instead ?? (options.lmtp ? "220 peer LMTP ready\r\n" : "220 peer ESMTP ready\r\n"));
    };
    void session;
    if (options.greetingDelay) setTimeout(greet, options.greetingDelay);
    else greet();
  };

  const server: net.Server = options.implicit
    ? tls.createServer({ key: options.keyPair!.key, cert: options.keyPair!.cert, SNICallback, ...versions, ...clientCerts, ...requireCert }, (s) => {
        unwrapped.delete(s.remotePort);
        onSecure(s);
        serve(s, true);
      })
    : net.createServer((s) => serve(s, false));
  server.on("connection", (s: net.Socket) => {
    connections++;
    if (!options.implicit) return; // plain sockets are tracked by serve()
    unwrapped.set(s.remotePort, s);
    s.on("error", () => undefined);
  });
  server.on("tlsClientError", () => undefined);
  await new Promise<void>((resolve) => {
    if (options.path !== undefined) server.listen(options.path, resolve);
    else server.listen(0, "127.0.0.1", resolve);
  });
  const address = server.address();
  return {
    port: typeof address === "object" && address !== null ? address.port : 0,
    path: options.path,
    commands,
    servernames,
    sniSeen,
    scramLog,
    waitHandshakes: async (n) => {
      const deadline = Date.now() + 5000;
      while (handshakes < n && Date.now() < deadline) {
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    },
    handshakes: () => handshakes,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => {
      for (const s of [...sockets, ...unwrapped.values()]) s.destroy();
      server.close(() => resolve());
    }),
  };
}

/** One connection's command loop. */
class Session {
  #sock: net.Socket;
  #secure: boolean;
  readonly #connection: number;
  #buffer = "";
  #inData = false;
  #recipients = 0;
  readonly #options: PeerOptions;
  readonly #commands: string[];
  readonly #scramLog: string[];
  /** The next AUTH line's handler while a SCRAM exchange runs. */
  #auth: ((line: string) => void) | null = null;
  readonly #upgrade: (plain: net.Socket) => tls.TLSSocket;
  readonly #onData = (chunk: Buffer): void => this.#feed(chunk.toString("latin1"));

  constructor(sock: net.Socket, secure: boolean, connection: number, options: PeerOptions, commands: string[], scramLog: string[], upgrade: (plain: net.Socket) => tls.TLSSocket) {
    this.#sock = sock;
    this.#secure = secure;
    this.#connection = connection;
    this.#options = options;
    this.#commands = commands;
    this.#scramLog = scramLog;
    this.#upgrade = upgrade;
    sock.on("data", this.#onData);
  }

  #feed(text: string): void {
    this.#buffer += text;
    let i: number;
    while ((i = this.#buffer.indexOf("\r\n")) !== -1) {
      const line = this.#buffer.slice(0, i);
      this.#buffer = this.#buffer.slice(i + 2);
      if (this.#inData) {
        if (line === ".") {
          this.#inData = false;
          const n = this.#options.lmtp ? Math.max(this.#recipients, 1) : 1;
          this.#write("250 2.0.0 queued\r\n".repeat(n));
        }
        continue;
      }
      if (this.#command(line)) return;
    }
  }

  #write(text: string): void {
    if (!this.#sock.destroyed) this.#sock.write(text);
  }

  /** Handles one command line; true when the link was handed to TLS. */
  #command(line: string): boolean {
    this.#commands.push(this.#secure ? `[tls] ${line}` : line);
    if (this.#auth !== null) {
      this.#auth(line);
      return false;
    }
    const verb = line.split(" ")[0]!.toUpperCase();
    const o = this.#options;
    if (verb === "AUTH" && o.scram !== undefined) {
      this.#scram(line);
    } else if (verb === "EHLO" || verb === "LHLO") {
      const instead = o.replyInstead?.("ehlo", this.#connection, this.#secure);
      if (instead !== undefined) {
        if (instead.startsWith("421")) this.#sock.end(instead);
        else this.#write(instead);
        return false;
      }
      const offer = !this.#secure && (o.offerStarttls ?? (o.keyPair !== undefined && !o.implicit));
      const auth = o.scram === undefined ? "AUTH PLAIN LOGIN" : `AUTH SCRAM-SHA-256${o.scram.offerPlus && this.#secure ? " SCRAM-SHA-256-PLUS" : ""}`;
      const caps = ["peer", "PIPELINING", auth, ...(offer ? ["STARTTLS"] : []), "SIZE 1000000"];
      this.#write(caps.map((c, k) => `250${k === caps.length - 1 ? " " : "-"}${c}\r\n`).join(""));
    } else if (verb === "STARTTLS") {
      return this.#starttls();
    } else if (verb === "MAIL") {
      this.#recipients = 0;
      this.#write("250 2.1.0 ok\r\n");
    } else if (verb === "RCPT") {
      this.#recipients++;
      this.#write("250 2.1.5 ok\r\n");
    } else if (verb === "DATA") {
      this.#inData = true;
      this.#write("354 go ahead\r\n");
    } else if (verb === "QUIT") {
      this.#write("221 bye\r\n");
      this.#sock.end();
    } else {
      const replies: Record<string, string> = { HELO: "250 peer", AUTH: "235 2.7.0 authenticated", RSET: "250 ok", NOOP: "250 ok" };
      this.#write(`${replies[verb] ?? "500 unrecognised"}\r\n`);
    }
    return false;
  }

  /** One SCRAM exchange: AUTH with an initial response, the proof, then the client's empty line. */
  #scram(line: string): void {
    const o = this.#options.scram!;
    const [, mechanism, initial] = line.split(" ");
    const exchange = new ScramServerExchange({ password: o.password, offersPlus: o.offerPlus && this.#secure });
    const decode = (text: string): string => Buffer.from(text, "base64").toString("utf8");
    const challenge = (text: string): void => this.#write(`334 ${Buffer.from(text).toString("base64")}\r\n`);
    const end = (outcome: string): void => {
      this.#scramLog.push(`${mechanism} ${exchange.gs2Header} ${outcome}`);
      this.#auth = null;
      this.#write(outcome.startsWith("v=") ? "235 2.7.0 authenticated\r\n" : `535 5.7.8 ${outcome}\r\n`);
    };
    const first = exchange.first(decode(initial ?? ""));
    if (first.startsWith("e=")) return end(first);
    challenge(first);
    this.#auth = (clientFinal) => {
      const sock = this.#sock;
      const binding = sock instanceof tls.TLSSocket && sock.getProtocol() === "TLSv1.3"
        ? sock.exportKeyingMaterial(32, o.bindingLabel ?? "EXPORTER-Channel-Binding", Buffer.alloc(0))
        : null;
      const endPoint = o.endPointHash === undefined ? undefined
        : sock instanceof tls.TLSSocket ? createHash(o.endPointHash).update(new X509Certificate(this.#options.keyPair!.cert).raw).digest() : null;
      const plus = mechanism === "SCRAM-SHA-256-PLUS";
      const final = exchange.final(decode(clientFinal), plus ? binding : null, plus ? endPoint : null);
      if (final.startsWith("e=")) {
        // As many servers do (`plainRefusal`): a bare 535, no server-final message.
        if (o.plainRefusal) return end(final);
        // RFC 5802: the error goes in server-final; the client then cancels with "*".
        challenge(final);
        this.#auth = () => end(final);
        return;
      }
      challenge(final);
      this.#auth = () => end(final.slice(0, 2));
    };
  }

  #starttls(): boolean {
    const o = this.#options;
    if (this.#secure) {
      this.#write("503 already in TLS\r\n");
      return false;
    }
    const reply = o.starttlsReply ?? "220 go\r\n";
    this.#write(reply);
    if (!reply.startsWith("220")) return false;
    const plain = this.#sock;
    plain.off("data", this.#onData);
    if (o.injectAfterStarttls !== undefined) {
      // A separate segment: let the 220 leave first.
      plain.setNoDelay(true);
      setImmediate(() => plain.write(o.injectAfterStarttls!, () => this.#secureNow(plain)));
    } else {
      this.#secureNow(plain);
    }
    return true;
  }

  #secureNow(plain: net.Socket): void {
    this.#buffer = "";
    const secured = this.#upgrade(plain);
    this.#sock = secured;
    this.#secure = true;
    secured.on("data", this.#onData);
  }
}

/** Runs `fn` against a fresh peer and always closes it. */
export async function withPeer(options: PeerOptions, fn: (peer: Peer) => Promise<void>): Promise<void> {
  const peer = await startPeer(options);
  try {
    await fn(peer);
  } finally {
    await peer.close();
  }
}
