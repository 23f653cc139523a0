/**
 * A body stream that stops yielding while the server waits patiently for the rest: each
 * wait for the stream's next chunk is bounded by the `dataBlock` timeout, as each stalled
 * write is (API.md: the data has a timeout, "never forever"). The call fails with
 * SMTPTimeoutError and the connection closes: the message, half sent, is never ended.
 * A `Readable` the call stops waiting for (that limit, an abort) is destroyed, as one
 * whose reading fails is: a file stream's descriptor is not left open. A Web
 * `ReadableStream` is cancelled with a reason (also when the call stops reading it early,
 * the message refused), and an async iterator gets `return()`.
 */

import assert from "node:assert/strict";
import { once } from "node:events";
import { Readable } from "node:stream";
import { test } from "node:test";
import { SMTPSenderRefused, SMTPServerDisconnected, SMTPTimeoutError } from "../../src/index.js";
import { greeting, LOCK_STEP_TO_DATA, PIPELINED_GROUP, withScript } from "../helpers/client.js";
import { assertDelivery } from "../helpers/delivery.js";

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
      await assert.rejects(sending, (err: unknown) => {
        assertDelivery(err, "not-delivered");
        return err instanceof SMTPTimeoutError && err.phase === "dataBlock" && err.timeout === STALL;
      });
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

/**
 * A Web ReadableStream that gives one line, then stalls (its pull never settles). `cancelled`
 * resolves with the reason its underlying source's cancel() gets; `stalled` once the call
 * waits for more.
 */
function stallingWebStream(): { stream: ReadableStream<Uint8Array>; cancelled: Promise<unknown>; stalled: Promise<void> } {
  let cancel!: (reason: unknown) => void;
  const cancelled = new Promise<unknown>((resolve) => (cancel = resolve));
  let stall!: () => void;
  const stalled = new Promise<void>((resolve) => (stall = resolve));
  let pulls = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulls++ === 0) return controller.enqueue(new TextEncoder().encode("first line\r\n"));
      stall();
      return new Promise<void>(() => undefined);
    },
    cancel: cancel,
    // Pulled only when read: the second pull is the call waiting for more.
  }, { highWaterMark: 0 });
  return { stream, cancelled, stalled };
}

/** Resolves as `promise` does; rejects after 10 s: only a guard against a hang, long after the call ended. */
function guarded<T>(promise: Promise<T>, what: string): Promise<T> {
  const guard = AbortSignal.timeout(10_000);
  return new Promise<T>((resolve, reject) => {
    guard.addEventListener("abort", () => reject(new Error(`${what}: not within 10 s`)), { once: true });
    promise.then(resolve, reject);
  });
}

for (const [name, script] of CASES) {
  for (const end of ["the dataBlock limit", "an abort"] as const) {
    test(`${name}: a Web ReadableStream that stops yielding is cancelled with a reason (the timeout error; the close an abort caused) once the call stops waiting for it (${end}); its lock is released`, { timeout: 20_000 }, async () => {
      await withScript(script, async (client) => {
        const { stream, cancelled, stalled } = stallingWebStream();
        const controller = new AbortController();
        const stop = new Error("cancelled by the caller");
        const sending = client.sendmail("a@x.test", "b@y.test", stream, [], [], { signal: controller.signal });
        if (end === "an abort") void stalled.then(() => controller.abort(stop));
        let failure: unknown;
        await assert.rejects(sending, (err: unknown) => { failure = err; return true; });
        const reason = await guarded(cancelled, "cancel");
        if (end === "an abort") {
          // The call fails with the abort's reason; the connection, half sent, closes with
          // an error caused by it, and that is the reason the stream's wait ended with.
          assert.equal(failure, stop);
          assert.ok(reason instanceof SMTPServerDisconnected && reason.cause === stop, `cancelled with ${String(reason)}`);
        } else {
          // The call's error says its message was not sent; the connection's is its cause.
          assert.ok(failure instanceof SMTPTimeoutError && failure.phase === "dataBlock");
          assert.equal(reason, failure.cause);
        }
        assert.equal(stream.locked, false);
      }, { timeouts: { dataBlock: end === "an abort" ? 60_000 : STALL } });
    });
  }
}

