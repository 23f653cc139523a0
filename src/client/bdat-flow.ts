/**
 * The BDAT (CHUNKING, RFC 3030) half of the send flow: the message goes as counted chunks,
 * untouched, pipelined with the envelope when the server offers PIPELINING.
 * @module
 */

import { outOfStep, type Slot } from "../transport/command-queue.js";
import type { SMTPReply } from "../protocol/reply.js";
import { streamChunks, type EightBitRefusal } from "./body.js";
import type { Conversation } from "./conversation.js";
import { bdatCommand, bdatParts, byteLength } from "./bdat-parts.js";
import { addRecipientSlots, AT_ONCE_MAX, bodyItems, finalSlots, writePieces, type CountedBytes } from "./data-writer.js";
import { chunkRefusalDelivery, dataRefusal } from "./slot-refusal.js";
import { refusalOnClose, type Sent } from "./refusal-on-close.js";
import {
  abandon, drain, isAccepted, lockStepEnvelope, quietRset, readEnvelope, refuseAll, throwIfIntermediate, type Body, type Envelope, type FlowOptions, type Pending,
} from "./transaction.js";
import { openGroup, openStreamGroup } from "./reset-lead.js";
import { envelopeCommands } from "./envelope-commands.js";
import { lostAfterEnd } from "./final-reply.js";
import type { ProgressMeter } from "./progress-meter.js";

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
  // A text body's last line is ended, as over DATA (bdatParts); bytes go as given.
  const parts = body.kind === "bytes" ? bdatParts(body) : undefined;
  let envelope: Pick<Pending, "refused" | "accepted"> | undefined;
  let envelopeSlots: Slot[] = [];
  if (opts.pipelining && conv.dialect === "smtp" && parts !== undefined) {
    // The whole transaction in one write: MAIL, every RCPT and BDAT LAST with the message.
    // BDAT LAST ends the transaction whatever the replies (RFC 3030 §2), so the next one
    // may follow at once, without waiting a round trip: transactions written in the same
    // tick leave in one write, and this one's envelope replies are read when the call
    // completes (see readWhole for what a refusal then needs).
    const size = byteLength(parts);
    const large = size > LARGE_BODY;
    const commands = envelopeCommands(env);
    // A large message goes after its command line, in pieces (see writePieces).
    commands.push(bdatCommand(parts, true, size, large));
    const slots = openGroup(conv, commands, true);
    const seq = conv.writes;
    const final = slots.splice(-1);
    // A large message, or one past MAX_UNREAD_WHOLE, waits for the socket to drain before
    // the call lets the next one in. The call queue is held meanwhile, so the count (which
    // complete() takes back down) can go up afterwards: a failed wait leaves it untouched.
    if (large) await writeLast(conv, parts, opts, { env, envelope: slots, final });
    opts.written();
    // All handed over: an abort no longer stops this wait (its replies must still be counted).
    // Its end of data is handed over: a connection lost now may have delivered it (see lostAfterEnd).
    if (!large && conv.unreadWhole >= MAX_UNREAD_WHOLE) await conv.channel.waitDrain(conv.timeout("dataBlock")).catch((err: unknown) => { throw lostAfterEnd(slots, final, err); });
    conv.unreadWhole++;
    return { refused: new Map(), accepted: [], final, whole: { slots, env, seq } };
  }
  if (opts.pipelining && conv.dialect === "lmtp" && parts !== undefined) return sendLmtpWhole(conv, env, parts, opts);
  if (opts.pipelining && conv.dialect === "smtp" && body.kind === "stream") {
    // With replies due ahead of its MAIL (another call's whole transaction, an RSET), the
    // stream is read only once MAIL's reply has come (its own slot: another call's has its
    // own waiter). A 421 ahead (the server read nothing after it) or to MAIL, or a refused
    // MAIL, leaves it unread, and the call, of which nothing was processed, says so.
    const group = openStreamGroup(conv, envelopeCommands(env));
    envelopeSlots = group.slots;
    const mail = envelopeSlots[0]!;
    if (group.before !== undefined && !group.before.done) {
      opts.holding?.(true); // an abort now leaves the connection (see abortClosing)
      await conv.settled(mail).finally(() => opts.holding?.(false));
      if (conv.channel.closed || mail.reply?.code !== 250) await readEnvelope(conv, env, envelopeSlots, [], true, true, true);
      // Aborted meanwhile: nothing of the message was sent; its envelope is reset.
      if (opts.signal?.aborted === true) {
        await abandon(conv, (await drain(conv, envelopeSlots))?.code ?? 0, true);
        throw opts.signal.reason;
      }
    }
  } else if (opts.pipelining) {
    envelopeSlots = openGroup(conv, envelopeCommands(env), true);
    // A stream: LMTP answers BDAT LAST once per accepted recipient, and after a refused
    // chunk the count is unknown (see chunksAccepted), and so would it be after a refused
    // envelope (RFC 2033 §4.3: no reply, or one): learn it before a chunk goes (nothing of the
    // message written yet: a close now says it was not sent).
    if (conv.dialect === "lmtp") envelope = await readEnvelope(conv, env, envelopeSlots, [], true, true, true);
  } else {
    envelope = await lockStepEnvelope(conv, env);
  }
  if (envelope?.accepted.length === 0) await refuseAll(conv, envelope.refused, [], true, opts.pipelining);
  const chunkSlots: Slot[] = [];
  /** Lock-step: the chunk whose bytes are being written in pieces, whose reply may come meanwhile. */
  let writing: Slot | undefined;
  const sendChunk = async (parts: Buffer[]): Promise<void> => {
    const size = byteLength(parts);
    // A stream's chunk may be of any size: past AT_ONCE_MAX its bytes go after the command
    // line, in pieces. Followed even lock-step: the next chunk, or RSET, comes after it.
    const large = size > AT_ONCE_MAX;
    const [slot] = conv.pipeline([bdatCommand(parts, false, size, large)], undefined, true);
    if (opts.pipelining) chunkSlots.push(slot!);
    if (large) {
      writing = opts.pipelining ? undefined : slot;
      await writePieces(conv, parts, opts.signal, { slots: [slot!], command: "BDAT", meter: opts.meter });
      writing = undefined;
    } else {
      opts.meter?.sent(size);
    }
    if (opts.pipelining) {
      await conv.channel.waitDrain(conv.timeout("dataBlock"), opts.signal);
      return;
    }
    const reply = await conv.read(slot!);
    if (reply.code !== 250) {
      await abandon(conv, reply.code);
      throw dataRefusal(conv, slot!, "BDAT");
    }
  };
  /** The bytes that go with LAST; `null` when a refusal stopped the stream early (no LAST then). */
  let last: Buffer[] | null = null;
  let final: Slot[] = [];
  /** LAST's bytes when they go after its command, in pieces: whether they were all handed over. */
  let counted: CountedBytes | undefined;
  try {
    if (body.kind === "bytes") last = parts!;
    else {
      // RFC 3030 §2: after a refused chunk (or envelope), no further BDAT is sent.
      last = await streamBdat(sourceChunks(bodyItems(conv, body.chunks, opts.signal), body.chunks, env.eightBit), sendChunk, () => envelopeRefused(conv, env, envelopeSlots) || chunkRefused(chunkSlots), opts.signal, opts.meter);
      if (last !== null && conv.dialect === "lmtp" && chunkSlots.length > 0) last = await chunksAccepted(conv, chunkSlots, last);
    }
    // The bytes go after the command line, in pieces: a message in memory past LARGE_BODY,
    // the last of a stream's chunks past AT_ONCE_MAX.
    const lastSize = last === null ? 0 : byteLength(last);
    const large = lastSize > (parts !== undefined || last?.length === 1 ? LARGE_BODY : AT_ONCE_MAX);
    if (last !== null) final = finalSlots(conv, bdatCommand(last, true, lastSize, large), envelope?.accepted.length ?? 1, true);
    if (large && last !== null) {
      counted = { slots: final, command: "end of data", meter: opts.meter };
      await writePieces(conv, last, opts.signal, counted, opts.written);
    }
  } catch (caught) {
    let err = caught;
    if (err instanceof SourceFailure) {
      await cancelChunks(conv, [...envelopeSlots, ...chunkSlots]);
      // The caller's stream failed: its own error, unless the wait for it ended because
      // the connection closed.
      if (err.error !== conv.channel.closedSignal.reason) throw err.error;
      err = err.error;
    }
    // A chunk's or LAST's write failed, or the wait for the stream, as the connection
    // closed: a reply that came before (a refusal of the envelope, a chunk or LAST; a
    // reply on which the client closed) is the error to report (see refusalOnClose).
    // LAST's command written with its bytes, or its last piece handed over: the server may have it all.
    const ended = final.length > 0 && (counted === undefined || counted.handed === true);
    if (!endedAnyway(conv, counted, opts.signal)) {
      throw refusalOnClose(conv, { env, envelope: envelopeSlots, read: envelope, chunks: writing ? [writing] : chunkSlots, final, ended, stream: body.kind === "stream" }, err, opts.signal);
    }
  }
  if (last !== null) opts.written();
  try {
    envelope ??= await readEnvelopeOrDrain(conv, env, envelopeSlots, [...chunkSlots, ...final]);
    for (const slot of chunkSlots) {
      const reply = await conv.read(slot);
      if (reply.code !== 250) {
        await drain(conv, final);
        await abandon(conv, reply.code, true); // pipelined: only then are chunkSlots kept
        throw dataRefusal(conv, slot, "BDAT", undefined, chunkRefusalDelivery(final));
      }
    }
  } catch (err) {
    // LAST went before these replies: a connection gone now may have delivered the message,
    // unless it closed on a 421 to an earlier command (the server read none of it; a pool
    // cannot run it again from a stream read already).
    if (last === null) throw err;
    throw lostAfterEnd(envelopeSlots, final, err, chunkSlots, body.kind !== "stream");
  }
  // Stopped early, so a refusal was read above and thrown: reaching here is a bug.
  if (last === null) throw new Error("internal error: BDAT stream stopped without a refusal");
  return { ...envelope, final };
}

