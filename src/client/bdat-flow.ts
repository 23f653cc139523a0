/**
 * The BDAT (CHUNKING, RFC 3030) half of the send flow: the message goes as counted chunks,
 * untouched, pipelined with the envelope when the server offers PIPELINING.
 * @module
 */

import { SMTPDataError, SMTPRecipientsRefused, SMTPSenderRefused } from "../errors.js";
import type { SMTPReply } from "../protocol/reply.js";
import { encodeBdat } from "../protocol/commands.js";
import type { Slot } from "../transport/command-queue.js";
import { abortableItems, eitherSignal } from "./abortable.js";
import { streamChunks } from "./body.js";
import type { Command, Conversation } from "./conversation.js";
import { BODY_PIECE, finalSlots } from "./data-writer.js";
import {
  abandon, closedOnReply, drain, envelopeCommands, intermediateRefusal, isAccepted, lockStepEnvelope, openGroup, quietRset, readEnvelope, refuseAll,
  type Body, type Envelope, type FlowOptions, type Pending,
} from "./transaction.js";

/** Size of the chunks a stream is cut into. */
const BDAT_CHUNK = 256 * 1024;
/** Past this size an in-memory message written whole waits for the socket to drain. */
const LARGE_BODY = 64 * 1024;
/**
 * Past this many transactions written whole with replies unread, each further one also
 * waits for the socket to drain: however many calls a caller starts at once, what sits in
 * memory waiting for the socket stays bounded.
 */
const MAX_UNREAD_WHOLE = 128;

/**
 * Sends MAIL, RCPT and the message as BDAT chunks; resolves once the last chunk is written.
 * @throws SMTPSenderRefused, SMTPRecipientsRefused, SMTPDataError, SMTPServerDisconnected,
 * or the body stream's own error.
 */
