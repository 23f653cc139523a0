/**
 * The send flow of `sendmail`: MAIL, RCPT, then DATA or BDAT, lock-step or pipelined
 * (RFC 2920), with one error policy everywhere: a refusal is followed by RSET, a 421 closes
 * the connection (RFC 5321 §3.8), and every reply reaches the command it answers.
 * @module
 */

import { hungUp, SMTPDataError, SMTPRecipientsRefused, SMTPSenderRefused, SMTPServerDisconnected } from "../errors.js";
import { isIncomplete, type SMTPReply } from "../protocol/reply.js";
import { outOfStep, PRELIMINARY, type Slot } from "../transport/command-queue.js";
import { sendBdat } from "./bdat-flow.js";
import type { Command, Conversation, Dialect } from "./conversation.js";
import { writeAtOnce, writeStreamed } from "./data-writer.js";
import { DATA, envelopeCommands, type Envelope } from "./envelope-commands.js";
import type { ProgressMeter } from "./progress-meter.js";
import { intermediateRefusal, refusalOnClose } from "./refusal-on-close.js";
import { openGroup, RSET } from "./reset-lead.js";
import { closedOnReply, serverGone } from "./slot-refusal.js";
import { closedInEnvelope, unanswered, unsentTimeout } from "./unsent.js";

export type { Envelope } from "./envelope-commands.js";

/** A body ready to send: bytes in memory (`text`: its last line ended by BDAT as by DATA: `bdatParts`), or a stream. */
export type Body = { kind: "bytes"; bytes: Buffer; text?: boolean } | { kind: "stream"; chunks: AsyncIterable<Uint8Array | string> };

/** How to send. */
export interface FlowOptions {
  /** Group commands (PIPELINING advertised and not disabled). */
  pipelining: boolean;
  /** Use BDAT (CHUNKING advertised and not disabled). */
  chunking: boolean;
  /** Aborts stream writes. */
  signal?: AbortSignal;
  /**
   * Called once the whole transaction has been handed to the connection (the message and
   * its end, or BDAT LAST with its bytes): an abort from then on must not close the
   * connection, though replies may still be awaited. Called in the same synchronous step
   * as that last write (not after an await): an abort that comes in between would close
   * a connection whose transaction is whole, and the message might then have gone or not.
   * It tells `meter` the whole size (the last piece's report: see `writePieces`).
   */
  written: () => void;
  /**
   * Told `true` while the call, its envelope written and nothing of its message, waits for
   * the replies due ahead of its MAIL before it reads its stream (see `sendBdat`), `false`
   * once that wait is over: an abort meanwhile leaves the connection open (the calls ahead
   * keep their replies), and the call ends its transaction with RSET.
   */
  holding?: ((held: boolean) => void) | undefined;
  /** The caller's `onProgress`, told of each piece of the message written (see `ProgressMeter`). */
  meter?: ProgressMeter | undefined;
}

/** What remains after the data was written: the final reply (or LMTP's replies). */
export interface Pending {
  /** Recipients refused at RCPT. */
  refused: Map<string, SMTPReply>;
  /** Recipients accepted at RCPT, in order. */
  accepted: string[];
  /** Slots of the final reply: one, or one per accepted recipient for LMTP. */
  final: Slot[];
  /**
   * Set for a transaction written whole without waiting for its envelope replies (see
   * `sendBdat`): `refused` and `accepted` are then empty until `complete` (final-reply.ts) reads
   * these slots.
   */
  whole?: { slots: Slot[]; env: Envelope; seq: number };
}

/**
 * Ends a DATA the server answered with 354 (`reply`) although nothing may be sent
 * (`refused` says why: no recipient was accepted, or the sender was refused). SMTP: a
 * lone "." ends the empty message and its reply is read; returns `undefined`, or the close
 * when that reply was a 1yz/3yz (on which the connection closes). LMTP: the server broke
 * RFC 2033 §4.2 (DATA must then fail with 503), and after the end of data an LMTP server
 * replies once per accepted recipient: none here. How many replies it would send is
 * unknown, and each one would reach the command after it (RSET, the next call), so
 * nothing is written (no ".", which could only end an empty message to nobody) and the
 * connection is closed; returns that close, the `cause` of the error reported. A
 * connection already closed (a 354 to BDAT closes it, see `SlotKind.completionOnly`; or
 * the server hung up) gets nothing written either: returns why it closed.
 */
