/**
 * A transaction (`sendmail`, `sendMessage`, `deliver`) made while lines written raw
 * (`send()`) are still owed replies: those replies come first, and would answer its MAIL
 * (Python's pairing), every later reply moving up by one, so that its end-of-data reply
 * would be dropped and a refused message reported delivered. It waits for them instead,
 * before it writes anything, and leaves them for `getreply()`.
 * @module
 */

import { SMTPException } from "../errors.js";
import type { Conversation } from "./conversation.js";
import { keepingHeld, moveHeld } from "./raw-replies.js";
import type { RawSlot } from "./smtp-base.js";
import { isAccepted } from "./transaction.js";

/** What the wait's slot is called in a timeout's message ("waiting for the reply to ..."). */
const OWED = "a line written raw with send()";

/**
 * Before a transaction's first byte, on a connection where bytes were written raw
 * (`Conversation.rawSent`): waits until every reply owed to those lines has come (each
 * under the `command` timeout, whose expiry closes the connection), keeping each for
 * `getreply()` in `pending`, in the order they came (behind the `putcmd()` slots already
 * there). How many are owed is what `RawTransactionScan` reads in the lines (an LMTP end of
 * data is owed one per recipient its raw RCPTs got accepted, counted from the replies come).
 * Once none is owed and no line is unfinished, the flag is cleared: the next transaction
 * does not look again.
 * @throws SMTPException ("not-delivered") when a line written raw is unfinished, or its
 * bytes are a BDAT chunk's or a message's after DATA answered 354: the transaction would
 * be read as part of it. What reading a reply throws (the connection closed, a timeout);
 * the signal's reason once it has aborted (the replies stay for `getreply()`).
 */
export async function awaitRawReplies(conv: Conversation, pending: RawSlot[], signal: AbortSignal | undefined): Promise<void> {
  if (!conv.rawScan.atLineStart) {
    throw new SMTPException("Bytes written raw with send() end in the middle of a line, a BDAT chunk or a message after DATA: a transaction now would be read as part of them; nothing of it was sent", { delivery: "not-delivered" });
  }
  for (;;) {
    // Opening a slot drops the replies held for getreply(): they move to its list first.
    moveHeld(conv, pending);
    const due = repliesDue(conv, pending);
    if (due <= 0) break;
    const slot = keepingHeld(conv, () => conv.expect("command", OWED));
    pending.push({ reply: await conv.read(slot) });
  }
  if (conv.rawRepliesOwed() === 0) conv.rawSent = false;
  // The call's signal aborted while it waited: nothing of it goes.
  signal?.throwIfAborted();
}

/** How many replies the lines written raw are still owed once those that have come (and wait in `pending`) are read. */
function repliesDue(conv: Conversation, pending: readonly RawSlot[]): number {
  // Counts off the replies that can no longer be read first (see `rawRepliesOwed`).
  conv.rawRepliesOwed();
  const accepted: boolean[] = [];
  for (const p of pending) if ("reply" in p) accepted.push(isAccepted(p.reply.code, conv.dialect));
  return conv.rawScan.owedAfter(accepted);
}
