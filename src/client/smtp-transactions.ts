/**
 * The mail methods: `mail()`, `rcpt()`, `data()`, `sendmail()`, `sendMessage()` and
 * `deliver()`. Every address and option is checked before anything is sent.
 * @module
 */

import { SMTPNotSupportedError } from "../errors.js";
import { isAsciiAddress, quoteaddr, quoteRecipient } from "../protocol/address.js";
import { rcptLines, type CommandEncoding } from "../protocol/commands.js";
import { sizeLimit } from "../protocol/ehlo.js";
import { hasEightBitData } from "../protocol/message.js";
import { hasParam, normalizeParams, paramValue } from "../protocol/params.js";
import type { SMTPReply } from "../protocol/reply.js";
import { followSignal, linkSignals } from "./abortable.js";
import { checkStreamUsable, type MessageBody } from "./body.js";
import { bodyOf, checkedCallWatch, messageRequest, sendRequest } from "./checked-call.js";
import type { CallWatch } from "./call-watch.js";
import type { Conversation } from "./conversation.js";
import { streamEightBitRefusal, undeclaredEightBit, type MessageInput } from "./send-message.js";
import { unstartedBefore } from "./unsent.js";
import { smtputf8Refusal } from "./smtputf8-refusal.js";
import { SMTPSecure } from "./smtp-secure.js";
import { writeBody } from "./data-writer.js";
import { ProgressMeter } from "./progress-meter.js";
import { complete, finish, mayHaveBeenDelivered, type Delivery } from "./final-reply.js";
import { allAscii, declaredSize, type Request } from "./request.js";
import { isAccepted, refuseData, send, type Envelope, type Pending } from "./transaction.js";
import { arrivedReplies, leadUnsent, mailGroup, resetBefore } from "./reset-lead.js";
import { awaitRawReplies } from "./raw-owed.js";
import { DATA, mailCommand, rcptLine } from "./envelope-commands.js";
import { bdatLength } from "./bdat-parts.js";
import { abortClosing, type Progress } from "./abort-close.js";

/** The reply to the end of data; for LMTP it also holds each recipient's reply. */
export interface DataReply extends SMTPReply {
  /** LMTP: one entry per recipient accepted at RCPT, with its reply after the data. */
  recipients?: Map<string, SMTPReply>;
}

/** Options of `sendMessage()`, beyond Python's arguments (its size comes from the message). */
export interface SendMessageOptions {
  /**
   * Aborts this call, which rejects at once with the signal's reason. Still waiting for its
   * turn (or for the greeting or STARTTLS before it), it sends nothing. With its transaction
   * partly written, the connection is closed (a half-sent transaction cannot be taken back)
   * and other calls on it fail with SMTPServerDisconnected; so it is with its message all
   * written and its final reply still due, unless other calls were pipelined behind (or
   * ahead of) it with replies due (then it stays, and that reply is read and dropped). The reason does not say which:
   * treat an aborted call as possibly delivered (README "Cancelling").
   */
  signal?: AbortSignal | null | undefined;
  /**
   * Called as the message goes out, with how many of its bytes have been handed to the
   * connection so far: the message as given (a string's UTF-8 bytes with CRLF line ends,
   * before dot-stuffing), so that with a known size it gives a share done. It is called as
   * each piece of a message written in pieces goes (a stream's chunks, and with BDAT a chunk
   * over 128 KiB in pieces of 128 KiB; a message in memory over 128 KiB in pieces of
   * 128 KiB; an empty chunk tells nothing; over DATA, once the next piece has come), and
   * once with the whole size when the last byte and the end of data have been handed over
   * (before the reply: an abort from it lets the message go whole). A call that fails before its message does not call it. It runs between writes:
   * keep it short. What it throws, or the promise it returns rejects with, does not stop
   * the message (use `signal` to cancel the call): it is said as a process warning
   * (`SMTPLIB_ON_PROGRESS`), once.
   */
  onProgress?: ((sent: number) => void) | null | undefined;
}

