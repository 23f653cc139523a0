/**
 * `SMTPPool`: a pool of connections to one server with a rate limit. Each connection
 * carries several transactions at once (they pipeline when the server offers PIPELINING);
 * new connections open only when the others are busy, up to `maxConnections`.
 * @module
 */

import type { MessageBody } from "../client/body.js";
import type { MessageInput } from "../client/send-message.js";
import { checkCallOptions, messageRequest, sendRequest } from "../client/checked-call.js";
import type { Request } from "../client/request.js";
import { SMTP } from "../client/smtp.js";
import { failedBehind, unstartedCalls } from "../client/unsent.js";
import { watchedCalls, type CallWatch } from "../client/call-watch.js";
import { followSignal, linkSignals, untilAborted } from "../client/abortable.js";
import type { DeliverOptions, Delivery, SendMessageOptions } from "../client/smtp-transactions.js";
import { isClosing421, sentNothing } from "../errors.js";
import type { SMTPReply } from "../protocol/reply.js";
import type { Member } from "./member.js";
import { Leaving } from "./leaving.js";
import { MemberOpener } from "./opener.js";
import { checkPoolOptions, positive, type PoolOptions } from "./pool-options.js";
import { eachConnectionWent, poolClosed } from "./pool-wording.js";
import { freeSlots } from "./fair-share.js";
import { QueueBound, type Place } from "./queue-bound.js";
import { CallPass, RateLimiter } from "./rate-limit.js";
import { TurnQueue } from "./turn-queue.js";

export type { PoolOptions } from "./pool-options.js";

/** A pool of SMTP connections with a rate limit. `await using` closes it. */
export class SMTPPool {
  readonly #options: ReturnType<typeof checkPoolOptions>["pool"];
  readonly #members: Member[] = [];
  readonly #waiters = new TurnQueue();
  /** Connections that failed to open (a 421 aside) and the last error: a call that waited through one, none left to serve it, fails with it (see {@link SMTPPool.#connectFailed}). */
  #connectFailures: { count: number; error: unknown } = { count: 0, error: undefined };
  readonly #limiter: RateLimiter | undefined;
  readonly #max: number;
  readonly #window: number;
  readonly #perConnection: number;
  /** Calls waiting for their turn, against `maxQueued`. */
  readonly #queued: QueueBound;
  /**
   * Connections that have left the pool (retired, idle, closed, gone), until each has
   * closed: {@link SMTPPool.close} waits for them. One saying QUIT is still open at the
   * server, yet carries no call: it counts against `maxConnections` only beyond
   * `maxConnections` of them (see {@link #counted}).
   */
  readonly #leaving = new Leaving((client) => this.#opener.unlink(client), () => this.#waiters.wakeNext(true));
  /** A connection up with no call in flight, if any (see {@link #openFor}). */
  readonly #idle = (): Member | undefined => this.#members.find((m) => !m.retired && m.inFlight === 0 && m.client.connected);
  /** Opens connections; {@link SMTPPool.close} aborts those still being opened. */
  readonly #opener: MemberOpener;
  #closed = false;

  /**
   * Checks every option now, the client's too, so that a mistake fails here rather than at
   * the first send. @throws RangeError for non-positive limits or timeouts, a negative or
   * fractional `maxQueued`, or a bad port; TypeError for a missing `host`, an unknown
   * option, a value of the wrong type, or `socketFactory` with `sourceAddress`.
   */
  constructor(given: PoolOptions) {
    const { pool: options, client: clientOptions } = checkPoolOptions(given);
    this.#options = options;
    this.#opener = new MemberOpener(this.#options, clientOptions);
    this.#max = positive("maxConnections", options.maxConnections, 4);
    this.#window = positive("maxInFlight", options.maxInFlight, 8);
    this.#perConnection = positive("maxMessagesPerConnection", options.maxMessagesPerConnection, 100);
    this.#limiter = options.rateLimit ? new RateLimiter(options.rateLimit) : undefined;
    this.#queued = new QueueBound(options.maxQueued);
  }

