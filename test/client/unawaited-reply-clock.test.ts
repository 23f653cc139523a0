/**
 * A reply nobody awaits yet has no clock: `putcmd()` opens a slot, and its command timeout
 * starts only once `getreply()` (or a later call) waits on it. A pipelined `putcmd` pair
 * whose second reply comes slowly, read long after, loses nothing.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { SMTPTimeoutError } from "../../src/index.js";
import { GREET, withScript } from "../helpers/client.js";

/** The command timeout of these tests, in ms. */
const LIMIT = 100;

test("putcmd twice, first reply at once, second after several command timeouts, nobody reading: getreply() later reads both", async () => {
  const script = `${GREET}C: NOOP a
C: NOOP b
S: 250 a
-- wait ${LIMIT * 4}
S: 250 b
`;
  await withScript(script, async (client) => {
    await client.putcmd("NOOP", "a");
    await client.putcmd("NOOP", "b");
    // Nobody waits on either reply: neither has a clock, however long "b" takes.
    await sleep(LIMIT * 7);
    assert.equal((await client.getreply()).message, "a");
    assert.equal((await client.getreply()).message, "b");
  }, { timeouts: { command: LIMIT } });
});

test("putcmd with no reply coming: getreply() times out on that command once it waits, with the command phase", async () => {
  const script = `${GREET}C: NOOP a
C: NOOP b
S: 250 a
-- wait ${LIMIT * 10}
`;
  await withScript(script, async (client) => {
    await client.putcmd("NOOP", "a");
    await client.putcmd("NOOP", "b");
    await sleep(LIMIT * 3);
    assert.equal((await client.getreply()).message, "a");
    await assert.rejects(client.getreply(), (err: unknown) => {
      assert.ok(err instanceof SMTPTimeoutError, String(err));
      assert.equal(err.phase, "command");
      assert.match(err.message, /NOOP b/);
      return true;
    });
  }, { timeouts: { command: LIMIT } });
});
