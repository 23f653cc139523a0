/**
 * The whole exception tree of smtplib, as in Python's module. No other file declares an
 * error class. A caller's own mistake is a `TypeError` or `RangeError` instead, thrown
 * before anything is sent.
 * @module
 */

import type { TimeoutPhase } from "./constants.js";
import { CLOSED_BY_421, escapeControl } from "./error-text.js";
import type { SMTPReply } from "./protocol/reply.js";

export { describeType, describeValue, escapeControl, quoted, serverSaid, serverTextIn, timedOutAfter, timeoutUnitHint } from "./error-text.js";

/**
 * Whether the message of a call that failed may have reached anyone (see
 * {@link SMTPException.delivery}): `"not-delivered"`, nobody got it (it was not sent, or the
 * server refused it), so sending it again delivers it at most once; `"unknown"`, its end of
 * data was sent and no answer to it came (or the server said it took a message it had not
 * all read, or answered the end of data with a 1yz/3yz, which refuses nothing), so the
 * server may have taken it, and sending it again may deliver it twice.
 */
export type MessageDelivery = "not-delivered" | "unknown";

/** Extra details every smtplib error may carry. */
export interface SMTPErrorOptions {
  /** The underlying error (a socket or TLS error, for example). */
  cause?: unknown;
  /** Structured details from the server, e.g. the JSON of an OAuth error challenge. */
  details?: unknown;
  /**
   * The command that failed (credentials masked): for a server's refusal its verb (`"MAIL"`,
   * `"RCPT"`, `"DATA"`, `"BDAT"`, `"EHLO"`, `"AUTH PLAIN ****"`) or the step (`"the greeting"`,
   * `"end of data"`); for a timeout the line it waited on as traced (`"RCPT TO:<b@y>"`).
   */
  command?: string;
  /** Whether the call's message may have been delivered (see {@link SMTPException.delivery}). */
  delivery?: MessageDelivery;
}

/** Base class of every smtplib error (Python: `SMTPException`, a subclass of `OSError`). */
export class SMTPException extends Error {
  /** The command that failed, when one did (credentials masked). */
  readonly command: string | undefined;
  /**
   * For the error of a call that sends a message (`sendmail`, `sendMessage`, `deliver`,
   * `data`, and the pool's), whether that message may have been delivered: `"not-delivered"`
   * when nobody got it (it was not sent: "the message was not sent", "nothing of this call
   * was sent"; or the server refused it: `SMTPSenderRefused`, `SMTPRecipientsRefused`,
   * `SMTPDataError`), so a retry cannot deliver it twice; `"unknown"` when its end of data
   * was sent and no answer came, or when the server accepted (2yz) a message it had not all
   * read or answered its end of data with a 1yz/3yz, an `SMTPDataError` ("the message may
   * have been delivered"). `undefined` where
   * the error does not say, or concerns no message (`connect()`, `login()`, `noop()`): a
   * caller that must never send twice treats that as `"unknown"`. The message's wording
   * always agrees with it. An own property only when set (as `recipients`): not one more
   * line in every error that concerns no message, as logged.
   */
  declare readonly delivery: MessageDelivery | undefined;

  /**
   * Control characters in `message` are escaped (`\u001b`, `\n`): a message may carry a
   * hostile server's text (a reply, a certificate name), and must not reach a terminal or a
   * log raw. Escaping is idempotent, so text escaped before comes through unchanged.
   */
  constructor(message = "", options: SMTPErrorOptions = {}) {
    super(escapeControl(message), options.cause === undefined ? undefined : { cause: options.cause });
    this.command = options.command;
    if (options.delivery !== undefined) this.delivery = options.delivery;
    this.name = new.target.name;
    formatStack(this);
  }
}