/** Options of `sendmail()` and `deliver()`, beyond Python's arguments. */
export interface DeliverOptions extends SendMessageOptions {
  /**
   * The body's size in bytes when it is a stream, for `SIZE=` (RFC 1870): a whole number,
   * else RangeError. For a string or bytes body it is not used: that size is known.
   */
  size?: number | null | undefined;
}

export type { Delivery } from "./final-reply.js";

/** The extensions of a server that only took HELO: none. */
const NO_FEATURES: ReadonlyMap<string, string> = new Map();

/** The options of a call given none: one shared object, not one per call. */
const NO_OPTIONS: DeliverOptions = Object.freeze({});

/** Adds the mail methods. */
export abstract class SMTPTransactions extends SMTPSecure {
  /**
   * MAIL FROM. Options go only to ESMTP servers (as Python); `SMTPUTF8` needs the server's
   * support (a server that only took HELO has none: `SMTPNotSupportedError`, where Python
   * drops the option), and a non-ASCII sender adds it.
   * @throws TypeError for a bad address or option; SMTPNotSupportedError.
   */
  async mail(sender: string, options: readonly string[] = []): Promise<SMTPReply> {
    const path = quoteaddr(sender);
    const params = normalizeParams(options);
    return this.exclusive(async () => {
      await this.secureIfRequired();
      const conv = this.requireConnection();
      const opts = this.transactionOptions(conv, path, [], conv.doesEsmtp ? params : [], params);
      conv.declare(hasParam(opts, "SMTPUTF8"), /^(8BITMIME|BINARYMIME)$/i.test(paramValue(opts, "BODY") ?? ""));
      // Led by RSET while transactions written whole are unread, as sendmail's are (not while a raw line's reply is due: see mailGroup).
      const [slot] = mailGroup(conv, [mailCommand(path, opts, conv.encoding)], arrivedReplies(conv, this.pendingReplies), false);
      const reply = await conv.read(slot!);
      if (reply.code !== 250) conv.endTransaction();
      conv.accepted = [];
      return reply;
    });
  }

  /**
   * RCPT TO. Options go only to ESMTP servers. No empty forward-path (RFC 5321 §4.1.1.3).
   * @throws TypeError for a bad or blank (`""`, `"<>"`: Python sends `RCPT TO:<>`) address
   * or option; SMTPNotSupportedError for a non-ASCII address outside SMTPUTF8.
   */
  async rcpt(recip: string, options: readonly string[] = []): Promise<SMTPReply> {
    const path = quoteRecipient(recip);
    const params = normalizeParams(options);
    return this.exclusive(async () => {
      const conv = this.requireConnection();
      if (!conv.utf8 && !isAsciiAddress(path)) {
        throw new SMTPNotSupportedError(`Non-ASCII recipient ${JSON.stringify(recip)} needs an SMTPUTF8 transaction (MAIL with SMTPUTF8)`);
      }
      const opts = conv.doesEsmtp ? params : [];
      const reply = await conv.command(rcptLine(path, opts, conv.encoding));
      if (isAccepted(reply.code, conv.dialect)) conv.accepted.push(recip);
      return reply;
    });
  }

