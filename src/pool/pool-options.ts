/**
 * The options of `SMTPPool` and the check of its numeric limits.
 * @module
 */

import type { GivenCredentials } from "../auth/mechanism.js";
import { checkSMTPOptions, NODEMAILER_HINTS, SMTP_OPTION_KEYS, type Checked, type SMTPOptions } from "../client/options.js";
import { checkCredentialsShape, checkCredentialStrings } from "../client/smtp-secure.js";
import { checkKnownKeys, checkNumber, checkPort, keysOf, optionsObject, withoutNulls, type AllKeys } from "../option-checks.js";
import { describeValue, quoted } from "../errors.js";
import { checkMilliseconds, LMTP_PORT } from "../constants.js";
import { LMTP_IMPLICIT_TLS, splitHostPort, type HostAdvice } from "../client/host-port.js";
import { SMTP } from "../client/smtp.js";
import type { RateLimit } from "./rate-limit.js";

/** Options of `SMTPPool`: where to connect, how many, how fast, plus every client option. */
export interface PoolOptions extends SMTPOptions {
  /** Server host (or a Unix socket path for LMTP). */
  host: string;
  /** Server port; 0 or absent: the protocol's default. */
  port?: number | null | undefined;
  /** `"smtp"` (default), `"smtps"` (implicit TLS) or `"lmtp"`. */
  protocol?: "smtp" | "smtps" | "lmtp" | null | undefined;
  /** Credentials to log in with on every new connection. */
  auth?: GivenCredentials | null | undefined;
  /** Most connections open at once. Default 4. */
  maxConnections?: number | null | undefined;
  /** Most transactions in flight on one connection (pipelined). Default 8. */
  maxInFlight?: number | null | undefined;
  /** Messages after which a connection is retired (QUIT) and replaced. Default 100. */
  maxMessagesPerConnection?: number | null | undefined;
  /**
   * At most `messages` calls start in any `interval` ms, across the whole pool (a sliding
   * window). A call passes the limit before it asks for a connection, and exchanges its pass
   * for a fresh one at its turn on the connection, just before its first byte (first in
   * line), so the limit holds for when transactions start, also when calls piled up during
   * a stall. A call that then writes nothing of its transaction (refused by `maxQueued`; aborted or
   * closed out while it waits for a connection, or while queued on one before its turn;
   * refused by a check before its first byte; or none to be had) gives its place back;
   * one whose transaction may be partly written (aborted mid-send, say) counts, whatever
   * the reply. A call with a bad argument is refused before it reaches the limit.
   */
  rateLimit?: RateLimit | null | undefined;
  /** Close a connection idle this long (ms). Default 30,000. */
  idleTimeout?: number | null | undefined;
  /**
   * Most calls that may wait for their turn at once: for the rate limit, or for a
   * connection when every one is busy and no more may open. A call that would wait
   * beyond them rejects at once with `SMTPPoolQueueFull`, having sent nothing. Calls
   * given a connection (at most `maxConnections` x `maxInFlight`) do not count, nor do calls
   * opening a connection of their own without having waited (at most `maxConnections`); a call
   * that waited counts until it is given one, including while it opens one for itself
   * (greeting, TLS, login). A call let in (it waited, or began to open a connection) is never
   * turned away later (one run again on another connection, its own greeted with 421, say,
   * waits as needed). A whole number from 0 (never wait); default `Infinity`, no bound, so that
   * `Promise.all(batch.map(...))` over a batch of any size still sends every message.
   */
  maxQueued?: number | null | undefined;
}

/**
 * `value`, or `fallback` when it is absent. @throws TypeError unless it is a number;
 * RangeError unless the result is a positive integer (`name` says which option).
 */
