/**
 * A caller's own async iterator body whose `return()` throws, rejects or never settles,
 * when the call stops reading it early (its signal aborted, a refusal): the call fails with
 * its own error, not the iterator's, and does not wait for `return()`.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPTimeoutError } from "../../src/index.js";
import type { ScriptServer } from "../helpers/script-server.js";
import { greeting, withScript } from "../helpers/client.js";

const ENVELOPE = "C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\n";

/** An iterable that yields the header section, then never yields again; `end` is its `return()`. */
function stalled(end: () => unknown): AsyncIterable<string> {
  return {
    [Symbol.asyncIterator]: () => {
      let n = 0;
      return {
        next: () => (n++ === 0 ? Promise.resolve({ value: "Subject: hi\r\n\r\n", done: false }) : new Promise<never>(() => {})),
        return: end,
      } as AsyncIterator<string>;
    },
  };
}

/** Resolves once the server has the header section. */
async function headerSent(server: ScriptServer): Promise<void> {
  while (!server.received().includes("Subject: hi")) await new Promise((resolve) => setImmediate(resolve));
}

const ends: [string, () => unknown][] = [
  ["throws", () => { throw new Error("return() failed"); }],
  ["rejects", () => Promise.reject(new Error("return() failed"))],
  ["never settles", () => new Promise(() => {})],
  ["is not a function", 1 as unknown as () => unknown],
];

for (const [name, end] of ends) {
  test(`a stream whose return() ${name}: an aborted sendmail fails with the signal's reason`, async () => {
    const script = `${greeting([])}${ENVELOPE}C: DATA\nS: 354 go\nC: Subject: hi\nC:\n`;
    await withScript(script, async (client, server) => {
      const ctl = new AbortController();
      const reason = new Error("the caller gave up");
      const call = client.sendmail("a@x.test", "b@y.test", stalled(end), [], [], { signal: ctl.signal });
      await headerSent(server);
      ctl.abort(reason);
      await assert.rejects(call, (err: unknown) => err === reason);
    });
  });
}

for (const [name, end] of ends) {
  test(`a stream whose return() ${name}: a stream that stalls fails sendmail with SMTPTimeoutError`, async () => {
    const script = `${greeting([])}${ENVELOPE}C: DATA\nS: 354 go\nC: Subject: hi\nC:\n`;
    await withScript(script, async (client) => {
      await assert.rejects(client.sendmail("a@x.test", "b@y.test", stalled(end)), SMTPTimeoutError);
    }, { timeout: 200 });
  });
}
