/**
 * The options of `SMTP`, `SMTP_SSL` and `LMTP`, and their checking.
 * @module
 */

import type * as tls from "node:tls";
import { checkMilliseconds, DEFAULT_TIMEOUTS, LMTP_PORT, SMTP_PORT, SMTP_SSL_PORT, type TimeoutPhase } from "../constants.js";
import { AuthRegistry } from "../auth/registry.js";
import type { ReplyLimits } from "../protocol/reply.js";
import { isIPAddress, type SocketFactory } from "../transport/socket-open.js";
import type { DebugLevel } from "../transport/trace.js";
import { checkBoolean, checkFunction, checkKnownKeys, checkLocalHostname, checkPort, checkSignal, checkTLSOptions, keysOf, optionsObject, withoutNulls, type AllKeys } from "../option-checks.js";
import type { Checked } from "../checked.js";
import { didYouMean } from "../did-you-mean.js";
import { describeValue, quoted } from "../errors.js";

// the name check lives with the option checks the CLI may load without the client (startup)
export { checkLocalHostname } from "../option-checks.js";

export type { Checked } from "../checked.js";
export type { SocketFactory, SocketTarget } from "../transport/socket-open.js";

/** Options of an SMTP client (API.md "Constructing and connecting", plus our extensions). */
export interface SMTPOptions {
  /** Name for HELO/EHLO/LHLO; default: this host's FQDN (or `[address]`, as Python). */
  localHostname?: string | null | undefined;
  /** Milliseconds for every blocking step; overrides the RFC 5321 §4.5.3.2 defaults. 0 or negative: RangeError. */
  timeout?: number | null | undefined;
  /**
   * Per-phase timeouts in ms (`connect`, `greeting`, `command`, `dataInitiation`, `dataBlock`,
   * `dataTermination`), over `timeout`; a phase set to `undefined` or `null` is not given.
   */
  timeouts?: { [phase in TimeoutPhase]?: number | null | undefined } | null | undefined;
  /** Local address and/or port to bind before connecting. Not with `socketFactory` (TypeError). */
  sourceAddress?: { host?: string; port?: number } | null | undefined;
  /**
   * Opens the connection instead of a TCP connect: for a proxy (e.g. the `socks` package's
   * `SocksClient.createConnection(...).then((r) => r.socket)`) or a tunnel. Called by
   * `connect()` (of `SMTP`, `LMTP`, `SMTP_SSL`, and so of `SMTPPool`) with the target host
   * (not looked up: the factory or its proxy resolves it), the port, and a signal aborted
   * when the connect phase ends without its socket; resolves to a connected `net.Socket`
   * (one still connecting is awaited), which the client then owns.
   *
   * `timeouts.connect` and `signal` still apply: a factory still pending then ends in
   * `SMTPTimeoutError` (phase `connect`) or the signal's reason, and a socket it gives later
   * is destroyed. A factory that throws or rejects: `SMTPConnectError` (code -1) with the
   * error as `cause`; a socket already closed: `SMTPServerDisconnected`. `SMTP_SSL` starts
   * TLS over the socket, and `starttls()` works as over TCP; certificates are checked against
   * the target host (or `tls.servername`), never the proxy; a socket that is itself TLS (to
   * an HTTPS proxy) does not make the link `encrypted`. The link never counts as
   * loopback, whatever the socket's peer address (a local proxy may relay anywhere): PLAIN
   * and LOGIN over it need TLS or `allowInsecureAuth`. `diagnoseTLS` makes no probe (it would
   * connect around the proxy). TCP targets only: with an LMTP Unix socket path, `connect()`
   * throws a TypeError, as does the constructor with `sourceAddress`.
   */
  socketFactory?: SocketFactory | null | undefined;
  /**
   * Node TLS options for SMTP_SSL and for `starttls()` called without arguments. A `ca`
   * string or bytes must hold a PEM certificate (TypeError otherwise: Node ignores DER).
   */
  tls?: tls.ConnectionOptions | null | undefined;
  /**
   * 0 silent, 1 commands and replies, 2 the same with times. A number: `true` is a TypeError
   * here (API.md types it `0 | 1 | 2`); `setDebugLevel(true)` is level 1, as in Python.
   */
  debugLevel?: DebugLevel | null | undefined;
  /** Where debug lines go (default: stderr). */
  debugOutput?: ((line: string) => void) | null | undefined;
  /** Aborts whatever is in flight and closes the socket. */
  signal?: AbortSignal | null | undefined;
  /** Use PIPELINING (RFC 2920) when the server offers it. Default true. */
  pipelining?: boolean | null | undefined;
  /** Use CHUNKING/BDAT (RFC 3030) when the server offers it. Default true. */
  chunking?: boolean | null | undefined;
  /**
   * Require TLS: `sendmail`, `sendMessage`, `login` and `auth` refuse to run on an
   * unencrypted connection, and `starttls()`'s absence is an error, so a man in the middle
   * who strips STARTTLS cannot get mail or passwords in clear text. Default false.
   */
  requireTLS?: boolean | null | undefined;
  /** Allow password-revealing AUTH mechanisms on unencrypted non-loopback links. Default false. */
  allowInsecureAuth?: boolean | null | undefined;
  /**
   * Diagnose a plain-text client pointed at an implicit-TLS port (465). When no byte of the greeting has
   * arrived 1.5 s after connecting, a second connection to the same host and port tries a TLS
   * handshake (nothing is verified, no data is sent on it, the first connection is left
   * alone); if the peer speaks TLS, `connect()` fails at once with an `SMTPConnectError`
   * "this looks like an implicit-TLS port (such as 465): use SMTP_SSL" (for `LMTP`, which has
   * no implicit TLS: to use an LMTP port with STARTTLS) instead of waiting for
   * the greeting timeout; if it answers in plain text that is no SMTP reply (an HTTP server),
   * with an `SMTPConnectError` quoting that answer and saying to check the host and port;
   * otherwise the greeting is awaited as usual. For `SMTP_SSL`, whose handshake a server
   * answered in plain text, the same second connection tells a plain-text SMTP port (its
   * greeting: "connect with SMTP and call starttls()") from a server that is no SMTP server
   * (an HTTP server: "check the host and port"). Not for Unix sockets. Turn it off for
   * servers that penalise early client data on a new connection (such as Postfix
   * postscreen's pregreet test). Default true.
   */
  diagnoseTLS?: boolean | null | undefined;
  /** Caps on reply size (defaults: 8192-byte lines, 64 KiB and 1,000 lines per reply). */
  limits?: ReplyLimits | null | undefined;
  /** AUTH mechanisms and their preference order (default: the built-in registry). */
  authRegistry?: AuthRegistry | null | undefined;
}