/**
 * Formats `err`'s stack now, if an `Error`: until then V8 keeps each frame's function, with
 * the send path's closures (the request, the message's bytes), alive while the error is kept
 * (a retry queue's last error per job). SMTPException does it when made; a call's other errors
 * (a `TypeError` made at its turn) as it rejects (`CallTurns.run`). A throwing
 * `Error.prepareStackTrace` leaves it to be formatted when read. Internal (not exported).
 */
export function formatStack(err: unknown): void {
  if (!(err instanceof Error)) return;
  try {
    void err.stack;
  } catch {
    // formatted when read, as without this
  }
}

/** Options of {@link SMTPServerDisconnected}: {@link SMTPErrorOptions} and what each recipient got. */
export interface SMTPDisconnectedOptions extends SMTPErrorOptions {
  /** See {@link SMTPServerDisconnected.recipients}. */
  recipients?: Map<string, ReplyLike>;
}

/**
 * The server closed the connection unexpectedly, or the client was used before
 * `connect()`. A socket error, if any, is in `cause`.
 */
export class SMTPServerDisconnected extends SMTPException {
  /**
   * LMTP, the connection lost after the end of data and before the first recipient's reply
   * to it (or closed on a first reply that is not valid SMTP): every recipient's outcome as
   * known, as the map `sendmail` returns: one refused at RCPT with that reply (it did not get
   * the message), one accepted with code -1 (no reply: whether it got it is unknown).
   * `undefined` otherwise (SMTP's one reply to the end of data answers for all). An own
   * property only when set: not one more line in every other such error as logged.
   */
  declare readonly recipients: Map<string, SMTPReply> | undefined;

  /** `options.recipients` becomes {@link recipients}, bare `{ code, message }` entries completed into replies. */
  constructor(message = "", options: SMTPDisconnectedOptions = {}) {
    super(message, options);
    if (options.recipients !== undefined) this.recipients = asReplies(options.recipients);
  }
}

/**
 * A timeout expired (connecting, waiting for a reply, or writing data). The socket has
 * been closed. `code` is `"ETIMEDOUT"`, as in Node's own errors. Whether a message may have
 * been delivered is said by `delivery` (and the message: "may have been delivered"), not by
 * `phase`: with pipelined BDAT the end of data goes with MAIL, so a `command` timeout can
 * follow it.
 */
export class SMTPTimeoutError extends SMTPServerDisconnected {
  /** Always `"ETIMEDOUT"`. */
  readonly code = "ETIMEDOUT";
  /** Which step timed out: `connect`, `greeting`, `command`, `dataBlock`, ... */
  readonly phase: TimeoutPhase;
  /** The limit that expired, in milliseconds. */
  readonly timeout: number;

  /** `phase` is the step that timed out and `timeout` its limit in ms (see {@link phase}, {@link timeout}). */
  constructor(message: string, phase: TimeoutPhase = "command", timeout = 0, options: SMTPDisconnectedOptions = {}) {
    super(message, options);
    this.phase = phase;
    this.timeout = timeout;
  }
}

/** The command or option is not supported by the server (Python: `SMTPNotSupportedError`). */
export class SMTPNotSupportedError extends SMTPException {}

/**
 * An `SMTPPool` call was refused at once because `maxQueued` calls were already waiting
 * for their turn (for the rate limit or a connection). Nothing of it was sent; trying
 * again later may succeed. Not in Python's module: smtplib has no pool.
 */
export class SMTPPoolQueueFull extends SMTPException {
  /** The pool's `maxQueued`: how many calls may wait at once. */
  readonly maxQueued: number;

  /** The message says the queue was full and that nothing was sent. */
  constructor(maxQueued: number, options: SMTPErrorOptions = {}) {
    super(`The pool's queue is full: ${maxQueued} call(s) already waiting for their turn (maxQueued); nothing of this call was sent`, { ...options, delivery: "not-delivered" });
    this.maxQueued = maxQueued;
  }
}

/**
 * `why`, then what `delivery` says of the call's message ("the message was not sent", "the
 * message may have been delivered"): the message of an error whose `delivery` it is, so
 * that the two never disagree. Internal (not exported from the package).
 */
