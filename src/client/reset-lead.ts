/**
 * Which transactions start with RSET: while a transaction written whole (BDAT) still has
 * unread envelope replies, or a refused one could not be reset at once, the next one is led
 * by RSET (some servers, Exim, keep a refused transaction's sender). Pipelined groups, the
 * lock-step envelope and the caller's raw MAIL all go through here.
 * @module
 */

import { commandText, type CommandEncoding } from "../protocol/commands.js";
import { rawLineStep, rawTransactionStep, rcptPath } from "../protocol/raw-transaction.js";
import type { Slot } from "../transport/command-queue.js";
import type { Command, Conversation } from "./conversation.js";
import type { RawSlot } from "./smtp-base.js";
import { moveHeld } from "./raw-replies.js";

/** RSET as a command. */
export const RSET: Command = { bytes: commandText("RSET"), log: "RSET" };

/**
 * Writes a transaction's pipelined group (the envelope and what follows it, or the
 * low-level `mail()`'s MAIL alone) and returns its slots. While a transaction written
 * whole still has unread envelope replies, or one was refused and is still to be reset, the
 * group starts with RSET, whose reply is not needed (see `Conversation.unreadWhole` and
 * `resetDue`). `followed` and `coalesce` as in `Conversation.pipeline`: a pipelined
 * transaction's group is followed (its commands are, by each other and by its data).
 */
export function openGroup(conv: Conversation, commands: (Command | string)[], followed: boolean, coalesce?: boolean): Slot[] {
  if (!needsReset(conv)) return conv.pipeline(commands, coalesce, followed);
  const slots = conv.pipeline([RSET, ...commands], coalesce, followed).slice(1);
  resetWritten(conv);
  return slots;
}

/**
 * {@link openGroup} for a stream over pipelined BDAT (SMTP): also returns the slot written
 * last before its MAIL whose reply is still due (its RSET lead, else another call's
 * command), if any: while one is, a 421 to it (RFC 5321 §3.8) would mean that the server
 * read nothing of this transaction, whose stream must then be left unread for the call to
 * run again (see `sendBdat`).
 */
export function openStreamGroup(conv: Conversation, commands: (Command | string)[]): { slots: Slot[]; before: Slot | undefined } {
  if (!needsReset(conv)) return { before: conv.channel.lastOpen, slots: conv.pipeline(commands, undefined, true) };
  const slots = conv.pipeline([RSET, ...commands], undefined, true);
  resetWritten(conv);
  return { before: slots.shift(), slots };
}

/**
 * {@link openGroup} for a MAIL given on its own (`mail()`, a raw MAIL): led by RSET only while
 * every reply owed to raw lines written before has come (`arrived`, see {@link rawLeadSafe}).
 */
export function mailGroup(conv: Conversation, commands: (Command | string)[], arrived: number, coalesce?: boolean): Slot[] {
  return rawLeadSafe(conv, arrived) ? openGroup(conv, commands, false, coalesce) : conv.pipeline(commands, coalesce);
}

/**
 * Writes a command given with the caller's own verb and arguments (`docmd`, `putcmd`,
 * `rset`) and returns its slot. A raw MAIL starts a transaction, so it is led by RSET when
 * {@link openGroup} would lead one: else a server that kept a refused whole transaction's
 * sender (Exim) answers "503 sender already given"; not while a reply to raw lines written
 * before has yet to come (`arrived`: how many have, for `putcmd` and `docmd`; see {@link rawLeadSafe}).
 * A raw RSET counts as that RSET. Either
 * forgets the recipients that `rcpt()` accepted before (`Conversation.accepted`). As it is
 * written, a raw MAIL declares its transaction's UTF-8 commands and 8-bit data by its own
 * parameters (as `mail()` does; a refusal read later ends that: `Conversation.rawReplied`),
 * and a raw RSET, EHLO, HELO or LHLO, a lone "." or a BDAT LAST ends them (see
 * `rawLineStep`). Any other verb goes as it is.
 */