/**
 * The keys of {@link SMTPOptions}: any other is a TypeError (see {@link checkSMTPOptions}).
 * From an object literal that the compiler checks against the interface (see `AllKeys`): an
 * option added to {@link SMTPOptions} and not here would be refused at run time as unknown.
 */
export const SMTP_OPTION_KEYS: readonly (keyof SMTPOptions)[] = Object.freeze(keysOf({
  localHostname: true, timeout: true, timeouts: true, sourceAddress: true, socketFactory: true, tls: true, debugLevel: true,
  debugOutput: true, signal: true, pipelining: true, chunking: true, requireTLS: true, allowInsecureAuth: true,
  diagnoseTLS: true, limits: true, authRegistry: true,
} satisfies AllKeys<SMTPOptions>));

/** The keys of `limits` ({@link ReplyLimits}), checked as {@link SMTP_OPTION_KEYS} are. */
const LIMITS_KEYS = keysOf({ maxLineLength: true, maxReplyBytes: true, maxReplyLines: true } satisfies AllKeys<ReplyLimits>);

/** The keys of `sourceAddress`, checked as {@link SMTP_OPTION_KEYS} are. */
const SOURCE_ADDRESS_KEYS = keysOf({ host: true, port: true } satisfies AllKeys<NonNullable<SMTPOptions["sourceAddress"]>>);

/** The client class a caller used, which advice in its errors names (`SMTP_SSL.connect(...)`, not `SMTP.connect`). */
export type ClientClassName = "SMTP" | "SMTP_SSL" | "LMTP";

