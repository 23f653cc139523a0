/**
 * A body stream that yields empty chunks and nothing else: an empty chunk is no progress,
 * so the wait for the stream's next bytes is bounded by the `dataBlock` timeout as a
 * stalled stream's is (SMTPTimeoutError, the connection closed, the message never ended),
 * whether the empty chunks come on later turns of the event loop or in microtasks only
 * (which would starve every timer).
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { SMTPTimeoutError } from "../../src/index.js";
import { greeting, LOCK_STEP_TO_DATA, PIPELINED_GROUP, withScript } from "../helpers/client.js";

/** The data-block limit of these tests, in ms. */
const STALL = 200;
/** How long the streams below go on before they give up with an error of their own: far past STALL. */
const GIVE_UP = 5_000;

/**
 * Yields one line, then empty chunks (`kind`) until GIVE_UP ms have passed, then throws: a
 * call that waits that long did not time the stream out. `macrotask`: each empty chunk on a
 * later turn of the event loop; otherwise in microtasks only.
 */
async function* empties(kind: "bytes" | "string", macrotask: boolean): AsyncGenerator<Uint8Array | string> {
  yield "first line\r\n";
  const start = Date.now();
  while (Date.now() - start < GIVE_UP) {
    if (macrotask) await new Promise((resolve) => setImmediate(resolve));
    yield kind === "bytes" ? new Uint8Array(0) : "";
  }
  throw new Error("the stream gave up: the call did not time it out");
}

const CASES: readonly (readonly [string, string])[] = [
  ["DATA, lock-step", `${greeting(["8BITMIME"])}${LOCK_STEP_TO_DATA}C: first line\n`],
  ["DATA, pipelined", `${greeting(["PIPELINING"])}${PIPELINED_GROUP}S: 250 ok\nS: 250 ok\nS: 354 go\nC: first line\n`],
  ["BDAT, lock-step", `${greeting(["CHUNKING"])}C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@y.test>\nS: 250 ok\n`],
  ["BDAT, pipelined", `${greeting(["CHUNKING", "PIPELINING"])}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nS: 250 ok\nS: 250 ok\n`],
];

for (const [name, script] of CASES) {
  for (const kind of ["bytes", "string"] as const) {
    for (const macrotask of [false, true]) {
      test(`${name}: a body stream that yields only empty ${kind} chunks (${macrotask ? "on later event-loop turns" : "in microtasks only"}) fails with SMTPTimeoutError (dataBlock); the connection closes`, { timeout: 20_000 }, async () => {
        await withScript(script, async (client) => {
          await assert.rejects(
            client.sendmail("a@x.test", "b@y.test", empties(kind, macrotask)),
            (err: unknown) => err instanceof SMTPTimeoutError && err.phase === "dataBlock" && err.timeout === STALL,
          );
          assert.equal(client.connected, false);
        }, { timeouts: { dataBlock: STALL } });
      });
    }
  }
}
