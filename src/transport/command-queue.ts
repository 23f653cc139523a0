/**
 * The pending-reply FIFO: the one place pipelining lives. Each command written opens a
 * slot; replies fill slots strictly in order; a reply that arrives while no slot is open
 * is discarded (never handed to the next command). A slot's timeout runs only while it
 * is at the head and somebody waits on it or on a later slot, and covers the whole reply:
 * a server that drips bytes does not reset it.
 * @module
 */

import { serverSaid } from "../error-text.js";
import { closedBy421, SMTPResponseException, SMTPServerDisconnected, SMTPTimeoutError, timedOutAfter } from "../errors.js";
import { isIncomplete, ReplyParser, type ReplyLimits, type SMTPReply } from "../protocol/reply.js";
import { Fifo } from "./fifo.js";
import { PASSED_OVER, Slot, type SlotKind } from "./slot.js";

/** Replies held for `getreply()` after a raw `send()`, beyond one per line still unanswered (see `CommandQueue.holdUnsolicited`). */
const HOLD_MIN = 100;

export { Slot, type SlotKind } from "./slot.js";

/** What the queue tells its owner. */
export interface QueueEvents {
  /**
   * Every reply parsed, in order (for tracing), with whether a slot took it and, when none
   * did, whether it was held for `getreply()` (else it is discarded).
   */
  reply(reply: SMTPReply, matched: boolean, held: boolean): void;
  /** A fatal protocol or timeout error: the owner must close the connection. */
  fatal(error: Error): void;
  /**
   * The error the queue is to end with, as it may be shown: `error`, or a copy with the
   * credential an AUTH exchange just sent masked, when it quotes a server that echoed it
   * (see `Tracer.hidden`). Called once, when the queue fails.
   */
  shown?(error: unknown): unknown;
}

/**
 * The error that ends the queue when a reply that completes nothing answers a slot that
 * takes none (see `SlotKind.completionOnly`): what every later slot, and the connection,
 * fail with.
 */
function intermediateViolation(slot: Slot, reply: SMTPReply): SMTPServerDisconnected {
  const why = reply.code < 300
    ? PRELIMINARY
    : `it would read what was written after it ${reply.code === 354 ? "as message data" : "as the input it asked for"}, and answer none of it`;
  return outOfStep(slot.command, reply, `a reply that command never takes (${why})`);
}

/** Why a 1yz reply puts the client out of step with the server. */
export const PRELIMINARY = "a preliminary reply: the replies after it would reach the wrong commands";

/**
 * The close of a connection on `reply` to `command`, after which the client cannot stay in
 * step with the server (`why` says how): an SMTPServerDisconnected that names both.
 */
export function outOfStep(command: string, reply: SMTPReply, why: string): SMTPServerDisconnected {
  return serverSaid(new SMTPServerDisconnected(`Connection closed: the server answered ${command} with "${reply.code} ${reply.message}", ${why}`), reply.message);
}

/** Matches replies to commands in order. */
export class CommandQueue {
  readonly #parser: ReplyParser;
  readonly #events: QueueEvents;
  readonly #slots = new Fifo<Slot>();
  #failure: unknown = null;
  /** True when {@link #failure} is the close on a 421 that a slot took (see `Slot.unprocessed`). */
  #closedOn421 = false;
  #sealed = false;
  /** Replies held for `getreply()` after a raw `send()` (at most {@link HOLD_MIN} plus {@link #rawUnanswered}). */
  readonly #held: SMTPReply[] = [];
  /**
   * Lines written raw whose replies have not been taken yet (by a slot or `takeHeld()`).
   * Replies held at once are at most {@link HOLD_MIN} plus this: each such line may have its
   * reply (fewer would drop replies that a server sends together, and leave `getreply()`
   * waiting for them), so what a server can make us hold grows only with what we wrote and
   * have not read.
   */
  #rawUnanswered = 0;
  /**
   * Replies due, when raw lines were written with none unanswered before, to slots opened
   * before them (a pipelined call's, a `putcmd()`'s): they come first and answer no raw
   * line, so they do not count down {@link #rawUnanswered} (else a raw `send()` behind many
   * such replies would have its own dropped past {@link HOLD_MIN}).
   */
  #rawAhead = 0;
  #holdUnsolicited = false;
  /** Replies no slot took and none kept for `getreply()`: discarded, or held then dropped (see {@link unclaimed}). */
  #unclaimed = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  /** When {@link #timer} fires (`performance.now()` clock). */
  #timerAt = 0;
  /** Slots somebody waits on: while any, the head slot's clock runs. */
  #waiting = 0;