/** Nodemailer's transport options, as a first-time user passes them, and what smtplib does instead (a pool's, worded for its options, in `pool-options.ts`). */
export const NODEMAILER_HINTS: Readonly<Record<string, string>> = {
  secure: "Nodemailer's: for TLS from the first byte (port 465) use the SMTP_SSL class; for STARTTLS set requireTLS: true",
  auth: "Nodemailer's: call login(user, password) once connected",
  host: "give the host and port to SMTP.connect(host, port, options)",
  port: "give the host and port to SMTP.connect(host, port, options)",
  connectionTimeout: "Nodemailer's: timeouts: { connect }",
  greetingTimeout: "Nodemailer's: timeouts: { greeting }",
  socketTimeout: "Nodemailer's: timeouts: { command }, for each reply",
  name: "Nodemailer's: localHostname",
  ignoreTLS: "Nodemailer's: STARTTLS is used only when asked (requireTLS: true or starttls())",
  logger: "Nodemailer's: debugLevel: 1 and debugOutput",
  debug: "Nodemailer's: debugLevel: 1 and debugOutput",
  proxy: "Nodemailer's: socketFactory",
  lmtp: "Nodemailer's: use the LMTP class",
  pool: "Nodemailer's: use SMTPPool",
};

/**
 * {@link NODEMAILER_HINTS} for each client class: an `SMTP_SSL` user, who has TLS from the
 * first byte already, is not told to use `SMTP_SSL`, nor an `LMTP` user (LMTP has no
 * implicit TLS) to use it for `secure`; `host` and `port` name the class that was called.
 */
const CLASS_HINTS: Readonly<Record<ClientClassName, Readonly<Record<string, string>>>> = {
  SMTP: NODEMAILER_HINTS,
  SMTP_SSL: {
    ...NODEMAILER_HINTS,
    secure: "Nodemailer's: SMTP_SSL is TLS from the first byte already, leave it out; for STARTTLS instead, connect with SMTP and set requireTLS: true",
    host: "give the host and port to SMTP_SSL.connect(host, port, options)",
    port: "give the host and port to SMTP_SSL.connect(host, port, options)",
    lmtp: "Nodemailer's: use the LMTP class, with requireTLS: true for TLS (LMTP has no TLS from the first byte)",
  },
  LMTP: {
    ...NODEMAILER_HINTS,
    secure: "Nodemailer's: LMTP has no TLS from the first byte; for STARTTLS set requireTLS: true",
    host: "give the host and port (or a Unix socket path) to LMTP.connect(host, port, options)",
    port: "give the host and port (or a Unix socket path) to LMTP.connect(host, port, options)",
    lmtp: "Nodemailer's: the LMTP class speaks LMTP already, leave it out",
  },
};

/** Each client class's default port, for {@link hostGivenToConstructor}. */
const DEFAULT_PORTS: Readonly<Record<ClientClassName, number>> = { SMTP: SMTP_PORT, SMTP_SSL: SMTP_SSL_PORT, LMTP: LMTP_PORT };

/**
 * What to write instead of `new SMTP("host", port)`: Python's `SMTP(host, port)` connects in
 * its constructor, which a constructor here cannot (it would have to await), so a host given
 * to it gets the call that connects, rather than "options must be an object".
 */
function hostGivenToConstructor(cls: ClientClassName, host: string): string {
  const target = `${quoted(host, 100)}, port`;
  return `new ${cls}() takes an options object, not a host: it does no I/O, so it cannot connect as Python's ${cls}(host, port) does; `
    + `write await ${cls}.connect(${target}) (port optional, ${DEFAULT_PORTS[cls]} by default), or new ${cls}(options) and then await client.connect(${target})`;
}

/** The options that take `true` or `false`. */
const BOOLEAN_OPTIONS = ["pipelining", "chunking", "requireTLS", "allowInsecureAuth", "diagnoseTLS"] as const;

/**
 * Checks the shape of a client's options before anything else reads them: an object (or
 * nothing) with only the keys of {@link SMTPOptions}, each of its type or `null` (an unknown
 * key's advice fits `cls`, the class the caller used). Returns
 * a copy without the `null`s (an option set to `null` is one not given). Values are
 * checked further where they are used (timeouts, limits, the debug level).
 * @throws TypeError for an unknown key or a value of the wrong type; RangeError for a
 * `sourceAddress.port` that is not a port number.
 */
