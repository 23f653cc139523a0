/**
 * RateLimiter.refund: a pass given back (by a call that sent nothing) no longer counts,
 * and only that pass: never more than `messages` kept passes within one `interval`. The
 * limiter's clock is a fake one here; a call that cannot pass shows as a pending promise.
 */

import assert from "node:assert/strict";
import { test } from "node:test";
import { inspect } from "node:util";
import fc from "fast-check";
import { CallPass, RateLimiter, type RatePass } from "../../src/pool/rate-limit.js";

const pending = (p: Promise<unknown>): boolean => inspect(p).includes("<pending>");

test("refund gives back the caller's own pass: its place opens at once, a waiting call takes it, the others still count", async () => {
  let t = 0;
  const limiter = new RateLimiter({ messages: 2, interval: 10 }, () => t);
  const a = await limiter.take();
  t = 9;
  await limiter.take(); // B, at 9
  limiter.refund(a);
  const c = limiter.take();
  assert.ok(!pending(c), "A's place is free again");
  t = 10;
  // B and C (at 9) fill the window until 19. Had the refund taken out B's time instead of
  // A's, A's time (0) would have left the window by now and D would pass: B, C and D
  // within 10 ms.
  const d = limiter.take();
  assert.ok(pending(d), "B and C still count");
  limiter.refund(await c);
  assert.ok(!pending(d), "the refund let the waiting call pass at once, without a timer");
  assert.equal(await d, 10);
  const e = limiter.take();
  assert.ok(pending(e));
  limiter.close(new Error("closed"));
  await assert.rejects(e, /closed/);
});

test("refund of a pass already out of the window, or unknown, opens no place", async () => {
  let t = 0;
  const limiter = new RateLimiter({ messages: 2, interval: 10 }, () => t);
  const old = [await limiter.take(), await limiter.take()];
  t = 30;
  await limiter.take();
  await limiter.take();
  const waiting = limiter.take();
  for (const pass of [...old, 25 as RatePass]) limiter.refund(pass);
  assert.ok(pending(waiting), "the two passes at 30 still fill the window");
  limiter.close(new Error("closed"));
  await assert.rejects(waiting, /closed/);
});

type Op = { kind: "take" } | { kind: "refund"; which: number } | { kind: "advance"; ms: number };

const op: fc.Arbitrary<Op> = fc.oneof(
  { arbitrary: fc.constant<Op>({ kind: "take" }), weight: 3 },
  { arbitrary: fc.nat().map((which): Op => ({ kind: "refund", which })), weight: 1 },
  { arbitrary: fc.integer({ min: 0, max: 12 }).map((ms): Op => ({ kind: "advance", ms })), weight: 2 },
);

test("property: over any takes, refunds and clock steps, a call passes exactly when fewer than `messages` kept passes fall within the last `interval`", async () => {
  await fc.assert(
    fc.asyncProperty(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 20 }), fc.array(op, { maxLength: 80 }), async (messages, interval, ops) => {
      let t = 0;
      const limiter = new RateLimiter({ messages, interval }, () => t);
      const passes: { t: number; pass: RatePass; refunded: boolean }[] = [];
      for (const o of ops) {
        if (o.kind === "advance") {
          t += o.ms;
        } else if (o.kind === "refund") {
          const kept = passes.filter((p) => !p.refunded);
          const p = kept[o.which % Math.max(1, kept.length)];
          if (!p) continue;
          limiter.refund(p.pass);
          p.refunded = true;
        } else {
          const inWindow = passes.filter((p) => !p.refunded && t - p.t < interval).length;
          const giveUp = new AbortController();
          const taken = limiter.take(giveUp.signal);
          if (pending(taken)) {
            // Leaves the line at once (no timer is left behind).
            giveUp.abort(new Error("not now"));
            await assert.rejects(taken, /not now/);
            assert.ok(inWindow >= messages, `refused at ${t} with ${inWindow} of ${messages} in the window`);
          } else {
            assert.ok(inWindow < messages, `passed at ${t} with ${inWindow} of ${messages} already in the window`);
            passes.push({ t, pass: await taken, refunded: false });
          }
        }
      }
      const kept = passes.filter((p) => !p.refunded).map((p) => p.t);
      for (let k = 0; k + messages < kept.length; k++) {
        assert.ok(kept[k + messages]! - kept[k]! >= interval, `${messages + 1} kept passes within ${interval} ms: ${kept.join(", ")}`);
      }
    }),
    { numRuns: 2000 },
  );
});

test("renew: a caller's pass is exchanged for one of now, ahead of the calls waiting; with the window full it waits first in line", async () => {
  let t = 0;
  const limiter = new RateLimiter({ messages: 2, interval: 10 }, () => t);
  const a = await limiter.take(); // at 0
  t = 4;
  const b = await limiter.take(); // at 4
  const c = limiter.take();
  assert.ok(pending(c), "the window is full");
  t = 6;
  // A's pass (0) leaves the ring and A passes again at once: C, waiting since 4, does not
  // take A's place first.
  const a2 = await limiter.renew(a);
  assert.equal(a2, 6);
  assert.ok(pending(c), "B's pass and A's renewed one fill the window");
  const d = limiter.take();
  t = 7;
  assert.equal(await limiter.renew(b), 7, "B too passes again at once, ahead of C and D");
  t = 8;
  // A pass no longer in the ring is renewed into a wait at the head of the line.
  const renewed = limiter.renew(a);
  assert.ok(pending(renewed) && pending(c) && pending(d));
  t = 16;
  limiter.refund(a2); // frees one place (6): the renewing caller takes it, not C
  assert.equal(await renewed, 16);
  assert.ok(pending(c), "7 and 16 fill the window");
  limiter.close(new Error("closed"));
  await assert.rejects(c, /closed/);
  await assert.rejects(d, /closed/);
  await assert.rejects(limiter.renew(a), /closed/);
});

test("a pool call whose signal aborts as it renews its pass (it got its connection, sent nothing) gives that pass back: the next call passes at once", async () => {
  const t = 0;
  const limiter = new RateLimiter({ messages: 1, interval: 10 }, () => t);
  try {
    const call = new CallPass(limiter);
    await call.take(undefined, () => assert.fail("the window is empty"));
    const controller = new AbortController();
    controller.abort(new Error("caller gave up"));
    await assert.rejects(call.renew(controller.signal), /caller gave up/);
    call.refund(); // as the pool does for a call that wrote nothing
    const next = limiter.take();
    assert.ok(!pending(next), "the aborted call's pass still counts");
    assert.equal(await next, 0);
  } finally {
    limiter.close(new Error("closed"));
  }
});

test("renew: callers renewing while the window is full pass in the order they renewed, all ahead of the calls waiting at take()", async () => {
  let t = 0;
  const limiter = new RateLimiter({ messages: 1, interval: 10 }, () => t);
  try {
    const a = await limiter.take(); // at 0
    t = 10;
    const b = await limiter.take(); // at 10: A's 0 has left the window
    t = 20;
    await limiter.take(); // at 20
    const later = limiter.take();
    t = 25;
    const first = limiter.renew(a);
    const second = limiter.renew(b);
    assert.ok(pending(first) && pending(second) && pending(later));
    t = 30;
    const winner = await Promise.race([first.then(() => "first"), second.then(() => "second"), later.then(() => "take")]);
    assert.equal(winner, "first", "the caller that renewed first passes first");
    assert.ok(pending(second) && pending(later));
    t = 40;
    assert.equal(await Promise.race([second.then(() => "second"), later.then(() => "take")]), "second");
  } finally {
    limiter.close(new Error("closed"));
  }
});
