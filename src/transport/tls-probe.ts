/**
 * The implicit-TLS diagnosis for plain-text clients. A server on an implicit-TLS port
 * (465) says nothing and waits for a TLS ClientHello, so a plain-text client would sit
 * until its greeting timeout (minutes, RFC 5321 §4.5.3.2.1). Instead, when no byte of a greeting
 * has come after {@link TLS_PROBE_DELAY} ms, a SECOND connection to the same host and port
 * tries a TLS handshake; if the peer speaks TLS, the first connection fails at once with a
 * message that says "use SMTP_SSL". The first connection is never touched (no byte is sent
 * on it), and a server that merely greets late still gets its greeting read.
 * @module
 */

import tls from "node:tls";
import { errorCode, SMTPConnectError } from "../errors.js";
import { sourceBinding, tlsOptionsFor } from "./socket-open.js";
import { implicitTLSPortMessage } from "./tls-diagnostics.js";
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

/** True for an error that means the peer sent a TLS alert record, i.e. it speaks TLS. */
function isTLSAlert(err: unknown): boolean {
  const code = errorCode(err);
  const message = err instanceof Error ? err.message : "";
  return /_ALERT_/.test(code) || /alert/i.test(message);
}

/**
 * Tries a TLS handshake with `host:port` on a new connection, without verifying anything
 * (only "does it speak TLS" matters; no data is sent after the handshake).
 * Resolves true when the handshake completes or the peer answers with a TLS alert; false
 * on plain text, a reset, a timeout or `signal` aborting. Never rejects.
 */
export function probeImplicitTLS(target: TLSProbeTarget, signal?: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const { host, port, localAddress, owner } = target;
    connectChannel.publish({ client: owner, host, port });
    const socket = tls.connect({
      ...tlsOptionsFor(host, { rejectUnauthorized: false }), // SNI as for a real connection
      host, port,
      ...(localAddress ? sourceBinding(localAddress) : {}),
    });
    let settled = false;
    const done = (isTLS: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      socket.off("secureConnect", onSecure);
      socket.off("close", onClose);
      if (socket.encrypted && !socket.destroyed) socket.destroySoon(); // close_notify, then close
      else socket.destroy();
      resolve(isTLS);
    };
    const onSecure = (): void => done(true);
    const onClose = (): void => done(false);
    const onAbort = (): void => done(false);
    const timer = setTimeout(() => done(false), target.timeout ?? TLS_PROBE_TIMEOUT);
    socket.once("secureConnect", onSecure);
    socket.on("error", (err) => done(isTLSAlert(err))); // stays: later errors are ignored
    socket.once("close", onClose);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * Waits for `greeting`; if it has not settled after the probe delay, probes `target` for
 * implicit TLS meanwhile. Settles as `greeting` does, unless the probe finds TLS first:
 * then rejects with an `SMTPConnectError` (code -1) carrying
 * {@link implicitTLSPortMessage}; the caller must close its connection. The probe is
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
    greeting.then((reply) => finish(() => resolve(reply)), (err: unknown) => finish(() => reject(err)));
    const timer = setTimeout(() => {
      // A second connection is not harmless (Postfix postscreen's pregreet test fails it):
      // only when nothing at all has come.
      if (target.heard?.() === true) return;
      target.onProbe?.();
      void probeImplicitTLS(target, cancel.signal).then((isTLS) => {
        if (isTLS) finish(() => reject(new SMTPConnectError(-1, implicitTLSPortMessage(target.host, target.port, target.lmtp === true), { command: "the greeting" })));
      });
    }, target.delay ?? TLS_PROBE_DELAY);
  });
}
