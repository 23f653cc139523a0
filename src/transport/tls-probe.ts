/**
 * The implicit-TLS diagnosis for plain-text clients. A server on an implicit-TLS port
 * (465) says nothing and waits for a TLS ClientHello, so a plain-text client would sit
 * until its greeting timeout (minutes, RFC 5321 §4.5.3.2.1). Instead, when no byte of a greeting
 * has come after {@link TLS_PROBE_DELAY} ms, a SECOND connection to the same host and port
 * tries a TLS handshake; if the peer speaks TLS, the first connection fails at once with a
 * message that says "use SMTP_SSL". So it does when the peer answers the handshake with
 * plain text that is no SMTP reply (an HTTP server's "HTTP/1.1 400 Bad Request"): the port
 * is not an SMTP server's, and no greeting will come. The first connection is never touched
 * (no byte is sent on it), and a server that merely greets late still gets its greeting read.
 * @module
 */

import net from "node:net";
import { Duplex } from "node:stream";
import tls from "node:tls";
import { errorCode, SMTPConnectError, SMTPException, SMTPTimeoutError } from "../errors.js";
import { endpoint } from "./endpoint.js";
import { sourceBinding, tlsOptionsFor, type OpenOptions } from "./socket-open.js";
import { serverSaid } from "../error-text.js";
import { answeredInPlainText, implicitTLSPortMessage, notSMTPPortMessage, notSMTPTLSMessage, quotedAnswer } from "./tls-diagnostics.js";
import { connectChannel } from "./trace.js";

/** Milliseconds without a greeting byte before probing (real servers greet within ms). */
export const TLS_PROBE_DELAY = 1500;
/** Milliseconds the probe's handshake may take before it is taken as "not TLS". */
export const TLS_PROBE_TIMEOUT = 3000;

/** Where to probe and on whose behalf. */
export interface TLSProbeTarget {
  /** Host name or address (the one the first connection used). */
  host: string;
  /** TCP port. */
  port: number;
  /** Local address to bind, as for the first connection. */
  localAddress?: string;
  /** The client object named in the `smtplib.connect` audit event. */
  owner: object;
  /** Handshake time limit in ms; default {@link TLS_PROBE_TIMEOUT}. */
  timeout?: number;
  /** Delay before probing in ms; default {@link TLS_PROBE_DELAY}. */
  delay?: number;
  /** True for an LMTP client: the advice then differs (see `implicitTLSPortMessage`). */
  lmtp?: boolean;
  /** Told when the probe starts (for the debug trace). */
  onProbe?: () => void;
  /**
   * True once some bytes of the greeting have come (a multi-line greeting's first lines):
   * a TLS server never speaks first, so no probe is made then.
   */
  heard?: () => boolean;
}

/**
 * What a probe found: `"tls"`, the peer speaks TLS; `{ notSMTP }`, it answered in plain
 * text that is no SMTP reply (`notSMTP` is its first line); `"silent"`, it sent not one
 * byte (until the probe's timeout, or until it closed the connection); `"unknown"`, none
 * of these (an SMTP reply, too little to tell, a failed connection, a cancelled probe).
 */
export type ProbeFinding = "tls" | { readonly notSMTP: string } | "silent" | "unknown";

/** Bytes of a plain-text answer kept to judge it (its first line, for the message). */
const ANSWER_MAX = 256;

/**
 * The first line of `answer`, plain text the peer sent to a ClientHello, when it is not
 * an SMTP reply (RFC 5321 §4.2: three digits, then a space, a hyphen or the line end) and
 * enough of it came to tell (4 bytes or a line end); else `undefined`. A server that greets
 * late answers with its greeting, "220 ...": that is SMTP.
 */
export function nonSMTPAnswer(answer: Buffer): string | undefined {
  const end = answer.indexOf(0x0a);
  if (answer.length < 4 && end === -1) return undefined;
  const line = answer.subarray(0, end === -1 ? answer.length : end).toString("latin1").replace(/\r$/, "");
  return /^[2-5]\d\d(?:[ -]|$)/.test(line) ? undefined : line;
}

/**
 * A connection to `host:port` as a stream that TLS runs over, keeping the first
 * {@link ANSWER_MAX} bytes the peer sends in `heard` (TLS over the socket itself would
 * consume them unseen). Destroying the stream destroys the socket.
 */
