/**
 * `SMTP`: Python's `smtplib.SMTP` as an async TypeScript class (API.md). Calls on one
 * instance run one after another in call order; a pipelined `sendmail` lets the next call
 * start as soon as its data is written, so transactions pipeline across calls.
 * @module
 */

import type * as tls from "node:tls";
import { SMTP_PORT } from "../constants.js";
import { hungUp, serverSaid, SMTPConnectError, SMTPException, SMTPHeloError, SMTPResponseException, SMTPServerDisconnected } from "../errors.js";
import { addrOnly } from "../protocol/address.js";
import { encodeCommand } from "../protocol/commands.js";
import { isPositiveCompletion, type SMTPReply } from "../protocol/reply.js";
import { Channel } from "../transport/channel.js";
import { localHostname } from "../transport/local-name.js";
import { greetingOrTLSDiagnosis } from "../transport/tls-probe.js";
import type { TLSInfo } from "../transport/connection.js";
import { Tracer, type DebugLevel } from "../transport/trace.js";
import { Conversation, type Dialect } from "./conversation.js";
import { checkDebugLevel, checkLocalHostname, checkSMTPOptions, resolveTimeouts, type SMTPOptions } from "./options.js";
import { clientHostAdvice, splitHostPort } from "./host-port.js";
import { SMTPTransactions } from "./smtp-transactions.js";
import { rawCommandSlot, rawRecipient, rawWritten } from "./reset-lead.js";
import { rawReplied } from "./raw-replies.js";
import { endpoint } from "../transport/endpoint.js";
import { linkSignals } from "./abortable.js";
import { rawBytes } from "./body.js";

/**
 * The name given to `helo()`/`ehlo()`: as `localHostname` takes it, `null` or `""` for the
 * default (Python's `None`); anything else (`NaN`, `0`, a name with a space) is a TypeError.
 */
function checkedName(name: unknown): string {
  return checkLocalHostname(name, "name") ?? "";
}

export type { SMTPOptions } from "./options.js";

/**
 * An SMTP client session (Python's `smtplib.SMTP`). Construct with `new SMTP(options)` (no
 * I/O) and `connect()`, or with `await SMTP.connect(host, port, options)`; leave with
 * `quit()` or `await using`.
 */
export class SMTP extends SMTPTransactions {
  /** The port used when `connect()` is given port 0. */
  static readonly defaultPort: number = SMTP_PORT;

  /**
   * Connects and reads the greeting: `new this(options)` then `connect(host, port)`.
   * @throws see {@link SMTP.connect | connect()}.
   */
  static async connect<T extends SMTP>(this: new (options?: SMTPOptions) => T, host: string | null = "localhost", port: number | null = 0, options?: SMTPOptions): Promise<T> {
    const client = new this(options);
    await client.connect(host, port);
    return client;
  }

  /**
   * Creates a client; performs no I/O. @throws RangeError for a non-positive timeout;
   * TypeError for an unknown option, an option of the wrong type (`debugLevel: true`
   * included), or `socketFactory` with `sourceAddress`.
   */
  constructor(options: SMTPOptions = {}) {
    const checked = checkSMTPOptions(options, (new.target as typeof SMTP).adviceName);
    super(checked, new Tracer(checkDebugLevel(checked.debugLevel ?? 0, true), checked.debugOutput), resolveTimeouts(checked));
  }

  /** The dialect this class speaks (LMTP overrides). */
  protected get dialect(): Dialect {
    return "smtp";
  }

  /** TLS options when TLS starts with the first byte (SMTP_SSL overrides). */
  protected get implicitTLS(): tls.ConnectionOptions | undefined {
    return undefined;
  }

  /** The current debug level. */
  get debugLevel(): DebugLevel {
    return this.tracer.level;
  }