export function rawCommandSlot(conv: Conversation, verb: string, args: string, command: Command, coalesce: boolean | undefined, arrived: number): Slot {
  // The verb of the line as written (`docmd("", "MAIL FROM:<a>")` is a MAIL too), as the step reads it.
  const line = args ? `${verb} ${args}` : verb;
  const name = /^\s*(\S+)/.exec(line)?.[1]?.toUpperCase();
  // A raw MAIL begins a transaction and RSET ends one: the recipients accepted before are
  // not this one's (LMTP's data() reads a reply for each, as `mail()` knows).
  if (name === "MAIL" || name === "RSET") conv.accepted = [];
  conv.rawScan.written(line);
  const step = rawLineStep(line);
  if (step === "end") conv.endTransaction();
  if (name === "MAIL") {
    const slot = mailGroup(conv, [command], arrived, coalesce)[0]!;
    // Its reply may end the declaration (see `Conversation.rawReplied`).
    if (step !== undefined && step !== "end") conv.declare(step.utf8, step.eightBit, slot);
    return slot;
  }
  const [slot] = conv.pipeline([command], coalesce);
  if (name === "RSET") resetWritten(conv);
  return slot!;
}

/**
 * Bytes written raw (`send()`): each whole line they complete does what the same line given
 * to {@link rawCommandSlot} does to the transaction's declarations (see
 * `RawTransactionScan`): a MAIL declares by its own parameters (a refusal, read by
 * `getreply()`, is not tied to it: the next MAIL or RSET declares anew), RSET, EHLO, HELO,
 * LHLO, a lone "." and BDAT LAST end them; each forgets the recipients `rcpt()` accepted.
 * Bytes whose first line is a MAIL are led by RSET where {@link openGroup} would lead one
 * (its reply read by nobody; replies held for `getreply()` move to `pending` first), as a
 * raw MAIL given to `docmd`/`putcmd` is; not a MAIL after another line in them, nor one
 * whose line began in an earlier `send()`, where an RSET would land inside what the caller
 * wrote, nor while a reply to raw lines written before has yet to come (it would reach the RSET).
 * Sets `Conversation.rawSent`: the next transaction waits for the replies owed (see `awaitRawReplies`).
 * Returns true when every reply owed to raw lines written before has been read (`getreply()`).
 */
export function rawWritten(conv: Conversation, bytes: Buffer, pending: RawSlot[]): boolean {
  conv.rawSent = true;
  // Every reply owed to raw lines before read (the scan knows which lines have none): see `Channel.sendRaw`.
  const answered = conv.rawRepliesOwed() === 0 && conv.channel.heldCount === 0;
  if (needsReset(conv) && conv.rawScan.atLineStart && startsWithMail(bytes)) {
    // Its slot would drop the replies held for getreply(): they go first, as putcmd's do.
    moveHeld(conv, pending);
    if (rawLeadSafe(conv, arrivedReplies(conv, pending))) {
      conv.pipeline([RSET], false, true);
      resetWritten(conv);
    }
  }
  for (const step of conv.rawScan.push(bytes, conv.dialect === "lmtp" ? conv.accepted.length : undefined)) {
    conv.accepted = [];
    if (step === "end") conv.endTransaction();
    else conv.declare(step.utf8, step.eightBit);
  }
  return answered;
}

/**
 * How a command with the caller's own verb and arguments is encoded: a raw MAIL as its own
 * SMTPUTF8 parameter says, a command that ends the transaction in ASCII, any other as the
 * transaction's commands are (`Conversation.encoding`).
 */
export function rawEncoding(conv: Conversation, verb: string, args: string): CommandEncoding {
  // Not strings: the encoder refuses them, naming their type.
  if (typeof verb !== "string" || typeof args !== "string") return conv.encoding;
  const step = rawTransactionStep(args ? `${verb} ${args}` : verb);
  return step === undefined ? conv.encoding : step !== "end" && step.utf8 ? "utf8" : "ascii";
}