  /** An empty queue that tells `events` what it parses; `limits` caps each reply (see ReplyParser). */
  constructor(events: QueueEvents, limits?: ReplyLimits) {
    this.#events = events;
    this.#parser = new ReplyParser(limits);
  }

  /** The error that ended the queue, if one did. */
  get failure(): unknown {
    return this.#failure;
  }

  /** The slot opened last whose reply has not come, if any: replies come in order, so none is due once it is done. */
  get lastOpen(): Slot | undefined {
    return this.#slots.last;
  }

  /** True while a reply has begun to arrive but is not complete. */
  get replyInProgress(): boolean {
    return this.#parser.inProgress;
  }

  /** Opens a slot for the next reply (call when writing its command, in write order). */
  expect(kind: SlotKind, command: string): Slot {
    const slot = new Slot(kind, command);
    if (this.#failure !== null) {
      slot.error = this.#failure;
      slot.behind = true;
      slot.unprocessed = this.#closedOn421;
    } else this.#slots.push(slot);
    this.#holdUnsolicited = false;
    if (this.#held.length !== 0) {
      // Dropped: their lines are answered (else every later raw send() would seem to follow unanswered lines: see #rawAhead).
      this.#rawUnanswered = Math.max(0, this.#rawUnanswered - this.#held.length);
      this.#unclaimed += this.#held.length;
      this.#held.length = 0;
    }
    return slot;
  }

