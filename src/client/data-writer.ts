/**
 * Writing the message data after DATA's 354: dot-stuffed, ended by ".", small bodies in
 * one write, large ones and streams in pieces with back-pressure; then the final reply
 * slots (one per accepted recipient for LMTP).
 * @module
 */

import { serverSaid } from "../error-text.js";
import { SMTPServerDisconnected, SMTPTimeoutError, timedOutAfter } from "../errors.js";
import { DotStuffer } from "../protocol/dot-stuff.js";
import type { Slot } from "../transport/command-queue.js";
import { abortableItems, linkSignals } from "./abortable.js";
import { claimIterator, claimStream, streamChunks, type EightBitRefusal } from "./body.js";
import type { Command, Conversation } from "./conversation.js";
import type { Body } from "./transaction.js";
import type { ProgressMeter } from "./progress-meter.js";
import { answeredUnread } from "./slot-refusal.js";
import { WriteBuffers } from "./write-buffers.js";

/**
 * An in-memory body larger than this is stuffed and written in pieces of this size, with
 * back-pressure: the server reads one piece while the next is being stuffed, instead of
 * waiting for the whole message to be stuffed first (and no stuffed copy of it all).
 */
export const BODY_PIECE = 128 * 1024;

/**
 * The most message bytes handed to the socket in one write, whose drain then has one
 * `dataBlock` limit: a piece of {@link BODY_PIECE} once stuffed (at most twice as long) and
 * a BDAT chunk gathered from a stream's chunks (less than twice 256 KiB) stay within it. A
 * larger BDAT chunk of a caller's stream goes in pieces (see {@link writePieces}).
 */
export const AT_ONCE_MAX = 512 * 1024;

/** An in-memory body in pieces of {@link BODY_PIECE} bytes (views, no copies). */
function* pieces(bytes: Buffer): Generator<Buffer> {
  for (let off = 0; off < bytes.length; off += BODY_PIECE) yield bytes.subarray(off, off + BODY_PIECE);
}

/**
 * Writes the body with dot-stuffing and the end marker; opens the final reply slots.
 * `eightBit` as in {@link StreamedWrite}.
 */
export async function writeBody(conv: Conversation, body: Body, accepted: number, signal?: AbortSignal, eightBit?: EightBitRefusal): Promise<Slot[]> {
  return writeAtOnce(conv, body, accepted) ?? writeStreamed(conv, body, accepted, { signal, eightBit });
}

/**
 * {@link writeBody} for an in-memory body of at most {@link BODY_PIECE} bytes, which goes
 * in one write, synchronously; `undefined` for any other body. `followed` (a pipelined
 * transaction's end of data, which the next transaction may follow at once) as in
 * `Conversation.pipeline`.
 */
export function writeAtOnce(conv: Conversation, body: Body, accepted: number, followed = false): Slot[] | undefined {
  // A reply already here answers the message before it is sent: see answeredBeforeBody.
  if (body.kind !== "bytes" || body.bytes.length > BODY_PIECE || conv.channel.strayReply !== undefined) return undefined;
  const stuffer = new DotStuffer();
  // The stuffed message and its end marker go as two parts: no copy just to append ".".
  const last = [stuffer.push(body.bytes), stuffer.end()];
  return endData(conv, stuffer, last, accepted, followed);
}

/** How {@link writeStreamed} writes. */
export interface StreamedWrite {
  /** Aborts the writes and the waits for the body's chunks. */
  signal?: AbortSignal | undefined;
  /** As in {@link writeAtOnce}. */
  followed?: boolean;
  /**
   * When writing fails, asked, before the connection is closed, for the error to report in
   * place of the failure.
   */
  instead?: (err: unknown) => unknown;
  /**
   * Called as soon as the end of data has been handed to the connection, in the same
   * synchronous step: an abort in the microtasks before this returns must find the message
   * whole (see `FlowOptions.written`).
   */
  written?: (() => void) | undefined;
  /**
   * Told of each piece of the message once it has been written and the next has come; the
   * last, once the end of data has gone too: by `written`, which tells it the whole size
   * (see `ProgressMeter`).
   */
  meter?: ProgressMeter | undefined;
  /** For a stream: the error for a string chunk that is not ASCII, when the transaction takes no 8-bit data (see `streamChunks`). */
  eightBit?: EightBitRefusal | undefined;
}

