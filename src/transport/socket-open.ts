/**
 * Opening a socket: TCP, a Unix socket, or TLS from the first byte, with the connect
 * timeout and AbortSignal, every failure mapped to our errors; the TLS options for a host;
 * and the wait for a TLS handshake that a STARTTLS upgrade shares.
 * @module
 */

import * as net from "node:net";
import * as tls from "node:tls";
import { errorCode, SMTPConnectError, SMTPServerDisconnected, SMTPTimeoutError, timedOutAfter } from "../errors.js";
import type { DirectReader } from "./direct-reader.js";
import { describeTLSError, NO_SERVERNAME, type DiagnosedOptions } from "./tls-diagnostics.js";
import { asciiDomain, endpoint } from "./endpoint.js";
import { connectEachAddress } from "./each-address.js";
import { within } from "./within.js";
import { withCheckedContext } from "../option-checks.js";

/** Where and how to connect. */
export interface OpenOptions {
  /** Host name or address; ignored when `path` is set. */
  host: string;
  /** TCP port. */
  port: number;
  /** A Unix socket path instead of TCP (LMTP). */
  path?: string;
  /** TLS options for TLS from the first byte (SMTP_SSL); `undefined` for plain text. */
  implicitTLS?: tls.ConnectionOptions;
  /** Local address and port to bind before connecting. */
  sourceAddress?: { host?: string; port?: number };
  /** Milliseconds to establish the connection (and the implicit TLS handshake). */
  timeout: number;
  /** Aborts the attempt. */
  signal?: AbortSignal;
  /** The client object named in `smtplib.connect` / `smtplib.send` events. */
  owner: object;
  /** Opens the connection instead of a TCP connect (see {@link SocketFactory}); TCP targets only. */
  socketFactory?: SocketFactory;
  /** `false`: no second connection to diagnose a failed implicit-TLS handshake (see `diagnosePlainTextPeer`). */
  diagnoseTLS?: boolean;
}

/** What a {@link SocketFactory} is asked to connect to. */
export interface SocketTarget {
  /** The host given to `connect()`: not looked up here, the factory (or its proxy) resolves it. */
  readonly host: string;
  /** The TCP port. */
  readonly port: number;
  /**
   * Aborted when the connect phase ends without the factory's socket (the connect timeout,
   * or the client's `signal`): the factory may stop then. A socket it gives after that is
   * destroyed.
   */
  readonly signal: AbortSignal;
}

/**
 * Opens a connection instead of a TCP connect (a proxy, a tunnel): resolves to a connected
 * `net.Socket` (or one still connecting: its `connect` event is awaited), which the client
 * then owns and closes.
 */
export type SocketFactory = (target: SocketTarget) => Promise<net.Socket> | net.Socket;

/** Options that name where to connect: the connection decides those, never `tls`. */
const TARGET_KEYS = ["host", "port", "path", "socket"] as const;

/**
 * Builds the TLS options for a connection to `host` (`undefined` for a Unix socket): the
 * name is `base.servername`, else `host`, in its ASCII form (an internationalized
 * `bücher.example` is `xn--bcher-kva.example`, as in SNI and certificates). It is sent as
 * SNI, without a trailing dot, unless it is an IP address (RFC 6066 §3 allows host names
 * only), and the certificate is checked against it, never against a default such as
 * `localhost`; with no name at all (a Unix socket without `servername`) the check fails
 * unless `rejectUnauthorized` is false. A caller's `checkServerIdentity` is called with
 * that name. The TLS context the options were checked with (`checkTLSOptions`) goes along
 * as `secureContext` while they are unchanged (`withCheckedContext`): Node does not build it again.
 */