  /**
   * After a raw `send()`: keep replies that match no slot, for `getreply()` (Python's
   * pattern); `lines`: how many lines it wrote, which may each have a reply. `answered`: the
   * caller knows every raw line written before has had its reply read (lines of a message
   * sent raw after DATA have none, yet `lines` counted them): none is still unanswered.
   */
  holdUnsolicited(lines = 0, answered = false): void {
    this.#holdUnsolicited = true;
    if (answered && this.#held.length === 0) this.#rawUnanswered = 0;
    if (this.#rawUnanswered === 0) this.#rawAhead = this.#slots.length;
    this.#rawUnanswered += lines;
  }

  /** True while replies that match no slot are kept (from a raw `send()` until the next slot opens). */
  get holding(): boolean {
    return this.#holdUnsolicited;
  }

  /**
   * How many replies, since the queue began, came when no slot was open and were not kept for
   * `getreply()` (discarded), or were kept and then dropped (a slot opened first): none of
   * them can be read any more. The client counts them off the replies its raw lines are owed
   * (see `Conversation.rawRepliesOwed`).
   */
  get unclaimed(): number { return this.#unclaimed; }

  /** How many replies held after a raw `send()` wait for {@link takeHeld}. */
  get heldCount(): number { return this.#held.length; }

  /** Takes a reply held after a raw `send()`, if any. */
  takeHeld(): SMTPReply | undefined {
    const reply = this.#held.shift();
    if (reply !== undefined && this.#rawUnanswered > 0) this.#rawUnanswered--;
    return reply;
  }

  /**
   * Resolves to the slot's reply.
   * @throws SMTPServerDisconnected, SMTPTimeoutError or SMTPResponseException (protocol error).
   */
  wait(slot: Slot): Promise<SMTPReply> {
    if (slot.reply !== undefined) return Promise.resolve(slot.reply);
    if (slot.error !== undefined) return Promise.reject(slot.error);
    return new Promise<SMTPReply>((resolve, reject) => this.#park(slot, resolve, reject));
  }

  /**
   * Resolves once the slot has its reply or its error, never rejecting: a pipelined group
   * waits on its last slot only, then reads every slot with {@link CommandQueue.take}.
   * One promise, settled by the slot itself (no second promise chained to a `wait`).
   */
  settled(slot: Slot): Promise<void> {
    if (slot.done) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const done = (): void => resolve();
      this.#park(slot, done, done);
    });
  }

  /** Registers the one waiter of `slot`; waiting on a slot means waiting on every slot before it too: the head's clock runs. */
  #park(slot: Slot, resolve: (reply: SMTPReply) => void, reject: (err: unknown) => void): void {
    slot.resolve = resolve;
    slot.reject = reject;
    this.#waiting++;
    const head = this.#clocked();
    if (head !== undefined && head.deadline === Number.POSITIVE_INFINITY) this.#arm(head);
  }

  /**
   * The reply of a settled slot, synchronously.
   * @throws the slot's error; an `Error` when the slot has not settled (a caller's bug).
   */
  take(slot: Slot): SMTPReply {
    if (slot.reply !== undefined) return slot.reply;
    if (slot.error !== undefined) throw slot.error;
    throw new Error("internal error: reply taken before it arrived");
  }

  /**
   * Takes back `slot`, the last slot opened, before any reply came for it: one the server
   * will not send after all (LMTP's BDAT LAST is answered once per recipient accepted, known
   * only once the RCPT replies are in). True when taken back, or failed already; false when
   * its reply came (one more than was due) or it is not the last.
   */
  withdraw(slot: Slot): boolean {
    if (slot.done) return slot.reply === undefined;
    if (this.#slots.last !== slot) return false;
    this.#slots.pop();
    if (slot.resolve !== null) this.#waiting--;
    return true;
  }

  /** Feeds bytes from the socket. */
  feed(chunk: Buffer): void {
    if (this.#failure !== null) return;
    if (this.#sealed) {
      this.#fatal(new SMTPResponseException(-1, "Protocol violation: data arrived after the STARTTLS reply, before the TLS handshake (possible command injection)"));
      return;
    }
    let replies: SMTPReply[];
    try {
      replies = this.#parser.push(chunk);
    } catch (err) {
      this.#fatal(err as Error);
      return;
    }
    let advanced = false;
    for (let i = 0; i < replies.length; i++) {
      let slot = this.#slots.first;
      // Rarely set: one field read per reply (see Slot.optional).
      while (slot !== undefined && slot.optional !== null && !slot.optional(replies[i]!)) {
        if (this.#rawAhead > 0) this.#rawAhead--;
        this.#settle(slot, PASSED_OVER);
        advanced = true;
        slot = this.#slots.first;
      }
      const held = slot === undefined && this.#holdUnsolicited && this.#held.length < HOLD_MIN + this.#rawUnanswered;
      this.#events.reply(replies[i]!, slot !== undefined, held);
      if (slot === undefined) {
        if (held) this.#held.push(replies[i]!);
        else this.#unclaimed++;
        continue;
      }
      const reply = replies[i]!;
      if (this.#rawAhead > 0) this.#rawAhead--;
      else if (this.#rawUnanswered > 0) this.#rawUnanswered--;
      this.#settle(slot, reply);
      advanced = true;
      // A 421 closes the connection (RFC 5321 §3.8) as it arrives, once its command has it:
      // not only when that command's caller reads it, which may be later (after reading the
      // replies before it), while another call writes its commands to a server that is leaving.
      if (reply.code === 421) {
        this.#fatal(closedBy421(reply), true);
        return;
      }
      // The code first: most replies complete their command, and then the kind is not read.
      if (isIncomplete(reply.code) && slot.kind.completionOnly === true) {
        this.#fatal(intermediateViolation(slot, reply));
        return;
      }
      if (slot.kind.sealAfter && reply.code === 220) {
        if (i < replies.length - 1 || this.#parser.inProgress) {
          this.#fatal(new SMTPResponseException(-1, "Protocol violation: data followed the STARTTLS reply before the TLS handshake (possible command injection)"));
          return;
        }
        this.#sealed = true;
      }
    }
    const failure = this.#parser.failure;
    if (failure && this.#failure === null) return this.#fatal(failure);
    // A new head starts its clock now, once per chunk rather than once per reply in it (a
    // pipelined group's replies come together); a head that did not change keeps its clock.
    const head = advanced && this.#waiting > 0 ? this.#clocked() : undefined;
    if (head !== undefined) this.#arm(head);
  }

  /** Lifts the seal once the TLS handshake has replaced the socket. */
  unseal(): void {
    this.#sealed = false;
  }

  /** The connection closed: every open slot fails (a partial reply is reported as such). */
  closed(cause?: Error): void {
    if (this.#failure !== null) return;
    const partial = this.#parser.inProgress;
    const message = partial ? "Connection unexpectedly closed in the middle of a reply" : "Connection unexpectedly closed";
    this.#failAll(new SMTPServerDisconnected(message, cause ? { cause } : {}));
  }

  /** Fails every open slot with `error` (used on abort and on fatal errors). */
  failAll(error: unknown): void {
    if (this.#failure === null) this.#failAll(error);
  }

  #settle(slot: Slot, reply: SMTPReply): void {
    this.#slots.shift();
    slot.reply = reply;
    if (slot.resolve !== null) {
      this.#waiting--;
      slot.resolve(reply);
    }
  }

  /**
   * Starts the head slot's clock. One timer serves the whole queue: replies to a pipelined
   * group arrive back to back, so re-arming a timer per reply would cost more than the
   * replies themselves; the timer checks the head's deadline when it fires instead.
   */
  #arm(slot: Slot): void {
    slot.deadline = performance.now() + slot.kind.timeout;
    // A head whose limit is shorter than the pending timer's (DATA after RCPT, say) must
    // not wait for that timer: fire earlier.
    if (this.#timer === undefined) this.#schedule(slot.kind.timeout);
    else if (slot.deadline < this.#timerAt) {
      clearTimeout(this.#timer);
      this.#schedule(slot.kind.timeout);
    }
  }

  #schedule(ms: number): void {
    const delay = Math.max(1, Math.ceil(ms));
    this.#timerAt = performance.now() + delay;
    this.#timer = setTimeout(() => this.#check(), delay);
  }

  /**
   * The slot whose clock runs: the head, or, while the head is optional (`Slot.optional`: a
   * reply that may never come, LMTP's BDAT LAST with every recipient refused), the first
   * slot after it that a reply must answer. An optional head's own clock would hold a later
   * command for its limit (`dataTermination`, 10 min by default) and blame it on a command
   * that owed no reply. One field read per arming when the head is not optional.
   */
  #clocked(): Slot | undefined {
    const head = this.#slots.first;
    if (head === undefined || head.optional === null) return head;
    for (let i = 1, slot = this.#slots.at(1); slot !== undefined; slot = this.#slots.at(++i)) {
      if (slot.optional === null) return slot;
    }
    return head;
  }

  #check(): void {
    this.#timer = undefined;
    const head = this.#clocked();
    if (head === undefined || head.deadline === Number.POSITIVE_INFINITY || this.#failure !== null) return;
    const left = head.deadline - performance.now();
    if (left > 0) return this.#schedule(left);
    // The optional slots ahead of it got no reply, which they may: passed over, so that the
    // timeout is the timed-out command's own (not "behind" another's).
    while (this.#slots.first !== head) this.#settle(this.#slots.first!, PASSED_OVER);
    const { timeout, phase } = head.kind;
    const command = head.command;
    this.#fatal(new SMTPTimeoutError(timedOutAfter(timeout, `waiting for the reply to ${command}`), phase, timeout, { command }));
  }

  /** `on421`: the error is the close on a 421 that the slot before the open ones took. */
  #fatal(error: Error, on421 = false): void {
    this.#failAll(error, on421);
    this.#events.fatal(this.#failure as Error);
  }

  #failAll(failure: unknown, on421 = false): void {
    const error = this.#events.shown === undefined ? failure : this.#events.shown(failure);
    this.#failure = error;
    this.#closedOn421 = on421;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#waiting = 0;
    // After a 421, every open slot is behind the command it answered.
    let behind = on421;
    for (const slot of this.#slots.drain()) {
      slot.error = error;
      slot.behind = behind;
      slot.unprocessed = on421;
      behind = true;
      slot.reject?.(error);
    }
  }
}