  /** Open connections right now. */
  get size(): number {
    return this.#members.length;
  }

  /**
   * Python's `sendmail` through the pool; `options.signal` also cancels the wait for a turn
   * (as `deliver`'s). A bad argument rejects before the call waits for anything (it takes
   * no rate-limit pass and no connection). @throws as `SMTP.sendmail`; `SMTPPoolQueueFull`
   * (see `maxQueued`).
   */
  async sendmail(from: string, to: string | readonly string[], msg: MessageBody, mailOptions: readonly string[] = [], rcptOptions: readonly string[] = [], options?: DeliverOptions): Promise<Map<string, SMTPReply>> {
    checkCallOptions(options, true);
    const request = sendRequest(false, from, to, msg, mailOptions, rcptOptions, options?.size);
    return this.#run((c, o) => c.sendmail(from, to, msg, mailOptions, rcptOptions, o), request, options);
  }

  /**
   * `deliver` through the pool; a bad argument rejects before the call waits for anything.
   * @throws as `SMTP.deliver`; `SMTPPoolQueueFull` (see `maxQueued`).
   */
  async deliver(from: string, to: string | readonly string[], msg: MessageBody, mailOptions: readonly string[] = [], rcptOptions: readonly string[] = [], options: DeliverOptions = {}): Promise<Delivery> {
    checkCallOptions(options, true);
    const request = sendRequest(true, from, to, msg, mailOptions, rcptOptions, options?.size);
    return this.#run((c, o) => c.deliver(from, to, msg, mailOptions, rcptOptions, o), request, options);
  }

  /**
   * `sendMessage` through the pool; `options.signal` also cancels the wait for a turn (as
   * `deliver`'s); a bad argument (no sender in the headers, say) rejects before the call
   * waits for anything. @throws as `SMTP.sendMessage`; `SMTPPoolQueueFull` (see `maxQueued`).
   */
  async sendMessage(msg: MessageInput, from?: string, to?: string | readonly string[], mailOptions: readonly string[] = [], rcptOptions: readonly string[] = [], options?: SendMessageOptions): Promise<Map<string, SMTPReply>> {
    checkCallOptions(options, false);
    const request = messageRequest(msg, from, to, mailOptions, rcptOptions);
    return this.#run((c, o) => c.sendMessage(msg, from, to, mailOptions, rcptOptions, o), request, options);
  }