test("DATA: the server hangs up while the client waits for a Web ReadableStream's next chunk -> the stream is cancelled with the connection's error, the cause of the call's (which says the message was not sent)", { timeout: 20_000 }, async () => {
  await withScript(`${greeting(["8BITMIME"])}${LOCK_STEP_TO_DATA}C: first line\n-- close\n`, async (client) => {
    const { stream, cancelled } = stallingWebStream();
    let failure: unknown;
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", stream), (err: unknown) => { failure = err; return err instanceof SMTPServerDisconnected && /the message was not sent$/.test(err.message); });
    assert.equal(await guarded(cancelled, "cancel"), (failure as Error).cause);
    assert.equal(stream.locked, false);
  }, { timeouts: { dataBlock: 60_000 } });
});

test("pipelined BDAT: the sender refused while a Web ReadableStream is being read -> the rest is not read, the stream is cancelled with an Error saying so (not undefined), its lock released; RSET", { timeout: 20_000 }, async () => {
  const chunk = 256 * 1024;
  const script = `${greeting(["CHUNKING", "PIPELINING"])}C: MAIL FROM:<a@x.test>\nC: RCPT TO:<b@y.test>\nS: 550 5.7.1 sender refused\nS: 250 ok\nC: RSET\nS: 250 reset\n`;
  let refusalSeen!: () => void;
  const seen = new Promise<void>((resolve) => (refusalSeen = resolve));
  let cancel!: (reason: unknown) => void;
  const cancelled = new Promise<unknown>((resolve) => (cancel = resolve));
  let pulls = 0;
  // A whole BDAT chunk's worth once the refusal has come, then as much again each pull.
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (pulls++ === 0) await seen;
      controller.enqueue(new Uint8Array(chunk).fill(0x61));
    },
    cancel: cancel,
  }, { highWaterMark: 0 });
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", stream), SMTPSenderRefused);
    const reason = await guarded(cancelled, "cancel");
    assert.ok(reason instanceof Error, `cancelled with ${String(reason)}`);
    assert.match(reason.message, /not read to its end/);
    assert.equal(stream.locked, false);
    assert.ok(pulls <= 2, `read on after the refusal (${pulls} pulls)`);
  }, { debugLevel: 1, debugOutput: (line) => { if (line.startsWith("S: 550 ")) refusalSeen(); } });
});

test("an async generator that stalls: the call fails at the limit without waiting for it; once its pending step settles, the generator is returned (its finally runs) and nothing more of it is read", { timeout: 20_000 }, async () => {
  const [, script] = CASES[0]!;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let finished!: () => void;
  const finallyRan = new Promise<void>((resolve) => (finished = resolve));
  let resumed = false;
  async function* slowToWake(): AsyncGenerator<string> {
    try {
      yield "first line\r\n";
      await gate;
      yield "a line after the call failed\r\n";
      resumed = true;
    } finally {
      finished();
    }
  }
  await withScript(script, async (client) => {
    let ran = false;
    void finallyRan.then(() => { ran = true; });
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", slowToWake()), SMTPTimeoutError);
    // A pending step of a generator cannot be interrupted: return() waits for it.
    assert.equal(ran, false);
    release();
    await guarded(finallyRan, "the generator's finally");
    assert.equal(resumed, false, "the generator was resumed past its yield instead of returned");
  }, { timeouts: { dataBlock: STALL } });
});

test("an AsyncIterable whose next() never settles: its return() is called as soon as the call stops waiting (the limit), not after", { timeout: 20_000 }, async () => {
  const [, script] = CASES[0]!;
  let returned!: () => void;
  const returnCalled = new Promise<void>((resolve) => (returned = resolve));
  let nexts = 0;
  const body: AsyncIterable<string> = {
    [Symbol.asyncIterator]: () => ({
      next: () => nexts++ === 0 ? Promise.resolve({ done: false, value: "first line\r\n" }) : new Promise<never>(() => undefined),
      return: () => {
        returned();
        return Promise.resolve({ done: true, value: undefined });
      },
    }),
  };
  await withScript(script, async (client) => {
    await assert.rejects(client.sendmail("a@x.test", "b@y.test", body), SMTPTimeoutError);
    await guarded(returnCalled, "return()");
  }, { timeouts: { dataBlock: STALL } });
});

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
