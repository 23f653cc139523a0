/**
 * A connected socket (opened by socket-open.ts, plain ones read by direct-reader.ts): a
 * STARTTLS upgrade; writes with back-pressure, coalescing and a stall timeout. It knows
 * nothing of SMTP: bytes in, bytes out.
 * @module
 */

import type * as net from "node:net";
import * as tls from "node:tls";
import { SMTPException, SMTPServerDisconnected, SMTPTimeoutError, timedOutAfter } from "../errors.js";
import { DirectReader } from "./direct-reader.js";
import { serverEndPointBinding } from "./server-end-point.js";
import { connectSocket, handshake, tlsOptionsFor, type OpenOptions } from "./socket-open.js";
import type { DiagnosedOptions } from "./tls-diagnostics.js";
import { diagnosePlainTextPeer } from "./tls-probe.js";
import { connectChannel, sendChannel } from "./trace.js";
import { endpoint } from "./endpoint.js";
import type { TLSInfo } from "./tls-info.js";

/** What the connection reports to its user. */
export interface ConnectionEvents {
  /** Bytes arrived. */
  data(chunk: Buffer): void;
  /** The socket closed; `error` is the socket error that closed it, if any. */
  close(error: Error | undefined): void;
}

export type { TLSInfo } from "./tls-info.js";

/** True for 127.0.0.0/8, ::1 and IPv4-mapped loopback addresses. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (!address) return false;
  return address === "::1" || /^(::ffff:)?127\./.test(address);
}

/** Up to this many bytes of coalesced writes are joined into one buffer; more are corked. */
const JOIN_LIMIT = 64 * 1024;

/** A connected socket. */
export class Connection {
  #socket: net.Socket;
  readonly #events: ConnectionEvents;
  readonly #owner: object;
  /** The host, or the Unix socket's path. */
  readonly #host: string;
  /** True for a Unix socket: there is no host name to check a certificate against. */
  readonly #isPath: boolean;
  /** True for a socket from `socketFactory`: its peer (a proxy) is not the server. */
  readonly #supplied: boolean;
  /**
   * True once this connection started TLS (implicit or STARTTLS): a socket from
   * `socketFactory` may be TLS to a proxy, which says nothing of the link to the server.
   */
  #ownTLS: boolean;
  readonly #port: number;
  #closed = false;
  /** Coalesced writes waiting for the end of the tick (see {@link Connection.write}). */
  #pending: Buffer[] | null = null;
  #pendingBytes = 0;
  readonly #flushPending = (): void => this.flush();
  readonly #onData = (chunk: Buffer): void => this.#events.data(chunk);
  /** How the plain socket is read; `null` once TLS is up (TLS sockets emit `data`). */
  #reader: DirectReader | null;
  /** Removes the listeners {@link Connection.#attach} put on the current socket. */
  #detach: () => void = () => undefined;
  /** The caller's TLS options of the TLS in use (implicit, or STARTTLS once upgraded): what an alert after the handshake is diagnosed with. */
  tlsOptions: DiagnosedOptions | undefined;

  private constructor(
    socket: net.Socket, reader: DirectReader | null, events: ConnectionEvents, owner: object,
    target: { host: string; port: number; isPath: boolean; supplied: boolean; tls: boolean },
  ) {
    this.#socket = socket;
    this.#reader = reader;
    this.#events = events;
    this.#owner = owner;
    this.#host = target.host;
    this.#isPath = target.isPath;
    this.#supplied = target.supplied;
    this.#ownTLS = target.tls;
    this.#port = target.port;
    this.#attach(socket);
  }

