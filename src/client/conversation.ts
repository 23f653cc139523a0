/**
 * One connection's conversation: the channel, what the greeting taught us (EHLO state and
 * capabilities), the transaction's command encoding, and the one 421 policy: a 421 reply
 * to any command closes the connection (RFC 5321 §3.8) after it is handed to its caller.
 * @module
 */

import { CLOSE_GRACE_MS, type TimeoutPhase } from "../constants.js";
import { closedBy421, SMTPTimeoutError, timedOutAfter } from "../errors.js";
import { untilAborted } from "./abortable.js";
import type { CommandEncoding } from "../protocol/commands.js";
import { parseEhlo } from "../protocol/ehlo.js";
import { RawTransactionScan } from "../protocol/raw-transaction.js";
import type { SMTPReply } from "../protocol/reply.js";
import { slotKinds, type Channel, type Outgoing, type SlotKinds } from "../transport/channel.js";
import type { Slot } from "../transport/command-queue.js";

/**
 * One command of a pipelined group (see `Outgoing`). A plain string in a group is a
 * checked command line without its CRLF, shown in traces as it is.
 */
export type Command = Outgoing;

/**
 * The server's extensions (lower-case names to parameters): a `Map` that counts its
 * changes. Callers may edit it (`esmtpFeatures`, as Python's `esmtp_features`), and work
 * prepared for one state of it (a queued call's envelope) can tell that it changed since.
 */
export class Features extends Map<string, string> {
  /** How many times the map was changed after it was built. */
  changes = 0;

  /** `Map.set`, counted as a change. */
  override set(key: string, value: string): this {
    this.changes++;
    return super.set(key, value);
  }

  /** `Map.delete`, counted as a change (even when `key` was absent). */
  override delete(key: string): boolean {
    this.changes++;
    return super.delete(key);
  }

  /** `Map.clear`, counted as a change. */
  override clear(): void {
    this.changes++;
    super.clear();
  }
}

/**
 * The phases whose replies, to a command that others follow, must complete it (not 1yz or
 * 3yz, see `isIncomplete`): `command`
 * (MAIL, RCPT and RSET: RFC 5321 §4.3.2 lists no 3yz for them), `dataBlock` (a BDAT chunk,
 * RFC 3030 §2: 250 or a failure) and `dataTermination` (the end of data, and BDAT LAST:
 * §4.3.2 gives the "." 250 or a failure). DATA's 354 is its answer.
 */
const FOLLOWED_COMPLETION_ONLY: readonly TimeoutPhase[] = ["command", "dataBlock", "dataTermination"];

/** The protocol spoken: SMTP (EHLO) or LMTP (LHLO, a reply per recipient after data). */
export type Dialect = "smtp" | "lmtp";

/** The state of one connection. Rebuilt from scratch by every EHLO/LHLO and by STARTTLS. */
export class Conversation {
  /** The transport this state belongs to: one conversation per channel. */
  readonly channel: Channel;
  /** SMTP or LMTP: decides EHLO or LHLO, and how the end of data is answered. */
  readonly dialect: Dialect;
  /** The reply slot kind of each phase, shared by every slot this connection opens. */
  readonly #kinds: SlotKinds;
  /** The same for commands that others follow before their replies are read (see {@link pipeline}). */
  readonly #followedKinds: SlotKinds;
  /** Text of the last successful HELO reply. */
  heloResp: string | null = null;
  /** Text of the last successful (2yz) EHLO/LHLO reply. */
  ehloResp: string | null = null;
  /** True when the last EHLO/LHLO got 250: only that reply lists extensions (Python's `does_esmtp`). */
  #esmtp = false;
  /** Capabilities from the last successful EHLO/LHLO; keys lower-case. */
  features = new Features();
  /** True while the current transaction uses SMTPUTF8 (RFC 6531): commands go as UTF-8. */
  utf8 = false;
  /**
   * True while the current low-level transaction's MAIL declared 8-bit data (`BODY=8BITMIME`
   * or `BODY=BINARYMIME`): with {@link utf8}, what lets `data()` send text beyond ASCII.
   * Cleared with it ({@link endTransaction}).
   */
  eightBit = false;

  /** The raw MAIL whose declaration is in force, until another MAIL declares (`mail()`'s: none). */
  #declaredBy: Slot | undefined;

  /** A MAIL is written (`slot`: a raw one's): it declares {@link utf8} and {@link eightBit}. */
  declare(utf8: boolean, eightBit: boolean, slot?: Slot): void {
    this.utf8 = utf8;
    this.eightBit = eightBit;
    this.#declaredBy = slot;
  }

