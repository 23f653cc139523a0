/**
 * A connection with its reply queue and tracer: writes encoded commands (one write for a
 * pipelined group), opens a reply slot for each, streams message data with back-pressure.
 * It builds no SMTP verbs; the client hands it bytes.
 * @module
 */

import type * as tls from "node:tls";
import type { TimeoutPhase } from "../constants.js";
import { serverSaid } from "../error-text.js";
import { closedBy421, SMTPServerDisconnected, SMTPTimeoutError } from "../errors.js";
import { countLines } from "../protocol/bytes.js";
import type { ReplyLimits, SMTPReply } from "../protocol/reply.js";
import { CommandQueue, type Slot, type SlotKind } from "./command-queue.js";
import { Connection, type TLSInfo } from "./connection.js";
import { endpoint } from "./endpoint.js";
import { describeTLSAlert } from "./tls-diagnostics.js";
import type { OpenOptions } from "./socket-open.js";
import { tlsEstablishedLine, unverifiedNote, type Tracer } from "./trace.js";

/**
 * One command to write: its bytes, how traces show it, and the timeout phase of its reply.
 * (A plain string given to {@link Channel.send} is a checked command line without its
 * CRLF, shown as it is, whose reply has the `command` phase.)
 */
export interface Outgoing {
  /** A command line (text, sent as UTF-8), or bytes: a message may come in parts, never joined. */
  bytes: string | Buffer | readonly Buffer[];
  /** What traces show (credentials masked). */
  log: string;
  /** Timeout phase of its reply (default `command`). */
  phase?: TimeoutPhase;
  /** STARTTLS: after a 220 reply, no byte may arrive until the TLS handshake (see `SlotKind`). */
  sealAfter?: boolean;
}

/** The slot kind of each timeout phase: one shared object per phase and connection. */
export type SlotKinds = Readonly<Record<TimeoutPhase, SlotKind>>;

/** The {@link SlotKinds} of timeouts (ms per phase); those in `completionOnly` take no 3yz reply (`SlotKind.completionOnly`). */
export function slotKinds(timeouts: Readonly<Record<TimeoutPhase, number>>, completionOnly: readonly TimeoutPhase[] = []): SlotKinds {
  const kinds = {} as Record<TimeoutPhase, SlotKind>;
  for (const phase of Object.keys(timeouts) as TimeoutPhase[]) {
    // Every kind made here has the same fields (one object shape for the hot path's reads).
    kinds[phase] = Object.freeze({ timeout: timeouts[phase], phase, completionOnly: completionOnly.includes(phase) });
  }
  return Object.freeze(kinds);
}

/** Options for {@link Channel.open}. */
export interface ChannelOptions extends OpenOptions {
  tracer: Tracer;
  limits?: ReplyLimits;
  /** The kind of the greeting's slot, opened before connecting so no early byte is lost. */
  greeting: SlotKind;
}

/** An open SMTP transport: bytes out, replies in, in order. */
export class Channel {
  readonly #conn: Connection;
  readonly #queue: CommandQueue;
  readonly #tracer: Tracer;
  /** The host connected to, as given, or the Unix socket path (for traces and OAUTHBEARER's `host`). */
  readonly host: string;
  /** The TCP port connected to (for a Unix socket, the unused port argument). */
  readonly port: number;
  /** The slot of the server's greeting. */
  readonly greeting: Slot;
  #writes = 0;
  /** The first reply no slot took since the last write, and {@link writes} then (see {@link strayReply}). */
  #stray: { reply: SMTPReply; writes: number } | undefined = undefined;
  /** Where a body written in pieces is ({@link bodyStarted}): `answered` once a reply came meanwhile, closing the channel. */
  #body: "none" | "writing" | "answered" = "none";
  /** Aborted once the channel has closed, for whatever reason (see {@link closedSignal}). */
  readonly #closing = new AbortController();
  /** True once this side closed the channel ({@link end}, {@link destroy}): not the server. */
  #closedHere = false;

  private constructor(conn: Connection, queue: CommandQueue, tracer: Tracer, greeting: Slot, host: string, port: number) {
    this.#conn = conn;
    this.#queue = queue;
    this.#tracer = tracer;
    this.greeting = greeting;
    this.host = host;
    this.port = port;
  }