  /**
   * DATA, then the message (dot-stuffed, line endings fixed) and its end. Resolves to the
   * reply after the data, whatever its code (as Python); for LMTP the reply carries
   * `recipients` and is the first refusal, or the last reply when all succeeded. Text beyond
   * ASCII (8-bit data as UTF-8) goes only when this transaction's MAIL declared
   * `BODY=8BITMIME` (or `BINARYMIME`) or `SMTPUTF8`; bytes go as given.
   * @throws SMTPNotSupportedError for such text without that declaration: a string before
   * DATA, a stream's string chunk when it comes (the connection then closes, the message
   * unsent). SMTPDataError when DATA is refused (then RSET, or close on 421) or answered
   * with a 1yz, a 2yz or another 3yz than 354 (then the connection closes: an RSET would get
   * the reply meant for DATA, or be read as the input the server asked for).
   */
  async data(msg: MessageBody): Promise<DataReply> {
    const body = bodyOf(msg);
    return this.exclusive(async () => {
      const conv = this.requireConnection();
      if (body.kind === "stream") checkStreamUsable(body.chunks);
      // Text beyond ASCII is 8-bit data: only where this transaction's MAIL declared it.
      const eightBit = conv.utf8 || conv.eightBit ? undefined : undeclaredEightBit;
      if (eightBit && body.kind === "bytes" && body.text === true && hasEightBitData(body.bytes)) throw eightBit();
      const reply = await conv.command(DATA);
      // Not 354: refused (then RSET), or a 1yz/2yz/3yz, on which the connection closes.
      if (reply.code !== 354) await refuseData(conv, reply);
      const accepted = conv.accepted;
      conv.accepted = [];
      const final = await writeBody(conv, body, accepted.length, this.options.signal, eightBit);
      conv.endTransaction();
      if (conv.dialect === "smtp") return conv.read(final[0]!).catch((err: unknown) => { throw mayHaveBeenDelivered(err); });
      const delivery = await finish(conv, { refused: new Map(), accepted, final }, false);
      const all = new Map([...delivery.delivered, ...delivery.refused]);
      return { ...delivery.reply, recipients: new Map(accepted.map((a) => [a, all.get(a)!])) };
    });
  }

  /**
   * Sends a message: Python's `sendmail`. Returns the refused recipients (empty when all
   * got it). Uses PIPELINING and CHUNKING when offered (see the options). `options`, beyond
   * Python's arguments, gives a stream body's `size` and a `signal` that cancels this call
   * (see {@link DeliverOptions}). A string body is encoded as UTF-8: one that is not ASCII
   * is 8-bit data, sent only to a server that advertises 8BITMIME or SMTPUTF8 (else
   * SMTPNotSupportedError before MAIL; Python refuses any such string), and so is a stream's
   * string chunk, found only as it comes: the transaction is then abandoned, the message
   * unsent (see README "Choices"); bytes go as given. Text with a lone surrogate: TypeError.
   * @throws TypeError (before anything is sent) for a bad address, option or message;
   * RangeError for a bad `size`; SMTPHeloError, SMTPSenderRefused, SMTPRecipientsRefused
   * (nobody got it), SMTPDataError, SMTPNotSupportedError, SMTPServerDisconnected (SMTPTimeoutError: a reply owed to raw
   * lines that never came, see `awaitRawReplies`), SMTPException (raw bytes end mid-line); the signal's reason once it aborts.
   */
  async sendmail(from: string, to: string | readonly string[], msg: MessageBody, mailOptions: readonly string[] = [], rcptOptions: readonly string[] = [], options: DeliverOptions = NO_OPTIONS): Promise<Map<string, SMTPReply>> {
    return (await this.deliverOrSend(false, from, to, msg, mailOptions, rcptOptions, options)).refused;
  }

  /**
   * `sendmail` that also reports each delivered recipient's reply (useful with LMTP).
   * @throws as {@link SMTPTransactions.sendmail}.
   */
  async deliver(from: string, to: string | readonly string[], msg: MessageBody, mailOptions: readonly string[] = [], rcptOptions: readonly string[] = [], options: DeliverOptions = NO_OPTIONS): Promise<Delivery> {
    return this.deliverOrSend(true, from, to, msg, mailOptions, rcptOptions, options);
  }

  /** `deliver`, and `sendmail` when `report` is false (its delivered map is then left empty). */
  private deliverOrSend(report: boolean, from: string, to: string | readonly string[], msg: MessageBody, mailOptions: readonly string[], rcptOptions: readonly string[], options: DeliverOptions): Promise<Delivery> {
    // A runner (the pool) may have checked the call already, before it waited for a turn.
    const watch = checkedCallWatch(options, true);
    return this.transact(watch?.request ?? sendRequest(report, from, to, msg, mailOptions, rcptOptions, options.size), options, watch);
  }