export async function sendBdat(conv: Conversation, env: Envelope, body: Body, opts: FlowOptions): Promise<Pending> {
  let envelope: Pick<Pending, "refused" | "accepted"> | undefined;
  let envelopeSlots: Slot[] = [];
  if (opts.pipelining && conv.dialect === "smtp" && body.kind === "bytes") {
    // The whole transaction in one write: MAIL, every RCPT and BDAT LAST with the message.
    // BDAT LAST ends the transaction whatever the replies (RFC 3030 §2), so the next one
    // may follow at once, without waiting a round trip: transactions written in the same
    // tick leave in one write, and this one's envelope replies are read when the call
    // completes (see readWhole for what a refusal then needs).
    const large = body.bytes.length > LARGE_BODY;
    const commands = envelopeCommands(env);
    // A large message goes after its command line, in pieces (see writePieces).
    commands.push(large ? bdatHeader(body.bytes.length) : bdatCommand([body.bytes], true));
    const slots = openGroup(conv, commands, true);
    const seq = conv.writes;
    const final = slots.splice(-1);
    // A large message, or one past MAX_UNREAD_WHOLE, waits for the socket to drain before
    // the call lets the next one in. The call queue is held meanwhile, so the count (which
    // complete() takes back down) can go up afterwards: a failed wait leaves it untouched.
    if (large) await writePieces(conv, body.bytes, opts.signal).catch((err: unknown) => { throw refusalInstead(conv, env, slots, err, opts.signal, final); });
    opts.written?.();
    // All handed over: an abort no longer stops this wait (its replies must still be counted).
    if (!large && conv.unreadWhole >= MAX_UNREAD_WHOLE) await conv.channel.waitDrain(conv.timeout("dataBlock"));
    conv.unreadWhole++;
    return { refused: new Map(), accepted: [], final, whole: { slots, env, seq } };
  }
  if (opts.pipelining) {
    envelopeSlots = openGroup(conv, envelopeCommands(env), true);
    // LMTP answers BDAT LAST once per accepted recipient: learn how many before sending it.
    if (conv.dialect === "lmtp") envelope = await readEnvelope(conv, env, envelopeSlots, []);
  } else {
    envelope = await lockStepEnvelope(conv, env);
  }
  if (envelope?.accepted.length === 0) await refuseAll(conv, envelope.refused, []);
  const chunkSlots: Slot[] = [];
  const sendChunk = async (parts: Buffer[]): Promise<void> => {
    // Followed even lock-step: the next chunk, or RSET, comes after it.
    const [slot] = conv.pipeline([bdatCommand(parts, false)], undefined, true);
    if (opts.pipelining) {
      chunkSlots.push(slot!);
      await conv.channel.waitDrain(conv.timeout("dataBlock"), opts.signal).catch((err: unknown) => { throw refusalInstead(conv, env, envelopeSlots, err, opts.signal); });
      return;
    }
    const reply = await conv.read(slot!);
    if (reply.code !== 250) {
      await abandon(conv, reply.code);
      throw chunkError(conv, slot!);
    }
  };
  /** The bytes that go with LAST; `null` when a refusal stopped the stream early (no LAST then). */
  let last: Buffer[] | null;
  if (body.kind === "bytes") last = [body.bytes];
  else {
    try {
      // A stream that stops yielding ends the call once the connection has gone.
      const stop = eitherSignal(opts.signal, conv.channel.closedSignal);
      // RFC 3030 §2: after a refused chunk (or envelope), no further BDAT is sent.
      last = await streamBdat(abortableItems(body.chunks, stop), sendChunk, () => envelopeRefusal(env, envelopeSlots) !== undefined || chunkRefused(chunkSlots), opts.signal);
    } catch (err) {
      if (!(err instanceof SourceFailure)) throw intermediateInstead(conv, env, envelopeSlots, chunkSlots, err, opts.signal);
      await cancelChunks(conv, [...envelopeSlots, ...chunkSlots]);
      // The wait for the stream ended because the connection closed: say why it closed.
      if (err.error === conv.channel.closedSignal.reason) throw intermediateInstead(conv, env, envelopeSlots, chunkSlots, err.error, opts.signal);
      throw err.error;
    }
  }
  const lastBytes = last?.length === 1 && last[0]!.length > LARGE_BODY ? last[0]! : undefined;
  let final: Slot[] = [];
  try {
    if (last !== null) final = finalSlots(conv, lastBytes ? bdatHeader(lastBytes.length) : bdatCommand(last, true), envelope?.accepted.length ?? 1, true);
    // A large LAST may still be being written when a 3yz (to it, to the envelope) closes
    // the connection: the write then fails, and that reply is the error to report.
    if (lastBytes) await writePieces(conv, lastBytes, opts.signal);
  } catch (err) {
    throw intermediateInstead(conv, env, envelopeSlots, chunkSlots, err, opts.signal, final);
  }
  if (last !== null) opts.written?.();
  envelope ??= await readEnvelopeOrDrain(conv, env, envelopeSlots, [...chunkSlots, ...final]);
  for (const slot of chunkSlots) {
    const reply = await conv.read(slot);
    if (reply.code !== 250) {
      await drain(conv, final);
      await abandon(conv, reply.code);
      throw chunkError(conv, slot);
    }
  }
  // Stopped early, so a refusal was read above and thrown: reaching here is a bug.
  if (last === null) throw new Error("internal error: BDAT stream stopped without a refusal");
  return { ...envelope, final };
}

/**
 * Sends a stream as BDAT chunks of about 256 KiB, holding the last one back (it goes with
 * LAST). Stops early, without sending the rest (nor LAST), once the envelope or a chunk is
 * known to be refused, checked after each chunk sent and once the stream has ended.
 */