function tappedConnection(host: string, port: number, localAddress: string | undefined, heard: { bytes: Buffer }): Duplex {
  const raw = net.connect({ host, port, ...(localAddress ? sourceBinding(localAddress) : {}) });
  raw.once("connect", () => tap.emit("connected"));
  const tap = new Duplex({
    read() { raw.resume(); },
    write(chunk: Buffer, _encoding, callback) { raw.write(chunk, (err) => callback(err ?? null)); },
    final(callback) { raw.end(() => callback()); },
    destroy(err, callback) { raw.destroy(); callback(err); },
  });
  raw.on("data", (chunk: Buffer) => {
    if (heard.bytes.length < ANSWER_MAX) heard.bytes = Buffer.concat([heard.bytes, chunk]).subarray(0, ANSWER_MAX);
    if (!tap.push(chunk)) raw.pause();
  });
  raw.once("end", () => tap.push(null));
  raw.on("error", (err) => tap.destroy(err));
  raw.once("close", () => tap.destroy());
  return tap;
}

/** True for an error that means the peer sent a TLS alert record, i.e. it speaks TLS. */
function isTLSAlert(err: unknown): boolean {
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : "";
  return /_ALERT_/.test(code) || /alert/i.test(message);
}

/** What a probe holds open until it ends: closed by {@link endProbe}, however far it got. */
interface ProbeHold {
  tap?: Duplex;
  socket?: tls.TLSSocket;
  timer?: ReturnType<typeof setTimeout>;
  signal?: AbortSignal;
  onAbort?: () => void;
  /** Set once it has ended: later events change nothing. */
  ended?: boolean;
}

/**
 * Ends a probe: stops its clock and its signal's listener, closes its connection (a TLS
 * socket that completed its handshake sends close_notify first: it does not always end the
 * stream under it, so that is closed once it has). Never throws.
 */
function endProbe(hold: ProbeHold): void {
  hold.ended = true;
  clearTimeout(hold.timer);
  const { socket, tap } = hold;
  try {
    if (hold.onAbort) hold.signal?.removeEventListener("abort", hold.onAbort);
    if (socket?.encrypted === true && !socket.destroyed) {
      socket.once("close", () => tap?.destroy());
      socket.destroySoon(); // close_notify, then close
      return;
    }
  } catch {
    // closed below, at once
  }
  socket?.destroy();
  tap?.destroy();
}

/**
 * Tries a TLS handshake with `host:port` on a new connection, without verifying anything
 * (only "does it speak TLS" matters; no data is sent after the handshake), and says what
 * the peer turned out to be (see {@link ProbeFinding}): `"tls"` when the handshake
 * completes or the peer answers with a TLS alert. Never rejects, by construction: whatever
 * throws while it starts (an option it reads, a socket that refuses its options) or in
 * one of its event handlers ends it `"unknown"`, its connection closed.
 */
export function probePort(target: TLSProbeTarget, signal?: AbortSignal): Promise<ProbeFinding> {
  return new Promise((resolve) => {
    const hold: ProbeHold = {};
    const finish = (found: () => ProbeFinding): void => {
      if (hold.ended === true) return;
      endProbe(hold);
      let finding: ProbeFinding = "unknown";
      try {
        finding = found();
      } catch {
        // "unknown"
      }
      resolve(finding);
    };
    try {
      startProbe(target, signal, hold, finish);
    } catch {
      finish(() => "unknown");
    }
  });
}

/** {@link probePort}'s work: opens the probe's connection in `hold`, and calls `finish` (once) with how to tell what it found. */
function startProbe(target: TLSProbeTarget, signal: AbortSignal | undefined, hold: ProbeHold, finish: (found: () => ProbeFinding) => void): void {
  if (signal?.aborted) return finish(() => "unknown");
  const { host, port, localAddress, owner } = target;
  connectChannel.publish({ client: owner, host, port });
  const heard = { bytes: Buffer.alloc(0) };
  // silence counts when the probe waited it out or the peer closed; not on a failed connect or a cancel
  let silent = false;
  let connected = false;
  const done = (isTLS: boolean): void => finish(() => {
    if (isTLS) return "tls";
    const notSMTP = nonSMTPAnswer(heard.bytes);
    return notSMTP !== undefined ? { notSMTP } : silent && heard.bytes.length === 0 ? "silent" : "unknown";
  });
  const tap = hold.tap = tappedConnection(host, port, localAddress, heard);
  tap.once("connected", () => { connected = true; });
  const socket = hold.socket = tls.connect({
    ...tlsOptionsFor(host, { rejectUnauthorized: false }), // SNI as for a real connection
    socket: tap,
  });
  // stays: later errors are ignored. A peer that closes (or resets) the connection before
  // the handshake is one TLS reports as an error, not a close: silent too, if it sent nothing.
  socket.on("error", (err) => {
    const alert = isTLSAlert(err);
    if (!alert) silent = connected;
    done(alert);
  });
  socket.once("secureConnect", () => done(true));
  socket.once("close", () => { silent = connected; done(false); });
  hold.timer = setTimeout(() => { silent = connected; done(false); }, target.timeout ?? TLS_PROBE_TIMEOUT);
  if (signal) {
    hold.signal = signal;
    hold.onAbort = (): void => done(false);
    signal.addEventListener("abort", hold.onAbort, { once: true });
  }
}