/**
 * Writes the bytes of a transaction written whole (its BDAT LAST's command is written
 * already) in pieces. A failure (the connection went) is what the replies that came make
 * of it (see `refusalOnClose`), else says whether LAST's bytes were all handed over
 * (`Sent.ended`): the message may have been delivered, or was not sent. Once they all were,
 * none (see {@link endedAnyway}).
 */
async function writeLast(conv: Conversation, parts: Buffer[], opts: FlowOptions, sent: Sent): Promise<void> {
  const counted: CountedBytes = { slots: sent.final!, command: "end of data", meter: opts.meter };
  try {
    await writePieces(conv, parts, opts.signal, counted, opts.written);
  } catch (err) {
    if (!endedAnyway(conv, counted, opts.signal)) throw refusalOnClose(conv, { ...sent, ended: counted.handed === true }, err, opts.signal);
  }
}

/**
 * True when the write of BDAT LAST's bytes failed as the connection closed after its last
 * piece was handed to the socket (`counted.handed`), the call not aborted: the server may
 * have the whole message (RFC 3030 §2), and the replies that came say what it did with it,
 * read as when the socket had drained (LMTP: a recipient answered 250 keeps it, the rest
 * unknown; see `finish`), not one failed write's error for every recipient.
 */
function endedAnyway(conv: Conversation, counted: CountedBytes | undefined, signal: AbortSignal | undefined): boolean {
  return counted?.handed === true && conv.channel.closed && signal?.aborted !== true;
}

