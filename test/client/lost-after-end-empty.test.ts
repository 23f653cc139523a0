/**
 * `lostAfterEnd` (and `unprocessedWhole` under it) with an empty envelope: its one caller
 * guards against that (`refusal-on-close.ts`), but the function itself must not depend on
 * it. It used to read `envelope[0]!` and throw a TypeError ("Cannot read properties of
 * undefined") in place of returning the call's error. With no MAIL slot, the first of its
 * chunks and end of data without a reply is the command named, as when MAIL was answered.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPServerDisconnected, SMTPTimeoutError } from "../../src/index.js";
import { lostAfterEnd } from "../../src/client/final-reply.js";
import { unprocessedWhole } from "../../src/client/unsent.js";
import { Slot } from "../../src/transport/slot.js";

const KIND = Object.freeze({ timeout: 1000, phase: "dataTermination" as const, completionOnly: true });

/** A BDAT LAST slot failed by the close on a 421 to an earlier command (never processed). */
function unprocessedLast(err: unknown): Slot {
  const slot = new Slot(KIND, "BDAT 4 LAST");
  slot.error = err;
  slot.behind = true;
  slot.unprocessed = true;
  return slot;
}

test("lostAfterEnd with an empty envelope, its end of data unprocessed after a 421: says the message was not sent (BDAT), does not throw", () => {
  const closed = new SMTPServerDisconnected("Connection closed: the server answered with 421 closing");
  const err = lostAfterEnd([], [unprocessedLast(closed)], closed);
  assert.ok(err instanceof SMTPServerDisconnected, String(err));
  assert.equal(err.delivery, "not-delivered");
  assert.equal(err.command, "BDAT");
  assert.equal(err.cause, closed);
});

test("lostAfterEnd with an empty envelope and a timeout (not the server's close): the error as it was, no throw", () => {
  const timeout = new SMTPTimeoutError("timed out", "dataTermination", 1000);
  const err = lostAfterEnd([], [unprocessedLast(timeout)], timeout);
  assert.equal(err, timeout);
});

test("unprocessedWhole with neither envelope nor other slots: the error as it is, no throw", () => {
  const closed = new SMTPServerDisconnected("Connection unexpectedly closed");
  assert.equal(unprocessedWhole([], [], closed), closed);
});