async function streamBdat(
  chunks: AsyncIterable<Uint8Array | string>, sendChunk: (parts: Buffer[]) => Promise<void>,
  refused: () => boolean, signal?: AbortSignal,
): Promise<Buffer[] | null> {
  let held: Buffer[] = [];
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of sourceChunks(chunks)) {
    signal?.throwIfAborted();
    pending.push(chunk);
    pendingBytes += chunk.length;
    if (pendingBytes < BDAT_CHUNK) continue;
    if (held.length) await sendChunk(held);
    held = pending;
    pending = [];
    pendingBytes = 0;
    if (refused()) return null;
  }
  // The stream may have paused for any time since the last check: a refusal that came
  // meanwhile stops the held chunk and LAST too.
  if (refused()) return null;
  if (pendingBytes === 0) return held;
  if (held.length) {
    await sendChunk(held);
    if (refused()) return null;
  }
  return pending;
}

/** An error thrown by the caller's body stream itself, not by the SMTP exchange. */
class SourceFailure {
  constructor(readonly error: unknown) {}
}

/** The body's chunks; an error of the stream comes out wrapped in {@link SourceFailure}. */
async function* sourceChunks(chunks: AsyncIterable<Uint8Array | string>): AsyncGenerator<Buffer> {
  try {
    yield* streamChunks(chunks);
  } catch (err) {
    throw new SourceFailure(err);
  }
}

/**
 * After the body stream failed between BDAT chunks: every chunk sent was whole, so the
 * transaction can be cancelled with RSET (RFC 3030 §2) once the replies still due are
 * read, and the connection stays usable. Anything going wrong here closes it instead.
 */
async function cancelChunks(conv: Conversation, outstanding: Slot[]): Promise<void> {
  if (conv.channel.closed) return;
  try {
    await drain(conv, outstanding);
    await quietRset(conv);
  } catch {
    conv.channel.destroy();
  }
}

/** `BDAT n LAST` alone: the `n` bytes follow with {@link writePieces}. */
function bdatHeader(size: number): Command {
  return { bytes: [encodeBdat(size, true)], log: `BDAT ${size} LAST`, phase: "dataTermination" };
}

/**
 * Writes a large in-memory message after its `BDAT n LAST` line, in pieces with
 * back-pressure: each stall has its own `dataBlock` limit, so a slow but steady link is
 * not timed out while the message is still flowing, and by the time the final reply is
 * awaited (its `dataTermination` clock) the message has been handed to the socket.
 */
async function writePieces(conv: Conversation, bytes: Buffer, signal?: AbortSignal): Promise<void> {
  const stall = conv.timeout("dataBlock");
  for (let off = 0; off < bytes.length; off += BODY_PIECE) {
    signal?.throwIfAborted();
    await conv.channel.writeData(bytes.subarray(off, off + BODY_PIECE), stall, signal);
  }
}

function bdatCommand(parts: readonly Buffer[], last: boolean): Command {
  let size = 0;
  for (const part of parts) size += part.length;
  return { bytes: [encodeBdat(size, last), ...parts], log: `BDAT ${size}${last ? " LAST" : ""}`, phase: last ? "dataTermination" : "dataBlock" };
}

/**
 * The error to report when writing the message failed: the server's refusal of the
 * envelope ({@link envelopeRefusal}), when it came before it closed the connection (a
 * server that refuses the envelope may hang up while a large message is still being
 * written), else `err` itself, and always when `signal`, the flow's, has aborted. A 3yz
 * reply to the envelope, or to BDAT LAST (`final`, its slots, as in
 * {@link intermediateInstead}), on which the client closed the connection, has that close
 * as its cause (what the write then failed with says less).
 */
function refusalInstead(conv: Conversation, env: Envelope, slots: readonly Slot[], err: unknown, signal: AbortSignal | undefined, final: readonly Slot[] = []): unknown {
  // An abort the caller asked for is reported as such, whatever the server had said.
  if (signal?.aborted) return err;
  const broken = conv.channel.closed ? intermediateRefusal(env, slots, conv.channel.closedSignal.reason) : undefined;
  return broken ?? envelopeRefusal(env, slots, err) ?? endInstead(conv, final) ?? err;
}