/**
 * LMTP, pipelined, a message in memory: MAIL, every RCPT and BDAT LAST with the message in
 * one write, one round trip (RFC 3030 lets BDAT be pipelined with the envelope).
 * BDAT LAST gets one reply per recipient accepted (RFC 2033 §4.3), a count known once the
 * RCPT replies are in: a slot is opened for every recipient (the most it can get), and
 * those beyond the count are taken back then, before anything else is written (the call
 * queue is held until the envelope replies are read). With no recipient accepted (or the
 * sender refused) BDAT LAST gets no reply (RFC 2033 §4.3, as Dovecot does) or one refusal
 * (a failed BDAT's, RFC 3030 §2): its slot takes a refusal only, and the RSET that follows
 * (whose reply is no refusal) passes it by when none came. Resolves, as {@link sendBdat},
 * once the envelope replies are read, with the slots of the replies due.
 * @throws SMTPSenderRefused, SMTPRecipientsRefused (the message was written, but the
 * server, which refused the transaction, stores nothing), SMTPServerDisconnected (as a
 * whole transaction's, see `lostAfterEnd`).
 */
async function sendLmtpWhole(conv: Conversation, env: Envelope, parts: Buffer[], opts: FlowOptions): Promise<Pending> {
  const size = byteLength(parts);
  const large = size > LARGE_BODY;
  const commands = envelopeCommands(env);
  commands.push(bdatCommand(parts, true, size, large));
  const slots = openGroup(conv, commands, true);
  const final = slots.splice(-1);
  addRecipientSlots(conv, final, env.to.length, true);
  if (large) await writeLast(conv, parts, opts, { env, envelope: slots, final });
  opts.written();
  const last = slots[slots.length - 1]!;
  if (!last.done) await conv.settled(last);
  // A 1yz/3yz to MAIL or a RCPT closed the connection (the server read what followed as
  // input it asked for, not as a message with its BDAT): that reply's refusal, as it is.
  throwIfIntermediate(conv, env, slots);
  let due = final;
  try {
    due = repliesDue(conv, env, slots, final);
    const envelope = await readEnvelope(conv, env, slots, [], true, false, true);
    if (envelope.accepted.length === 0) await refuseAll(conv, envelope.refused, [], true, true);
    return { ...envelope, final: due };
  } catch (err) {
    // The message went with the envelope: a connection gone before the replies may have
    // delivered it, unless it closed on a 421 to an earlier command (never processed).
    throw lostAfterEnd(slots, due, err);
  }
}