  /**
   * Sends a whole RFC 5322 message, taking the envelope from its headers as Python's
   * `send_message` does; `Bcc`/`Resent-Bcc` are never transmitted. `options.signal`, beyond
   * Python's arguments, cancels this call as `sendmail`'s does (see {@link SendMessageOptions}).
   * @throws TypeError (no sender, no recipients, several Resent-* sets, bad addresses);
   * SMTPNotSupportedError (SMTPUTF8 or 8BITMIME needed but not offered); as `sendmail`.
   */
  async sendMessage(msg: MessageInput, from?: string, to?: string | readonly string[], mailOptions: readonly string[] = [], rcptOptions: readonly string[] = [], options: SendMessageOptions = NO_OPTIONS): Promise<Map<string, SMTPReply>> {
    const watch = checkedCallWatch(options, false);
    return (await this.transact(watch?.request ?? messageRequest(msg, from, to, mailOptions, rcptOptions), options, watch)).refused;
  }

  /**
   * The MAIL options of a transaction from its paths (`<addr-spec>` as sent: a display name
   * is not, so it needs nothing): `SMTPUTF8` added when a path is not ASCII. `asked` are the
   * caller's options before a server without ESMTP dropped them: an SMTPUTF8 among them is
   * still refused there (Python's documentation says so; its code drops it silently), and
   * so is a REQUIRETLS (RFC 8689).
   * @throws SMTPNotSupportedError when SMTPUTF8 is asked for or needed, or REQUIRETLS is
   * asked for, and the server does not offer it (or does not speak ESMTP).
   */
  private transactionOptions(conv: Conversation, from: string, to: readonly string[], options: string[], asked: readonly string[] = options): string[] {
    // RFC 8689 §4.2.1: the demand for TLS all the way goes only to a server that advertises
    // REQUIRETLS; one that ignored it (or a HELO server, which gets no options) would take
    // the message without honouring it.
    if (hasParam(asked, "REQUIRETLS") && !(conv.doesEsmtp && conv.hasExtn("requiretls"))) {
      throw new SMTPNotSupportedError("REQUIRETLS was given, but the server does not advertise REQUIRETLS (RFC 8689: only over TLS)");
    }
    const wantsUtf8 = hasParam(asked, "SMTPUTF8") || !isAsciiAddress(from) || !allAscii(to);
    if (!wantsUtf8) return options;
    if (!(conv.doesEsmtp && conv.hasExtn("smtputf8"))) throw smtputf8Refusal(conv.greeted, from, to);
    return hasParam(options, "SMTPUTF8") ? options : [...options, "SMTPUTF8"];
  }

  /** Runs one transaction; with pipelining, releases the call queue once the data is written. */
  private async transact(req: Request, options: SendMessageOptions, watch: CallWatch | undefined): Promise<Delivery> {
    this.buildEarly(req);
    const progress: Progress = { sending: undefined, written: false, holding: false, final: undefined, writes: 0, ahead: undefined, watch, meter: options.onProgress ? new ProgressMeter(options.onProgress, watch) : undefined };
    if (!options.signal) {
      const next = await this.exclusive(() => this.startTransaction(req, undefined, progress));
      return next();
    }
    // A signal given to many queued calls gets one listener, not one per call (past ten,
    // Node warns of a possible leak): each call listens on its own follower of it.
    const own = followSignal(options.signal);
    const signal = own.signal!;
    signal.throwIfAborted();
    let onAbort = (): void => undefined;
    // Rejects at once on abort, even while the call still waits for its turn.
    const aborted = new Promise<never>((_resolve, reject) => {
      onAbort = (): void => {
        // Half sent, or its final reply due with nothing behind it: the connection goes (see
        // abortClosing), and the other calls on it learn that it went, not this call's reason.
        // All written, what the socket still holds goes first: the message is not cut short
        // (as long as a stalled write may last: a server that stopped reading gets no longer).
        const closing = abortClosing(progress, signal.reason);
        const conv = progress.sending;
        if (closing && conv) {
          if (progress.written) conv.channel.end(closing, conv.timeout("dataBlock"));
          else conv.channel.destroy(closing);
        }
        reject(signal.reason);
      };
    });
    aborted.catch(() => undefined);
    signal.addEventListener("abort", onAbort, { once: true });
    try {
      const turn = this.exclusive(() => this.startTransaction(req, signal, progress));
      let next: () => Promise<Delivery>;
      try {
        next = await Promise.race([turn, aborted]);
      } catch (err) {
        // Aborted with the connection left open (nothing written, or pipelined calls behind):
        // a written transaction's final reply is still read, in the background, so that the
        // connection's bookkeeping (replies still unread, RSET due) stays right.
        void turn.then((n) => n().catch(() => undefined), () => undefined);
        throw err;
      }
      return await Promise.race([next(), aborted]);
    } finally {
      signal.removeEventListener("abort", onAbort);
      own.release();
    }
  }