async function endEmptyData(conv: Conversation, reply: SMTPReply, refused: "no recipient was accepted" | "the sender was refused"): Promise<unknown> {
  if (conv.channel.closed) return conv.channel.closedSignal.reason;
  if (conv.dialect === "lmtp") {
    return closeOn(conv, "DATA", reply, `although ${refused} (LMTP: it must refuse DATA then, RFC 2033 §4.2; the replies it might send after the end of data would reach the wrong commands)`);
  }
  // Followed: RSET comes next (see `Conversation.pipeline`). A 1yz/3yz to the "." closes
  // the connection; that close is then the cause.
  const dot = conv.pipeline([{ bytes: Buffer.from(".\r\n", "latin1"), log: ".", phase: "dataTermination" }], undefined, true);
  await drain(conv, dot);
  return closedOnReply(conv, dot[0]!);
}

/**
 * Closes the connection on `reply` to `command`, after which the client cannot stay in
 * step with the server (`why` says how), as the command queue does on a reply that
 * completes nothing (see `SlotKind.completionOnly`). Returns the close, an
 * SMTPServerDisconnected: the `cause` of the error reported for that reply.
 */
function closeOn(conv: Conversation, command: string, reply: SMTPReply, why: string): SMTPServerDisconnected {
  const cause = outOfStep(command, reply, why);
  conv.channel.destroy(cause);
  return cause;
}

/**
 * RSET that tolerates a server that has gone, or one whose reply is not SMTP (Python's
 * `_rset`); it ends any transaction. `pipelined` (the server offers PIPELINING and the
 * client uses it): RSET is written and its reply not awaited, so a refused call fails a
 * round trip sooner and the next command goes right behind RSET (RFC 2920 §3.1: RSET may
 * be anywhere in a group); the bytes on the wire are the same. Its reply, which nothing
 * reads (Python ignores it too), settles its slot in turn; a 421 or a 1yz/3yz to it
 * closes the connection as it arrives (see `SlotKind.completionOnly`). Lock-step, the
 * reply is awaited: nothing may be written before it.
 */
export async function quietRset(conv: Conversation, pipelined = false): Promise<void> {
  conv.endTransaction();
  if (conv.channel.closed) return;
  try {
    // Followed: the next call's commands come after it.
    if (pipelined) conv.rsetDue = conv.pipeline([RSET], false, true)[0];
    else await conv.command(RSET, true);
  } catch (err) {
    if (!serverGone(err)) throw err;
  }
}

/**
 * Reads replies nobody needs any more (after a refusal), ignoring a closed connection (see
 * `serverGone`); stops at a 421 (the connection is then closed). Returns the last reply read.
 */
export async function drain(conv: Conversation, slots: readonly Slot[]): Promise<SMTPReply | undefined> {
  if (slots.length === 0) return undefined;
  await conv.settled(slots[slots.length - 1]!);
  let last: SMTPReply | undefined;
  for (const slot of slots) {
    try {
      last = conv.take(slot);
    } catch (err) {
      if (serverGone(err)) return last;
      throw err;
    }
    if (last.code === 421) return last;
  }
  return last;
}

/**
 * Throws {@link intermediateRefusal}'s error when the envelope's settled `slots` hold a
 * 3yz reply. Only a closed connection is searched: the queue closes it on such a reply.
 */
export function throwIfIntermediate(conv: Conversation, env: Envelope, slots: readonly Slot[]): void {
  if (!conv.channel.closed) return;
  const err = intermediateRefusal(env, slots, conv.channel.closedSignal.reason);
  if (err) throw err;
}

/**
 * True for the replies that accept a recipient (RFC 5321 §4.1.1.3: 250, or 251 "will
 * forward"). LMTP: any 2yz, the successful RCPTs to each of which the server owes a reply
 * after the data (RFC 2033 §4.2): one left out would leave a reply over, read by the next
 * command.
 */
export function isAccepted(code: number, dialect: Dialect = "smtp"): boolean {
  return code === 250 || code === 251 || (dialect === "lmtp" && code >= 200 && code < 300);
}