/**
 * `err` when it is the greeting's timeout, for a port that sent nothing on either
 * connection (the probe's included): the same timeout whose message goes on to say so
 * and what to check; any other error as it is.
 */
function silentGreeting(err: unknown, target: TLSProbeTarget): unknown {
  if (!(err instanceof SMTPTimeoutError) || err.phase !== "greeting") return err;
  const advice = `${endpoint(target.host, target.port)} took the connection but sent nothing, nor answered a TLS handshake on a second connection: check the host and port (is it an SMTP server's?), and that nothing on the way (a firewall, a proxy) holds the connection`;
  return new SMTPTimeoutError(`${err.message}: ${advice}`, err.phase, err.timeout, { cause: err, ...(err.command === undefined ? {} : { command: err.command }) });
}

/**
 * Waits for `greeting`; if it has not settled after the probe delay, probes `target` for
 * implicit TLS meanwhile. Settles as `greeting` does, unless the probe finds TLS first:
 * then rejects with an `SMTPConnectError` (code -1) carrying
 * {@link implicitTLSPortMessage}; or plain text that is no SMTP reply: then with
 * {@link notSMTPPortMessage}. The caller must close its connection then. The probe is
 * cancelled as soon as the greeting settles.
 */
export function greetingOrTLSDiagnosis<T>(greeting: Promise<T>, target: TLSProbeTarget): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const cancel = new AbortController();
    let settled = false;
    const finish = (settle: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      cancel.abort();
      settle();
    };
    // the probe found the port silent too: a greeting timeout then says what to check
    let silentPeer = false;
    greeting.then((reply) => finish(() => resolve(reply)), (err: unknown) => finish(() => reject(silentPeer && target.heard?.() !== true ? silentGreeting(err, target) : err)));
    // The probe only ever shortens a wait that would fail: a throw in it (its callbacks, its
    // verdict's message) leaves the greeting awaited, as without it, never an uncaught error.
    const onFound = (found: ProbeFinding): void => {
      if (found === "silent") silentPeer = true;
      // A greeting begun on the first connection while the probe ran (a slow SMTP server)
      // outweighs whatever the second connection saw: it is awaited.
      if (found === "unknown" || found === "silent" || target.heard?.() === true) return;
      const message = found === "tls" ? implicitTLSPortMessage(target.host, target.port, target.lmtp === true) : notSMTPPortMessage(target.host, target.port, found.notSMTP);
      finish(() => reject(serverSaid(new SMTPConnectError(-1, message, { command: "the greeting" }), ...(found === "tls" ? [] : [quotedAnswer(found.notSMTP)]))));
    };
    const timer = setTimeout(() => {
      try {
        // A second connection is not harmless (Postfix postscreen's pregreet test fails it):
        // only when nothing at all has come.
        if (settled || target.heard?.() === true) return;
        target.onProbe?.();
        probePort(target, cancel.signal).then(onFound).catch(() => undefined);
      } catch {
        // no probe: the greeting is awaited
      }
    }, target.delay ?? TLS_PROBE_DELAY);
  });
}

/**
 * For a connection with TLS from the first byte (`SMTP_SSL`) that failed with `err`: when
 * the peer answered the handshake in plain text, a second connection sees what it said
 * ({@link probePort}); plain text that is no SMTP reply (an HTTP server's) makes an
 * `SMTPException` saying so (Node's error as `cause`), not "this looks like a plain-text
 * SMTP port", which an SMTP greeting keeps. Not for a Unix socket, a `socketFactory` (the
 * probe would go around it) or `diagnoseTLS: false`. Always rejects.
 */
export async function diagnosePlainTextPeer(err: unknown, options: OpenOptions): Promise<never> {
  const cause = err instanceof SMTPException ? err.cause : undefined;
  if (options.implicitTLS === undefined || options.diagnoseTLS === false || options.socketFactory !== undefined || options.path !== undefined || !answeredInPlainText(cause)) throw err;
  const { host, port, owner } = options;
  const localAddress = options.sourceAddress?.host;
  const found = await probePort({ host, port, owner, timeout: Math.min(TLS_PROBE_TIMEOUT, options.timeout), ...(localAddress ? { localAddress } : {}) }, options.signal);
  options.signal?.throwIfAborted();
  if (typeof found === "object") throw serverSaid(new SMTPException(notSMTPTLSMessage(host, port, found.notSMTP, errorCode(cause)), { cause }), quotedAnswer(found.notSMTP));
  throw err;
}