export function tlsOptionsFor(host: string | undefined, base: tls.ConnectionOptions = {}): tls.ConnectionOptions {
  // The context the constructor's check built from these options, when it did (not built again).
  const options: tls.ConnectionOptions = { ...withCheckedContext(base) };
  for (const key of TARGET_KEYS) delete options[key];
  const given = base.servername || host || undefined;
  // SNI and the certificate check take the name's ASCII form (a name that has none as it is).
  const sni = typeof given === "string" ? asciiDomain(given) || given.replace(/\.$/, "") : given; // not a string: Node's TypeError
  if (sni && net.isIP(sni) === 0) options.servername = sni;
  else delete options.servername;
  const check = base.checkServerIdentity ?? tls.checkServerIdentity;
  const guarded = (checked: string, cert: tls.PeerCertificate): Error | undefined => {
    // Node calls it in an event handler: a throw there would crash the process.
    try {
      return check(checked, cert);
    } catch (err) {
      return err instanceof Error ? err : new Error(`tls.checkServerIdentity threw ${String(err)}`);
    }
  };
  if (sni !== undefined) {
    options.checkServerIdentity = (_nodeName, cert) => guarded(sni, cert);
  } else if (typeof base.checkServerIdentity === "function") {
    options.checkServerIdentity = guarded;
  } else {
    // Node would check the certificate against "localhost": refuse instead (API.md, SMTP_SSL and LMTP).
    options.checkServerIdentity = () => Object.assign(
      new Error("no host name to verify the certificate against (Unix socket without tls.servername)"),
      { code: NO_SERVERNAME },
    );
  }
  return options;
}

/**
 * Connects; a plain socket is read by `reader` (net's `onread`), a TLS one and a supplied
 * one (`socketFactory`, whose reader is `null`) emit `data`.
 */
export async function connectSocket(options: OpenOptions, reader: DirectReader | null): Promise<net.Socket> {
  const { host, port, path, implicitTLS, sourceAddress, timeout, signal } = options;
  if (options.socketFactory !== undefined) return connectSupplied(options, options.socketFactory);
  if (path !== undefined) checkSocketPath(path, port);
  const base: net.NetConnectOpts = path !== undefined
    ? { path }
    : {
        host, port,
        ...(sourceAddress?.host ? sourceBinding(sourceAddress.host) : {}),
        ...(sourceAddress?.port ? { localPort: sourceAddress.port } : {}),
      };
  // Nagle off on TCP (each pipelined group's second write would wait for the server's
  // delayed ACK), set on the socket once connected: tls.connect ignores a `noDelay` option
  // (its TLSSocket is made without it, Node 20), so SMTP_SSL's sockets kept Nagle on.
  const attempt = async (target: net.NetConnectOpts, ms: number, limit: number): Promise<net.Socket> => {
    if (implicitTLS === undefined) {
      const socket = net.connect(reader === null ? target : { ...target, onread: { buffer: reader.buffer, callback: reader.onread } });
      await handshake(socket, "connect", ms, signal, path ?? host, port, null, {}, limit);
      return path === undefined ? socket.setNoDelay(true) : socket;
    }
    const socket = tls.connect({ ...target, ...tlsOptionsFor(path !== undefined ? undefined : host, implicitTLS) });
    await handshake(socket, "secureConnect", ms, signal, path ?? host, port, "implicit", implicitTLS, limit);
    return path === undefined ? socket.setNoDelay(true) : socket;
  };
  // Bound to a source address, a name's addresses are tried in turn (Node would take the first only).
  const family = (base as { family?: number }).family;
  const opened = family !== undefined && net.isIP(host) === 0
    ? connectEachAddress(host, port, family, timeout, signal, (address, ms, limit) => attempt({ ...base, host: address }, ms, limit))
    : attempt(base, timeout, timeout);
  return opened.catch(familyHint(base));
}

/**
 * A host name with no address in the family `sourceBinding` asked for is "getaddrinfo
 * ENOTFOUND localhost", though it has addresses in the other: the error says which family.
 */