/**
 * Every recipient was refused: reads the replies still due (a 354 among them gets a lone
 * "." that ends an empty message, or for LMTP closes the connection: see
 * {@link endEmptyData}; another reply to DATA that is no refusal closes it: see
 * {@link endUnwanted}), RSETs unless the server said 421, the connection closed or
 * `rset` is false (the caller decides), and throws.
 * @throws SMTPRecipientsRefused with every refusal (and the close as `cause` when the
 * connection closed on DATA's reply).
 */
export async function refuseAll(conv: Conversation, refused: Map<string, SMTPReply>, outstanding: readonly Slot[], rset = true, pipelined = false): Promise<never> {
  const last = await drain(conv, outstanding);
  const cause = await endUnwanted(conv, outstanding, last, "no recipient was accepted");
  if (rset) await abandon(conv, last?.code ?? 0, pipelined);
  throw new SMTPRecipientsRefused(refused, { command: "RCPT", cause });
}

/**
 * Ends what a transaction that sends no message (`refused` says why) still has open, once
 * the replies still due (`outstanding`) were read, `last` the last one read: a 354 gets
 * {@link endEmptyData}; DATA answered with another reply that is no refusal (a 1yz, 2yz or
 * 3yz: see {@link closeOnData}) closes the connection. Returns that close, the `cause` of
 * the error reported; else `undefined`.
 */
async function endUnwanted(conv: Conversation, outstanding: readonly Slot[], last: SMTPReply | undefined, refused: "no recipient was accepted" | "the sender was refused"): Promise<unknown> {
  if (last === undefined) return undefined;
  if (last.code === 354) return endEmptyData(conv, last, refused);
  const data = outstanding[outstanding.length - 1];
  return last.code < 400 && data?.reply === last && data.kind.phase === "dataInitiation" ? closeOnData(conv, last) : undefined;
}

/** Refuses or closes after a failure: RSET unless the server said 421 (already closed); `pipelined` as in {@link quietRset}. */
export async function abandon(conv: Conversation, code: number, pipelined = false): Promise<void> {
  if (code !== 421) await quietRset(conv, pipelined);
}

/**
 * Runs MAIL and RCPT (and DATA's 354 or every BDAT chunk but the last reply), and writes
 * the data. Resolves once the data is written; the final reply is read by `finish` (final-reply.ts).
 * @throws SMTPSenderRefused, SMTPRecipientsRefused, SMTPDataError, SMTPServerDisconnected.
 */
export function send(conv: Conversation, env: Envelope, body: Body, opts: FlowOptions): Promise<Pending> {
  return opts.chunking ? sendBdat(conv, env, body, opts) : sendData(conv, env, body, opts);
}

/** The replies to an envelope: MAIL's, and the recipients its RCPT replies accepted and refused. */
export interface EnvelopeReplies {
  /** The reply to MAIL; when it is not 250, `refused` and `accepted` are empty. */
  mail: SMTPReply;
  refused: Map<string, SMTPReply>;
  accepted: string[];
}

/**
 * Reads the settled MAIL and RCPT slots, synchronously: a pipelined group that waited for
 * its last reply needs no further wait. A refused sender is returned, for
 * {@link refuseSender}, without reading the RCPT replies.
 * @throws SMTPRecipientsRefused on a 421 to a RCPT (the connection is then closed), with
 * `cause`; a slot's error.
 */
export function takeEnvelope(conv: Conversation, env: Envelope, slots: readonly Slot[], cause?: unknown, unsent = false): EnvelopeReplies {
  let mail: SMTPReply;
  try {
    mail = conv.take(slots[0]!);
  } catch (err) {
    throw unsent ? unanswered(slots[0]!, err, "MAIL") : err;
  }
  const refused = new Map<string, SMTPReply>();
  const accepted: string[] = [];
  if (mail.code !== 250) return { mail, refused, accepted };
  for (let i = 0; i < env.to.length; i++) {
    const slot = slots[i + 1];
    let reply: SMTPReply;
    try {
      // Lock-step, the RCPT after a close is never written: no slot.
      if (slot === undefined) throw conv.channel.closedSignal.reason;
      reply = conv.take(slot);
    } catch (err) {
      throw unsent ? closedInEnvelope(refused, accepted, err) : err;
    }
    const addr = env.to[i]!;
    if (isAccepted(reply.code, conv.dialect)) accepted.push(addr);
    else refused.set(addr, reply);
    if (reply.code === 421) throw new SMTPRecipientsRefused(refused, { command: "RCPT", cause });
  }
  return { mail, refused, accepted };
}