/**
 * Fits `final`, a slot per recipient of `env`, to the replies LMTP's BDAT LAST gets, once
 * the envelope's `slots` have settled (see {@link sendLmtpWhole}): takes back those beyond
 * one per recipient accepted, and with none accepted (or the sender refused) keeps one that
 * only a refusal answers. A reply that came for a slot beyond the count (the server counts
 * otherwise: the replies are out of step) closes the connection. Returns the slots kept;
 * all of them when the connection closed before the envelope replies (they failed with it).
 */
function repliesDue(conv: Conversation, env: Envelope, slots: readonly Slot[], final: Slot[]): Slot[] {
  let accepted = 0;
  for (let i = 0; i < slots.length; i++) {
    const reply = slots[i]!.reply;
    if (reply === undefined) return final;
    if (i === 0 && reply.code !== 250) break;
    if (i > 0 && isAccepted(reply.code, conv.dialect)) accepted++;
  }
  const kept = Math.max(accepted, 1);
  for (let i = final.length - 1; i >= kept; i--) {
    const slot = final[i]!;
    if (conv.channel.withdraw(slot)) continue;
    conv.channel.destroy(outOfStep(slot.command, slot.reply!, `a reply beyond the ${accepted} due (one per recipient accepted, RFC 2033 §4.3): the replies are out of step`));
    break;
  }
  if (accepted === 0) final[0]!.optional = isRefusal;
  return final.slice(0, kept);
}