  /** Connects; the greeting's reply goes to {@link Channel.greeting}. */
  static async open(options: ChannelOptions): Promise<Channel> {
    const { tracer } = options;
    const ref: { channel?: Channel } = {};
    const queue = new CommandQueue({
      reply: (reply, matched, held) => {
        tracer.reply(reply);
        if (matched) return;
        if (!held) tracer.line("(discarded a reply that no command was waiting for)"); // one held: getreply() reads it
        if (ref.channel) ref.channel.#strayed(reply);
      },
      fatal: (error) => ref.channel?.destroy(error),
      shown: (error) => tracer.shown(error),
    }, options.limits);
    const greeting = queue.expect(options.greeting, "the greeting");
    const conn = await Connection.open(options, {
      data: (chunk) => queue.feed(chunk),
      close: (error) => {
        const alert = describeTLSAlert(error, options.path ?? options.host, options.port, (ref.channel === undefined ? undefined : ref.channel.#conn.tlsOptions) ?? options.implicitTLS);
        if (alert !== null) queue.failAll(alert);
        else queue.closed(error);
        if (ref.channel) ref.channel.#markClosed(queue.failure);
      },
    });
    const channel = new Channel(conn, queue, tracer, greeting, options.path ?? options.host, options.port);
    ref.channel = channel;
    if (tracer.level > 0) tracer.line(`connected to ${endpoint(channel.host, channel.port)}${unverifiedNote(conn.tlsInfo)}`);
    return channel;
  }

  /** True once the link is TLS-encrypted. */
  get encrypted(): boolean {
    return this.#conn.encrypted;
  }

  /** True when the peer is on a loopback address or a Unix socket. */
  get loopback(): boolean {
    return this.#conn.loopback;
  }

  /** This end's IP address (see `Connection.localAddress`). */
  get localAddress(): string | undefined {
    return this.#conn.localAddress;
  }

  /** TLS details, or `null` on a plain link. */
  get tlsInfo(): TLSInfo | null {
    return this.#conn.tlsInfo;
  }

  /** The TLS 1.3 `tls-exporter` channel binding, or `null` (see {@link Connection.tlsExporterBinding}). */
  tlsExporterBinding(): Buffer | null {
    return this.#conn.tlsExporterBinding();
  }

  /** The `tls-server-end-point` channel binding, or `null` (see {@link Connection.tlsServerEndPointBinding}). */
  tlsServerEndPointBinding(): Buffer | null { return this.#conn.tlsServerEndPointBinding(); }

  /**
   * Aborts, with the reason the channel failed, once it has closed for whatever reason
   * (the server, a timeout, a protocol error, `destroy()`, `end()`): what waits on anything
   * but a reply (a caller's body stream) stops waiting then.
   */
  get closedSignal(): AbortSignal {
    return this.#closing.signal;
  }

  #markClosed(reason: unknown): void {
    if (!this.#closing.signal.aborted) this.#closing.abort(reason ?? new SMTPServerDisconnected("Connection closed"));
  }

  /** True while some bytes of a reply have come but not the whole reply (see {@link CommandQueue.replyInProgress}). */
  get replyInProgress(): boolean {
    return this.#queue.replyInProgress;
  }

  /** True once closed (by either side). */
  get closed(): boolean {
    return this.#conn.closed || this.#queue.failure !== null;
  }

  /** Opens a reply slot without writing (extra LMTP replies; `getreply`). */
  expect(kind: SlotKind, command: string): Slot {
    return this.#queue.expect(kind, command);
  }

  /**
   * Writes every command in one socket write and returns their slots (pipelining), each of
   * the kind its phase has in `kinds`; `coalesce` also joins it with other writes of the
   * same tick. Consecutive command lines become one buffer (one encoding for the whole group).
   */
  send(commands: readonly (Outgoing | string)[], kinds: SlotKinds, coalesce = false): Slot[] {
    this.#assertOpen();
    this.#writes++;
    const slots: Slot[] = [];
    /** Command text not yet turned into bytes, joined once (no string built per line). */
    const text: string[] = [];
    const tracing = this.#tracer.level > 0;
    for (const c of commands) {
      if (typeof c === "string") {
        if (tracing) this.#tracer.command(c);
        slots.push(this.#queue.expect(kinds.command, c));
        text.push(c, "\r\n");
        continue;
      }
      if (tracing) this.#tracer.command(c.log);
      const kind = kinds[c.phase ?? "command"];
      slots.push(this.#queue.expect(c.sealAfter ? { ...kind, sealAfter: true } : kind, c.log));
      const bytes = c.bytes;
      if (typeof bytes === "string") {
        text.push(bytes);
        continue;
      }
      if (text.length > 0) this.#putText(text, coalesce);
      if (Buffer.isBuffer(bytes)) this.#put(bytes, coalesce);
      else for (const part of bytes as readonly Buffer[]) this.#put(part, coalesce);
    }
    if (text.length > 0) this.#putText(text, coalesce);
    if (!coalesce) this.#conn.flush();
    return slots;
  }

  /** Holds the command text gathered so far as one buffer, and empties `text`. */
  #putText(text: string[], coalesce: boolean): void {
    this.#put(Buffer.from(text.length === 1 ? text[0]! : text.join(""), "utf8"), coalesce);
    text.length = 0;
  }

  /** Holds one part of a group: until the end of the tick, or until send() flushes it. */
  #put(bytes: Buffer, coalesce: boolean): void {
    if (coalesce) this.#conn.write(bytes, true);
    else this.#conn.hold(bytes);
  }

  /** Sends coalesced writes now: after a group that nothing can follow before its replies (the envelope, DATA), waiting only delays it. */
  flush(): void {
    this.#conn.flush();
  }

  /** Writes raw bytes that expect no reply of their own (Python's `send()`); `answered`: every raw line before has had its reply read (see `CommandQueue.holdUnsolicited`). False: wait for {@link waitDrain}. */
  sendRaw(bytes: Buffer, log: string, answered: boolean): boolean {
    this.#assertOpen();
    this.#writes++;
    this.#tracer.command(log);
    this.#queue.holdUnsolicited(countLines(bytes), answered); // each line it ends may have a reply
    return this.#conn.write(bytes);
  }

  /** How many times commands or raw bytes were written (every {@link send} and {@link sendRaw}): tells whether anything was written after a given point. */
  get writes(): number { return this.#writes; }

  /**
   * The first reply that came, since the last write of commands (see {@link writes}), when no
   * command was waiting for one (it was discarded), if any: a server's early answer to what
   * is still being written after that command (a refusal of a message that DATA is still
   * sending), which the client reports when the connection then closes. Kept aside only:
   * no command ever takes it.
   */
  get strayReply(): SMTPReply | undefined {
    const kept = this.#stray;
    return kept !== undefined && kept.writes === this.#writes ? kept.reply : undefined;
  }

  #strayed(reply: SMTPReply): void {
    if (this.#stray?.writes !== this.#writes) this.#stray = { reply, writes: this.#writes };
    if (this.#body !== "writing") {
      // A 421 that no command asked for (an idle timeout, a shutdown) closes the connection
      // at once (RFC 5321 §3.8), before the next command is written to a server that is
      // leaving: that call then fails unstarted. One held for `getreply()` closes it there.
      if (reply.code === 421 && !this.#queue.holding) this.destroy(closedBy421(reply));
      return;
    }
    // The server answered a message it has not all read: client and server are out of step,
    // and it may never answer the end. Only "." ends DATA mode, which would deliver the
    // message truncated: the connection goes (the pending write then fails with this close).
    this.#body = "answered";
    this.destroy(serverSaid(new SMTPServerDisconnected(
      `Connection closed: the server replied (${reply.code} ${reply.message}) while the message was still being sent`,
    ), reply.message));
  }

  /**
   * Marks the start of a message body written in pieces after DATA's 354, until
   * {@link bodyEnded}: a reply that comes meanwhile (no command waits for one) closes the
   * channel, and fails the write pending then with that close (see {@link strayReply}).
   */
  bodyStarted(): void {
    this.#body = "writing";
  }

  /** Marks the body of {@link bodyStarted} as all written: its end follows at once, whose slot takes the next reply. */
  bodyEnded(): void {
    this.#body = "none";
  }

  /** True while replies that no slot takes are held for `getreply()` (after {@link sendRaw}, until the next command). */
  get holdingUnsolicited(): boolean {
    return this.#queue.holding;
  }

  /** Holds replies that no slot takes again, as after {@link sendRaw} (a `putcmd()` in the raw sequence). */
  holdUnsolicited(): void {
    this.#queue.holdUnsolicited();
  }

  /** The slot opened last whose reply has not come (see `CommandQueue.lastOpen`). */
  get lastOpen(): Slot | undefined { return this.#queue.lastOpen; }

  /** Replies that came and that nothing can read any more (see {@link CommandQueue.unclaimed}). */
  get unclaimed(): number { return this.#queue.unclaimed; }

  /** How many replies held after {@link sendRaw} (no slot took them) wait for {@link takeHeld}. */
  get heldCount(): number { return this.#queue.heldCount; }
  /** A reply held after {@link sendRaw} that no slot took, if any. */
  takeHeld(): SMTPReply | undefined {
    return this.#queue.takeHeld();
  }

  /**
   * Writes message data, waiting for the socket to drain when its buffer is full; `written` as in {@link Connection.write}.
   * @throws SMTPTimeoutError when a write stalls for `stallTimeout` ms.
   */
  async writeData(bytes: Buffer, stallTimeout: number, signal?: AbortSignal, written?: (err?: Error | null) => void): Promise<void> {
    this.#assertOpen();
    if (this.#conn.write(bytes, false, written)) return;
    await this.#drain(stallTimeout, signal);
  }

  /**
   * Waits until the socket's write buffer has drained (back-pressure for pipelined data).
   * @throws SMTPTimeoutError when it stalls for `stallTimeout` ms.
   */
  async waitDrain(stallTimeout: number, signal?: AbortSignal): Promise<void> {
    await this.#drain(stallTimeout, signal);
  }

  /**
   * Waits for the socket to drain. A stall past `stallTimeout` closes the channel with that
   * SMTPTimeoutError at once (the connection has destroyed its socket): every later call is
   * told why, not what the socket's close event, a tick later, or the writer's cleanup says.
   * A socket closed meanwhile by this side (`close()`, a reply during the body: see
   * {@link bodyStarted}) fails the wait with the channel's reason, as every pending reply,
   * not as if the server had gone.
   */
  async #drain(stallTimeout: number, signal?: AbortSignal): Promise<void> {
    try {
      await this.#conn.drain(stallTimeout, signal);
    } catch (err) {
      if (this.#body === "answered") throw this.#queue.failure;
      if (err instanceof SMTPTimeoutError) this.destroy(err);
      else if (err instanceof SMTPServerDisconnected && this.#closedHere) throw this.#queue.failure;
      throw err;
    }
  }

  /** Resolves to the reply of `slot` (see {@link CommandQueue.wait}). */
  reply(slot: Slot): Promise<SMTPReply> { return this.#queue.wait(slot); }

  /** Resolves once `slot` has its reply or its error (see {@link CommandQueue.settled}). */
  settled(slot: Slot): Promise<void> { return this.#queue.settled(slot); }

  /** The reply of a settled slot (see {@link CommandQueue.take}). @throws the slot's error. */
  take(slot: Slot): SMTPReply { return this.#queue.take(slot); }

  /** Takes back the last slot opened, unanswered (see {@link CommandQueue.withdraw}). */
  withdraw(slot: Slot): boolean { return this.#queue.withdraw(slot); }

  /** Stops reading: the next bytes must be TLS (after a STARTTLS 220). */
  pause(): void { this.#conn.pause(); }

  /** Upgrades to TLS after STARTTLS; any failure closes the channel. */
  async upgrade(options: tls.ConnectionOptions, timeout: number, signal?: AbortSignal): Promise<void> {
    try {
      await this.#conn.upgrade(options, timeout, signal);
    } catch (err) {
      // Closed meanwhile by this side (close(), the signal option): that reason, as every
      // pending call gets, not how the handshake saw its socket go ("closed while connecting").
      const reason = this.#queue.failure ?? err;
      this.#queue.failAll(err);
      this.#markClosed(err);
      throw reason;
    }
    this.#queue.unseal();
    if (this.#tracer.level > 0) this.#tracer.line(tlsEstablishedLine(this.#conn.tlsInfo));
  }

  /** Closes gracefully after pending writes (after QUIT; `within`: see `Connection.end`); open slots fail with `error` (or SMTPServerDisconnected). */
  end(error?: unknown, within?: number): void {
    this.#closedHere = true;
    this.#queue.failAll(error ?? new SMTPServerDisconnected("Connection closed"));
    this.#markClosed(this.#queue.failure);
    this.#conn.end(within);
  }

  /** Bounds a graceful {@link end} still under way to `within` ms more (see `Connection.endWithin`). */
  endWithin(within: number): void { this.#conn.endWithin(within); }

  /** While a graceful {@link end} is under way: resolves once the socket has closed; `null` otherwise (see `Connection.ending`). */
  ending(): Promise<void> | null { return this.#conn.ending(); }

  /** Closes at once; open slots fail with `error` (or SMTPServerDisconnected). */
  destroy(error?: unknown): void {
    this.#closedHere = true;
    this.#queue.failAll(error ?? new SMTPServerDisconnected("Connection closed"));
    this.#markClosed(this.#queue.failure);
    this.#conn.destroy();
  }

  #assertOpen(): void {
    if (this.#queue.failure !== null) throw this.#queue.failure;
    if (this.#conn.closed) throw new SMTPServerDisconnected("Connection unexpectedly closed");
  }
}