export function tellDelivery(why: string, delivery: MessageDelivery): string {
  // A full stop ending `why` (advice: "... to allow it.") goes: not "it.: the message".
  const lead = why.endsWith(".") && !why.endsWith("..") ? why.slice(0, -1) : why;
  return `${lead}: ${delivery === "unknown" ? "the message may have been delivered" : "the message was not sent"}`;
}

/**
 * `err`, the error of a call that wrote nothing of its message, as saying so: an smtplib
 * error whose {@link SMTPException.delivery} is not yet set gets `"not-delivered"`, and its
 * message (and stack) the words of {@link tellDelivery}, in place (the same error may reach
 * every call that waited for one connection, none of which sent anything: it is changed
 * once); any other value as it is. The caller vouches that nothing was written. Internal.
 */
export function sentNothing(err: unknown): unknown {
  if (!(err instanceof SMTPException) || err.delivery !== undefined) return err;
  (err as { delivery: MessageDelivery | undefined }).delivery = "not-delivered";
  told(err, "not-delivered");
  return err;
}

/**
 * `err`'s message (and stack) followed by what `delivery` says (see {@link tellDelivery}), or
 * replaced by `delivery` when it is another text, in place. The stack's first line (`name: message`) is the one rewritten, as text: the message
 * holds a server's words, which may hold `$'` or occur in the name.
 */
function told(err: Error, delivery: MessageDelivery | string): void {
  const message = delivery === "unknown" || delivery === "not-delivered" ? tellDelivery(err.message, delivery) : escapeControl(delivery);
  const head = err.message === "" ? err.name : `${err.name}: ${err.message}`;
  if (typeof err.stack === "string" && err.stack.startsWith(head)) err.stack = `${err.name}: ${message}${err.stack.slice(head.length)}`;
  err.message = message;
}

/** The `code` of an error-like value (`"ECONNREFUSED"`, an OpenSSL code, ...), or "". */
export function errorCode(err: unknown): string {
  return typeof err === "object" && err !== null && "code" in err ? String((err as { code: unknown }).code) : "";
}

/** A reply from the server as carried by errors: the code, the text and its parts. */
export interface ReplyLike {
  code: number;
  message: string;
  enhancedStatus?: string;
}

/** Formats `code text` for an error message, with control characters escaped. */
function describe(code: number, msg: string | Uint8Array): string {
  const text = typeof msg === "string" ? msg : Buffer.from(msg).toString("utf8");
  return `${code} ${escapeControl(text)}`.trimEnd();
}

/**
 * Finds an RFC 3463 enhanced status code (`class.subject.detail`) at the start of reply
 * text, of the same class as the reply code's first digit; `undefined` when there is none.
 * The text may hold every line of a reply (an error's `smtpError`): only the first is read.
 */
export function parseEnhancedStatus(code: number, text: string): string | undefined {
  // Most text fails at once: it must start with the reply's class digit and a dot.
  const cls = text.charCodeAt(0);
  if (cls !== 0x30 + Math.floor(code / 100) || text.charCodeAt(1) !== 0x2e || (cls !== 0x32 && cls !== 0x34 && cls !== 0x35)) return undefined;
  // class "." 1-3 digits "." 1-3 digits, then a space, a tab or the end (of the text or of
  // its first line, "\n" joining the lines of a reply's message): scanned by hand,
  // since this runs for every reply and a regular-expression match allocates its result.
  const dot = digitsEnd(text, 2);
  if (dot === -1 || text.charCodeAt(dot) !== 0x2e) return undefined;
  const end = digitsEnd(text, dot + 1);
  if (end === -1) return undefined;
  const after = text.charCodeAt(end);
  if (end < text.length && after !== 0x20 && after !== 0x09 && after !== 0x0a) return undefined;
  return text.slice(0, end);
}

