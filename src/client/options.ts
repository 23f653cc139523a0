/**
 * The options of `SMTP`, `SMTP_SSL` and `LMTP`, and their checking.
 * @module
 */

import type tls from "node:tls";
import { checkMilliseconds, DEFAULT_TIMEOUTS, type TimeoutPhase } from "../constants.js";
import type { AuthRegistry } from "../auth/registry.js";
import type { ReplyLimits } from "../protocol/reply.js";
import type { DebugLevel } from "../transport/trace.js";

/** Options of an SMTP client (API.md "Constructing and connecting", plus our extensions). */
export interface SMTPOptions {
  /** Name for HELO/EHLO/LHLO; default: this host's FQDN (or `[address]`, as Python). */
  localHostname?: string;
  /** Milliseconds for every blocking step; overrides the RFC 5321 §4.5.3.2 defaults. 0 or negative: RangeError. */
  timeout?: number;
  /** Per-phase timeouts in ms (`connect`, `greeting`, `command`, `dataInitiation`, `dataBlock`, `dataTermination`). */
  timeouts?: Partial<Record<TimeoutPhase, number>>;
  /** Local address and/or port to bind before connecting. */
  sourceAddress?: { host?: string; port?: number };
  /** Node TLS options for SMTP_SSL and for `starttls()` called without arguments. */
  tls?: tls.ConnectionOptions;
  /** 0 silent, 1 commands and replies, 2 the same with times. */
  debugLevel?: DebugLevel;
  /** Where debug lines go (default: stderr). */
  debugOutput?: (line: string) => void;
  /** Aborts whatever is in flight and closes the socket. */
  signal?: AbortSignal;
  /** Use PIPELINING (RFC 2920) when the server offers it. Default true. */
  pipelining?: boolean;
  /** Use CHUNKING/BDAT (RFC 3030) when the server offers it. Default true. */
  chunking?: boolean;
  /**
   * Require TLS: `sendmail`, `sendMessage`, `login` and `auth` refuse to run on an
   * unencrypted connection, and `starttls()`'s absence is an error, so a man in the middle
   * who strips STARTTLS cannot get mail or passwords in clear text. Default false.
   */
  requireTLS?: boolean;
  /** Allow password-revealing AUTH mechanisms on unencrypted non-loopback links. Default false. */
  allowInsecureAuth?: boolean;
  /**
   * Diagnose a plain-text client pointed at an implicit-TLS port (465). When no greeting has
   * arrived 1.5 s after connecting, a second connection to the same host and port tries a TLS
   * handshake (nothing is verified, no data is sent on it, the first connection is left
   * alone); if the peer speaks TLS, `connect()` fails at once with an `SMTPConnectError`
   * "this looks like an implicit-TLS port (such as 465): use SMTP_SSL" instead of waiting for
   * the greeting timeout; otherwise the greeting is awaited as usual. Not used by `SMTP_SSL`
   * or for Unix sockets. Turn it off for servers that penalise early client data on a new
   * connection (such as Postfix postscreen's pregreet test). Default true.
   */
  diagnoseTLS?: boolean;
  /** Caps on reply size (defaults: 8192-byte lines, 64 KiB and 1,000 lines per reply). */
  limits?: ReplyLimits;
  /** AUTH mechanisms and their preference order (default: the built-in registry). */
  authRegistry?: AuthRegistry;
}

/** Resolves the timeout of each phase from the options. */
export function resolveTimeouts(options: SMTPOptions): Record<TimeoutPhase, number> {
  const out = { ...DEFAULT_TIMEOUTS };
  if (options.timeout !== undefined) {
    const t = checkMilliseconds("timeout", options.timeout);
    for (const k of Object.keys(out) as TimeoutPhase[]) out[k] = t;
  }
  for (const [k, v] of Object.entries(options.timeouts ?? {})) {
    if (!(k in out)) throw new TypeError(`unknown timeout phase ${JSON.stringify(k)}`);
    out[k as TimeoutPhase] = checkMilliseconds(`timeouts.${k}`, v);
  }
  return out;
}

/** Checks the debug level. */
export function checkDebugLevel(level: unknown): DebugLevel {
  const n = level === true ? 1 : level === false ? 0 : level;
  if (n !== 0 && n !== 1 && n !== 2) throw new RangeError(`debug level must be 0, 1 or 2, got ${String(level)}`);
  return n;
}