/**
 * The recipient of a command given with the caller's own verb and arguments (`docmd`,
 * `putcmd`) when it is a RCPT, else undefined: the path between `<` and `>`, or the word
 * after `TO:`. A raw RCPT that the server accepts counts among the recipients that LMTP's
 * `data()` reads a reply for (`Conversation.accepted`).
 */
export function rawRecipient(verb: string, args: string): string | undefined {
  const line = args ? `${verb} ${args}` : verb;
  // A RCPT without a path counts too: the server may accept it, and answer its end of data for it.
  return rcptPath(line) ?? (/^\s*RCPT(?:\s|$)/i.test(line) ? "" : undefined);
}

/**
 * True when a raw command may be led by RSET: every reply owed to lines written raw before
 * has come (`arrived`, held for `getreply()`). One still to come would reach the RSET's slot,
 * and `getreply()` would return the RSET's reply in its place.
 */
function rawLeadSafe(conv: Conversation, arrived: number): boolean {
  return conv.rawRepliesOwed() <= arrived;
}

/**
 * How many replies to raw lines have come and wait for `getreply()`: those in `pending`
 * (its list) and those the channel still holds (see `Channel.takeHeld`).
 */
export function arrivedReplies(conv: Conversation, pending: readonly RawSlot[]): number {
  let arrived = conv.channel.heldCount;
  for (const p of pending) if ("reply" in p) arrived++;
  return arrived;
}

/** True when `bytes` begin with a whole MAIL line. */
function startsWithMail(bytes: Buffer): boolean {
  const lf = bytes.indexOf(0x0a);
  if (lf === -1) return false;
  const step = rawLineStep(bytes.toString("latin1", 0, Math.min(lf, 4096)).replace(/\r$/, ""));
  return step !== undefined && step !== "end";
}

/** True when the next transaction must start with RSET (see {@link openGroup}). */
export function needsReset(conv: Conversation): boolean {
  return conv.unreadWhole > 0 || conv.resetDue;
}

/** Records that an RSET starting a transaction has just been written. */
function resetWritten(conv: Conversation): void {
  conv.resetDue = false;
  conv.resetAt = conv.writes;
}

/**
 * The lock-step envelope's lead: as {@link openGroup}, but without PIPELINING the RSET goes
 * alone, and its reply (not needed) comes before MAIL is written. Followed, as there: MAIL
 * comes next, which a server that answered 3yz would read as message data.
 */
async function leadLockStep(conv: Conversation): Promise<void> {
  if (!needsReset(conv)) return;
  const [rset] = conv.pipeline([RSET], false, true);
  resetWritten(conv);
  await conv.settled(rset!);
}

/**
 * True when an RSET's reply must come before a transaction's first byte (see
 * {@link leadUnsent}): lock-step, when the transaction is led by one (`needsReset`);
 * pipelined, for a stream over BDAT (`streamOverBdat`), when the RSET that a refusal wrote
 * (`Conversation.rsetDue`, not awaited) is still unanswered: such a stream is read as soon
 * as its envelope is written, so a 421 to that RSET would leave it read in part, and its
 * call, of which the server got nothing, unable to run again (a pool's rerun).
 */
export function resetBefore(conv: Conversation, pipelining: boolean, streamOverBdat: boolean): boolean {
  if (!pipelining) return needsReset(conv);
  return streamOverBdat && conv.rsetDue !== undefined && !conv.rsetDue.done;
}

/**
 * Before anything of a transaction is written ({@link resetBefore} true): lock-step,
 * {@link leadLockStep}: that RSET, alone, is no part of it, so a call aborted while its reply is due has
 * sent nothing of its transaction (the connection stays: see `abortClosing`), and its MAIL
 * is not written; `pipelined`, waits for the reply to `Conversation.rsetDue`.
 * @throws the signal's reason once it has aborted.
 */
export async function leadUnsent(conv: Conversation, signal: AbortSignal | undefined, pipelined = false): Promise<void> {
  if (pipelined) await conv.settled(conv.rsetDue!);
  else await leadLockStep(conv);
  signal?.throwIfAborted();
}