/** The index after 1 to 3 ASCII digits starting at `from`, or -1 when there are none or more. */
function digitsEnd(text: string, from: number): number {
  let i = from;
  while (i < text.length && i - from < 4) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    i++;
  }
  const n = i - from;
  return n >= 1 && n <= 3 ? i : -1;
}

/**
 * Base class of every error that carries a reply code. `smtpCode` is the code (-1 for a
 * reply that was not valid SMTP) and `smtpError` the server's text.
 */
export class SMTPResponseException extends SMTPException {
  /** The reply code, or -1 when the reply was not valid SMTP. */
  readonly smtpCode: number;
  /** The reply text, decoded as UTF-8 (lines joined by "\n"). */
  readonly smtpError: string;
  /** The RFC 3463 enhanced status code (`"5.1.1"`) when the server sent one. */
  readonly enhancedStatus: string | undefined;

  /**
   * Python's `(code, msg)`; bytes are decoded as UTF-8. The message is `code text` with
   * control characters escaped, and {@link enhancedStatus} is parsed from the text.
   */
  constructor(code: number, msg: string | Uint8Array, options: SMTPErrorOptions = {}) {
    super(describe(code, msg), options);
    this.smtpCode = code;
    this.smtpError = typeof msg === "string" ? msg : Buffer.from(msg).toString("utf8");
    this.enhancedStatus = parseEnhancedStatus(code, this.smtpError);
  }

  /** True for a 4xx code: trying again later may succeed. */
  get isTransient(): boolean {
    return this.smtpCode >= 400 && this.smtpCode < 500;
  }

  /** True for a 5xx code: the same request will fail again. */
  get isPermanent(): boolean {
    return this.smtpCode >= 500 && this.smtpCode < 600;
  }
}

/** True for a reply error with code 421: the server is closing (RFC 5321 §3.8), and the client has closed too. Internal. */
export function isClosing421(err: unknown): err is SMTPResponseException {
  return err instanceof SMTPResponseException && err.smtpCode === 421;
}

/**
 * The error a 421 reply closes the connection with (RFC 5321 §3.8), whether a command's or
 * one nobody asked for. Internal (not exported from the package).
 */
export function closedBy421(reply: { readonly message: string }): SMTPServerDisconnected {
  return new SMTPServerDisconnected(`${CLOSED_BY_421}421 ${reply.message}`);
}

/**
 * The server refused the envelope sender: nobody got the message (`delivery` is
 * `"not-delivered"`). `sender` is the address as the caller gave it.
 */
export class SMTPSenderRefused extends SMTPResponseException {
  /** The refused sender, exactly as the caller passed it. */
  readonly sender: string;

  /** Python's `(code, msg, sender)`. */
  constructor(code: number, msg: string | Uint8Array, sender: string, options: SMTPErrorOptions = {}) {
    super(code, msg, { ...options, delivery: options.delivery ?? "not-delivered" });
    this.sender = sender;
  }
}

/**
 * The server refused the message data (the DATA command, a BDAT chunk or the final reply),
 * or answered it before it had all of it. Its `delivery` is `"not-delivered"` unless the
 * options say otherwise: `"unknown"` for a 2yz to a message the server had not all read,
 * or a 1yz/3yz to the end of data, whose message then says that it may have been delivered.
 */
export class SMTPDataError extends SMTPResponseException {
  /**
   * As {@link SMTPResponseException}'s; `delivery` is `"not-delivered"` unless `options.delivery`
   * is given. `options.recipient` (LMTP): the recipient whose reply after the data it is, named in the message.
   */
  constructor(code: number, msg: string | Uint8Array, options: SMTPErrorOptions & { readonly recipient?: string } = {}) {
    const delivery = options.delivery ?? "not-delivered";
    super(code, msg, { ...options, delivery });
    if (options.recipient !== undefined) told(this, `${this.message} (${options.recipient}'s reply after the data)`);
    if (delivery === "unknown") told(this, delivery);
  }
}