  /**
   * The part of a transaction that holds the call queue: greeting and TLS if still due,
   * the envelope, and the data written. Returns what reads the final reply: pipelined,
   * the queue is released before it (the next transaction may start); lock-step, after.
   */
  private async startTransaction(req: Request, signal: AbortSignal | undefined, progress: Progress): Promise<() => Promise<Delivery>> {
    signal?.throwIfAborted();
    // Checked at the call, and again at its turn: a call queued before it may have read it.
    if (req.body.kind === "stream") checkStreamUsable(req.body.chunks);
    // Replies owed to raw lines first (else they answer EHLO, STARTTLS or MAIL), then greeting and TLS (no-ops once done: no promise).
    if (this.conversation?.rawSent) await awaitRawReplies(this.conversation, this.pendingReplies, signal).catch((err: unknown) => { throw unstartedBefore(err); });
    if (this.options.requireTLS || !this.conversation?.greeted) {
      try {
        if (this.options.requireTLS) await this.secureIfRequired();
        if (!this.conversation?.greeted) await this.greet();
      } catch (err) {
        // Nothing of the transaction has been written: a 421 here leaves it unstarted.
        throw unstartedBefore(err);
      }
    }
    // The runner's last word before the first byte (the pool's rate limit), then: aborted
    // while that or the greeting (or STARTTLS) was on its way, nothing of it is written.
    if (progress.watch?.beforeStart) await progress.watch.beforeStart();
    signal?.throwIfAborted();
    const conv = this.requireConnection();
    const early = req.early;
    const env = early?.features === conv.features && early.changes === conv.features.changes ? early.env : this.envelope(conv, req);
    const pipelining = conv.doesEsmtp && conv.hasExtn("pipelining") && this.options.pipelining !== false;
    const chunking = conv.doesEsmtp && conv.hasExtn("chunking") && this.options.chunking !== false;
    // The caller's options, not the envelope's: a server that only took HELO gets none, yet
    // a binary body must not go as DATA there (its line ends and dots would be rewritten).
    if (paramValue(req.mailOptions, "BODY")?.toUpperCase() === "BINARYMIME") {
      if (!chunking) throw new SMTPNotSupportedError("BODY=BINARYMIME needs CHUNKING (BDAT), which the server does not offer or which is disabled");
      // RFC 3030 §3: only to a server that advertises BINARYMIME.
      if (!conv.hasExtn("binarymime")) throw new SMTPNotSupportedError("BODY=BINARYMIME was given, but the server does not advertise BINARYMIME");
    }
    // An RSET answered before the first byte (a lock-step lead, no part of the transaction; a refusal's, for a stream
    // over pipelined BDAT): closed on its reply, nothing of this one was written (requireConnection says so).
    if (resetBefore(conv, pipelining, chunking && req.body.kind === "stream")) await leadUnsent(conv, signal, pipelining).then(() => this.requireConnection(conv));
    // Released once the message is written: only the writes follow it (see linkSignals).
    const flow = linkSignals(this.options.signal, signal);
    // From here to the end of the message nothing else runs before the first write.
    progress.sending = conv;
    progress.ahead = conv.channel.lastOpen;
    if (progress.watch) progress.watch.started = true;
    const meter = progress.meter;
    const written = (): void => {
      progress.written = true;
      meter?.finish(req.body.kind === "bytes" ? (chunking ? bdatLength(req.body) : req.body.bytes.length) : undefined);
    };
    let pending: Pending;
    try {
      pending = await send(conv, env, req.body, { pipelining, chunking, written, holding: req.body.kind === "stream" ? (held) => { progress.holding = held; } : undefined, meter, ...(flow.signal ? { signal: flow.signal } : {}) });
    } finally {
      flow.release();
    }
    progress.final = pending.final;
    progress.writes = conv.writes;
    // Lock-step, and LMTP (a reply beyond those due after the data must never reach the next
    // transaction: see `finish`): once the end of data is accepted the next transaction may start;
    // this one's result is built outside the queue. A refusal's RSET precedes the next MAIL.
    if (!pipelining || conv.dialect === "lmtp") {
      const end = pending.final[0]!;
      if (conv.dialect === "smtp") {
        await conv.settled(end);
        if (end.reply?.code === 250) return () => complete(conv, pending, false, req.report);
      }
      const done = await complete(conv, pending, true, req.report);
      return async () => done;
    }
    return () => complete(conv, pending, false, req.report);
  }

