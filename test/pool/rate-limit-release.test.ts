/**
 * RateLimiter: a caller that waited and then passed (or gave up) leaves no listener on its
 * signal, and once closed the limiter lets nobody pass, even with the window empty. The
 * limiter's clock is a fake one here.
 */

import assert from "node:assert/strict";
import { getEventListeners } from "node:events";
import { test } from "node:test";
import { RateLimiter } from "../../src/pool/rate-limit.js";

test("a caller that waited for a pass, then got it, leaves no listener on its signal", async () => {
  let t = 0;
  const limiter = new RateLimiter({ messages: 1, interval: 10 }, () => t);
  const first = await limiter.take();
  const ctl = new AbortController();
  const waiting = limiter.take(ctl.signal);
  assert.equal(getEventListeners(ctl.signal, "abort").length, 1, "it waits on its signal");
  t = 5;
  limiter.refund(first);
  assert.equal(await waiting, 5);
  assert.equal(getEventListeners(ctl.signal, "abort").length, 0, "the listener stayed after the call passed");
  // Renewing waits too (the window full): once passed, its listener goes as well.
  const renewing = limiter.renew(first, ctl.signal);
  t = 15;
  assert.equal(await renewing, 15);
  assert.equal(getEventListeners(ctl.signal, "abort").length, 0);
  limiter.close(new Error("closed"));
});

test("once closed, take() rejects with the close's reason even when the window has room", async () => {
  const limiter = new RateLimiter({ messages: 5, interval: 10 }, () => 0);
  limiter.close(new Error("The pool is closed"));
  await assert.rejects(limiter.take(), /The pool is closed/);
});