/**
 * The refusal shown by the envelope replies that have arrived: a refused sender, or every
 * recipient refused; `undefined` while neither is known. `slots` are the envelope's:
 * MAIL's, then one per recipient of `env.to`.
 */
function envelopeRefusal(env: Envelope, slots: readonly Slot[], cause?: unknown): SMTPSenderRefused | SMTPRecipientsRefused | undefined {
  const mail = slots[0]?.reply;
  if (mail === undefined) return undefined;
  if (mail.code !== 250) return new SMTPSenderRefused(mail.code, mail.message, env.from, { command: "MAIL", cause });
  const refused = new Map<string, SMTPReply>();
  for (let i = 0; i < env.to.length; i++) {
    const reply = slots[i + 1]?.reply;
    if (reply === undefined || isAccepted(reply.code)) return undefined;
    refused.set(env.to[i]!, reply);
  }
  return refused.size > 0 ? new SMTPRecipientsRefused(refused, { command: "RCPT", cause }) : undefined;
}

/**
 * `err`, or instead the error of a 3yz reply to the envelope, to a chunk or to BDAT LAST
 * (`final`, its slots) when the connection was closed on it (see `intermediateRefusal`):
 * whatever failed then (a write, the wait for the body stream) failed because of that
 * reply. On a closed connection, a refusal of the envelope that came before the close
 * ({@link envelopeRefusal}, as {@link refusalInstead} gives a message written whole) is
 * the answer too, unless `signal`, the flow's, has aborted. BDAT LAST's is an `SMTPDataError` for the end of data, as `finish` gives SMTP the
 * same reply once the message is all written (for LMTP, `finish` would count it as the
 * first recipient's refusal; here the message was not all sent, so nobody got it).
 */
function intermediateInstead(conv: Conversation, env: Envelope, slots: readonly Slot[], chunkSlots: readonly Slot[], err: unknown, signal: AbortSignal | undefined, final: readonly Slot[] = []): unknown {
  if (!conv.channel.closed) return err;
  const envelope = intermediateRefusal(env, slots, conv.channel.closedSignal.reason) ?? (signal?.aborted ? undefined : envelopeRefusal(env, slots, err));
  if (envelope) return envelope;
  const chunk = chunkSlots.find((s) => closedOnReply(conv, s) !== undefined);
  if (chunk) return chunkError(conv, chunk);
  return endInstead(conv, final) ?? err;
}

/**
 * The `SMTPDataError` for the end of data when the connection was closed on a 3yz reply
 * to BDAT LAST (`final`, its slots); `undefined` otherwise.
 */
function endInstead(conv: Conversation, final: readonly Slot[]): SMTPDataError | undefined {
  const end = final.find((s) => closedOnReply(conv, s) !== undefined);
  return end ? chunkError(conv, end, "end of data") : undefined;
}

/**
 * The error for a refused BDAT chunk (its slot holds the reply), or with `command` "end of
 * data" for BDAT LAST, with the close as cause when it was closed on that reply.
 */
function chunkError(conv: Conversation, slot: Slot, command = "BDAT"): SMTPDataError {
  const reply = slot.reply!;
  // An undefined cause is no cause (SMTPException leaves it out).
  return new SMTPDataError(reply.code, reply.message, { command, cause: closedOnReply(conv, slot) });
}

/** True once a reply that has arrived refuses one of the chunks sent. */
function chunkRefused(slots: readonly Slot[]): boolean {
  return slots.some((s) => s.reply !== undefined && s.reply.code !== 250);
}

/** Pipelined: reads the MAIL/RCPT replies; when every recipient was refused, reads the rest, RSETs and throws. */
async function readEnvelopeOrDrain(conv: Conversation, env: Envelope, slots: Slot[], rest: Slot[]): Promise<Pick<Pending, "refused" | "accepted">> {
  const envelope = await readEnvelope(conv, env, slots, rest);
  if (envelope.accepted.length === 0) await refuseAll(conv, envelope.refused, rest);
  return envelope;
}
