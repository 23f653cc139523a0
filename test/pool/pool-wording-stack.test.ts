/**
 * A pool words the client's advice in its errors as its own options (`inPoolWords`), in the
 * message and in the stack's first line. The message may hold a server's words (a 421's text
 * in why a connection went), and those may hold `$'`, `$&` or `` $` ``: they must go into the
 * stack as they are, never read as a replacement pattern (which would paste the rest of the
 * stack, or the match, into its first line), as `tellDelivery`'s rewrite already does.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPServerDisconnected } from "../../src/errors.js";
import { inPoolWords } from "../../src/pool/pool-wording.js";

for (const pattern of ["$'", "$&", "$`"]) {
  test(`inPoolWords: a server's text holding ${pattern} reaches the stack's first line as it is`, () => {
    const err = new SMTPServerDisconnected(`Not connected (421 4.3.2 try later, ${pattern} bye): nothing of this call was sent; please run connect() first`);
    assert.equal(inPoolWords(err), err);
    assert.equal(err.message, `Not connected (421 4.3.2 try later, ${pattern} bye): nothing of this call was sent`);
    assert.equal(err.stack!.split("\n")[0], `SMTPServerDisconnected: ${err.message}`);
  });
}
