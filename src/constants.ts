/**
 * Ports, default timeouts and size limits. Every limit cites where it comes from.
 * @module
 */

/** The SMTP port (RFC 5321 §4.5.4.2 "well-known port 25"). */
export const SMTP_PORT = 25;
/** The implicit-TLS submission port (RFC 8314 §3.3). */
export const SMTP_SSL_PORT = 465;
/** The LMTP port Python uses (RFC 2033 names none; 2003 is the registered `lmtp` port). */
export const LMTP_PORT = 2003;

/**
 * Largest reply line we read, CRLF included: Python's `_MAXLINE`. RFC 5321 §4.5.3.1.5
 * sets 512 octets as the minimum a client must accept; real servers stay far below 8192.
 */
export const MAX_REPLY_LINE_BYTES = 8192;
/** Largest whole (multi-line) reply, in bytes. */
export const MAX_REPLY_BYTES = 64 * 1024;
/** Most lines in one multi-line reply. */
export const MAX_REPLY_LINES = 1000;

/**
 * Longest command line, CRLF included (RFC 5321 §4.5.3.1.4). RFC 4954 §4 holds the AUTH
 * command to it: an initial response that would make the AUTH line longer is not sent there.
 */
export const MAX_COMMAND_LINE_BYTES = 512;

/** Most AUTH challenges answered before the exchange is cancelled (Python's `_MAXCHALLENGE`). */
export const MAX_AUTH_CHALLENGES = 5;

/**
 * Default timeouts in milliseconds, from RFC 5321 §4.5.3.2 ("Timeouts").
 * `connect` has no RFC value; two minutes bounds a black-holed SYN without cutting a slow link.
 */
export const DEFAULT_TIMEOUTS = Object.freeze({
  /** TCP (and TLS) connection establishment. */
  connect: 2 * 60_000,
  /** §4.5.3.2.1 Initial 220 Message: 5 minutes. */
  greeting: 5 * 60_000,
  /**
   * §4.5.3.2.2/3 MAIL and RCPT: 5 minutes; used for every other command too, and for each
   * answer of an AUTH exchange (an auth object's, a token function's: see `authenticate`).
   */
  command: 5 * 60_000,
  /** §4.5.3.2.4 DATA Initiation: 2 minutes. */
  dataInitiation: 2 * 60_000,
  /**
   * §4.5.3.2.5 Data Block: 3 minutes per stalled write; also per wait for a body stream's
   * next chunk (a stream that stops yielding would otherwise hold the call forever).
   */
  dataBlock: 3 * 60_000,
  /** §4.5.3.2.6 DATA Termination: 10 minutes for the reply to the final ".". */
  dataTermination: 10 * 60_000,
});

/** The names of the per-phase timeouts. */
export type TimeoutPhase = keyof typeof DEFAULT_TIMEOUTS;

/**
 * How much longer `close()` lets a connection that an aborted call closed gracefully (its
 * message all written, README "Cancelling") send what it still holds, at most (and never
 * past the `dataBlock` timeout): a caller that closes wants the socket, and the process it
 * keeps alive, gone, while a server still reading gets the end of the message.
 */
export const CLOSE_GRACE_MS = 1_000;

/** The longest delay a timer can wait: Node fires longer ones after 1 ms. */
export const MAX_DELAY_MS = 2 ** 31 - 1;

/**
 * Checks a number of milliseconds for a timer (a timeout, an interval).
 * @throws TypeError when it is not a number; RangeError unless 0 < value <= MAX_DELAY_MS
 * (NaN too: a number out of range, as Python's ValueError for a NaN timeout, and as the
 * other numeric options here).
 */
export function checkMilliseconds(name: string, value: unknown): number {
  if (typeof value !== "number") throw new TypeError(`${name} must be a number of milliseconds`);
  if (!(value > 0 && value <= MAX_DELAY_MS)) {
    throw new RangeError(`${name} must be a positive number of milliseconds up to ${MAX_DELAY_MS} (about 24.8 days), got ${value}`);
  }
  return value;
}

/**
 * The debugging server's default limit of recipients per transaction: ten times the 100
 * that RFC 5321 §4.5.3.1.8 asks a server to take, so a client cannot grow an envelope
 * without bound.
 */
export const DEFAULT_MAX_RECIPIENTS = 1000;

/**
 * The debugging server's default largest message, in bytes: 32 MiB, aiosmtpd's default
 * `data_size_limit`, so that what one message holds in memory is bounded (RFC 1870 lets a
 * server refuse a larger one with 552). Enforced, not advertised, unless `size` is given.
 */
export const DEFAULT_DEBUG_SIZE = 32 * 1024 * 1024;

/** The debugging server's default most clients at once: with {@link DEFAULT_DEBUG_SIZE}, at most ~3 GiB of messages in transit. */
export const DEFAULT_DEBUG_MAX_CLIENTS = 100;

/** This package's version, as in package.json (a unit test keeps the two equal). */
export const VERSION = "0.1.0";
