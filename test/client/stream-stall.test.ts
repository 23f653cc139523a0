/**
 * A body stream that stops yielding while the server waits patiently for the rest: each
 * wait for the stream's next chunk is bounded by the `dataBlock` timeout, as each stalled
 * write is (API.md: the data has a timeout, "never forever"). The call fails with
 * SMTPTimeoutError and the connection closes: the message, half sent, is never ended.
 * A `Readable` the call stops waiting for (that limit, an abort) is destroyed, as one
 * whose reading fails is: a file stream's descriptor is not left open.
 */

import assert from "node:assert/strict";
import { once } from "node:events";
import { Readable } from "node:stream";
import { test } from "node:test";
import { SMTPServerDisconnected, SMTPTimeoutError } from "../../src/index.js";
import { greeting, LOCK_STEP_TO_DATA, PIPELINED_GROUP, withScript } from "../helpers/client.js";

/** The data-block limit of these tests, in ms. */
const STALL = 200;

/** Yields one line, then nothing, ever. */
async function* stalls(): AsyncGenerator<string> {
  yield "first line\r\n";
  await new Promise(() => undefined);
}

/** Each server waits after what it expects (it never times out): only the client's limit can end the call. */
const CASES: readonly (readonly [string, string])[] = [
  ["DATA, lock-step", `${greeting(["8BITMIME"])}${LOCK_STEP_TO_DATA}C: first line\n`],
  ["DATA, pipelined", `${greeting(["PIPELINING"])}${PIPELINED_GROUP}S: 250 ok\nS: 250 ok\nS: 354 go\nC: first line\n`],
  // Over BDAT the line is held back for BDAT LAST: nothing of the message goes out.
  ["BDAT, lock-step", `${greeting(["CHUNKING"])}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\n`],
  ["BDAT, pipelined", `${greeting(["CHUNKING", "PIPELINING"])}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nS: 250 ok\nS: 250 ok\n`],
];

for (const [name, script] of CASES) {
  test(`${name}: a body stream that stops yielding fails with SMTPTimeoutError (dataBlock) after the limit; the connection closes, the message is not ended`, { timeout: 20_000 }, async () => {
    await withScript(script, async (client) => {
      // Only a guard against a hang: it would fail the assertion, long after the limit.
      const guard = AbortSignal.timeout(10_000);
      const sending = client.sendmail("a@x.test", "b@y.test", stalls(), [], [], { signal: guard });
      const queued = client.noop();
      queued.catch(() => undefined);
      await assert.rejects(sending, (err: unknown) => err instanceof SMTPTimeoutError && err.phase === "dataBlock" && err.timeout === STALL);
      await assert.rejects(queued, SMTPServerDisconnected);
      assert.equal(client.connected, false);
    }, { timeouts: { dataBlock: STALL } });
  });
}

for (const [name, script] of CASES) {
  for (const end of ["the dataBlock limit", "an abort"] as const) {
    test(`${name}: a Readable that stops yielding is destroyed once the call stops waiting for it (${end})`, { timeout: 20_000 }, async () => {
      await withScript(script, async (client) => {
        let stalled!: () => void;
        const waited = new Promise<void>((resolve) => (stalled = resolve));
        let reads = 0;
        // One line, then nothing, ever: the second read is the call waiting for more.
        const body = new Readable({ read() { if (reads++ === 0) this.push("first line\r\n"); else stalled(); } });
        const controller = new AbortController();
        const sending = client.sendmail("a@x.test", "b@y.test", body, [], [], { signal: controller.signal });
        if (end === "an abort") void waited.then(() => controller.abort(new Error("cancelled")));
        await assert.rejects(sending);
        // Only a guard against a hang: it would fail the test, long after the call ended.
        await once(body, "close", { signal: AbortSignal.timeout(10_000) });
        assert.equal(body.destroyed, true);
      }, { timeouts: { dataBlock: end === "an abort" ? 60_000 : STALL } });
    });
  }
}

test("the limit is on each wait for the stream, not on the whole body: a stream slower in all than the limit, quick at each chunk, is sent", { timeout: 20_000 }, async () => {
  const lines = 40;
  const wait = 25; // per chunk, far below the limit; 40 of them, far above it
  const limit = 500;
  async function* slow(): AsyncGenerator<string> {
    for (let i = 0; i < lines; i++) {
      await new Promise((r) => setTimeout(r, wait));
      yield `line ${i}\r\n`;
    }
  }
  const data = Array.from({ length: lines }, (_, i) => `C: line ${i}\n`).join("");
  const script = `${greeting(["8BITMIME"])}${LOCK_STEP_TO_DATA}${data}C: .\nS: 250 queued\n`;
  await withScript(script, async (client) => {
    await client.sendmail("a@x.test", "b@y.test", slow());
  }, { timeouts: { dataBlock: limit } });
});