/** Connecting failed: the greeting was not 220, or not a valid reply (code -1). */
export class SMTPConnectError extends SMTPResponseException {}

/** The server refused HELO, EHLO or LHLO. */
export class SMTPHeloError extends SMTPResponseException {}

/**
 * True when the server hung up (the connection closed under a call), not when the call ran
 * out of time: `SMTPTimeoutError` is an `SMTPServerDisconnected` too, but no server left.
 * Internal (not exported from the package).
 */
export function hungUp(err: unknown): err is SMTPServerDisconnected {
  return err instanceof SMTPServerDisconnected && !(err instanceof SMTPTimeoutError);
}

/** Authentication failed: the server refused the credentials or the exchange broke down. */
export class SMTPAuthenticationError extends SMTPResponseException {
  /** Structured details the server gave, e.g. the parsed JSON of an OAuth error (RFC 7628 §3.2.2). */
  readonly details: unknown;

  /** As {@link SMTPResponseException}'s; `options.details` becomes {@link details}. */
  constructor(code: number, msg: string | Uint8Array, options: SMTPErrorOptions = {}) {
    super(code, msg, options);
    this.details = options.details;
  }
}

/**
 * Every recipient was refused: nobody got the message (`delivery` is always
 * `"not-delivered"`). `recipients` maps each refused address (as the caller gave it) to the
 * server's reply.
 */
export class SMTPRecipientsRefused extends SMTPException {
  /** Each refused recipient with the reply that refused it. */
  readonly recipients: Map<string, SMTPReply>;

  /**
   * Bare `{ code, message }` entries (as a caller may build them) are completed into replies.
   * With a 421 among them the server closed the connection, and the others given (accepted,
   * or never tried) are not in the map: the message says so, not that all were refused; so
   * it does when `options.cause` is the connection closed by the server (see {@link hungUp})
   * after these refusals, before the other recipients' replies came: at RCPT (`command`),
   * before any recipient was accepted; else (LMTP's replies after the data) after they were.
   * `options.refusedAtRcpt` (LMTP after the data): the recipients refused at RCPT, the others
   * after the data; given, the message marks each "(at RCPT)" or "(after the data)".
   */
  constructor(recipients: Map<string, ReplyLike>, options: SMTPErrorOptions & { readonly refusedAtRcpt?: ReadonlySet<string> } = {}) {
    const at = options.refusedAtRcpt;
    const parts = [...recipients].map(([addr, r]) => `${escapeControl(addr)}${at === undefined ? "" : at.has(addr) ? " (at RCPT)" : " (after the data)"}: ${describe(r.code, r.message)}`);
    const lead = [...recipients.values()].some((r) => r.code === 421) ? "Nobody got the message: the server closed the connection (421)"
      : hungUp(options.cause) ? `Nobody got the message: the connection closed after these refusals${options.command === "RCPT" ? ", before any recipient was accepted" : ""}`
        : "All recipients were refused";
    super(`${lead}: ${parts.join("; ")}`, { ...options, delivery: "not-delivered" });
    this.recipients = asReplies(recipients);
  }
}

/** `map` itself when every entry is a whole reply, else a copy with each entry completed. */
function asReplies(map: Map<string, ReplyLike>): Map<string, SMTPReply> {
  const whole = (r: ReplyLike): r is SMTPReply => Array.isArray((r as Partial<SMTPReply>).lines);
  if ([...map.values()].every(whole)) return map as Map<string, SMTPReply>;
  return new Map([...map].map(([addr, r]): [string, SMTPReply] => {
    if (whole(r)) return [addr, r];
    const lines = r.message.split("\n");
    const enhanced = r.enhancedStatus ?? parseEnhancedStatus(r.code, lines[0]!);
    return [addr, enhanced === undefined ? { code: r.code, message: r.message, lines } : { code: r.code, message: r.message, lines, enhancedStatus: enhanced }];
  }));
}
