/**
 * Assertions for a connection the client closed on a reply that completes nothing (a 1yz
 * or 3yz reply to a command that takes none): shared by the tests of that behaviour.
 */

import assert from "node:assert/strict";
import { SMTPServerDisconnected, SMTPTimeoutError } from "../../src/index.js";

/**
 * `err` is the close itself: an SMTPServerDisconnected (not a timeout) whose message names
 * the reply's `code` and matches `answered` (the command that got it). Returns true, for
 * `assert.rejects`.
 */
export function closedOn(err: unknown, code: number, answered: RegExp): true {
  assert.ok(err instanceof SMTPServerDisconnected, `expected SMTPServerDisconnected, got ${String(err)}`);
  assert.ok(!(err instanceof SMTPTimeoutError), `ended by a timeout: ${err.message}`);
  assert.match(err.message, new RegExp(`\\b${code}\\b`));
  assert.match(err.message, answered);
  return true;
}
