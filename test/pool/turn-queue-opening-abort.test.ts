/**
 * `TurnQueue.firstOf`: a call opening a connection of its own also waits in its place for
 * one freed by another call. When a release wakes it and its signal aborts in the same tick
 * (before it resumes), the wake-up is the next waiting call's: it must pass on at once, not
 * be dropped, which would leave the freed connection idle while that call waits (until the
 * connection's idle timer, or the aborted call's connection coming up, recovers it).
 * The queue is driven directly, as `SMTPPool` drives it, so the tick is exact.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { untilAborted } from "../../src/client/abortable.js";
import { TurnQueue } from "../../src/pool/turn-queue.js";

/** Lets every queued microtask and I/O callback run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

test("firstOf: a wake-up given to a call whose signal aborts in the same tick passes to the next waiting call at once", async () => {
  const queue = new TurnQueue();
  const opener = new AbortController();
  // Its connection is still being opened (it never comes up here), abortable as SMTPPool's is.
  const connecting = new Promise<string>(() => undefined);
  const first = queue.firstOf(untilAborted(connecting, opener.signal), queue.ticket(), () => "freed");
  first.catch(() => undefined);
  let behindWoken = false;
  // A call made after it, waiting for a connection to be freed.
  const behind = queue.wait(queue.ticket(), undefined).then(() => { behindWoken = true; });
  await settle();
  assert.equal(queue.length, 1, "the call behind waits (the opening call is not counted in length)");
  // A call on a connection ends (SMTPPool's release wakes the earliest waiting call, the
  // opening one), and the opening call's caller gives up in the same tick.
  queue.wakeNext();
  opener.abort(new Error("gave up"));
  await assert.rejects(first, /gave up/);
  await settle();
  assert.ok(behindWoken, "the call behind was woken: the freed connection is not left idle while it waits");
  await behind;
  assert.equal(queue.length, 0);
});

test("firstOf: a call aborted while still waiting leaves without waking anyone (it was given no wake-up)", async () => {
  const queue = new TurnQueue();
  const opener = new AbortController();
  const first = queue.firstOf(untilAborted(new Promise<string>(() => undefined), opener.signal), queue.ticket(), () => "freed");
  first.catch(() => undefined);
  let behindWoken = false;
  void queue.wait(queue.ticket(), undefined).then(() => { behindWoken = true; });
  await settle();
  opener.abort(new Error("gave up"));
  await assert.rejects(first, /gave up/);
  await settle();
  assert.equal(behindWoken, false, "no connection was freed: the call behind still waits");
  assert.equal(queue.length, 1);
  queue.wakeAll();
});

test("firstOf: a wake-up given to a call whose own connection fails in the same tick passes to the next waiting call", async () => {
  const queue = new TurnQueue();
  let fail!: (err: Error) => void;
  const connecting = new Promise<string>((_resolve, reject) => { fail = reject; });
  const first = queue.firstOf(connecting, queue.ticket(), () => "freed");
  first.catch(() => undefined);
  let behindWoken = false;
  void queue.wait(queue.ticket(), undefined).then(() => { behindWoken = true; });
  await settle();
  queue.wakeNext();
  fail(new Error("refused"));
  // The freed connection is taken: the failure came second. Either way the call behind is
  // not left waiting with a connection free and no wake-up for it.
  const got = await first.then((v) => v, (e: unknown) => e);
  await settle();
  if (got instanceof Error) assert.ok(behindWoken, "the opening call failed: the wake-up it had went to the call behind");
  else assert.equal(got, "freed");
  queue.wakeAll();
});