/**
 * The sender was refused: reads the replies still due (`outstanding`: the RCPTs' and what
 * followed them), ends a DATA the server accepted anyway (see {@link endEmptyData}), RSETs
 * unless the server said 421, the connection closed or `rset` is false (the caller
 * decides), and throws.
 * @throws SMTPSenderRefused (with the close as `cause` when the connection closed on DATA's reply).
 */
async function refuseSender(conv: Conversation, env: Envelope, mail: SMTPReply, outstanding: readonly Slot[], rset: boolean, pipelined = false): Promise<never> {
  let cause: unknown;
  if (mail.code !== 421) {
    const last = await drain(conv, outstanding);
    cause = await endUnwanted(conv, outstanding, last, "the sender was refused");
    if (rset) await abandon(conv, mail.code, pipelined);
  }
  throw new SMTPSenderRefused(mail.code, mail.message, env.from, { command: "MAIL", cause });
}

/**
 * MAIL and RCPT replies: throws on a refused sender or a 421, collects refused recipients.
 * Waits once, for the last envelope reply (replies arrive in order), then reads them all.
 * A refused sender is followed by RSET unless `rset` is false (the caller decides).
 * `unsent`: nothing of the message was written yet (see {@link takeEnvelope}).
 */
export async function readEnvelope(conv: Conversation, env: Envelope, slots: Slot[], rest: Slot[], rset = true, unsent = false, pipelined = false): Promise<Pick<Pending, "refused" | "accepted">> {
  const last = slots[slots.length - 1]!;
  if (!last.done) await conv.settled(last);
  throwIfIntermediate(conv, env, slots);
  const replies = takeEnvelope(conv, env, slots, undefined, unsent);
  if (replies.mail.code !== 250) await refuseSender(conv, env, replies.mail, [...slots.slice(1), ...rest], rset, pipelined);
  return { refused: replies.refused, accepted: replies.accepted };
}

async function sendData(conv: Conversation, env: Envelope, body: Body, opts: FlowOptions): Promise<Pending> {
  let envelope: Pick<Pending, "refused" | "accepted">;
  let dataReply: SMTPReply;
  if (opts.pipelining) {
    const commands = envelopeCommands(env);
    commands.push(DATA);
    const slots = openGroup(conv, commands, true);
    // Nothing can follow DATA before its 354: send now (with any data written before it).
    conv.channel.flush();
    const dataSlot = slots.pop()!;
    // One wait for the whole group: DATA's reply comes last; every reply is then read
    // without another wait.
    await conv.settled(dataSlot);
    throwIfIntermediate(conv, env, slots);
    // DATA's 354 has not been answered with data: closed here, nothing was sent.
    const replies = takeEnvelope(conv, env, slots, undefined, true);
    if (replies.mail.code !== 250) await refuseSender(conv, env, replies.mail, [...slots.slice(1), dataSlot], true, true);
    envelope = replies;
    if (envelope.accepted.length === 0) await refuseAll(conv, envelope.refused, [dataSlot], true, true);
    try {
      dataReply = conv.take(dataSlot);
    } catch (err) {
      throw unanswered(dataSlot, err, "DATA");
    }
  } else {
    envelope = await lockStepEnvelope(conv, env);
    if (envelope.accepted.length === 0) await refuseAll(conv, envelope.refused, []);
    // conv.command(DATA) inlined: its own promise would add a job between the 354 and the
    // message on the lock-step critical path.
    const [slot] = conv.pipeline([DATA], false);
    await conv.settled(slot!);
    try {
      dataReply = conv.take(slot!);
    } catch (err) {
      throw unanswered(slot!, err, "DATA");
    }
  }
  if (dataReply.code !== 354) await refuseData(conv, dataReply, opts.pipelining);
  const accepted = envelope.accepted.length;
  // Followed even lock-step: RSET or the next transaction comes after the end of data. A
  // reply that comes while a large message is written refuses it "early": reported as the
  // refusal of its end when the connection then closes (see refusalOnClose).
  const final = writeAtOnce(conv, body, accepted, true)
    ?? (await writeStreamed(conv, body, accepted, {
      signal: opts.signal, followed: true, eightBit: env.eightBit, instead: (err) => refusalOnClose(conv, { env, read: envelope, inData: true }, err, opts.signal), written: opts.written, meter: opts.meter,
    }));
  opts.written();
  return { refused: envelope.refused, accepted: envelope.accepted, final };
}

