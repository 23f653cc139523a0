/**
 * The delivery words an error gets after it is made ("...: the message may have been
 * delivered", a 2yz before the whole message; "...: the message was not sent", the pool's
 * `sentNothing`) go into its `stack` too, whose first line is what `console.error(err)`
 * prints. The server's text in the message is text, never a replacement pattern (`$'`,
 * `$&`, `` $` ``), and the first line is the one changed, even when the message also
 * occurs in the error's name or is empty.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPDataError, SMTPServerDisconnected } from "../../src/index.js";
import { SMTPException, sentNothing } from "../../src/errors.js";
import { greeting } from "../helpers/client.js";
import { MESSAGE, refusedAndClosed, SIZE, withPausedScript } from "../helpers/paused-script.js";

/** `err.stack`'s first line is `name: message` as the message now reads, and its frames follow. */
function stackHeadIsMessage(err: Error, label: string): void {
  const stack = err.stack ?? "";
  const head = err.message === "" ? err.name : `${err.name}: ${err.message}`;
  assert.ok(stack.startsWith(`${head}\n    at `), `${label}: ${JSON.stringify(stack.slice(0, 300))}`);
}

test("a 2yz with '$' patterns in its text before BDAT LAST's bytes were all read -> SMTPDataError 'may have been delivered' whose stack starts with that message, the text as sent", async () => {
  const text = "2.0.0 queued, fee $' and $& and $` and $$";
  const script = `${greeting(["CHUNKING"])}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: BDAT ${SIZE} LAST\n-- pause\nS: 250 ${text}\n-- wait 100\n-- resume\n`;
  await withPausedScript(script, (client) => refusedAndClosed(client, () => client.sendmail("a@x.test", "b@y.test", MESSAGE), (err) => {
    assert.ok(err instanceof SMTPDataError, String(err));
    assert.equal(err.message, `250 ${text}: the message may have been delivered`);
    stackHeadIsMessage(err, "2yz");
    return true;
  }));
});

test("sentNothing: a message with '$' patterns, one that occurs in the error's name, and an empty one: the stack's first line says the new message", () => {
  const cases: [string, SMTPException][] = [
    ["$ patterns", new SMTPServerDisconnected("Connection closed: 421 fee $' $& $` $$")],
    ["in the name", new SMTPServerDisconnected("SMTP")],
    ["empty", new SMTPException("")],
  ];
  for (const [label, err] of cases) {
    const before = err.message;
    assert.equal(sentNothing(err), err);
    assert.equal(err.message, `${before}: the message was not sent`, label);
    stackHeadIsMessage(err, label);
  }
});

test("sentNothing: a stack that does not start with `name: message` (rewritten by a tool) or is absent is left as it is; the message still says so", () => {
  const custom = new SMTPServerDisconnected("Connection closed");
  custom.stack = "    at custom frame (file.js:1:1)";
  const bare = new SMTPServerDisconnected("Connection closed");
  bare.stack = undefined;
  for (const err of [custom, bare]) {
    const stack = err.stack;
    assert.equal(sentNothing(err), err);
    assert.equal(err.message, "Connection closed: the message was not sent");
    assert.equal(err.stack, stack);
    assert.equal(err.delivery, "not-delivered");
  }
});
