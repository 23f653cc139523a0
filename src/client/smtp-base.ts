/**
 * The state every SMTP client shares: options, tracer, the current conversation, the call
 * queue that runs calls one after another, and Python's state properties.
 * @module
 */

import type { TimeoutPhase } from "../constants.js";
import { describeValue, SMTPServerDisconnected } from "../errors.js";
import { checkCredentialSetting } from "../auth/credentials.js";
import { ExchangeSecrets } from "../protocol/auth-echo.js";
import { encodeCommand } from "../protocol/commands.js";
import { resolveLimits, type SMTPReply } from "../protocol/reply.js";
import type { Slot } from "../transport/command-queue.js";
import type { Tracer } from "../transport/trace.js";
import type { Conversation, Dialect } from "./conversation.js";
import { arrivedReplies, rawCommandSlot, rawEncoding, rawRecipient } from "./reset-lead.js";
import { keepingHeld, moveHeld, rawReplied, rawSendReplied } from "./raw-replies.js";
import { followSignal } from "./abortable.js";
import { CallTurns } from "./call-turns.js";
import { RawAuthScan } from "./raw-auth-scan.js";
import { checkLocalHostname, checkSocketFactory, type Checked, type SMTPOptions } from "./options.js";
import { unstartedCalls } from "./unsent.js";

function noop(): void {}

/** A `putcmd()` reply still to be read by `getreply()`, and whether it belongs to an AUTH exchange; or a reply to a raw `send()` before that `putcmd()`. */
export type RawSlot = { slot: Slot; auth: boolean; recipient?: string | undefined } | { reply: SMTPReply };

/** An AUTH command after a CR, LF or NUL in a line (which the encoder refuses): its error must not quote the line. */
const EMBEDDED_AUTH = /[\r\n\0]\s*auth\s/i;

/** The shared base of `SMTP`, `SMTP_SSL` and `LMTP`. Not exported from the package. */
export abstract class SMTPBase {
  #localHostname: string | null = null;
  #computedName: string | null = null; // computed for the current connection: an address literal is that connection's
  #user: string | null = null;
  /**
   * The password and the options (whose `tls` may hold a `key` and its `passphrase`) are
   * private fields behind accessors: an own property would show in `util.inspect(smtp)`,
   * `console.log(smtp)` and `JSON.stringify(smtp)`, and so in logs.
   */
  #password: string | null = null;
  readonly #options: Checked<SMTPOptions>;
  protected readonly tracer: Tracer;
  protected readonly timeouts: Readonly<Record<TimeoutPhase, number>>;
  protected conversation: Conversation | null = null;
  /** Slots of `putcmd()` calls whose reply `getreply()` has not read yet. */
  protected pendingReplies: RawSlot[] = [];
  /** True after a raw AUTH (`docmd`/`putcmd`) until a reply other than 334 is read: the raw lines sent meanwhile answer its challenges, so traces mask them. */
  #authAnswerDue = false;
  /** The raw lines written: AUTH exchanges in them, their credentials, the line in progress. */
  readonly #rawScan = new RawAuthScan();
  /** The `signal` option's listener while a connection is open (see {@link watchSignal}). */
  #onAbort: (() => void) | null = null;
  /** Removes {@link #onAbort} and lets go of the signal it listens on. */
  #unwatch: () => void = noop;
  /** How many times `close()` has been called: a `connect()` called before one does not connect. */
  protected closeCalls = 0;
  /**
   * Why the last connection went, when `close()` closed it (see {@link closeNow}): what a call
   * made or queued since then says, not a bare "please run connect() first". Cleared by
   * `connect()` and `quit()` (see {@link forgetConnection}).
   */
  #closedBy: unknown = undefined;
  /** The call queue (see {@link SMTPBase.exclusive}). */
  readonly #turns = new CallTurns();

  /**
   * Checks and keeps the options (no I/O); `tracer` and `timeouts` come resolved from them.
   * @throws TypeError for a `localHostname` with whitespace, CR, LF or NUL, a `socketFactory`
   *   that is not a function or comes with `sourceAddress`; RangeError for a bad `limits` value.
   */
  constructor(options: Checked<SMTPOptions>, tracer: Tracer, timeouts: Record<TimeoutPhase, number>) {
    if (options.limits !== undefined) resolveLimits(options.limits);
    checkSocketFactory(options);
    this.#options = { ...options };
    this.tracer = tracer;
    this.timeouts = Object.freeze(timeouts);
    this.localHostname = options.localHostname ?? null;
  }