  /**
   * Connects. Resolves once TCP (and, for implicit TLS, the handshake) is up.
   * @throws SMTPTimeoutError (phase `connect`), SMTPConnectError (refused, unreachable,
   * with the socket error as `cause`), SMTPException (TLS failures, with a diagnosis),
   * or the signal's reason when aborted.
   */
  static async open(options: OpenOptions, events: ConnectionEvents): Promise<Connection> {
    const { host, port, path, owner } = options;
    connectChannel.publish({ client: owner, host: path ?? host, port });
    options.signal?.throwIfAborted();
    // net's `onread` works only for sockets net.connect creates: a supplied one emits `data`.
    const supplied = options.socketFactory !== undefined;
    const reader = options.implicitTLS === undefined && !supplied ? new DirectReader() : null;
    // SMTP_SSL answered in plain text: an SMTP port, or no SMTP server at all (a second look)
    const socket = await connectSocket(options, reader).catch((err: unknown) => diagnosePlainTextPeer(err, options));
    const connection = new Connection(socket, reader, events, owner, {
      host: path ?? host, port, isPath: path !== undefined, supplied, tls: options.implicitTLS !== undefined,
    });
    connection.tlsOptions = options.implicitTLS;
    return connection;
  }

  /** The socket when it is TLS this connection started, else `null`. */
  get #tlsSocket(): tls.TLSSocket | null {
    return this.#ownTLS && this.#socket instanceof tls.TLSSocket ? this.#socket : null;
  }

  /** True once the link is TLS-encrypted. */
  get encrypted(): boolean {
    return this.#tlsSocket?.encrypted === true;
  }

  /**
   * True when the peer is a loopback address or a Unix socket. Never for a socket from
   * `socketFactory`: a proxy on loopback may relay to any server.
   */
  get loopback(): boolean {
    if (this.#supplied) return false;
    const addr = this.#socket.remoteAddress;
    return addr === undefined ? this.#socket.remoteFamily === undefined : isLoopbackAddress(addr);
  }

  /**
   * This end's IP address; `undefined` for a Unix socket and for a socket from
   * `socketFactory` (its local end faces a proxy, not the server).
   */
  get localAddress(): string | undefined {
    return this.#supplied ? undefined : this.#socket.localAddress;
  }

  /** TLS details, or `null` on a plain link. */
  get tlsInfo(): TLSInfo | null {
    const s = this.#tlsSocket;
    if (s === null) return null;
    const info: TLSInfo = { protocol: s.getProtocol(), cipher: s.getCipher(), peerCertificate: s.getPeerCertificate(), authorized: s.authorized };
    // Node's code ("CERT_HAS_EXPIRED"), typed as an Error; set only when not authorized.
    if (!s.authorized && s.authorizationError !== undefined && s.authorizationError !== null) info.authorizationError = String(s.authorizationError);
    return info;
  }

  /**
   * The RFC 9266 `tls-exporter` channel binding: 32 bytes of the TLS exporter with label
   * "EXPORTER-Channel-Binding" and an empty context. `null` unless TLS 1.3 is up: under
   * TLS 1.2 that binding is only safe with the extended master secret, which Node does
   * not report.
   */
  tlsExporterBinding(): Buffer | null {
    const s = this.#tlsSocket;
    if (s === null || !s.encrypted || s.getProtocol() !== "TLSv1.3") return null;
    return s.exportKeyingMaterial(32, "EXPORTER-Channel-Binding", Buffer.alloc(0));
  }

  /**
   * The RFC 5929 `tls-server-end-point` channel binding: the hash of the server's
   * certificate (see `serverEndPointBinding`). `null` on a plain link, without a server
   * certificate, or for a certificate whose signature names no single hash (Ed25519).
   */
  tlsServerEndPointBinding(): Buffer | null {
    const s = this.#tlsSocket;
    if (s === null || !s.encrypted) return null;
    // Not getPeerX509Certificate(): on Node 20 a second call of it returns undefined.
    const der = (s.getPeerCertificate() as Partial<tls.PeerCertificate>).raw;
    return der === undefined ? null : serverEndPointBinding(der);
  }

  /** True after close() or once the socket has gone (see {@link Connection.#attach}). */
  get closed(): boolean {
    return this.#closed;
  }

  /** Stops reading (used between a STARTTLS 220 and the handshake). */
  pause(): void {
    if (this.#reader !== null) this.#reader.pause();
    else this.#socket.pause();
  }

  /**
   * Writes bytes; publishes `smtplib.send` first. Returns false when the caller should
   * wait for {@link Connection.drain} before writing more.
   *
   * With `coalesce` (pipelining) the bytes are held until the end of the tick (or the next
   * {@link Connection.flush}), so that everything written in one tick (the end of one
   * message and the next transaction's commands) leaves in one socket write: joined into
   * one buffer when small, corked into one writev when large. Without it, held bytes go
   * first and then these, at once, and `written` (if given) is called once, when the
   * socket no longer holds `data`: before this returns when the socket took it all at
   * once (the usual case while the system's buffer has room), else as the write's
   * callback, with its error if it failed.
   */
  write(data: Buffer, coalesce = false, written?: (err?: Error | null) => void): boolean {
    if (coalesce) {
      if (this.#pending === null) process.nextTick(this.#flushPending);
      this.hold(data);
      return true; // held bytes ask for no wait: drain() sends them first
    }
    this.#publish(data);
    this.flush();
    const socket = this.#socket;
    if (written === undefined) return socket.write(data);
    // A write the system took at once completes before socket.write returns, but its
    // callback waits for the next tick, which a body stream's chunks (promises) can put
    // off for a long time: nothing queued means these bytes are gone, so say so now.
    let told = false;
    const ok = socket.write(data, (err) => {
      if (!told) written(err);
    });
    if (socket.writableLength === 0 && !socket.destroyed) {
      told = true;
      written();
    }
    return ok;
  }

  /**
   * Holds bytes for the {@link Connection.flush} that the caller makes before it returns
   * (a group written at once: its parts leave in one write, with no end-of-tick callback).
   */
  hold(data: Buffer): void {
    this.#publish(data);
    if (this.#pending === null) {
      this.#pending = [];
      this.#pendingBytes = 0;
    }
    this.#pending.push(data);
    this.#pendingBytes += data.length;
  }

  /** Refuses a write once closed (a destroyed socket would drop it unsent); publishes `smtplib.send` for every write. */
  #publish(data: Buffer): void {
    if (this.#closed || this.#socket.destroyed) throw new SMTPServerDisconnected("Connection unexpectedly closed");
    if (sendChannel.hasSubscribers) sendChannel.publish({ client: this.#owner, data });
  }

  /** Sends the held (coalesced) writes now. */
  flush(): void {
    const pending = this.#pending;
    if (pending === null) return;
    this.#pending = null;
    const socket = this.#socket;
    if (socket.destroyed) return;
    if (pending.length === 1) socket.write(pending[0]!);
    else if (this.#pendingBytes <= JOIN_LIMIT) socket.write(Buffer.concat(pending, this.#pendingBytes));
    else {
      // Large parts (a message) are not copied just to join them: one corked writev.
      socket.cork();
      for (const part of pending) socket.write(part);
      socket.uncork();
    }
  }

  /**
   * Waits until the socket's write buffer drains.
   * @throws SMTPTimeoutError (phase `dataBlock`) after `timeout` ms without progress.
   */
  drain(timeout: number, signal?: AbortSignal): Promise<void> {
    this.flush();
    const socket = this.#socket;
    if (!socket.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const done = (err?: unknown): void => {
        clearTimeout(timer);
        socket.off("drain", onDrain);
        socket.off("close", onClose);
        signal?.removeEventListener("abort", onAbort);
        if (err === undefined) resolve();
        else reject(err);
      };
      const onDrain = (): void => done();
      const onClose = (): void => done(new SMTPServerDisconnected("Connection unexpectedly closed while writing"));
      const onAbort = (): void => done(signal?.reason);
      const timer = setTimeout(() => {
        const err = new SMTPTimeoutError(timedOutAfter(timeout, `writing to ${endpoint(this.#host, this.#port)}`), "dataBlock", timeout);
        done(err);
        this.destroy(err);
      }, timeout);
      socket.on("drain", onDrain);
      socket.on("close", onClose);
      signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  /**
   * Starts TLS over the open socket (STARTTLS). The certificate is checked against
   * `tls.servername`, else the host connected to (a Unix socket has no name: see
   * {@link tlsOptionsFor}). Bytes that arrived after the caller paused the socket (the
   * STARTTLS reply) are a protocol violation: they are never handed to the TLS layer.
   * @throws SMTPException for such bytes, or with a diagnosis when the handshake fails;
   * SMTPServerDisconnected when the socket has gone; SMTPTimeoutError. The socket is
   * closed on every failure.
   */
  async upgrade(options: tls.ConnectionOptions, timeout: number, signal?: AbortSignal): Promise<void> {
    const raw = this.#socket;
    if (this.#closed || raw.destroyed) {
      throw new SMTPServerDisconnected(`Connection to ${endpoint(this.#host, this.#port)} closed before the TLS handshake`);
    }
    const early = raw.readableLength + (this.#reader?.bytesAfterPause ?? 0);
    if (early > 0) {
      const err = new SMTPException(
        `Protocol violation: ${endpoint(this.#host, this.#port)} sent ${early} bytes after agreeing to start TLS, before the handshake (possible response injection): connection closed`,
      );
      this.destroy();
      throw err;
    }
    // From here the TLS layer reads the socket: nothing of it may reach the reply parser.
    this.#reader?.pause();
    // Only our own listeners: a socket from `socketFactory` may carry its owner's.
    this.#detach();
    raw.on("error", () => undefined); // the TLS socket reports it
    let secure: tls.TLSSocket | undefined;
    try {
      // Inside: tls.connect throws for options Node refuses (a bad minVersion or ca).
      secure = tls.connect({ ...tlsOptionsFor(this.#isPath ? undefined : this.#host, options), socket: raw });
      await handshake(secure, "secureConnect", timeout, signal, this.#host, this.#port, "starttls", options);
      this.tlsOptions = options;
    } catch (err) {
      this.#closed = true;
      secure?.destroy();
      raw.destroy();
      throw err;
    }
    this.#socket = secure;
    this.#ownTLS = true;
    this.#reader = null;
    this.#attach(secure);
  }

  /**
   * Ends the connection gracefully after pending writes (used after QUIT). `within`: ms
   * after which a socket whose pending writes the peer still has not taken (it stopped
   * reading, and keeps the connection open) is destroyed, not left open for ever.
   */
  end(within?: number): void {
    if (this.#closed) return;
    this.flush();
    this.#closed = true;
    this.#socket.end();
    this.#socket.destroySoon();
    if (within !== undefined) this.endWithin(within);
  }

  /** While a graceful {@link end} is under way: resolves once the socket has closed. `null` for a socket not ending. */
  ending(): Promise<void> | null {
    const socket = this.#socket;
    if (!this.#closed || socket.destroyed) return null;
    return new Promise<void>((resolve) => socket.once("close", () => resolve()));
  }

  /**
   * Bounds a graceful {@link end} still under way: a socket whose pending writes the peer
   * has not taken `within` ms from now is destroyed. Nothing for a socket not ending.
   */
  endWithin(within: number): void {
    const socket = this.#socket;
    if (!this.#closed || socket.destroyed) return;
    const timer = setTimeout(() => socket.destroy(), within);
    socket.once("close", () => clearTimeout(timer));
  }

  /** Closes the socket at once. */
  destroy(error?: Error): void {
    if (this.#closed && this.#socket.destroyed) return;
    this.#closed = true;
    this.flush(); // what was written goes out, as without coalescing
    this.#socket.destroy(error);
  }

  #attach(socket: net.Socket): void {
    let lastError: Error | undefined;
    if (this.#reader !== null) this.#reader.receive(this.#onData);
    else socket.on("data", this.#onData);
    // Gone by itself (the server's FIN, an error): told at once, not at the close event a loop
    // turn later, when a write meanwhile (an end of data) would seem handed over. Closed here: then.
    let told = false;
    const onClose = (): void => {
      this.#closed = true;
      if (!told) this.#events.close(lastError);
      told = true;
    };
    const onError = (err: Error): void => { lastError = err; if (socket.destroyed && !this.#closed) onClose(); };
    // The server has closed its side: no reply can come any more. Without this, a socket
    // with writes the server no longer reads (it refused the message and hung up) would
    // wait for them to drain, which never happens, until the data-block timeout.
    const onEnd = (): void => { const gone = !this.#closed; socket.destroy(); if (gone) onClose(); };
    socket.on("error", onError);
    socket.on("end", onEnd);
    socket.on("close", onClose);
    this.#detach = () => {
      socket.off("data", this.#onData);
      socket.off("error", onError);
      socket.off("end", onEnd);
      socket.off("close", onClose);
    };
  }
}