export function positive(name: string, value: number | undefined, fallback: number): number {
  const v: unknown = value ?? fallback;
  checkNumber(v, name);
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be a positive integer, got ${v}`);
  return v;
}

/** The advice of a pool's errors about its `host` (a URL, a user part), in the pool's options: not `connect()`, `SMTP_SSL` or `login()`. */
const POOL_HOST_ADVICE: HostAdvice = {
  apart: '{ host: "mail.example.org", port: 587 }',
  implicitTLS: 'protocol: "smtps" (TLS from the first byte, port 465)',
  credentials: "the auth option, auth: { user, password }",
};

/** {@link POOL_HOST_ADVICE} for `protocol: "lmtp"`: LMTP's port, and STARTTLS for `smtps://` (`protocol: "smtps"` speaks SMTP). */
const LMTP_POOL_HOST_ADVICE: HostAdvice = {
  ...POOL_HOST_ADVICE,
  apart: `{ host: "mail.example.org", port: ${LMTP_PORT} }`,
  implicitTLS: LMTP_IMPLICIT_TLS,
};

/**
 * {@link NODEMAILER_HINTS} for `SMTPPool`'s options, which have `host`, `port` and `auth`,
 * and `protocol` for the class.
 */
const POOL_NODEMAILER_HINTS: Readonly<Record<string, string>> = {
  ...NODEMAILER_HINTS,
  secure: "Nodemailer's: protocol: \"smtps\" for TLS from the first byte (port 465); requireTLS: true for STARTTLS",
  lmtp: "Nodemailer's: protocol: \"lmtp\"",
  ignoreTLS: "Nodemailer's: STARTTLS is used only when asked (requireTLS: true)",
  pool: "an SMTPPool is one",
};

/** {@link POOL_NODEMAILER_HINTS} for `protocol: "lmtp"`: LMTP has no TLS from the first byte. */
const LMTP_POOL_NODEMAILER_HINTS: Readonly<Record<string, string>> = {
  ...POOL_NODEMAILER_HINTS,
  secure: "Nodemailer's: LMTP has no TLS from the first byte (protocol: \"smtps\" speaks SMTP); for STARTTLS set requireTLS: true",
  lmtp: "Nodemailer's: protocol: \"lmtp\" is given already, leave it out",
};

/** {@link POOL_NODEMAILER_HINTS} for `protocol: "smtps"`, which has TLS from the first byte already (as `SMTP_SSL`'s). */
const SMTPS_POOL_NODEMAILER_HINTS: Readonly<Record<string, string>> = {
  ...POOL_NODEMAILER_HINTS,
  secure: "Nodemailer's: protocol: \"smtps\" is TLS from the first byte already, leave it out; for STARTTLS instead, protocol: \"smtp\" with requireTLS: true",
  lmtp: "Nodemailer's: protocol: \"lmtp\", with requireTLS: true for TLS (LMTP has no TLS from the first byte)",
};

/**
 * The keys of {@link PoolOptions} beyond the client's, checked by the compiler against the
 * interface (see `AllKeys`): one added there and not here would be refused as unknown.
 */
const POOL_KEYS: readonly (keyof PoolOptions)[] = keysOf({
  host: true, port: true, protocol: true, auth: true, maxConnections: true, maxInFlight: true, maxMessagesPerConnection: true,
  rateLimit: true, idleTimeout: true, maxQueued: true,
} satisfies AllKeys<Omit<PoolOptions, keyof SMTPOptions>>);

/** The keys of `rateLimit`, checked as {@link POOL_KEYS} are. */
const RATE_LIMIT_KEYS = keysOf({ messages: true, interval: true } satisfies AllKeys<RateLimit>);

/**
 * Checks the shape of a pool's options (the client's among them, as `new SMTP()` would) when
 * the pool is made, not at its first connection. Returns them without `null`s (`null` is
 * "not given", as for a client), and apart the client's part, which each of its
 * connections is opened with. Numeric limits are checked by the pool itself.
 * @throws TypeError for a missing or non-string `host`, an unknown `protocol`, an unknown
 * key or a value of the wrong type; RangeError as `new SMTP()`.
 */
export function checkPoolOptions(value: unknown): { pool: Checked<PoolOptions>; client: Checked<SMTPOptions> } {
  if (value === undefined) throw new TypeError("SMTPPool needs options: at least { host }");
  if (typeof value === "string") {
    throw new TypeError(`new SMTPPool() takes an options object, not a host: write new SMTPPool({ host: ${quoted(value, 100)}, port }) (port optional: by default the protocol's, 25 for "smtp")`);
  }
  const given = optionsObject(value, "SMTPPool options");
  // The hints for a Nodemailer option follow the protocol given (checked below).
  const lmtp = given["protocol"] === "lmtp";
  const hints = lmtp ? LMTP_POOL_NODEMAILER_HINTS : given["protocol"] === "smtps" ? SMTPS_POOL_NODEMAILER_HINTS : POOL_NODEMAILER_HINTS;
  checkKnownKeys(given, [...POOL_KEYS, ...SMTP_OPTION_KEYS], "SMTPPool option", hints);
  const options = withoutNulls(given);
  if (typeof options["host"] !== "string") throw new TypeError(`host must be a string, got ${describeValue(options["host"])}`);
  const { protocol } = options;
  if (protocol !== undefined && protocol !== "smtp" && protocol !== "smtps" && protocol !== "lmtp") {
    throw new TypeError(`protocol must be "smtp", "smtps" or "lmtp", got ${describeValue(protocol)}`);
  }
  if (options["port"] !== undefined) checkPort(options["port"], "port");
  if (options["auth"] !== undefined) {
    // What login() would refuse on each connection (before sending anything) fails here.
    checkCredentialStrings(checkCredentialsShape(options["auth"], "auth"));
  }
  if (options["rateLimit"] !== undefined) checkKnownKeys(optionsObject(options["rateLimit"], "rateLimit"), RATE_LIMIT_KEYS, "rateLimit key");
  if (options["idleTimeout"] !== undefined) checkMilliseconds("idleTimeout", options["idleTimeout"]);
  const client: Record<string, unknown> = {};
  for (const key of SMTP_OPTION_KEYS) if (options[key] !== undefined) client[key] = options[key];
  const clientOptions = checkSMTPOptions(client);
  // A client made now (no I/O) checks the client's options as the first connection's
  // would: a bad timeout, limit or debug level fails here, not at the first send.
  new SMTP(clientOptions);
  splitHostPort(options["host"], (options["port"] as number | undefined) ?? 0, 1, lmtp ? LMTP_POOL_HOST_ADVICE : POOL_HOST_ADVICE);
  return { pool: options as unknown as Checked<PoolOptions>, client: clientOptions };
}