function familyHint(base: net.NetConnectOpts): (err: unknown) => never {
  return (err) => {
    const { family, localAddress } = base as { family?: number; localAddress?: string };
    if (family === undefined || !(err instanceof SMTPConnectError) || !/^(ENOTFOUND|ENODATA)$/.test(errorCode(err.cause))) throw err;
    throw new SMTPConnectError(-1, `${err.smtpError} (IPv${family} addresses only: sourceAddress ${localAddress} is IPv${family})`, { cause: err.cause });
  };
}

/**
 * Connects through `factory`, within the connect timeout and the signal; TLS (SMTP_SSL)
 * starts over its socket with the certificate checked against the target host.
 * @throws SMTPConnectError (the factory failed: its error as `cause`), SMTPServerDisconnected
 * (its socket is already closed), SMTPTimeoutError, the signal's reason, TLS failures.
 */
async function connectSupplied(options: OpenOptions, factory: SocketFactory): Promise<net.Socket> {
  const { host, port, implicitTLS, timeout, signal } = options;
  // A monotonic clock: the system's (Date.now) may be stepped meanwhile (NTP, a resumed VM),
  // which left no time at all, or more than a timer can wait (it then fires at once).
  const deadline = performance.now() + timeout;
  const socket = await callFactory(factory, host, port, timeout, signal);
  const left = (): number => Math.max(1, deadline - performance.now());
  if (socket.connecting) await handshake(socket, "connect", left(), signal, host, port, null, {}, timeout);
  if (socket.destroyed || socket.closed || !socket.readable || !socket.writable) {
    socket.destroy();
    throw new SMTPServerDisconnected(`Connection to ${endpoint(host, port)} from socketFactory was already closed`);
  }
  if (typeof socket.setNoDelay === "function") socket.setNoDelay(true);
  if (implicitTLS === undefined) return socket;
  try {
    // Inside: tls.connect throws for options Node refuses (a bad minVersion or ca).
    const secure = tls.connect({ ...tlsOptionsFor(host, implicitTLS), socket });
    await handshake(secure, "secureConnect", left(), signal, host, port, "implicit", implicitTLS, timeout);
    return secure;
  } catch (err) {
    socket.destroy();
    throw err;
  }
}

/** Calls the factory, racing it against the timeout and the signal; a late socket is destroyed. */
function callFactory(factory: SocketFactory, host: string, port: number, timeout: number, signal: AbortSignal | undefined): Promise<net.Socket> {
  const phase = new AbortController();
  const expired = (): unknown => new SMTPTimeoutError(timedOutAfter(timeout, `connecting to ${endpoint(host, port)} through socketFactory`), "connect", timeout);
  return within<net.Socket>((settle) => {
    new Promise<net.Socket>((res) => res(factory({ host, port, signal: phase.signal }))).then((socket) => {
      if (socket instanceof net.Socket) return settle(undefined, socket);
      const cause = new TypeError(`socketFactory must resolve to a net.Socket, got ${String(socket)}`);
      settle(new SMTPConnectError(-1, `Could not connect to ${endpoint(host, port)}: ${cause.message}`, { cause }));
    }, (err: unknown) => {
      const text = err instanceof Error ? err.message : String(err);
      settle(new SMTPConnectError(-1, `Could not connect to ${endpoint(host, port)} through socketFactory: ${text}`, { cause: err }));
    });
  }, { timeout, expired, signal, late: (socket) => socket.destroy(), failed: (err) => phase.abort(err) });
}

/**
 * Waits for `event` on a connecting socket, mapping every failure to our errors (`tlsOptions`,
 * those of the TLS handshake, as in `describeTLSError`). `timeout` is how long it may take; `limit`, the connect phase's
 * timeout that the SMTPTimeoutError names, when `timeout` is only what is left of it.
 */