/** {@link writeBody} for a stream or a large body: in pieces, with back-pressure. */
export async function writeStreamed(conv: Conversation, body: Body, accepted: number, how: StreamedWrite = {}): Promise<Slot[]> {
  const { signal, followed = false, instead, written, meter, eightBit } = how;
  const stuffer = new DotStuffer();
  const stall = conv.timeout("dataBlock");
  // Pieces that stuffing changes are copied into these, each reused once written.
  const buffers = new WriteBuffers(AT_ONCE_MAX);
  // The piece written last, not yet told to the meter: it is told once the next one has
  // come, so that it is known not to be the last. The last is told with the whole size by
  // `written`, once the end of data has gone too: an abort from the report of the whole
  // size finds the message all written, as over BDAT (where the last chunk goes with LAST).
  let untold = 0;
  try {
    answeredBeforeBody(conv);
    conv.channel.bodyStarted();
    for await (const chunk of body.kind === "bytes" ? pieces(body.bytes) : streamChunks(bodyItems(conv, body.chunks, signal), { source: body.chunks, eightBit, lines: meter !== undefined })) {
      // A stream's chunk larger than a piece is stuffed and written piece by piece too: no
      // stuffed copy of it whole, and each piece told to the meter as it goes.
      for (let off = 0; off < chunk.length; off += BODY_PIECE) {
        if (untold > 0) meter!.sent(untold);
        untold = 0;
        signal?.throwIfAborted();
        const piece = chunk.length <= BODY_PIECE ? chunk : chunk.subarray(off, off + BODY_PIECE);
        meter?.read(piece.length);
        // At most twice BODY_PIECE once stuffed: within AT_ONCE_MAX, one write.
        const out = stuffer.push(piece, buffers.take);
        if (out.length) await conv.channel.writeData(out, stall, signal, buffers.afterWrite(out));
        if (meter !== undefined) untold = piece.length;
      }
    }
  } catch (err) {
    // Asked before the close below, after which the connection is closed whatever failed.
    const reported = instead === undefined ? err : instead(err);
    // The server is reading message data and only "." ends it, which would deliver a
    // truncated message; nothing else can be said in DATA mode, so the connection goes.
    conv.channel.destroy(new SMTPServerDisconnected("Connection closed: the message body failed while it was being sent", { cause: err }));
    throw reported;
  }
  conv.channel.bodyEnded();
  const slots = endData(conv, stuffer, [stuffer.end()], accepted, followed);
  if (written !== undefined) written();
  else if (untold > 0) meter!.sent(untold);
  return slots;
}

/**
 * Throws when the server has answered DATA's message before any of it was written: a reply
 * that came with its 354 (in the same read) or after it, kept aside since no command waited
 * for it (see `Channel.strayReply`; a 421 so has closed the connection already). It is the
 * server's answer to the message, as one that comes while the message is being written:
 * nothing of it is written, nor its end (which would deliver it empty), the connection
 * closes, and that close is thrown, which `StreamedWrite.instead` reports as that reply's
 * refusal (sendmail: `SMTPDataError`; a 2yz one that may have been delivered: see `answeredUnread`).
 * @throws SMTPServerDisconnected
 */
function answeredBeforeBody(conv: Conversation): void {
  const early = conv.channel.strayReply;
  if (early === undefined) return;
  // A channel closed already (the 421) keeps the reason it closed with.
  conv.channel.destroy(new SMTPServerDisconnected(`Connection closed: the server replied (${early.code} ${early.message}) before the message was sent`));
  throw conv.channel.closedSignal.reason;
}

/**
 * The BDAT command whose counted bytes {@link writePieces} writes: the slots of its replies
 * (for LMTP's BDAT LAST one per accepted recipient), and how errors name it.
 */
export interface CountedBytes {
  slots: readonly Slot[];
  /** "BDAT" for a chunk, "end of data" for BDAT LAST. */
  command: string;
  /** Told of each piece written: BDAT's bytes are the message's own, sent as given (see `ProgressMeter`). */
  meter?: ProgressMeter | undefined;
  /**
   * Set by {@link writePieces} once the last of these bytes has been handed to the socket
   * (with `written`: BDAT LAST's): from then on the server may have the whole message, and a
   * connection lost before its reply may have delivered it (see `Sent.ended`).
   */
  handed?: boolean;
}

/**
 * Writes message bytes in pieces of {@link BODY_PIECE}, with back-pressure: each stall has
 * its own `dataBlock` limit, so a slow but steady link is not timed out while a large
 * message (or a stream's large chunk) is still flowing. With `counted` (the bytes of a
 * BDAT command), a 2yz to that command that has come before a piece is handed to the
 * socket accepted bytes the server cannot have read: see {@link answeredEarly}. With
 * `written`, these are the transaction's last bytes: `written` is called as soon as the
 * last piece has been handed to the connection, in the same synchronous step, in place of
 * telling the meter of that piece (it tells the whole size: see `FlowOptions.written`), and the wait
 * for that piece to drain no longer ends on `signal` (the transaction is whole: its replies
 * must still be read).
 * @throws SMTPDataError for such a reply; SMTPTimeoutError, SMTPServerDisconnected.
 */