/**
 * DATA was answered with `reply`, not 354 (sendmail's and the low-level `data()`'s DATA).
 * A refusal is followed by RSET (none after a 421, which closed the connection). Another
 * 3yz (not 354): the server waits for some input, and would read RSET as that input and
 * never answer it; a 1yz: another reply follows, which RSET would get; a 2yz, which DATA
 * never takes (RFC 5321 §4.3.2: 354 or a refusal): the replies are out of step (one came
 * too many before), and DATA's own, a 354 say, would reach the RSET, after which the server
 * reads what follows as message data. Then the connection closes, as for such a reply to
 * a command that takes none.
 * @throws SMTPDataError, with the close as `cause` after a 1yz, 2yz or 3yz.
 */
export async function refuseData(conv: Conversation, reply: SMTPReply, pipelined = false): Promise<never> {
  if (reply.code < 400) throw new SMTPDataError(reply.code, reply.message, { command: "DATA", cause: closeOnData(conv, reply) });
  await abandon(conv, reply.code, pipelined);
  throw new SMTPDataError(reply.code, reply.message, { command: "DATA" });
}

/** Closes the connection on DATA's `reply`, a 1yz, 2yz or 3yz other than 354 (see {@link refuseData}); returns the close. */
function closeOnData(conv: Conversation, reply: SMTPReply): SMTPServerDisconnected {
  const why = reply.code < 200 ? PRELIMINARY
    : reply.code < 300 ? "DATA takes no 2yz reply: the replies are out of step, and DATA's own would reach the next command"
      : "it would read what was written next as the input it asked for";
  return closeOn(conv, "DATA", reply, `not 354 (${why})`);
}

/**
 * Sends MAIL and each RCPT one at a time, as Python does, each after the previous reply,
 * and reads the replies as {@link readEnvelope} does (a refused sender is followed by RSET).
 * An RSET leading the transaction has been sent and answered before (`leadUnsent`, from
 * `startTransaction`).
 * @throws SMTPSenderRefused, SMTPRecipientsRefused (421), SMTPServerDisconnected.
 */
export async function lockStepEnvelope(conv: Conversation, env: Envelope): Promise<Pick<Pending, "refused" | "accepted">> {
  const slots: Slot[] = [];
  let command: Command | string = env.mail;
  for (;;) {
    let code: number;
    try {
      // Followed: RCPT, DATA or RSET comes next, which a server that answered 3yz would
      // read as message data (see `Conversation.pipeline`).
      const [slot] = conv.pipeline([command], false, true);
      slots.push(slot!);
      await conv.settled(slot!);
      code = conv.take(slot!).code;
    } catch (err) {
      // Closed before a RCPT's reply (before it was written, or after): what the replies
      // read so far make of it (see closedInEnvelope), read as below.
      if (slots.length === 0 || !hungUp(err)) throw unsentTimeout(err);
      break;
    }
    // A 421, a 3yz and a 1yz reply all close the connection. A connection closed for another
    // reason (a malformed line right behind an accepting reply) is not a reason to stop
    // here: the envelope would be read with replies missing; the next write throws why.
    if (code === 421 || isIncomplete(code) || (slots.length === 1 && code !== 250) || slots.length > env.rcpts.length) break;
    command = env.rcpts[slots.length - 1]!;
  }
  throwIfIntermediate(conv, env, slots);
  const replies = takeEnvelope(conv, env, slots, undefined, true);
  if (replies.mail.code !== 250) await refuseSender(conv, env, replies.mail, [], true);
  return { refused: replies.refused, accepted: replies.accepted };
}