export function handshake(
  socket: net.Socket, event: string, timeout: number, signal: AbortSignal | undefined,
  host: string, port: number, tlsMode: "implicit" | "starttls" | null, tlsOptions: DiagnosedOptions = {}, limit = timeout,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const finish = (err?: unknown): void => {
      clearTimeout(timer);
      socket.off(event, onReady);
      socket.off("connect", onConnect);
      socket.off("error", onError);
      socket.off("close", onClose);
      signal?.removeEventListener("abort", onAbort);
      if (err === undefined) return resolve();
      socket.destroy();
      reject(err);
    };
    const onReady = (): void => finish();
    // An error before TCP is up (a refused port, an unknown host) is a connection error,
    // whatever the TLS mode; only after it can the TLS handshake have failed.
    let tcpUp = tlsMode === "starttls" || !socket.connecting;
    const onConnect = (): void => { tcpUp = true; };
    const onError = (err: Error): void => {
      if (tlsMode !== null && tcpUp) {
        finish(describeTLSError(err, host, port, tlsMode, tlsOptions));
      } else {
        finish(new SMTPConnectError(-1, `Could not connect to ${endpoint(host, port)}: ${socketErrorText(err)}`, { cause: err }));
      }
    };
    const onClose = (): void => finish(new SMTPServerDisconnected(`Connection to ${endpoint(host, port)} closed while connecting`));
    const onAbort = (): void => finish(signal?.reason);
    const timer = setTimeout(() => {
      const what = tlsMode === null || !tcpUp ? "connecting to" : "in the TLS handshake with";
      finish(new SMTPTimeoutError(timedOutAfter(limit, `${what} ${endpoint(host, port)}`), "connect", limit));
    }, timeout);
    socket.once(event, onReady);
    socket.once("connect", onConnect);
    socket.on("error", onError);
    socket.once("close", onClose);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * What a socket error says. A name with several addresses, every one failing, is an
 * AggregateError without a message (Node's autoSelectFamily): then each attempt's
 * ("connect ECONNREFUSED ::1:25; connect ECONNREFUSED 127.0.0.1:25").
 */
function socketErrorText(err: Error): string {
  if (err.message !== "" || !(err instanceof AggregateError)) return err.message;
  const each = (err.errors as unknown[]).map((e) => (e instanceof Error ? e.message : String(e)));
  return each.join("; ") || "every address failed";
}

/**
 * Net's options to bind to `address` before connecting: with the address's family, so a
 * host name is looked up in that family only (and each of its addresses tried in turn, see
 * `connectEachAddress`). Else Node takes the name's first address (often IPv6) and an IPv4
 * source cannot bind to it (EINVAL), where Python's `create_connection` goes on to the next
 * address.
 */
export function sourceBinding(address: string): { localAddress: string; family?: number } {
  const family = net.isIP(address);
  return family === 0 ? { localAddress: address } : { localAddress: address, family };
}

/** True for an IPv4 or IPv6 address (what Node can bind to: `sourceAddress.host`). */
export function isIPAddress(value: string): boolean {
  return net.isIP(value) !== 0;
}

/** Bytes a Unix socket address holds (`sun_path`): 108 on Linux, 104 on macOS and the BSDs. */
const SUN_PATH_BYTES = process.platform === "linux" ? 108 : 104;

/**
 * Refuses a Unix socket path longer than `sun_path`: Node cuts it to that length without a
 * word, and would connect to whatever socket the shorter path names (or say ENOENT of the
 * whole path). Python refuses it too ("AF_UNIX path too long").
 * @throws SMTPConnectError, its cause an Error with code ENAMETOOLONG.
 */
function checkSocketPath(path: string, port: number): void {
  const bytes = Buffer.byteLength(path);
  if (bytes <= SUN_PATH_BYTES) return;
  const why = `the Unix socket path is ${bytes} bytes long, over the ${SUN_PATH_BYTES} a socket address holds`;
  const cause = Object.assign(new Error(`${why}: ${path}`), { code: "ENAMETOOLONG" });
  throw new SMTPConnectError(-1, `Could not connect to ${endpoint(path, port)}: ${why}`, { cause });
}