  /**
   * Sets the debug level: 0 silent, 1 commands and replies, 2 the same with times (`true`
   * is 1, `false` 0, as in Python).
   * @throws TypeError for anything but a number or a boolean; RangeError for another number.
   */
  setDebugLevel(level: DebugLevel | boolean): void {
    this.tracer.level = checkDebugLevel(level);
  }

  /** TLS details of the connection (protocol, cipher, peer certificate), or `null`. */
  get tlsInfo(): TLSInfo | null {
    return this.conversation?.channel.tlsInfo ?? null;
  }

  /** True while the connection is TLS-encrypted. */
  get encrypted(): boolean {
    return this.conversation?.channel.encrypted ?? false;
  }

  /**
   * Connects to `host` (`"host:port"` is split as in Python, and so is `"[IPv6]:port"`,
   * which Python would look up as a name; a path starting with `/` is a Unix socket for
   * LMTP) and reads the 220 greeting. Port 0 means the class's default; a `null` host or
   * port is one not given (Python's `None`).
   * @throws SMTPException when already connected; SMTPConnectError for a greeting other
   * than 220 (code -1 when it is not a valid reply) or a refused connection;
   * SMTPTimeoutError; TypeError for a non-numeric port in `"host:port"`; RangeError for a
   * port that is not an integer from 0 to 65535; TypeError for an LMTP Unix socket path with
   * `socketFactory`.
   */
  connect(host: string | null = "localhost", port: number | null = 0): Promise<SMTPReply> {
    const closeCalls = this.closeCalls;
    return this.exclusive(async () => {
      // Queued behind another call when close() came: no socket may open after close().
      if (this.closeCalls !== closeCalls) throw new SMTPServerDisconnected("Connection closed: close() was called before this connect() could run");
      if (this.conversation && !this.conversation.channel.closed) {
        throw new SMTPException("Already connected: call quit() or close() before connect()");
      }
      // putcmd() slots of a connection the server closed belong to it: getreply() on the
      // new one must read the new one's replies (Python reads the current socket).
      this.forgetConnection(true);
      const target = splitHostPort(host ?? "localhost", port ?? 0, (this.constructor as typeof SMTP).defaultPort, clientHostAdvice((this.constructor as typeof SMTP).adviceName));
      if (target.path !== undefined && this.dialect === "lmtp" && this.options.socketFactory !== undefined) {
        throw new TypeError(`socketFactory cannot open a Unix socket (${target.path}): it is for TCP targets only`);
      }
      this.watchSignal();
      try {
        return await this.open(target);
      } catch (err) {
        this.unwatchSignal();
        throw err;
      }
    });
  }

  /**
   * Aborts the connection being opened (see {@link SMTP.open}) when `close()` comes before it
   * is up: there is no channel for `close()` to destroy yet, and the socket would stay open.
   */
  #opening: AbortController | null = null;