/** True for a 4yz or 5yz reply. */
function isRefusal(reply: SMTPReply): boolean {
  return reply.code >= 400;
}

/**
 * Sends a stream as BDAT chunks of about 256 KiB, holding the last one back (it goes with
 * LAST). Stops early, without sending the rest (nor LAST), once the envelope or a chunk is
 * known to be refused, checked after each chunk sent and once the stream has ended. Each
 * chunk read is counted by `meter`, which `sendChunk` tells of each chunk sent.
 */
async function streamBdat(
  chunks: AsyncIterable<Buffer>, sendChunk: (parts: Buffer[]) => Promise<void>,
  refused: () => boolean, signal?: AbortSignal, meter?: ProgressMeter,
): Promise<Buffer[] | null> {
  let held: Buffer[] = [];
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of chunks) {
    signal?.throwIfAborted();
    // An empty chunk adds nothing: kept, any number of them would pile up in the chunk.
    if (chunk.length === 0) continue;
    meter?.read(chunk.length);
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

/**
 * LMTP, pipelined chunks: waits for every chunk's reply before BDAT LAST goes. LAST is
 * answered once per accepted recipient (RFC 2033 §4.2) when the chunks were accepted, but
 * after a refused chunk a server may answer it once (as it answers any BDAT after a failed
 * one) or once per recipient: RFC 2033 does not say, the count is unknowable, and waiting
 * for one reply too many holds the call until the timeout closes the connection. One
 * round trip per streamed message of more than one chunk, and no guess.
 * Resolves to `last` when every chunk was accepted, `null` (no LAST) when one was refused.
 * A connection closed meanwhile fails the write of LAST that follows, with its reason.
 */
async function chunksAccepted(conv: Conversation, chunks: readonly Slot[], last: Buffer[]): Promise<Buffer[] | null> {
  await conv.settled(chunks[chunks.length - 1]!);
  return chunkRefused(chunks) ? null : last;
}

/** An error thrown by the caller's body stream itself, not by the SMTP exchange. */
class SourceFailure {
  constructor(readonly error: unknown) {}
}

/** The body's chunks (`source`'s, see `streamChunks`), a text stream's last line ended; an error of the stream comes out wrapped in {@link SourceFailure}. */
async function* sourceChunks(chunks: AsyncIterable<Uint8Array | string>, source: object, eightBit: EightBitRefusal | undefined): AsyncGenerator<Buffer> {
  try {
    yield* streamChunks(chunks, { source, text: true, eightBit });
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

/**
 * True once the envelope replies that have arrived refuse the sender, or every recipient.
 * `slots` are the envelope's: MAIL's, then one per recipient of `env.to`.
 */
function envelopeRefused(conv: Conversation, env: Envelope, slots: readonly Slot[]): boolean {
  const mail = slots[0]?.reply;
  if (mail === undefined) return false;
  if (mail.code !== 250) return true;
  for (let i = 0; i < env.to.length; i++) {
    const reply = slots[i + 1]?.reply;
    if (reply === undefined || isAccepted(reply.code, conv.dialect)) return false;
  }
  return true;
}

/** True once a reply that has arrived refuses one of the chunks sent. */
function chunkRefused(slots: readonly Slot[]): boolean {
  return slots.some((s) => s.reply !== undefined && s.reply.code !== 250);
}

/** Pipelined: reads the MAIL/RCPT replies; when every recipient was refused, reads the rest, RSETs and throws. */
async function readEnvelopeOrDrain(conv: Conversation, env: Envelope, slots: Slot[], rest: Slot[]): Promise<Pick<Pending, "refused" | "accepted">> {
  const envelope = await readEnvelope(conv, env, slots, rest, true, false, true);
  if (envelope.accepted.length === 0) await refuseAll(conv, envelope.refused, rest, true, true);
  return envelope;
}