export function checkSMTPOptions(value: unknown, cls: ClientClassName = "SMTP"): Checked<SMTPOptions> {
  if (typeof value === "string") throw new TypeError(hostGivenToConstructor(cls, value));
  const given = optionsObject(value, "SMTP options");
  checkKnownKeys(given, SMTP_OPTION_KEYS, "SMTP option", CLASS_HINTS[cls]);
  const options = withoutNulls(given);
  for (const key of BOOLEAN_OPTIONS) checkBoolean(options, key);
  checkFunction(options, "debugOutput");
  checkSignal(options["signal"], "signal");
  checkLocalHostname(options["localHostname"]);
  for (const key of ["timeouts", "limits"]) optionsObject(options[key], key);
  checkTLSOptions(options["tls"]);
  if (options["limits"] !== undefined) checkKnownKeys(options["limits"] as object, LIMITS_KEYS, "limits key");
  checkSourceAddress(options["sourceAddress"]);
  if (options["authRegistry"] !== undefined && !(options["authRegistry"] instanceof AuthRegistry)) {
    throw new TypeError(`authRegistry must be an AuthRegistry, got ${describeValue(options["authRegistry"])}`);
  }
  return options as Checked<SMTPOptions>;
}

/** `sourceAddress`: `{ host?: string; port?: number }`. @throws TypeError, RangeError */
function checkSourceAddress(value: unknown): void {
  if (value === undefined) return;
  const source = optionsObject(value, "sourceAddress");
  checkKnownKeys(source, SOURCE_ADDRESS_KEYS, "sourceAddress key");
  if (source["host"] !== undefined && typeof source["host"] !== "string") {
    throw new TypeError(`sourceAddress.host must be a string, got ${describeValue(source["host"])}`);
  }
  // Node binds to an address only: a name failed at connect() with "Invalid IP address".
  if (source["host"] && !isIPAddress(source["host"] as string)) {
    throw new TypeError(`sourceAddress.host must be an IP address of this host (a name is not looked up), got ${JSON.stringify(source["host"])}`);
  }
  if (source["port"] !== undefined) checkPort(source["port"], "sourceAddress.port");
}

/** Resolves the timeout of each phase from the options. */
export function resolveTimeouts(options: Checked<SMTPOptions>): Record<TimeoutPhase, number> {
  const out = { ...DEFAULT_TIMEOUTS };
  if (options.timeout !== undefined) {
    const t = checkMilliseconds("timeout", options.timeout);
    for (const k of Object.keys(out) as TimeoutPhase[]) out[k] = t;
  }
  for (const [k, v] of Object.entries(options.timeouts ?? {})) {
    // Own keys only: `in` would take what every object inherits ("constructor") for a phase.
    if (!Object.hasOwn(out, k)) throw new TypeError(`unknown timeout phase ${JSON.stringify(k)}${didYouMean(k, Object.keys(out))}`);
    // A phase set to undefined or null (as its type allows) is one not given, as an option is.
    if (v === undefined || v === null) continue;
    out[k as TimeoutPhase] = checkMilliseconds(`timeouts.${k}`, v);
  }
  return out;
}

/** Checks `socketFactory` against the options it cannot go with. @throws TypeError */
export function checkSocketFactory(options: Checked<SMTPOptions>): void {
  const { socketFactory } = options;
  if (socketFactory === undefined) return;
  if (typeof socketFactory !== "function") throw new TypeError("socketFactory must be a function");
  if (options.sourceAddress !== undefined) {
    throw new TypeError("sourceAddress cannot apply with socketFactory: the factory opens the connection");
  }
}

/**
 * Checks the debug level. For `setDebugLevel()` a boolean counts as 0 or 1, as Python's
 * `set_debuglevel(True)` (its documentation names `True`); the `debugLevel` option
 * (`option` true), which API.md types `0 | 1 | 2` and Python does not have, takes a number
 * only: `debugLevel: true` is a TypeError, as a boolean option given a string is, not a
 * level taken silently.
 * @throws TypeError for anything but a number (or, but for the option, a boolean);
 * RangeError for another number.
 */
export function checkDebugLevel(level: unknown, option = false): DebugLevel {
  if (option && typeof level === "boolean") {
    throw new TypeError(`debugLevel must be 0, 1 or 2, got ${describeValue(level)} (the option takes a number; setDebugLevel() also takes true or false, as Python's set_debuglevel)`);
  }
  const n = level === true ? 1 : level === false ? 0 : level;
  if (typeof n !== "number") throw new TypeError(`debug level must be 0, 1 or 2, got ${describeValue(level)}`);
  if (n !== 0 && n !== 1 && n !== 2) throw new RangeError(`debug level must be 0, 1 or 2, got ${describeValue(level)}`);
  return n;
}