  /** User name for `login()` and the auth objects; `null` for none. @throws TypeError (see {@link checkCredentialSetting}) */
  get user(): string | null { return this.#user; }
  set user(value: string | null) { this.#user = checkCredentialSetting(value, "user"); }

  /** Password for `login()` and the auth objects, `null` for none (never logged, nor shown by `util.inspect` or `JSON.stringify`). @throws TypeError as `user` */
  get password(): string | null { return this.#password; }
  set password(value: string | null) { this.#password = checkCredentialSetting(value, "password"); }

  /** The options given at construction, checked (private, as the password is: their `tls` may hold a key). */
  protected get options(): Checked<SMTPOptions> {
    return this.#options;
  }

  /**
   * Name used in HELO/EHLO/LHLO; default (`null` or empty, which reads `null`): this host's FQDN,
   * else the address literal of this end of the connection, computed on first use and again
   * after each `connect()`, and read here from then on. Writable, as in Python; a name with whitespace, CR, LF or NUL, or one that is
   * not a string, is a TypeError at once, as it is in the options (not a later `EHLO a b`).
   */
  get localHostname(): string | null {
    return this.#localHostname ?? this.#computedName;
  }

  set localHostname(name: string | null) {
    this.#localHostname = checkLocalHostname(name) || null;
    this.#computedName = null;
  }

  /** Keeps the name computed for this host until the next `connect()` (not the caller's: the setter's checks are for those). */
  protected rememberComputedName(name: string): void {
    this.#computedName = name;
  }

  protected abstract get dialect(): Dialect;
  /** EHLO or LHLO, with falling back to HELO where allowed. */
  protected abstract greet(): Promise<void>;

  /** Text of the last successful HELO reply, or `null`. */
  get heloResp(): string | null {
    return this.conversation?.heloResp ?? null;
  }

  /** Text of the last successful (2yz) EHLO/LHLO reply, or `null`. */
  get ehloResp(): string | null {
    return this.conversation?.ehloResp ?? null;
  }

  /** True when the last EHLO/LHLO was answered 250 (ESMTP: only that reply lists extensions). */
  get doesEsmtp(): boolean {
    return this.conversation?.doesEsmtp ?? false;
  }

  /** The service extensions of the last EHLO/LHLO: lower-case names to parameters. */
  get esmtpFeatures(): Map<string, string> {
    return this.conversation?.features ?? new Map();
  }

  /** True when the server advertised the extension `name` (case-insensitive). @throws TypeError for a `name` that is not a string. */
  hasExtn(name: string): boolean {
    if (typeof name !== "string") throw new TypeError(`name must be a string, got ${describeValue(name)}`);
    return this.esmtpFeatures.has(name.toLowerCase());
  }

  /**
   * Runs `fn` after every earlier call on this instance has finished, so calls never
   * interleave their bytes or swap replies. A pipelined `sendmail` resolves its `fn` once
   * its data is written and reads the final reply outside, so the next call can start.
   */
  protected exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.#turns.run(fn, this.options.signal);
  }

  /** True while a connection is open (false before `connect()`, after `quit()`/`close()`, or once the server has gone). */
  get connected(): boolean {
    return this.conversation !== null && !this.conversation.channel.closed;
  }

  /**
   * The open conversation (`conv`, a call's own, even once `close()` has let it go). @throws SMTPServerDisconnected when there is none; the error is
   * in {@link unstartedCalls}, since nothing of the call was sent. When the connection has
   * closed (a call queued behind one that failed, say, or by `close()` under it), the error says why, with the
   * connection's own error as its `cause`.
   */
  protected requireConnection(conv = this.conversation): Conversation {
    if (!conv || conv.channel.closed) {
      const reason: unknown = conv ? conv.channel.closedSignal.reason : this.#closedBy;
      const err = reason === undefined
        ? new SMTPServerDisconnected("please run connect() first", { delivery: "not-delivered" })
        : new SMTPServerDisconnected(`Not connected (${reason instanceof Error ? reason.message : String(reason)}): nothing of this call was sent; please run connect() first`, { cause: reason, delivery: "not-delivered" });
      unstartedCalls.add(err);
      throw err;
    }
    return conv;
  }

  /**
   * The next reply that no command asked for (`getreply()` after a raw `send()`): one held
   * since it came, even when the server has hung up after it (Python reads it from its
   * buffer), else the next to arrive. A 421 closes the connection (see `Conversation`).
   * @throws SMTPServerDisconnected when there is none and the connection is closed.
   */
  protected async unaskedReply(): Promise<SMTPReply> {
    const held = this.conversation?.takeHeld();
    if (held !== undefined) return held;
    const conv = this.requireConnection();
    // A raw send()'s later replies (two commands in one send(), coming together) must still
    // be held for the next getreply(), not discarded.
    return conv.read(keepingHeld(conv, () => conv.expect("command", "getreply()")));
  }

  /**
   * Opens a `putcmd()` slot (`open`) in the order `getreply()` reads replies, which is the
   * order they come (Python reads one stream): replies to a raw `send()` that have come go
   * before it, and, while those are being held, replies that come with no slot waiting
   * (a raw `send()`'s, after this slot has taken the first) are still held after it.
   * `open` is told how many replies to raw lines have come and wait for `getreply()` (see `rawCommandSlot`).
   */
  protected pushRawSlot(conv: Conversation, open: (arrived: number) => Slot, auth: boolean, recipient?: string): void {
    moveHeld(conv, this.pendingReplies);
    this.pendingReplies.push({ slot: keepingHeld(conv, () => open(arrivedReplies(conv, this.pendingReplies))), auth, recipient });
  }

  /** Sends one command (verb as given) and reads the reply. */
  protected async simple(verb: string, args = ""): Promise<SMTPReply> {
    const conv = this.requireConnection();
    const { bytes, log, auth } = this.rawCommand(verb, args, conv);
    // Replies come for raw lines written before (held, or in getreply()'s list): see rawCommandSlot.
    const slot = rawCommandSlot(conv, verb, args, { bytes, log }, false, arrivedReplies(conv, this.pendingReplies));
    await conv.settled(slot);
    const reply = conv.take(slot);
    rawReplied(conv, rawRecipient(verb, args), reply, slot);
    return auth ? this.authReplied(reply) : reply;
  }

  /**
   * Encodes a command sent with the caller's own verb (`docmd`, `putcmd`), and says what
   * traces show of it and whether it belongs to an AUTH exchange: an AUTH command's
   * arguments after the mechanism, and every raw line sent while its challenges may still
   * want answers, are masked (API.md: credentials never appear in debug output), and such
   * a line is not quoted in the TypeError for one that cannot be sent either.
   * Encoded as `rawEncoding` says (a raw MAIL's own SMTPUTF8 makes it UTF-8).
   * @throws TypeError as `encodeCommand`, before any state changes.
   */
  protected rawCommand(verb: string, args: string, conv: Conversation): { bytes: Buffer; log: string; auth: boolean } {
    const encoding = this.#authAnswerDue ? conv.encoding : rawEncoding(conv, verb, args);
    if (this.#authAnswerDue) {
      const bytes = encodeCommand(verb, args, encoding, false);
      this.#rawScan.command(args ? `${verb} ${args}` : verb, "answer");
      this.#hideRaw();
      return { bytes, log: "****", auth: true };
    }
    // Not strings: encodeCommand refuses them, naming their type.
    if (typeof verb !== "string" || typeof args !== "string") return { bytes: encodeCommand(verb, args, encoding), log: "", auth: false };
    const line = args ? `${verb} ${args}` : verb;
    // Any white space separates words here: masking a line that a server would not read as
    // AUTH shows less, never more. The line ends one a raw send() began ("AU", then "TH ...").
    const words = (this.#rawScan.head + line).trim().split(/\s+/);
    // A line the encoder refuses is quoted in its TypeError, unless an AUTH command follows a
    // line break in it (`NOOP\r\nAUTH PLAIN <base64>`, several commands in one docmd()).
    if (words[0]!.toUpperCase() !== "AUTH") {
      const bytes = encodeCommand(verb, args, encoding, !EMBEDDED_AUTH.test(line));
      this.#rawScan.command(line, "other");
      return { bytes, log: line, auth: false };
    }
    const bytes = encodeCommand(verb, args, encoding, false);
    this.#rawScan.command(line, "auth");
    this.#authStarted();
    return { bytes, log: words.length > 2 ? `${words[0]} ${words[1]} ****` : line, auth: true };
  }

  /**
   * For a raw `send()`: bytes with a line that starts an AUTH command start masking too (what
   * they are is never traced, only their length), and `getreply()` then ends it as for
   * `putcmd`, once the replies to the lines up to the last that carried a credential are read.
   */
  protected rawSent(bytes: Uint8Array): void {
    // Any line may start it, not only the first: one send() may carry several commands, and
    // a command may be cut over two. Scanned while masking too: more AUTH lines, answers.
    if (this.#rawScan.scan(bytes) >= 0) this.#authStarted();
    else if (!this.#authAnswerDue) return;
    this.#hideRaw();
  }

  /**
   * A raw AUTH command was written: its answers, and every credential of its exchange, are
   * masked until its exchange ends, and a SCRAM exchange's server messages too (offline
   * password guessing: see `Tracer.maskChallenges`).
   */
  #authStarted(): void {
    this.#authAnswerDue = true;
    this.#hideRaw();
  }

  /**
   * Masks, where a reply echoes one (`Tracer.hidden`), every credential of the raw exchange,
   * as written and as decoded (see `ExchangeSecrets`: the user name stays shown); and SCRAM's challenges.
   */
  #hideRaw(): void {
    const secrets = new ExchangeSecrets([this.user]);
    for (const secret of this.#rawScan.secrets) secrets.add(secret);
    this.tracer.hidden = secrets.list;
    this.tracer.maskChallenges = this.#rawScan.mayBeScram;
  }

  /**
   * The raw AUTH exchange is over: the lines written next are no answers. Its credentials
   * stay masked in replies (a 421 may quote them later) until the next exchange or the
   * connection's end, as login()'s do.
   */
  #authEnded(): void {
    this.#authAnswerDue = false;
    this.#rawScan.endExchange();
    this.tracer.maskChallenges = false;
  }

  /**
   * Notes the reply to a raw command of an AUTH exchange: while replies to raw lines up to
   * the last that carried a credential are due (lines before the AUTH, a second AUTH or
   * answers written with it), nothing ends; then a 334 lets the next line answer it, and
   * any other reply ends the masking.
   */
  protected authReplied(reply: SMTPReply): SMTPReply {
    if (this.#rawScan.maskedDue > 0) return reply;
    if (reply.code === 334) this.#rawScan.challenged();
    else this.#authEnded();
    return reply;
  }

  /**
   * Notes a reply that `getreply()` read for a raw `send()`: one line fewer awaits its
   * reply, and during a raw AUTH exchange it may end the masking (see {@link authReplied}).
   */
  protected rawReplyRead(reply: SMTPReply): SMTPReply {
    this.#rawScan.answered();
    if (this.conversation !== null) rawSendReplied(this.conversation, reply);
    return this.#authAnswerDue ? this.authReplied(reply) : reply;
  }

  /** Forgets what belonged to the last connection: unread `putcmd()` slots, a raw AUTH exchange, the signal's listener, why `close()` closed it; on `connect()`, the computed local name. */
  protected forgetConnection(connecting = false): void {
    if (connecting) this.#computedName = null;
    this.#closedBy = undefined;
    this.pendingReplies = [];
    this.#authEnded();
    this.tracer.hidden = undefined;
    this.#rawScan.reset();
    this.unwatchSignal();
  }

  /**
   * Makes the `signal` option close the connection when it aborts, from `connect()` until
   * the connection is closed or fails. The listener lives no longer than the connection:
   * a long-lived signal (a pool's, say) must not keep every client it ever served alive.
   */
  protected watchSignal(): void {
    const signal = this.options.signal;
    if (!signal) return;
    this.unwatchSignal();
    const onAbort = (): void => this.conversation?.channel.destroy(signal.reason);
    this.#onAbort = onAbort;
    // A signal shared by many clients (a shutdown signal) gets one listener, not one per
    // connected client (past ten, Node warns of a leak): each listens on its own follower.
    const own = followSignal(signal);
    own.signal?.addEventListener("abort", onAbort, { once: true });
    this.#unwatch = () => {
      own.signal?.removeEventListener("abort", onAbort);
      own.release();
    };
  }

  /**
   * Removes the listener {@link watchSignal} added once `closed` aborts: when the connection
   * goes by itself (the server hangs up or answers 421, a timeout, a protocol error, an
   * aborted call), not only at `close()`. A caller may drop a client whose connection the
   * server closed without calling `close()` (Python needs none): a long-lived signal must
   * not keep it alive, with its connection's buffers.
   */
  protected unwatchSignalOnClose(closed: AbortSignal): void {
    const onAbort = this.#onAbort;
    if (onAbort === null) return;
    // Only this connection's listener: a later connect() may have put its own.
    const unwatch = (): void => {
      if (this.#onAbort === onAbort) this.unwatchSignal();
    };
    if (closed.aborted) unwatch();
    else closed.addEventListener("abort", unwatch, { once: true });
  }

  /** Removes the listener {@link watchSignal} added, if any. */
  protected unwatchSignal(): void {
    if (this.#onAbort === null) return;
    this.#unwatch();
    this.#unwatch = noop;
    this.#onAbort = null;
  }

  /**
   * Closes the connection: gracefully after QUIT, at once otherwise (`close()`: the calls it
   * cuts off, and those made after it, say "Connection closed by close()", the caller's own
   * call, not a bare "Connection closed"); one still ending after an abort (see `abortClosing`)
   * gets a short grace (see `Conversation.hangUp`).
   */
  protected closeNow(graceful: boolean): void {
    const conv = this.conversation;
    this.conversation = null;
    this.forgetConnection();
    if (!conv) return;
    if (graceful) {
      conv.channel.end();
      return;
    }
    conv.hangUp(new SMTPServerDisconnected("Connection closed by close()"));
    // The server's own close, when it came first (or an abort's), is what it stays.
    this.#closedBy = conv.channel.closedSignal.reason;
  }
}