export async function writePieces(conv: Conversation, parts: readonly Buffer[], signal?: AbortSignal, counted?: CountedBytes, written?: () => void): Promise<void> {
  const stall = conv.timeout("dataBlock");
  for (let p = 0; p < parts.length; p++) {
    const bytes = parts[p]!;
    for (let off = 0; off < bytes.length; off += BODY_PIECE) {
      signal?.throwIfAborted();
      if (counted !== undefined) answeredEarly(conv, counted);
      const piece = bytes.subarray(off, off + BODY_PIECE);
      if (written !== undefined && p === parts.length - 1 && off + BODY_PIECE >= bytes.length) {
        // writeData hands the piece over before its first await. `written` first, and it
        // tells the meter (the transaction's finishes it): an abort from that report of
        // the whole size finds the transaction all written, as any abort from here on.
        const drained = conv.channel.writeData(piece, stall);
        // Handed over unless the channel was closed (before, or by an `smtplib.send` subscriber).
        if (counted !== undefined && !conv.channel.closed) counted.handed = true;
        written();
        await drained;
      } else {
        await conv.channel.writeData(piece, stall, signal);
        counted?.meter?.sent(piece.length);
      }
    }
  }
}

/**
 * Throws when the BDAT command of `counted` has a 2yz reply (for LMTP, any recipient's)
 * while some of its bytes are not yet sent: the server took the chunk (or, for LAST, the message) as ended before it had
 * it all, and would read the rest of the bytes as commands (a message line "RCPT TO:<...>"
 * obeyed), so no more is written and the connection closes; the call fails with that reply
 * as SMTPDataError (whose cause is the close; see `answeredUnread`), as a reply during DATA's message does. Only
 * bytes not yet handed to the socket count: a reply after the last piece is handed over is
 * in order. A refusal is not checked: the server may refuse a chunk and read (discard) the
 * rest of it, and the connection stays.
 */
function answeredEarly(conv: Conversation, { slots, command }: CountedBytes): void {
  // Replies come in order: past a slot without one, none has one.
  const slot = slots.find((s) => s.reply === undefined || (s.reply.code >= 200 && s.reply.code < 300));
  const reply = slot?.reply;
  if (slot === undefined || reply === undefined) return;
  const close = serverSaid(new SMTPServerDisconnected(
    `Connection closed: the server answered ${slot.command} (${reply.code} ${reply.message}) before its bytes were all sent`,
  ), reply.message);
  conv.channel.destroy(close);
  throw answeredUnread(reply, command, close);
}

/**
 * The chunks of a caller's body stream, for as long as the call can use them. A stream that
 * stops yielding must not hold the call, and every call behind it, forever: each wait for
 * its next chunk ends once the connection has gone or `signal` aborts, and one that lasts
 * the `dataBlock` timeout (RFC 5321 §4.5.3.2.5, as a stalled write) closes the connection
 * with SMTPTimeoutError (the message, half sent, can never be ended), which then ends it.
 * @throws TypeError for a stream that another call has read or is reading (see `claimStream`),
 * or whose iterator another call has (see `claimIterator`).
 */
export async function* bodyItems<T>(conv: Conversation, chunks: AsyncIterable<T>, signal: AbortSignal | undefined): AsyncGenerator<T> {
  // Another call (on another connection) may have begun reading it since this one's turn.
  claimStream(chunks);
  const ms = conv.timeout("dataBlock");
  const expired = (): void => {
    conv.channel.destroy(new SMTPTimeoutError(timedOutAfter(ms, "waiting for the next chunk of the message body stream"), "dataBlock", ms));
  };
  // Not AbortSignal.any: the connection's signal outlives many calls (see linkSignals).
  const stop = linkSignals(signal, conv.channel.closedSignal);
  try {
    yield* abortableItems(chunks, stop.signal, { ms, expired }, claimIterator);
  } finally {
    stop.release();
  }
}

/** Writes the last of the stuffed data (`last` holds the end marker) and opens the final reply slots. */
function endData(conv: Conversation, stuffer: DotStuffer, last: Buffer[], accepted: number, followed: boolean): Slot[] {
  return finalSlots(conv, { bytes: last, log: `<message data, ${stuffer.outputBytes} bytes> .`, phase: "dataTermination" }, accepted, followed);
}

/**
 * Writes the last bytes and opens the final reply slot(s): LMTP gets one per recipient.
 * `followed` as in {@link writeAtOnce}.
 */
export function finalSlots(conv: Conversation, last: Command, accepted: number, followed = false): Slot[] {
  const slots = conv.pipeline([last], undefined, followed);
  if (conv.dialect === "lmtp") addRecipientSlots(conv, slots, accepted, followed);
  return slots;
}

/**
 * LMTP: adds to `slots` (the end of data's own, first) one slot per further recipient, up to
 * `recipients` in all: the end of data gets a reply per recipient (RFC 2033 §4.2).
 */
export function addRecipientSlots(conv: Conversation, slots: Slot[], recipients: number, followed: boolean): void {
  for (let i = 1; i < recipients; i++) slots.push(conv.expect("dataTermination", `end of data (recipient ${i + 1})`, followed));
}