  /**
   * Sends QUIT on every connection and closes them. Calls still waiting (for the rate limit,
   * a connection, or one being opened) send nothing and reject with "The pool is closed: the
   * message was not sent" (`delivery` `"not-delivered"`), as later sends do. Calls given a
   * connection finish first. Resolves once every connection the pool opened has closed (those
   * retired, idle or being opened too: one being opened is aborted, or says QUIT once up).
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#limiter?.close(poolClosed());
    // Connections still being opened (greeting, TLS, AUTH) stop now: nothing more is sent.
    this.#opener.abortAll(poolClosed());
    this.#waiters.wakeAll();
    // Calls already given a connection finish first (QUIT queues behind them). Then wait for every QUIT, those started
    // before this call included, so that no connection is left open once close() resolves (a second close() waits too).
    for (const m of this.#members.splice(0)) void this.#leaving.quit(m);
    // A connection being opened ends (aborted, failed, or up and then QUIT via #discard,
    // which joins #leaving in the same step) before close() looks again. One that went while
    // an aborted call's graceful end was under way gets a client's close() grace (1 s at most).
    for (;;) {
      const ends = this.#leaving.closing();
      if (this.#opener.pending > 0) ends.push(this.#opener.nextEnd());
      if (ends.length === 0) return;
      await Promise.all(ends);
    }
  }

  /** `await using pool = new SMTPPool(...)`. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Runs `job` on a member, with a copy of the call's `options` that its client reports on
   * and takes `request` from (see `watchedCalls`: the call's arguments were checked before
   * it waited for anything); their `signal` also cancels the wait for a turn. A call that ends
   * having written nothing of its transaction gives its rate-limit pass back.
   * @throws SMTPPoolQueueFull when it would wait and `maxQueued` calls already do.
   */
  async #run<T>(job: (client: SMTP, options: DeliverOptions) => Promise<T>, request: Request, options: DeliverOptions | undefined): Promise<T> {
    if (this.#closed) throw poolClosed();
    // The caller's signal as this call sees it (for the wait and on its connection): one
    // signal given to many calls gets one listener, not one per call (see followSignal).
    const own = followSignal(options?.signal ?? undefined);
    const callOptions: DeliverOptions = { ...options, ...(own.signal ? { signal: own.signal } : {}) };
    const call: CallWatch = { started: false, request };
    watchedCalls.set(callOptions, call);
    // Followed while the call waits for its turn (see linkSignals); without a signal of its
    // own, on a follower of the pool's: each waiting call would add a listener to it.
    const link = own.signal === undefined ? followSignal(this.#options.signal) : linkSignals(this.#options.signal, own.signal);
    const signal = link.signal;
    const pass = new CallPass(this.#limiter);
    // Renewed at the call's turn on its connection, just before its first byte: else calls
    // that passed during a stall (waiting for a connection, or queued on a busy one) would
    // all start at once when it ends, beyond the limit.
    if (this.#limiter) call.beforeStart = () => pass.renew(signal);
    const place = QueueBound.place();
    try {
      await pass.take(signal, () => this.#queued.enter(place));
      return await this.#attempts((client) => job(client, callOptions), signal, place, this.#waiters.ticket(), call);
    } catch (err) {
      // Once its first byte may be out (on any attempt), it counts, whatever the reply. Nothing written (maxQueued, a check,
      // closed, no connection, aborted): the pass goes back. Nothing written by the last attempt (none delivered): its error says so.
      if (!call.started && call.wrote !== true) pass.refund();
      throw call.started || err === signal?.reason ? err : sentNothing(err);
    } finally {
      this.#queued.leave(place);
      link.release();
      own.release();
    }
  }

  /** Runs `job` on a connection, and again on another while it has sent nothing (see below); `call` is its watch. */
  async #attempts<T>(job: (client: SMTP) => Promise<T>, signal: AbortSignal | undefined, place: Place, ticket: number, call: CallWatch): Promise<T> {
    let refused = false;
    for (let attempt = 1; ; attempt++) {
      let member: Member;
      try {
        member = await this.#acquire(signal, place, ticket, refused);
        this.#queued.leave(place);
      } catch (err) {
        // A new connection the server closed with a 421 (to the greeting, EHLO, STARTTLS
        // or AUTH): nothing of this call was sent, so it tries another, as below.
        if (!isClosing421(err) || attempt > this.#max) throw err;
        refused = true;
        continue;
      }
      try {
        const sent = job(member.client);
        // Opened for this call, whose turn on it is now taken: calls that queued while it connected may share it, up to
        // maxInFlight (pipelined behind this one), instead of waiting for a release.
        if (member.opened) { member.opened = false; this.#wakeForFreeSlots(); }
        return await sent;
      } catch (err) {
        // The connection went before this call's transaction started (a 421 to a call ahead
        // of it, or to its own EHLO or STARTTLS), or failed on a call ahead of its envelope:
        // none of its message was sent, so it runs again on another connection, a few times
        // at most; any other failure reaches the caller (a send is never repeated).
        if (!(err instanceof Error && (unstartedCalls.has(err) || failedBehind.has(err)))) throw err;
        if (attempt > this.#max) {
          if (isClosing421(err)) throw err;
          throw eachConnectionWent(attempt, err);
        }
        [call.wrote, call.started] = [true, false]; // Nothing delivered: the next attempt's own writes are what its error tells.
      } finally {
        // Whatever the error (a 421 surfaces as a refusal, yet closes the connection), a
        // connection that has gone leaves the pool.
        if (!member.client.connected) this.#dropGone(member);
        this.#release(member);
      }
    }
  }

  async #acquire(signal: AbortSignal | undefined, place: Place, ticket: number, refused: boolean): Promise<Member> {
    for (;;) {
      signal?.throwIfAborted();
      if (this.#closed) throw poolClosed();
      for (const gone of this.#members.filter((m) => !m.client.connected)) this.#dropGone(gone);
      // A call whose own new connection got a 421 (or failed while another was up) uses, or waits
      // for, one still up, not new ones: a server's limit on connections per client would refuse each in turn.
      const served = refused && this.#members.some((m) => !m.retired);
      const free = this.#members
        .filter((m) => !m.retired && m.inFlight < this.#window)
        .sort((a, b) => a.inFlight - b.inFlight)[0];
      const open = this.#counted();
      if (free && (free.inFlight === 0 || open >= this.#max || served)) return this.#claim(free);
      if (open < this.#max && !served) {
        QueueBound.admit(place); // not counted (see QueueBound.admit), never refused later
        const own = await this.#openFor(signal, ticket);
        if (own !== undefined) return own;
        refused = true;
        continue;
      }
      // (A free connection was claimed above unless a new one was to be opened.)
      this.#queued.enter(place);
      const failures = this.#connectFailures.count;
      await this.#waiters.wait(ticket, signal);
      // Woken but aborted before it resumed: the wake-up goes to the next waiting call.
      if (signal?.aborted) this.#waiters.wakeNext();
      else if (this.#connectFailures.count !== failures && !this.#members.some((m) => m.client.connected)) throw this.#connectFailures.error;
    }
  }

  /**
   * Opens a connection for a call and claims it, unless a connection of the pool falls idle
   * first (a call on it ended): the call takes that one instead, and its new connection, once
   * up, waits for others (see {@link #adopt}). Its connection failing (a 421 aside) while
   * another is still up: `undefined` (nothing of the call was sent; it waits for that one).
   * @throws the failure otherwise (once closed, poolClosed); the signal's reason.
   */
  async #openFor(signal: AbortSignal | undefined, ticket: number): Promise<Member | undefined> {
    // Counted as being opened at once, until it joins or fails (see MemberOpener.ended): no call in between opens one more than maxConnections.
    const opened = this.#opener.open();
    let up: SMTP | Member;
    try { // meanwhile the call waits among the others (TurnQueue.firstOf)
      up = await this.#waiters.firstOf(untilAborted(opened, signal), ticket, this.#idle);
    } catch (err) {
      if (signal?.aborted && err === signal.reason) this.#adoptLater(opened); // the caller gave up while it connected
      else {
        this.#opener.ended();
        this.#connectFailed(err);
        if (!this.#closed && !isClosing421(err) && this.#members.some((m) => !m.retired && m.client.connected)) return undefined;
      }
      if (this.#closed) throw poolClosed(err);
      throw err;
    }
    if (!(up instanceof SMTP)) {
      this.#adoptLater(opened);
      return this.#claim(up);
    }
    this.#opener.ended();
    if (this.#closed) {
      this.#discard(up);
      throw poolClosed();
    }
    const claimed = this.#claim(this.#join(up));
    claimed.opened = true; // the others are woken once this call has taken its turn on it (see #attempts)
    return claimed;
  }

  /** A connection being opened for a call that no longer waits for it: once up, it serves others (closed: QUIT). */
  #adoptLater(opened: Promise<SMTP>): void {
    void opened.then((c) => { this.#opener.ended(); this.#adopt(c); }, (e: unknown) => { this.#opener.ended(); this.#connectFailed(e); });
  }

  /**
   * The connections that count against `maxConnections`: those in the pool and those being
   * opened; those saying goodbye (QUIT sent, its reply due; or gone, an aborted call's end still being sent) only beyond `maxConnections` of
   * them. A retired connection's replacement thus opens at once, without waiting a round trip
   * (or a slow server's 5 s) for the 221; the server sees at most 2 x `maxConnections`
   * connections, the extra ones only for as long as a QUIT takes.
   */
  #counted(): number {
    return this.#members.length + this.#opener.pending + Math.max(0, this.#leaving.quitting - this.#max);
  }

  /**
   * A connection failed to open. A 421 (the server busy) wakes one waiting call, which tries
   * a connection of its own. Any other failure (refused, unreachable, timed out, TLS) wakes
   * every waiting call, and each then fails with this error unless a connection is still up
   * to serve it: otherwise each would try its own connection in turn, `maxConnections` at a
   * time, and with a server that does not answer a backlog would take hours to fail. Calls
   * made afterwards try again.
   */
  #connectFailed(err: unknown): void {
    if (isClosing421(err)) {
      this.#waiters.wakeNext(true);
      this.#wakeForFreeSlots(); // one fewer being opened: a larger share for those up
      return;
    }
    this.#connectFailures = { count: this.#connectFailures.count + 1, error: err };
    this.#waiters.wakeAll();
  }

  /** A new connection joins the pool. */
  #join(client: SMTP): Member {
    const member: Member = { client, inFlight: 0, sent: 0, retired: false, opened: false };
    this.#members.push(member);
    return member;
  }

  /** A connection opened for a call that gave up meanwhile: it waits for others, idle. */
  #adopt(client: SMTP): void {
    if (this.#closed) {
      this.#discard(client);
      return;
    }
    this.#armIdle(this.#join(client));
    this.#wakeForFreeSlots();
  }

  /** Wakes as many waiting calls as there are free in-flight slots on open connections (see `fairShare`); a woken call takes the least busy. */
  #wakeForFreeSlots(): void {
    let free = freeSlots(this.#window, this.#opener.pending, this.#waiters.length, this.#members);
    for (; free > 0 && this.#waiters.length > 0; free--) this.#waiters.wakeNext(true);
  }

  #claim(member: Member): Member {
    clearTimeout(member.idle);
    member.inFlight++;
    member.sent++;
    if (member.sent >= this.#perConnection) member.retired = true;
    return member;
  }

  #release(member: Member): void {
    member.inFlight--;
    if (member.inFlight === 0 && member.onIdle !== undefined) {
      const startClock = member.onIdle;
      member.onIdle = undefined;
      startClock();
    }
    this.#waiters.wakeNext();
    if (member.inFlight > 0 || !this.#members.includes(member)) return;
    if (member.retired) {
      this.#drop(member);
      void this.#leaving.quit(member);
      return;
    }
    this.#armIdle(member);
  }

  /** Closes `member` once it has been idle for `idleTimeout` ms (unless claimed before). */
  #armIdle(member: Member): void {
    member.idle = setTimeout(() => {
      this.#drop(member);
      void this.#leaving.quit(member);
    }, this.#options.idleTimeout ?? 30_000);
    member.idle.unref();
  }

  #drop(member: Member): void {
    const i = this.#members.indexOf(member);
    if (i !== -1) this.#members.splice(i, 1);
    clearTimeout(member.idle);
    this.#waiters.wakeNext(true);
  }

  /** Says QUIT on a connection that came up after close(): it never joins. */
  #discard(client: SMTP): void {
    void this.#leaving.quit({ client, inFlight: 0, sent: 0, retired: true, opened: false });
  }

  /** A member whose connection has gone leaves, and its client lets go of what it holds (see `Leaving.gone`). */
  #dropGone(member: Member): void {
    this.#drop(member);
    this.#leaving.gone(member.client);
  }
}
