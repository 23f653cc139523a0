// The two closes that quote a reply which came while the client was still writing (DATA's
// message: the channel's "the server replied (...) while the message was still being sent";
// BDAT's bytes: the data writer's "the server answered BDAT (...) before its bytes were all
// sent") mark the reply's text as the server's (serverSaid): the CLI's rewording of the
// library's option names into flags must leave it as it came. Each close is the cause of the
// call's error, and what a later command on that client fails with.
import { test } from "node:test";
import { strict as assert } from "node:assert";
import { SMTPServerDisconnected } from "../../src/index.js";
import { greeting } from "../helpers/client.js";
import { MESSAGE, SIZE, withPausedScript } from "../helpers/paused-script.js";
import { assertKept, SAID } from "../helpers/server-text-kept.js";

/** Sends MESSAGE on `script`, whose server replies while it is being written; checks the close it caused, and the next command's error. */
async function closeKeepsServerText(script: string, close: RegExp, what: string): Promise<void> {
  await withPausedScript(script, async (client) => {
    const err = await client.sendmail("a@x.test", "b@y.test", MESSAGE).then(() => undefined, (e: unknown) => e);
    const cause = (err as Error | undefined)?.cause;
    assert.ok(cause instanceof SMTPServerDisconnected, `${what}: ${String(err)}`);
    assert.match(cause.message, close, what);
    assertKept(cause, `${what}, the close`);
    assertKept(err, `${what}, the call's error`);
    const next = await client.noop().then(() => undefined, (e: unknown) => e);
    assertKept(next, `${what}, the next command ("Not connected (...)")`);
  });
}

test("DATA: a reply while the message is still being sent -> the close quotes it, and the CLI shows it as the server sent it", async () => {
  const script = `${greeting([])}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: DATA\n-- pause\nS: 354 go ahead\n`
    + `-- wait 100\n-- resume\nS: 552 ${SAID}\n`;
  await closeKeepsServerText(script, /the server replied \(552 .*\) while the message was still being sent/, "DATA");
});

test("BDAT: a 250 before the chunk's bytes were all sent -> the close quotes it, and the CLI shows it as the server sent it", async () => {
  const script = `${greeting(["CHUNKING"])}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\nC: BDAT ${SIZE} LAST\n-- pause\n`
    + `S: 250 ${SAID}\n-- wait 100\n-- resume\n`;
  await closeKeepsServerText(script, /the server answered .* \(250 .*\) before its bytes were all sent/, "BDAT");
});