  /** Opens the channel and reads the greeting (see {@link SMTP.connect}). */
  private async open(target: ReturnType<typeof splitHostPort>): Promise<SMTPReply> {
    const opening = new AbortController();
    this.#opening = opening;
    const link = linkSignals(this.options.signal, opening.signal);
    try {
      return await this.openChannel(target, link.signal);
    } finally {
      link.release();
      if (this.#opening === opening) this.#opening = null;
    }
  }

  /** {@link SMTP.open} with the signal that aborts it. */
  private async openChannel(target: ReturnType<typeof splitHostPort>, signal: AbortSignal): Promise<SMTPReply> {
    const timeouts = this.timeouts;
    const channel = await Channel.open({
      host: target.host, port: target.port,
      ...(target.path !== undefined && this.dialect === "lmtp" ? { path: target.path } : {}),
      ...(this.implicitTLS ? { implicitTLS: this.implicitTLS, diagnoseTLS: this.options.diagnoseTLS !== false } : {}),
      ...(this.options.sourceAddress ? { sourceAddress: this.options.sourceAddress } : {}),
      ...(this.options.socketFactory ? { socketFactory: this.options.socketFactory } : {}),
      timeout: timeouts.connect,
      signal,
      owner: this,
      tracer: this.tracer,
      ...(this.options.limits ? { limits: this.options.limits } : {}),
      greeting: { timeout: timeouts.greeting, phase: "greeting" },
    });
    const conv = new Conversation(channel, this.dialect, timeouts);
    this.conversation = conv;
    this.unwatchSignalOnClose(channel.closedSignal);
    let reply: SMTPReply;
    try {
      signal.throwIfAborted(); // close() or the signal since the connect stopped listening (a debugOutput line)
      reply = await this.readGreeting(channel, target.host, target.port);
    } catch (err) {
      channel.destroy();
      // Closed by this side (close(), the signal option): say so, not that the server hung up.
      if (signal.aborted) throw signal.reason;
      const where = endpoint(target.host, target.port);
      // Not "Connection unexpectedly closed" alone: by whom, and no greeting (a blocklist, a connection limit)
      if (err instanceof SMTPServerDisconnected && err.constructor === SMTPServerDisconnected) {
        throw new SMTPServerDisconnected(`${err.message}: ${where} closed the connection before its greeting`, { cause: err });
      }
      if (err instanceof SMTPServerDisconnected || err instanceof SMTPConnectError || !(err instanceof SMTPException)) throw err;
      // a reply that is not SMTP has code -1, said once (by this error), not twice; `why` then quotes the server's line
      const notSMTP = err instanceof SMTPResponseException && err.smtpCode < 0;
      const why = notSMTP ? err.smtpError : err.message;
      throw serverSaid(new SMTPConnectError(-1, `Invalid greeting from ${where}: ${why}`, { cause: err }), notSMTP ? why : "");
    }
    if (reply.code !== 220) {
      channel.destroy();
      throw new SMTPConnectError(reply.code, reply.message, { command: "the greeting" });
    }
    return reply;
  }

  /**
   * Reads the greeting. On a plain-text TCP connection with `diagnoseTLS` on (the
   * default), a greeting of which no byte has come after 1.5 s makes a second connection probe
   * the same port for implicit TLS; if it speaks TLS, or answers in plain text that is no
   * SMTP reply, this fails at once instead of at the greeting timeout. See `transport/tls-probe.ts`.
   * @throws SMTPConnectError (code -1) with "this looks like an implicit-TLS port: use
   * SMTP_SSL" or "this looks like an HTTP server"; whatever reading the greeting throws.
   */
  protected async readGreeting(channel: Channel, host: string, port: number): Promise<SMTPReply> {
    const greeting = channel.reply(channel.greeting);
    const { diagnoseTLS, sourceAddress, socketFactory } = this.options;
    // A probe would connect around the socketFactory (its proxy or tunnel): none then.
    if (this.implicitTLS !== undefined || diagnoseTLS === false || host.startsWith("/") || socketFactory !== undefined) return greeting;
    return greetingOrTLSDiagnosis(greeting, {
      host, port, owner: this, lmtp: this.dialect === "lmtp",
      ...(sourceAddress?.host ? { localAddress: sourceAddress.host } : {}),
      onProbe: () => this.tracer.line(`no greeting from ${endpoint(host, port)} yet: probing it for implicit TLS on a second connection`),
      heard: () => channel.replyInProgress,
    });
  }

  /** Sends raw bytes (a string is UTF-8 encoded) with no CR/LF check: Python's `send()`; as its `sendall`, waits while the server does not read them.
   * @throws TypeError for anything but a string or a Uint8Array, or text with a lone surrogate; SMTPTimeoutError (`dataBlock`), SMTPServerDisconnected. */
  send(data: string | Uint8Array): Promise<void> {
    return this.exclusive(async () => {
      const bytes = rawBytes(data);
      const conv = this.requireConnection();
      this.rawSent(bytes);
      if (!conv.channel.sendRaw(bytes, `<raw ${bytes.length} bytes>`, rawWritten(conv, bytes, this.pendingReplies))) await conv.channel.waitDrain(conv.timeout("dataBlock"));
    });
  }

  /**
   * Sends `cmd args` as one line (the verb as given). Read its reply with `getreply()`.
   * @throws TypeError for CR, LF or NUL; SMTPServerDisconnected when not connected.
   */
  putcmd(cmd: string, args = ""): Promise<void> {
    return this.exclusive(async () => {
      const conv = this.requireConnection();
      const { bytes, log, auth } = this.rawCommand(cmd, args, conv);
      this.pushRawSlot(conv, (arrived) => rawCommandSlot(conv, cmd, args, { bytes, log }, undefined, arrived), auth, rawRecipient(cmd, args));
    });
  }

  /**
   * Reads the next reply: that of the oldest `putcmd()` not yet read, else one that came
   * after a raw `send()`, else the next to arrive.
   * @throws SMTPServerDisconnected, SMTPTimeoutError, SMTPResponseException (malformed reply).
   */
  getreply(): Promise<SMTPReply> {
    return this.exclusive(async () => {
      // A putcmd() slot keeps its own outcome, even when the connection has since failed.
      const pending = this.pendingReplies.shift();
      if (pending && this.conversation) {
        if ("reply" in pending) return this.rawReplyRead(pending.reply);
        const reply = await this.conversation.read(pending.slot);
        rawReplied(this.conversation, pending.recipient, reply, pending.slot);
        return pending.auth ? this.authReplied(reply) : reply;
      }
      const reply = await this.unaskedReply();
      // A reply to a raw send(): it may be the AUTH exchange's, so it may end the masking.
      return this.rawReplyRead(reply);
    });
  }

  /** Sends a command and reads its reply (Python's `docmd`). */
  docmd(cmd: string, args = ""): Promise<SMTPReply> {
    return this.exclusive(() => this.simple(cmd, args));
  }

  /** HELO; the reply text is kept in `heloResp` when it succeeds. */
  helo(name = ""): Promise<SMTPReply> {
    return this.exclusive(async () => this.doHelo(checkedName(name)));
  }

  /** EHLO (LHLO for LMTP); on 250 sets `ehloResp`, `doesEsmtp` and `esmtpFeatures` (another 2yz: `ehloResp` alone). */
  ehlo(name = ""): Promise<SMTPReply> {
    return this.exclusive(async () => this.doEhlo(checkedName(name)));
  }

  /** EHLO, falling back to HELO, unless one already succeeded. @throws SMTPHeloError */
  ehloOrHeloIfNeeded(): Promise<void> {
    return this.exclusive(() => this.greet());
  }

  /** VRFY with the address part of `address`. */
  verify(address: string): Promise<SMTPReply> {
    return this.exclusive(() => this.simple("VRFY", addrOnly(address)));
  }

  /** EXPN with the address part of `address`. */
  expn(address: string): Promise<SMTPReply> {
    return this.exclusive(() => this.simple("EXPN", addrOnly(address)));
  }

  /** HELP; resolves to the reply text (Python returns the message only). */
  help(args = ""): Promise<string> {
    return this.exclusive(async () => (await this.simple("HELP", args)).message);
  }

  /** RSET: aborts the mail transaction. */
  rset(): Promise<SMTPReply> {
    return this.exclusive(async () => {
      this.requireConnection().endTransaction();
      return this.simple("RSET");
    });
  }

  /** NOOP. */
  noop(): Promise<SMTPReply> {
    return this.exclusive(() => this.simple("NOOP"));
  }

  /** QUIT, then closes the socket (whatever the reply). */
  quit(): Promise<SMTPReply> {
    return this.exclusive(async () => {
      try {
        return await this.simple("QUIT");
      } finally {
        this.closeNow(true);
      }
    });
  }

  /**
   * Closes the connection at once, without QUIT (one that an aborted call is ending gracefully: within a second). Pending
   * calls fail, a `connect()` still opening or waiting for its turn too (SMTPServerDisconnected): no socket is left open.
   */
  close(): void {
    this.closeCalls++;
    this.#opening?.abort(new SMTPServerDisconnected("Connection closed: close() was called while connecting"));
    this.closeNow(false);
  }

  /** `await using`: QUIT and close; a server that has already gone is not an error, one that never answers QUIT is (SMTPTimeoutError). */
  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.conversation || this.conversation.channel.closed) {
      this.close();
      return;
    }
    let reply: SMTPReply;
    try {
      reply = await this.quit();
    } catch (err) {
      if (hungUp(err)) return;
      throw err;
    }
    if (reply.code !== 221) {
      throw new SMTPResponseException(reply.code, reply.message, { command: "QUIT" });
    }
  }

  /** The local name for HELO/EHLO (computed once, as Python's `local_hostname`). */
  protected async hostname(name: string): Promise<string> {
    if (name || this.localHostname) return name || (this.localHostname as string);
    const conv = this.requireConnection();
    const computed = await conv.within(localHostname(conv.channel.localAddress), "looking up this host's name for EHLO/HELO (set localHostname to skip it)");
    this.rememberComputedName(computed);
    return computed;
  }

  /** HELO; `followed` (the session's own, before other commands) as in `Conversation.pipeline`. */
  protected async doHelo(name: string, followed = false): Promise<SMTPReply> {
    const conv = this.requireConnection();
    const host = await this.hostname(name);
    const bytes = encodeCommand("HELO", host);
    // HELO, like EHLO, ends any transaction (RFC 5321 §4.1.4): its UTF-8 encoding too.
    conv.endTransaction();
    const reply = await conv.command({ bytes, log: `HELO ${host}` }, followed);
    conv.heloResp = isPositiveCompletion(reply.code) ? reply.message : null;
    return reply;
  }

  /** EHLO or LHLO: a refused one leaves no greeting state behind; `followed` as in {@link doHelo}. */
  protected async doEhlo(name: string, followed = false): Promise<SMTPReply> {
    const conv = this.requireConnection();
    const host = await this.hostname(name);
    const verb = this.dialect === "lmtp" ? "LHLO" : "EHLO";
    // Checked before any state changes: a name the encoder refuses leaves the greeting as it was.
    const bytes = encodeCommand(verb, host);
    conv.resetGreeting();
    conv.endTransaction(); // EHLO ends any transaction (RFC 5321 §4.1.4), its UTF-8 encoding too
    const reply = await conv.command({ bytes, log: `${verb} ${host}` }, followed);
    if (isPositiveCompletion(reply.code)) conv.recordEhlo(reply);
    return reply;
  }

  /** Python's `ehlo_or_helo_if_needed`: LMTP never falls back to HELO (RFC 2033 §4.1); a hang-up after a refused EHLO (read once HELO is written) fails with the refusal, as when seen in time. */
  protected async greet(): Promise<void> {
    const conv = this.requireConnection();
    if (conv.greeted) return;
    const ehlo = await this.doEhlo("", true); // followed: a 1yz/3yz closes the connection
    if (isPositiveCompletion(ehlo.code)) return;
    const verb = this.dialect === "lmtp" ? "LHLO" : "EHLO";
    if (ehlo.code === 421 || this.dialect === "lmtp" || conv.channel.closed) throw new SMTPHeloError(ehlo.code, ehlo.message, { command: verb });
    const helo = await this.doHelo("", true).catch((err: unknown) => { throw hungUp(err) ? new SMTPHeloError(ehlo.code, ehlo.message, { command: verb, cause: err }) : err; });
    if (!isPositiveCompletion(helo.code)) throw new SMTPHeloError(helo.code, helo.message, { command: "HELO" });
  }
}