  /**
   * The reply to a raw command (`slot`) came: a raw MAIL refused ends its declaration, as a
   * refused `mail()` does, unless a later MAIL has declared since.
   */
  rawReplied(slot: Slot, reply: SMTPReply): void {
    if (slot !== this.#declaredBy) return;
    this.#declaredBy = undefined;
    if (reply.code !== 250) this.endTransaction();
  }

  /** Ends the low-level transaction's state: {@link utf8} and {@link eightBit}. */
  endTransaction(): void {
    this.utf8 = false;
    this.eightBit = false;
  }
  /** The bytes written raw (`send()`), read as command lines (see `rawWritten`). */
  readonly rawScan = new RawTransactionScan();
  /**
   * True once bytes were written raw (`send()`), until a transaction finds none of their
   * replies owed (see `awaitRawReplies`): while false, a transaction looks no further.
   */
  rawSent = false;
  /** How many of the channel's unclaimed replies {@link rawRepliesOwed} has counted off. */
  #unclaimedSeen = 0;

  /**
   * How many replies the lines written raw are still owed (see `RawTransactionScan.repliesOwed`),
   * once every reply that came and that `getreply()` can no longer read (see `Channel.unclaimed`)
   * is counted off: one a command took in their place (a `noop()` made before a raw line's reply
   * came takes it, as in Python, and its own reply is then dropped), or one held for
   * `getreply()` and dropped when a command opened a slot first. Without that, the count would
   * stay too high for good, and a raw MAIL would never again be led by RSET (see `rawLeadSafe`).
   * Counted off before new raw lines are counted (see `rawWritten`): a reply dropped while
   * none was owed answers none of them.
   */
  rawRepliesOwed(): number {
    for (const unclaimed = this.channel.unclaimed; this.#unclaimedSeen < unclaimed; this.#unclaimedSeen++) this.rawScan.replied();
    return this.rawScan.repliesOwed;
  }
  /** Recipients accepted by `rcpt()` in the current low-level transaction (LMTP's `data()`). */
  accepted: string[] = [];
  /**
   * Transactions written whole (MAIL, RCPT, BDAT LAST and the message) whose envelope
   * replies are still unread. While any is, the next transaction starts with RSET: if that
   * one's envelope was refused, some servers (Exim) keep its sender, and the next MAIL
   * would otherwise fail while the rest of its transaction went through.
   */
  unreadWhole = 0;
  /**
   * Set when a transaction written whole was refused but could not be reset at once
   * (other commands had been written after it, none of them a group led by RSET): the next
   * transaction starts with RSET however many are unread.
   */
  resetDue = false;
  /** {@link writes} just after the last group led by RSET (see `openGroup`). */
  resetAt = 0;
  /** The slot of the last RSET written after a refusal without awaiting its reply (see `quietRset`), if any. */
  rsetDue: Slot | undefined;

  /** A fresh, ungreeted state for `channel`; `timeouts` sets each reply slot's limit by phase. */
  constructor(channel: Channel, dialect: Dialect, timeouts: Readonly<Record<TimeoutPhase, number>>) {
    this.channel = channel;
    this.dialect = dialect;
    this.#kinds = slotKinds(timeouts);
    this.#followedKinds = slotKinds(timeouts, FOLLOWED_COMPLETION_ONLY);
  }

  /** Writes on this connection so far (see `Channel.writes`). */
  get writes(): number {
    return this.channel.writes;
  }

  /** True once a HELO, EHLO or LHLO has succeeded (and no STARTTLS has reset it since). */
  get greeted(): boolean {
    return this.heloResp !== null || this.ehloResp !== null;
  }

  /** True when the last EHLO/LHLO was answered 250. */
  get doesEsmtp(): boolean {
    return this.#esmtp;
  }

  /** How commands are encoded right now. */
  get encoding(): CommandEncoding {
    return this.utf8 ? "utf8" : "ascii";
  }

  /** The timeout of a phase in ms. */
  timeout(phase: TimeoutPhase): number {
    return this.#kinds[phase].timeout;
  }

  /**
   * Closes the connection for `close()`: at once, or, when an aborted call has closed it
   * gracefully already (its message all written: see `abortClosing`), after what it still
   * holds has gone, within {@link CLOSE_GRACE_MS} (or `dataBlock`, when shorter) from now.
   * `reason`: what the calls still waiting on it fail with (see `Channel.destroy`).
   */
  hangUp(reason?: unknown): void {
    if (!this.channel.closed) this.channel.destroy(reason);
    else this.channel.endWithin(Math.min(this.timeout("dataBlock"), CLOSE_GRACE_MS));
  }

  /**
   * Waits for `work`, a step of the client's own before a command (looking up this host's
   * name for EHLO: a resolver may not answer for long), no longer than the connection lives
   * (`close()`, the `signal` option: their reason) nor than the `command` timeout, which
   * closes the connection with SMTPTimeoutError saying `what` timed out.
   */
  async within<T>(work: Promise<T>, what: string): Promise<T> {
    const ms = this.timeout("command");
    const timer = setTimeout(() => this.channel.destroy(new SMTPTimeoutError(timedOutAfter(ms, what), "command", ms)), ms);
    try {
      return await untilAborted(work, this.channel.closedSignal);
    } finally {
      clearTimeout(timer);
    }
  }

  /** True when the server advertised `name` (case-insensitive). */
  hasExtn(name: string): boolean {
    return this.features.has(name.toLowerCase());
  }

  /** Forgets every greeting (after STARTTLS, or when a new EHLO starts). */
  resetGreeting(): void {
    this.heloResp = null;
    this.ehloResp = null;
    this.#esmtp = false;
    this.features = new Features();
  }

  /**
   * Records a successful (2yz) EHLO/LHLO reply: the session is greeted. Only a 250 lists
   * extensions (RFC 5321 §4.1.1.1) and makes it ESMTP; another 2yz greets without them, as
   * in Python, where `ehlo_or_helo_if_needed()` then sends neither HELO nor EHLO again.
   */
  recordEhlo(reply: SMTPReply): void {
    this.ehloResp = reply.message;
    this.#esmtp = reply.code === 250;
    this.features = new Features(this.#esmtp ? parseEhlo(reply.message) : []);
  }

  /**
   * Writes a group of commands in one write; returns a slot per command. `coalesce` (by
   * default when the server offers PIPELINING) lets writes of the same tick join it.
   * `followed` marks commands that others follow (a transaction's, pipelined or
   * lock-step: the next command, RSET or the data comes after each): a 1yz or 3yz reply
   * to any of them but DATA then closes the connection at once (see
   * `SlotKind.completionOnly`), since the server would read what follows as message data,
   * or its next reply would reach the wrong command. The low-level methods
   * leave such a reply to their caller, as Python does.
   */
  pipeline(commands: readonly (Command | string)[], coalesce = this.features.has("pipelining"), followed = false): Slot[] {
    return this.channel.send(commands, followed ? this.#followedKinds : this.#kinds, coalesce);
  }

  /** Reads a slot's reply (a 421 has closed the connection as it arrived: see `CommandQueue.feed`). */
  read(slot: Slot): Promise<SMTPReply> {
    return this.channel.reply(slot);
  }

  /**
   * Resolves once `slot` has its reply or error; every slot before it has settled too, so
   * a pipelined group waits once, on its last slot, and then reads each with {@link take}.
   */
  settled(slot: Slot): Promise<void> {
    return this.channel.settled(slot);
  }

  /** {@link read} for a settled slot, synchronously. @throws the slot's error. */
  take(slot: Slot): SMTPReply {
    return this.channel.take(slot);
  }

  /**
   * A reply held after a raw `send()` that no slot took (see `Channel.takeHeld`), if any;
   * a 421 closes the connection before it is returned, as one to a command did on arrival.
   */
  takeHeld(): SMTPReply | undefined {
    const reply = this.channel.takeHeld();
    if (reply?.code === 421) this.channel.destroy(closedBy421(reply));
    return reply;
  }

  /** Sends one command and reads its reply (one wait, then a synchronous read); `followed` as in {@link pipeline}. */
  async command(command: Command | string, followed = false): Promise<SMTPReply> {
    // Its reply is awaited at once: nothing could join it, so it is not held for the tick.
    const [slot] = this.pipeline([command], false, followed);
    await this.settled(slot!);
    return this.take(slot!);
  }

  /**
   * Opens a slot for a reply no command of its own asks for (LMTP's per-recipient replies);
   * `followed` as in {@link pipeline}.
   */
  expect(phase: TimeoutPhase, what: string, followed = false): Slot {
    return this.channel.expect((followed ? this.#followedKinds : this.#kinds)[phase], what);
  }
}