  /**
   * Builds the envelope (and its MAIL command) while the call waits for its turn, when the
   * server has been greeted: a queued lock-step transaction can then send its MAIL as soon
   * as the previous one ends, without building it between that reply and the command. It
   * is used only if the same greeting is still in force then, unedited (`features` is
   * replaced by every EHLO, HELO and STARTTLS, and counts a caller's edits); anything that
   * would fail is left to the turn, so errors surface where they always did.
   */
  private buildEarly(req: Request): void {
    const conv = this.conversation;
    if (!conv || conv.channel.closed || !conv.greeted) return;
    try {
      req.early = { features: conv.features, changes: conv.features.changes, env: this.envelope(conv, req) };
    } catch {
      req.early = undefined;
    }
  }

  /** The envelope for the server at hand: SIZE, the caller's options, SMTPUTF8 as needed. */
  private envelope(conv: Conversation, req: Request): Envelope {
    let options: string[] = [];
    // A server that only said HELO takes no options, nor 8-bit data (RFC 6152): sendMessage's
    // checks still run, with no extensions, so such a message is refused, not corrupted.
    if (!conv.doesEsmtp) req.serverOptions?.(new Map(), []);
    if (conv.doesEsmtp) {
      options = req.mailOptions;
      if (req.serverOptions) options = req.serverOptions(conv.features, options);
      if (conv.hasExtn("size") && !hasParam(options, "SIZE")) {
        const size = declaredSize(req, conv.hasExtn("chunking") && this.options.chunking !== false, sizeLimit(conv.features));
        if (size !== undefined) options = [`SIZE=${size}`, ...options];
      }
    }
    // The paths, as sent: a display name ("Jörg <j@x>") is not, and needs no SMTPUTF8.
    options = this.transactionOptions(conv, req.fromPath, req.toPaths, options, conv.doesEsmtp ? options : req.mailOptions);
    const encoding: CommandEncoding = hasParam(options, "SMTPUTF8") ? "utf8" : "ascii";
    const rcptOptions = conv.doesEsmtp ? req.rcptOptions : [];
    return {
      from: req.from, fromPath: req.fromPath, to: req.to, mailOptions: options, encoding,
      mail: mailCommand(req.fromPath, options, encoding), rcpts: rcptLines(req.toPaths, rcptOptions, encoding),
      // A HELO server takes no 8-bit data (RFC 6152): it is checked with no extensions.
      eightBit: req.body.kind === "stream" ? streamEightBitRefusal(conv.doesEsmtp ? conv.features : NO_FEATURES, options) : undefined,
    };
  }
}
